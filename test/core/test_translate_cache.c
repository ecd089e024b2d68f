/* The page-table page cache (pt_cache) and the per-VP translation cache (TLB): hits, misses,
 * failures not cached, invalidation, collisions, and concurrent readers against writers. */
#include <criterion/criterion.h>
#include <pthread.h>

#include "core/pt_cache.h"
#include "core/translate.h"
#include "core/translate_tlb.h"
#include "core/test_translate_mem.h"

#define MEM_LEN 0x400000u
#define HOLE_START 0x300000u
#define HOLE_END 0x310000u
#define PATTERN UINT64_C(0x9e3779b97f4a7c15)

static struct tmem mem;

/* Every 8-byte word holds a value derived from its own address, so any mix-up shows. */
static void setup(void)
{
	tmem_init(&mem, MEM_LEN, 0x100000);
	tmem_hole(&mem, HOLE_START, HOLE_END);
	for (uint64_t gpa = 0; gpa < 0x100000; gpa += 8)
		tmem_w64(&mem, gpa, gpa * PATTERN);
}

static void teardown(void)
{
	tmem_free(&mem);
}

TestSuite(pt_cache, .init = setup, .fini = teardown);
TestSuite(tlb, .init = setup, .fini = teardown);

static uint64_t rd8(struct vms_pt_cache *c, uint64_t gpa)
{
	uint64_t v = 0;
	struct vms_error err = {0};
	int rc = vms_pt_cache_read_entry(c, gpa, 8, &v, tmem_read_page, &mem, &err);
	cr_assert_eq(rc, 0, "gpa %#" PRIx64 ": %d %s", gpa, rc, err.msg);
	return v;
}

Test(pt_cache, hit_does_not_read_again)
{
	struct vms_pt_cache *c = vms_pt_cache_new(16);
	cr_assert_not_null(c);
	cr_assert_eq(rd8(c, 0x1008), 0x1008 * PATTERN);
	cr_assert_eq(mem.reads, 1);
	cr_assert_eq(rd8(c, 0x1ff8), 0x1ff8 * PATTERN);
	cr_assert_eq(rd8(c, 0x1000), 0x1000 * PATTERN);
	cr_assert_eq(mem.reads, 1, "hits must not call read_page");
	struct vms_pt_cache_stats st;
	vms_pt_cache_get_stats(c, &st);
	cr_assert_eq(st.misses, 1);
	cr_assert_eq(st.pages, 16);
	vms_pt_cache_free(c);
}

Test(pt_cache, four_byte_entries_and_bad_requests)
{
	struct vms_pt_cache *c = vms_pt_cache_new(4);
	uint64_t v = 0;
	const uint64_t w = 0x2000 * PATTERN;
	cr_assert_eq(vms_pt_cache_read_entry(c, 0x2000, 4, &v, tmem_read_page, &mem, NULL), 0);
	cr_assert_eq(v, w & UINT32_MAX);
	cr_assert_eq(vms_pt_cache_read_entry(c, 0x2004, 4, &v, tmem_read_page, &mem, NULL), 0);
	cr_assert_eq(v, w >> 32);
	struct vms_error err = {0};
	cr_assert_eq(vms_pt_cache_read_entry(c, 0x2004, 8, &v, tmem_read_page, &mem, &err),
		     -EINVAL);
	cr_assert_eq(vms_pt_cache_read_entry(c, 0x2000, 2, &v, tmem_read_page, &mem, &err),
		     -EINVAL);
	cr_assert_eq(vms_pt_cache_read_entry(c, 0x2000, 8, &v, NULL, &mem, &err), -EINVAL);
	vms_pt_cache_free(c);
}

