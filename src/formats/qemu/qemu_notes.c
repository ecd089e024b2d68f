/* CPU state from the ELF notes QEMU writes into ELF and kdump dumps: NT_PRSTATUS (x86-64
 * and i386 layouts) and the "QEMU" QEMUCPUState note (qemu-formats §6, docs/formats/qemu.md
 * "Registers"). The QEMU note wins where both carry a register: it has full 64-bit values,
 * segment bases/limits/flags and the control registers. */
#include <inttypes.h>
#include <string.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "formats/qemu/qemu_internal.h"

#define NOTE_HDR_LEN 12u
#define NT_PRSTATUS 1u
#define QEMU_NOTE_TYPE 0u
/* qemu-formats §6: NT_PRSTATUS sizes select the layout */
#define PRSTATUS64_LEN 336u
#define PRSTATUS64_REGS 112u
#define PRSTATUS32_LEN 144u
#define PRSTATUS32_REGS 72u
/* QEMUCPUState v1: 0x1b0 bytes without kernel_gs_base, 0x1b8 with it (qemu-formats §6) */
#define QCS_MIN_LEN 0x1b0u
#define QCS_KGSBASE_OFF 0x1b0u
#define QCS_SEG_OFF 152u
#define QCS_SEG_LEN 24u
#define QCS_CR_OFF 392u
#define MAX_CPU_NOTES 65536u

void qemu_bank_seg(struct vms_reg_bank *b, enum vms_reg first, uint64_t sel, uint64_t base,
		   uint64_t limit, uint32_t flags)
{
	vms_bank_set(b, first, sel, 0);
	vms_bank_set(b, (enum vms_reg)(first + 1), base, 0);
	vms_bank_set(b, (enum vms_reg)(first + 2), limit, 0);
	vms_bank_set(b, (enum vms_reg)(first + 3), QEMU_SEG_ATTR(flags), 0);
}

uint64_t qemu_derived_efer(uint64_t cr0, uint64_t cr4, uint32_t cs_attr, bool long_mode_hint)
{
	if (!(cr0 & QEMU_CR0_PG) || !(cr4 & QEMU_CR4_PAE))
		return 0;
	/* NXE is unknowable from a dump; assuming it on makes translation accept NX bits,
	 * which is what QEMU's own gva2gpa does for these guests (docs/formats/qemu.md) */
	if ((cs_attr & QEMU_ATTR_L) || long_mode_hint)
		return QEMU_EFER_NXE | QEMU_EFER_LME | QEMU_EFER_LMA;
	return QEMU_EFER_NXE;
}

struct note {
	const uint8_t *name;
	uint32_t namesz;
	uint32_t type;
	const uint8_t *desc;
	uint32_t descsz;
	size_t off;
};

/* Next note at *pos; 1 when one was read, 0 at the end, negative on a malformed note. */
static int next_note(const uint8_t *buf, size_t len, size_t *pos, struct note *n, uint64_t file_off,
		     struct vms_error *err)
{
	if (len - *pos < NOTE_HDR_LEN)
		return 0; /* trailing padding */
	const uint8_t *h = buf + *pos;
	n->namesz = vms_le32(h);
	n->descsz = vms_le32(h + 4);
	n->type = vms_le32(h + 8);
	n->off = *pos;
	/* name and desc are each padded to 4 bytes (ELF gABI) */
	uint64_t name_pad = ((uint64_t)n->namesz + 3) & ~3ull;
	uint64_t desc_pad = ((uint64_t)n->descsz + 3) & ~3ull;
	uint64_t body = name_pad + desc_pad;
	if (body > len - *pos - NOTE_HDR_LEN)
		return vms_fail(err, -EBADMSG,
				"qemu notes: note at file offset %#" PRIx64
				" (name %u, desc %u bytes) overruns the note area",
				file_off + *pos, n->namesz, n->descsz);
	n->name = h + NOTE_HDR_LEN;
	n->desc = n->name + name_pad;
	*pos += NOTE_HDR_LEN + (size_t)body;
	return 1;
}

static bool note_is(const struct note *n, const char *name, uint32_t type)
{
	size_t l = strlen(name);
	return n->type == type && n->namesz == l + 1 && memcmp(n->name, name, l) == 0 &&
	       n->name[l] == 0;
}

/* Linux user_regs_struct order (x86-64): r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx
 * rsi rdi orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs */
