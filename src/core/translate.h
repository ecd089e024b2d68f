/* Page-table walks (one file per paging mode, behind struct vms_paging_ops, chosen per VP).
 * Walks are bounded loops over the levels; page-table entries are untrusted. */
#ifndef VMS_CORE_TRANSLATE_H
#define VMS_CORE_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

/** The registers a walk needs, captured from the VP's active bank. */
struct vms_xlate_regs {
	enum vms_paging mode;
	uint64_t cr0, cr3, cr4, efer;	   /* x86 */
	uint64_t ttbr0, ttbr1, tcr, sctlr; /* ARM64 (EL1) */
};

/**
 * How a walk reads page-table entries. `read_entry` reads `size` (4 or 8) bytes at
 * guest-physical `gpa` (naturally aligned) little-endian into *out, or fails: -EFAULT when
 * gpa is in no chunk ("entry points outside guest memory"), -EIO/-EBADMSG on decode errors.
 * `gpa_limit` is one past the highest valid guest-physical address: a leaf that maps beyond
 * it is "not mapped".
 */
struct vms_pt_reader {
	int (*read_entry)(void *ctx, uint64_t gpa, unsigned size, uint64_t *out,
			  struct vms_error *err);
	void *ctx;
	uint64_t gpa_limit;
};

struct vms_paging_ops {
	enum vms_paging mode;
	/** Bits of virtual address the mode covers (32, 48, 57; ARM64: 64 for TTBR0+TTBR1). */
	unsigned va_bits;
	/** Translate one address. On -EFAULT fill info->unmapped_len (> 0: bytes from gva to
	 *  the end of the region the failing entry covers) and err->msg with the level and the
	 *  reason. info is never NULL. */
	int (*walk)(const struct vms_xlate_regs *regs, const struct vms_pt_reader *rd, uint64_t gva,
		    uint64_t *gpa, struct vms_xlate_info *info, struct vms_error *err);
};

/** The ops for a paging mode; NULL for VMS_PAGING_INVALID. VMS_PAGING_NONE is the identity. */
const struct vms_paging_ops *vms_paging_ops_for(enum vms_paging mode);

/** Paging mode implied by x86 control registers: CR0.PG, EFER.LMA, CR4.PAE, CR4.LA57. */
enum vms_paging vms_paging_from_x86(uint64_t cr0, uint64_t cr4, uint64_t efer);

/**
 * Translate with mode-specific ops (handles VMS_PAGING_NONE) — the single entry point the
 * handle uses. Returns as the walk does; -ENOTSUP for VMS_PAGING_INVALID.
 */
int vms_translate(const struct vms_xlate_regs *regs, const struct vms_pt_reader *rd, uint64_t gva,
		  uint64_t *gpa, struct vms_xlate_info *info, struct vms_error *err);

#endif
