/* ARMv8-A stage-1 walk for the EL1&0 regime: TTBR0_EL1 or TTBR1_EL1 chosen by VA bit 55,
 * T0SZ/T1SZ, 4/16/64 KiB granules (TG0 and TG1 encode them differently), top-byte ignore,
 * table, block and page descriptors, 48-bit output addresses. Arm ARM (DDI 0487) D8;
 * register sources: hyperv-format.md §5.8. SCTLR_EL1.M clear means no translation.
 * Not supported (reported as faults, never guessed): 52-bit VAs/PAs (TCR.DS, LPA/LVA). */
#include <inttypes.h>

#include "core/error.h"
#include "core/translate_modes.h"

#define ARM_SCTLR_M (UINT64_C(1) << 0)

/* TCR_EL1 fields (Arm ARM D17.2 TCR_EL1). */
#define ARM_TCR_T0SZ_SHIFT 0u
#define ARM_TCR_T1SZ_SHIFT 16u
#define ARM_TCR_TXSZ_MASK UINT64_C(0x3f)
#define ARM_TCR_EPD0 (UINT64_C(1) << 7)
#define ARM_TCR_EPD1 (UINT64_C(1) << 23)
#define ARM_TCR_TG0_SHIFT 14u
#define ARM_TCR_TG1_SHIFT 30u
#define ARM_TCR_TG_MASK UINT64_C(3)
#define ARM_TCR_IPS_SHIFT 32u
#define ARM_TCR_IPS_MASK UINT64_C(7)
#define ARM_TCR_TBI0 (UINT64_C(1) << 37)
#define ARM_TCR_TBI1 (UINT64_C(1) << 38)
/* TG0: 0 = 4 KiB, 1 = 64 KiB, 2 = 16 KiB. TG1: 1 = 16 KiB, 2 = 4 KiB, 3 = 64 KiB.
 * 0 marks the reserved encoding (TG0 = 3, TG1 = 0). */
static const unsigned arm_tg0_shift[4] = {12, 16, 14, 0};
static const unsigned arm_tg1_shift[4] = {0, 14, 12, 16};
/* IPS 0..5 = 32, 36, 40, 42, 44, 48 bits; 52 (6) and the reserved 7 are capped at the
 * 48 bits we support. */
static const unsigned arm_ips_bits[8] = {32, 36, 40, 42, 44, 48, 48, 48};

/* Out-of-range TxSZ is CONSTRAINED UNPREDICTABLE; we clamp, as many cores do. 16 is the
 * 48-bit limit without LVA; 39 is the ARMv8.0 maximum. */
#define ARM_TXSZ_MIN 16u
#define ARM_TXSZ_MAX 39u
#define ARM_TTBR_BADDR_MASK vms_bits(47, 1)
#define ARM_DESC_VALID (UINT64_C(1) << 0)
#define ARM_DESC_TABLE (UINT64_C(1) << 1) /* table at levels 0-2, page at level 3 */
#define ARM_DESC_OA_TOP 47u
#define ARM_DESC_OA_HIGH_MASK vms_bits(51, 48)
#define ARM_ENTRY_SIZE 8u
#define ARM_TABLE_ALIGN_MIN 64u
#define ARM_MEM_PAGE 4096u	     /* granularity of guest memory (chunks, holes) */
#define ARM_MEM_PAGE_ENTRIES_LOG2 9u /* 4096 / ARM_ENTRY_SIZE entries per memory page */
#define ARM_LAST_LEVEL 3
#define ARM_TAG_SHIFT 56u
#define ARM_SELECT_BIT 55u

/* Where gva falls: which TTBR, and the translation controls for that half. */
struct arm_half {
	int sel;	  /* 0: TTBR0, 1: TTBR1 */
	unsigned va_bits; /* 64 - TxSZ */
	unsigned g;	  /* granule shift: 12, 14 or 16 */
	uint64_t ttbr;
	uint64_t end; /* one past the VA window holding gva; 0 stands for 2^64 */
};

static unsigned arm_va_bits(uint64_t tcr, unsigned shift)
{
	unsigned txsz = (unsigned)((tcr >> shift) & ARM_TCR_TXSZ_MASK);
	txsz = txsz < ARM_TXSZ_MIN ? ARM_TXSZ_MIN : txsz > ARM_TXSZ_MAX ? ARM_TXSZ_MAX : txsz;
	return 64u - txsz;
}

/* The lowest valid VA above an invalid gva (0 for none). The TTBR0 window of top byte t is
 * [t << 56, (t << 56) + 2^va0) for t == 0, or any t with TBI0; the TTBR1 window of top byte
 * t is the top 2^va1 bytes of t's 2^56 range, for t == 0xff or any t with TBI1. */
