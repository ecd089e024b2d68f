/* LRU cache of decoded memory blocks: one mutex, a chained hash, an intrusive LRU list and
 * refcounts. A block's refcount counts its readers plus one for the cache while it is cached,
 * so eviction never frees a block someone is copying from. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/block_cache.h"
#include "core/error.h"

/* Data buffers of freed blocks kept for reuse: a fresh 1 MiB buffer is an mmap whose pages
 * fault in on first write, which cost more than the decode of a mostly-zero block. */
#define SPARE_BUFFERS 8u

struct vms_block {
	uint64_t index;
	uint32_t refs;
	bool cached;  /* in the hash and LRU; holds one of the refs */
	bool loading; /* being decoded; waiters sleep on the cache's condvar */
	int load_rc;
	struct vms_error load_err;
	struct vms_block *hnext;
	struct vms_block *prev, *next; /* LRU: head is most recent */
	uint8_t *data;
};

struct vms_block_cache {
	pthread_mutex_t lock;
	pthread_cond_t loaded;
	uint32_t block_size;
	uint64_t limit;
	uint64_t used; /* bytes of cached, fully loaded blocks */
	size_t count;  /* blocks in the hash */
	struct vms_block **buckets;
	size_t bucket_count; /* power of two */
	struct vms_block *head, *tail;
	vms_block_fill_fn fill;
	void *fill_ctx;
	uint64_t hits, misses, evictions;
	uint8_t *spare[SPARE_BUFFERS];
	unsigned spare_count;
};

static size_t bucket_of(const struct vms_block_cache *c, uint64_t index)
{
	/* Fibonacci hashing spreads consecutive block numbers. */
	return (size_t)((index * 0x9E3779B97F4A7C15ull) >> 20) & (c->bucket_count - 1);
}

static void lru_unlink(struct vms_block_cache *c, struct vms_block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else if (c->head == b)
		c->head = b->next;
	if (b->next)
		b->next->prev = b->prev;
	else if (c->tail == b)
		c->tail = b->prev;
	b->prev = b->next = NULL;
}

static void lru_push_front(struct vms_block_cache *c, struct vms_block *b)
{
	b->prev = NULL;
	b->next = c->head;
	if (c->head)
		c->head->prev = b;
	c->head = b;
	if (!c->tail)
		c->tail = b;
}

static void hash_remove(struct vms_block_cache *c, struct vms_block *b)
{
	struct vms_block **pp = &c->buckets[bucket_of(c, b->index)];
	while (*pp && *pp != b)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = b->hnext;
	b->hnext = NULL;
	c->count--;
}

static void block_free_locked(struct vms_block_cache *c, struct vms_block *b)
{
	if (c->spare_count < SPARE_BUFFERS &&
	    (uint64_t)(c->spare_count + 1) * c->block_size <= c->limit)
		c->spare[c->spare_count++] = b->data;
	else
		free(b->data);
	free(b);
}

static void block_free(struct vms_block_cache *c, struct vms_block *b)
{
	pthread_mutex_lock(&c->lock);
	block_free_locked(c, b);
	pthread_mutex_unlock(&c->lock);
}

/* Drop one reference under the lock; returns the block to free outside it, or NULL. */
static struct vms_block *unref_locked(struct vms_block *b)
{
	return --b->refs == 0 ? b : NULL;
}

/* Remove a cached block from the hash and LRU and drop the cache's reference. */
static struct vms_block *uncache_locked(struct vms_block_cache *c, struct vms_block *b)
{
	hash_remove(c, b);
	if (!b->loading) {
		lru_unlink(c, b);
		c->used -= c->block_size;
	}
	b->cached = false;
	return unref_locked(b);
}

/* Evict least recently used blocks until the budget holds. */
static void evict_locked(struct vms_block_cache *c)
{
	struct vms_block *b = c->tail;
	while (b && c->used > c->limit) {
		struct vms_block *prev = b->prev;
		c->evictions++;
		struct vms_block *dead = uncache_locked(c, b);
		if (dead)
			block_free_locked(c, dead);
		b = prev;
	}
	/* A smaller budget also shrinks the spares (limit 0 drops them all). */
	while (c->spare_count && (uint64_t)c->spare_count * c->block_size > c->limit)
		free(c->spare[--c->spare_count]);
}

static int grow_buckets_locked(struct vms_block_cache *c)
{
	size_t ncount = c->bucket_count * 2;
	struct vms_block **nb = calloc(ncount, sizeof(*nb));
	if (!nb)
		return -ENOMEM; /* keep the old table: longer chains, still correct */
	struct vms_block **old = c->buckets;
	size_t old_count = c->bucket_count;
	c->buckets = nb;
	c->bucket_count = ncount;
	for (size_t i = 0; i < old_count; i++) {
		struct vms_block *b = old[i];
		while (b) {
			struct vms_block *next = b->hnext;
			size_t k = bucket_of(c, b->index);
			b->hnext = nb[k];
			nb[k] = b;
			b = next;
		}
	}
	free(old);
	return 0;
}

