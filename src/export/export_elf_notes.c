/* The ELF core's note area, in QEMU's layout so gdb and crash see the vCPUs
 * (qemu-formats.md §6, other-formats.md §11.3-§11.4): one NT_PRSTATUS ("CORE", type 1) per
 * VP, then one "QEMU" note (type 0, QEMUCPUState version 1) per VP, in VP order. */
#include <string.h>

#include "export_internal.h"

#define NOTE_HDR_LEN 12u
#define NOTE_NAME_PAD 8u /* "CORE\0" / "QEMU\0": namesz 5, padded to 8 (ELF gABI) */
#define NT_PRSTATUS 1u
#define NT_QEMU 0u
/* x86-64 elf_prstatus: 336 bytes, pr_pid at 32, pr_reg (27 u64) at 112 (qemu-formats §6) */
#define PRS64_LEN 336u
#define PRS64_PID 32u
#define PRS64_REGS 112u
/* i386 elf_prstatus: 144 bytes, pr_pid at 24, pr_reg (17 u32) at 72 (qemu-formats §6) */
#define PRS32_LEN 144u
#define PRS32_PID 24u
#define PRS32_REGS 72u
/* QEMUCPUState v1 with kernel_gs_base, as QEMU 7.2 writes it: 0x1b8 bytes
 * (qemu-formats §6; other-formats §1.2 lists the 432-byte form without it) */
#define QCS_VERSION 1u
#define QCS_LEN 0x1b8u
#define QCS_GPR 8u
#define QCS_SEG 152u
#define QCS_SEG_LEN 24u
#define QCS_CR 392u
#define QCS_KGSBASE 432u
/* Hyper-V segment attributes -> QEMU descriptor flags: attr bits 0-7 (type, S, DPL, P) and
 * 12-15 (AVL, L, D/B, G) sit at flags bits 8-15 and 20-23 (other-formats §11.4 [derived]) */
#define SEG_ATTR_MASK 0xf0ffu
#define SEG_FLAGS_SHIFT 8u
#define EFER_LMA (1ull << 10)

#define R(x) VMS_REG_##x
/* Linux user_regs_struct order (x86-64); -1 is orig_rax, always 0 */
static const int prs64_regs[27] = {
	R(R15),	   R(R14), R(R13), R(R12),     R(RBP),	   R(RBX), R(R11), R(R10), R(R9),
	R(R8),	   R(RAX), R(RCX), R(RDX),     R(RSI),	   R(RDI), -1,	   R(RIP), R(CS),
	R(RFLAGS), R(RSP), R(SS),  R(FS_BASE), R(GS_BASE), R(DS),  R(ES),  R(FS),  R(GS),
};
/* i386 elf_gregset order; -1 is orig_eax */
static const int prs32_regs[17] = {
	R(RBX), R(RCX), R(RDX), R(RSI), R(RDI), R(RBP),	   R(RAX), R(DS), R(ES),
	R(FS),	R(GS),	-1,	R(RIP), R(CS),	R(RFLAGS), R(RSP), R(SS),
};
/* QEMUCPUState GPRs: rax rbx rcx rdx rsi rdi rsp rbp r8-r15 rip rflags */
static const enum vms_reg qcs_gprs[18] = {
	R(RAX), R(RBX), R(RCX), R(RDX), R(RSI), R(RDI), R(RSP), R(RBP), R(R8),
	R(R9),	R(R10), R(R11), R(R12), R(R13), R(R14), R(R15), R(RIP), R(RFLAGS),
};
/* QEMUCPUState segments cs ds es fs gs ss ldt tr: the selector of each quartet
 * (selector, base, limit, attr follow in that order in enum vms_reg) */
static const enum vms_reg qcs_segs[8] = {
	R(CS), R(DS), R(ES), R(FS), R(GS), R(SS), R(LDTR), R(TR),
};
#undef R

/* Registers the saved state lacks are written as 0, as QEMU does for state it lacks. */
static uint64_t reg(vms_handle *h, uint32_t vp, enum vms_reg r)
{
	struct vms_reg_value v = {0};
	if (vms_vp_get_register(h, vp, r, &v, NULL) != 0)
		return 0;
	return v.lo;
}

int export_elf_is_long(vms_handle *h, uint32_t vp, bool *is_long, struct vms_error *err)
{
	*is_long = true; /* no VP: the x86-64 layout, as for a memory-only state */
	if (vp >= vms_vp_count(h))
		return 0;
	enum vms_arch arch = VMS_ARCH_UNKNOWN;
	enum vms_paging pg = VMS_PAGING_INVALID;
	(void)vms_vp_arch(h, vp, &arch);
	(void)vms_vp_paging(h, vp, &pg);
	if (arch == VMS_ARCH_ARM64)
		return export_fail(err, -ENOTSUP,
				   "export: ELF cores of ARM64 guests are not supported yet (VP "
				   "%u); use raw or lime",
				   vp);
	if (arch == VMS_ARCH_X86)
		*is_long = false;
	else if (arch == VMS_ARCH_X64)
		/* QEMU's rule (cpu_get_dump_info): long mode is EFER.LMA */
		*is_long = pg == VMS_PAGING_LONG || pg == VMS_PAGING_LONG5 ||
			   (reg(h, vp, VMS_REG_EFER) & EFER_LMA);
	return 0;
}

