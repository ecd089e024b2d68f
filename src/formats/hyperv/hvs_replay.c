/* HyperVStorage replay log (hyperv-format §2.10): header, entries, and the in-memory overlay
 * of pending entries that every container read goes through. The input is never written.
 *
 * Entry layout: DIS's field positions, settled by the stale entries of both fixtures whose
 * CRCs verify only that way [V]. Pending logs have never been observed (§9.1), so an entry is
 * honoured only when its entry CRC and data CRC both verify.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "core/crc32.h"
#include "formats/hyperv/hvs_internal.h"

/* §2.10 replay-log header offsets */
#define RL_OFF_SIGNATURE 0
#define RL_OFF_CHECKSUM 4
#define RL_OFF_COUNT 8
#define RL_OFF_MAX 13
/* §2.10 entry offsets (DIS positions) */
#define RE_OFF_DEST 0
#define RE_OFF_SIZE 8
#define RE_OFF_LOG_OFF 12
#define RE_OFF_CRC 20
#define RE_OFF_DATA_CRC 24

bool hvs_replay_entry_ok(const uint8_t *e)
{
	uint8_t tmp[HVS_REPLAY_ENTRY_LEN];
	memcpy(tmp, e, sizeof(tmp));
	vms_put_le32(tmp + RE_OFF_CRC, 0);
	return vms_crc32(0, tmp, sizeof(tmp)) == vms_le32(e + RE_OFF_CRC);
}

void hvs_overlay_apply(const struct hvs_container *c, uint64_t file_off, uint8_t *buf, size_t len)
{
	uint64_t end = file_off + len; /* callers checked it against the file size */
	if (c->patch_count == 0 || end <= c->patch_lo || file_off >= c->patch_hi)
		return;
	for (uint32_t i = 0; i < c->patch_count; i++) { /* in log order: later entries win */
		const struct hvs_patch *p = &c->patches[i];
		uint64_t lo = p->file_off > file_off ? p->file_off : file_off;
		uint64_t p_end = p->file_off + p->len;
		uint64_t hi = p_end < end ? p_end : end;
		if (lo < hi)
			memcpy(buf + (lo - file_off), p->data + (lo - p->file_off), hi - lo);
	}
}

int hvs_read(const struct hvs_container *c, uint64_t file_off, void *buf, size_t len,
	     const char *what, struct vms_error *err)
{
	if (vms_range_outside(file_off, len, c->io.size))
		return vms_fail(err, -EBADMSG,
				"hvs: %s at file offset %#" PRIx64 ": %zu bytes "
				"extend past the end of the file (size %#" PRIx64 ")",
				what, file_off, len, c->io.size);
	if (len == 0)
		return 0;
	int rc = c->io.pread(c->io.ctx, buf, len, file_off);
	if (rc < 0)
		return vms_fail(err, -EIO,
				"hvs: %s at file offset %#" PRIx64 ": read of %zu "
				"bytes failed (%d)",
				what, file_off, len, rc);
	hvs_overlay_apply(c, file_off, buf, len);
	return 0;
}

int hvs_read_file(const struct hvs_container *c, uint64_t file_off, void *buf, size_t len,
		  struct vms_error *err)
{
	return hvs_read(c, file_off, buf, len, "value", err);
}

uint32_t hvs_replay_pending(const struct hvs_container *c)
{
	return c ? c->info.replay_pending : 0;
}

/* Check one pending entry and load its data; returns a static description of the failed
 * check, or NULL when the entry is good (then *p is filled, data allocated). */