int vms_block_cache_new(uint32_t block_size, uint64_t limit_bytes, vms_block_fill_fn fill,
			void *fill_ctx, struct vms_block_cache **out)
{
	struct vms_block_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->bucket_count = 64;
	c->buckets = calloc(c->bucket_count, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->loaded, NULL);
	c->block_size = block_size;
	c->limit = limit_bytes;
	c->fill = fill;
	c->fill_ctx = fill_ctx;
	*out = c;
	return 0;
}

void vms_block_cache_free(struct vms_block_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->bucket_count; i++) {
		struct vms_block *b = c->buckets[i];
		while (b) {
			struct vms_block *next = b->hnext;
			free(b->data);
			free(b);
			b = next;
		}
	}
	while (c->spare_count)
		free(c->spare[--c->spare_count]);
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->loaded);
	free(c);
}

static struct vms_block *block_new_locked(struct vms_block_cache *c, uint64_t index)
{
	struct vms_block *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->data = c->spare_count ? c->spare[--c->spare_count] : malloc(c->block_size);
	if (!b->data) {
		free(b);
		return NULL;
	}
	b->index = index;
	return b;
}

static struct vms_block *lookup_locked(struct vms_block_cache *c, uint64_t index)
{
	for (struct vms_block *b = c->buckets[bucket_of(c, index)]; b; b = b->hnext)
		if (b->index == index)
			return b;
	return NULL;
}

int vms_block_cache_get(struct vms_block_cache *c, uint64_t index, struct vms_block **blk,
			const uint8_t **data, struct vms_error *err)
{
	pthread_mutex_lock(&c->lock);
	struct vms_block *b = lookup_locked(c, index);
	if (b) {
		b->refs++;
		while (b->loading)
			pthread_cond_wait(&c->loaded, &c->lock);
		if (b->load_rc) {
			/* The decode we waited for failed: report the same error. */
			int rc = b->load_rc;
			if (err)
				*err = b->load_err;
			struct vms_block *dead = unref_locked(b);
			if (dead)
				block_free_locked(c, dead);
			pthread_mutex_unlock(&c->lock);
			return rc;
		}
		c->hits++;
		if (b->cached) {
			lru_unlink(c, b);
			lru_push_front(c, b);
		}
		pthread_mutex_unlock(&c->lock);
		*blk = b;
		*data = b->data;
		return 0;
	}
	c->misses++;
	bool keep = c->limit >= c->block_size;
	b = block_new_locked(c, index);
	if (!b) {
		pthread_mutex_unlock(&c->lock);
		return vms_fail(err, -ENOMEM, "cache: cannot allocate a %u-byte block",
				c->block_size);
	}
	b->refs = 1;
	if (keep) {
		if (c->count >= c->bucket_count)
			(void)grow_buckets_locked(c);
		size_t k = bucket_of(c, index);
		b->hnext = c->buckets[k];
		c->buckets[k] = b;
		c->count++;
		b->cached = true;
		b->loading = true;
		b->refs++; /* the cache's own reference */
	}
	pthread_mutex_unlock(&c->lock);

	int rc = c->fill(c->fill_ctx, index, b->data, err);

	if (!keep) {
		if (rc) {
			block_free(c, b);
			return rc;
		}
		*blk = b;
		*data = b->data;
		return 0;
	}
	pthread_mutex_lock(&c->lock);
	b->loading = false;
	if (rc) {
		b->load_rc = rc;
		if (err)
			b->load_err = *err;
		else
			vms_fail(&b->load_err, rc, "cache: block %llu failed to decode",
				 (unsigned long long)index);
		/* Failures are not cached: unhash so the next reader tries again. */
		hash_remove(c, b);
		b->cached = false;
		b->refs--; /* the cache's reference; waiters still hold theirs */
		struct vms_block *dead = unref_locked(b);
		if (dead)
			block_free_locked(c, dead);
	} else if (b->cached) {
		c->used += c->block_size;
		lru_push_front(c, b);
		evict_locked(c);
	}
	pthread_cond_broadcast(&c->loaded);
	pthread_mutex_unlock(&c->lock);
	if (rc)
		return rc;
	*blk = b;
	*data = b->data;
	return 0;
}

void vms_block_cache_put(struct vms_block_cache *c, struct vms_block *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&c->lock);
	struct vms_block *dead = unref_locked(b);
	if (dead)
		block_free_locked(c, dead);
	pthread_mutex_unlock(&c->lock);
}

void vms_block_cache_set_limit(struct vms_block_cache *c, uint64_t limit_bytes)
{
	pthread_mutex_lock(&c->lock);
	c->limit = limit_bytes;
	evict_locked(c);
	pthread_mutex_unlock(&c->lock);
}

uint64_t vms_block_cache_get_limit(const struct vms_block_cache *c)
{
	return c->limit;
}

void vms_block_cache_stats(const struct vms_block_cache *c, struct vms_cache_stats *out)
{
	struct vms_block_cache *mc = (struct vms_block_cache *)(uintptr_t)c;
	pthread_mutex_lock(&mc->lock);
	out->hits = c->hits;
	out->misses = c->misses;
	out->evictions = c->evictions;
	out->bytes_used = c->used;
	out->bytes_limit = c->limit;
	pthread_mutex_unlock(&mc->lock);
}
