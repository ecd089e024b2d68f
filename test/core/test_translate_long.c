/* x86 long-mode walks (4-level and LA57 5-level) over hand-built page tables, plus the mode
 * dispatcher (vms_paging_from_x86, vms_paging_ops_for, identity). */
#include <criterion/criterion.h>

#include "core/translate.h"
#include "core/test_translate_mem.h"
#include "core/translate_expect.h"

#define MEM_LEN 0x800000u /* 8 MiB of "guest RAM" */
#define ROOT 0x1000u
#define HOLE_START 0x600000u
#define HOLE_END 0x700000u
#define EFER_NXE (UINT64_C(1) << 11)
#define EFER_LMA (UINT64_C(1) << 10)

static struct tmem mem;
static struct vms_pt_reader rd;
static struct vms_xlate_regs regs;

static void setup(void)
{
	tmem_init(&mem, MEM_LEN, 0x100000);
	tmem_hole(&mem, HOLE_START, HOLE_END);
	rd = tmem_reader(&mem);
	memset(&regs, 0, sizeof(regs));
	regs.mode = VMS_PAGING_LONG;
	regs.cr3 = ROOT;
	regs.efer = EFER_LMA | EFER_NXE;
}

static void teardown(void)
{
	tmem_free(&mem);
}

TestSuite(translate_long, .init = setup, .fini = teardown);

Test(translate_long, page_4k_exact_gpa_and_info)
{
	const uint64_t gva = UINT64_C(0x00007f1234567000);
	const uint64_t slot = tmem_map_long(&mem, ROOT, 4, gva, 0x345000, 12, 0);
	struct vms_xlate_info info = ok(gva + 0x123, 0x345123, 0x1000);
	cr_assert_eq(info.level, 1);
	cr_assert_eq(info.entry_gpa, slot);
	cr_assert_eq(info.entry, tmem_r(&mem, slot, 8));
	ok(gva + 0xfff, 0x345fff, 0x1000);
}

Test(translate_long, page_2m_and_1g)
{
	tmem_map_long(&mem, ROOT, 4, 0x40000000, 0x200000, 21, 0);
	struct vms_xlate_info info = ok(0x40000000 + 0x1abcde, 0x3abcde, 0x200000);
	cr_assert_eq(info.level, 2);
	tmem_map_long(&mem, ROOT, 4, UINT64_C(0x8000000000), 0, 30, 0);
	info = ok(UINT64_C(0x8000000000) + 0x12345, 0x12345, UINT64_C(0x40000000));
	cr_assert_eq(info.level, 3);
	ok(UINT64_C(0x8000000000) + 0x7fffff, 0x7fffff, UINT64_C(0x40000000));
	/* The same 1 GiB page past the end of guest memory: unmapped to the end of the page. */
	struct vms_error err = fault(UINT64_C(0x8000000000) + 0x900000, 0x40000000 - 0x900000, 3);
	cr_assert(strstr(err.msg, "past the end of guest memory"), "%s", err.msg);
	cr_assert(strstr(err.msg, "PDPTE"), "%s", err.msg);
}

Test(translate_long, kernel_upper_half_and_aliases)
{
	const uint64_t k1 = UINT64_C(0xffff800000001000);
	const uint64_t k2 = UINT64_C(0xfffff80312345000);
	const uint64_t user = UINT64_C(0x0000000000401000);
	tmem_map_long(&mem, ROOT, 4, k1, 0x5000, 12, 0);
	tmem_map_long(&mem, ROOT, 4, k2, 0x5000, 12, 0);
	tmem_map_long(&mem, ROOT, 4, user, 0x5000, 12, 0);
	ok(k1 + 8, 0x5008, 0x1000);
	ok(k2 + 8, 0x5008, 0x1000);
	ok(user + 8, 0x5008, 0x1000);
	/* The very last page of the address space. */
	tmem_map_long(&mem, ROOT, 4, UINT64_C(0xfffffffffffff000), 0x7000, 12, 0);
	ok(UINT64_C(0xffffffffffffffff), 0x7fff, 0x1000);
}

