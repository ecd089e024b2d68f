/* ARMv8 stage-1 walks over hand-built tables: 4/16/64 KiB granules, TTBR0 and TTBR1,
 * several TxSZ, blocks, invalid and reserved descriptors, TBI, EPD, IPS. */
#include <criterion/criterion.h>

#include "core/translate.h"
#include "core/test_translate_mem.h"
#include "core/translate_expect.h"

#define MEM_LEN 0x800000u
#define HOLE_START 0x600000u
#define HOLE_END 0x700000u
#define ROOT0 0x10000u
#define ROOT1 0x20000u

/* TG0 and TG1 encode granules differently (Arm ARM, TCR_EL1). */
enum { TG0_4K = 0, TG0_64K = 1, TG0_16K = 2, TG1_16K = 1, TG1_4K = 2, TG1_64K = 3 };
#define IPS_32 UINT64_C(0)
#define IPS_48 UINT64_C(5)
#define TBI0 (UINT64_C(1) << 37)
#define TBI1 (UINT64_C(1) << 38)
#define EPD0 (UINT64_C(1) << 7)
#define EPD1 (UINT64_C(1) << 23)

static uint64_t tcr(unsigned t0sz, unsigned tg0, unsigned t1sz, unsigned tg1, uint64_t ips)
{
	return (uint64_t)t0sz | (uint64_t)tg0 << 14 | (uint64_t)t1sz << 16 | (uint64_t)tg1 << 30 |
	       ips << 32;
}

static struct tmem mem;
static struct vms_pt_reader rd;
static struct vms_xlate_regs regs;

static void setup(void)
{
	tmem_init(&mem, MEM_LEN, 0x100000);
	tmem_hole(&mem, HOLE_START, HOLE_END);
	rd = tmem_reader(&mem);
	memset(&regs, 0, sizeof(regs));
	regs.mode = VMS_PAGING_ARMV8;
	regs.sctlr = 1;
	regs.ttbr0 = ROOT0;
	regs.ttbr1 = ROOT1;
	regs.tcr = tcr(16, TG0_4K, 16, TG1_4K, IPS_48);
}

static void teardown(void)
{
	tmem_free(&mem);
}

TestSuite(translate_arm64, .init = setup, .fini = teardown);

Test(translate_arm64, granule_4k_pages_and_blocks_ttbr0)
{
	const uint64_t gva = UINT64_C(0x0000001234567000);
	const uint64_t slot = tmem_map_arm(&mem, ROOT0, 12, 48, gva, 0x345000, 3);
	struct vms_xlate_info info = ok(gva + 0xabc, 0x345abc, 0x1000);
	cr_assert_eq(info.level, 3);
	cr_assert_eq(info.entry_gpa, slot);
	tmem_map_arm(&mem, ROOT0, 12, 48, 0x40200000, 0x200000, 2);
	info = ok(0x40300000, 0x300000, 0x200000);
	cr_assert_eq(info.level, 2);
	tmem_map_arm(&mem, ROOT0, 12, 48, UINT64_C(0x80c0000000), 0, 1);
	info = ok(UINT64_C(0x80c0000000) + 0x123, 0x123, 0x40000000);
	cr_assert_eq(info.level, 1);
	/* Alias. */
	tmem_map_arm(&mem, ROOT0, 12, 48, UINT64_C(0x0000700000001000), 0x345000, 3);
	ok(UINT64_C(0x0000700000001abc), 0x345abc, 0x1000);
}

