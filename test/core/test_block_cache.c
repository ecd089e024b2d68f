/* The decoded-block cache: hits, LRU eviction order, the byte budget, failures not cached,
 * limit 0, and many threads sharing one decode. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "core/block_cache.h"
#include "core/error.h"

#define BS 4096u

struct fill_state {
	atomic_uint calls;
	uint64_t fail_index; /* fill of this index fails with -EBADMSG */
	unsigned delay_us;
};

static int fill(void *ctx, uint64_t index, uint8_t *dst, struct vms_error *err)
{
	struct fill_state *s = ctx;
	atomic_fetch_add(&s->calls, 1);
	if (s->delay_us)
		usleep(s->delay_us);
	if (index == s->fail_index)
		return vms_fail(err, -EBADMSG, "block %llu is bad", (unsigned long long)index);
	memset(dst, (int)(index & 0xFF), BS);
	return 0;
}

static uint8_t get_first_byte(struct vms_block_cache *c, uint64_t index)
{
	struct vms_block *b;
	const uint8_t *d;
	struct vms_error err = {0};
	cr_assert_eq(vms_block_cache_get(c, index, &b, &d, &err), 0, "%s", err.msg);
	uint8_t v = d[BS - 1];
	vms_block_cache_put(c, b);
	return v;
}

Test(block_cache, second_get_is_a_hit)
{
	struct fill_state s = {.fail_index = UINT64_MAX};
	struct vms_block_cache *c;
	cr_assert_eq(vms_block_cache_new(BS, 4 * BS, fill, &s, &c), 0);
	cr_assert_eq(get_first_byte(c, 7), 7);
	cr_assert_eq(get_first_byte(c, 7), 7);
	struct vms_cache_stats st;
	vms_block_cache_stats(c, &st);
	cr_assert_eq(st.hits, 1);
	cr_assert_eq(st.misses, 1);
	cr_assert_eq(atomic_load(&s.calls), 1u);
	cr_assert_eq(st.bytes_used, BS);
	vms_block_cache_free(c);
}

Test(block_cache, evicts_least_recently_used_first)
{
	struct fill_state s = {.fail_index = UINT64_MAX};
	struct vms_block_cache *c;
	cr_assert_eq(vms_block_cache_new(BS, 3 * BS, fill, &s, &c), 0);
	get_first_byte(c, 1);
	get_first_byte(c, 2);
	get_first_byte(c, 3);
	get_first_byte(c, 1); /* 2 is now the least recently used */
	get_first_byte(c, 4); /* evicts 2 */
	unsigned before = atomic_load(&s.calls);
	get_first_byte(c, 1);
	get_first_byte(c, 3);
	get_first_byte(c, 4);
	cr_assert_eq(atomic_load(&s.calls), before, "1, 3 and 4 must still be cached");
	get_first_byte(c, 2);
	cr_assert_eq(atomic_load(&s.calls), before + 1, "2 must have been evicted");
	struct vms_cache_stats st;
	vms_block_cache_stats(c, &st);
	cr_assert_leq(st.bytes_used, 3 * BS);
	cr_assert_eq(st.evictions, 2);
	vms_block_cache_free(c);
}

Test(block_cache, lowering_the_limit_evicts_and_zero_disables)
{
	struct fill_state s = {.fail_index = UINT64_MAX};
	struct vms_block_cache *c;
	cr_assert_eq(vms_block_cache_new(BS, 8 * BS, fill, &s, &c), 0);
	for (uint64_t i = 0; i < 8; i++)
		get_first_byte(c, i);
	vms_block_cache_set_limit(c, 2 * BS);
	struct vms_cache_stats st;
	vms_block_cache_stats(c, &st);
	cr_assert_eq(st.bytes_used, 2 * BS);
	vms_block_cache_set_limit(c, 0);
	vms_block_cache_stats(c, &st);
	cr_assert_eq(st.bytes_used, 0);
	unsigned before = atomic_load(&s.calls);
	cr_assert_eq(get_first_byte(c, 5), 5);
	cr_assert_eq(get_first_byte(c, 5), 5);
	cr_assert_eq(atomic_load(&s.calls), before + 2, "limit 0 must not keep blocks");
	vms_block_cache_free(c);
}

Test(block_cache, block_in_use_survives_eviction)
{
	struct fill_state s = {.fail_index = UINT64_MAX};
	struct vms_block_cache *c;
	cr_assert_eq(vms_block_cache_new(BS, 1 * BS, fill, &s, &c), 0);
	struct vms_block *held;
	const uint8_t *d;
	cr_assert_eq(vms_block_cache_get(c, 9, &held, &d, NULL), 0);
	get_first_byte(c, 10); /* evicts 9 from the cache while we still read it */
	get_first_byte(c, 11);
	cr_assert_eq(d[0], 9);
	cr_assert_eq(d[BS - 1], 9);
	vms_block_cache_put(c, held);
	vms_block_cache_free(c);
}

Test(block_cache, failures_are_reported_and_not_cached)
{
	struct fill_state s = {.fail_index = 3};
	struct vms_block_cache *c;
	cr_assert_eq(vms_block_cache_new(BS, 4 * BS, fill, &s, &c), 0);
	struct vms_block *b;
	const uint8_t *d;
	struct vms_error err = {0};
	cr_assert_eq(vms_block_cache_get(c, 3, &b, &d, &err), -EBADMSG);
	cr_assert_str_eq(err.msg, "block 3 is bad");
	cr_assert_eq(vms_block_cache_get(c, 3, &b, &d, &err), -EBADMSG);
	cr_assert_eq(atomic_load(&s.calls), 2u, "a failed decode must be retried");
	vms_block_cache_free(c);
}

