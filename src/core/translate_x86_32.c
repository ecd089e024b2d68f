/* x86 32-bit (2-level) page walk: 4-byte PDEs and PTEs, 4 KiB pages, and 4 MiB pages when
 * CR4.PSE is set, with PSE-36 address bits 39:32 in PDE bits 20:13. Intel SDM vol. 3 §4.3;
 * hyperv-format.md §5.7. */
#include <inttypes.h>

#include "core/error.h"
#include "core/translate_modes.h"

/* Intel SDM vol. 3 tables 4-4 .. 4-6. */
#define X32_PTE_PRESENT (UINT64_C(1) << 0)
#define X32_PDE_PS (UINT64_C(1) << 7)
#define X32_PTE_ADDR_MASK vms_bits(31, 12)
#define X32_PDE_4M_ADDR_MASK vms_bits(31, 22)
/* PSE-36: PDE bits 20:13 hold physical address bits 39:32 (as many as MAXPHYADDR allows);
 * bit 21 is reserved whenever MAXPHYADDR >= 40, which we assume (translate_modes.h). */
#define X32_PDE_4M_HIGH_MASK vms_bits(20, 13)
#define X32_PDE_4M_HIGH_SHIFT 13u
#define X32_PDE_4M_HIGH_PA_SHIFT 32u
#define X32_PDE_4M_RSVD (UINT64_C(1) << 21)
#define X32_CR3_ADDR_MASK vms_bits(31, 12)
#define X32_CR4_PSE (UINT64_C(1) << 4)

#define X32_PDE_SHIFT 22u
#define X32_PTE_SHIFT 12u
#define X32_INDEX_MASK 1023u
#define X32_ENTRY_SIZE 4u
#define X32_TABLE_SIZE 4096u
#define X32_VA_LIMIT (UINT64_C(1) << 32)

static int x32_read(const struct vms_pt_reader *rd, uint64_t table_gpa, uint64_t entry_gpa,
		    uint64_t *e, struct vms_error *err)
{
	if (table_gpa > rd->gpa_limit || rd->gpa_limit - table_gpa < X32_TABLE_SIZE)
		return -EFAULT;
	const int rc = rd->read_entry(rd->ctx, entry_gpa, X32_ENTRY_SIZE, e, err);
	if (rc == 0)
		*e &= UINT32_MAX; /* a reader must not leak bytes past the 4-byte entry */
	return rc;
}

static int walk_x86_32(const struct vms_xlate_regs *regs, const struct vms_pt_reader *rd,
		       uint64_t gva, uint64_t *gpa, struct vms_xlate_info *info,
		       struct vms_error *err)
{
	if (gva >= X32_VA_LIMIT)
		return vms_xlate_fault_va(
			info, err, vms_xlate_len_to(gva, 0),
			"x86: GVA %#" PRIx64 " is beyond the 32-bit address space", gva);
	const uint64_t pd_gpa = regs->cr3 & X32_CR3_ADDR_MASK;
	const uint64_t pde_gpa =
		pd_gpa + ((gva >> X32_PDE_SHIFT) & X32_INDEX_MASK) * X32_ENTRY_SIZE;
	uint64_t pde, pte;
	int rc = x32_read(rd, pd_gpa, pde_gpa, &pde, err);
	if (rc == -EFAULT)
		return vms_xlate_fault(
			info, err, X32_VA_LIMIT - gva, "x86", "CR3", 2, regs->cr3, pd_gpa,
			"PDE table at GPA %#" PRIx64 " is outside guest memory", pd_gpa);
	if (rc < 0)
		return vms_fail_prefix(err, rc, "x86: reading PDE at GPA %#" PRIx64, pde_gpa);
	const uint64_t pde_rest = vms_xlate_region_rest(gva, X32_PDE_SHIFT);
	if (!(pde & X32_PTE_PRESENT))
		return vms_xlate_fault(info, err, pde_rest, "x86", "PDE", 2, pde, pde_gpa,
				       "not present");
	/* Without CR4.PSE the PS bit is ignored and the PDE always points to a page table. */
	if ((regs->cr4 & X32_CR4_PSE) && (pde & X32_PDE_PS)) {
		if (pde & X32_PDE_4M_RSVD)
			return vms_xlate_fault(info, err, pde_rest, "x86", "PDE", 2, pde, pde_gpa,
					       "reserved bits %#" PRIx64 " set",
					       pde & X32_PDE_4M_RSVD);
		const uint64_t high = ((pde & X32_PDE_4M_HIGH_MASK) >> X32_PDE_4M_HIGH_SHIFT)
				      << X32_PDE_4M_HIGH_PA_SHIFT;
		const uint64_t out = (pde & X32_PDE_4M_ADDR_MASK) | high |
				     (gva & ((UINT64_C(1) << X32_PDE_SHIFT) - 1));
		return vms_xlate_leaf(rd, out, X32_PDE_SHIFT,
				      vms_xlate_region_rest(gva, X32_PDE_SHIFT), "x86", "PDE", 2,
				      pde, pde_gpa, gpa, info, err);
	}
	const uint64_t pt_gpa = pde & X32_PTE_ADDR_MASK;
	const uint64_t pte_gpa =
		pt_gpa + ((gva >> X32_PTE_SHIFT) & X32_INDEX_MASK) * X32_ENTRY_SIZE;
	rc = x32_read(rd, pt_gpa, pte_gpa, &pte, err);
	if (rc == -EFAULT)
		return vms_xlate_fault(info, err, pde_rest, "x86", "PDE", 2, pde, pde_gpa,
				       "PTE table at GPA %#" PRIx64 " is outside guest memory",
				       pt_gpa);
	if (rc < 0)
		return vms_fail_prefix(err, rc, "x86: reading PTE at GPA %#" PRIx64, pte_gpa);
	if (!(pte & X32_PTE_PRESENT))
		return vms_xlate_fault(info, err, vms_xlate_region_rest(gva, X32_PTE_SHIFT), "x86",
				       "PTE", 1, pte, pte_gpa, "not present");
	const uint64_t out =
		(pte & X32_PTE_ADDR_MASK) | (gva & ((UINT64_C(1) << X32_PTE_SHIFT) - 1));
	return vms_xlate_leaf(rd, out, X32_PTE_SHIFT, vms_xlate_region_rest(gva, X32_PTE_SHIFT),
			      "x86", "PTE", 1, pte, pte_gpa, gpa, info, err);
}

const struct vms_paging_ops vms_paging_x86_32 = {
	.mode = VMS_PAGING_X86,
	.va_bits = 32,
	.walk = walk_x86_32,
};
