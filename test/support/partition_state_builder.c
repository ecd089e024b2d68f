/* Test-only partition_state writer: the inverse of src/formats/hyperv/partition_state*.c
 * (hyperv-format.md §5.1-§5.8). */
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "formats/hyperv/partition_state.h"
#include "support/partition_state_builder.h"

static void put(struct psb *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;
		while (ncap < b->len + len)
			ncap *= 2;
		uint8_t *p = realloc(b->buf, ncap);
		if (!p)
			abort();
		b->buf = p;
		b->cap = ncap;
	}
	if (data)
		memcpy(b->buf + b->len, data, len);
	else
		memset(b->buf + b->len, 0, len);
	b->len += len;
}

void psb_init(struct psb *b)
{
	memset(b, 0, sizeof(*b));
	put(b, NULL, HV_PS_ENVELOPE_LEN + HV_PS_STREAM_SKIP);
}

void psb_free(struct psb *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

void psb_chunk(struct psb *b, uint32_t id, const void *data, uint32_t data_len)
{
	uint8_t h[HV_PS_CHUNK_HDR_LEN] = {0};
	vms_put_le32(h, id);
	vms_put_le32(h + 4, data_len);
	put(b, h, sizeof(h));
	put(b, data, data_len);
}

void psb_prolog(struct psb *b, uint32_t vendor)
{
	uint8_t d[HV_PS_PROLOG_DATA_LEN] = {0};
	vms_put_le32(d, HV_PS_PROLOG_TAG);
	vms_put_le32(d + HV_PS_PROLOG_VENDOR_OFF, vendor);
	psb_chunk(b, HV_PS_PROLOG, d, sizeof(d));
}

void psb_os_id(struct psb *b, uint64_t os_id)
{
	uint8_t d[16] = {0};
	vms_put_le64(d, os_id);
	psb_chunk(b, HV_PS_OS_ID, d, sizeof(d));
}

static void vtl_chunk(struct psb *b, uint32_t id, uint8_t vtl)
{
	uint8_t d[16] = {vtl};
	psb_chunk(b, id, d, sizeof(d));
}

void psb_partition_vtl(struct psb *b, uint8_t vtl)
{
	vtl_chunk(b, HV_PS_PARTITION_VTL, vtl);
}

void psb_vp_vtl(struct psb *b, uint8_t vtl)
{
	vtl_chunk(b, HV_PS_VP_VTL, vtl);
}

void psb_vp_indices(struct psb *b, uint32_t bsp, const uint32_t *idx, unsigned count)
{
	uint32_t max = 0;
	for (unsigned i = 0; i < count; i++)
		max = idx[i] > max ? idx[i] : max;
	size_t bitmap = max / 8 + 1;
	bitmap = bitmap < 8 ? 8 : (bitmap + 3) & ~(size_t)3;
	uint8_t *d = calloc(1, 4 + bitmap);
	if (!d)
		abort();
	vms_put_le32(d, bsp);
	for (unsigned i = 0; i < count; i++)
		d[4 + idx[i] / 8] |= (uint8_t)(1u << (idx[i] % 8));
	psb_chunk(b, HV_PS_VP_INDICES, d, (uint32_t)(4 + bitmap));
	free(d);
}

void psb_vp(struct psb *b, uint32_t vp_index)
{
	uint8_t d[16] = {0};
	vms_put_le32(d, vp_index);
	psb_chunk(b, HV_PS_VP, d, sizeof(d));
}

void psb_vtl_control_page(struct psb *b, bool runnable)
{
	uint8_t d[HV_PS_VTL_CONTROL_PAGE_LEN] = {0};
	d[HV_PS_VTL_RUNNABLE_OFF] = runnable;
	psb_chunk(b, HV_PS_VP_VTL_CONTROL_PAGE, d, sizeof(d));
}

static void put_regs(uint8_t *d, const struct vms_reg_bank *r, enum vms_reg first, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		vms_put_le64(d + 8 * i, r->lo[first + i]);
}

static void put_regs128(uint8_t *d, const struct vms_reg_bank *r, enum vms_reg first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		vms_put_le64(d + 16 * i, r->lo[first + i]);
		vms_put_le64(d + 16 * i + 8, r->hi[first + i]);
	}
}