Test(pt_cache, failures_are_not_cached)
{
	struct vms_pt_cache *c = vms_pt_cache_new(16);
	uint64_t v;
	struct vms_error err = {0};
	cr_assert_eq(vms_pt_cache_read_entry(c, HOLE_START + 8, 8, &v, tmem_read_page, &mem, &err),
		     -EFAULT);
	cr_assert(strstr(err.msg, "not backed"), "%s", err.msg);
	cr_assert_eq(vms_pt_cache_read_entry(c, HOLE_START + 8, 8, &v, tmem_read_page, &mem, &err),
		     -EFAULT);
	cr_assert_eq(mem.reads, 2);
	vms_pt_cache_free(c);
}

Test(pt_cache, invalidate_and_passthrough)
{
	struct vms_pt_cache *c = vms_pt_cache_new(16);
	cr_assert_eq(rd8(c, 0x3000), 0x3000 * PATTERN);
	tmem_w64(&mem, 0x3000, 42);
	cr_assert_eq(rd8(c, 0x3000), 0x3000 * PATTERN, "a cache serves its copy until invalidated");
	vms_pt_cache_invalidate(c);
	cr_assert_eq(rd8(c, 0x3000), 42);
	struct vms_pt_cache_stats st;
	vms_pt_cache_get_stats(c, &st);
	cr_assert_eq(st.invalidations, 1);
	vms_pt_cache_free(c);
	/* NULL and 0 pages: every read goes to memory. */
	tmem_w64(&mem, 0x3000, 43);
	cr_assert_eq(rd8(NULL, 0x3000), 43);
	struct vms_pt_cache *z = vms_pt_cache_new(0);
	cr_assert_not_null(z);
	const unsigned before = mem.reads;
	rd8(z, 0x3000);
	rd8(z, 0x3000);
	cr_assert_eq(mem.reads, before + 2);
	vms_pt_cache_free(z);
	vms_pt_cache_free(NULL);
}

Test(pt_cache, collisions_stay_correct)
{
	struct vms_pt_cache *c = vms_pt_cache_new(2);
	for (unsigned round = 0; round < 3; round++)
		for (uint64_t gpa = 0; gpa < 0x100000; gpa += 0x1000 + 8)
			cr_assert_eq(rd8(c, gpa & ~UINT64_C(7)), (gpa & ~UINT64_C(7)) * PATTERN);
	vms_pt_cache_free(c);
}

struct hammer {
	struct vms_pt_cache *c;
	struct vms_tlb *tlb;
	unsigned seed;
	unsigned bad;
	bool invalidator;
};

static int locked_read_page(void *ctx, uint64_t gpa_page, uint8_t *dst, struct vms_error *err)
{
	/* tmem counts reads in a plain field; take the data without touching it. */
	const struct tmem *m = ctx;
	(void)err;
	memcpy(dst, m->buf + gpa_page, TMEM_PAGE);
	return 0;
}

static void *hammer_pt(void *arg)
{
	struct hammer *h = arg;
	uint64_t x = h->seed * 0x2545f4914f6cdd1dULL + 1;
	for (unsigned i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (h->invalidator) {
			if ((i & 63) == 0)
				vms_pt_cache_invalidate(h->c);
			continue;
		}
		const uint64_t gpa = (x % (0x100000 / 8)) * 8;
		uint64_t v;
		if (vms_pt_cache_read_entry(h->c, gpa, 8, &v, locked_read_page, &mem, NULL) != 0 ||
		    v != gpa * PATTERN)
			h->bad++;
	}
	return NULL;
}

Test(pt_cache, concurrent_readers_fills_and_invalidations)
{
	struct vms_pt_cache *c = vms_pt_cache_new(8); /* tiny: slots are rewritten constantly */
	pthread_t t[4];
	struct hammer h[4];
	for (unsigned i = 0; i < 4; i++) {
		h[i] = (struct hammer){.c = c, .seed = i + 1, .invalidator = i == 3};
		pthread_create(&t[i], NULL, hammer_pt, &h[i]);
	}
	for (unsigned i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(h[i].bad, 0, "thread %u saw %u wrong entries", i, h[i].bad);
	}
	vms_pt_cache_free(c);
}

