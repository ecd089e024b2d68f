/* LiME memory images (other-formats.md §3.1): a sequence of 32-byte range headers, each
 * followed directly by the range's bytes. No CPU state. Raw memory is the concatenation of
 * the ranges widened to whole pages; bytes the widening adds read as zero (§10 "Partial
 * pages"), so every chunk is whole pages as the core requires. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/segments.h"
#include "core/bytes.h"
#include "core/checked.h"

/* other-formats.md §3.1 [src: LIME lime.h] */
#define LIME_MAGIC 0x4C694D45u /* "EMiL" on disk */
#define LIME_VERSION 1u
#define LIME_HDR_LEN 32u
#define LIME_PROBE_BID 90
#define PAGE_MASK ((uint64_t)VMS_PAGE_SIZE - 1)

struct lime_piece {
	uint64_t gpa;	   /* widened start, page aligned */
	uint64_t mem_len;  /* widened length, whole pages */
	uint64_t data_gpa; /* s_addr */
	uint64_t data_len; /* e_addr - s_addr + 1 */
	uint64_t file_off; /* where s_addr's byte is in the file */
	uint64_t raw_off;
};

struct lime_ctx {
	struct vms_io io;
	struct lime_piece *pieces; /* while scanning */
	struct vms_segment *segs;  /* after: what reads use */
	size_t count;
};

static int lime_probe(const uint8_t *head, size_t len)
{
	if (len < LIME_HDR_LEN || vms_le32(head) != LIME_MAGIC ||
	    vms_le32(head + 4) != LIME_VERSION)
		return 0;
	uint64_t s = vms_le64(head + 8), e = vms_le64(head + 16);
	return e >= s ? LIME_PROBE_BID : 0;
}

/* Decode the header at file offset `off` into a piece; checks the range against the file
 * and the previous piece. */
static int parse_header(const uint8_t *h, uint64_t off, uint64_t file_size,
			const struct lime_piece *prev, struct lime_piece *pc, struct vms_error *err)
{
	uint32_t magic = vms_le32(h), version = vms_le32(h + 4);
	uint64_t s = vms_le64(h + 8), e = vms_le64(h + 16);
	VMS_RETURN_IF(magic != LIME_MAGIC, err, -EBADMSG,
		      "lime: range header at file offset %#" PRIx64 ": magic %#x, expected %#x",
		      off, magic, LIME_MAGIC);
	VMS_RETURN_IF(version != LIME_VERSION, err, -ENOTSUP,
		      "lime: range header at file offset %#" PRIx64 ": version %u, expected %u",
		      off, version, LIME_VERSION);
	VMS_RETURN_IF(e < s || e == UINT64_MAX, err, -EBADMSG,
		      "lime: range header at file offset %#" PRIx64 ": end %#" PRIx64
		      " before start %#" PRIx64 " or at the top of the address space",
		      off, e, s);
	pc->data_gpa = s;
	pc->data_len = e - s + 1;
	pc->file_off = off + LIME_HDR_LEN;
	VMS_RETURN_IF(vms_range_outside(pc->file_off, pc->data_len, file_size), err, -EBADMSG,
		      "lime: range [%#" PRIx64 ", %#" PRIx64 "] at file offset %#" PRIx64
		      ": its %#" PRIx64 " bytes run past the end of the file (%" PRIu64 " bytes)",
		      s, e, off, pc->data_len, file_size);
	uint64_t end_page = (e | PAGE_MASK);
	pc->gpa = s & ~PAGE_MASK;
	VMS_RETURN_IF(end_page == UINT64_MAX, err, -EBADMSG,
		      "lime: range at file offset %#" PRIx64
		      " reaches the top of the address space",
		      off);
	pc->mem_len = end_page + 1 - pc->gpa;
	/* ascending and non-overlapping (Volatility 3's rule, §10), also after widening */
	VMS_RETURN_IF(prev && pc->gpa < prev->gpa + prev->mem_len, err, -EBADMSG,
		      "lime: range [%#" PRIx64 ", %#" PRIx64 "] at file offset %#" PRIx64
		      " overlaps or precedes the page-widened previous range ending at %#" PRIx64,
		      s, e, off, prev->gpa + prev->mem_len);
	return 0;
}

