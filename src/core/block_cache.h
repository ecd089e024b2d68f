/* Thread-safe LRU cache of decoded memory blocks with refcounts and a byte budget
 * (STYLE.md rule 16).
 *
 * Protocol: vms_block_cache_get() returns a block holding one reference; the caller must
 * release it with vms_block_cache_put(). Eviction only drops the cache's own reference, so a
 * block in use is never freed under its reader. Two threads missing the same block wait on
 * one decode. With a limit of 0 nothing is kept: each get decodes into a private block that
 * put frees.
 */
#ifndef VMS_CORE_BLOCK_CACHE_H
#define VMS_CORE_BLOCK_CACHE_H

#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

struct vms_block_cache;
struct vms_block;

/** Decode block `index` into `dst` (block_size bytes). Called without the cache lock. */
typedef int (*vms_block_fill_fn)(void *ctx, uint64_t index, uint8_t *dst, struct vms_error *err);

int vms_block_cache_new(uint32_t block_size, uint64_t limit_bytes, vms_block_fill_fn fill,
			void *fill_ctx, struct vms_block_cache **out);
void vms_block_cache_free(struct vms_block_cache *c);

/** Get block `index`, decoding it on a miss. *data points to block_size bytes valid until
 *  the matching put. @return 0 or the fill function's error (the failure is not cached). */
int vms_block_cache_get(struct vms_block_cache *c, uint64_t index, struct vms_block **blk,
			const uint8_t **data, struct vms_error *err);
void vms_block_cache_put(struct vms_block_cache *c, struct vms_block *blk);

void vms_block_cache_set_limit(struct vms_block_cache *c, uint64_t limit_bytes);
uint64_t vms_block_cache_get_limit(const struct vms_block_cache *c);
void vms_block_cache_stats(const struct vms_block_cache *c, struct vms_cache_stats *out);

#endif
