/* Virtual-processor queries, registers, overrides, and guest-virtual access: the public
 * calls that combine a VP's register bank with the page walks. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/handle.h"
#include "core/pt_cache.h"
#include "core/translate_tlb.h"

#define X86_EFER_LMA (1ull << 10)
#define X86_SEG_ATTR_L (1u << 13)
#define ARM64_CPSR_EL_SHIFT 2
#define ARM64_CPSR_EL_MASK 3u
#define MEMORY_FIX_MAX_BYTES (16u << 20)

#define CHECK_VP(h, vp, err)                                                                       \
	VMS_RETURN_IF(!(h) || (vp) >= (h)->m.vp_count, err, -ERANGE,                               \
		      "VP %u out of range (%u VPs)", (unsigned)(vp), (h) ? (h)->m.vp_count : 0)

VMS_API uint32_t vms_vp_count(const vms_handle *h)
{
	return h->m.vp_count;
}

const struct vms_reg_bank *vms_handle_bank(const vms_handle *h, uint32_t vp)
{
	const struct vms_vp_state *v = &h->m.vps[vp];
	int vtl = h->vp_over[vp].vtl >= 0 ? h->vp_over[vp].vtl : v->active_vtl;
	return v->banks[vtl];
}

static uint64_t bank_get(const struct vms_reg_bank *b, enum vms_reg r)
{
	return b && vms_bank_has(b, r) ? b->lo[r] : 0;
}

/* Architecture from the saved state alone (hyperv-format §5.10): the backend's answer when
 * it has one, else long mode (EFER.LMA with CS.L) means x64. */
static enum vms_arch saved_arch(const vms_handle *h, uint32_t vp)
{
	const struct vms_vp_state *v = &h->m.vps[vp];
	if (v->arch != VMS_ARCH_UNKNOWN)
		return v->arch;
	const struct vms_reg_bank *b = vms_handle_bank(h, vp);
	if (!b)
		return VMS_ARCH_UNKNOWN;
	if ((bank_get(b, VMS_REG_EFER) & X86_EFER_LMA) &&
	    (bank_get(b, VMS_REG_CS_ATTR) & X86_SEG_ATTR_L))
		return VMS_ARCH_X64;
	return VMS_ARCH_X86;
}

VMS_API int vms_vp_hv_index(const vms_handle *h, uint32_t vp, uint32_t *hv_index)
{
	CHECK_VP(h, vp, NULL);
	*hv_index = h->m.vps[vp].hv_index;
	return 0;
}

VMS_API int vms_vp_arch(const vms_handle *h, uint32_t vp, enum vms_arch *arch)
{
	CHECK_VP(h, vp, NULL);
	*arch = h->vp_over[vp].arch != VMS_ARCH_UNKNOWN ? h->vp_over[vp].arch : saved_arch(h, vp);
	return 0;
}

static enum vms_paging saved_paging(const vms_handle *h, uint32_t vp)
{
	if (h->m.vps[vp].paging != VMS_PAGING_INVALID)
		return h->m.vps[vp].paging;
	enum vms_arch arch;
	(void)vms_vp_arch(h, vp, &arch);
	if (arch == VMS_ARCH_ARM64)
		return VMS_PAGING_ARMV8;
	const struct vms_reg_bank *b = vms_handle_bank(h, vp);
	if (!b || !vms_bank_has(b, VMS_REG_CR0))
		return VMS_PAGING_INVALID;
	return vms_paging_from_x86(bank_get(b, VMS_REG_CR0), bank_get(b, VMS_REG_CR4),
				   bank_get(b, VMS_REG_EFER));
}

VMS_API int vms_vp_paging(const vms_handle *h, uint32_t vp, enum vms_paging *mode)
{
	CHECK_VP(h, vp, NULL);
	*mode = h->vp_over[vp].paging != VMS_PAGING_INVALID ? h->vp_over[vp].paging
							    : saved_paging(h, vp);
	return 0;
}

