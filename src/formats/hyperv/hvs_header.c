/* HyperVStorage file header copies and the choice of the active one (hyperv-format §2.2-2.4).
 */
#include <inttypes.h>
#include <string.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "core/crc32.h"
#include "formats/hyperv/hvs_internal.h"

/* §2.2 field offsets */
#define HDR_OFF_SIGNATURE 0
#define HDR_OFF_CHECKSUM 4
#define HDR_OFF_SEQUENCE 8
#define HDR_OFF_VERSION 10
#define HDR_OFF_DATA_VERSION 14
#define HDR_OFF_FLAGS 18
#define HDR_OFF_ALIGNMENT 22
#define HDR_OFF_REPLAY_OFF 26
#define HDR_OFF_REPLAY_SIZE 34
#define HDR_OFF_REPLAY_HDR 42

void hvs_header_decode(const uint8_t *buf, struct hvs_header *h)
{
	uint8_t tmp[HVS_HEADER_LEN];
	memcpy(tmp, buf, sizeof(tmp));
	h->signature = vms_le32(buf + HDR_OFF_SIGNATURE);
	h->checksum = vms_le32(buf + HDR_OFF_CHECKSUM);
	h->sequence = vms_le16(buf + HDR_OFF_SEQUENCE);
	h->format_version = vms_le32(buf + HDR_OFF_VERSION);
	h->data_version = vms_le32(buf + HDR_OFF_DATA_VERSION);
	h->flags = vms_le32(buf + HDR_OFF_FLAGS);
	h->alignment = vms_le32(buf + HDR_OFF_ALIGNMENT);
	h->replay_off = vms_le64(buf + HDR_OFF_REPLAY_OFF);
	h->replay_size = vms_le64(buf + HDR_OFF_REPLAY_SIZE);
	h->replay_hdr_size = vms_le32(buf + HDR_OFF_REPLAY_HDR);
	/* §2.11: CRC-32 of the 46 bytes with the checksum field zeroed */
	vms_put_le32(tmp + HDR_OFF_CHECKSUM, 0);
	h->valid = h->signature == HVS_HEADER_SIGNATURE &&
		   vms_crc32(0, tmp, sizeof(tmp)) == h->checksum;
}

bool hvs_seq_newer(uint16_t a, uint16_t b)
{
	uint16_t d = (uint16_t)(a - b);
	return d >= 1 && d <= 32767;
}

int hvs_header_select(const struct hvs_header h[2], bool *tie)
{
	*tie = false;
	if (!h[0].valid && !h[1].valid)
		return -1;
	if (!h[1].valid)
		return 0;
	if (!h[0].valid)
		return 1;
	if (h[0].sequence == h[1].sequence) {
		/* [G] §2.3: OV-WR says the DLL treats a tie as corrupt; we warn and use copy 0 */
		*tie = true;
		return 0;
	}
	return hvs_seq_newer(h[1].sequence, h[0].sequence) ? 1 : 0;
}

static const char *header_problem(const struct hvs_header *h)
{
	return h->signature != HVS_HEADER_SIGNATURE ? "bad signature" : "CRC mismatch";
}

int hvs_read_headers(struct hvs_container *c, struct vms_error *err)
{
	static const uint64_t copy_off[2] = {0, HVS_HEADER_COPY1_OFF};
	bool present[2] = {false, false};

	for (unsigned i = 0; i < 2; i++) {
		uint8_t buf[HVS_HEADER_LEN];
		memset(&c->hdr[i], 0, sizeof(c->hdr[i]));
		if (vms_range_outside(copy_off[i], HVS_HEADER_LEN, c->io.size))
			continue;
		int rc = c->io.pread(c->io.ctx, buf, sizeof(buf), copy_off[i]);
		if (rc < 0)
			return vms_fail(err, -EIO,
					"hvs: header copy %u at file offset %#" PRIx64
					": read failed (%d)",
					i, copy_off[i], rc);
		present[i] = true;
		hvs_header_decode(buf, &c->hdr[i]);
		c->info.sequence[i] = c->hdr[i].sequence;
		c->info.header_valid[i] = c->hdr[i].valid;
	}
	if (!present[0])
		return vms_fail(err, -EBADMSG,
				"hvs: file of %" PRIu64 " bytes is too short for a "
				"header (%u bytes at offset 0)",
				c->io.size, HVS_HEADER_LEN);

	bool tie;
	int active = hvs_header_select(c->hdr, &tie);
	if (active < 0) {
		if (c->hdr[0].signature != HVS_HEADER_SIGNATURE &&
		    c->hdr[1].signature != HVS_HEADER_SIGNATURE)
			return vms_fail(err, -EBADMSG,
					"hvs: header copies at file offsets 0x0 and "
					"0x1000: no signature %#x: not a HyperVStorage file",
					HVS_HEADER_SIGNATURE);
		return vms_fail(err, -EBADMSG,
				"hvs: header copies at file offsets 0x0 (%s) and "
				"0x1000 (%s): neither verifies",
				header_problem(&c->hdr[0]),
				present[1] ? header_problem(&c->hdr[1]) : "beyond end of file");
	}
	for (unsigned i = 0; i < 2; i++)
		if (!c->hdr[i].valid)
			hvs_warn(c,
				 "hvs: header copy %u at file offset %#" PRIx64 ": %s; using copy "
				 "%d",
				 i, copy_off[i],
				 present[i] ? header_problem(&c->hdr[i]) : "beyond end of file",
				 active);
	if (tie)
		hvs_warn(c, "hvs: header copies have equal sequence %u; using copy 0",
			 c->hdr[0].sequence);

	const struct hvs_header *h = &c->hdr[active];
	c->info.active_header = (unsigned)active;
	c->info.format_version = h->format_version;
	c->info.data_alignment = h->alignment;
	c->info.replay_off = h->replay_off;
	c->info.replay_size = h->replay_size;
	c->info.replay_hdr_size = h->replay_hdr_size;

	/* §2.4: 4.0 fully; 3.0/3.1 best effort (their layout changes are undocumented) */
	switch (h->format_version) {
	case HVS_VERSION_4_0:
		break;
	case HVS_VERSION_3_0:
	case HVS_VERSION_3_1:
		hvs_warn(c, "hvs: format version %#x: read best-effort (only 0x400 is documented)",
			 h->format_version);
		break;
	default:
		return vms_fail(err, -ENOTSUP,
				"hvs: header copy %d at file offset %#" PRIx64
				": format version %#x is not supported (0x300, 0x301, 0x400 are)",
				active, copy_off[active], h->format_version);
	}
	if (h->alignment < HVS_ALIGN_MIN || h->alignment > HVS_ALIGN_MAX ||
	    (h->alignment & (h->alignment - 1)) != 0)
		hvs_warn(c,
			 "hvs: header copy %d: data alignment %#x is not a power of two in "
			 "0x1000..0x10000; ignored (the root object table is at 0x2000)",
			 active, h->alignment);
	return 0;
}