static const char *load_entry(struct hvs_container *c, const uint8_t *e, struct hvs_patch *p,
			      bool want_data, uint64_t *overlay_bytes, struct vms_error *err,
			      int *rc)
{
	const struct hvs_info *in = &c->info;
	uint64_t dest = vms_le64(e + RE_OFF_DEST);
	uint32_t size = vms_le32(e + RE_OFF_SIZE);
	uint64_t log_off = vms_le64(e + RE_OFF_LOG_OFF);
	uint64_t d_end, r_end = in->replay_off + in->replay_size;

	*rc = 0;
	if (!hvs_replay_entry_ok(e))
		return "entry CRC mismatch";
	if (vms_range_outside(log_off, size, in->replay_size))
		return "data lies outside the replay-log region";
	if (log_off < in->replay_hdr_size)
		return "data overlaps the log's header area";
	if (vms_range_outside(in->replay_off + log_off, size, c->io.size))
		return "data lies past the end of the file";
	if (vms_range_outside(dest, size, c->io.size))
		return "destination lies outside the file";
	d_end = dest + size;
	if (dest < r_end && d_end > in->replay_off)
		return "destination overlaps the replay log itself";
	if (!want_data)
		return NULL;
	*overlay_bytes += size;
	if (*overlay_bytes > HVS_MAX_OVERLAY_BYTES) {
		*rc = vms_fail(err, -EFBIG,
			       "hvs: replay log at file offset %#" PRIx64 ": pending "
			       "entries hold more than %u bytes",
			       in->replay_off, HVS_MAX_OVERLAY_BYTES);
		return "too large";
	}
	uint8_t *data = hvs_alloc(c, size ? size : 1, "replay entry data", err);
	if (!data) {
		*rc = err ? err->code : -ENOMEM;
		return "allocation failed";
	}
	int r = c->io.pread(c->io.ctx, data, size, in->replay_off + log_off);
	if (size && r < 0) {
		free(data);
		*rc = vms_fail(err, -EIO,
			       "hvs: replay entry data at file offset %#" PRIx64
			       ": read failed (%d)",
			       in->replay_off + log_off, r);
		return "read failed";
	}
	if (vms_crc32(0, data, size) != vms_le32(e + RE_OFF_DATA_CRC)) {
		free(data);
		return "data CRC mismatch";
	}
	p->file_off = dest;
	p->len = size;
	p->data = data;
	return NULL;
}

/* Returns 0 to continue (log ignored with a warning) or the strict-mode error. */
static int log_unusable(struct hvs_container *c, struct vms_error *err, const char *why)
{
	return hvs_crc_fail(c, err,
			    "hvs: replay log at file offset %#" PRIx64 " (size %#" PRIx64
			    "): %s; log ignored",
			    c->info.replay_off, c->info.replay_size, why);
}

int hvs_replay_load(struct hvs_container *c, bool want_overlay, bool strict_entries,
		    struct vms_error *err)
{
	struct hvs_info *in = &c->info;
	uint8_t hb[HVS_REPLAY_HEADER_LEN];

	if (in->replay_size < HVS_REPLAY_HEADER_LEN ||
	    vms_range_outside(in->replay_off, HVS_REPLAY_HEADER_LEN, c->io.size))
		return log_unusable(c, err, "region is too small or outside the file");
	/* dissect-test.VMRS ends inside its log region [V]: read what the file holds */
	if (vms_range_outside(in->replay_off, in->replay_size, c->io.size))
		hvs_warn(c,
			 "hvs: replay log at file offset %#" PRIx64 " (size %#" PRIx64 ") extends "
			 "past the end of the file (size %#" PRIx64 ")",
			 in->replay_off, in->replay_size, c->io.size);
	if (in->replay_hdr_size < HVS_REPLAY_HEADER_LEN || in->replay_hdr_size > in->replay_size)
		return log_unusable(c, err, "header-area size is out of range");
	int rc = c->io.pread(c->io.ctx, hb, sizeof(hb), in->replay_off);
	if (rc < 0)
		return vms_fail(err, -EIO,
				"hvs: replay log header at file offset %#" PRIx64
				": read failed (%d)",
				in->replay_off, rc);
	memcpy(c->replay_hdr_raw, hb, sizeof(hb));
	uint32_t crc = vms_le32(hb + RL_OFF_CHECKSUM);
	vms_put_le32(hb + RL_OFF_CHECKSUM, 0);
	if (vms_le32(hb + RL_OFF_SIGNATURE) != HVS_REPLAY_SIGNATURE)
		return log_unusable(c, err, "bad signature");
	if (vms_crc32(0, hb, sizeof(hb)) != crc)
		return log_unusable(c, err, "header CRC mismatch");
	in->replay_valid = true;
	in->replay_count = vms_le32(hb + RL_OFF_COUNT);
	in->replay_max = vms_le32(hb + RL_OFF_MAX);
	if (in->replay_max == 0)
		hvs_warn(c,
			 "hvs: replay log at file offset %#" PRIx64 ": maximum_number_of_entries"
			 " is 0 (the DLL's loader requires > 0)",
			 in->replay_off);