void psb_x64_registers(struct psb *b, const struct vms_reg_bank *r)
{
	uint8_t d[HV_X64_FP_LEN];
	memset(d, 0, sizeof(d));
	put_regs(d, r, VMS_REG_RAX, 18);
	psb_chunk(b, HV_PS_VP_GP, d, HV_X64_GP_LEN);
	memset(d, 0, sizeof(d));
	put_regs(d, r, VMS_REG_CR0, 6);
	psb_chunk(b, HV_PS_VP_CONTROL, d, HV_X64_CONTROL_LEN);
	memset(d, 0, sizeof(d));
	for (unsigned s = 0; s < 8; s++) {
		unsigned reg = VMS_REG_ES + 4 * s;
		vms_put_le64(d + 16 * s, r->lo[reg + 1]);
		vms_put_le32(d + 16 * s + 8, (uint32_t)r->lo[reg + 2]);
		vms_put_le16(d + 16 * s + 12, (uint16_t)r->lo[reg]);
		vms_put_le16(d + 16 * s + 14, (uint16_t)r->lo[reg + 3]);
	}
	d[128] = (uint8_t)r->lo[VMS_REG_CPL];
	psb_chunk(b, HV_PS_VP_SEGMENT, d, HV_X64_SEGMENT_LEN);
	memset(d, 0, sizeof(d));
	vms_put_le16(d + 6, (uint16_t)r->lo[VMS_REG_IDTR_LIMIT]);
	vms_put_le64(d + 8, r->lo[VMS_REG_IDTR_BASE]);
	vms_put_le16(d + 22, (uint16_t)r->lo[VMS_REG_GDTR_LIMIT]);
	vms_put_le64(d + 24, r->lo[VMS_REG_GDTR_BASE]);
	psb_chunk(b, HV_PS_VP_TABLE, d, HV_X64_TABLE_LEN);
	memset(d, 0, sizeof(d));
	put_regs(d, r, VMS_REG_DR0, 6);
	psb_chunk(b, HV_PS_VP_DEBUG, d, HV_X64_DEBUG_LEN);
	memset(d, 0, sizeof(d));
	put_regs128(d, r, VMS_REG_XMM0, 16);
	put_regs128(d + 256, r, VMS_REG_ST0, 8);
	put_regs128(d + 384, r, VMS_REG_FP_CONTROL_STATUS, 2);
	psb_chunk(b, HV_PS_VP_FP, d, HV_X64_FP_LEN);
	memset(d, 0, sizeof(d));
	vms_put_le64(d, r->lo[VMS_REG_XCR0]);
	psb_chunk(b, HV_PS_VP_XSAVE_CONTROL, d, HV_X64_XSAVE_CONTROL_LEN);
	memset(d, 0, sizeof(d));
	vms_put_le64(d, r->lo[VMS_REG_TSC]);
	vms_put_le64(d + 8, r->lo[VMS_REG_KERNEL_GS_BASE]);
	vms_put_le64(d + 16, r->lo[VMS_REG_APIC_BASE]);
	vms_put_le64(d + 56, r->lo[VMS_REG_STAR]);
	vms_put_le64(d + 64, r->lo[VMS_REG_LSTAR]);
	vms_put_le64(d + 72, r->lo[VMS_REG_CSTAR]);
	vms_put_le64(d + 80, r->lo[VMS_REG_SFMASK]);
	psb_chunk(b, HV_PS_VP_VIRTUAL_MSRS, d, HV_X64_VIRTUAL_MSRS_LEN);
	memset(d, 0, sizeof(d));
	vms_put_le64(d, r->lo[VMS_REG_PAT]);
	psb_chunk(b, HV_PS_VP_PAT_MTRR, d, 16 * 8);
}

void psb_arm64_registers(struct psb *b, const struct vms_reg_bank *r)
{
	uint8_t d[HV_ARM64_FP_LEN];
	static const enum vms_reg gp_tail[] = {
		VMS_REG_ARM64_FP,	VMS_REG_ARM64_LR,      VMS_REG_ARM64_ELR_EL2,
		VMS_REG_ARM64_SPSR_EL2, VMS_REG_ARM64_ESR_EL1, VMS_REG_ARM64_SPSR_EL1,
		VMS_REG_ARM64_FAR_EL1,	VMS_REG_ARM64_PAR_EL1, VMS_REG_ARM64_ELR_EL1,
		VMS_REG_ARM64_SP_EL0,	VMS_REG_ARM64_SP_EL1,
	};
	static const enum vms_reg control[] = {
		VMS_REG_ARM64_VMPIDR_EL2,     VMS_REG_ARM64_VPIDR_EL2,
		VMS_REG_ARM64_SCTLR_EL1,      VMS_REG_ARM64_ACTLR_EL1,
		VMS_REG_ARM64_TCR_EL1,	      VMS_REG_ARM64_MAIR_EL1,
		VMS_REG_ARM64_TPIDR_EL1,      VMS_REG_ARM64_AMAIR_EL1,
		VMS_REG_ARM64_TPIDRRO_EL0,    VMS_REG_ARM64_TPIDR_EL0,
		VMS_REG_ARM64_CONTEXTIDR_EL1, VMS_REG_ARM64_CPACR_EL1,
		VMS_REG_ARM64_CSSELR_EL1,     VMS_REG_ARM64_CNTKCTL_EL1,
		VMS_REG_ARM64_CNTV_CVAL_EL0,  VMS_REG_ARM64_CNTV_CTL_EL0,
	};
	memset(d, 0, sizeof(d));
	put_regs(d, r, VMS_REG_ARM64_X0, 29);
	for (unsigned i = 0; i < sizeof(gp_tail) / sizeof(gp_tail[0]); i++)
		vms_put_le64(d + 232 + 8 * i, r->lo[gp_tail[i]]);
	psb_chunk(b, HV_PS_VP_GP, d, HV_ARM64_GP_LEN);
	memset(d, 0, sizeof(d));
	for (unsigned i = 0; i < 16; i++)
		vms_put_le64(d + 8 * i, r->lo[control[i]]);
	psb_chunk(b, HV_PS_VP_CONTROL, d, HV_ARM64_CONTROL_LEN);
	memset(d, 0, sizeof(d));
	vms_put_le64(d, r->lo[VMS_REG_ARM64_TTBR0_EL1]);
	vms_put_le64(d + 8, r->lo[VMS_REG_ARM64_TTBR1_EL1]);
	vms_put_le64(d + 16, r->lo[VMS_REG_ARM64_VBAR_EL1]);
	psb_chunk(b, HV_PS_VP_TABLE, d, HV_ARM64_TABLE_LEN);
	memset(d, 0, sizeof(d));
	put_regs128(d, r, VMS_REG_ARM64_Q0, 32);
	vms_put_le64(d + 512, r->lo[VMS_REG_ARM64_FPSR]);
	vms_put_le64(d + 520, r->lo[VMS_REG_ARM64_FPCR]);
	psb_chunk(b, HV_PS_VP_FP, d, HV_ARM64_FP_LEN);
}