VMS_API int vms_vp_force_arch(vms_handle *h, uint32_t vp, enum vms_arch arch)
{
	CHECK_VP(h, vp, NULL);
	if ((unsigned)arch > VMS_ARCH_ARM64)
		return -EINVAL;
	h->vp_over[vp].arch = arch;
	return 0;
}

VMS_API int vms_vp_force_paging(vms_handle *h, uint32_t vp, enum vms_paging mode)
{
	CHECK_VP(h, vp, NULL);
	if ((unsigned)mode > VMS_PAGING_LONG5)
		return -EINVAL;
	h->vp_over[vp].paging = mode;
	return 0;
}

VMS_API int vms_vp_active_vtl(const vms_handle *h, uint32_t vp, uint8_t *vtl)
{
	CHECK_VP(h, vp, NULL);
	*vtl = h->vp_over[vp].vtl >= 0 ? (uint8_t)h->vp_over[vp].vtl : h->m.vps[vp].active_vtl;
	return 0;
}

VMS_API int vms_vp_enabled_vtls(const vms_handle *h, uint32_t vp, uint32_t *vtl_mask)
{
	CHECK_VP(h, vp, NULL);
	*vtl_mask = h->m.vps[vp].vtl_mask;
	return 0;
}

VMS_API int vms_guest_enabled_vtls(const vms_handle *h, uint32_t *vtl_mask)
{
	uint32_t mask = h->m.guest_vtl_mask;
	for (uint32_t v = 0; !mask && v < h->m.vp_count; v++)
		mask |= h->m.vps[v].vtl_mask;
	*vtl_mask = mask;
	return 0;
}

VMS_API int vms_vp_force_vtl(vms_handle *h, uint32_t vp, uint8_t vtl)
{
	CHECK_VP(h, vp, NULL);
	if (vtl >= VMS_MAX_VTLS || !h->m.vps[vp].banks[vtl])
		return -ENODATA;
	h->vp_over[vp].vtl = vtl;
	return 0;
}

VMS_API int vms_vp_in_kernel(const vms_handle *h, uint32_t vp, bool *in_kernel)
{
	CHECK_VP(h, vp, NULL);
	const struct vms_reg_bank *b = vms_handle_bank(h, vp);
	enum vms_arch arch;
	(void)vms_vp_arch(h, vp, &arch);
	if (!b)
		return -ENODATA;
	if (arch == VMS_ARCH_ARM64) {
		if (!vms_bank_has(b, VMS_REG_ARM64_CPSR))
			return -ENODATA;
		*in_kernel = ((b->lo[VMS_REG_ARM64_CPSR] >> ARM64_CPSR_EL_SHIFT) &
			      ARM64_CPSR_EL_MASK) >= 1;
		return 0;
	}
	if (vms_bank_has(b, VMS_REG_CPL)) {
		*in_kernel = b->lo[VMS_REG_CPL] == 0;
		return 0;
	}
	if (vms_bank_has(b, VMS_REG_CS)) {
		*in_kernel = (b->lo[VMS_REG_CS] & 3u) == 0; /* CPL is CS.RPL outside real mode */
		return 0;
	}
	return -ENODATA;
}

VMS_API int vms_guest_os_id(const vms_handle *h, uint8_t vtl, uint64_t *os_id)
{
	if (vtl >= VMS_MAX_VTLS)
		return -ERANGE;
	if (!(h->m.guest_os_id_mask & (1u << vtl)))
		return -ENODATA;
	*os_id = h->m.guest_os_id[vtl];
	return 0;
}

static int get_register(const vms_handle *h, uint32_t vp, const struct vms_reg_bank *b,
			enum vms_reg reg, struct vms_reg_value *value, struct vms_error *err)
{
	VMS_RETURN_IF((unsigned)reg >= VMS_REG_COUNT, err, -ERANGE, "register id %d unknown",
		      (int)reg);
	VMS_RETURN_IF(!b || !vms_bank_has(b, reg), err, -ENODATA,
		      "VP %u: register %s is not in the saved state", vp, vms_reg_name(reg));
	value->lo = b->lo[reg];
	value->hi = b->hi[reg];
	(void)h;
	return 0;
}

