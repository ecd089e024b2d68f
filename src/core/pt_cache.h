/* A small cache of page-table pages keyed by guest-physical page, so repeated walks do not
 * go back to the decoded-block cache (and its lock and refcounts) for every entry.
 *
 * Contract:
 *  - Thread safety: every call except vms_pt_cache_free() is safe concurrently on one
 *    cache. A hit takes no lock: each slot is a seqlock (readers retry a bounded number of
 *    times, then fall back to a miss). Misses read the page without any lock held and
 *    publish it under one fill mutex.
 *  - Coherence: the cache holds copies. After guest memory changes (vms_memory_fix) call
 *    vms_pt_cache_invalidate(); a fill that raced with the invalidation is discarded, never
 *    published.
 *  - Failures are not cached: a page whose read failed is asked for again next time.
 *  - Memory: `pages` slots of 4 KiB each (rounded up to a power of two, at least 4, at most
 *    VMS_PT_CACHE_MAX_PAGES), 2-way set associative, allocated once at creation. Nothing
 *    is allocated later.
 */
#ifndef VMS_CORE_PT_CACHE_H
#define VMS_CORE_PT_CACHE_H

#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

#define VMS_PT_CACHE_PAGE_SIZE 4096u
#define VMS_PT_CACHE_MAX_PAGES 16384u	/* 64 MiB */
#define VMS_PT_CACHE_DEFAULT_PAGES 256u /* 1 MiB: a few processes' worth of tables */

struct vms_pt_cache;

/**
 * Fill `dst4k` with the 4096 bytes of guest-physical page `gpa_page` (4 KiB aligned).
 * @return 0; -EFAULT when the page is in no chunk; -EIO/-EBADMSG when it cannot be read.
 * Called without any cache lock held, possibly from several threads at once.
 */
typedef int (*vms_pt_read_page_fn)(void *ctx, uint64_t gpa_page, uint8_t *dst4k,
				   struct vms_error *err);

/** Create a cache of `pages` page slots (0: no caching, every read goes to read_page).
 *  @return the cache, or NULL when allocation fails. Free with vms_pt_cache_free(). */
struct vms_pt_cache *vms_pt_cache_new(unsigned pages);

/** Release the cache. NULL is accepted. Not safe concurrently with other calls. */
void vms_pt_cache_free(struct vms_pt_cache *c);

/**
 * Read one little-endian page-table entry of `size` bytes (4 or 8) at guest-physical `gpa`
 * (naturally aligned), from the cache or through `read_page` on a miss.
 * @param c  the cache, or NULL for no caching
 * @return 0 with *out set (zero-extended); -EINVAL (bad size or misaligned gpa); or the
 *         error read_page returned (-EFAULT for a page in a hole, -EIO, -EBADMSG).
 */
int vms_pt_cache_read_entry(struct vms_pt_cache *c, uint64_t gpa, unsigned size, uint64_t *out,
			    vms_pt_read_page_fn read_page, void *ctx, struct vms_error *err);

/** Drop every cached page (after guest memory was changed). Safe concurrently with reads. */
void vms_pt_cache_invalidate(struct vms_pt_cache *c);

struct vms_pt_cache_stats {
	uint64_t misses;	/**< pages fetched through read_page */
	uint64_t invalidations; /**< vms_pt_cache_invalidate calls */
	unsigned pages;		/**< slots (after rounding) */
};
/** Counters (hits are not counted: that would put a shared write on the hot path). */
void vms_pt_cache_get_stats(const struct vms_pt_cache *c, struct vms_pt_cache_stats *out);

/**
 * Glue for struct vms_pt_reader: set `.read_entry = vms_pt_cache_reader_entry` and
 * `.ctx = &source`, where `source` outlives the reader.
 */
struct vms_pt_cache_source {
	struct vms_pt_cache *cache; /**< may be NULL */
	vms_pt_read_page_fn read_page;
	void *ctx;
};
int vms_pt_cache_reader_entry(void *source, uint64_t gpa, unsigned size, uint64_t *out,
			      struct vms_error *err);

#endif
