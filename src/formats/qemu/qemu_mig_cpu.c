/* x86 CPU registers from the `cpu` sections of a migration stream (qemu-formats §4). The
 * field offsets were located through the vmdesc JSON; every value is big-endian and every
 * target_ulong is 8 bytes on qemu-system-x86_64. */
#include <inttypes.h>
#include <string.h>

#include "formats/qemu/qemu_internal.h"
#include "formats/qemu/qemu_mig.h"

#define SEG_LEN 20u    /* selector u32, base u64, limit u32, flags u32 */
#define CPU_SPAN 1024u /* bytes read at once: covers env.regs .. env.xmm_regs[0] */

struct cpu_reader {
	const struct vms_io *io;
	struct vms_error *err;
	int rc;
};

static uint64_t rd(struct cpu_reader *r, uint64_t off, unsigned bytes)
{
	uint8_t b[8];
	if (r->rc)
		return 0;
	r->rc = vms_io_read(r->io, off, b, bytes, "qemu-migration: cpu field", r->err);
	uint64_t v = 0;
	for (unsigned i = 0; !r->rc && i < bytes; i++)
		v = v << 8 | b[i];
	return v;
}

static void seg(struct cpu_reader *r, struct vms_reg_bank *b, enum vms_reg first, uint64_t off)
{
	uint64_t sel = rd(r, off, 4), base = rd(r, off + 4, 8), limit = rd(r, off + 12, 4);
	uint32_t flags = (uint32_t)rd(r, off + 16, 4);
	qemu_bank_seg(b, first, sel, base, limit, flags);
}

static void set(struct cpu_reader *r, struct vms_reg_bank *b, enum vms_reg reg, uint64_t off,
		unsigned bytes)
{
	if (off)
		vms_bank_set(b, reg, rd(r, off, bytes), 0);
}

static void one_cpu(struct cpu_reader *r, struct vms_reg_bank *b, const struct mig_cpu_fields *f)
{
	/* env.regs is in x86 encoding order, which is also our enum order RAX..R15 */
	for (unsigned i = 0; f->regs && i < 16; i++)
		vms_bank_set(b, (enum vms_reg)(VMS_REG_RAX + i), rd(r, f->regs + 8 * i, 8), 0);
	set(r, b, VMS_REG_RIP, f->eip, 8);
	set(r, b, VMS_REG_RFLAGS, f->eflags, 8);
	if (f->hflags) /* HF_CPL_MASK: bits 0-1 */
		vms_bank_set(b, VMS_REG_CPL, rd(r, f->hflags, 4) & 3u, 0);
	/* env.segs order ES CS SS DS FS GS is our enum order too */
	for (unsigned i = 0; f->segs && i < 6; i++)
		seg(r, b, (enum vms_reg)(VMS_REG_ES + 4 * i), f->segs + SEG_LEN * i);
	if (f->ldt)
		seg(r, b, VMS_REG_LDTR, f->ldt);
	if (f->tr)
		seg(r, b, VMS_REG_TR, f->tr);
	if (f->gdt) {
		vms_bank_set(b, VMS_REG_GDTR_BASE, rd(r, f->gdt + 4, 8), 0);
		vms_bank_set(b, VMS_REG_GDTR_LIMIT, rd(r, f->gdt + 12, 4), 0);
	}
	if (f->idt) {
		vms_bank_set(b, VMS_REG_IDTR_BASE, rd(r, f->idt + 4, 8), 0);
		vms_bank_set(b, VMS_REG_IDTR_LIMIT, rd(r, f->idt + 12, 4), 0);
	}
	set(r, b, VMS_REG_SYSENTER_CS, f->sysenter_cs, 4);
	set(r, b, VMS_REG_SYSENTER_ESP, f->sysenter_esp, 8);
	set(r, b, VMS_REG_SYSENTER_EIP, f->sysenter_eip, 8);
	set(r, b, VMS_REG_CR0, f->cr0, 8);
	set(r, b, VMS_REG_CR2, f->cr2, 8);
	set(r, b, VMS_REG_CR3, f->cr3, 8);
	set(r, b, VMS_REG_CR4, f->cr4, 8);
	if (f->dr) {
		static const enum vms_reg dr[8] = {VMS_REG_DR0, VMS_REG_DR1,   VMS_REG_DR2,
						   VMS_REG_DR3, VMS_REG_COUNT, VMS_REG_COUNT,
						   VMS_REG_DR6, VMS_REG_DR7};
		for (unsigned i = 0; i < 8; i++)
			if (dr[i] != VMS_REG_COUNT)
				vms_bank_set(b, dr[i], rd(r, f->dr + 8 * i, 8), 0);
	}
	set(r, b, VMS_REG_MXCSR, f->mxcsr, 4);
	for (unsigned i = 0; f->xmm && i < 16; i++) /* two be64 halves, bits 0-63 first */
		vms_bank_set(b, (enum vms_reg)(VMS_REG_XMM0 + i), rd(r, f->xmm + 16 * i, 8),
			     rd(r, f->xmm + 16 * i + 8, 8));
	for (unsigned i = 0; f->fpregs && i < 8; i++) /* be64 mantissa + be16 sign/exponent */
		vms_bank_set(b, (enum vms_reg)(VMS_REG_ST0 + i), rd(r, f->fpregs + 10 * i, 8),
			     rd(r, f->fpregs + 10 * i + 8, 2));
	set(r, b, VMS_REG_EFER, f->efer, 8);
	set(r, b, VMS_REG_STAR, f->star, 8);
	set(r, b, VMS_REG_LSTAR, f->lstar, 8);
	set(r, b, VMS_REG_CSTAR, f->cstar, 8);
	set(r, b, VMS_REG_SFMASK, f->fmask, 8);
	set(r, b, VMS_REG_KERNEL_GS_BASE, f->kernelgsbase, 8);
	set(r, b, VMS_REG_PAT, f->pat, 8);
	set(r, b, VMS_REG_TSC, f->tsc, 8);
	set(r, b, VMS_REG_TSC_AUX, f->tsc_aux, 8);
	set(r, b, VMS_REG_XCR0, f->xcr0, 8);
}

int mig_cpus_to_model(struct vms_model *m, const struct mig_stream *s, struct vms_error *err)
{
	if (s->cpu_count == 0) {
		vms_model_warn(m, "qemu-migration: no cpu sections: memory only");
		return 0;
	}
	int rc = vms_model_alloc_vps(m, (uint32_t)s->cpu_count, err);
	if (rc)
		return rc;
	struct cpu_reader r = {s->io, err, 0};
	for (size_t i = 0; i < s->cpu_count; i++) {
		struct vms_reg_bank *b;
		m->vps[i].hv_index = s->cpus[i].instance;
		rc = vms_model_bank(m, (uint32_t)i, 0, &b, err);
		if (rc)
			return rc;
		one_cpu(&r, b, &s->cpus[i]);
		if (r.rc)
			return r.rc;
	}
	return 0;
}