	uint64_t cap = (in->replay_hdr_size - HVS_REPLAY_HEADER_LEN) / HVS_REPLAY_ENTRY_LEN;
	if (cap > HVS_MAX_REPLAY_ENTRIES)
		cap = HVS_MAX_REPLAY_ENTRIES;
	if (in->replay_count > cap || (in->replay_max && in->replay_count > in->replay_max)) {
		if (strict_entries)
			return vms_fail(err, -EBADMSG,
					"hvs: replay log at file offset %#" PRIx64
					": current_entries_count %u exceeds the capacity %" PRIu64,
					in->replay_off, in->replay_count, cap);
		in->replay_count = 0;
		return log_unusable(c, err, "current_entries_count exceeds the header area");
	}
	uint64_t scan = in->replay_max < cap ? in->replay_max : cap;
	if (scan < in->replay_count)
		scan = in->replay_count;
	uint64_t in_file =
		(c->io.size - in->replay_off - HVS_REPLAY_HEADER_LEN) / HVS_REPLAY_ENTRY_LEN;
	if (in_file < in->replay_count)
		return log_unusable(c, err, "pending entries lie past the end of the file");
	if (scan > in_file)
		scan = in_file;
	size_t area_len = (size_t)scan * HVS_REPLAY_ENTRY_LEN;
	uint8_t *area = hvs_alloc(c, area_len ? area_len : 1, "replay entries", err);
	if (!area)
		return err ? err->code : -ENOMEM;
	rc = hvs_read(c, in->replay_off + HVS_REPLAY_HEADER_LEN, area, area_len,
		      "replay log entries", err);
	if (rc < 0)
		goto out;

	/* stale entries (after the count) stay in the log [V]; report how many still verify */
	for (uint64_t i = in->replay_count; i < scan; i++) {
		const uint8_t *e = area + i * HVS_REPLAY_ENTRY_LEN;
		if (!hvs_replay_entry_ok(e) || vms_le32(e + RE_OFF_SIZE) == 0)
			break;
		in->replay_stale++;
	}
	if (in->replay_count == 0)
		goto out;
	if (!want_overlay) {
		hvs_warn(c,
			 "hvs: replay log at file offset %#" PRIx64 ": %u pending entries "
			 "ignored (VMS_OPEN_IGNORE_REPLAY_LOG)",
			 in->replay_off, in->replay_count);
		goto out;
	}
	c->patches = hvs_alloc(c, (uint64_t)in->replay_count * sizeof(*c->patches),
			       "replay "
			       "overlay",
			       err);
	if (!c->patches) {
		rc = err ? err->code : -ENOMEM;
		goto out;
	}
	uint64_t overlay_bytes = 0;
	uint32_t verified = 0;
	for (uint32_t i = 0; i < in->replay_count; i++) {
		const uint8_t *e = area + (size_t)i * HVS_REPLAY_ENTRY_LEN;
		uint64_t e_off =
			in->replay_off + HVS_REPLAY_HEADER_LEN + (uint64_t)i * HVS_REPLAY_ENTRY_LEN;
		struct hvs_patch *p = &c->patches[c->patch_count];
		int lrc;
		const char *why = load_entry(c, e, p, true, &overlay_bytes, err, &lrc);
		if (lrc < 0) {
			rc = lrc;
			goto out;
		}
		if (why) {
			/* [G] §2.10: stop at the first bad entry; only verified entries count */
			if (strict_entries || (c->flags & VMS_OPEN_STRICT)) {
				rc = vms_fail(err, -EBADMSG,
					      "hvs: replay log entry %u at file "
					      "offset %#" PRIx64 ": %s (dest %#" PRIx64
					      ", size %u)",
					      i, e_off, why, vms_le64(e + RE_OFF_DEST),
					      vms_le32(e + RE_OFF_SIZE));
				goto out;
			}
			hvs_warn(c,
				 "hvs: replay log entry %u at file offset %#" PRIx64 ": %s; "
				 "only the %u verified entries before it are applied",
				 i, e_off, why, verified);
			break;
		}
		verified++;
		if (p->len == 0) {
			free(p->data);
			continue;
		}
		if (c->patch_count == 0 || p->file_off < c->patch_lo)
			c->patch_lo = p->file_off;
		if (c->patch_count == 0 || p->file_off + p->len > c->patch_hi)
			c->patch_hi = p->file_off + p->len;
		c->patch_count++;
	}
	in->replay_pending = verified;
	hvs_warn(c,
		 "hvs: replay log at file offset %#" PRIx64 " has %u pending entries: applied "
		 "as an in-memory overlay (the file is unchanged)",
		 in->replay_off, in->replay_pending);
out:
	free(area);
	return rc;
}
