/* x86 long-mode page walks: 4-level (48-bit VAs) and 5-level (CR4.LA57, 57-bit VAs), with
 * 4 KiB, 2 MiB and 1 GiB pages. Intel SDM vol. 3 §4.5; hyperv-format.md §5.10, §7.6 item 9.
 * Entries are untrusted: reserved bits and addresses past guest memory stop the walk. */
#include <inttypes.h>

#include "core/error.h"
#include "core/translate_modes.h"

/* Intel SDM vol. 3 tables 4-14 .. 4-20 (IA-32e paging-structure entries). */
#define X86_PTE_PRESENT (UINT64_C(1) << 0)
#define X86_PTE_PS (UINT64_C(1) << 7)
#define X86_PTE_XD (UINT64_C(1) << 63)
#define X86_PTE_ADDR_MASK vms_bits(51, 12)
#define X86_PTE_ADDR_2M_MASK vms_bits(51, 21)
#define X86_PTE_ADDR_1G_MASK vms_bits(51, 30)
#define X86_PDE_2M_RSVD vms_bits(20, 13)
#define X86_PDPTE_1G_RSVD vms_bits(29, 13)
#define X86_CR3_ADDR_MASK vms_bits(51, 12)
#define X86_EFER_NXE (UINT64_C(1) << 11)

#define X86_PAGE_SHIFT 12u
#define X86_LEVEL_BITS 9u
#define X86_ENTRY_SIZE 8u
#define X86_TABLE_SIZE 4096u

/* Address bits above MAXPHYADDR that must be zero (none with the assumed 52). */
static uint64_t phys_rsvd(void)
{
	return X86_MAXPHYADDR >= 52 ? 0 : vms_bits(51, X86_MAXPHYADDR);
}

/* Level numbering follows the SDM: 1 = PT, 2 = PD, 3 = PDPT, 4 = PML4, 5 = PML5. */
static const char *const long_level_name[6] = {"?", "PTE", "PDE", "PDPTE", "PML4E", "PML5E"};

static unsigned level_shift(int level)
{
	return X86_PAGE_SHIFT + X86_LEVEL_BITS * (unsigned)(level - 1);
}

/* Bits that must be zero in a present entry at `level`. PS is reserved in PML4E/PML5E;
 * large pages reserve the bits between PAT (12) and their address field. */
static uint64_t long_rsvd(int level, uint64_t entry, bool nxe)
{
	uint64_t rsvd = phys_rsvd() | (nxe ? 0 : X86_PTE_XD);
	if (level >= 4)
		rsvd |= X86_PTE_PS;
	else if (level == 3 && (entry & X86_PTE_PS))
		rsvd |= X86_PDPTE_1G_RSVD;
	else if (level == 2 && (entry & X86_PTE_PS))
		rsvd |= X86_PDE_2M_RSVD;
	return rsvd;
}

static uint64_t leaf_addr_mask(int level)
{
	return level == 3   ? X86_PTE_ADDR_1G_MASK
	       : level == 2 ? X86_PTE_ADDR_2M_MASK
			    : X86_PTE_ADDR_MASK;
}

static int walk_long(const struct vms_xlate_regs *regs, const struct vms_pt_reader *rd,
		     int top_level, uint64_t gva, uint64_t *gpa, struct vms_xlate_info *info,
		     struct vms_error *err)
{
	const char *mode = top_level == 5 ? "long5" : "long";
	const unsigned va_bits = level_shift(top_level) + X86_LEVEL_BITS;
	/* Canonical: bits 63..va_bits-1 all equal. The next canonical address above a
	 * non-canonical one is the start of the upper half. */
	const uint64_t top = gva >> (va_bits - 1);
	const uint64_t upper_start = 0 - (UINT64_C(1) << (va_bits - 1));
	if (top != 0 && top != (UINT64_MAX >> (va_bits - 1)))
		return vms_xlate_fault_va(info, err, upper_start - gva,
					  "%s: GVA %#" PRIx64 " is not canonical (%u-bit)", mode,
					  gva, va_bits);
	const bool nxe = (regs->efer & X86_EFER_NXE) != 0;
	/* A root table outside guest memory leaves the whole canonical half unmapped. */
	const uint64_t lower_end = UINT64_C(1) << (va_bits - 1);
	uint64_t parent_len = gva < lower_end ? lower_end - gva : 0 - gva;
	uint64_t table_gpa = regs->cr3 & X86_CR3_ADDR_MASK;
	/* "Parent" of the root table is CR3; a root outside memory is reported at the top
	 * level, with CR3 as the entry and the root table as its address. */
	uint64_t parent_entry = regs->cr3, parent_gpa = table_gpa;
	const char *parent_what = "CR3";
	int parent_level = top_level;

