/* Walk a QEMU migration stream (qemu-formats §§1-3): the configuration record, the `ram`
 * section's page records (indexed per RAM block, not copied), and the FULL device sections,
 * whose lengths come from the vmdesc JSON. Every record moves the cursor forward, so the
 * walk ends after at most file-size steps. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "formats/qemu/qemu_mig.h"

/* record types (migration/savevm.c) */
#define MIG_EOF 0x00u
#define MIG_START 0x01u
#define MIG_PART 0x02u
#define MIG_END 0x03u
#define MIG_FULL 0x04u
#define MIG_SUBSECTION 0x05u
#define MIG_VMDESC 0x06u
#define MIG_CONFIG 0x07u
#define MIG_COMMAND 0x08u
#define MIG_FOOTER 0x7eu
/* ram record flags (migration/ram.c, qemu-formats §2) */
#define RAM_ZERO 0x002u
#define RAM_MEM_SIZE 0x004u
#define RAM_PAGE 0x008u
#define RAM_EOS 0x010u
#define RAM_CONTINUE 0x020u
#define RAM_XBZRLE 0x040u
#define RAM_HOOK 0x080u
#define RAM_COMPRESS 0x100u
#define RAM_MULTIFD_FLUSH 0x200u
#define RAM_FLAG_MASK 0xfffu
#define RAM_ZLIB_MAX (2 * VMS_PAGE_SIZE)
#define RD_BUF 65536u

struct rd {
	const struct vms_io *io;
	uint64_t pos;
	uint64_t buf_off;
	size_t buf_len;
	uint8_t buf[RD_BUF];
};

static int rd_need(struct rd *r, size_t n, const char *what, struct vms_error *err)
{
	if (r->pos >= r->buf_off && r->pos + n <= r->buf_off + r->buf_len)
		return 0;
	VMS_RETURN_IF(vms_range_outside(r->pos, n, r->io->size), err, -EBADMSG,
		      "qemu-migration: %s at file offset %#" PRIx64 ": stream truncated", what,
		      r->pos);
	uint64_t left = r->io->size - r->pos;
	r->buf_off = r->pos;
	r->buf_len = left < RD_BUF ? (size_t)left : RD_BUF;
	return vms_io_read(r->io, r->pos, r->buf, r->buf_len, "qemu-migration: stream", err);
}

static int rd_be(struct rd *r, unsigned bytes, uint64_t *out, const char *what,
		 struct vms_error *err)
{
	int rc = rd_need(r, bytes, what, err);
	if (rc)
		return rc;
	const uint8_t *p = r->buf + (r->pos - r->buf_off);
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	r->pos += bytes;
	*out = v;
	return 0;
}

/* counted string: u8 length + bytes, no NUL (qemu-formats §1) */
static int rd_str(struct rd *r, char out[MIG_IDSTR_MAX], const char *what, struct vms_error *err)
{
	uint64_t n;
	int rc = rd_be(r, 1, &n, what, err);
	if (!rc)
		rc = rd_need(r, (size_t)n, what, err);
	if (rc)
		return rc;
	memcpy(out, r->buf + (r->pos - r->buf_off), (size_t)n);
	out[n] = 0;
	r->pos += n;
	return 0;
}

static int rd_skip(struct rd *r, uint64_t n, const char *what, struct vms_error *err)
{
	VMS_RETURN_IF(vms_range_outside(r->pos, n, r->io->size), err, -EBADMSG,
		      "qemu-migration: %s at file offset %#" PRIx64 " (+%#" PRIx64
		      " bytes): stream truncated",
		      what, r->pos, n);
	r->pos += n;
	return 0;
}

