/* The register name table: lower-case names printed by the CLI, layout.json and the mount,
 * widths, and which architecture each register belongs to. Its order is enum vms_reg's. */
#include <string.h>

#include "core/handle.h"

enum reg_family { REG_X86, REG_ARM64 };

struct reg_desc {
	const char *name;
	unsigned width;
	enum reg_family family;
};

static const struct reg_desc reg_table[] = {
	{"rax", 64, REG_X86},
	{"rcx", 64, REG_X86},
	{"rdx", 64, REG_X86},
	{"rbx", 64, REG_X86},
	{"rsp", 64, REG_X86},
	{"rbp", 64, REG_X86},
	{"rsi", 64, REG_X86},
	{"rdi", 64, REG_X86},
	{"r8", 64, REG_X86},
	{"r9", 64, REG_X86},
	{"r10", 64, REG_X86},
	{"r11", 64, REG_X86},
	{"r12", 64, REG_X86},
	{"r13", 64, REG_X86},
	{"r14", 64, REG_X86},
	{"r15", 64, REG_X86},
	{"rip", 64, REG_X86},
	{"rflags", 64, REG_X86},
	{"cr0", 64, REG_X86},
	{"cr2", 64, REG_X86},
	{"cr3", 64, REG_X86},
	{"cr4", 64, REG_X86},
	{"cr8", 64, REG_X86},
	{"efer", 64, REG_X86},
	{"xcr0", 64, REG_X86},
	{"dr0", 64, REG_X86},
	{"dr1", 64, REG_X86},
	{"dr2", 64, REG_X86},
	{"dr3", 64, REG_X86},
	{"dr6", 64, REG_X86},
	{"dr7", 64, REG_X86},
	{"es", 64, REG_X86},
	{"es_base", 64, REG_X86},
	{"es_limit", 64, REG_X86},
	{"es_attr", 64, REG_X86},
	{"cs", 64, REG_X86},
	{"cs_base", 64, REG_X86},
	{"cs_limit", 64, REG_X86},
	{"cs_attr", 64, REG_X86},
	{"ss", 64, REG_X86},
	{"ss_base", 64, REG_X86},
	{"ss_limit", 64, REG_X86},
	{"ss_attr", 64, REG_X86},
	{"ds", 64, REG_X86},
	{"ds_base", 64, REG_X86},
	{"ds_limit", 64, REG_X86},
	{"ds_attr", 64, REG_X86},
	{"fs", 64, REG_X86},
	{"fs_base", 64, REG_X86},
	{"fs_limit", 64, REG_X86},
	{"fs_attr", 64, REG_X86},
	{"gs", 64, REG_X86},
	{"gs_base", 64, REG_X86},
	{"gs_limit", 64, REG_X86},
	{"gs_attr", 64, REG_X86},
	{"ldtr", 64, REG_X86},
	{"ldtr_base", 64, REG_X86},
	{"ldtr_limit", 64, REG_X86},
	{"ldtr_attr", 64, REG_X86},
	{"tr", 64, REG_X86},
	{"tr_base", 64, REG_X86},
	{"tr_limit", 64, REG_X86},
	{"tr_attr", 64, REG_X86},
	{"gdtr_base", 64, REG_X86},
	{"gdtr_limit", 64, REG_X86},
	{"idtr_base", 64, REG_X86},
	{"idtr_limit", 64, REG_X86},
	{"cpl", 64, REG_X86},
	{"xmm0", 128, REG_X86},
	{"xmm1", 128, REG_X86},
	{"xmm2", 128, REG_X86},
	{"xmm3", 128, REG_X86},
	{"xmm4", 128, REG_X86},
	{"xmm5", 128, REG_X86},
	{"xmm6", 128, REG_X86},
	{"xmm7", 128, REG_X86},
	{"xmm8", 128, REG_X86},
	{"xmm9", 128, REG_X86},
	{"xmm10", 128, REG_X86},
	{"xmm11", 128, REG_X86},
	{"xmm12", 128, REG_X86},
	{"xmm13", 128, REG_X86},
	{"xmm14", 128, REG_X86},
	{"xmm15", 128, REG_X86},
	{"st0", 128, REG_X86},
	{"st1", 128, REG_X86},
	{"st2", 128, REG_X86},
	{"st3", 128, REG_X86},
	{"st4", 128, REG_X86},
	{"st5", 128, REG_X86},
	{"st6", 128, REG_X86},
	{"st7", 128, REG_X86},
	{"fp_control_status", 128, REG_X86},
	{"xmm_control_status", 128, REG_X86},
	{"mxcsr", 64, REG_X86},
	{"kernel_gs_base", 64, REG_X86},
	{"star", 64, REG_X86},
	{"lstar", 64, REG_X86},
	{"cstar", 64, REG_X86},
	{"sfmask", 64, REG_X86},
	{"apic_base", 64, REG_X86},
	{"tsc", 64, REG_X86},
	{"pat", 64, REG_X86},
	{"sysenter_cs", 64, REG_X86},
	{"sysenter_esp", 64, REG_X86},
	{"sysenter_eip", 64, REG_X86},
	{"tsc_aux", 64, REG_X86},
	{"x0", 64, REG_ARM64},
	{"x1", 64, REG_ARM64},
	{"x2", 64, REG_ARM64},
	{"x3", 64, REG_ARM64},
	{"x4", 64, REG_ARM64},
	{"x5", 64, REG_ARM64},
	{"x6", 64, REG_ARM64},
	{"x7", 64, REG_ARM64},
	{"x8", 64, REG_ARM64},
	{"x9", 64, REG_ARM64},
	{"x10", 64, REG_ARM64},
	{"x11", 64, REG_ARM64},
	{"x12", 64, REG_ARM64},
	{"x13", 64, REG_ARM64},
	{"x14", 64, REG_ARM64},
	{"x15", 64, REG_ARM64},
	{"x16", 64, REG_ARM64},
	{"x17", 64, REG_ARM64},
	{"x18", 64, REG_ARM64},
	{"x19", 64, REG_ARM64},
	{"x20", 64, REG_ARM64},
	{"x21", 64, REG_ARM64},
	{"x22", 64, REG_ARM64},
	{"x23", 64, REG_ARM64},
	{"x24", 64, REG_ARM64},
	{"x25", 64, REG_ARM64},
	{"x26", 64, REG_ARM64},
	{"x27", 64, REG_ARM64},
	{"x28", 64, REG_ARM64},
	{"fp", 64, REG_ARM64},
	{"lr", 64, REG_ARM64},
	{"sp_el0", 64, REG_ARM64},
	{"sp_el1", 64, REG_ARM64},
	{"pc", 64, REG_ARM64},
	{"cpsr", 64, REG_ARM64},
	{"elr_el2", 64, REG_ARM64},
	{"spsr_el2", 64, REG_ARM64},
	{"q0", 128, REG_ARM64},
	{"q1", 128, REG_ARM64},
	{"q2", 128, REG_ARM64},
	{"q3", 128, REG_ARM64},
	{"q4", 128, REG_ARM64},
	{"q5", 128, REG_ARM64},
	{"q6", 128, REG_ARM64},
	{"q7", 128, REG_ARM64},
	{"q8", 128, REG_ARM64},
	{"q9", 128, REG_ARM64},
	{"q10", 128, REG_ARM64},
	{"q11", 128, REG_ARM64},
	{"q12", 128, REG_ARM64},
	{"q13", 128, REG_ARM64},
	{"q14", 128, REG_ARM64},
	{"q15", 128, REG_ARM64},
	{"q16", 128, REG_ARM64},
	{"q17", 128, REG_ARM64},
	{"q18", 128, REG_ARM64},
	{"q19", 128, REG_ARM64},
	{"q20", 128, REG_ARM64},
	{"q21", 128, REG_ARM64},
	{"q22", 128, REG_ARM64},
	{"q23", 128, REG_ARM64},
	{"q24", 128, REG_ARM64},
	{"q25", 128, REG_ARM64},
	{"q26", 128, REG_ARM64},
	{"q27", 128, REG_ARM64},
	{"q28", 128, REG_ARM64},
	{"q29", 128, REG_ARM64},
	{"q30", 128, REG_ARM64},
	{"q31", 128, REG_ARM64},
	{"fpsr", 64, REG_ARM64},
	{"fpcr", 64, REG_ARM64},
	{"esr_el1", 64, REG_ARM64},
	{"spsr_el1", 64, REG_ARM64},
	{"far_el1", 64, REG_ARM64},
	{"par_el1", 64, REG_ARM64},
	{"elr_el1", 64, REG_ARM64},
	{"ttbr0_el1", 64, REG_ARM64},
	{"ttbr1_el1", 64, REG_ARM64},
	{"vbar_el1", 64, REG_ARM64},
	{"sctlr_el1", 64, REG_ARM64},
	{"actlr_el1", 64, REG_ARM64},
	{"tcr_el1", 64, REG_ARM64},
	{"mair_el1", 64, REG_ARM64},
	{"amair_el1", 64, REG_ARM64},
	{"tpidr_el0", 64, REG_ARM64},
	{"tpidrro_el0", 64, REG_ARM64},
	{"tpidr_el1", 64, REG_ARM64},
	{"contextidr_el1", 64, REG_ARM64},
	{"cpacr_el1", 64, REG_ARM64},
	{"csselr_el1", 64, REG_ARM64},
	{"cntkctl_el1", 64, REG_ARM64},
	{"cntv_cval_el0", 64, REG_ARM64},
	{"cntv_ctl_el0", 64, REG_ARM64},
	{"vmpidr_el2", 64, REG_ARM64},
	{"vpidr_el2", 64, REG_ARM64},
};

