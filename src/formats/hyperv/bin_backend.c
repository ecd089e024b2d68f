/* Backend "hyperv-bin": a legacy Hyper-V .bin on its own (hyperv-format.md §6). Memory only:
 * the .bin holds RamBlock values (§6.2) but no RamMemoryBlock metadata or partition state,
 * so guest-physical addresses map to raw memory by identity, an assumption §6.3 says to
 * label [V: raf-test_file.bin, a single-range VM]. With its .vsv, the vmrs backend wins. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/bytes.h"
#include "formats/hyperv/bin_container.h"
#include "formats/hyperv/ramblock_decode.h"

/* A token stream of page tokens is at most 256 * (4 + 4096) + 4 bytes; explicit-length
 * tokens could be longer, so allow twice a block [G] and refuse more without reading it. */
#define BIN_MAX_VALUE_LEN (2u * HV_RAMBLOCK_SIZE)
/* Spare read buffers kept for concurrent readers (the FUSE daemon runs a few threads). */
#define SCRATCH_SLOTS 4u
/* Bid below hyperv-vmrs (80), which takes a .bin given together with its .vsv. */
#define BIN_BID 70
#define BIN_BID_WEAK 30
/* A .vsv is a HyperVStorage container (§2.1, §6.3). */
#define VSV_SIGNATURE 0x01282014u

struct bin_ctx {
	const struct vms_io *io;
	struct hv_bin_index *idx;
	size_t scratch_len; /* longest stored value within the cap */
	pthread_mutex_t lock;
	uint8_t *spare[SCRATCH_SLOTS];
	unsigned spare_count;
};

static int bin_probe(const uint8_t *head, size_t len)
{
	if (len < 4 || vms_le32(head) != HV_BIN_SIGNATURE)
		return 0;
	struct hv_bin_header h;
	if (hv_bin_parse_header(head, len, &h, NULL) != 0)
		return BIN_BID_WEAK;
	/* a plausible header: an index and a name table that fits its capacity */
	return h.index_cap && h.index_off >= HV_BIN_HEADER_LEN && h.names_used <= h.names_cap
		       ? BIN_BID
		       : BIN_BID_WEAK;
}

static void bin_close(void *p)
{
	struct bin_ctx *x = p;
	if (!x)
		return;
	for (unsigned i = 0; i < x->spare_count; i++)
		free(x->spare[i]);
	pthread_mutex_destroy(&x->lock);
	hv_bin_free(x->idx);
	free(x);
}

/* Scratch buffers for stored values: reused across reads so decoding a block allocates
 * nothing in the steady state; each is scratch_len bytes. */
static uint8_t *scratch_get(struct bin_ctx *x)
{
	uint8_t *buf = NULL;
	pthread_mutex_lock(&x->lock);
	if (x->spare_count)
		buf = x->spare[--x->spare_count];
	pthread_mutex_unlock(&x->lock);
	return buf ? buf : malloc(x->scratch_len ? x->scratch_len : 1);
}

static void scratch_put(struct bin_ctx *x, uint8_t *buf)
{
	pthread_mutex_lock(&x->lock);
	if (x->spare_count < SCRATCH_SLOTS) {
		x->spare[x->spare_count++] = buf;
		buf = NULL;
	}
	pthread_mutex_unlock(&x->lock);
	free(buf);
}

static int bin_read_block(void *p, uint64_t index, uint8_t *dst, struct vms_error *err)
{
	struct bin_ctx *x = p;
	uint64_t file_off;
	uint32_t len;
	int rc = hv_bin_block(x->idx, index, &file_off, &len);
	if (rc == -ENOENT) {
		/* a gap, accepted at open only with VMS_OPEN_ZERO_MISSING (§3.5) */
		memset(dst, 0, HV_RAMBLOCK_SIZE);
		return 0;
	}
	if (rc < 0)
		return vms_fail(err, rc, ".bin: RamBlock/%" PRIu64 "/ beyond the last block",
				index);
	if (len > BIN_MAX_VALUE_LEN)
		return vms_fail(err, -EBADMSG,
				".bin RamBlock/%" PRIu64 "/ at file offset %#" PRIx64
				": stored value of %" PRIu32 " bytes exceeds the %u-byte cap",
				index, file_off, len, BIN_MAX_VALUE_LEN);
	uint8_t *buf = scratch_get(x);
	if (!buf)
		return vms_fail(err, -ENOMEM, ".bin: cannot allocate a %zu-byte read buffer",
				x->scratch_len);
	rc = vms_io_read(x->io, file_off, buf, len, ".bin RamBlock value", err);
	if (rc == 0) {
		rc = hv_ramblock_decode(buf, len, dst, err);
		if (rc < 0)
			vms_fail_prefix(err, rc,
					".bin RamBlock/%" PRIu64 "/ at file offset %#" PRIx64
					" (%" PRIu32 " bytes)",
					index, file_off, len);
	}
	scratch_put(x, buf);
	return rc;
}