static int add_block(struct vms_model *m, struct mig_stream *s, const char *name, uint64_t len,
		     struct vms_error *err)
{
	VMS_RETURN_IF(s->block_count >= MIG_MAX_BLOCKS, err, -EFBIG,
		      "qemu-migration: more than %u RAM blocks", MIG_MAX_BLOCKS);
	VMS_RETURN_IF(len % VMS_PAGE_SIZE, err, -EBADMSG,
		      "qemu-migration: RAM block %s: length %#" PRIx64 " not page aligned", name,
		      len);
	if (!s->blocks) {
		s->blocks = calloc(MIG_MAX_BLOCKS, sizeof(*s->blocks));
		if (!s->blocks)
			return vms_fail(err, -ENOMEM, "qemu-migration: block table");
	}
	struct mig_block *b = &s->blocks[s->block_count];
	uint64_t raw = s->block_count ? b[-1].raw_off + b[-1].len : 0;
	VMS_RETURN_IF(vms_add_overflow(raw, len, &raw), err, -EBADMSG,
		      "qemu-migration: RAM blocks overflow");
	b->pages = vms_model_alloc(m, len / VMS_PAGE_SIZE * sizeof(uint64_t),
				   "qemu-migration: RAM page index", err);
	if (!b->pages)
		return err ? err->code : -ENOMEM;
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->len = len;
	b->raw_off = raw - len;
	s->block_count++;
	return 0;
}

static int ram_mem_size(struct vms_model *m, struct mig_stream *s, struct rd *r, uint64_t total,
			struct vms_error *err)
{
	uint64_t sum = 0;
	while (sum < total) {
		char name[MIG_IDSTR_MAX];
		uint64_t len;
		int rc = rd_str(r, name, "RAM block list", err);
		if (!rc)
			rc = rd_be(r, 8, &len, "RAM block length", err);
		if (!rc && s->ignore_shared)
			rc = rd_skip(r, 8, "RAM block address", err);
		if (!rc)
			rc = add_block(m, s, name, len, err);
		if (rc)
			return rc;
		VMS_RETURN_IF(vms_add_overflow(sum, len, &sum) || sum > total, err, -EBADMSG,
			      "qemu-migration: RAM block list at file offset %#" PRIx64
			      " exceeds its total %#" PRIx64,
			      r->pos, total);
	}
	return 0;
}

/* Body of a ram START/PART/END section, up to its EOS (qemu-formats §2). `cur` persists
 * across sections: a page record may continue the previous section's block. */
static int ram_section(struct vms_model *m, struct mig_stream *s, struct rd *r,
		       struct mig_block **cur, struct vms_error *err)
{
	for (;;) {
		uint64_t w, rec_off = r->pos;
		int rc = rd_be(r, 8, &w, "ram record", err);
		if (rc)
			return rc;
		uint32_t flags = (uint32_t)(w & RAM_FLAG_MASK);
		uint64_t addr = w & ~(uint64_t)RAM_FLAG_MASK;
		if (flags & RAM_MEM_SIZE) {
			rc = ram_mem_size(m, s, r, addr, err);
			if (rc)
				return rc;
			continue;
		}
		if (flags & RAM_EOS)
			return 0;
		if (flags & RAM_MULTIFD_FLUSH)
			continue;
		VMS_RETURN_IF(flags & (RAM_XBZRLE | RAM_HOOK), err, -ENOTSUP,
			      "qemu-migration: ram record at file offset %#" PRIx64
			      ": flags %#x (XBZRLE/RDMA) not supported",
			      rec_off, flags);
		VMS_RETURN_IF(!(flags & (RAM_ZERO | RAM_PAGE | RAM_COMPRESS)), err, -EBADMSG,
			      "qemu-migration: ram record at file offset %#" PRIx64
			      ": unknown flags %#x",
			      rec_off, flags);
		if (!(flags & RAM_CONTINUE)) {
			char name[MIG_IDSTR_MAX];
			rc = rd_str(r, name, "ram block id", err);
			if (rc)
				return rc;
			*cur = NULL;
			for (size_t i = 0; i < s->block_count; i++)
				if (strcmp(s->blocks[i].name, name) == 0)
					*cur = &s->blocks[i];
			VMS_RETURN_IF(!*cur, err, -EBADMSG,
				      "qemu-migration: ram record at file offset %#" PRIx64
				      ": unknown block %s",
				      rec_off, name);
		}
		VMS_RETURN_IF(!*cur || addr >= (*cur)->len, err, -EBADMSG,
			      "qemu-migration: ram record at file offset %#" PRIx64
			      ": offset %#" PRIx64 " outside block %s",
			      rec_off, addr, *cur ? (*cur)->name : "(none)");
		uint64_t *e = &(*cur)->pages[addr / VMS_PAGE_SIZE], v = 0;
		if (flags & RAM_ZERO) {
			rc = rd_be(r, 1, &v, "zero page fill", err);
			*e = v << 2 | MIG_PAGE_FILL;
		} else if (flags & RAM_PAGE) {
			*e = r->pos << 2 | MIG_PAGE_RAW;
			rc = rd_skip(r, VMS_PAGE_SIZE, "page", err);
		} else {
			*e = r->pos << 2 | MIG_PAGE_ZLIB;
			rc = rd_be(r, 4, &v, "compressed page length", err);
			if (!rc && (v == 0 || v > RAM_ZLIB_MAX))
				rc = vms_fail(
					err, -EBADMSG,
					"qemu-migration: compressed page at file offset %#" PRIx64
					": length %" PRIu64,
					rec_off, v);
			if (!rc)
				rc = rd_skip(r, v, "compressed page", err);
		}
		if (rc)
			return rc;
	}
}