Test(translate_arm64, granule_4k_ttbr1_kernel)
{
	const uint64_t k = UINT64_C(0xffff000012345000);
	tmem_map_arm(&mem, ROOT1, 12, 48, k, 0x7000, 3);
	ok(k + 0x10, 0x7010, 0x1000);
	ok(k + 0xfff, 0x7fff, 0x1000);
	/* 39-bit kernel and user windows (T0SZ = T1SZ = 25): three levels, start at level 1. */
	regs.tcr = tcr(25, TG0_4K, 25, TG1_4K, IPS_48);
	regs.ttbr0 = 0x30000;
	regs.ttbr1 = 0x31000;
	const uint64_t k39 = UINT64_C(0xffffff8000abc000);
	tmem_map_arm(&mem, 0x31000, 12, 39, k39, 0x8000, 3);
	tmem_map_arm(&mem, 0x30000, 12, 39, UINT64_C(0x7fffff0000), 0x9000, 3);
	ok(k39 + 1, 0x8001, 0x1000);
	ok(UINT64_C(0x7fffff0002), 0x9002, 0x1000);
	/* The 39-bit root starts at level 1: entry 511 of ROOT0 covers the top GiB. */
	struct vms_xlate_info info = ok(UINT64_C(0x7fffff0002), 0x9002, 0x1000);
	cr_assert_eq(info.level, 3);
	cr_assert(tmem_r(&mem, 0x30000 + 511 * 8, 8) & TA_TABLE);
	/* Just above the 39-bit user window. */
	fault(UINT64_C(0x8000000000), UINT64_C(0xffffff8000000000) - UINT64_C(0x8000000000), -1);
}

Test(translate_arm64, tg1_encoding_differs_from_tg0)
{
	/* TTBR0 with 4 KiB, TTBR1 with 64 KiB: both encodings matter. */
	regs.tcr = tcr(16, TG0_4K, 16, TG1_64K, IPS_48);
	const uint64_t k = UINT64_C(0xffff800000030000);
	tmem_map_arm(&mem, ROOT1, 16, 48, k, 0x50000, 3);
	tmem_map_arm(&mem, ROOT0, 12, 48, 0x5000, 0x6000, 3);
	ok(k + 0xfffe, 0x5fffe, 0x10000);
	ok(0x5008, 0x6008, 0x1000);
	/* Reserved encodings. */
	regs.tcr = tcr(16, 3, 16, 0, IPS_48);
	struct vms_error err = fault(0x5008, (UINT64_C(1) << 48) - 0x5008, -1);
	cr_assert(strstr(err.msg, "TG0"), "%s", err.msg);
	err = fault(k, UINT64_C(0) - k, -1);
	cr_assert(strstr(err.msg, "TG1"), "%s", err.msg);
}

Test(translate_arm64, granule_16k)
{
	regs.tcr = tcr(16, TG0_16K, 16, TG1_16K, IPS_48);
	/* 48-bit with 16 KiB: 4 levels, level 0 has 2 entries. */
	const uint64_t gva = UINT64_C(0x0000812345678000);
	tmem_map_arm(&mem, ROOT0, 14, 48, gva, 0x44000, 3);
	struct vms_xlate_info info = ok(gva + 0x3fff, 0x47fff, 0x4000);
	cr_assert_eq(info.level, 3);
	/* 32 MiB block at level 2. */
	tmem_map_arm(&mem, ROOT0, 14, 48, 0x2000000, 0, 2);
	ok(0x2000000 + 0x7ffff0, 0x7ffff0, 0x2000000);
	/* Level-1 blocks are not allowed with 16 KiB granules (no TCR.DS). */
	const uint64_t slot = tmem_map_arm(&mem, ROOT0, 14, 48, UINT64_C(0x0000400000000000), 0, 2);
	(void)slot;
	const uint64_t l0 = tmem_r(&mem, ROOT0 + 0, 8) & UINT64_C(0xffffffffc000);
	const uint64_t l1_slot = l0 + ((UINT64_C(0x0000400000000000) >> 36) & 2047) * 8;
	tmem_w64(&mem, l1_slot, TA_VALID | TA_AF);
	struct vms_error err = fault(UINT64_C(0x0000400000000000), UINT64_C(1) << 36, 1);
	cr_assert(strstr(err.msg, "not allowed"), "%s", err.msg);
	/* Kernel half through TTBR1 with 16 KiB. */
	const uint64_t k = UINT64_C(0xffffa00000004000);
	tmem_map_arm(&mem, ROOT1, 14, 48, k, 0x48000, 3);
	ok(k + 4, 0x48004, 0x4000);
}