static const int prs64_map[27] = {
	VMS_REG_R15, VMS_REG_R14,     VMS_REG_R13,     VMS_REG_R12,    VMS_REG_RBP,
	VMS_REG_RBX, VMS_REG_R11,     VMS_REG_R10,     VMS_REG_R9,     VMS_REG_R8,
	VMS_REG_RAX, VMS_REG_RCX,     VMS_REG_RDX,     VMS_REG_RSI,    VMS_REG_RDI,
	-1,	     VMS_REG_RIP,     VMS_REG_CS,      VMS_REG_RFLAGS, VMS_REG_RSP,
	VMS_REG_SS,  VMS_REG_FS_BASE, VMS_REG_GS_BASE, VMS_REG_DS,     VMS_REG_ES,
	VMS_REG_FS,  VMS_REG_GS,
};
/* i386 elf_gregset: ebx ecx edx esi edi ebp eax ds es fs gs orig_eax eip cs eflags esp ss */
static const int prs32_map[17] = {
	VMS_REG_RBX, VMS_REG_RCX, VMS_REG_RDX,	  VMS_REG_RSI, VMS_REG_RDI, VMS_REG_RBP,
	VMS_REG_RAX, VMS_REG_DS,  VMS_REG_ES,	  VMS_REG_FS,  VMS_REG_GS,  -1,
	VMS_REG_RIP, VMS_REG_CS,  VMS_REG_RFLAGS, VMS_REG_RSP, VMS_REG_SS,
};

static void apply_prstatus(struct vms_reg_bank *b, const struct note *n)
{
	if (n->descsz == PRSTATUS64_LEN) {
		for (unsigned i = 0; i < 27; i++)
			if (prs64_map[i] >= 0)
				vms_bank_set(b, (enum vms_reg)prs64_map[i],
					     vms_le64(n->desc + PRSTATUS64_REGS + 8 * i), 0);
	} else {
		for (unsigned i = 0; i < 17; i++) {
			uint32_t v = vms_le32(n->desc + PRSTATUS32_REGS + 4 * i);
			if (prs32_map[i] < 0)
				continue;
			bool seg = prs32_map[i] >= VMS_REG_ES && prs32_map[i] <= VMS_REG_GS_ATTR;
			vms_bank_set(b, (enum vms_reg)prs32_map[i], seg ? (v & 0xffffu) : v, 0);
		}
	}
}

/* QEMUCPUState GPR order: rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags */
static const enum vms_reg qcs_gpr[18] = {
	VMS_REG_RAX, VMS_REG_RBX, VMS_REG_RCX, VMS_REG_RDX, VMS_REG_RSI, VMS_REG_RDI,
	VMS_REG_RSP, VMS_REG_RBP, VMS_REG_R8,  VMS_REG_R9,  VMS_REG_R10, VMS_REG_R11,
	VMS_REG_R12, VMS_REG_R13, VMS_REG_R14, VMS_REG_R15, VMS_REG_RIP, VMS_REG_RFLAGS,
};
/* segment order cs ds es fs gs ss ldt tr (then gdt, idt) */
static const enum vms_reg qcs_seg[8] = {
	VMS_REG_CS, VMS_REG_DS, VMS_REG_ES,   VMS_REG_FS,
	VMS_REG_GS, VMS_REG_SS, VMS_REG_LDTR, VMS_REG_TR,
};

static void apply_qemu_state(struct vms_reg_bank *b, const struct note *n, bool long_hint)
{
	const uint8_t *d = n->desc;
	for (unsigned i = 0; i < 18; i++)
		vms_bank_set(b, qcs_gpr[i], vms_le64(d + 8 + 8 * i), 0);
	for (unsigned i = 0; i < 10; i++) {
		const uint8_t *s = d + QCS_SEG_OFF + QCS_SEG_LEN * i;
		uint32_t sel = vms_le32(s), limit = vms_le32(s + 4), flags = vms_le32(s + 8);
		uint64_t base = vms_le64(s + 16);
		if (i < 8) {
			qemu_bank_seg(b, qcs_seg[i], sel, base, limit, flags);
		} else {
			enum vms_reg r = i == 8 ? VMS_REG_GDTR_BASE : VMS_REG_IDTR_BASE;
			vms_bank_set(b, r, base, 0);
			vms_bank_set(b, (enum vms_reg)(r + 1), limit, 0);
		}
	}
	uint64_t cr0 = vms_le64(d + QCS_CR_OFF), cr4 = vms_le64(d + QCS_CR_OFF + 32);
	vms_bank_set(b, VMS_REG_CR0, cr0, 0);
	vms_bank_set(b, VMS_REG_CR2, vms_le64(d + QCS_CR_OFF + 16), 0);
	vms_bank_set(b, VMS_REG_CR3, vms_le64(d + QCS_CR_OFF + 24), 0);
	vms_bank_set(b, VMS_REG_CR4, cr4, 0);
	if (n->descsz >= QCS_KGSBASE_OFF + 8)
		vms_bank_set(b, VMS_REG_KERNEL_GS_BASE, vms_le64(d + QCS_KGSBASE_OFF), 0);
	/* EFER is not saved: derive LME|LMA so the core picks the right paging mode */
	vms_bank_set(b, VMS_REG_EFER,
		     qemu_derived_efer(cr0, cr4, (uint32_t)b->lo[VMS_REG_CS_ATTR], long_hint), 0);
	/* CPL is the DPL of SS (Intel SDM vol. 3 §5.5) */
	vms_bank_set(b, VMS_REG_CPL, (b->lo[VMS_REG_SS_ATTR] >> 5) & 3u, 0);
}

