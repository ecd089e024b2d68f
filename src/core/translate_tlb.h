/* A small per-VP translation cache (TLB): 4 KiB GVA page -> GPA page, in front of
 * vms_translate(), for the warm case (the same pages translated again and again).
 *
 * Contract:
 *  - Entries are tagged with a fingerprint of the translation registers (struct
 *    vms_xlate_regs) and the reader's gpa_limit, so a VP whose registers change (a forced
 *    paging mode or VTL) can never hit a stale entry; vms_tlb_flush() is still needed when
 *    guest memory changes (vms_memory_fix), together with vms_pt_cache_invalidate().
 *  - Only successful translations are cached; every hit reproduces the walk's result
 *    exactly (gpa, info->page_size, level, entry, entry_gpa).
 *  - Thread safety: every call except vms_tlb_free() is safe concurrently on one TLB.
 *    Lookups take no lock (one seqlock per entry); an insert that finds its entry being
 *    written by another thread is skipped (it is only a cache).
 *  - Memory: fixed at creation (`entries` rounded up to a power of two, at most
 *    VMS_TLB_MAX_ENTRIES, 48 bytes each).
 */
#ifndef VMS_CORE_TRANSLATE_TLB_H
#define VMS_CORE_TRANSLATE_TLB_H

#include <stdint.h>

#include "core/translate.h"

#define VMS_TLB_MAX_ENTRIES 65536u
#define VMS_TLB_DEFAULT_ENTRIES 256u

struct vms_tlb;

/** Create a TLB (entries 0: no caching). @return NULL when allocation fails. */
struct vms_tlb *vms_tlb_new(unsigned entries);

/** Release. NULL is accepted. Not safe concurrently with other calls on the same TLB. */
void vms_tlb_free(struct vms_tlb *t);

/** Forget every entry. Safe concurrently with lookups and inserts: a translation that was
 *  in progress during the flush is not cached. */
void vms_tlb_flush(struct vms_tlb *t);

/**
 * vms_translate() through the TLB `t` (NULL: no caching). Same parameters, results and
 * error codes as vms_translate(); info may be NULL.
 */
int vms_translate_cached(struct vms_tlb *t, const struct vms_xlate_regs *regs,
			 const struct vms_pt_reader *rd, uint64_t gva, uint64_t *gpa,
			 struct vms_xlate_info *info, struct vms_error *err);

#endif