Test(translate_long, not_present_lengths_per_level)
{
	const uint64_t gva = UINT64_C(0x00007f1234567000);
	tmem_map_long(&mem, ROOT, 4, gva, 0x345000, 12, 0);
	/* PML4E 32 empty: a whole 512 GiB region. */
	fault(UINT64_C(0x0000100000000000), UINT64_C(1) << 39, 4);
	fault(UINT64_C(0x0000100000000000) + 0x1234, (UINT64_C(1) << 39) - 0x1234, 4);
	/* Same PML4E, other PDPTE: 1 GiB. */
	fault(gva ^ (UINT64_C(1) << 30), (UINT64_C(1) << 30) - (gva & 0x3fffffff), 3);
	/* Same PDPTE, other PDE: 2 MiB. */
	fault(gva ^ (UINT64_C(1) << 21), 0x200000 - (gva & 0x1fffff), 2);
	/* Next 4 KiB page, in the middle of it. */
	struct vms_error err = fault(gva + 0x1800, 0x800, 1);
	cr_assert(strstr(err.msg, "PTE"), "%s", err.msg);
	cr_assert(strstr(err.msg, "not present"), "%s", err.msg);
}

Test(translate_long, failure_reports_entry_and_address)
{
	struct vms_xlate_info info;
	struct vms_error err = {0};
	uint64_t gpa;
	const uint64_t gva = UINT64_C(0x0000100000000000);
	cr_assert_eq(vms_translate(&regs, &rd, gva, &gpa, &info, &err), -EFAULT);
	cr_assert_eq(info.entry_gpa, ROOT + 32 * 8);
	cr_assert_eq(info.entry, 0);
	cr_assert_eq(info.page_size, 0);
	cr_assert(strstr(err.msg, "PML4E"), "%s", err.msg);
}

Test(translate_long, non_canonical)
{
	struct vms_error err =
		fault(UINT64_C(0x0000800000000000),
		      UINT64_C(0xffff800000000000) - UINT64_C(0x0000800000000000), -1);
	cr_assert(strstr(err.msg, "canonical"), "%s", err.msg);
	fault(UINT64_C(0x8000000000000000),
	      UINT64_C(0xffff800000000000) - UINT64_C(0x8000000000000000), -1);
	fault(UINT64_C(0xffff7fffffffffff), 1, -1);
	cr_assert_eq(mem.reads, 0, "a non-canonical VA must not read page tables");
}

Test(translate_long, reserved_bits)
{
	/* PS in a PML4E is reserved. */
	tmem_w64(&mem, ROOT + 1 * 8, 0x200000 | TX_P | TX_PS);
	struct vms_error err = fault(UINT64_C(0x8000000000), UINT64_C(1) << 39, 4);
	cr_assert(strstr(err.msg, "reserved"), "%s", err.msg);
	/* 2 MiB page with bit 13 set (between PAT and the address). */
	const uint64_t pde = tmem_map_long(&mem, ROOT, 4, 0x40000000, 0x200000, 21, 0);
	tmem_w64(&mem, pde, tmem_r(&mem, pde, 8) | (UINT64_C(1) << 13));
	fault(0x40000000 + 0x10, 0x200000 - 0x10, 2);
	/* 1 GiB page with bit 20 set. */
	const uint64_t pdpte = tmem_map_long(&mem, ROOT, 4, UINT64_C(0xc0000000), 0, 30, 0);
	tmem_w64(&mem, pdpte, tmem_r(&mem, pdpte, 8) | (UINT64_C(1) << 20));
	fault(UINT64_C(0xc0000000), UINT64_C(0x40000000), 3);
	/* A 2 MiB page's PAT bit (12) is not reserved. */
	const uint64_t pde2 = tmem_map_long(&mem, ROOT, 4, 0x40400000, 0x400000, 21, 1u << 12);
	(void)pde2;
	ok(0x40400000 + 0x1234, 0x401234, 0x200000);
}

Test(translate_long, nx_bit_needs_efer_nxe)
{
	const uint64_t gva = 0x7000000;
	tmem_map_long(&mem, ROOT, 4, gva, 0x9000, 12, TX_XD);
	struct vms_xlate_info info = ok(gva + 4, 0x9004, 0x1000);
	cr_assert(info.entry & TX_XD, "the leaf entry carries XD for the caller");
	regs.efer = EFER_LMA; /* NXE clear: bit 63 is reserved */
	struct vms_error err = fault(gva + 4, 0xffc, 1);
	cr_assert(strstr(err.msg, "reserved bits 0x8000000000000000"), "%s", err.msg);
}

