/* Sequential read-ahead of decoded blocks: when readers walk the raw memory block after
 * block, a worker thread decodes the next block while the current one is being copied, so
 * decoding overlaps with the caller's work (a FUSE reply, a write to disk). */
#ifndef VMS_CORE_PREFETCH_H
#define VMS_CORE_PREFETCH_H

#include <stdint.h>

#include "core/block_cache.h"

struct vms_prefetch;

/** Start the worker for `cache`, which holds `block_count` blocks. NULL when it cannot
 *  start (reads then simply do not prefetch). */
struct vms_prefetch *vms_prefetch_new(struct vms_block_cache *cache, uint64_t block_count);

/** Tell the prefetcher that block `index` was just read. After two consecutive blocks it
 *  asks the worker for the following one. Cheap; thread safe; never blocks on a decode. */
void vms_prefetch_note(struct vms_prefetch *p, uint64_t index);

/** Stop and join the worker. NULL is accepted. */
void vms_prefetch_free(struct vms_prefetch *p);

#endif