static uint64_t arm_next_valid(uint64_t gva, unsigned va1, bool tbi0, bool tbi1)
{
	const uint64_t tag = gva >> ARM_TAG_SHIFT;
	const uint64_t ttbr1_low = (UINT64_C(1) << ARM_TAG_SHIFT) - (UINT64_C(1) << va1);
	uint64_t cand[4];
	unsigned n = 0;
	if (tbi1 || tag == 0xff)
		cand[n++] = (tag << ARM_TAG_SHIFT) | ttbr1_low;
	if (tag < 0xff) {
		const uint64_t next = tag + 1;
		if (tbi0)
			cand[n++] = next << ARM_TAG_SHIFT;
		cand[n++] = ((tbi1 ? next : 0xff) << ARM_TAG_SHIFT) | ttbr1_low;
	}
	uint64_t best = 0;
	for (unsigned i = 0; i < n; i++)
		if (cand[i] > gva && (best == 0 || cand[i] < best))
			best = cand[i];
	return best;
}

static int arm_select(const struct vms_xlate_regs *regs, uint64_t gva, struct arm_half *h,
		      struct vms_xlate_info *info, struct vms_error *err)
{
	const uint64_t tcr = regs->tcr;
	const bool tbi0 = (tcr & ARM_TCR_TBI0) != 0, tbi1 = (tcr & ARM_TCR_TBI1) != 0;
	const unsigned va0 = arm_va_bits(tcr, ARM_TCR_T0SZ_SHIFT);
	const unsigned va1 = arm_va_bits(tcr, ARM_TCR_T1SZ_SHIFT);
	h->sel = (int)((gva >> ARM_SELECT_BIT) & 1);
	h->va_bits = h->sel ? va1 : va0;
	const bool tbi = h->sel ? tbi1 : tbi0;
	/* Bits above the window must all equal the select bit (from bit 55 only with TBI). */
	const uint64_t check = vms_bits(tbi ? ARM_SELECT_BIT : 63, h->va_bits);
	if ((gva & check) != (h->sel ? check : 0))
		return vms_xlate_fault_va(
			info, err, vms_xlate_len_to(gva, arm_next_valid(gva, va1, tbi0, tbi1)),
			"armv8: GVA %#" PRIx64
			" is outside the TTBR0 (%u-bit) and TTBR1 (%u-bit) ranges",
			gva, va0, va1);
	const uint64_t tag_base = gva & ~((UINT64_C(1) << ARM_TAG_SHIFT) - 1);
	h->end = h->sel ? tag_base + (UINT64_C(1) << ARM_TAG_SHIFT)
			: tag_base + (UINT64_C(1) << h->va_bits);
	const uint64_t len = vms_xlate_len_to(gva, h->end);
	if (tcr & (h->sel ? ARM_TCR_EPD1 : ARM_TCR_EPD0))
		return vms_xlate_fault_va(info, err, len,
					  "armv8: GVA %#" PRIx64
					  ": TTBR%d walks disabled by TCR_EL1.EPD%d",
					  gva, h->sel, h->sel);
	const uint64_t tg =
		(tcr >> (h->sel ? ARM_TCR_TG1_SHIFT : ARM_TCR_TG0_SHIFT)) & ARM_TCR_TG_MASK;
	h->g = h->sel ? arm_tg1_shift[tg] : arm_tg0_shift[tg];
	if (h->g == 0)
		return vms_xlate_fault_va(info, err, len,
					  "armv8: GVA %#" PRIx64
					  ": reserved TCR_EL1.TG%d encoding %u",
					  gva, h->sel, (unsigned)tg);
	h->ttbr = h->sel ? regs->ttbr1 : regs->ttbr0;
	return 0;
}

static bool arm_block_allowed(unsigned g, int level)
{
	/* Without TCR.DS / LPA, blocks exist at levels 1-2 (4 KiB) or level 2 only. */
	return level == 2 || (g == 12 && level == 1);
}

static int walk_arm64(const struct vms_xlate_regs *regs, const struct vms_pt_reader *rd,
		      uint64_t gva, uint64_t *gpa, struct vms_xlate_info *info,
		      struct vms_error *err)
{
	if (!(regs->sctlr & ARM_SCTLR_M))
		return vms_paging_identity.walk(regs, rd, gva, gpa, info, err);
	struct arm_half h = {0};
	int rc = arm_select(regs, gva, &h, info, err);
	if (rc < 0)
		return rc;
	const unsigned stride = h.g - 3;
	const int start = ARM_LAST_LEVEL + 1 - (int)((h.va_bits - h.g + stride - 1) / stride);
	const unsigned pa_bits = arm_ips_bits[(regs->tcr >> ARM_TCR_IPS_SHIFT) & ARM_TCR_IPS_MASK];
	const uint64_t va_low = gva & vms_bits(h.va_bits - 1, 0);
	const char *ttbr_name = h.sel ? "TTBR1_EL1" : "TTBR0_EL1";

