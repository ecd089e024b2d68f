/* kdump-compressed dumps (`dump-guest-memory -z`, makedumpfile): qemu-formats §7,
 * other-formats §2, docs/formats/qemu.md "kdump". Both the flattened layout QEMU 7.2 writes
 * and the plain diskdump layout are read. Raw memory is the dumped pages in PFN order
 * (raw block i = page descriptor i); each chunk is a run of set bits of the dump bitmap. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "formats/qemu/qemu_internal.h"

/* makedumpfile flattened format: 4096-byte header then {be64 offset, be64 size, data} */
#define FLAT_SIG "makedumpfile"
#define FLAT_HDR_LEN 4096u
#define FLAT_REC_HDR 16u
/* diskdump header (x86-64 offsets, other-formats §2.1) */
#define DD_SIG_KDUMP "KDUMP   "
#define DD_SIG_DISKDUMP "DISKDUMP"
#define DD_HEADER_VERSION 8
#define DD_STATUS 424
#define DD_BLOCK_SIZE 428
#define DD_SUB_HDR_SIZE 432
#define DD_BITMAP_BLOCKS 436
#define DD_MAX_MAPNR 440
#define DD_NR_CPUS 460
#define DD_HDR_LEN 464u
/* kdump_sub_header (other-formats §2.2) */
#define SUB_OFFSET_NOTE 48
#define SUB_SIZE_NOTE 56
#define SUB_MAX_MAPNR_64 96
#define SUB_LEN 104u
#define PD_LEN 24u
#define PD_FLAG_ZLIB 0x1u
#define PD_FLAG_LZO 0x2u
#define PD_FLAG_SNAPPY 0x4u
#define PD_FLAG_ZSTD 0x20u
#define NOTE_AREA_MAX (64u << 20)
#define MAX_PFN (1ull << 40) /* 4 PiB of guest memory: far beyond any x86 guest */

struct flat_rec {
	uint64_t dump_off; /* offset in the reassembled dump */
	uint64_t len;
	uint64_t file_off; /* where its bytes are in the flattened file */
};

struct kdump_ctx {
	struct vms_io io;
	struct flat_rec *recs; /* NULL for the plain layout */
	size_t rec_count;
	uint64_t image_size; /* size of the (reassembled) dump */
	uint64_t desc_off;   /* first page descriptor */
	uint64_t page_count;
};

static int kdump_probe(const uint8_t *head, size_t len)
{
	if (len >= 16 && memcmp(head, FLAT_SIG, sizeof(FLAT_SIG)) == 0)
		return 85;
	if (len >= 8 && memcmp(head, DD_SIG_KDUMP, 8) == 0)
		return 85;
	if (len >= 8 && memcmp(head, DD_SIG_DISKDUMP, 8) == 0)
		return 60;
	return 0;
}

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct flat_rec *x = a, *y = b;
	return x->dump_off < y->dump_off ? -1 : x->dump_off > y->dump_off;
}

/* Index the records of a flattened file (qemu-formats §7). Each record is at least 16 bytes,
 * so the count is bounded by the file size; the loop always moves forward. */
