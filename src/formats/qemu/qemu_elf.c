#include <stdio.h>
/* QEMU ELF core (`dump-guest-memory`, `virsh dump --memory-only`): qemu-formats §6,
 * docs/formats/qemu.md "ELF core". PT_LOADs give the memory (GPA = p_paddr), the PT_NOTE
 * gives the vCPUs. Raw memory is the concatenation of the GPA-unique parts of the PT_LOADs
 * in GPA order; bytes past p_filesz read as zero. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "core/segments.h"
#include "formats/qemu/qemu_internal.h"

#define ELF_HDR64_LEN 64u
#define ELF_HDR32_LEN 52u
#define ELFCLASS32 1u
#define ELFCLASS64 2u
#define ELFDATA2LSB 1u
#define ET_CORE 4u
#define EM_386 3u
#define EM_X86_64 62u
#define PT_LOAD 1u
#define PT_NOTE 4u
#define PN_XNUM 0xffffu
#define PHDR64_LEN 56u
#define PHDR32_LEN 32u
#define SHDR64_LEN 64u
#define SHDR32_LEN 40u
#define NOTE_AREA_MAX (64u << 20) /* far above 2 notes x 4096 CPUs */

struct elf_piece {
	uint64_t gpa;
	uint64_t mem_len;  /* bytes of guest memory */
	uint64_t file_len; /* bytes present in the file (<= mem_len); the rest is zero */
	uint64_t file_off;
	uint64_t raw_off;
};

struct elf_ctx {
	struct vms_io io;
	struct elf_piece *pieces; /* while loading the program headers */
	struct vms_segment *segs; /* after: what reads use, one per piece */
	size_t piece_count;
};

static int elf_probe(const uint8_t *head, size_t len)
{
	if (len < ELF_HDR32_LEN || memcmp(head, "\177ELF", 4) != 0)
		return 0;
	if ((head[4] != ELFCLASS32 && head[4] != ELFCLASS64) || head[5] != ELFDATA2LSB)
		return 0;
	uint16_t type = vms_le16(head + 16), machine = vms_le16(head + 18);
	if (type != ET_CORE || (machine != EM_X86_64 && machine != EM_386))
		return 0;
	return 80;
}

struct elf_hdr {
	bool is64;
	uint16_t machine;
	uint64_t phoff, shoff;
	uint32_t phentsize, shentsize, phnum;
};

static int read_header(const struct vms_io *io, struct elf_hdr *h, struct vms_error *err)
{
	uint8_t b[ELF_HDR64_LEN];
	int rc = vms_io_read(io, 0, b, io->size < sizeof(b) ? ELF_HDR32_LEN : sizeof(b),
			     "qemu-elf: ELF header", err);
	if (rc)
		return rc;
	h->is64 = b[4] == ELFCLASS64;
	h->machine = vms_le16(b + 18);
	if (h->is64) {
		VMS_RETURN_IF(io->size < ELF_HDR64_LEN, err, -EBADMSG,
			      "qemu-elf: file of %" PRIu64 " bytes is shorter than an ELF64 header",
			      io->size);
		h->phoff = vms_le64(b + 32);
		h->shoff = vms_le64(b + 40);
		h->phentsize = vms_le16(b + 54);
		h->phnum = vms_le16(b + 56);
		h->shentsize = vms_le16(b + 58);
	} else {
		h->phoff = vms_le32(b + 28);
		h->shoff = vms_le32(b + 32);
		h->phentsize = vms_le16(b + 42);
		h->phnum = vms_le16(b + 44);
		h->shentsize = vms_le16(b + 46);
	}
	/* e_ehsize is ignored: QEMU 7.2 writes 8 there (qemu-formats §6 quirk) */
	uint32_t want_ph = h->is64 ? PHDR64_LEN : PHDR32_LEN;
	VMS_RETURN_IF(h->phentsize != want_ph, err, -EBADMSG,
		      "qemu-elf: ELF header at file offset 0: e_phentsize %u, expected %u",
		      h->phentsize, want_ph);
	if (h->phnum == PN_XNUM) {
		/* the real count is in section header 0's sh_info (ELF gABI "Extended numbering")
		 */
		uint32_t want_sh = h->is64 ? SHDR64_LEN : SHDR32_LEN;
		uint8_t sh[SHDR64_LEN];
		VMS_RETURN_IF(h->shentsize != want_sh, err, -EBADMSG,
			      "qemu-elf: e_phnum is PN_XNUM but e_shentsize is %u", h->shentsize);
		rc = vms_io_read(io, h->shoff, sh, want_sh, "qemu-elf: section header 0", err);
		if (rc)
			return rc;
		h->phnum = vms_le32(sh + (h->is64 ? 44 : 28));
	}
	VMS_RETURN_IF(h->phnum == 0 || h->phnum > (io->size / want_ph), err, -EBADMSG,
		      "qemu-elf: %u program headers cannot fit in a file of %" PRIu64 " bytes",
		      h->phnum, io->size);
	return 0;
}

