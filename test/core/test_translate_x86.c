/* x86 32-bit (2-level, PSE, PSE-36) and PAE walks over hand-built page tables. */
#include <criterion/criterion.h>

#include "core/translate.h"
#include "core/test_translate_mem.h"
#include "core/translate_expect.h"

#define MEM_LEN 0x800000u
#define HOLE_START 0x600000u
#define HOLE_END 0x700000u
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define EFER_NXE (UINT64_C(1) << 11)
#define VA4G (UINT64_C(1) << 32)

static struct tmem mem;
static struct vms_pt_reader rd;
static struct vms_xlate_regs regs;

static void setup_common(enum vms_paging mode, uint64_t cr3, uint64_t cr4)
{
	tmem_init(&mem, MEM_LEN, 0x100000);
	tmem_hole(&mem, HOLE_START, HOLE_END);
	rd = tmem_reader(&mem);
	memset(&regs, 0, sizeof(regs));
	regs.mode = mode;
	regs.cr0 = UINT64_C(1) << 31;
	regs.cr3 = cr3;
	regs.cr4 = cr4;
}

static void setup32(void)
{
	setup_common(VMS_PAGING_X86, 0x1000, CR4_PSE);
}

/* PDPT at 0x1020; CR3 bits 3 and 4 (PWT, PCD) set to prove they are masked off. */
static void setup_pae(void)
{
	setup_common(VMS_PAGING_PAE, 0x1020 | 0x18, CR4_PAE);
	regs.efer = EFER_NXE;
}

static void teardown(void)
{
	tmem_free(&mem);
}

TestSuite(translate_x86_32, .init = setup32, .fini = teardown);
TestSuite(translate_pae, .init = setup_pae, .fini = teardown);

Test(translate_x86_32, page_4k)
{
	const uint64_t slot = tmem_map_x86(&mem, 0x1000, 0x80401000, 0x345000, 12);
	struct vms_xlate_info info = ok(0x80401abc, 0x345abc, 0x1000);
	cr_assert_eq(info.level, 1);
	cr_assert_eq(info.entry_gpa, slot);
	cr_assert_eq(info.entry, 0x345003);
	/* Alias: another VA onto the same page. */
	tmem_map_x86(&mem, 0x1000, 0x00010000, 0x345000, 12);
	ok(0x00010abc, 0x345abc, 0x1000);
}

Test(translate_x86_32, page_4m_needs_cr4_pse)
{
	tmem_map_x86(&mem, 0x1000, 0xc0000000, 0x400000, 22);
	struct vms_xlate_info info = ok(0xc0123456, 0x523456, 0x400000);
	cr_assert_eq(info.level, 2);
	/* Without CR4.PSE the PDE is a page-table pointer (to zeroed memory here). */
	regs.cr4 = 0;
	struct vms_error err = fault(0xc0123456, 0x1000 - 0x456, 1);
	cr_assert(strstr(err.msg, "PTE"), "%s", err.msg);
}

Test(translate_x86_32, pse36_high_address_and_reserved_bit_21)
{
	mem.limit = UINT64_C(0x200000000);
	rd = tmem_reader(&mem);
	const uint64_t slot = tmem_map_x86(&mem, 0x1000, 0x40000000, UINT64_C(0x1c0400000), 22);
	ok(0x40000010, UINT64_C(0x1c0400010), 0x400000);
	tmem_w32(&mem, slot, (uint32_t)(tmem_r(&mem, slot, 4) | (1u << 21)));
	struct vms_error err = fault(0x40000010, 0x400000 - 0x10, 2);
	cr_assert(strstr(err.msg, "reserved bits 0x200000"), "%s", err.msg);
}

Test(translate_x86_32, unmapped_lengths)
{
	tmem_map_x86(&mem, 0x1000, 0x80401000, 0x345000, 12);
	fault(0x80000000, 0x400000, 2);
	fault(0x80c01234, 0x400000 - 0x1234, 2);
	fault(0x80402010, 0xff0, 1);
	struct vms_error err = fault(VA4G, UINT64_C(0) - VA4G, -1);
	cr_assert(strstr(err.msg, "32-bit"), "%s", err.msg);
	fault(UINT64_C(0xffffffffffff0000), 0x10000, -1);
}

