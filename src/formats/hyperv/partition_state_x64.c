/* x64 (and 32-bit x86) register chunks of partition_state: hyperv-format.md §5.6, §5.7.
 * A 32-bit guest uses the same x64-shaped chunks; its registers are the low halves [G]. */
#include <inttypes.h>

#include "core/bytes.h"
#include "formats/hyperv/partition_state.h"

/* Segment record: {u64 base, u32 limit, u16 selector, u16 attributes}, order ES CS SS DS FS
 * GS LDTR TR, then the CPL byte at +128 [S: OV-HV; BEY's order disagrees, §5.12]. */
#define SEG_RECORD_LEN 16u
#define SEG_COUNT 8u
#define SEG_CPL_OFF 128u
/* Table register: {u16 pad[3], u16 limit at +6, u64 base at +8}: IDTR +0, GDTR +16. */
#define TABLE_IDTR_OFF 0u
#define TABLE_GDTR_OFF 16u
#define TABLE_LIMIT_OFF 6u
#define TABLE_BASE_OFF 8u
/* FP chunk: xmm0..15, st0..7 slots, FXSAVE bytes 0-15 and 16-31 (MXCSR at +408). */
#define FP_XMM_OFF 0u
#define FP_ST_OFF 256u
#define FP_CONTROL_STATUS_OFF 384u
#define FP_XMM_CONTROL_STATUS_OFF 400u
#define FP_MXCSR_OFF 408u

/* Virtual-MSR chunk slots (12 x u64) [S: BEY, partly guessed by BEY]. */
static const struct {
	unsigned slot;
	enum vms_reg reg;
} virtual_msrs[] = {
	{0, VMS_REG_TSC}, /* [G] BEY marks slot 0 "TSC?" */
	{1, VMS_REG_KERNEL_GS_BASE},
	{2, VMS_REG_APIC_BASE},
	{7, VMS_REG_STAR},
	{8, VMS_REG_LSTAR},
	{9, VMS_REG_CSTAR},
	{10, VMS_REG_SFMASK},
};

static int too_short(struct vms_error *err, const char *what, size_t blob_off, uint32_t have,
		     uint32_t need)
{
	return vms_fail(err, -EBADMSG,
			"partition_state: %s chunk at blob offset %#zx: data_length %u < %u", what,
			blob_off, have, need);
}

static void set_u64s(struct vms_reg_bank *b, enum vms_reg first, unsigned count, const uint8_t *src)
{
	for (unsigned i = 0; i < count; i++)
		vms_bank_set(b, (enum vms_reg)(first + i), vms_le64(src + 8 * i), 0);
}

static void set_u128s(struct vms_reg_bank *b, enum vms_reg first, unsigned count,
		      const uint8_t *src)
{
	for (unsigned i = 0; i < count; i++)
		vms_bank_set(b, (enum vms_reg)(first + i), vms_le64(src + 16 * i),
			     vms_le64(src + 16 * i + 8));
}

static void decode_segments(const uint8_t *d, struct vms_reg_bank *b)
{
	for (unsigned s = 0; s < SEG_COUNT; s++) {
		const uint8_t *rec = d + s * SEG_RECORD_LEN;
		/* vms_reg lays each segment out as selector, base, limit, attributes. */
		enum vms_reg sel = (enum vms_reg)(VMS_REG_ES + 4 * s);
		vms_bank_set(b, sel, vms_le16(rec + 12), 0);
		vms_bank_set(b, (enum vms_reg)(sel + 1), vms_le64(rec), 0);
		vms_bank_set(b, (enum vms_reg)(sel + 2), vms_le32(rec + 8), 0);
		vms_bank_set(b, (enum vms_reg)(sel + 3), vms_le16(rec + 14), 0);
	}
	vms_bank_set(b, VMS_REG_CPL, d[SEG_CPL_OFF], 0);
}

static void decode_tables(const uint8_t *d, struct vms_reg_bank *b)
{
	vms_bank_set(b, VMS_REG_IDTR_LIMIT, vms_le16(d + TABLE_IDTR_OFF + TABLE_LIMIT_OFF), 0);
	vms_bank_set(b, VMS_REG_IDTR_BASE, vms_le64(d + TABLE_IDTR_OFF + TABLE_BASE_OFF), 0);
	vms_bank_set(b, VMS_REG_GDTR_LIMIT, vms_le16(d + TABLE_GDTR_OFF + TABLE_LIMIT_OFF), 0);
	vms_bank_set(b, VMS_REG_GDTR_BASE, vms_le64(d + TABLE_GDTR_OFF + TABLE_BASE_OFF), 0);
}