_Static_assert(sizeof(reg_table) / sizeof(reg_table[0]) == VMS_REG_COUNT,
	       "reg_table must list every enum vms_reg value in order");

VMS_API const char *vms_reg_name(enum vms_reg reg)
{
	return (unsigned)reg < VMS_REG_COUNT ? reg_table[reg].name : NULL;
}

VMS_API unsigned vms_reg_width(enum vms_reg reg)
{
	return (unsigned)reg < VMS_REG_COUNT ? reg_table[reg].width : 0;
}

VMS_API int vms_reg_from_name(const char *name, enum vms_reg *reg)
{
	for (unsigned i = 0; name && i < VMS_REG_COUNT; i++) {
		if (strcmp(reg_table[i].name, name) == 0) {
			*reg = (enum vms_reg)i;
			return 0;
		}
	}
	return -ENOENT;
}

VMS_API bool vms_reg_in_arch(enum vms_reg reg, enum vms_arch arch)
{
	if ((unsigned)reg >= VMS_REG_COUNT)
		return false;
	switch (arch) {
	case VMS_ARCH_X86:
	case VMS_ARCH_X64:
		return reg_table[reg].family == REG_X86;
	case VMS_ARCH_ARM64:
		return reg_table[reg].family == REG_ARM64;
	case VMS_ARCH_UNKNOWN:
		break;
	}
	return false;
}

VMS_API const char *vms_arch_name(enum vms_arch arch)
{
	switch (arch) {
	case VMS_ARCH_X86:
		return "x86";
	case VMS_ARCH_X64:
		return "x64";
	case VMS_ARCH_ARM64:
		return "arm64";
	case VMS_ARCH_UNKNOWN:
		break;
	}
	return "unknown";
}

VMS_API const char *vms_paging_name(enum vms_paging mode)
{
	switch (mode) {
	case VMS_PAGING_NONE:
		return "none";
	case VMS_PAGING_X86:
		return "x86";
	case VMS_PAGING_PAE:
		return "pae";
	case VMS_PAGING_LONG:
		return "long";
	case VMS_PAGING_ARMV8:
		return "armv8";
	case VMS_PAGING_LONG5:
		return "long5";
	case VMS_PAGING_INVALID:
		break;
	}
	return "invalid";
}
