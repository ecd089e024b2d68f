/* ARM64 register chunks of partition_state: hyperv-format.md §5.8 [S: OV-HV only].
 * There is no PC or CPSR field: PC and CPSR are served from elr_el2 and spsr_el2, the state
 * the guest was interrupted in [G] (§5.8, §9 q8). */
#include "core/bytes.h"
#include "formats/hyperv/partition_state.h"

/* GP chunk offsets after x0..x28 (+0..+224). */
#define A64_GP_FP 232u
#define A64_GP_LR 240u
#define A64_GP_ELR_EL2 248u
#define A64_GP_SPSR_EL2 256u
#define A64_GP_ESR_EL1 264u
#define A64_GP_SPSR_EL1 272u
#define A64_GP_FAR_EL1 280u
#define A64_GP_PAR_EL1 288u
#define A64_GP_ELR_EL1 296u
#define A64_GP_SP_EL0 304u
#define A64_GP_SP_EL1 312u
/* FP chunk: q0..q31, then fpsr and fpcr. */
#define A64_FP_FPSR 512u
#define A64_FP_FPCR 520u

static const struct {
	unsigned off;
	enum vms_reg reg;
} gp_fields[] = {
	{A64_GP_FP, VMS_REG_ARM64_FP},		 {A64_GP_LR, VMS_REG_ARM64_LR},
	{A64_GP_ELR_EL2, VMS_REG_ARM64_ELR_EL2}, {A64_GP_SPSR_EL2, VMS_REG_ARM64_SPSR_EL2},
	{A64_GP_ELR_EL2, VMS_REG_ARM64_PC},    /* [G] §5.8 */
	{A64_GP_SPSR_EL2, VMS_REG_ARM64_CPSR}, /* [G] §5.8 */
	{A64_GP_ESR_EL1, VMS_REG_ARM64_ESR_EL1}, {A64_GP_SPSR_EL1, VMS_REG_ARM64_SPSR_EL1},
	{A64_GP_FAR_EL1, VMS_REG_ARM64_FAR_EL1}, {A64_GP_PAR_EL1, VMS_REG_ARM64_PAR_EL1},
	{A64_GP_ELR_EL1, VMS_REG_ARM64_ELR_EL1}, {A64_GP_SP_EL0, VMS_REG_ARM64_SP_EL0},
	{A64_GP_SP_EL1, VMS_REG_ARM64_SP_EL1},
};

/* Control chunk: 16 u64 in this order. */
static const enum vms_reg control_fields[16] = {
	VMS_REG_ARM64_VMPIDR_EL2,   VMS_REG_ARM64_VPIDR_EL2,	  VMS_REG_ARM64_SCTLR_EL1,
	VMS_REG_ARM64_ACTLR_EL1,    VMS_REG_ARM64_TCR_EL1,	  VMS_REG_ARM64_MAIR_EL1,
	VMS_REG_ARM64_TPIDR_EL1,    VMS_REG_ARM64_AMAIR_EL1,	  VMS_REG_ARM64_TPIDRRO_EL0,
	VMS_REG_ARM64_TPIDR_EL0,    VMS_REG_ARM64_CONTEXTIDR_EL1, VMS_REG_ARM64_CPACR_EL1,
	VMS_REG_ARM64_CSSELR_EL1,   VMS_REG_ARM64_CNTKCTL_EL1,	  VMS_REG_ARM64_CNTV_CVAL_EL0,
	VMS_REG_ARM64_CNTV_CTL_EL0,
};

static int too_short(struct vms_error *err, const char *what, size_t blob_off, uint32_t have,
		     uint32_t need)
{
	return vms_fail(err, -EBADMSG,
			"partition_state: ARM64 %s chunk at blob offset %#zx: data_length %u < %u",
			what, blob_off, have, need);
}

int hv_ps_decode_arm64(uint32_t id, const uint8_t *d, uint32_t len, size_t blob_off,
		       struct vms_reg_bank *b, struct vms_error *err)
{
	switch (id) {
	case HV_PS_VP_GP:
		if (len < HV_ARM64_GP_LEN)
			return too_short(err, "GP registers", blob_off, len, HV_ARM64_GP_LEN);
		for (unsigned i = 0; i <= 28; i++)
			vms_bank_set(b, (enum vms_reg)(VMS_REG_ARM64_X0 + i), vms_le64(d + 8 * i),
				     0);
		for (size_t i = 0; i < sizeof(gp_fields) / sizeof(gp_fields[0]); i++)
			vms_bank_set(b, gp_fields[i].reg, vms_le64(d + gp_fields[i].off), 0);
		return 1;
	case HV_PS_VP_CONTROL:
		if (len < HV_ARM64_CONTROL_LEN)
			return too_short(err, "control registers", blob_off, len,
					 HV_ARM64_CONTROL_LEN);
		for (unsigned i = 0; i < 16; i++)
			vms_bank_set(b, control_fields[i], vms_le64(d + 8 * i), 0);
		return 1;
	case HV_PS_VP_TABLE:
		if (len < HV_ARM64_TABLE_LEN)
			return too_short(err, "table registers", blob_off, len, HV_ARM64_TABLE_LEN);
		vms_bank_set(b, VMS_REG_ARM64_TTBR0_EL1, vms_le64(d), 0);
		vms_bank_set(b, VMS_REG_ARM64_TTBR1_EL1, vms_le64(d + 8), 0);
		vms_bank_set(b, VMS_REG_ARM64_VBAR_EL1, vms_le64(d + 16), 0);
		return 1;
	case HV_PS_VP_FP:
		if (len < HV_ARM64_FP_LEN)
			return too_short(err, "FP registers", blob_off, len, HV_ARM64_FP_LEN);
		for (unsigned i = 0; i < 32; i++)
			vms_bank_set(b, (enum vms_reg)(VMS_REG_ARM64_Q0 + i), vms_le64(d + 16 * i),
				     vms_le64(d + 16 * i + 8));
		vms_bank_set(b, VMS_REG_ARM64_FPSR, vms_le64(d + A64_FP_FPSR), 0);
		vms_bank_set(b, VMS_REG_ARM64_FPCR, vms_le64(d + A64_FP_FPCR), 0);
		return 1;
	default:
		return 0;
	}
}
