/* Builds the fuzz_translate seeds (fuzz/corpus/fuzz_translate/) from the page-table writers
 * in test_translate_mem.h and checks the committed files still match. To regenerate:
 * VMS_WRITE_SEEDS=1 ./test_translate_seeds. Seed layout: see fuzz/fuzz_translate.c. */
#include <criterion/criterion.h>

#include "core/translate.h"
#include "core/test_translate_mem.h"
#include "support/test_support.h"

#define SEED_HDR 104u

struct seed {
	const char *name;
	uint8_t mode_sel;  /* index into the harness's mode table */
	uint8_t hole_page; /* 0: no hole */
	uint64_t regs[8];  /* cr0 cr3 cr4 efer ttbr0 ttbr1 tcr sctlr */
	uint64_t va[4];
};

static void emit(const struct seed *s, const struct tmem *m)
{
	const size_t len = SEED_HDR + (size_t)m->len;
	uint8_t *buf = calloc(1, len);
	cr_assert_not_null(buf);
	buf[0] = s->mode_sel;
	buf[1] = s->hole_page ? 1 : 0;
	buf[2] = s->hole_page;
	for (unsigned i = 0; i < 8; i++)
		for (unsigned b = 0; b < 8; b++)
			buf[8 + 8 * i + b] = (uint8_t)(s->regs[i] >> (8 * b));
	for (unsigned i = 0; i < 4; i++)
		for (unsigned b = 0; b < 8; b++)
			buf[72 + 8 * i + b] = (uint8_t)(s->va[i] >> (8 * b));
	memcpy(buf + SEED_HDR, m->buf, (size_t)m->len);
	char path[4096];
	snprintf(path, sizeof(path), "%s/fuzz/corpus/fuzz_translate/%s", VMS_SOURCE_DIR, s->name);
	if (getenv("VMS_WRITE_SEEDS")) {
		FILE *f = fopen(path, "wb");
		cr_assert_not_null(f, "%s", path);
		cr_assert_eq(fwrite(buf, 1, len, f), len);
		fclose(f);
	} else {
		size_t have_len = 0;
		uint8_t *have = vms_test_read_file(path, &have_len);
		cr_assert_not_null(have, "%s missing: run with VMS_WRITE_SEEDS=1", path);
		cr_assert(have_len == len && memcmp(have, buf, len) == 0,
			  "%s differs from its builder", path);
		free(have);
	}
	free(buf);
}

Test(translate_seeds, long_and_la57)
{
	struct tmem m;
	tmem_init(&m, 0x10000, 0x2000);
	tmem_map_long(&m, 0x1000, 4, UINT64_C(0x00007f0000001000), 0x5000, 12, 0);
	tmem_map_long(&m, 0x1000, 4, 0x40000000, 0, 21, TX_XD);
	tmem_map_long(&m, 0x1000, 4, UINT64_C(0x8000000000), 0, 30, 0);
	tmem_map_long(&m, 0x1000, 4, UINT64_C(0xffff800000000000), 0x6000, 12, 0);
	struct seed s = {"long4",
			 3,
			 0,
			 {1u << 31, 0x1000, 0x20, 0xd01, 0, 0, 0, 0},
			 {UINT64_C(0x00007f0000001000), 0x40000000, UINT64_C(0x8000000000),
			  UINT64_C(0xffff800000000000)}};
	emit(&s, &m);
	s.name = "long4_hole";
	s.hole_page = 3; /* the first page directory the writer allocated */
	emit(&s, &m);
	tmem_free(&m);

	tmem_init(&m, 0x10000, 0x2000);
	tmem_map_long(&m, 0x1000, 5, UINT64_C(0x00ff000000001000), 0x5000, 12, 0);
	tmem_map_long(&m, 0x1000, 5, UINT64_C(0xff00000000200000), 0, 21, 0);
	struct seed s5 = {"long5",
			  4,
			  0,
			  {1u << 31, 0x1000, 0x1020, 0xd01, 0, 0, 0, 0},
			  {UINT64_C(0x00ff000000001000), UINT64_C(0xff00000000200000), 0x1000,
			   UINT64_C(0x0100000000000000)}};
	emit(&s5, &m);
	tmem_free(&m);
}

Test(translate_seeds, legacy_x86)
{
	struct tmem m;
	tmem_init(&m, 0x10000, 0x2000);
	tmem_map_pae(&m, 0x1000, 0xc0001000, 0x5000, 12, TX_XD);
	tmem_map_pae(&m, 0x1000, 0x00400000, 0, 21, 0);
	struct seed s = {"pae",
			 2,
			 0,
			 {1u << 31, 0x1000, 0x20, 0x800, 0, 0, 0, 0},
			 {0xc0001000, 0x00400000, 0x80000000, 0xfffff000}};
	emit(&s, &m);
	tmem_free(&m);

	tmem_init(&m, 0x10000, 0x2000);
	tmem_map_x86(&m, 0x1000, 0x80001000, 0x5000, 12);
	tmem_map_x86(&m, 0x1000, 0xc0000000, 0, 22);
	struct seed s32 = {"x86_pse",
			   1,
			   0,
			   {1u << 31, 0x1000, 0x10, 0, 0, 0, 0, 0},
			   {0x80001000, 0xc0000000, 0x00400000, 0xffc00000}};
	emit(&s32, &m);
	tmem_free(&m);

	tmem_init(&m, 0x4000, 0x1000);
	struct seed none = {"none", 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}, {0, 0x3fff, 0x4000, 0x1000}};
	emit(&none, &m);
	tmem_free(&m);
}

Test(translate_seeds, arm64)
{
	struct tmem m;
	/* 4 KiB granules, 48-bit TTBR0 and TTBR1. */
	tmem_init(&m, 0x10000, 0x3000);
	tmem_map_arm(&m, 0x1000, 12, 48, 0x0000001234567000, 0x5000, 3);
	tmem_map_arm(&m, 0x1000, 12, 48, 0x40000000, 0, 2);
	tmem_map_arm(&m, 0x2000, 12, 48, UINT64_C(0xffff000000001000), 0x6000, 3);
	const uint64_t tcr4k =
		16 | (UINT64_C(16) << 16) | (UINT64_C(2) << 30) | (UINT64_C(5) << 32);
	struct seed s = {"arm64_4k",
			 5,
			 0,
			 {0, 0, 0, 0, 0x1000, 0x2000, tcr4k, 1},
			 {0x0000001234567000, 0x40000000, UINT64_C(0xffff000000001000),
			  UINT64_C(0x0001000000000000)}};
	emit(&s, &m);
	tmem_free(&m);
	/* 64 KiB granules (42-bit TTBR0) and 16 KiB granules (48-bit TTBR1). */
	tmem_init(&m, 0x40000, 0x20000);
	tmem_map_arm(&m, 0x0, 16, 42, 0x0000023456780000, 0x30000, 3);
	tmem_map_arm(&m, 0x10000, 14, 48, UINT64_C(0xffffa00000004000), 0x38000, 3);
	const uint64_t tcrmix = 22 | (UINT64_C(1) << 14) | (UINT64_C(16) << 16) |
				(UINT64_C(1) << 30) | (UINT64_C(5) << 32);
	struct seed s2 = {"arm64_64k_16k",
			  5,
			  0,
			  {0, 0, 0, 0, 0x0, 0x10000, tcrmix, 1},
			  {0x0000023456780000, UINT64_C(0xffffa00000004000), 0x20000000,
			   UINT64_C(0xffff000000000000)}};
	emit(&s2, &m);
	tmem_free(&m);
}
