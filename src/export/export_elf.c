/* The ELF core planner (other-formats.md §11, modelled on QEMU's dump-guest-memory output,
 * qemu-formats.md §6): ELF header, one PT_NOTE, one PT_LOAD per run of contiguous chunks,
 * the notes, then page-aligned memory in GPA order.
 *
 * Consumers' limits (other-formats §11.2): all program headers within the first 8 KiB
 * (LeechCore), hence at most 144 PT_LOAD; p_filesz == p_memsz (Volatility 3); page-aligned
 * p_offset/p_paddr/p_filesz (LeechCore); no PN_XNUM. Past the budget, the smallest gaps
 * between neighbouring runs are filled with zeros and recorded as fillers for layout.json. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"

#define ELFCLASS32 1u
#define ELFCLASS64 2u
#define ELFDATA2LSB 1u
#define EV_CURRENT 1u
#define ET_CORE 4u
#define EM_386 3u
#define EM_X86_64 62u
#define PT_LOAD 1u
#define PT_NOTE 4u
#define PF_RWX 7u /* QEMU marks every PT_LOAD readable, writable, executable */
#define EHDR64_LEN 64u
#define EHDR32_LEN 52u
#define PHDR64_LEN 56u
#define PHDR32_LEN 32u
#define FOUR_GIB (1ull << 32)
#define ELF_PHDR_AREA 0x2000u /* LeechCore reads program headers from the first 8 KiB */

struct segment {
	uint64_t gpa, len;
	size_t first_chunk, chunk_count;
};

struct gap_ref {
	uint64_t len;
	size_t index; /* gap between run index and index + 1 */
};

static int gap_cmp(const void *a, const void *b)
{
	const struct gap_ref *x = a, *y = b;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index; /* deterministic ties */
}

/* Chunks -> segments: contiguous chunks share one; then merge across the smallest gaps
 * until at most `budget` segments remain. */