	for (int level = top_level; level >= 1; level--) {
		const unsigned shift = level_shift(level);
		const uint64_t idx = (gva >> shift) & ((UINT64_C(1) << X86_LEVEL_BITS) - 1);
		const uint64_t entry_gpa = table_gpa + idx * X86_ENTRY_SIZE;
		const char *what = long_level_name[level];
		uint64_t e;
		int rc = table_gpa > rd->gpa_limit || rd->gpa_limit - table_gpa < X86_TABLE_SIZE
				 ? -EFAULT
				 : rd->read_entry(rd->ctx, entry_gpa, X86_ENTRY_SIZE, &e, err);
		if (rc == -EFAULT)
			return vms_xlate_fault(info, err, parent_len, mode, parent_what,
					       parent_level, parent_entry, parent_gpa,
					       "%s table at GPA %#" PRIx64
					       " is outside guest memory",
					       what, table_gpa);
		if (rc < 0)
			return vms_fail_prefix(err, rc, "%s: reading %s at GPA %#" PRIx64, mode,
					       what, entry_gpa);
		const uint64_t rest = vms_xlate_region_rest(gva, shift);
		if (!(e & X86_PTE_PRESENT))
			return vms_xlate_fault(info, err, rest, mode, what, level, e, entry_gpa,
					       "not present");
		const uint64_t rsvd = e & long_rsvd(level, e, nxe);
		if (rsvd)
			return vms_xlate_fault(info, err, rest, mode, what, level, e, entry_gpa,
					       "reserved bits %#" PRIx64 " set", rsvd);
		if (level == 1 || (level <= 3 && (e & X86_PTE_PS))) {
			const uint64_t page_mask = (UINT64_C(1) << shift) - 1;
			const uint64_t out = (e & leaf_addr_mask(level)) | (gva & page_mask);
			return vms_xlate_leaf(rd, out, shift, rest, mode, what, level, e, entry_gpa,
					      gpa, info, err);
		}
		parent_len = rest;
		parent_entry = e;
		parent_gpa = entry_gpa;
		parent_what = what;
		parent_level = level;
		table_gpa = e & X86_PTE_ADDR_MASK;
	}
	/* Unreachable: level 1 always returns. */
	return vms_fail(err, -EFAULT, "%s: walk ran past level 1", mode);
}

static int walk_long4(const struct vms_xlate_regs *regs, const struct vms_pt_reader *rd,
		      uint64_t gva, uint64_t *gpa, struct vms_xlate_info *info,
		      struct vms_error *err)
{
	return walk_long(regs, rd, 4, gva, gpa, info, err);
}

static int walk_long5(const struct vms_xlate_regs *regs, const struct vms_pt_reader *rd,
		      uint64_t gva, uint64_t *gpa, struct vms_xlate_info *info,
		      struct vms_error *err)
{
	return walk_long(regs, rd, 5, gva, gpa, info, err);
}

const struct vms_paging_ops vms_paging_x86_64 = {
	.mode = VMS_PAGING_LONG,
	.va_bits = 48,
	.walk = walk_long4,
};

const struct vms_paging_ops vms_paging_x86_la57 = {
	.mode = VMS_PAGING_LONG5,
	.va_bits = 57,
	.walk = walk_long5,
};
