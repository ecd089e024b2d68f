/* Page-table page cache: 2-way set-associative slots of decoded 64-bit words, one seqlock per
 * slot so hits are lock-free, one mutex for fills. Contract in pt_cache.h. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/bytes.h"
#include "core/error.h"
#include "core/pt_cache.h"

#define PT_WORDS (VMS_PT_CACHE_PAGE_SIZE / 8u)
#define PT_PAGE_MASK ((uint64_t)VMS_PT_CACHE_PAGE_SIZE - 1)
/* Not page aligned, so no real page ever matches it. */
#define PT_TAG_EMPTY UINT64_C(1)
/* A reader that sees a slot being rewritten this many times in a row takes the miss path
 * instead of spinning: the loop is bounded whatever other threads do. */
#define PT_SEQ_RETRIES 4u
/* Fibonacci hashing spreads page numbers that differ by a stride over the slots. */
#define PT_HASH_MULT UINT64_C(0x9E3779B97F4A7C15)

struct pt_slot {
	_Atomic uint64_t seq; /* odd while being written */
	_Atomic uint64_t tag; /* gpa of the cached page, or PT_TAG_EMPTY */
	_Atomic uint64_t word[PT_WORDS];
};

struct vms_pt_cache {
	pthread_mutex_t fill_lock;
	_Atomic uint64_t gen; /* bumped by invalidate; fills that straddle a bump are dropped */
	_Atomic uint64_t misses;
	_Atomic uint64_t invalidations;
	unsigned count;	     /* slots: 2 per set */
	unsigned hash_shift; /* 64 - log2(sets) */
	unsigned victim;     /* round-robin way to evict; under fill_lock */
	struct pt_slot *slots;
};

struct vms_pt_cache *vms_pt_cache_new(unsigned pages)
{
	struct vms_pt_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	unsigned bits = 2; /* at least 2 sets of 2 ways */
	if (pages > VMS_PT_CACHE_MAX_PAGES)
		pages = VMS_PT_CACHE_MAX_PAGES;
	while ((1u << bits) < pages)
		bits++;
	c->count = pages ? 1u << bits : 0;
	c->hash_shift = 64u - (bits - 1);
	if (c->count) {
		c->slots = calloc(c->count, sizeof(*c->slots));
		if (!c->slots) {
			free(c);
			return NULL;
		}
	}
	if (pthread_mutex_init(&c->fill_lock, NULL) != 0) {
		free(c->slots);
		free(c);
		return NULL;
	}
	atomic_init(&c->gen, 0);
	atomic_init(&c->misses, 0);
	atomic_init(&c->invalidations, 0);
	for (unsigned i = 0; i < c->count; i++) {
		atomic_init(&c->slots[i].seq, 0);
		atomic_init(&c->slots[i].tag, PT_TAG_EMPTY);
	}
	return c;
}

void vms_pt_cache_free(struct vms_pt_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->fill_lock);
	free(c->slots);
	free(c);
}

/* The first of the two ways of page's set. Two ways absorb most of the conflicts that a
 * direct-mapped cache sees when a walk's four tables hash to the same slot. */
static struct pt_slot *set_for(const struct vms_pt_cache *c, uint64_t page)
{
	return &c->slots[2 * (((page >> 12) * PT_HASH_MULT) >> c->hash_shift)];
}

/* Seqlock read (Boehm, "Can seqlocks get along with programming language memory models?"):
 * the acquire fence after the data loads orders them before the second sequence load. */
static bool slot_lookup(struct pt_slot *s, uint64_t page, unsigned word, uint64_t *out)
{
	for (unsigned tries = 0; tries < PT_SEQ_RETRIES; tries++) {
		const uint64_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		const uint64_t tag = atomic_load_explicit(&s->tag, memory_order_relaxed);
		const uint64_t v = atomic_load_explicit(&s->word[word], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) != s1)
			continue;
		if (tag != page)
			return false;
		*out = v;
		return true;
	}
	return false;
}