static int flat_index(struct vms_model *m, struct kdump_ctx *c, struct vms_error *err)
{
	uint64_t pos = FLAT_HDR_LEN, max = c->io.size / FLAT_REC_HDR;
	size_t cap = 0;
	while (1) {
		uint8_t h[FLAT_REC_HDR];
		int rc =
			vms_io_read(&c->io, pos, h, sizeof(h), "qemu-kdump: flattened record", err);
		if (rc)
			return rc;
		uint64_t off = be64(h), len = be64(h + 8);
		if (off == UINT64_MAX && len == UINT64_MAX)
			break;
		VMS_RETURN_IF(vms_range_outside(pos + FLAT_REC_HDR, len, c->io.size) ||
				      vms_range_outside(off, len, INT64_MAX),
			      err, -EBADMSG,
			      "qemu-kdump: flattened record at file offset %#" PRIx64
			      " (dump offset %#" PRIx64 ", %#" PRIx64 " bytes) overruns the file",
			      pos, off, len);
		if (c->rec_count == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			VMS_RETURN_IF(ncap > max + 1 ||
					      (uint64_t)ncap * sizeof(struct flat_rec) >
						      (m->opts ? m->opts->max_alloc : UINT64_MAX),
				      err, -EFBIG, "qemu-kdump: too many flattened records");
			void *p = realloc(c->recs, ncap * sizeof(struct flat_rec));
			if (!p)
				return vms_fail(err, -ENOMEM, "qemu-kdump: record index");
			c->recs = p;
			cap = ncap;
		}
		c->recs[c->rec_count++] = (struct flat_rec){off, len, pos + FLAT_REC_HDR};
		if (off + len > c->image_size)
			c->image_size = off + len;
		pos += FLAT_REC_HDR + len;
	}
	/* An end marker first leaves no records and recs NULL, which qsort must not get (its
	 * base is declared nonnull); nor would the dump have a header to read. */
	VMS_RETURN_IF(c->rec_count == 0, err, -EBADMSG,
		      "qemu-kdump: flattened file: end marker at file offset %#" PRIx64
		      " before any record",
		      pos);
	qsort(c->recs, c->rec_count, sizeof(*c->recs), rec_cmp);
	for (size_t i = 1; i < c->rec_count; i++)
		VMS_RETURN_IF(c->recs[i - 1].dump_off + c->recs[i - 1].len > c->recs[i].dump_off,
			      err, -EBADMSG,
			      "qemu-kdump: flattened records at file offsets %#" PRIx64
			      " and %#" PRIx64 " overlap",
			      c->recs[i - 1].file_off, c->recs[i].file_off);
	return 0;
}

/* Read the reassembled dump; gaps between records read as zero (makedumpfile -R leaves
 * them sparse). Thread safe: only reads the index. */