/* The .bin among the sources. A HyperVStorage .vsv partner makes hyperv-vmrs win the probe,
 * so a partner seen here is not one: §6.3 says to refuse it naming its signature. */
static int pick_source(struct vms_model *m, const struct vms_io **out, struct vms_error *err)
{
	*out = NULL;
	for (size_t i = 0; i < m->io_count; i++) {
		uint8_t sig[4];
		const int rc = vms_io_read(&m->ios[i], 0, sig, sizeof(sig), "signature", err);
		if (rc < 0)
			return rc;
		const char *name = m->ios[i].name ? m->ios[i].name : "source";
		if (vms_le32(sig) != HV_BIN_SIGNATURE)
			return vms_fail(err, -ENOTSUP,
					"%s: signature %#010" PRIx32 " is not a HyperVStorage "
					".vsv (%#010x), the only partner a .bin takes (§6.3)",
					name, vms_le32(sig), VSV_SIGNATURE);
		if (*out)
			return vms_fail(err, -EINVAL,
					"%s and %s are both .bin files; a .bin pairs with its "
					".vsv",
					(*out)->name ? (*out)->name : "source", name);
		*out = &m->ios[i];
	}
	if (!*out)
		return vms_fail(err, -EPROTONOSUPPORT,
				"hyperv-bin: no source has the .bin "
				"signature %#010x",
				HV_BIN_SIGNATURE);
	return 0;
}

static int describe(struct vms_model *m, const struct hv_bin_index *idx)
{
	if (vms_model_add_propf(m, "hyperv.bin.header_version", "%#x", idx->hdr.version) ||
	    vms_model_add_propf(m, "hyperv.bin.header_word8", "%" PRIu32, idx->hdr.unknown8) ||
	    vms_model_add_propf(m, "hyperv.bin.index",
				"%" PRIu32 " of %" PRIu32 " slots used, at file offset %#" PRIx64,
				idx->used_slots, idx->hdr.index_cap, idx->hdr.index_off) ||
	    vms_model_add_propf(m, "hyperv.ram_blocks", "%zu", idx->block_count) ||
	    vms_model_add_prop(m, "hyperv.gpa_map",
			       "identity (assumed: the RamMemoryBlock metadata is in the .vsv)") ||
	    vms_model_add_prop(m, "registers",
			       "unavailable: a .bin holds guest memory only; open it together "
			       "with its .vsv for processor state"))
		return -ENOMEM; /* the helpers fail only on allocation or their count cap */
	if (idx->block_span > idx->block_count)
		vms_model_warn(m,
			       ".bin: %" PRIu64 " RamBlocks missing below RamBlock/%" PRIu64
			       "/ read as zeros (VMS_OPEN_ZERO_MISSING)",
			       idx->block_span - idx->block_count, idx->block_span - 1);
	if (idx->other_keys)
		vms_model_warn(m,
			       ".bin: %" PRIu32 " index entries are not RamBlocks (first: "
			       "\"%s\"); ignored",
			       idx->other_keys, idx->first_other);
	if (idx->odd_entry_bytes)
		vms_model_warn(m,
			       ".bin: %" PRIu32 " index entries have bytes +6/+7 other than "
			       "1, 1 (meaning unknown, §9 item 10)",
			       idx->odd_entry_bytes);
	return 0;
}

static int bin_open(struct vms_model *m, void **ctx, struct vms_error *err)
{
	const struct vms_io *io;
	int rc = pick_source(m, &io, err);
	if (rc < 0)
		return rc;
	struct bin_ctx *x = calloc(1, sizeof(*x));
	if (!x)
		return vms_fail(err, -ENOMEM, "hyperv-bin: out of memory");
	if (pthread_mutex_init(&x->lock, NULL) != 0) {
		free(x);
		return vms_fail(err, -ENOMEM, "hyperv-bin: cannot create a lock");
	}
	x->io = io;
	rc = hv_bin_open(io, m->opts, &x->idx, err);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < x->idx->block_count; i++) {
		const uint32_t len = x->idx->blocks[i].len;
		if (len <= BIN_MAX_VALUE_LEN && len > x->scratch_len)
			x->scratch_len = len;
	}

	/* span <= 2^32 blocks (hv_bin_open), so neither product overflows */
	const uint64_t span = x->idx->block_span;
	m->raw_size = span * HV_RAMBLOCK_SIZE;
	m->block_size = HV_RAMBLOCK_SIZE;
	rc = vms_model_add_chunk(m, 0, span * (HV_RAMBLOCK_SIZE / VMS_PAGE_SIZE), 0, 0, err);
	if (rc < 0)
		goto fail;
	rc = describe(m, x->idx);
	if (rc < 0) {
		rc = vms_fail(err, rc, "hyperv-bin: cannot record properties");
		goto fail;
	}
	*ctx = x;
	return 0;
fail:
	bin_close(x);
	return rc;
}

const struct vms_backend_ops vms_backend_hyperv_bin = {
	.name = "hyperv-bin",
	.probe = bin_probe,
	.open = bin_open,
	.close = bin_close,
	.read_block = bin_read_block,
};