void psb_epilog(struct psb *b)
{
	psb_chunk(b, HV_PS_EPILOG, NULL, 0);
}

const uint8_t *psb_finish(struct psb *b, size_t *len)
{
	vms_put_le64(b->buf, HV_PS_ENVELOPE_LEN);
	vms_put_le64(b->buf + 8, HV_PS_ENVELOPE_LEN);
	vms_put_le64(b->buf + 16, b->len);
	*len = b->len;
	return b->buf;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static bool is_128(unsigned r)
{
	return (r >= VMS_REG_XMM0 && r <= VMS_REG_XMM_CONTROL_STATUS) ||
	       (r >= VMS_REG_ARM64_Q0 && r <= VMS_REG_ARM64_Q31);
}

void psb_bank_pattern(struct vms_reg_bank *r, enum vms_arch arch, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < VMS_REG_COUNT; i++) {
		r->lo[i] = mix(seed * 1000 + i);
		r->hi[i] = is_128(i) ? mix(~(seed * 1000 + i)) : 0;
	}
	if (arch == VMS_ARCH_ARM64)
		return;
	/* Values that the chunks store narrower than 64 bits. */
	for (unsigned s = 0; s < 8; s++) {
		unsigned reg = VMS_REG_ES + 4 * s;
		r->lo[reg] &= 0xffff;
		r->lo[reg + 2] &= 0xffffffff;
		r->lo[reg + 3] &= 0xffff;
	}
	r->lo[VMS_REG_CPL] &= 3;
	r->lo[VMS_REG_IDTR_LIMIT] &= 0xffff;
	r->lo[VMS_REG_GDTR_LIMIT] &= 0xffff;
	r->lo[VMS_REG_MXCSR] = r->hi[VMS_REG_XMM_CONTROL_STATUS] & 0xffffffff;
	if (arch == VMS_ARCH_X64) {
		r->lo[VMS_REG_EFER] |= HV_X64_EFER_LMA;
		r->lo[VMS_REG_CS_ATTR] |= HV_X64_SEG_ATTR_L;
	} else {
		r->lo[VMS_REG_EFER] &= ~HV_X64_EFER_LMA;
		r->lo[VMS_REG_CS_ATTR] &= ~(uint64_t)HV_X64_SEG_ATTR_L;
	}
}

uint8_t *psb_build(uint32_t vendor, uint64_t os_id, const struct psb_vp_desc *vps,
		   unsigned vp_count, size_t *len)
{
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, vendor);
	psb_os_id(&b, os_id);
	uint32_t vtl_mask = 0;
	uint32_t idx[256];
	for (unsigned v = 0; v < vp_count; v++) {
		for (unsigned t = 0; t < vps[v].vtl_count; t++)
			vtl_mask |= 1u << vps[v].vtls[t];
		if (v < 256)
			idx[v] = vps[v].hv_index;
	}
	for (uint8_t t = 0; t < 16; t++)
		if (vtl_mask & (1u << t))
			psb_partition_vtl(&b, t);
	psb_vp_indices(&b, vp_count ? vps[0].hv_index : 0, idx, vp_count < 256 ? vp_count : 256);
	for (unsigned v = 0; v < vp_count; v++) {
		psb_vp(&b, vps[v].hv_index);
		for (unsigned t = 0; t < vps[v].vtl_count; t++) {
			psb_vp_vtl(&b, vps[v].vtls[t]);
			if (vps[v].vtl_count > 1)
				psb_vtl_control_page(&b, vps[v].runnable_vtl == (int)t);
			if (vendor == HV_VENDOR_ARM)
				psb_arm64_registers(&b, vps[v].banks[t]);
			else
				psb_x64_registers(&b, vps[v].banks[t]);
		}
	}
	psb_epilog(&b);
	psb_finish(&b, len);
	return b.buf;
}
