/* One worker per handle with a one-slot mailbox: the newest request wins, so a reader that
 * jumps around never queues work it no longer needs. The decode goes through the block
 * cache, which shares it with a reader that asks for the same block meanwhile. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/prefetch.h"

#define NO_BLOCK UINT64_MAX

struct vms_prefetch {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	struct vms_block_cache *cache;
	uint64_t block_count;
	uint64_t last_read; /* last block a reader finished */
	uint64_t wanted;    /* mailbox: the block to decode next, or NO_BLOCK */
	uint64_t queued;    /* the last block handed to the worker, to post each one once */
	bool stop;
};

static void *worker(void *arg)
{
	struct vms_prefetch *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->wanted == NO_BLOCK)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->stop)
			break;
		uint64_t index = p->wanted;
		p->wanted = NO_BLOCK;
		pthread_mutex_unlock(&p->lock);
		struct vms_block *b;
		const uint8_t *data;
		/* A failure is not cached: the reader will meet it and report it itself. */
		if (vms_block_cache_get(p->cache, index, &b, &data, NULL) == 0)
			vms_block_cache_put(p->cache, b);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct vms_prefetch *vms_prefetch_new(struct vms_block_cache *cache, uint64_t block_count)
{
	struct vms_prefetch *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cache = cache;
	p->block_count = block_count;
	p->last_read = p->wanted = p->queued = NO_BLOCK;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (pthread_create(&p->thread, NULL, worker, p) != 0) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->wake);
		free(p);
		return NULL;
	}
	return p;
}

void vms_prefetch_note(struct vms_prefetch *p, uint64_t index)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	bool sequential = p->last_read != NO_BLOCK && index == p->last_read + 1;
	p->last_read = index;
	if (sequential && index + 1 < p->block_count && p->queued != index + 1) {
		p->wanted = p->queued = index + 1;
		pthread_cond_signal(&p->wake);
	}
	pthread_mutex_unlock(&p->lock);
}

void vms_prefetch_free(struct vms_prefetch *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}
