/* x86 PAE page walk: 4 PDPTEs located by CR3 bits 31:5, then PD and PT with 8-byte entries,
 * 4 KiB and 2 MiB pages, the XD bit under EFER.NXE. Intel SDM vol. 3 §4.4;
 * hyperv-format.md §5.7. The CPU caches the PDPTEs when CR3 is loaded; a saved state only
 * has memory, so we read them from there (they match unless the guest rewrote them without
 * reloading CR3). */
#include <inttypes.h>

#include "core/error.h"
#include "core/translate_modes.h"

/* Intel SDM vol. 3 tables 4-8 .. 4-11. */
#define PAE_PTE_PRESENT (UINT64_C(1) << 0)
#define PAE_PTE_PS (UINT64_C(1) << 7)
#define PAE_PTE_XD (UINT64_C(1) << 63)
#define PAE_PTE_ADDR_MASK vms_bits(51, 12)
#define PAE_PDE_2M_ADDR_MASK vms_bits(51, 21)
#define PAE_PDE_2M_RSVD vms_bits(20, 13)
/* PDPTE: the SDM reserves bits 2:1 and 8:5, but hypervisors set the accessed bit (5) in
 * saved guests (QEMU TCG does, and its own gva2gpa ignores it), so only bits 2:1 and those
 * from MAXPHYADDR up, including bit 63 (no XD at this level), refuse an entry. */
#define PAE_PDPTE_RSVD vms_bits(2, 1)
#define PAE_CR3_PDPT_MASK vms_bits(31, 5)
#define PAE_EFER_NXE (UINT64_C(1) << 11)

#define PAE_PDPTE_SHIFT 30u
#define PAE_PDE_SHIFT 21u
#define PAE_PTE_SHIFT 12u
#define PAE_INDEX_MASK 511u
#define PAE_PDPTE_COUNT 4u
#define PAE_ENTRY_SIZE 8u
#define PAE_VA_LIMIT (UINT64_C(1) << 32)

static const char *const pae_level_name[4] = {"?", "PTE", "PDE", "PDPTE"};

/* Bits from MAXPHYADDR up to `hi` (62 for PD/PT entries, 63 for PDPTEs). */
static uint64_t pae_high_rsvd(unsigned hi)
{
	return vms_bits(hi, X86_MAXPHYADDR);
}

static int pae_read(const struct vms_pt_reader *rd, uint64_t table_gpa, uint64_t table_len,
		    uint64_t entry_gpa, uint64_t *e, struct vms_error *err)
{
	if (table_gpa > rd->gpa_limit || rd->gpa_limit - table_gpa < table_len)
		return -EFAULT;
	return rd->read_entry(rd->ctx, entry_gpa, PAE_ENTRY_SIZE, e, err);
}

static int walk_pae(const struct vms_xlate_regs *regs, const struct vms_pt_reader *rd, uint64_t gva,
		    uint64_t *gpa, struct vms_xlate_info *info, struct vms_error *err)
{
	if (gva >= PAE_VA_LIMIT)
		return vms_xlate_fault_va(
			info, err, vms_xlate_len_to(gva, 0),
			"pae: GVA %#" PRIx64 " is beyond the 32-bit address space", gva);
	const bool nxe = (regs->efer & PAE_EFER_NXE) != 0;
	uint64_t table_gpa = regs->cr3 & PAE_CR3_PDPT_MASK;
	uint64_t table_len = PAE_PDPTE_COUNT * PAE_ENTRY_SIZE;
	uint64_t parent_len = PAE_VA_LIMIT - gva;
	uint64_t parent_entry = regs->cr3, parent_gpa = table_gpa;
	const char *parent_what = "CR3";
	int parent_level = 3;

	for (int level = 3; level >= 1; level--) {
		const unsigned shift = PAE_PTE_SHIFT + 9u * (unsigned)(level - 1);
		const uint64_t idx = (gva >> shift) & PAE_INDEX_MASK;
		const uint64_t entry_gpa = table_gpa + idx * PAE_ENTRY_SIZE;
		const char *what = pae_level_name[level];
		uint64_t e;
		const int rc = pae_read(rd, table_gpa, table_len, entry_gpa, &e, err);
		if (rc == -EFAULT)
			return vms_xlate_fault(info, err, parent_len, "pae", parent_what,
					       parent_level, parent_entry, parent_gpa,
					       "%s table at GPA %#" PRIx64
					       " is outside guest memory",
					       what, table_gpa);
		if (rc < 0)
			return vms_fail_prefix(err, rc, "pae: reading %s at GPA %#" PRIx64, what,
					       entry_gpa);
		const uint64_t rest = vms_xlate_region_rest(gva, shift);
		if (!(e & PAE_PTE_PRESENT))
			return vms_xlate_fault(info, err, rest, "pae", what, level, e, entry_gpa,
					       "not present");
		uint64_t rsvd;
		if (level == 3)
			rsvd = PAE_PDPTE_RSVD | pae_high_rsvd(63);
		else
			rsvd = pae_high_rsvd(62) | (nxe ? 0 : PAE_PTE_XD) |
			       ((level == 2 && (e & PAE_PTE_PS)) ? PAE_PDE_2M_RSVD : 0);
		if (e & rsvd)
			return vms_xlate_fault(info, err, rest, "pae", what, level, e, entry_gpa,
					       "reserved bits %#" PRIx64 " set", e & rsvd);
		if (level == 1 || (level == 2 && (e & PAE_PTE_PS))) {
			const uint64_t addr_mask =
				level == 2 ? PAE_PDE_2M_ADDR_MASK : PAE_PTE_ADDR_MASK;
			const uint64_t out = (e & addr_mask) | (gva & ((UINT64_C(1) << shift) - 1));
			return vms_xlate_leaf(rd, out, shift, rest, "pae", what, level, e,
					      entry_gpa, gpa, info, err);
		}
		parent_len = rest;
		parent_entry = e;
		parent_gpa = entry_gpa;
		parent_what = what;
		parent_level = level;
		table_gpa = e & PAE_PTE_ADDR_MASK;
		table_len = 4096;
	}
	return vms_fail(err, -EFAULT, "pae: walk ran past level 1");
}

const struct vms_paging_ops vms_paging_x86_pae = {
	.mode = VMS_PAGING_PAE,
	.va_bits = 32,
	.walk = walk_pae,
};