static int footer(struct rd *r, uint64_t id, struct vms_error *err)
{
	uint64_t t, fid, at = r->pos;
	int rc = rd_be(r, 1, &t, "section footer", err);
	if (!rc)
		rc = rd_be(r, 4, &fid, "section footer", err);
	if (rc)
		return rc;
	VMS_RETURN_IF(t != MIG_FOOTER || fid != id, err, -EBADMSG,
		      "qemu-migration: section %" PRIu64 " footer at file offset %#" PRIx64
		      ": found %#" PRIx64 "/%" PRIu64,
		      id, at, t, fid);
	return 0;
}

/* configuration record: name + optional subsections (qemu-formats §1) */
static int config(struct mig_stream *s, struct rd *r, struct vms_error *err)
{
	uint64_t n;
	int rc = rd_be(r, 4, &n, "configuration", err);
	if (rc)
		return rc;
	VMS_RETURN_IF(n >= MIG_IDSTR_MAX, err, -EBADMSG,
		      "qemu-migration: machine name of %" PRIu64 " bytes", n);
	rc = rd_need(r, (size_t)n, "configuration", err);
	if (rc)
		return rc;
	memcpy(s->machine, r->buf + (r->pos - r->buf_off), (size_t)n);
	s->machine[n] = 0;
	r->pos += n;
	for (;;) {
		rc = rd_need(r, 1, "configuration", err);
		if (rc || r->buf[r->pos - r->buf_off] != MIG_SUBSECTION)
			return rc;
		char name[MIG_IDSTR_MAX];
		uint64_t ver, v;
		r->pos++;
		rc = rd_str(r, name, "configuration subsection", err);
		if (!rc)
			rc = rd_be(r, 4, &ver, "configuration subsection", err);
		if (rc)
			return rc;
		if (strcmp(name, "configuration/target-page-bits") == 0) {
			rc = rd_be(r, 4, &v, "target-page-bits", err);
			if (!rc && v != 12)
				rc = vms_fail(err, -ENOTSUP,
					      "qemu-migration: target page bits %" PRIu64, v);
		} else if (strcmp(name, "configuration/capabilities") == 0) {
			rc = rd_be(r, 4, &n, "capabilities", err);
			for (uint64_t i = 0; !rc && i < n; i++) {
				char cap[MIG_IDSTR_MAX];
				rc = rd_str(r, cap, "capability", err);
				if (!rc && strcmp(cap, "x-ignore-shared") == 0)
					s->ignore_shared = true;
			}
		} else if (strcmp(name, "configuration/uuid") == 0) {
			rc = rd_skip(r, 16, "uuid", err);
		} else {
			rc = vms_fail(err, -ENOTSUP,
				      "qemu-migration: unknown configuration subsection %s", name);
		}
		if (rc)
			return rc;
	}
}

