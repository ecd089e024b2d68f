/* Per-VP translation cache: direct-mapped, one seqlock per entry, tagged by the GVA page and
 * a fingerprint of the registers and the flush generation. Contract in translate_tlb.h. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/translate_tlb.h"

#define TLB_PAGE_SHIFT 12u
#define TLB_PAGE_MASK ((UINT64_C(1) << TLB_PAGE_SHIFT) - 1)
#define TLB_SEQ_RETRIES 4u
#define TLB_HASH_MULT UINT64_C(0x9E3779B97F4A7C15)
/* meta packs: GPA page (bits 63:12) | log2(page_size) (bits 11:4) | level + 1 (bits 3:0). */
#define TLB_META_SHIFT_POS 4u
#define TLB_META_SHIFT_MASK UINT64_C(0xff)
#define TLB_META_LEVEL_MASK UINT64_C(0xf)

struct tlb_entry {
	_Atomic uint64_t seq; /* odd while being written */
	_Atomic uint64_t vpn; /* gva >> 12 */
	_Atomic uint64_t ctx; /* 0 = empty; otherwise the fingerprint the walk ran under */
	_Atomic uint64_t meta;
	_Atomic uint64_t entry;
	_Atomic uint64_t entry_gpa;
};

struct vms_tlb {
	_Atomic uint64_t gen;
	unsigned count;
	unsigned hash_shift;
	struct tlb_entry *e;
};

struct vms_tlb *vms_tlb_new(unsigned entries)
{
	struct vms_tlb *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	unsigned bits = 1;
	if (entries > VMS_TLB_MAX_ENTRIES)
		entries = VMS_TLB_MAX_ENTRIES;
	while ((1u << bits) < entries)
		bits++;
	t->count = entries ? 1u << bits : 0;
	t->hash_shift = 64u - bits;
	if (t->count && !(t->e = calloc(t->count, sizeof(*t->e)))) {
		free(t);
		return NULL;
	}
	atomic_init(&t->gen, 1);
	for (unsigned i = 0; i < t->count; i++) {
		atomic_init(&t->e[i].seq, 0);
		atomic_init(&t->e[i].vpn, 0);
		atomic_init(&t->e[i].ctx, 0);
		atomic_init(&t->e[i].meta, 0);
		atomic_init(&t->e[i].entry, 0);
		atomic_init(&t->e[i].entry_gpa, 0);
	}
	return t;
}

void vms_tlb_free(struct vms_tlb *t)
{
	if (!t)
		return;
	free(t->e);
	free(t);
}

/* Entries from before a flush carry an older generation in their fingerprint, so a flush is
 * one atomic increment and cannot race with inserts. */
void vms_tlb_flush(struct vms_tlb *t)
{
	if (t)
		atomic_fetch_add_explicit(&t->gen, 1, memory_order_acq_rel);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= UINT64_C(0xff51afd7ed558ccd);
	return h ^ (h >> 29);
}

/* Everything a walk's result depends on besides memory. Never 0 (0 marks empty). */
static uint64_t fingerprint(const struct vms_xlate_regs *r, const struct vms_pt_reader *rd,
			    uint64_t gen)
{
	uint64_t h = mix(gen, (uint64_t)r->mode);
	h = mix(h, r->cr0);
	h = mix(h, r->cr3);
	h = mix(h, r->cr4);
	h = mix(h, r->efer);
	h = mix(h, r->ttbr0);
	h = mix(h, r->ttbr1);
	h = mix(h, r->tcr);
	h = mix(h, r->sctlr);
	h = mix(h, rd->gpa_limit);
	return h | 1;
}

static bool tlb_lookup(struct tlb_entry *e, uint64_t vpn, uint64_t ctx, uint64_t *meta,
		       uint64_t *entry, uint64_t *entry_gpa)
{
	for (unsigned tries = 0; tries < TLB_SEQ_RETRIES; tries++) {
		const uint64_t s1 = atomic_load_explicit(&e->seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		const uint64_t v = atomic_load_explicit(&e->vpn, memory_order_relaxed);
		const uint64_t c = atomic_load_explicit(&e->ctx, memory_order_relaxed);
		*meta = atomic_load_explicit(&e->meta, memory_order_relaxed);
		*entry = atomic_load_explicit(&e->entry, memory_order_relaxed);
		*entry_gpa = atomic_load_explicit(&e->entry_gpa, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&e->seq, memory_order_relaxed) != s1)
			continue;
		return v == vpn && c == ctx;
	}
	return false;
}