VMS_API int vms_vp_get_register(const vms_handle *h, uint32_t vp, enum vms_reg reg,
				struct vms_reg_value *value, struct vms_error *err)
{
	CHECK_VP(h, vp, err);
	return get_register(h, vp, vms_handle_bank(h, vp), reg, value, err);
}

VMS_API int vms_vp_get_register_vtl(const vms_handle *h, uint32_t vp, uint8_t vtl, enum vms_reg reg,
				    struct vms_reg_value *value, struct vms_error *err)
{
	CHECK_VP(h, vp, err);
	VMS_RETURN_IF(vtl >= VMS_MAX_VTLS, err, -ERANGE, "VTL %u out of range", vtl);
	VMS_RETURN_IF(!h->m.vps[vp].banks[vtl], err, -ENODATA, "VP %u has no VTL %u state", vp,
		      vtl);
	return get_register(h, vp, h->m.vps[vp].banks[vtl], reg, value, err);
}

/* ---- translation ---- */

static int pt_read_page(void *ctx, uint64_t gpa_page, uint8_t *dst, struct vms_error *err)
{
	uint64_t done = 0;
	int rc = vms_read_gpa_nofix(ctx, gpa_page, dst, VMS_PAGE_SIZE, 0, &done, err);
	if (!rc && done < VMS_PAGE_SIZE)
		rc = vms_fail(err, -EFAULT,
			      "page table at GPA %#" PRIx64 " runs past the end of "
			      "guest memory",
			      gpa_page);
	return rc;
}

static int pt_read_entry(void *ctx, uint64_t gpa, unsigned size, uint64_t *out,
			 struct vms_error *err)
{
	vms_handle *h = ctx;
	return vms_pt_cache_read_entry(h->pt_cache, gpa, size, out, pt_read_page, h, err);
}

static int xlate_setup(vms_handle *h, uint32_t vp, struct vms_xlate_regs *regs,
		       struct vms_pt_reader *rd, struct vms_error *err)
{
	CHECK_VP(h, vp, err);
	const struct vms_reg_bank *b = vms_handle_bank(h, vp);
	memset(regs, 0, sizeof(*regs));
	(void)vms_vp_paging(h, vp, &regs->mode);
	if (regs->mode == VMS_PAGING_INVALID)
		return vms_fail(err, -ENODATA, "VP %u: no paging state in the saved state", vp);
	regs->cr0 = bank_get(b, VMS_REG_CR0);
	regs->cr3 = bank_get(b, VMS_REG_CR3);
	regs->cr4 = bank_get(b, VMS_REG_CR4);
	regs->efer = bank_get(b, VMS_REG_EFER);
	regs->ttbr0 = bank_get(b, VMS_REG_ARM64_TTBR0_EL1);
	regs->ttbr1 = bank_get(b, VMS_REG_ARM64_TTBR1_EL1);
	regs->tcr = bank_get(b, VMS_REG_ARM64_TCR_EL1);
	regs->sctlr = bank_get(b, VMS_REG_ARM64_SCTLR_EL1);
	rd->read_entry = pt_read_entry;
	rd->ctx = h;
	rd->gpa_limit = h->gpa_end;
	return 0;
}

VMS_API int vms_gva_to_gpa(vms_handle *h, uint32_t vp, uint64_t gva, uint64_t *gpa,
			   struct vms_xlate_info *info, struct vms_error *err)
{
	struct vms_xlate_regs regs;
	struct vms_pt_reader rd;
	struct vms_xlate_info local;
	int rc = xlate_setup(h, vp, &regs, &rd, err);
	if (rc)
		return rc;
	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	info->level = -1;
	return vms_translate_cached(h->tlbs[vp], &regs, &rd, gva, gpa, info, err);
}