Test(translate_arm64, granule_64k)
{
	/* 42-bit with 64 KiB: 2 levels, starting at level 2 with 2^13 entries (64 KiB). */
	regs.tcr = tcr(22, TG0_64K, 16, TG1_64K, IPS_48);
	const uint64_t gva = UINT64_C(0x0000023456780000);
	tmem_map_arm(&mem, ROOT0, 16, 42, gva, 0x50000, 3);
	struct vms_xlate_info info = ok(gva + 0xfff0, 0x5fff0, 0x10000);
	cr_assert_eq(info.level, 3);
	/* 512 MiB block at level 2. */
	tmem_map_arm(&mem, ROOT0, 16, 42, 0x20000000, 0, 2);
	ok(0x20000000 + 0x123456, 0x123456, 0x20000000);
	/* A level-2 invalid descriptor covers 512 MiB. */
	fault(0x40000000 + 0x10000, 0x20000000 - 0x10000, 2);
	/* 48-bit TTBR1 with 64 KiB: three levels starting at 1. */
	const uint64_t k = UINT64_C(0xfffff00000010000);
	tmem_map_arm(&mem, ROOT1, 16, 48, k, 0x70000, 3);
	ok(k + 0x20, 0x70020, 0x10000);
	fault(k + 0x10000, 0x10000, 3);
}

Test(translate_arm64, invalid_and_reserved_descriptors)
{
	const uint64_t gva = UINT64_C(0x0000001234567000);
	const uint64_t slot = tmem_map_arm(&mem, ROOT0, 12, 48, gva, 0x345000, 3);
	/* Level-0 entry 1 is invalid: 512 GiB. */
	fault(UINT64_C(0x8000000000) + 0x10, (UINT64_C(1) << 39) - 0x10, 0);
	/* Level 1 other entry: 1 GiB. */
	fault(gva ^ (UINT64_C(1) << 30), (UINT64_C(1) << 30) - (gva & 0x3fffffff), 1);
	/* Level 3 descriptor with type 0b01 is reserved. */
	tmem_w64(&mem, slot, 0x345000 | TA_VALID | TA_AF);
	struct vms_error err = fault(gva + 8, 0xff8, 3);
	cr_assert(strstr(err.msg, "reserved descriptor"), "%s", err.msg);
	/* A level-0 block is not allowed with 4 KiB granules (no TCR.DS). */
	tmem_w64(&mem, ROOT0 + 2 * 8, TA_VALID | TA_AF);
	err = fault(UINT64_C(0x10000000000), UINT64_C(1) << 39, 0);
	cr_assert(strstr(err.msg, "not allowed"), "%s", err.msg);
}

Test(translate_arm64, ranges_tbi_epd)
{
	const uint64_t gva = UINT64_C(0x0000001234567000);
	tmem_map_arm(&mem, ROOT0, 12, 48, gva, 0x345000, 3);
	/* Between the windows. */
	struct vms_error err =
		fault(UINT64_C(0x0001000000000000),
		      UINT64_C(0xffff000000000000) - UINT64_C(0x0001000000000000), -1);
	cr_assert(strstr(err.msg, "outside the TTBR0"), "%s", err.msg);
	fault(UINT64_C(0xfffe000000000000), UINT64_C(0x1000000000000), -1);
	/* A tagged pointer faults without TBI0 and translates with it. */
	const uint64_t tagged = gva | UINT64_C(0x5a00000000000000);
	fault(tagged, UINT64_C(0xffff000000000000) - tagged, -1);
	regs.tcr |= TBI0;
	ok(tagged + 3, 0x345003, 0x1000);
	/* With TBI0 the next valid VA can be the next tag's TTBR0 window. */
	fault(UINT64_C(0x0001000000000000),
	      UINT64_C(0x0100000000000000) - UINT64_C(0x0001000000000000), -1);
	/* With TBI1, tag 0x12 with bit 55 set selects TTBR1. */
	regs.tcr |= TBI1;
	tmem_map_arm(&mem, ROOT1, 12, 48, UINT64_C(0xffff000000002000), 0x3000, 3);
	ok(UINT64_C(0x12ff000000002001), 0x3001, 0x1000);
	/* EPD0 disables TTBR0 walks: unmapped to the end of the window. */
	regs.tcr |= EPD0;
	err = fault(0x1000, (UINT64_C(1) << 48) - 0x1000, -1);
	cr_assert(strstr(err.msg, "EPD0"), "%s", err.msg);
	regs.tcr = tcr(16, TG0_4K, 16, TG1_4K, IPS_48) | EPD1;
	fault(UINT64_C(0xffff000000002000), UINT64_C(0) - UINT64_C(0xffff000000002000), -1);
	ok(gva, 0x345000, 0x1000);
}

