/* Internals shared by the per-mode page walks (translate_x86_32.c, translate_x86_pae.c,
 * translate_x86_64.c, translate_arm64.c) and the dispatcher in translate.c. Nothing here is
 * visible outside src/core. hyperv-format.md §5.7, §5.10, §7.6 item 9. */
#ifndef VMS_CORE_TRANSLATE_MODES_H
#define VMS_CORE_TRANSLATE_MODES_H

#include <stdint.h>

#include "core/translate.h"

/* One ops struct per mode (STYLE.md rule 3). */
extern const struct vms_paging_ops vms_paging_identity;
extern const struct vms_paging_ops vms_paging_x86_32;
extern const struct vms_paging_ops vms_paging_x86_pae;
extern const struct vms_paging_ops vms_paging_x86_64;
extern const struct vms_paging_ops vms_paging_x86_la57;
extern const struct vms_paging_ops vms_paging_arm64;

/*
 * MAXPHYADDR for the x86 reserved-bit checks. The saved state does not record CPUID, so we
 * assume the architectural maximum (52): no address bit is then reserved, which errs on the
 * side of translating rather than refusing. [G] Change it here if CPUID becomes available.
 */
#define X86_MAXPHYADDR 52u

/** Bytes from `gva` to the end of the naturally aligned 2^shift region holding it.
 *  Saturates at UINT64_MAX when the region is the whole 2^64 space and gva is 0. */
static inline uint64_t vms_xlate_region_rest(uint64_t gva, unsigned shift)
{
	if (shift >= 64)
		return gva ? 0 - gva : UINT64_MAX;
	const uint64_t span = UINT64_C(1) << shift;
	return span - (gva & (span - 1));
}

/** Bytes from `gva` up to `end` (exclusive; 0 stands for 2^64), saturating like above. */
static inline uint64_t vms_xlate_len_to(uint64_t gva, uint64_t end)
{
	const uint64_t len = end - gva;
	return len ? len : UINT64_MAX;
}

/** Mask of bits hi..lo inclusive (hi >= lo, hi <= 63). */
static inline uint64_t vms_bits(unsigned hi, unsigned lo)
{
	return ((hi >= 63) ? UINT64_MAX : ((UINT64_C(1) << (hi + 1)) - 1)) &
	       ~((UINT64_C(1) << lo) - 1);
}

/**
 * Record a failed walk that stopped at a paging-structure entry: fill info (unmapped_len,
 * level, entry, entry_gpa) and err->msg as
 * "<mode>: <what> (level L) <entry> at GPA <gpa>: <reason>"; return -EFAULT.
 */
int vms_xlate_fault(struct vms_xlate_info *info, struct vms_error *err, uint64_t unmapped_len,
		    const char *mode, const char *what, int level, uint64_t entry,
		    uint64_t entry_gpa, const char *reason_fmt, ...)
	__attribute__((format(printf, 9, 10)));

/** Record a failure before any entry was read (non-canonical VA, disabled half): level -1. */
int vms_xlate_fault_va(struct vms_xlate_info *info, struct vms_error *err, uint64_t unmapped_len,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/**
 * Finish a walk at a leaf entry that maps `out` with a page of 2^shift bytes: a GPA at or
 * past rd->gpa_limit is "not mapped" (with `unmapped_len` and the same naming as
 * vms_xlate_fault); otherwise store it in *gpa and record the mapping in info.
 */
int vms_xlate_leaf(const struct vms_pt_reader *rd, uint64_t out, unsigned shift,
		   uint64_t unmapped_len, const char *mode, const char *what, int level,
		   uint64_t entry, uint64_t entry_gpa, uint64_t *gpa, struct vms_xlate_info *info,
		   struct vms_error *err);

/** Record a successful walk in info (unmapped_len 0). */
static inline void vms_xlate_found(struct vms_xlate_info *info, uint64_t page_size, int level,
				   uint64_t entry, uint64_t entry_gpa)
{
	info->page_size = page_size;
	info->unmapped_len = 0;
	info->level = level;
	info->entry = entry;
	info->entry_gpa = entry_gpa;
}

#endif
