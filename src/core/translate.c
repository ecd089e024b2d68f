/* GVA -> GPA dispatch: pick the paging mode's ops, the identity "walk" for paging off, and
 * the fault reporting shared by every mode. hyperv-format.md §5.10 (mode), §7.6 item 9. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/error.h"
#include "core/translate_modes.h"

/* Intel SDM vol. 3 §2.5, §4.1.1: the bits that select the paging mode. */
#define X86_CR0_PG (UINT64_C(1) << 31)
#define X86_CR4_PAE (UINT64_C(1) << 5)
#define X86_CR4_LA57 (UINT64_C(1) << 12)
#define X86_EFER_LMA (UINT64_C(1) << 10)

#define IDENTITY_PAGE_SHIFT 12u

int vms_xlate_fault(struct vms_xlate_info *info, struct vms_error *err, uint64_t unmapped_len,
		    const char *mode, const char *what, int level, uint64_t entry,
		    uint64_t entry_gpa, const char *reason_fmt, ...)
{
	info->page_size = 0;
	info->unmapped_len = unmapped_len;
	info->level = level;
	info->entry = entry;
	info->entry_gpa = entry_gpa;
	if (!err)
		return -EFAULT;
	char reason[160];
	va_list ap;
	va_start(ap, reason_fmt);
	vsnprintf(reason, sizeof(reason), reason_fmt, ap);
	va_end(ap);
	return vms_fail(err, -EFAULT,
			"%s: %s (level %d) %#" PRIx64 " at GPA %#" PRIx64 ": %s (unmapped %#" PRIx64
			" bytes)",
			mode, what, level, entry, entry_gpa, reason, unmapped_len);
}

int vms_xlate_leaf(const struct vms_pt_reader *rd, uint64_t out, unsigned shift,
		   uint64_t unmapped_len, const char *mode, const char *what, int level,
		   uint64_t entry, uint64_t entry_gpa, uint64_t *gpa, struct vms_xlate_info *info,
		   struct vms_error *err)
{
	if (out >= rd->gpa_limit)
		return vms_xlate_fault(info, err, unmapped_len, mode, what, level, entry, entry_gpa,
				       "maps GPA %#" PRIx64
				       " past the end of guest memory (%#" PRIx64 ")",
				       out, rd->gpa_limit);
	*gpa = out;
	vms_xlate_found(info, UINT64_C(1) << shift, level, entry, entry_gpa);
	return 0;
}

int vms_xlate_fault_va(struct vms_xlate_info *info, struct vms_error *err, uint64_t unmapped_len,
		       const char *fmt, ...)
{
	info->page_size = 0;
	info->unmapped_len = unmapped_len;
	info->level = -1;
	info->entry = 0;
	info->entry_gpa = 0;
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = -EFAULT;
	}
	return -EFAULT;
}

/* Paging off (or ARM64 with SCTLR_EL1.M clear): GVA == GPA. Addresses at or past the end of
 * guest memory are "not mapped" up to the top of the address space, so callers that skip
 * unmapped spans stop instead of probing the rest one page at a time. */
static int identity_walk(const struct vms_xlate_regs *regs, const struct vms_pt_reader *rd,
			 uint64_t gva, uint64_t *gpa, struct vms_xlate_info *info,
			 struct vms_error *err)
{
	(void)regs;
	if (gva >= rd->gpa_limit)
		return vms_xlate_fault_va(info, err, vms_xlate_len_to(gva, 0),
					  "paging off: GVA %#" PRIx64
					  " is past the end of guest memory (%#" PRIx64 ")",
					  gva, rd->gpa_limit);
	*gpa = gva;
	vms_xlate_found(info, UINT64_C(1) << IDENTITY_PAGE_SHIFT, -1, 0, 0);
	return 0;
}

const struct vms_paging_ops vms_paging_identity = {
	.mode = VMS_PAGING_NONE,
	.va_bits = 64,
	.walk = identity_walk,
};

const struct vms_paging_ops *vms_paging_ops_for(enum vms_paging mode)
{
	switch (mode) {
	case VMS_PAGING_NONE:
		return &vms_paging_identity;
	case VMS_PAGING_X86:
		return &vms_paging_x86_32;
	case VMS_PAGING_PAE:
		return &vms_paging_x86_pae;
	case VMS_PAGING_LONG:
		return &vms_paging_x86_64;
	case VMS_PAGING_LONG5:
		return &vms_paging_x86_la57;
	case VMS_PAGING_ARMV8:
		return &vms_paging_arm64;
	case VMS_PAGING_INVALID:
		break;
	}
	return NULL;
}

/* hyperv-format.md §5.10: standard SDM rules; [G] for the DLL, which may not test CR0.PG.
 * LMA wins over PAE: long mode always walks 4- or 5-level tables, in compatibility mode
 * too. LA57 only matters with LMA (it cannot be set otherwise). */
enum vms_paging vms_paging_from_x86(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	if (!(cr0 & X86_CR0_PG))
		return VMS_PAGING_NONE;
	if (efer & X86_EFER_LMA)
		return (cr4 & X86_CR4_LA57) ? VMS_PAGING_LONG5 : VMS_PAGING_LONG;
	if (cr4 & X86_CR4_PAE)
		return VMS_PAGING_PAE;
	return VMS_PAGING_X86;
}

int vms_translate(const struct vms_xlate_regs *regs, const struct vms_pt_reader *rd, uint64_t gva,
		  uint64_t *gpa, struct vms_xlate_info *info, struct vms_error *err)
{
	struct vms_xlate_info scratch;
	if (!info)
		info = &scratch;
	info->page_size = 0;
	info->unmapped_len = 0;
	info->level = -1;
	info->entry = 0;
	info->entry_gpa = 0;
	if (!regs || !rd || !rd->read_entry || !gpa)
		return vms_fail(err, -EINVAL, "translate: NULL argument");
	const struct vms_paging_ops *ops = vms_paging_ops_for(regs->mode);
	if (!ops)
		return vms_fail(err, -ENOTSUP, "translate: paging mode %d cannot translate",
				(int)regs->mode);
	return ops->walk(regs, rd, gva, gpa, info, err);
}