Test(translate_arm64, mmu_off_is_identity)
{
	regs.sctlr = 0;
	struct vms_xlate_info info = ok(0x123456, 0x123456, 0x1000);
	cr_assert_eq(info.level, -1);
	fault(MEM_LEN, UINT64_C(0) - MEM_LEN, -1);
	cr_assert_eq(mem.reads, 0);
}

Test(translate_arm64, address_size_and_memory_bounds)
{
	/* IPS = 32 bits: an output address at 4 GiB is an address size fault. */
	mem.limit = UINT64_C(0x200000000);
	rd = tmem_reader(&mem);
	regs.tcr = tcr(16, TG0_4K, 16, TG1_4K, IPS_32);
	tmem_map_arm(&mem, ROOT0, 12, 48, 0x1000, UINT64_C(0x100000000), 3);
	struct vms_error err = fault(0x1000, 0x1000, 3);
	cr_assert(strstr(err.msg, "address size"), "%s", err.msg);
	regs.tcr = tcr(16, TG0_4K, 16, TG1_4K, IPS_48);
	ok(0x1000, UINT64_C(0x100000000), 0x1000);
	/* Bits 51:48 set in a descriptor (52-bit output) are refused. */
	const uint64_t slot = tmem_map_arm(&mem, ROOT0, 12, 48, 0x2000, 0x9000, 3);
	tmem_w64(&mem, slot, tmem_r(&mem, slot, 8) | (UINT64_C(1) << 48));
	fault(0x2000, 0x1000, 3);
	/* Leaf past gpa_limit. */
	mem.limit = MEM_LEN;
	rd = tmem_reader(&mem);
	err = fault(0x1000, 0x1000, 3);
	cr_assert(strstr(err.msg, "past the end"), "%s", err.msg);
}

Test(translate_arm64, tables_outside_memory_and_ttbr_bits)
{
	/* ASID in TTBR bits 63:48 and CnP in bit 0 are not part of the address. */
	regs.ttbr0 = ROOT0 | UINT64_C(0x0055000000000000) | 1;
	tmem_map_arm(&mem, ROOT0, 12, 48, 0x3000, 0x4000, 3);
	ok(0x3004, 0x4004, 0x1000);
	/* A level-2 table descriptor pointing into the hole: its 2 MiB are unmapped. */
	const uint64_t l3slot = tmem_map_arm(&mem, ROOT0, 12, 48, 0x40000000, 0x4000, 3);
	(void)l3slot;
	const uint64_t l1 = tmem_r(&mem, ROOT0, 8) & UINT64_C(0xfffffffff000);
	const uint64_t l2 = tmem_r(&mem, l1 + 8, 8) & UINT64_C(0xfffffffff000);
	tmem_w64(&mem, l2, HOLE_START | TA_VALID | TA_TABLE);
	struct vms_error err = fault(0x40000000 + 0x5000, 0x200000 - 0x5000, 2);
	cr_assert(strstr(err.msg, "outside guest memory"), "%s", err.msg);
	/* TTBR1 in the hole: the whole TTBR1 window from gva on. */
	regs.ttbr1 = HOLE_START;
	fault(UINT64_C(0xffff800000000000), UINT64_C(1) << 47, 0);
}

/* Fuzz regression (fuzz/corpus/fuzz_translate/crash_arm64_64k_root_partly_in_hole): a 64 KiB
 * table spans 16 memory pages; one page in a hole hides only its 512 entries. */
Test(translate_arm64, big_table_partly_in_hole)
{
	regs.tcr = tcr(22, TG0_64K, 16, TG1_64K, IPS_48);
	tmem_hole(&mem, ROOT0, ROOT0 + 0x1000);
	const uint64_t gva = UINT64_C(0x4000000000); /* level-2 index 512: the root's 2nd page */
	tmem_map_arm(&mem, ROOT0, 16, 42, gva, 0x50000, 3);
	ok(gva + 0x10, 0x50010, 0x10000);
	struct vms_error err = fault(0x20000000, (UINT64_C(1) << 38) - 0x20000000, 2);
	cr_assert(strstr(err.msg, "outside guest memory"), "%s", err.msg);
	cr_assert(strstr(err.msg, "TTBR0_EL1"), "%s", err.msg);
}