/* Writer side; the caller holds fill_lock, so writers never overlap. */
static void slot_publish(struct pt_slot *s, uint64_t tag, const uint8_t *page)
{
	const uint64_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->tag, tag, memory_order_relaxed);
	if (page)
		for (unsigned i = 0; i < PT_WORDS; i++)
			atomic_store_explicit(&s->word[i], vms_le64(page + 8u * i),
					      memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

static uint64_t extract(uint64_t word, uint64_t gpa, unsigned size)
{
	if (size == 8)
		return word;
	return (word >> (8u * (unsigned)(gpa & 4u))) & UINT32_MAX;
}

int vms_pt_cache_read_entry(struct vms_pt_cache *c, uint64_t gpa, unsigned size, uint64_t *out,
			    vms_pt_read_page_fn read_page, void *ctx, struct vms_error *err)
{
	if ((size != 4 && size != 8) || (gpa & (size - 1)) || !out || !read_page)
		return vms_fail(err, -EINVAL,
				"page-table cache: bad entry read (%u bytes at GPA %#" PRIx64 ")",
				size, gpa);
	const uint64_t page = gpa & ~PT_PAGE_MASK;
	const unsigned word = (unsigned)((gpa & PT_PAGE_MASK) >> 3);
	struct pt_slot *set = c && c->count ? set_for(c, page) : NULL;
	uint64_t v;
	if (set && (slot_lookup(&set[0], page, word, &v) || slot_lookup(&set[1], page, word, &v))) {
		*out = extract(v, gpa, size);
		return 0;
	}

	/* Miss: read without any lock, publish only if no invalidation happened meanwhile. */
	uint8_t buf[VMS_PT_CACHE_PAGE_SIZE];
	const uint64_t gen = c ? atomic_load_explicit(&c->gen, memory_order_acquire) : 0;
	const int rc = read_page(ctx, page, buf, err);
	if (rc < 0)
		return rc;
	if (set) {
		atomic_fetch_add_explicit(&c->misses, 1, memory_order_relaxed);
		pthread_mutex_lock(&c->fill_lock);
		/* Writers hold the lock, so relaxed tag loads are exact here. */
		const uint64_t t0 = atomic_load_explicit(&set[0].tag, memory_order_relaxed);
		const uint64_t t1 = atomic_load_explicit(&set[1].tag, memory_order_relaxed);
		if (atomic_load_explicit(&c->gen, memory_order_relaxed) == gen && t0 != page &&
		    t1 != page) {
			unsigned way = t0 == PT_TAG_EMPTY   ? 0
				       : t1 == PT_TAG_EMPTY ? 1
							    : c->victim++ & 1;
			slot_publish(&set[way], page, buf);
		}
		pthread_mutex_unlock(&c->fill_lock);
	}
	*out = extract(vms_le64(buf + 8u * word), gpa, size);
	return 0;
}

void vms_pt_cache_invalidate(struct vms_pt_cache *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->fill_lock);
	atomic_fetch_add_explicit(&c->gen, 1, memory_order_acq_rel);
	for (unsigned i = 0; i < c->count; i++)
		if (atomic_load_explicit(&c->slots[i].tag, memory_order_relaxed) != PT_TAG_EMPTY)
			slot_publish(&c->slots[i], PT_TAG_EMPTY, NULL);
	pthread_mutex_unlock(&c->fill_lock);
	atomic_fetch_add_explicit(&c->invalidations, 1, memory_order_relaxed);
}

void vms_pt_cache_get_stats(const struct vms_pt_cache *c, struct vms_pt_cache_stats *out)
{
	struct vms_pt_cache *mc = (struct vms_pt_cache *)(uintptr_t)c; /* atomics need non-const */
	out->misses = mc ? atomic_load_explicit(&mc->misses, memory_order_relaxed) : 0;
	out->invalidations =
		mc ? atomic_load_explicit(&mc->invalidations, memory_order_relaxed) : 0;
	out->pages = mc ? mc->count : 0;
}

int vms_pt_cache_reader_entry(void *source, uint64_t gpa, unsigned size, uint64_t *out,
			      struct vms_error *err)
{
	const struct vms_pt_cache_source *src = source;
	return vms_pt_cache_read_entry(src->cache, gpa, size, out, src->read_page, src->ctx, err);
}