static int piece_cmp(const void *a, const void *b)
{
	const struct elf_piece *x = a, *y = b;
	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	/* longer first, so the shorter duplicates are dropped */
	return x->mem_len > y->mem_len ? -1 : x->mem_len < y->mem_len;
}

/* Keep each GPA once: with paging=true, aliases repeat GPAs (qemu-formats §6); the same GPA
 * holds the same bytes, so trimming the later copies loses nothing. */
static size_t dedup_pieces(struct elf_piece *p, size_t n)
{
	size_t out = 0;
	uint64_t covered = 0;
	bool any = false;
	qsort(p, n, sizeof(*p), piece_cmp);
	for (size_t i = 0; i < n; i++) {
		struct elf_piece c = p[i];
		uint64_t end = c.gpa + c.mem_len;
		if (any && end <= covered)
			continue;
		if (any && c.gpa < covered) {
			uint64_t cut = covered - c.gpa;
			c.gpa = covered;
			c.mem_len -= cut;
			c.file_off += cut < c.file_len ? cut : c.file_len;
			c.file_len = cut < c.file_len ? c.file_len - cut : 0;
		}
		p[out++] = c;
		covered = end;
		any = true;
	}
	return out;
}

static int load_phdrs(struct vms_model *m, struct elf_ctx *c, const struct elf_hdr *h,
		      struct vms_error *err)
{
	const struct vms_io *io = &c->io;
	uint64_t tab_len = (uint64_t)h->phnum * h->phentsize;
	VMS_RETURN_IF(vms_range_outside(h->phoff, tab_len, io->size), err, -EBADMSG,
		      "qemu-elf: program header table [%#" PRIx64 ", +%#" PRIx64
		      ") outside the file",
		      h->phoff, tab_len);
	uint8_t *tab = vms_model_alloc(m, tab_len, "qemu-elf: program headers", err);
	if (!tab)
		return err ? err->code : -ENOMEM;
	int rc = vms_io_read(io, h->phoff, tab, (size_t)tab_len, "qemu-elf: program headers", err);
	if (rc)
		goto out;
	c->pieces = vms_model_alloc(m, (uint64_t)h->phnum * sizeof(*c->pieces),
				    "qemu-elf: segment table", err);
	rc = c->pieces ? 0 : (err ? err->code : -ENOMEM);
	if (rc)
		goto out;
	bool notes_done = false, paging = false;
	for (uint32_t i = 0; i < h->phnum; i++) {
		const uint8_t *p = tab + (uint64_t)i * h->phentsize;
		uint32_t type = vms_le32(p);
		uint64_t off, vaddr, paddr, filesz, memsz;
		if (h->is64) {
			off = vms_le64(p + 8);
			vaddr = vms_le64(p + 16);
			paddr = vms_le64(p + 24);
			filesz = vms_le64(p + 32);
			memsz = vms_le64(p + 40);
		} else {
			off = vms_le32(p + 4);
			vaddr = vms_le32(p + 8);
			paddr = vms_le32(p + 12);
			filesz = vms_le32(p + 16);
			memsz = vms_le32(p + 20);
		}
		uint64_t ph_off = h->phoff + (uint64_t)i * h->phentsize;
		if (type != PT_LOAD && type != PT_NOTE)
			continue;
		rc = vms_range_outside(off, filesz, io->size) ? -EBADMSG : 0;
		if (rc) {
			vms_fail(err, rc,
				 "qemu-elf: program header %u at file offset %#" PRIx64
				 ": data [%#" PRIx64 ", +%#" PRIx64 ") outside the file",
				 i, ph_off, off, filesz);
			goto out;
		}
		if (type == PT_NOTE) {
			if (notes_done) {
				vms_model_warn(m, "qemu-elf: extra PT_NOTE %u ignored", i);
				continue;
			}
			notes_done = true;
			rc = filesz > NOTE_AREA_MAX ? -EFBIG : 0;
			if (rc) {
				vms_fail(err, rc, "qemu-elf: PT_NOTE of %" PRIu64 " bytes", filesz);
				goto out;
			}
			uint8_t *notes = vms_model_alloc(m, filesz, "qemu-elf: notes", err);
			if (!notes) {
				rc = err ? err->code : -ENOMEM;
				goto out;
			}
			rc = vms_io_read(io, off, notes, (size_t)filesz, "qemu-elf: notes", err);
			if (!rc)
				rc = qemu_notes_to_model(m, notes, (size_t)filesz, off,
							 h->machine == EM_X86_64, err);
			free(notes);
			if (rc)
				goto out;
			continue;
		}
		if (memsz == 0)
			continue;
		rc = (filesz > memsz || paddr % VMS_PAGE_SIZE || memsz % VMS_PAGE_SIZE ||
		      vms_range_outside(paddr, memsz, UINT64_MAX))
			     ? -EBADMSG
			     : 0;
		if (rc) {
			vms_fail(err, rc,
				 "qemu-elf: PT_LOAD %u at file offset %#" PRIx64 ": paddr %#" PRIx64
				 " memsz %#" PRIx64 " filesz %#" PRIx64
				 " not page aligned or filesz > memsz",
				 i, ph_off, paddr, memsz, filesz);
			goto out;
		}
		if (vaddr != paddr)
			paging = true;
		struct elf_piece *pc = &c->pieces[c->piece_count++];
		pc->gpa = paddr;
		pc->mem_len = memsz;
		pc->file_len = filesz;
		pc->file_off = off;
	}
	c->piece_count = dedup_pieces(c->pieces, c->piece_count);
	uint64_t raw = 0;
	for (size_t i = 0; i < c->piece_count; i++) {
		c->pieces[i].raw_off = raw;
		rc = vms_model_add_chunk(m, c->pieces[i].gpa, c->pieces[i].mem_len / VMS_PAGE_SIZE,
					 raw, 0, err);
		if (rc)
			goto out;
		raw += c->pieces[i].mem_len; /* no overflow: pieces are disjoint GPA ranges */
	}
	m->raw_size = raw;
	c->segs = calloc(c->piece_count ? c->piece_count : 1, sizeof(*c->segs));
	if (!c->segs) {
		rc = vms_fail(err, -ENOMEM, "qemu-elf: cannot allocate the segment table");
		goto out;
	}
	for (size_t i = 0; i < c->piece_count; i++) {
		const struct elf_piece *pc = &c->pieces[i];
		/* memsz beyond filesz reads as zeros (ELF semantics) */
		c->segs[i] = (struct vms_segment){.raw_off = pc->raw_off,
						  .len = pc->mem_len,
						  .data_len = pc->file_len,
						  .file_off = pc->file_off};
	}
	if (paging)
		vms_model_warn(m, "qemu-elf: dump made with paging=true: only memory mapped by "
				  "the guest's page tables is present");
	vms_model_add_prop(m, "qemu.elf.paging_dump", paging ? "yes" : "no");
out:
	free(tab);
	return rc;
}

