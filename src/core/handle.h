/* The body of the opaque vms_handle: the backend's model plus the core's caches and
 * per-VP overrides. Only src/core/ sees it. */
#ifndef VMS_CORE_HANDLE_H
#define VMS_CORE_HANDLE_H

#include <pthread.h>

#include "core/backend.h"
#include "core/block_cache.h"
#include "core/io_fd.h"
#include "core/translate.h"

struct vms_vp_override {
	enum vms_arch arch;	/* VMS_ARCH_UNKNOWN: not forced */
	enum vms_paging paging; /* VMS_PAGING_INVALID: not forced */
	int vtl;		/* -1: not forced */
};

/* One ApplyGuestMemoryFix piece, already translated to guest-physical. */
struct vms_fix {
	uint64_t gpa;
	uint32_t len;
	uint8_t *bytes;
};

struct vms_pt_cache;
struct vms_prefetch;

struct vms_handle {
	const struct vms_backend_ops *ops;
	void *ctx;
	struct vms_model m;
	struct vms_open_opts opts;

	size_t io_count;
	struct vms_io ios[VMS_MAX_SOURCES];
	struct vms_io_fd fds[VMS_MAX_SOURCES];
	char *source_names[VMS_MAX_SOURCES];

	struct vms_block_cache *cache; /* NULL when the backend reads raw bytes directly */
	struct vms_prefetch *prefetch; /* sequential read-ahead of blocks; may be NULL */
	struct vms_pt_cache *pt_cache;
	struct vms_tlb *
		*tlbs; /* one per VP; tagged by the walk's registers, so overrides are safe */
	uint64_t gpa_end;

	struct vms_vp_override *vp_over;
	struct vms_fix *fixes;
	size_t fix_count;
	uint64_t fix_bytes;
};

/** The bank a query uses: forced VTL, else the active one. NULL when none. */
const struct vms_reg_bank *vms_handle_bank(const vms_handle *h, uint32_t vp);

/** Index of the chunk holding gpa, or -1. */
ptrdiff_t vms_chunk_find(const struct vms_model *m, uint64_t gpa);

/** Physical read without the memory-fix overlay (page walks read the saved tables). */
int vms_read_gpa_nofix(vms_handle *h, uint64_t gpa, void *buf, uint64_t len, uint32_t flags,
		       uint64_t *done, struct vms_error *err);

#endif
