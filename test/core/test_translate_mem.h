/* Test-only guest-physical memory with holes, a vms_pt_reader over it, and page-table
 * writers for every paging mode. The writers are written from the architecture manuals
 * independently of src/core/translate_*.c, so a test compares two readings of the spec.
 * Used by test/core/test_translate_*.c and bench/bench_translate.c. */
#ifndef VMS_TEST_TRANSLATE_MEM_H
#define VMS_TEST_TRANSLATE_MEM_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/translate.h"

#define TMEM_PAGE 4096u
#define TMEM_MAX_HOLES 8u

struct tmem {
	uint8_t *buf;
	uint64_t len;	/* guest-physical [0, len) is backed */
	uint64_t limit; /* gpa_limit handed to the walks (defaults to len) */
	uint64_t holes[TMEM_MAX_HOLES][2];
	unsigned hole_count;
	uint64_t next_table; /* bump allocator for page-table pages */
	unsigned reads;	     /* read_entry calls */
};

static inline void tmem_init(struct tmem *m, uint64_t len, uint64_t first_table)
{
	memset(m, 0, sizeof(*m));
	m->buf = calloc(1, (size_t)len);
	if (!m->buf)
		abort();
	m->len = len;
	m->limit = len;
	m->next_table = first_table;
}

static inline void tmem_free(struct tmem *m)
{
	free(m->buf);
	m->buf = NULL;
}

static inline void tmem_hole(struct tmem *m, uint64_t start, uint64_t end)
{
	if (m->hole_count == TMEM_MAX_HOLES)
		abort();
	m->holes[m->hole_count][0] = start;
	m->holes[m->hole_count][1] = end;
	m->hole_count++;
}

static inline bool tmem_backed(const struct tmem *m, uint64_t gpa, uint64_t n)
{
	if (gpa >= m->len || m->len - gpa < n)
		return false;
	for (unsigned i = 0; i < m->hole_count; i++)
		if (gpa < m->holes[i][1] && gpa + n > m->holes[i][0])
			return false;
	return true;
}

static inline uint64_t tmem_alloc(struct tmem *m)
{
	const uint64_t gpa = m->next_table;
	m->next_table += TMEM_PAGE;
	if (!tmem_backed(m, gpa, TMEM_PAGE))
		abort();
	memset(m->buf + gpa, 0, TMEM_PAGE);
	return gpa;
}