Test(translate_long, table_in_hole_or_beyond_memory)
{
	/* A PDE pointing to a page table inside the hole. */
	const uint64_t gva = 0x20000000;
	const uint64_t pte = tmem_map_long(&mem, ROOT, 4, gva, 0x9000, 12, 0);
	(void)pte;
	const uint64_t pde = tmem_map_long(&mem, ROOT, 4, gva, 0, 21, 0);
	tmem_w64(&mem, pde, HOLE_START | TX_P | TX_RW);
	struct vms_error err = fault(gva + 0x3000, 0x200000 - 0x3000, 2);
	cr_assert(strstr(err.msg, "outside guest memory"), "%s", err.msg);
	cr_assert(strstr(err.msg, "PDE"), "%s", err.msg);
	/* A PDPTE pointing past the end of guest memory. */
	const uint64_t gva2 = UINT64_C(0x140000000);
	tmem_map_long(&mem, ROOT, 4, gva2, 0x9000, 12, 0);
	const uint64_t pdpte = tmem_map_long(&mem, ROOT, 4, gva2, 0, 30, 0);
	tmem_w64(&mem, pdpte, UINT64_C(0x10000000) | TX_P | TX_RW);
	fault(gva2 + 0x5000, 0x40000000 - 0x5000, 3);
	/* A leaf mapping a page inside a hole still translates: holes are the data reader's
	 * business, the page tables are valid. */
	tmem_map_long(&mem, ROOT, 4, 0x30000000, HOLE_START, 12, 0);
	ok(0x30000010, HOLE_START + 0x10, 0x1000);
}

Test(translate_long, root_outside_memory)
{
	regs.cr3 = HOLE_START;
	struct vms_error err = fault(0x1000, (UINT64_C(1) << 47) - 0x1000, 4);
	cr_assert(strstr(err.msg, "CR3"), "%s", err.msg);
	fault(UINT64_C(0xffff800000000000), UINT64_C(1) << 47, 4);
	fault(UINT64_C(0xfffffffffffff000), 0x1000, 4);
}

static int eio_reader(void *ctx, uint64_t gpa, unsigned size, uint64_t *out, struct vms_error *err)
{
	(void)ctx;
	(void)gpa;
	(void)size;
	(void)out;
	err->code = -EIO;
	snprintf(err->msg, sizeof(err->msg), "block 7 failed");
	return -EIO;
}

Test(translate_long, read_errors_propagate)
{
	struct vms_pt_reader bad = {.read_entry = eio_reader, .gpa_limit = MEM_LEN};
	struct vms_error err = {0};
	uint64_t gpa;
	cr_assert_eq(vms_translate(&regs, &bad, 0x1000, &gpa, NULL, &err), -EIO);
	cr_assert(strstr(err.msg, "block 7 failed"), "%s", err.msg);
	cr_assert(strstr(err.msg, "PML4E"), "%s", err.msg);
}

Test(translate_long, five_level)
{
	regs.mode = VMS_PAGING_LONG5;
	const uint64_t gva = UINT64_C(0x00ff123456789000);
	tmem_map_long(&mem, ROOT, 5, gva, 0x44000, 12, 0);
	struct vms_xlate_info info = ok(gva + 0x10, 0x44010, 0x1000);
	cr_assert_eq(info.level, 1);
	const uint64_t k = UINT64_C(0xff00000000200000);
	tmem_map_long(&mem, ROOT, 5, k, 0x400000, 21, 0);
	ok(k + 0x1000, 0x401000, 0x200000);
	tmem_map_long(&mem, ROOT, 5, UINT64_C(0x0080000000000000), 0, 30, 0);
	ok(UINT64_C(0x0080000000000000) + 0x77, 0x77, 0x40000000);
	/* PML5E 2 is empty: 2^48 bytes. */
	fault(UINT64_C(0x0002000000000000), UINT64_C(1) << 48, 5);
	fault(UINT64_C(0x0100000000000000),
	      UINT64_C(0xff00000000000000) - UINT64_C(0x0100000000000000), -1);
	/* The same VA is non-canonical for 4-level paging. */
	regs.mode = VMS_PAGING_LONG;
	fault(gva, UINT64_C(0xffff800000000000) - gva, -1);
}