VMS_API int vms_read_gva(vms_handle *h, uint32_t vp, uint64_t gva, void *buf, uint64_t len,
			 uint32_t flags, uint64_t *done, struct vms_error *err)
{
	struct vms_xlate_regs regs;
	struct vms_pt_reader rd;
	uint8_t *out = buf;
	uint64_t copied = 0;
	if (done)
		*done = 0;
	int rc = xlate_setup(h, vp, &regs, &rd, err);
	if (rc)
		return rc;
	while (copied < len) {
		uint64_t in_page = gva & (VMS_PAGE_SIZE - 1);
		uint64_t n = VMS_PAGE_SIZE - in_page;
		if (n > len - copied)
			n = len - copied;
		uint64_t gpa;
		struct vms_xlate_info info = {.level = -1};
		rc = vms_translate_cached(h->tlbs[vp], &regs, &rd, gva, &gpa, &info, err);
		if (rc == -EFAULT && (flags & VMS_READ_ZERO_UNMAPPED)) {
			/* Skip the whole unmapped span the walk reported, not page by page. */
			if (info.unmapped_len > n)
				n = info.unmapped_len < len - copied ? info.unmapped_len
								     : len - copied;
			memset(out + copied, 0, (size_t)n);
			rc = 0;
		} else if (rc) {
			break;
		} else if ((flags & VMS_READ_ZERO_UNMAPPED) && vms_chunk_find(&h->m, gpa) < 0 &&
			   !(flags & VMS_READ_ZERO_HOLES)) {
			/* A mapping to a GPA the saved state does not hold (MMIO, or beyond the
			 * end of memory) has no saved bytes: as unmapped as a missing PTE. */
			memset(out + copied, 0, (size_t)n);
		} else {
			uint64_t got = 0;
			rc = vms_read_gpa(h, gpa, out + copied, n, flags, &got, err);
			if (!rc && got < n && (flags & VMS_READ_ZERO_UNMAPPED)) {
				memset(out + copied + got, 0, (size_t)(n - got));
				got = n;
			}
			if (rc || got < n) {
				copied += got;
				if (!rc)
					rc = vms_fail(err, -EFAULT,
						      "GVA %#" PRIx64 " maps to GPA %#" PRIx64
						      " beyond guest memory",
						      gva, gpa);
				break;
			}
		}
		copied += n;
		gva += n;
	}
	if (done)
		*done = copied;
	return rc;
}

VMS_API int vms_memory_fix(vms_handle *h, uint32_t vp, uint64_t gva, const void *buf, size_t len,
			   struct vms_error *err)
{
	const uint8_t *src = buf;
	uint64_t total;
	VMS_RETURN_IF(!buf && len, err, -EINVAL, "memory fix: NULL buffer");
	VMS_RETURN_IF(vms_add_overflow(h->fix_bytes, len, &total) || total > MEMORY_FIX_MAX_BYTES,
		      err, -EFBIG, "memory fix: more than %u bytes of fixes", MEMORY_FIX_MAX_BYTES);
	while (len > 0) {
		uint64_t gpa;
		int rc = vms_gva_to_gpa(h, vp, gva, &gpa, NULL, err);
		if (rc)
			return rc;
		VMS_RETURN_IF(vms_chunk_find(&h->m, gpa) < 0, err, -EFAULT,
			      "memory fix: GVA %#" PRIx64 " maps to GPA %#" PRIx64
			      ", which the saved state does not hold",
			      gva, gpa);
		size_t n = VMS_PAGE_SIZE - (size_t)(gva & (VMS_PAGE_SIZE - 1));
		if (n > len)
			n = len;
		struct vms_fix *nf = realloc(h->fixes, (h->fix_count + 1) * sizeof(*nf));
		VMS_RETURN_IF(!nf, err, -ENOMEM, "memory fix: out of memory");
		h->fixes = nf;
		uint8_t *copy = malloc(n);
		VMS_RETURN_IF(!copy, err, -ENOMEM, "memory fix: out of memory");
		memcpy(copy, src, n);
		h->fixes[h->fix_count++] =
			(struct vms_fix){.gpa = gpa, .len = (uint32_t)n, .bytes = copy};
		h->fix_bytes += n;
		src += n;
		gva += n;
		len -= n;
	}
	return 0;
}