static int elf_open(struct vms_model *m, void **ctx, struct vms_error *err)
{
	VMS_RETURN_IF(m->io_count < 1, err, -EINVAL, "qemu-elf: no input");
	struct elf_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return vms_fail(err, -ENOMEM, "qemu-elf: cannot allocate the context");
	c->io = m->ios[0];
	struct elf_hdr h = {0};
	int rc = read_header(&c->io, &h, err);
	if (!rc)
		rc = load_phdrs(m, c, &h, err);
	free(c->pieces);
	c->pieces = NULL;
	if (rc) {
		free(c->segs);
		free(c);
		return rc;
	}
	snprintf(m->format_name, sizeof(m->format_name), "qemu-elf");
	vms_model_add_propf(m, "qemu.elf.class", "%s", h.is64 ? "ELF64" : "ELF32");
	vms_model_add_propf(m, "qemu.elf.machine", "%s",
			    h.machine == EM_X86_64 ? "x86_64" : "i386");
	vms_model_add_prop(m, "qemu.efer", "derived from CR0/CR4/CS.L (not saved in ELF dumps)");
	*ctx = c;
	return 0;
}

static void elf_close(void *ctx)
{
	struct elf_ctx *c = ctx;
	if (!c)
		return;
	free(c->segs);
	free(c);
}

static int elf_read_raw(void *ctx, uint64_t raw_off, void *buf, size_t len, struct vms_error *err)
{
	const struct elf_ctx *c = ctx;
	return vms_segments_read(&c->io, c->segs, c->piece_count, raw_off, buf, len,
				 "qemu-elf: memory", err);
}

const struct vms_backend_ops vms_backend_qemu_elf = {
	.name = "qemu-elf",
	.probe = elf_probe,
	.open = elf_open,
	.close = elf_close,
	.read_raw = elf_read_raw,
};