/* Map many random pages of mixed sizes, then check every one against the builder's truth. */
Test(translate_long, random_mappings_match)
{
	uint64_t x = 0x243f6a8885a308d3u;
	struct {
		uint64_t gva, gpa, size;
	} map[64];
	unsigned n = 0;
	for (unsigned i = 0; i < 64; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		const unsigned shift = (x & 3) == 0 ? 21 : 12;
		uint64_t gva = (x >> 8) & ((UINT64_C(1) << 47) - 1) & ~((UINT64_C(1) << shift) - 1);
		if (x & 4)
			gva |= UINT64_C(0xffff800000000000);
		const uint64_t gpa = ((x >> 20) % (MEM_LEN >> shift)) << shift;
		/* Skip VAs whose tables collide with an earlier, differently sized leaf. */
		bool clash = false;
		for (unsigned j = 0; j < n; j++)
			if ((map[j].gva >> 21) == (gva >> 21) &&
			    (map[j].size != (1u << shift) || shift == 21))
				clash = true;
		if (clash)
			continue;
		tmem_map_long(&mem, ROOT, 4, gva, gpa, shift, 0);
		map[n].gva = gva;
		map[n].gpa = gpa;
		map[n].size = UINT64_C(1) << shift;
		n++;
	}
	cr_assert_gt(n, 40);
	for (unsigned i = 0; i < n; i++) {
		const uint64_t off = (map[i].size - 1) & (i * 0x1357u);
		if (map[i].gpa + off >= MEM_LEN)
			continue;
		ok(map[i].gva + off, map[i].gpa + off, map[i].size);
	}
}

Test(translate_dispatch, paging_from_x86)
{
	const uint64_t PG = UINT64_C(1) << 31, PAE = 1u << 5, LA57 = 1u << 12;
	cr_assert_eq(vms_paging_from_x86(0, PAE, EFER_LMA), VMS_PAGING_NONE);
	cr_assert_eq(vms_paging_from_x86(PG, 0, 0), VMS_PAGING_X86);
	cr_assert_eq(vms_paging_from_x86(PG, PAE, 0), VMS_PAGING_PAE);
	cr_assert_eq(vms_paging_from_x86(PG, PAE, EFER_LMA), VMS_PAGING_LONG);
	cr_assert_eq(vms_paging_from_x86(PG, PAE | LA57, EFER_LMA), VMS_PAGING_LONG5);
	cr_assert_eq(vms_paging_from_x86(PG, PAE | LA57, 0), VMS_PAGING_PAE);
}

Test(translate_dispatch, ops_table)
{
	cr_assert_null(vms_paging_ops_for(VMS_PAGING_INVALID));
	cr_assert_null(vms_paging_ops_for((enum vms_paging)99));
	const enum vms_paging modes[] = {VMS_PAGING_NONE, VMS_PAGING_X86,   VMS_PAGING_PAE,
					 VMS_PAGING_LONG, VMS_PAGING_ARMV8, VMS_PAGING_LONG5};
	const unsigned bits[] = {64, 32, 32, 48, 64, 57};
	for (unsigned i = 0; i < 6; i++) {
		const struct vms_paging_ops *ops = vms_paging_ops_for(modes[i]);
		cr_assert_not_null(ops);
		cr_assert_eq(ops->mode, modes[i]);
		cr_assert_eq(ops->va_bits, bits[i]);
	}
}

Test(translate_dispatch, identity_and_invalid)
{
	struct vms_xlate_regs r = {.mode = VMS_PAGING_NONE};
	struct vms_pt_reader limit = {.read_entry = eio_reader, .gpa_limit = 0x100000};
	struct vms_xlate_info info;
	struct vms_error err = {0};
	uint64_t gpa = 0;
	cr_assert_eq(vms_translate(&r, &limit, 0xfedc, &gpa, &info, &err), 0, "%s", err.msg);
	cr_assert_eq(gpa, 0xfedc);
	cr_assert_eq(info.page_size, 0x1000);
	cr_assert_eq(vms_translate(&r, &limit, 0x100000, &gpa, &info, &err), -EFAULT);
	cr_assert_eq(info.unmapped_len, UINT64_C(0) - 0x100000);
	r.mode = VMS_PAGING_INVALID;
	cr_assert_eq(vms_translate(&r, &limit, 0, &gpa, &info, &err), -ENOTSUP);
	r.mode = (enum vms_paging)77;
	cr_assert_eq(vms_translate(&r, &limit, 0, &gpa, NULL, &err), -ENOTSUP);
	cr_assert_eq(vms_translate(NULL, &limit, 0, &gpa, NULL, NULL), -EINVAL);
}