static void tlb_insert(struct tlb_entry *e, uint64_t vpn, uint64_t ctx, uint64_t meta,
		       const struct vms_xlate_info *info)
{
	uint64_t seq = atomic_load_explicit(&e->seq, memory_order_relaxed);
	if ((seq & 1) ||
	    !atomic_compare_exchange_strong_explicit(&e->seq, &seq, seq + 1, memory_order_acquire,
						     memory_order_relaxed))
		return; /* another writer owns the entry; skipping is fine for a cache */
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&e->vpn, vpn, memory_order_relaxed);
	atomic_store_explicit(&e->ctx, ctx, memory_order_relaxed);
	atomic_store_explicit(&e->meta, meta, memory_order_relaxed);
	atomic_store_explicit(&e->entry, info->entry, memory_order_relaxed);
	atomic_store_explicit(&e->entry_gpa, info->entry_gpa, memory_order_relaxed);
	atomic_store_explicit(&e->seq, seq + 2, memory_order_release);
}

static unsigned log2_u64(uint64_t v)
{
	unsigned n = 0;
	while (v > 1 && n < 63) {
		v >>= 1;
		n++;
	}
	return n;
}

int vms_translate_cached(struct vms_tlb *t, const struct vms_xlate_regs *regs,
			 const struct vms_pt_reader *rd, uint64_t gva, uint64_t *gpa,
			 struct vms_xlate_info *info, struct vms_error *err)
{
	if (!t || !t->count || !regs || !rd || !gpa)
		return vms_translate(regs, rd, gva, gpa, info, err);
	const uint64_t vpn = gva >> TLB_PAGE_SHIFT;
	const uint64_t ctx =
		fingerprint(regs, rd, atomic_load_explicit(&t->gen, memory_order_acquire));
	struct tlb_entry *e = &t->e[(vpn * TLB_HASH_MULT) >> t->hash_shift];
	uint64_t meta, entry, entry_gpa;
	if (tlb_lookup(e, vpn, ctx, &meta, &entry, &entry_gpa)) {
		*gpa = (meta & ~TLB_PAGE_MASK) | (gva & TLB_PAGE_MASK);
		if (info) {
			info->page_size = UINT64_C(1)
					  << ((meta >> TLB_META_SHIFT_POS) & TLB_META_SHIFT_MASK);
			info->unmapped_len = 0;
			info->level = (int)(meta & TLB_META_LEVEL_MASK) - 1;
			info->entry = entry;
			info->entry_gpa = entry_gpa;
		}
		return 0;
	}
	struct vms_xlate_info local;
	struct vms_xlate_info *out = info ? info : &local;
	const int rc = vms_translate(regs, rd, gva, gpa, out, err);
	/* Only page-granular results are cacheable: the whole 4 KiB frame must lie below
	 * gpa_limit (a leaf straddling the limit translates only its lower bytes), and the
	 * mapping must be at least a page (always true today; never cache what we could not
	 * reproduce). */
	const uint64_t frame = *gpa & ~TLB_PAGE_MASK;
	if (rc == 0 && out->page_size > TLB_PAGE_MASK && frame < rd->gpa_limit &&
	    rd->gpa_limit - frame > TLB_PAGE_MASK && out->level >= -1 &&
	    out->level < (int)TLB_META_LEVEL_MASK) {
		const uint64_t meta_new = (*gpa & ~TLB_PAGE_MASK) |
					  (uint64_t)log2_u64(out->page_size) << TLB_META_SHIFT_POS |
					  (uint64_t)(out->level + 1);
		tlb_insert(e, vpn, ctx, meta_new, out);
	}
	return rc;
}
