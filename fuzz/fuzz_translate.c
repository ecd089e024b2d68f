/* Page walks over hostile page tables. Input: 8-byte header (mode selector, hole flag, hole
 * page), 8 registers (cr0 cr3 cr4 efer ttbr0 ttbr1 tcr sctlr), 4 VAs, then the guest-physical
 * image. Checks: no crash; success keeps the page offset and stays below gpa_limit; a failure
 * covers its whole unmapped span; the TLB + pt_cache path agrees with the direct walk. */
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/pt_cache.h"
#include "core/translate.h"
#include "core/translate_tlb.h"

#define HDR 104u
#define MAX_MEM (256u << 10)
#define PAGE 4096u

struct img {
	const uint8_t *p;
	uint64_t len, hole;
};

static int img_page(void *ctx, uint64_t gpa_page, uint8_t *dst, struct vms_error *err)
{
	const struct img *m = ctx;
	(void)err;
	if (gpa_page >= m->len || m->len - gpa_page < PAGE || gpa_page == m->hole)
		return -EFAULT;
	memcpy(dst, m->p + gpa_page, PAGE);
	return 0;
}

static int img_entry(void *ctx, uint64_t gpa, unsigned size, uint64_t *out, struct vms_error *err)
{
	uint8_t page[PAGE];
	int rc = img_page(ctx, gpa & ~(uint64_t)(PAGE - 1), page, err);
	if (rc == 0)
		*out = size == 8 ? vms_le64(page + (gpa & (PAGE - 8)))
				 : vms_le32(page + (gpa & (PAGE - 4)));
	return rc;
}

static void check(const struct vms_xlate_regs *r, const struct vms_pt_reader *rd,
		  const struct vms_pt_reader *cached, struct vms_tlb *tlb, uint64_t gva)
{
	struct vms_xlate_info a, b;
	uint64_t ga = 0, gb = 0, g2 = 0;
	const int rc = vms_translate(r, rd, gva, &ga, &a, NULL);
	const int rc2 = vms_translate_cached(tlb, r, cached, gva, &gb, &b, NULL);
	if (rc != rc2 || (rc == 0 && (ga != gb || a.page_size != b.page_size)) ||
	    (rc == -EFAULT && a.unmapped_len != b.unmapped_len))
		abort();
	if (rc == 0) {
		const uint64_t mask = a.page_size - 1;
		if (!a.page_size || (a.page_size & mask) || (ga & mask) != (gva & mask) ||
		    ga >= rd->gpa_limit || a.unmapped_len)
			abort();
		/* The last byte of the same page maps to the last byte of the same frame. */
		if (vms_translate(r, rd, gva | mask, &g2, NULL, NULL) == 0 && g2 != (ga | mask))
			abort();
	} else if (rc == -EFAULT) {
		if (a.unmapped_len == 0 ||
		    vms_translate(r, rd, gva + (a.unmapped_len - 1), &g2, NULL, NULL) != -EFAULT)
			abort();
	} else if (rc != -ENOTSUP) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum vms_paging modes[6] = {VMS_PAGING_NONE,  VMS_PAGING_X86,
						 VMS_PAGING_PAE,   VMS_PAGING_LONG,
						 VMS_PAGING_LONG5, VMS_PAGING_ARMV8};
	if (size < HDR || size - HDR > MAX_MEM)
		return 0;
	struct vms_xlate_regs r = {.mode = modes[data[0] % 6]};
	uint64_t *const fields[8] = {&r.cr0,   &r.cr3,	 &r.cr4, &r.efer,
				     &r.ttbr0, &r.ttbr1, &r.tcr, &r.sctlr};
	for (unsigned i = 0; i < 8; i++)
		*fields[i] = vms_le64(data + 8 + 8 * i);
	struct img m = {.p = data + HDR,
			.len = size - HDR,
			.hole = (data[1] & 1) ? (uint64_t)data[2] * PAGE : UINT64_MAX};
	struct vms_pt_reader rd = {.read_entry = img_entry, .ctx = &m, .gpa_limit = m.len};
	struct vms_pt_cache *c = vms_pt_cache_new(4);
	struct vms_tlb *tlb = vms_tlb_new(8);
	struct vms_pt_cache_source src = {.cache = c, .read_page = img_page, .ctx = &m};
	struct vms_pt_reader cached = {
		.read_entry = vms_pt_cache_reader_entry, .ctx = &src, .gpa_limit = m.len};
	static const uint64_t offs[5] = {0, 0xfff, 0x1000, 0x200000, 0x40000000};
	for (unsigned v = 0; v < 4; v++)
		for (unsigned o = 0; o < 5; o++)
			check(&r, &rd, &cached, tlb, vms_le64(data + 72 + 8 * v) + offs[o]);
	static const uint64_t fixed[4] = {0, UINT64_MAX, UINT64_C(0x0000800000000000),
					  UINT64_C(0xffff800000000000)};
	for (unsigned i = 0; i < 4; i++)
		check(&r, &rd, &cached, tlb, fixed[i]);
	vms_tlb_free(tlb);
	vms_pt_cache_free(c);
	return 0;
}