/* ---- TLB ---- */

static struct vms_xlate_regs long_regs(uint64_t cr3)
{
	struct vms_xlate_regs r = {.mode = VMS_PAGING_LONG, .cr3 = cr3, .efer = 0xd01};
	return r;
}

Test(tlb, hit_reproduces_the_walk)
{
	const uint64_t root = tmem_alloc(&mem);
	tmem_map_long(&mem, root, 4, UINT64_C(0xffff800000201000), 0x5000, 12, 0);
	tmem_map_long(&mem, root, 4, 0x40000000, 0x200000, 21, TX_XD);
	struct vms_xlate_regs r = long_regs(root);
	struct vms_pt_reader rd = tmem_reader(&mem);
	struct vms_tlb *t = vms_tlb_new(64);
	const uint64_t gvas[] = {UINT64_C(0xffff800000201abc), 0x40123456, 0x401fffff};
	for (unsigned i = 0; i < 3; i++) {
		struct vms_xlate_info want, got;
		uint64_t gpa_want, gpa_got;
		cr_assert_eq(vms_translate(&r, &rd, gvas[i], &gpa_want, &want, NULL), 0);
		cr_assert_eq(vms_translate_cached(t, &r, &rd, gvas[i], &gpa_got, &got, NULL), 0);
		const unsigned reads = mem.reads;
		memset(&got, 0x55, sizeof(got));
		cr_assert_eq(vms_translate_cached(t, &r, &rd, gvas[i], &gpa_got, &got, NULL), 0);
		cr_assert_eq(mem.reads, reads, "second translation must hit");
		cr_assert_eq(gpa_got, gpa_want);
		cr_assert_eq(got.page_size, want.page_size);
		cr_assert_eq(got.level, want.level);
		cr_assert_eq(got.entry, want.entry);
		cr_assert_eq(got.entry_gpa, want.entry_gpa);
		cr_assert_eq(got.unmapped_len, 0);
	}
	/* Failures are not cached and report like the walk. */
	struct vms_xlate_info info;
	uint64_t gpa;
	cr_assert_eq(vms_translate_cached(t, &r, &rd, UINT64_C(0x100000000000), &gpa, &info, NULL),
		     -EFAULT);
	cr_assert_eq(info.unmapped_len, UINT64_C(1) << 39);
	vms_tlb_free(t);
}

Test(tlb, flush_and_register_changes)
{
	const uint64_t root = tmem_alloc(&mem);
	const uint64_t slot = tmem_map_long(&mem, root, 4, 0x7000, 0x5000, 12, 0);
	struct vms_xlate_regs r = long_regs(root);
	struct vms_pt_reader rd = tmem_reader(&mem);
	struct vms_tlb *t = vms_tlb_new(16);
	uint64_t gpa;
	cr_assert_eq(vms_translate_cached(t, &r, &rd, 0x7008, &gpa, NULL, NULL), 0);
	cr_assert_eq(gpa, 0x5008);
	tmem_w64(&mem, slot, 0x6000 | TX_P);
	cr_assert_eq(vms_translate_cached(t, &r, &rd, 0x7008, &gpa, NULL, NULL), 0);
	cr_assert_eq(gpa, 0x5008, "stale until flushed (documented)");
	vms_tlb_flush(t);
	cr_assert_eq(vms_translate_cached(t, &r, &rd, 0x7008, &gpa, NULL, NULL), 0);
	cr_assert_eq(gpa, 0x6008);
	/* Another CR3 never hits entries made under the first. */
	const uint64_t root2 = tmem_alloc(&mem);
	tmem_map_long(&mem, root2, 4, 0x7000, 0x9000, 12, 0);
	struct vms_xlate_regs r2 = long_regs(root2);
	cr_assert_eq(vms_translate_cached(t, &r2, &rd, 0x7008, &gpa, NULL, NULL), 0);
	cr_assert_eq(gpa, 0x9008);
	r2.mode = VMS_PAGING_NONE;
	cr_assert_eq(vms_translate_cached(t, &r2, &rd, 0x7008, &gpa, NULL, NULL), 0);
	cr_assert_eq(gpa, 0x7008);
	/* No TLB (NULL or 0 entries) is plain vms_translate. */
	struct vms_tlb *z = vms_tlb_new(0);
	cr_assert_eq(vms_translate_cached(z, &r, &rd, 0x7008, &gpa, NULL, NULL), 0);
	cr_assert_eq(gpa, 0x6008);
	cr_assert_eq(vms_translate_cached(NULL, &r, &rd, 0x7008, &gpa, NULL, NULL), 0);
	vms_tlb_free(z);
	vms_tlb_free(t);
	vms_tlb_free(NULL);
}