Test(translate_x86_32, tables_outside_memory)
{
	/* PDE -> page table in the hole. */
	tmem_w32(&mem, 0x1000 + (0x00800000 >> 22) * 4, HOLE_START | 3);
	struct vms_error err = fault(0x00801000, 0x400000 - 0x1000, 2);
	cr_assert(strstr(err.msg, "outside guest memory"), "%s", err.msg);
	/* Leaf past the end of memory. */
	tmem_map_x86(&mem, 0x1000, 0x00c00000, 0x900000, 12);
	err = fault(0x00c00008, 0xff8, 1);
	cr_assert(strstr(err.msg, "past the end"), "%s", err.msg);
	/* CR3 in the hole: the whole 4 GiB space. */
	regs.cr3 = HOLE_START + 0x1000;
	err = fault(0x1000, VA4G - 0x1000, 2);
	cr_assert(strstr(err.msg, "CR3"), "%s", err.msg);
}

Test(translate_pae, pages_4k_2m_and_high_gpa)
{
	mem.limit = UINT64_C(0x200000000);
	rd = tmem_reader(&mem);
	const uint64_t slot = tmem_map_pae(&mem, 0x1020, 0xbfff1000, 0x22000, 12, 0);
	struct vms_xlate_info info = ok(0xbfff1008, 0x22008, 0x1000);
	cr_assert_eq(info.level, 1);
	cr_assert_eq(info.entry_gpa, slot);
	tmem_map_pae(&mem, 0x1020, 0xc0200000, 0x600000 - 0x200000, 21, 0);
	info = ok(0xc03fffff, 0x5fffff, 0x200000);
	cr_assert_eq(info.level, 2);
	tmem_map_pae(&mem, 0x1020, 0x00400000, UINT64_C(0x123456000), 12, 0);
	ok(0x00400fff, UINT64_C(0x123456fff), 0x1000);
}

Test(translate_pae, nx_and_reserved_bits)
{
	const uint64_t pte = tmem_map_pae(&mem, 0x1020, 0x10000000, 0x9000, 12, TX_XD);
	struct vms_xlate_info info = ok(0x10000004, 0x9004, 0x1000);
	cr_assert(info.entry & TX_XD);
	regs.efer = 0;
	fault(0x10000004, 0xffc, 1);
	regs.efer = EFER_NXE;
	/* Bits 62:52 are reserved in PAE entries (unlike long mode). */
	tmem_w64(&mem, pte, 0x9000 | TX_P | (UINT64_C(1) << 52));
	struct vms_error err = fault(0x10000004, 0xffc, 1);
	cr_assert(strstr(err.msg, "reserved"), "%s", err.msg);
	/* 2 MiB page with bit 20 set. */
	const uint64_t pde = tmem_map_pae(&mem, 0x1020, 0x10400000, 0x200000, 21, 0);
	tmem_w64(&mem, pde, tmem_r(&mem, pde, 8) | (UINT64_C(1) << 20));
	fault(0x10400000, 0x200000, 2);
}

Test(translate_pae, pdpte_rules)
{
	tmem_map_pae(&mem, 0x1020, 0x40000000, 0x9000, 12, 0);
	ok(0x40000000, 0x9000, 0x1000);
	const uint64_t pdpte_gpa = 0x1020 + 1 * 8;
	const uint64_t good = tmem_r(&mem, pdpte_gpa, 8);
	/* R/W (bit 1) is reserved in a PDPTE. */
	tmem_w64(&mem, pdpte_gpa, good | 2);
	struct vms_error err = fault(0x40000000, 0x40000000, 3);
	cr_assert(strstr(err.msg, "PDPTE"), "%s", err.msg);
	/* So is bit 63: PDPTEs have no XD. */
	tmem_w64(&mem, pdpte_gpa, good | TX_XD);
	fault(0x40001000, 0x40000000 - 0x1000, 3);
	tmem_w64(&mem, pdpte_gpa, good);
	/* PDPTE 3 not present: to the end of the 4 GiB space. */
	fault(0xc0000000 + 0x10, 0x40000000 - 0x10, 3);
	fault(VA4G + 5, UINT64_C(0) - (VA4G + 5), -1);
}

Test(translate_pae, tables_outside_memory)
{
	const uint64_t pde = tmem_map_pae(&mem, 0x1020, 0x00200000, 0, 21, 0);
	tmem_w64(&mem, pde, HOLE_START | TX_P | TX_RW);
	fault(0x00201000, 0x1ff000, 2);
	regs.cr3 = HOLE_START + 0x20;
	struct vms_error err = fault(0x00201000, VA4G - 0x00201000, 3);
	cr_assert(strstr(err.msg, "CR3"), "%s", err.msg);
	/* A PDPT that straddles gpa_limit. */
	mem.limit = MEM_LEN - 0x10;
	rd = tmem_reader(&mem);
	regs.cr3 = MEM_LEN - 0x20;
	fault(0, VA4G, 3);
	/* The same PDPT ending exactly at the limit is readable (its PDPTE 0 is empty). */
	mem.limit = MEM_LEN;
	rd = tmem_reader(&mem);
	fault(0, 0x40000000, 3);
}