static size_t prs_len(bool is_long)
{
	return is_long ? PRS64_LEN : PRS32_LEN;
}

size_t export_notes_len(uint32_t count, bool is_long)
{
	size_t one = 2 * (NOTE_HDR_LEN + NOTE_NAME_PAD) + prs_len(is_long) + QCS_LEN;
	return (size_t)count * one;
}

static uint8_t *note_header(uint8_t *d, const char *name, uint32_t descsz, uint32_t type)
{
	memset(d, 0, NOTE_HDR_LEN + NOTE_NAME_PAD + descsz);
	export_le32(d, (uint32_t)strlen(name) + 1);
	export_le32(d + 4, descsz);
	export_le32(d + 8, type);
	memcpy(d + NOTE_HDR_LEN, name, strlen(name));
	return d + NOTE_HDR_LEN + NOTE_NAME_PAD;
}

static uint8_t *write_prstatus(vms_handle *h, uint32_t vp, bool is_long, uint8_t *d)
{
	uint8_t *desc = note_header(d, "CORE", (uint32_t)prs_len(is_long), NT_PRSTATUS);
	if (is_long) {
		export_le32(desc + PRS64_PID, vp + 1);
		for (unsigned i = 0; i < 27; i++)
			if (prs64_regs[i] >= 0)
				export_le64(desc + PRS64_REGS + 8 * i,
					    reg(h, vp, (enum vms_reg)prs64_regs[i]));
		return desc + PRS64_LEN;
	}
	export_le32(desc + PRS32_PID, vp + 1);
	for (unsigned i = 0; i < 17; i++)
		if (prs32_regs[i] >= 0)
			export_le32(desc + PRS32_REGS + 4 * i,
				    (uint32_t)reg(h, vp, (enum vms_reg)prs32_regs[i]));
	return desc + PRS32_LEN;
}

static void put_seg(uint8_t *s, uint64_t sel, uint64_t limit, uint64_t attr, uint64_t base)
{
	export_le32(s, (uint32_t)sel);
	export_le32(s + 4, (uint32_t)limit);
	export_le32(s + 8, (uint32_t)(attr & SEG_ATTR_MASK) << SEG_FLAGS_SHIFT);
	export_le64(s + 16, base);
}

static uint8_t *write_qemu_state(vms_handle *h, uint32_t vp, uint8_t *d)
{
	uint8_t *q = note_header(d, "QEMU", QCS_LEN, NT_QEMU);
	export_le32(q, QCS_VERSION);
	export_le32(q + 4, QCS_LEN);
	for (unsigned i = 0; i < 18; i++)
		export_le64(q + QCS_GPR + 8 * i, reg(h, vp, qcs_gprs[i]));
	for (unsigned i = 0; i < 8; i++) {
		enum vms_reg s = qcs_segs[i];
		put_seg(q + QCS_SEG + QCS_SEG_LEN * i, reg(h, vp, s),
			reg(h, vp, (enum vms_reg)(s + 2)), reg(h, vp, (enum vms_reg)(s + 3)),
			reg(h, vp, (enum vms_reg)(s + 1)));
	}
	/* gdt and idt: only limit and base */
	put_seg(q + QCS_SEG + QCS_SEG_LEN * 8, 0, reg(h, vp, VMS_REG_GDTR_LIMIT), 0,
		reg(h, vp, VMS_REG_GDTR_BASE));
	put_seg(q + QCS_SEG + QCS_SEG_LEN * 9, 0, reg(h, vp, VMS_REG_IDTR_LIMIT), 0,
		reg(h, vp, VMS_REG_IDTR_BASE));
	/* cr[0..4] = cr0, 0, cr2, cr3, cr4 (other-formats §11.4) */
	export_le64(q + QCS_CR, reg(h, vp, VMS_REG_CR0));
	export_le64(q + QCS_CR + 16, reg(h, vp, VMS_REG_CR2));
	export_le64(q + QCS_CR + 24, reg(h, vp, VMS_REG_CR3));
	export_le64(q + QCS_CR + 32, reg(h, vp, VMS_REG_CR4));
	export_le64(q + QCS_KGSBASE, reg(h, vp, VMS_REG_KERNEL_GS_BASE));
	return q + QCS_LEN;
}

void export_notes_write(vms_handle *h, uint32_t first, uint32_t count, bool is_long, uint8_t *dst)
{
	for (uint32_t i = 0; i < count; i++)
		dst = write_prstatus(h, first + i, is_long, dst);
	for (uint32_t i = 0; i < count; i++)
		dst = write_qemu_state(h, first + i, dst);
}