static inline void tmem_w64(struct tmem *m, uint64_t gpa, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		m->buf[gpa + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static inline void tmem_w32(struct tmem *m, uint64_t gpa, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		m->buf[gpa + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t tmem_r(const struct tmem *m, uint64_t gpa, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)m->buf[gpa + i] << (8 * i);
	return v;
}

static inline int tmem_read_entry(void *ctx, uint64_t gpa, unsigned size, uint64_t *out,
				  struct vms_error *err)
{
	struct tmem *m = ctx;
	m->reads++;
	if ((size != 4 && size != 8) || (gpa & (size - 1)) || !tmem_backed(m, gpa, size)) {
		if (err) {
			err->code = -EFAULT;
			snprintf(err->msg, sizeof(err->msg), "tmem: GPA %#" PRIx64 " not backed",
				 gpa);
		}
		return -EFAULT;
	}
	*out = tmem_r(m, gpa, size);
	return 0;
}

static inline int tmem_read_page(void *ctx, uint64_t gpa_page, uint8_t *dst, struct vms_error *err)
{
	struct tmem *m = ctx;
	m->reads++;
	if (!tmem_backed(m, gpa_page, TMEM_PAGE)) {
		if (err) {
			err->code = -EFAULT;
			snprintf(err->msg, sizeof(err->msg), "tmem: page %#" PRIx64 " not backed",
				 gpa_page);
		}
		return -EFAULT;
	}
	memcpy(dst, m->buf + gpa_page, TMEM_PAGE);
	return 0;
}

static inline struct vms_pt_reader tmem_reader(struct tmem *m)
{
	struct vms_pt_reader rd = {.read_entry = tmem_read_entry, .ctx = m, .gpa_limit = m->limit};
	return rd;
}

/* ---- x86 writers (Intel SDM vol. 3 ch. 4) ---- */
#define TX_P UINT64_C(0x1)
#define TX_RW UINT64_C(0x2)
#define TX_PS UINT64_C(0x80)
#define TX_XD (UINT64_C(1) << 63)
#define TX_ADDR UINT64_C(0x000ffffffffff000)

/* Long mode, `levels` 4 or 5; leaf at 4 KiB (shift 12), 2 MiB (21) or 1 GiB (30).
 * Returns the GPA of the leaf entry. */
static inline uint64_t tmem_map_long(struct tmem *m, uint64_t root, int levels, uint64_t gva,
				     uint64_t gpa, unsigned leaf_shift, uint64_t leaf_flags)
{
	uint64_t table = root;
	for (int lvl = levels; lvl >= 1; lvl--) {
		const unsigned shift = 12u + 9u * (unsigned)(lvl - 1);
		const uint64_t slot = table + ((gva >> shift) & 511u) * 8u;
		if (shift == leaf_shift) {
			tmem_w64(m, slot,
				 gpa | TX_P | TX_RW | (shift > 12 ? TX_PS : 0) | leaf_flags);
			return slot;
		}
		uint64_t e = tmem_r(m, slot, 8);
		if (!(e & TX_P)) {
			e = tmem_alloc(m) | TX_P | TX_RW;
			tmem_w64(m, slot, e);
		}
		table = e & TX_ADDR;
	}
	abort();
}

/* PAE: pdpt is CR3 & ~0x1f; leaf 4 KiB (12) or 2 MiB (21). PDPTEs carry only P (their
 * bits 2:1 are reserved). */
static inline uint64_t tmem_map_pae(struct tmem *m, uint64_t pdpt, uint64_t gva, uint64_t gpa,
				    unsigned leaf_shift, uint64_t leaf_flags)
{
	const uint64_t pdpte_gpa = pdpt + ((gva >> 30) & 3u) * 8u;
	uint64_t e = tmem_r(m, pdpte_gpa, 8);
	if (!(e & TX_P)) {
		e = tmem_alloc(m) | TX_P;
		tmem_w64(m, pdpte_gpa, e);
	}
	const uint64_t pde_gpa = (e & TX_ADDR) + ((gva >> 21) & 511u) * 8u;
	if (leaf_shift == 21) {
		tmem_w64(m, pde_gpa, gpa | TX_P | TX_RW | TX_PS | leaf_flags);
		return pde_gpa;
	}
	uint64_t pde = tmem_r(m, pde_gpa, 8);
	if (!(pde & TX_P)) {
		pde = tmem_alloc(m) | TX_P | TX_RW;
		tmem_w64(m, pde_gpa, pde);
	}
	const uint64_t pte_gpa = (pde & TX_ADDR) + ((gva >> 12) & 511u) * 8u;
	tmem_w64(m, pte_gpa, gpa | TX_P | TX_RW | leaf_flags);
	return pte_gpa;
}

/* 32-bit: leaf 4 KiB (12) or 4 MiB (22, needs CR4.PSE; gpa bits 39:32 go to PDE 20:13). */
static inline uint64_t tmem_map_x86(struct tmem *m, uint64_t pd, uint64_t gva, uint64_t gpa,
				    unsigned leaf_shift)
{
	const uint64_t pde_gpa = pd + ((gva >> 22) & 1023u) * 4u;
	if (leaf_shift == 22) {
		const uint64_t pde = (gpa & 0xffc00000u) | ((gpa >> 32) & 0xffu) << 13 | 0x83u;
		tmem_w32(m, pde_gpa, (uint32_t)pde);
		return pde_gpa;
	}
	uint64_t pde = tmem_r(m, pde_gpa, 4);
	if (!(pde & TX_P)) {
		pde = tmem_alloc(m) | 0x3u;
		tmem_w32(m, pde_gpa, (uint32_t)pde);
	}
	const uint64_t pte_gpa = (pde & 0xfffff000u) + ((gva >> 12) & 1023u) * 4u;
	tmem_w32(m, pte_gpa, (uint32_t)((gpa & 0xfffff000u) | 0x3u));
	return pte_gpa;
}

/* ---- ARMv8 writer (Arm ARM D8) ---- */
#define TA_VALID UINT64_C(0x1)
#define TA_TABLE UINT64_C(0x2)
#define TA_AF (UINT64_C(1) << 10)

/* Map gva -> gpa in the tree rooted at `root` for granule 2^g and a 2^va_bits window; the
 * leaf is at `leaf_level` (3: page; 1 or 2: block). Tables beyond the root are granule
 * sized; the allocator hands out 4 KiB pages, so bigger granules take several. */
static inline uint64_t tmem_alloc_granule(struct tmem *m, unsigned g)
{
	const uint64_t gran = UINT64_C(1) << g;
	m->next_table = (m->next_table + gran - 1) & ~(gran - 1);
	const uint64_t gpa = m->next_table;
	for (uint64_t i = 0; i < gran / TMEM_PAGE; i++)
		tmem_alloc(m);
	return gpa;
}

static inline uint64_t tmem_map_arm(struct tmem *m, uint64_t root, unsigned g, unsigned va_bits,
				    uint64_t gva, uint64_t gpa, int leaf_level)
{
	const unsigned stride = g - 3;
	const int start = 4 - (int)((va_bits - g + stride - 1) / stride);
	uint64_t table = root;
	for (int lvl = start; lvl <= 3; lvl++) {
		const unsigned shift = g + stride * (unsigned)(3 - lvl);
		const unsigned bits = lvl == start ? va_bits - shift : stride;
		const uint64_t idx = (gva >> shift) & ((UINT64_C(1) << bits) - 1);
		const uint64_t slot = table + idx * 8u;
		if (lvl == leaf_level) {
			tmem_w64(m, slot, gpa | TA_AF | TA_VALID | (lvl == 3 ? TA_TABLE : 0));
			return slot;
		}
		uint64_t d = tmem_r(m, slot, 8);
		if (!(d & TA_VALID)) {
			d = tmem_alloc_granule(m, g) | TA_VALID | TA_TABLE;
			tmem_w64(m, slot, d);
		}
		table = d & UINT64_C(0x0000fffffffff000) & ~((UINT64_C(1) << g) - 1);
	}
	abort();
}

#endif