int qemu_notes_to_model(struct vms_model *m, const uint8_t *notes, size_t len, uint64_t file_off,
			bool long_mode_hint, struct vms_error *err)
{
	uint32_t n_prs = 0, n_qemu = 0;
	bool prs64 = false;
	size_t pos = 0;
	struct note n = {0};
	int rc;
	while ((rc = next_note(notes, len, &pos, &n, file_off, err)) > 0) {
		if (note_is(&n, "CORE", NT_PRSTATUS)) {
			VMS_RETURN_IF(n.descsz != PRSTATUS64_LEN && n.descsz != PRSTATUS32_LEN, err,
				      -EBADMSG,
				      "qemu notes: NT_PRSTATUS at file offset %#" PRIx64
				      " has %u bytes, expected %u or %u",
				      file_off + n.off, n.descsz, PRSTATUS64_LEN, PRSTATUS32_LEN);
			prs64 = prs64 || n.descsz == PRSTATUS64_LEN;
			n_prs++;
		} else if (note_is(&n, "QEMU", QEMU_NOTE_TYPE)) {
			VMS_RETURN_IF(n.descsz < QCS_MIN_LEN, err, -EBADMSG,
				      "qemu notes: QEMU CPU state at file offset %#" PRIx64
				      " has %u bytes, below %u",
				      file_off + n.off, n.descsz, QCS_MIN_LEN);
			VMS_RETURN_IF(vms_le32(n.desc) != 1, err, -ENOTSUP,
				      "qemu notes: QEMU CPU state at file offset %#" PRIx64
				      " has version %u, expected 1",
				      file_off + n.off, vms_le32(n.desc));
			n_qemu++;
		}
		VMS_RETURN_IF(n_prs > MAX_CPU_NOTES || n_qemu > MAX_CPU_NOTES, err, -EFBIG,
			      "qemu notes: more than %u CPU notes", MAX_CPU_NOTES);
	}
	if (rc < 0)
		return rc;
	/* an x86-64 NT_PRSTATUS means CPU0 was in long mode (qemu-formats §6) */
	long_mode_hint = long_mode_hint || prs64;
	uint32_t count = n_qemu ? n_qemu : n_prs;
	if (count == 0)
		return 0;
	if (n_qemu && n_prs && n_qemu != n_prs)
		vms_model_warn(m,
			       "qemu notes: %u NT_PRSTATUS but %u QEMU notes; using the QEMU ones",
			       n_prs, n_qemu);
	rc = vms_model_alloc_vps(m, count, err);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < count; i++) {
		m->vps[i].hv_index = i;
		m->vps[i].arch = VMS_ARCH_UNKNOWN; /* the core derives it from the registers */
	}
	/* second pass: the i-th note of a kind belongs to CPU i (QEMU writes them in CPU order) */
	uint32_t i_prs = 0, i_qemu = 0;
	pos = 0;
	while (next_note(notes, len, &pos, &n, file_off, err) > 0) {
		struct vms_reg_bank *b;
		if (note_is(&n, "CORE", NT_PRSTATUS) && i_prs < count) {
			rc = vms_model_bank(m, i_prs++, 0, &b, err);
			if (rc)
				return rc;
			apply_prstatus(b, &n);
		} else if (note_is(&n, "QEMU", QEMU_NOTE_TYPE) && i_qemu < count) {
			rc = vms_model_bank(m, i_qemu++, 0, &b, err);
			if (rc)
				return rc;
			apply_qemu_state(b, &n, long_mode_hint);
		}
	}
	if (!n_qemu)
		vms_model_warn(m, "qemu notes: no QEMU CPU-state notes; no CR3, so no GVA "
				  "translation");
	return 0;
}