static int image_read(const struct kdump_ctx *c, uint64_t off, void *buf, size_t len,
		      const char *what, struct vms_error *err)
{
	if (!c->recs)
		return vms_io_read(&c->io, off, buf, len, what, err);
	VMS_RETURN_IF(vms_range_outside(off, len, c->image_size), err, -EBADMSG,
		      "%s: dump offset [%#" PRIx64 ", +%#zx) outside the dump", what, off, len);
	uint8_t *dst = buf;
	size_t lo = 0, hi = c->rec_count;
	while (lo < hi) { /* first record ending after off */
		size_t mid = lo + (hi - lo) / 2;
		if (c->recs[mid].dump_off + c->recs[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (len) {
		const struct flat_rec *r = lo < c->rec_count ? &c->recs[lo] : NULL;
		if (!r || r->dump_off > off) {
			uint64_t gap = r ? r->dump_off - off : len;
			size_t n = gap < len ? (size_t)gap : len;
			memset(dst, 0, n);
			dst += n, off += n, len -= n;
			continue;
		}
		uint64_t in = off - r->dump_off;
		size_t n = r->len - in < len ? (size_t)(r->len - in) : len;
		int rc = vms_io_read(&c->io, r->file_off + in, dst, n, what, err);
		if (rc)
			return rc;
		dst += n, off += n, len -= n;
		lo++;
	}
	return 0;
}

/* Chunks from the dump bitmap: one per run of set bits; raw offset = rank * page size. */
static int bitmap_chunks(struct vms_model *m, const uint8_t *bm, uint64_t max_pfn, uint64_t *pages,
			 struct vms_error *err)
{
	uint64_t rank = 0, run_start = 0;
	bool in_run = false;
	for (uint64_t pfn = 0; pfn <= max_pfn; pfn++) {
		bool set = pfn < max_pfn && (bm[pfn / 8] >> (pfn % 8)) & 1u;
		if (pfn < max_pfn && !set && !in_run && pfn % 8 == 0 && max_pfn - pfn >= 8 &&
		    bm[pfn / 8] == 0) {
			pfn += 7; /* skip empty bytes quickly */
			continue;
		}
		if (set && !in_run) {
			in_run = true;
			run_start = pfn;
		} else if (!set && in_run) {
			in_run = false;
			int rc = vms_model_add_chunk(m, run_start * VMS_PAGE_SIZE, pfn - run_start,
						     rank * VMS_PAGE_SIZE, 0, err);
			if (rc)
				return rc;
			rank += pfn - run_start;
		}
	}
	*pages = rank;
	return 0;
}

static int read_headers(struct vms_model *m, struct kdump_ctx *c, struct vms_error *err)
{
	uint8_t h[DD_HDR_LEN], sub[SUB_LEN];
	int rc = image_read(c, 0, h, sizeof(h), "qemu-kdump: disk_dump_header", err);
	if (rc)
		return rc;
	VMS_RETURN_IF(memcmp(h, DD_SIG_KDUMP, 8) != 0 && memcmp(h, DD_SIG_DISKDUMP, 8) != 0, err,
		      -EBADMSG, "qemu-kdump: disk_dump_header at dump offset 0: bad signature");
	int32_t version = (int32_t)vms_le32(h + DD_HEADER_VERSION);
	uint32_t status = vms_le32(h + DD_STATUS), bs = vms_le32(h + DD_BLOCK_SIZE);
	uint32_t sub_blocks = vms_le32(h + DD_SUB_HDR_SIZE),
		 bm_blocks = vms_le32(h + DD_BITMAP_BLOCKS);
	uint64_t max_mapnr = vms_le32(h + DD_MAX_MAPNR);
	VMS_RETURN_IF(bs != VMS_PAGE_SIZE, err, -ENOTSUP,
		      "qemu-kdump: block_size %u at dump offset %u, only 4096 is supported", bs,
		      DD_BLOCK_SIZE);
	VMS_RETURN_IF(sub_blocks == 0 || bm_blocks == 0 || bm_blocks % 2, err, -EBADMSG,
		      "qemu-kdump: sub_hdr_size %u / bitmap_blocks %u invalid", sub_blocks,
		      bm_blocks);
	rc = image_read(c, bs, sub, sizeof(sub), "qemu-kdump: kdump_sub_header", err);
	if (rc)
		return rc;
	if (version >= 6 && vms_le64(sub + SUB_MAX_MAPNR_64))
		max_mapnr = vms_le64(sub + SUB_MAX_MAPNR_64);
	uint64_t bm_half = (uint64_t)bm_blocks / 2 * bs;
	VMS_RETURN_IF(max_mapnr > MAX_PFN || max_mapnr > bm_half * 8, err, -EBADMSG,
		      "qemu-kdump: max_mapnr %#" PRIx64 " does not fit %u bitmap blocks", max_mapnr,
		      bm_blocks);
	if (version >= 4) {
		uint64_t note_off = vms_le64(sub + SUB_OFFSET_NOTE);
		uint64_t note_len = vms_le64(sub + SUB_SIZE_NOTE);
		VMS_RETURN_IF(note_len > NOTE_AREA_MAX, err, -EFBIG,
			      "qemu-kdump: note area of %" PRIu64 " bytes", note_len);
		if (note_len) {
			uint8_t *notes = vms_model_alloc(m, note_len, "qemu-kdump: notes", err);
			if (!notes)
				return err ? err->code : -ENOMEM;
			rc = image_read(c, note_off, notes, (size_t)note_len, "qemu-kdump: notes",
					err);
			if (!rc)
				rc = qemu_notes_to_model(m, notes, (size_t)note_len, note_off,
							 false, err);
			free(notes);
			if (rc)
				return rc;
		}
	}
	/* the second bitmap says which pages were dumped (other-formats §2.3) */
	uint64_t bm_off = (1 + (uint64_t)sub_blocks) * bs + bm_half;
	uint8_t *bm = vms_model_alloc(m, bm_half, "qemu-kdump: bitmap", err);
	if (!bm)
		return err ? err->code : -ENOMEM;
	rc = image_read(c, bm_off, bm, (size_t)bm_half, "qemu-kdump: dump bitmap", err);
	if (!rc)
		rc = bitmap_chunks(m, bm, max_mapnr, &c->page_count, err);
	free(bm);
	if (rc)
		return rc;
	c->desc_off = (1 + (uint64_t)sub_blocks + bm_blocks) * bs;
	uint64_t desc_len;
	VMS_RETURN_IF(vms_mul_overflow(c->page_count, PD_LEN, &desc_len) ||
			      vms_range_outside(c->desc_off, desc_len, c->image_size),
		      err, -EBADMSG,
		      "qemu-kdump: %" PRIu64 " page descriptors at dump offset %#" PRIx64
		      " overrun the dump",
		      c->page_count, c->desc_off);
	m->raw_size = c->page_count * VMS_PAGE_SIZE;
	m->block_size = VMS_PAGE_SIZE;
	vms_model_add_propf(m, "qemu.kdump.layout", "%s", c->recs ? "flattened" : "diskdump");
	vms_model_add_propf(m, "qemu.kdump.header_version", "%d", version);
	vms_model_add_propf(m, "qemu.kdump.status", "%#x", status);
	vms_model_add_propf(m, "qemu.kdump.nr_cpus", "%d", (int32_t)vms_le32(h + DD_NR_CPUS));
	return 0;
}

static int kdump_open(struct vms_model *m, void **ctx, struct vms_error *err)
{
	VMS_RETURN_IF(m->io_count < 1, err, -EINVAL, "qemu-kdump: no input");
	struct kdump_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return vms_fail(err, -ENOMEM, "qemu-kdump: cannot allocate the context");
	c->io = m->ios[0];
	c->image_size = c->io.size;
	uint8_t sig[16] = {0};
	int rc = vms_io_read(&c->io, 0, sig, c->io.size < 16 ? (size_t)c->io.size : 16,
			     "qemu-kdump: signature", err);
	if (!rc && memcmp(sig, FLAT_SIG, sizeof(FLAT_SIG)) == 0) {
		c->image_size = 0;
		rc = flat_index(m, c, err);
	}
	if (!rc)
		rc = read_headers(m, c, err);
	if (rc) {
		free(c->recs);
		free(c);
		return rc;
	}
	snprintf(m->format_name, sizeof(m->format_name), "qemu-kdump");
	*ctx = c;
	return 0;
}

static void kdump_close(void *ctx)
{
	struct kdump_ctx *c = ctx;
	if (!c)
		return;
	free(c->recs);
	free(c);
}

static int kdump_read_block(void *ctx, uint64_t index, uint8_t *dst, struct vms_error *err)
{
	const struct kdump_ctx *c = ctx;
	uint8_t pd[PD_LEN];
	VMS_RETURN_IF(index >= c->page_count, err, -EIO,
		      "qemu-kdump: page %" PRIu64 " out of range", index);
	uint64_t pd_off = c->desc_off + index * PD_LEN;
	int rc = image_read(c, pd_off, pd, sizeof(pd), "qemu-kdump: page descriptor", err);
	if (rc)
		return rc;
	uint64_t off = vms_le64(pd);
	uint32_t size = vms_le32(pd + 8), flags = vms_le32(pd + 12);
	VMS_RETURN_IF(off == 0, err, -EBADMSG,
		      "qemu-kdump: page descriptor %" PRIu64 " at dump offset %#" PRIx64
		      ": page lost (offset 0, incomplete dump)",
		      index, pd_off);
	if (flags & (PD_FLAG_LZO | PD_FLAG_SNAPPY | PD_FLAG_ZSTD))
		return vms_fail(err, -ENOTSUP,
				"qemu-kdump: page descriptor %" PRIu64 " at dump offset %#" PRIx64
				": compression flags %#x (lzo/snappy/zstd) not supported",
				index, pd_off, flags);
	if (!(flags & PD_FLAG_ZLIB)) {
		VMS_RETURN_IF(size != VMS_PAGE_SIZE, err, -EBADMSG,
			      "qemu-kdump: page descriptor %" PRIu64 " at dump offset %#" PRIx64
			      ": raw page of %u bytes",
			      index, pd_off, size);
		return image_read(c, off, dst, VMS_PAGE_SIZE, "qemu-kdump: page", err);
	}
	/* a zlib page never needs more than the page plus zlib's worst-case overhead */
	VMS_RETURN_IF(size == 0 || size > 2 * VMS_PAGE_SIZE, err, -EBADMSG,
		      "qemu-kdump: page descriptor %" PRIu64 " at dump offset %#" PRIx64
		      ": compressed size %u",
		      index, pd_off, size);
	uint8_t src[2 * VMS_PAGE_SIZE];
	rc = image_read(c, off, src, size, "qemu-kdump: compressed page", err);
	if (rc)
		return rc;
	uLongf out_len = VMS_PAGE_SIZE;
	int zrc = uncompress(dst, &out_len, src, size);
	VMS_RETURN_IF(zrc != Z_OK || out_len != VMS_PAGE_SIZE, err, -EBADMSG,
		      "qemu-kdump: page %" PRIu64 " at dump offset %#" PRIx64
		      ": zlib error %d or %lu bytes instead of 4096",
		      index, off, zrc, (unsigned long)out_len);
	return 0;
}

const struct vms_backend_ops vms_backend_qemu_kdump = {
	.name = "qemu-kdump",
	.probe = kdump_probe,
	.open = kdump_open,
	.close = kdump_close,
	.read_block = kdump_read_block,
};