static int make_segments(const struct vms_export_plan *p, uint32_t budget, struct segment **out,
			 size_t *count, struct vms_error *err)
{
	size_t n = p->chunk_count;
	struct segment *s = calloc(n ? n : 1, sizeof(*s));
	bool *merge = calloc(n ? n : 1, sizeof(*merge));
	struct gap_ref *gaps = calloc(n ? n : 1, sizeof(*gaps));
	size_t runs = 0;
	int rc = 0;
	if (!s || !merge || !gaps) {
		rc = export_fail(err, -ENOMEM, "export: cannot allocate %zu ELF segments", n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vms_export_chunk *c = &p->chunks[i];
		uint64_t len = c->pages * EXPORT_PAGE;
		if (runs && s[runs - 1].gpa + s[runs - 1].len == c->gpa) {
			s[runs - 1].len += len;
			s[runs - 1].chunk_count++;
			continue;
		}
		s[runs++] = (struct segment){c->gpa, len, i, 1};
	}
	if (runs > budget) {
		for (size_t i = 0; i + 1 < runs; i++)
			gaps[i] = (struct gap_ref){s[i + 1].gpa - (s[i].gpa + s[i].len), i};
		qsort(gaps, runs - 1, sizeof(*gaps), gap_cmp);
		for (size_t i = 0; i < runs - budget; i++)
			merge[gaps[i].index] = true;
		size_t w = 0;
		for (size_t i = 0; i < runs; i++) {
			if (i && merge[i - 1]) {
				s[w - 1].len = s[i].gpa + s[i].len - s[w - 1].gpa;
				s[w - 1].chunk_count += s[i].chunk_count;
			} else {
				s[w++] = s[i];
			}
		}
		runs = w;
	}
	*out = s;
	*count = runs;
	s = NULL;
out:
	free(s);
	free(merge);
	free(gaps);
	return rc;
}

struct elf_shape {
	bool is64, is_long;
	uint16_t machine;
	uint32_t ehdr_len, phdr_len, phnum;
	uint64_t notes_off, notes_len, mem_off;
};

static void write_ehdr(uint8_t *b, const struct elf_shape *e)
{
	memcpy(b, "\177ELF", 4);
	b[4] = (uint8_t)(e->is64 ? ELFCLASS64 : ELFCLASS32);
	b[5] = ELFDATA2LSB;
	b[6] = EV_CURRENT;
	export_le16(b + 16, ET_CORE);
	export_le16(b + 18, e->machine);
	export_le32(b + 20, EV_CURRENT);
	if (e->is64) {
		export_le64(b + 32, EHDR64_LEN); /* e_phoff */
		export_le16(b + 52, EHDR64_LEN);
		export_le16(b + 54, PHDR64_LEN);
		export_le16(b + 56, (uint16_t)e->phnum);
	} else {
		export_le32(b + 28, EHDR32_LEN);
		export_le16(b + 40, EHDR32_LEN);
		export_le16(b + 42, PHDR32_LEN);
		export_le16(b + 44, (uint16_t)e->phnum);
	}
}

static void write_phdr(uint8_t *b, bool is64, uint32_t type, uint32_t flags, uint64_t off,
		       uint64_t paddr, uint64_t len)
{
	export_le32(b, type);
	if (is64) {
		export_le32(b + 4, flags);
		export_le64(b + 8, off);
		export_le64(b + 16, paddr); /* p_vaddr = p_paddr, as recent QEMU (§11.2) */
		export_le64(b + 24, paddr);
		export_le64(b + 32, len);
		export_le64(b + 40, len);
	} else {
		export_le32(b + 4, (uint32_t)off);
		export_le32(b + 8, (uint32_t)paddr);
		export_le32(b + 12, (uint32_t)paddr);
		export_le32(b + 16, (uint32_t)len);
		export_le32(b + 20, (uint32_t)len);
		export_le32(b + 24, flags);
	}
}

/* Choose class and machine (other-formats §11.1 and qemu-formats §6): EM_X86_64/ELF64 when
 * the VP is in long mode; otherwise EM_386, as ELF32 only when every address and offset
 * fits in 32 bits. */
static void shape(struct elf_shape *e, bool is_long, uint32_t nvp, size_t nseg, uint64_t mem_len,
		  uint64_t gpa_end)
{
	e->is_long = is_long;
	e->machine = is_long ? EM_X86_64 : EM_386;
	e->phnum = (uint32_t)nseg + (nvp ? 1u : 0u);
	for (int pass = 0; pass < 2; pass++) {
		e->is64 = pass == 1 || is_long;
		e->ehdr_len = e->is64 ? EHDR64_LEN : EHDR32_LEN;
		e->phdr_len = e->is64 ? PHDR64_LEN : PHDR32_LEN;
		e->notes_off = e->ehdr_len + (uint64_t)e->phnum * e->phdr_len;
		e->notes_len = export_notes_len(nvp, is_long);
		e->mem_off = (e->notes_off + e->notes_len + EXPORT_PAGE - 1) &
			     ~(uint64_t)(EXPORT_PAGE - 1);
		if (e->is64 || (gpa_end <= FOUR_GIB && mem_len <= FOUR_GIB - e->mem_off))
			return;
	}
}

int export_plan_elf(vms_handle *h, struct vms_export_plan *p, const struct vms_export_opts *o,
		    struct vms_error *err)
{
	uint32_t budget = o->max_loads ? o->max_loads : VMS_EXPORT_ELF_MAX_LOADS;
	if (budget > VMS_EXPORT_ELF_MAX_LOADS)
		return export_fail(err, -EINVAL,
				   "export: %u PT_LOADs exceed the %u that fit in %u "
				   "bytes",
				   budget, VMS_EXPORT_ELF_MAX_LOADS, ELF_PHDR_AREA);
	uint32_t first = 0, nvp = vms_vp_count(h);
	if (o->flags & VMS_EXPORT_ONE_VP) {
		first = o->vp;
		nvp = 1;
	}
	bool is_long;
	int rc = export_elf_is_long(h, first, &is_long, err);
	struct segment *seg = NULL;
	size_t nseg = 0;
	if (!rc)
		rc = make_segments(p, budget, &seg, &nseg, err);
	if (rc)
		return rc;
	uint64_t mem_len = 0, gpa_end = 0;
	for (size_t i = 0; i < nseg; i++) {
		mem_len += seg[i].len; /* segments are disjoint GPA ranges: no overflow */
		gpa_end = seg[i].gpa + seg[i].len;
	}
	struct elf_shape e;
	shape(&e, is_long, nvp, nseg, mem_len, gpa_end);
	size_t head_len = (size_t)(e.notes_off + e.notes_len);
	uint8_t *head = calloc(1, head_len);
	if (!head) {
		free(seg);
		return export_fail(err, -ENOMEM, "export: cannot allocate %zu header bytes",
				   head_len);
	}
	write_ehdr(head, &e);
	uint8_t *ph = head + e.ehdr_len;
	if (nvp) {
		write_phdr(ph, e.is64, PT_NOTE, 0, e.notes_off, 0, e.notes_len);
		ph += e.phdr_len;
	}
	uint64_t off = e.mem_off;
	for (size_t i = 0; i < nseg; i++, ph += e.phdr_len) {
		write_phdr(ph, e.is64, PT_LOAD, PF_RWX, off, seg[i].gpa, seg[i].len);
		off += seg[i].len;
	}
	export_notes_write(h, first, nvp, is_long, head + e.notes_off);
	rc = export_add_gen(p, head, head_len, err);
	free(head);
	if (!rc)
		rc = export_add(p, VMS_EXPORT_ZERO, e.mem_off - head_len, 0, err);
	for (size_t i = 0; i < nseg && !rc; i++) {
		uint64_t at = seg[i].gpa; /* next GPA of this segment to place */
		for (size_t k = 0; k < seg[i].chunk_count && !rc; k++) {
			struct vms_export_chunk *c = &p->chunks[seg[i].first_chunk + k];
			if (c->gpa > at) {
				rc = export_add_filler(p, at, c->gpa - at, err);
				if (!rc)
					rc = export_add(p, VMS_EXPORT_ZERO, c->gpa - at, 0, err);
			}
			c->file_off = p->size;
			if (!rc)
				rc = export_add(p, VMS_EXPORT_GPA, c->pages * EXPORT_PAGE, c->gpa,
						err);
			at = c->gpa + c->pages * EXPORT_PAGE;
		}
	}
	free(seg);
	return rc;
}