static uint64_t tlb_root;

static void *hammer_tlb(void *arg)
{
	struct hammer *h = arg;
	struct vms_xlate_regs r = long_regs(tlb_root);
	struct vms_pt_cache_source src = {
		.cache = h->c, .read_page = locked_read_page, .ctx = &mem};
	struct vms_pt_reader rd = {
		.read_entry = vms_pt_cache_reader_entry, .ctx = &src, .gpa_limit = MEM_LEN};
	uint64_t x = h->seed * 0x2545f4914f6cdd1dULL + 1;
	for (unsigned i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (h->invalidator) {
			if ((i & 255) == 0)
				vms_tlb_flush(h->tlb);
			continue;
		}
		const uint64_t page = x % 256;
		uint64_t gpa;
		if (vms_translate_cached(h->tlb, &r, &rd, (page << 12) | 0x10, &gpa, NULL, NULL) ||
		    gpa != (((page * 7) % 256) << 12 | 0x10))
			h->bad++;
	}
	return NULL;
}

Test(tlb, concurrent_translations)
{
	tlb_root = tmem_alloc(&mem);
	for (uint64_t p = 0; p < 256; p++)
		tmem_map_long(&mem, tlb_root, 4, p << 12, ((p * 7) % 256) << 12, 12, 0);
	struct vms_pt_cache *c = vms_pt_cache_new(4);
	struct vms_tlb *t = vms_tlb_new(32); /* smaller than the working set: constant refills */
	pthread_t th[4];
	struct hammer h[4];
	for (unsigned i = 0; i < 4; i++) {
		h[i] = (struct hammer){.c = c, .tlb = t, .seed = i + 7, .invalidator = i == 3};
		pthread_create(&th[i], NULL, hammer_tlb, &h[i]);
	}
	for (unsigned i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(h[i].bad, 0, "thread %u saw %u wrong translations", i, h[i].bad);
	}
	vms_tlb_free(t);
	vms_pt_cache_free(c);
}

/* Fuzz regression (fuzz/corpus/fuzz_translate/crash_tlb_frame_straddles_limit): with a
 * gpa_limit inside a page, the lower bytes of that page translate and the upper ones do
 * not, so the TLB must not cache the page. */
Test(tlb, frame_straddling_gpa_limit_is_not_cached)
{
	struct vms_xlate_regs r = {.mode = VMS_PAGING_NONE};
	struct vms_pt_reader rd = tmem_reader(&mem);
	rd.gpa_limit = 0x402b;
	struct vms_tlb *t = vms_tlb_new(16);
	uint64_t gpa;
	struct vms_xlate_info info;
	cr_assert_eq(vms_translate_cached(t, &r, &rd, 0x4000, &gpa, NULL, NULL), 0);
	cr_assert_eq(vms_translate_cached(t, &r, &rd, 0x4fff, &gpa, &info, NULL), -EFAULT);
	cr_assert_eq(info.unmapped_len, UINT64_C(0) - 0x4fff);
	vms_tlb_free(t);
}