static void decode_fp(const uint8_t *d, struct vms_reg_bank *b)
{
	set_u128s(b, VMS_REG_XMM0, 16, d + FP_XMM_OFF);
	set_u128s(b, VMS_REG_ST0, 8, d + FP_ST_OFF);
	set_u128s(b, VMS_REG_FP_CONTROL_STATUS, 1, d + FP_CONTROL_STATUS_OFF);
	set_u128s(b, VMS_REG_XMM_CONTROL_STATUS, 1, d + FP_XMM_CONTROL_STATUS_OFF);
	vms_bank_set(b, VMS_REG_MXCSR, vms_le32(d + FP_MXCSR_OFF), 0);
}

int hv_ps_decode_x64(uint32_t id, const uint8_t *d, uint32_t len, size_t blob_off,
		     struct vms_reg_bank *b, struct vms_error *err)
{
	switch (id) {
	case HV_PS_VP_GP:
		if (len < HV_X64_GP_LEN)
			return too_short(err, "GP registers", blob_off, len, HV_X64_GP_LEN);
		/* rax..r15, rip, rflags: the vms_reg order matches the chunk. */
		set_u64s(b, VMS_REG_RAX, 18, d);
		return 1;
	case HV_PS_VP_CONTROL:
		if (len < HV_X64_CONTROL_LEN)
			return too_short(err, "control registers", blob_off, len,
					 HV_X64_CONTROL_LEN);
		set_u64s(b, VMS_REG_CR0, 6, d); /* cr0 cr2 cr3 cr4 cr8 efer */
		return 1;
	case HV_PS_VP_DEBUG:
		if (len < HV_X64_DEBUG_LEN)
			return too_short(err, "debug registers", blob_off, len, HV_X64_DEBUG_LEN);
		set_u64s(b, VMS_REG_DR0, 6, d); /* dr0..dr3 dr6 dr7 */
		return 1;
	case HV_PS_VP_SEGMENT:
		if (len < HV_X64_SEGMENT_LEN)
			return too_short(err, "segment registers", blob_off, len,
					 HV_X64_SEGMENT_LEN);
		decode_segments(d, b);
		return 1;
	case HV_PS_VP_TABLE:
		if (len < HV_X64_TABLE_LEN)
			return too_short(err, "table registers", blob_off, len, HV_X64_TABLE_LEN);
		decode_tables(d, b);
		return 1;
	case HV_PS_VP_FP:
		if (len < HV_X64_FP_LEN)
			return too_short(err, "FP registers", blob_off, len, HV_X64_FP_LEN);
		decode_fp(d, b);
		return 1;
	case HV_PS_VP_XSAVE_CONTROL:
		if (len < HV_X64_XSAVE_CONTROL_LEN)
			return too_short(err, "XSAVE control", blob_off, len,
					 HV_X64_XSAVE_CONTROL_LEN);
		vms_bank_set(b, VMS_REG_XCR0, vms_le64(d), 0);
		return 1;
	case HV_PS_VP_VIRTUAL_MSRS:
		if (len < HV_X64_VIRTUAL_MSRS_LEN)
			return too_short(err, "virtual MSRs", blob_off, len,
					 HV_X64_VIRTUAL_MSRS_LEN);
		for (size_t i = 0; i < sizeof(virtual_msrs) / sizeof(virtual_msrs[0]); i++)
			vms_bank_set(b, virtual_msrs[i].reg, vms_le64(d + 8 * virtual_msrs[i].slot),
				     0);
		return 1;
	case HV_PS_VP_PAT_MTRR:
		/* [G] BEY ("guessing"): slot 0 is the PAT; the MTRRs follow. */
		if (len < HV_X64_PAT_MTRR_MIN)
			return too_short(err, "PAT/MTRR", blob_off, len, HV_X64_PAT_MTRR_MIN);
		vms_bank_set(b, VMS_REG_PAT, vms_le64(d), 0);
		return 1;
	default:
		return 0;
	}
}