int mig_stream_parse(struct vms_model *m, struct mig_stream *s, struct vms_error *err)
{
	struct mig_desc *desc = NULL;
	struct rd *r = calloc(1, sizeof(*r));
	if (!r)
		return vms_fail(err, -ENOMEM, "qemu-migration: reader");
	r->io = s->io;
	r->pos = s->base;
	uint64_t magic, ver, ram_id = UINT64_MAX, id, t;
	struct mig_block *cur = NULL;
	int rc = rd_be(r, 4, &magic, "header", err);
	if (!rc)
		rc = rd_be(r, 4, &ver, "header", err);
	if (!rc && (magic != 0x5145564du || ver != 3))
		rc = vms_fail(err, -ENOTSUP,
			      "qemu-migration: header at file offset %#" PRIx64 ": magic %#" PRIx64
			      " version %" PRIu64 " (want QEVM 3)",
			      s->base, magic, ver);
	if (!rc)
		rc = mig_desc_load(m, s->io, s->base, &desc, err);
	while (!rc) {
		uint64_t at = r->pos;
		rc = rd_be(r, 1, &t, "record type", err);
		if (rc)
			break;
		if (t == MIG_EOF || t == MIG_VMDESC)
			break;
		if (t == MIG_CONFIG) {
			rc = config(s, r, err);
			continue;
		}
		if (t == MIG_PART || t == MIG_END) {
			rc = rd_be(r, 4, &id, "section id", err);
			if (!rc && id != ram_id)
				rc = vms_fail(err, -ENOTSUP,
					      "qemu-migration: PART/END of non-ram section %" PRIu64
					      " at file offset %#" PRIx64,
					      id, at);
			if (!rc)
				rc = ram_section(m, s, r, &cur, err);
			if (!rc)
				rc = footer(r, id, err);
			continue;
		}
		if (t != MIG_START && t != MIG_FULL) {
			rc = vms_fail(err, t == MIG_COMMAND ? -ENOTSUP : -EBADMSG,
				      "qemu-migration: record type %#" PRIx64
				      " at file offset %#" PRIx64,
				      t, at);
			break;
		}
		char name[MIG_IDSTR_MAX];
		uint64_t inst, sver;
		rc = rd_be(r, 4, &id, "section id", err);
		if (!rc)
			rc = rd_str(r, name, "section name", err);
		if (!rc)
			rc = rd_be(r, 4, &inst, "instance id", err);
		if (!rc)
			rc = rd_be(r, 4, &sver, "version id", err);
		if (rc)
			break;
		if (strcmp(name, "ram") == 0) {
			ram_id = id;
			rc = ram_section(m, s, r, &cur, err);
		} else if (t == MIG_START) {
			rc = vms_fail(err, -ENOTSUP,
				      "qemu-migration: live section %s at file offset %#" PRIx64
				      " not supported",
				      name, at);
		} else {
			uint64_t len;
			bool is_cpu;
			struct mig_cpu_fields cf;
			rc = mig_desc_section(desc, name, (uint32_t)inst, r->pos, &len, &cf,
					      &is_cpu, err);
			if (!rc && is_cpu) {
				if (s->cpu_count >= MIG_MAX_CPUS)
					rc = vms_fail(err, -EFBIG, "qemu-migration: too many CPUs");
				else if (!s->cpus && !(s->cpus = calloc(MIG_MAX_CPUS, sizeof(cf))))
					rc = vms_fail(err, -ENOMEM, "qemu-migration: CPU table");
				else
					s->cpus[s->cpu_count++] = cf;
			}
			if (!rc)
				rc = rd_skip(r, len, name, err);
		}
		if (!rc)
			rc = footer(r, id, err);
	}
	mig_desc_free(desc);
	free(r);
	return rc;
}

void mig_stream_free(struct mig_stream *s)
{
	for (size_t i = 0; i < s->block_count; i++)
		free(s->blocks[i].pages);
	free(s->blocks);
	free(s->cpus);
	s->blocks = NULL;
	s->cpus = NULL;
	s->block_count = s->cpu_count = 0;
}