	/* The top table holds 2^(va_bits - shift) entries and is aligned to its size (at least
	 * 64 bytes); lower base bits are treated as zero. */
	const unsigned top_shift = h.g + stride * (unsigned)(ARM_LAST_LEVEL - start);
	const uint64_t table_len = (uint64_t)ARM_ENTRY_SIZE << (h.va_bits - top_shift);
	const uint64_t align = table_len < ARM_TABLE_ALIGN_MIN ? ARM_TABLE_ALIGN_MIN : table_len;
	uint64_t table_gpa = h.ttbr & ARM_TTBR_BADDR_MASK & ~(align - 1);
	uint64_t parent_len = vms_xlate_len_to(gva, h.end);
	uint64_t parent_entry = h.ttbr, parent_gpa = table_gpa;
	const char *parent_what = ttbr_name;
	int parent_level = start;
	if (table_gpa >> pa_bits)
		return vms_xlate_fault(info, err, parent_len, "armv8", ttbr_name, start, h.ttbr,
				       table_gpa, "table address beyond the %u-bit output size",
				       pa_bits);

	for (int level = start; level <= ARM_LAST_LEVEL; level++) {
		const unsigned shift = h.g + stride * (unsigned)(ARM_LAST_LEVEL - level);
		const unsigned idx_bits = level == start ? h.va_bits - shift : stride;
		const uint64_t idx = (va_low >> shift) & ((UINT64_C(1) << idx_bits) - 1);
		const uint64_t entry_gpa = table_gpa + idx * ARM_ENTRY_SIZE;
		/* Guest memory comes in 4 KiB pages, and 16/64 KiB tables span several: an
		 * unreadable page hides only the 512 entries it holds, so the unmapped span is
		 * that group's region, capped by the parent's. */
		const uint64_t entry_page = entry_gpa & ~(uint64_t)(ARM_MEM_PAGE - 1);
		uint64_t d;
		rc = entry_page > rd->gpa_limit || rd->gpa_limit - entry_page < ARM_MEM_PAGE
			     ? -EFAULT
			     : rd->read_entry(rd->ctx, entry_gpa, ARM_ENTRY_SIZE, &d, err);
		if (rc == -EFAULT) {
			const uint64_t group =
				vms_xlate_region_rest(gva, shift + ARM_MEM_PAGE_ENTRIES_LOG2);
			return vms_xlate_fault(
				info, err, group < parent_len ? group : parent_len, "armv8",
				parent_what, parent_level, parent_entry, parent_gpa,
				"level %d table at GPA %#" PRIx64 ": entry at GPA %#" PRIx64
				" is outside guest memory",
				level, table_gpa, entry_gpa);
		}
		if (rc < 0)
			return vms_fail_prefix(
				err, rc, "armv8: reading level %d descriptor at GPA %#" PRIx64,
				level, entry_gpa);
		const uint64_t rest = vms_xlate_region_rest(gva, shift);
		const char *what = "descriptor";
		if (!(d & ARM_DESC_VALID))
			return vms_xlate_fault(info, err, rest, "armv8", what, level, d, entry_gpa,
					       "invalid descriptor");
		const bool table = level < ARM_LAST_LEVEL && (d & ARM_DESC_TABLE);
		if (level == ARM_LAST_LEVEL && !(d & ARM_DESC_TABLE))
			return vms_xlate_fault(info, err, rest, "armv8", what, level, d, entry_gpa,
					       "reserved descriptor type 0b01 at level 3");
		if (!table && level < ARM_LAST_LEVEL && !arm_block_allowed(h.g, level))
			return vms_xlate_fault(info, err, rest, "armv8", what, level, d, entry_gpa,
					       "block descriptor not allowed at level %d with a "
					       "%u KiB granule",
					       level, (1u << h.g) / 1024u);
		const uint64_t addr = d & vms_bits(ARM_DESC_OA_TOP, table ? h.g : shift);
		if ((d & ARM_DESC_OA_HIGH_MASK) || (addr >> pa_bits))
			return vms_xlate_fault(info, err, rest, "armv8", what, level, d, entry_gpa,
					       "address size fault: output beyond %u bits",
					       pa_bits);
		if (!table) {
			const uint64_t out = addr | (gva & ((UINT64_C(1) << shift) - 1));
			return vms_xlate_leaf(rd, out, shift, rest, "armv8", what, level, d,
					      entry_gpa, gpa, info, err);
		}
		parent_len = rest;
		parent_entry = d;
		parent_gpa = entry_gpa;
		parent_what = "table descriptor";
		parent_level = level;
		table_gpa = addr;
	}
	return vms_fail(err, -EFAULT, "armv8: walk ran past level 3");
}

const struct vms_paging_ops vms_paging_arm64 = {
	.mode = VMS_PAGING_ARMV8,
	.va_bits = 64,
	.walk = walk_arm64,
};