struct thread_arg {
	struct vms_block_cache *c;
	unsigned seed;
	int bad;
};

static void *hammer(void *p)
{
	struct thread_arg *a = p;
	unsigned x = a->seed;
	for (int i = 0; i < 2000; i++) {
		x = x * 1103515245u + 12345u;
		uint64_t index = (x >> 16) % 24;
		struct vms_block *b;
		const uint8_t *d;
		if (vms_block_cache_get(a->c, index, &b, &d, NULL) != 0 || d[0] != (uint8_t)index ||
		    d[BS - 1] != (uint8_t)index)
			a->bad++;
		else
			vms_block_cache_put(a->c, b);
	}
	return NULL;
}

Test(block_cache, many_threads_see_consistent_blocks)
{
	struct fill_state s = {.fail_index = UINT64_MAX};
	struct vms_block_cache *c;
	cr_assert_eq(vms_block_cache_new(BS, 8 * BS, fill, &s, &c), 0);
	pthread_t t[16];
	struct thread_arg a[16];
	for (int i = 0; i < 16; i++) {
		a[i] = (struct thread_arg){.c = c, .seed = (unsigned)i * 7919u + 1};
		pthread_create(&t[i], NULL, hammer, &a[i]);
	}
	for (int i = 0; i < 16; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(a[i].bad, 0, "thread %d saw a wrong block", i);
	}
	struct vms_cache_stats st;
	vms_block_cache_stats(c, &st);
	cr_assert_eq(st.hits + st.misses, 16u * 2000u);
	cr_assert_leq(st.bytes_used, 8 * BS);
	vms_block_cache_free(c);
}

static void *get_slow_block(void *p)
{
	struct vms_block_cache *c = p;
	struct vms_block *b;
	const uint8_t *d;
	if (vms_block_cache_get(c, 42, &b, &d, NULL) == 0)
		vms_block_cache_put(c, b);
	return NULL;
}

Test(block_cache, concurrent_misses_share_one_decode)
{
	struct fill_state s = {.fail_index = UINT64_MAX, .delay_us = 50000};
	struct vms_block_cache *c;
	cr_assert_eq(vms_block_cache_new(BS, 8 * BS, fill, &s, &c), 0);
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, get_slow_block, c);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(atomic_load(&s.calls), 1u, "8 readers of one block must share a decode");
	vms_block_cache_free(c);
}

/* ---- sequential read-ahead (prefetch.c) over the same cache ---- */

#include "core/prefetch.h"

static bool wait_for_calls(struct fill_state *s, unsigned want)
{
	for (int i = 0; i < 2000 && atomic_load(&s->calls) < want; i++)
		usleep(1000);
	return atomic_load(&s->calls) >= want;
}

Test(prefetch, two_sequential_blocks_prefetch_the_third)
{
	struct fill_state s = {.fail_index = UINT64_MAX};
	struct vms_block_cache *c;
	cr_assert_eq(vms_block_cache_new(BS, 16 * BS, fill, &s, &c), 0);
	struct vms_prefetch *p = vms_prefetch_new(c, 10);
	cr_assert_not_null(p);
	get_first_byte(c, 0);
	vms_prefetch_note(p, 0);
	get_first_byte(c, 1);
	vms_prefetch_note(p, 1);
	cr_assert(wait_for_calls(&s, 3), "the worker must decode block 2");
	cr_assert_eq(get_first_byte(c, 2), 2);
	cr_assert_eq(atomic_load(&s.calls), 3u, "block 2 must come from the cache");
	vms_prefetch_free(p);
	vms_block_cache_free(c);
}

Test(prefetch, random_access_and_the_last_block_prefetch_nothing)
{
	struct fill_state s = {.fail_index = UINT64_MAX};
	struct vms_block_cache *c;
	cr_assert_eq(vms_block_cache_new(BS, 16 * BS, fill, &s, &c), 0);
	struct vms_prefetch *p = vms_prefetch_new(c, 4);
	vms_prefetch_note(p, 3);
	vms_prefetch_note(p, 1);
	vms_prefetch_note(p, 3);
	vms_prefetch_note(p, 2);
	vms_prefetch_note(p, 3); /* 2 -> 3 is sequential, but block 4 is past the end */
	usleep(50000);
	cr_assert_eq(atomic_load(&s.calls), 0u, "nothing to prefetch: %u decodes",
		     atomic_load(&s.calls));
	vms_prefetch_free(p);
	vms_block_cache_free(c);
}

Test(prefetch, failing_prefetch_is_not_cached_and_the_reader_sees_the_error)
{
	struct fill_state s = {.fail_index = 2};
	struct vms_block_cache *c;
	cr_assert_eq(vms_block_cache_new(BS, 16 * BS, fill, &s, &c), 0);
	struct vms_prefetch *p = vms_prefetch_new(c, 10);
	vms_prefetch_note(p, 0);
	vms_prefetch_note(p, 1);
	cr_assert(wait_for_calls(&s, 1));
	usleep(20000);
	struct vms_block *b;
	const uint8_t *d;
	struct vms_error err = {0};
	cr_assert_eq(vms_block_cache_get(c, 2, &b, &d, &err), -EBADMSG);
	cr_assert_str_eq(err.msg, "block 2 is bad");
	vms_prefetch_free(p);
	vms_block_cache_free(c);
}
