/* Internals shared by the QEMU backends (ELF core, kdump-compressed, migration stream):
 * the CPU-state note decoder and the helpers that turn QEMU's register layouts into banks.
 * Format facts: docs/formats/qemu.md, which cites qemu-formats.md §§1-8. */
#ifndef VMS_QEMU_INTERNAL_H
#define VMS_QEMU_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"

/* x86 control-register bits the register helpers need (Intel SDM vol. 3 §2.5) */
#define QEMU_CR0_PG (1ull << 31)
#define QEMU_CR4_PAE (1ull << 5)
#define QEMU_EFER_LME (1ull << 8)
#define QEMU_EFER_LMA (1ull << 10)
#define QEMU_EFER_NXE (1ull << 11)
/* QEMU's cached descriptor flags word -> hypervisor attribute layout (vmsavedstate_regs.h):
 * flags bits 8-15 (type, S, DPL, P) -> attr bits 0-7, bits 20-23 (AVL, L, D/B, G) -> 12-15
 * [qemu-formats §4 quirk: bits 0-7 and 24-31 hold base bytes] */
#define QEMU_SEG_ATTR(flags) (((uint32_t)(flags) >> 8) & 0xf0ffu)
#define QEMU_ATTR_L (1u << 13)

/** Decode an ELF note area (NT_PRSTATUS + "QEMU" notes, qemu-formats §6) into the model's
 *  VPs: allocates one VP per QEMU note (or per NT_PRSTATUS when there are no QEMU notes).
 *  `long_mode_hint` is true when the dump says CPU0 was in long mode (EM_X86_64), which
 *  decides EFER.LMA for CPUs whose CS does not show it. Returns 0 or a negative code; a
 *  note area without any CPU note leaves vp_count at 0. `file_off` is for messages. */
int qemu_notes_to_model(struct vms_model *m, const uint8_t *notes, size_t len, uint64_t file_off,
			bool long_mode_hint, struct vms_error *err);

/** Set the segment quartet (selector, base, limit, attr) starting at `first`. */
void qemu_bank_seg(struct vms_reg_bank *b, enum vms_reg first, uint64_t sel, uint64_t base,
		   uint64_t limit, uint32_t flags);

/** Derive EFER for a dump format that does not save it: LME|LMA when paging and PAE are on
 *  and CS is a 64-bit segment or the dump says so; NXE whenever PAE paging is on. */
uint64_t qemu_derived_efer(uint64_t cr0, uint64_t cr4, uint32_t cs_attr, bool long_mode_hint);

/* the backends (qemu_elf.c, qemu_kdump.c, qemu_migration.c) */
extern const struct vms_backend_ops vms_backend_qemu_elf;
extern const struct vms_backend_ops vms_backend_qemu_kdump;
extern const struct vms_backend_ops vms_backend_qemu_migration;

#endif