static int lime_scan(struct vms_model *m, struct lime_ctx *c, struct vms_error *err)
{
	uint64_t size = c->io.size, off = 0, raw = 0;
	size_t cap = 0, limit = m->opts ? m->opts->max_chunks : 1000000u;
	while (off < size) {
		uint8_t h[LIME_HDR_LEN];
		VMS_RETURN_IF(size - off < LIME_HDR_LEN, err, -EBADMSG,
			      "lime: %" PRIu64 " trailing bytes at file offset %#" PRIx64
			      " are too short for a range header",
			      size - off, off);
		int rc = vms_io_read(&c->io, off, h, sizeof(h), "lime: range header", err);
		if (rc)
			return rc;
		VMS_RETURN_IF(c->count >= limit, err, -EFBIG,
			      "lime: more than %zu ranges (max_chunks) at file offset %#" PRIx64,
			      limit, off);
		if (c->count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct lime_piece *n = realloc(c->pieces, ncap * sizeof(*n));
			if (!n)
				return vms_fail(err, -ENOMEM, "lime: cannot grow the range list");
			c->pieces = n;
			cap = ncap;
		}
		struct lime_piece *pc = &c->pieces[c->count];
		rc = parse_header(h, off, size, c->count ? pc - 1 : NULL, pc, err);
		if (rc)
			return rc;
		pc->raw_off = raw;
		rc = vms_model_add_chunk(m, pc->gpa, pc->mem_len / VMS_PAGE_SIZE, raw, 0, err);
		if (rc)
			return rc;
		raw += pc->mem_len;		   /* disjoint GPA ranges: no overflow */
		off = pc->file_off + pc->data_len; /* strict progress: at least 33 bytes */
		c->count++;
	}
	m->raw_size = raw;
	return 0;
}

static int lime_open(struct vms_model *m, void **ctx, struct vms_error *err)
{
	VMS_RETURN_IF(m->io_count != 1, err, -EINVAL, "lime: expected one file, got %zu",
		      m->io_count);
	struct lime_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return vms_fail(err, -ENOMEM, "lime: cannot allocate the context");
	c->io = m->ios[0];
	m->block_size = 0;
	int rc = lime_scan(m, c, err);
	if (!rc && c->count == 0)
		rc = vms_fail(err, -ENODATA, "lime: the file holds no range");
	if (!rc) {
		c->segs = calloc(c->count, sizeof(*c->segs));
		if (!c->segs)
			rc = vms_fail(err, -ENOMEM, "lime: cannot allocate the range table");
	}
	for (size_t i = 0; !rc && i < c->count; i++) {
		const struct lime_piece *pc = &c->pieces[i];
		c->segs[i] = (struct vms_segment){.raw_off = pc->raw_off,
						  .len = pc->mem_len,
						  .lead = pc->data_gpa - pc->gpa,
						  .data_len = pc->data_len,
						  .file_off = pc->file_off};
	}
	free(c->pieces);
	c->pieces = NULL;
	if (rc) {
		free(c->segs);
		free(c);
		return rc;
	}
	vms_model_add_propf(m, "lime.ranges", "%zu", c->count);
	*ctx = c;
	return 0;
}

static void lime_close(void *ctx)
{
	struct lime_ctx *c = ctx;
	if (c)
		free(c->segs);
	free(c);
}

static int lime_read_raw(void *ctx, uint64_t raw_off, void *buf, size_t len, struct vms_error *err)
{
	const struct lime_ctx *c = ctx;
	/* file bytes where a range has data, zeros in its page widening */
	return vms_segments_read(&c->io, c->segs, c->count, raw_off, buf, len, "lime: memory", err);
}

const struct vms_backend_ops vms_backend_lime = {
	.name = "lime",
	.probe = lime_probe,
	.open = lime_open,
	.close = lime_close,
	.read_raw = lime_read_raw,
};
