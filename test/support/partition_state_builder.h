/* Test-only writer of partition_state blobs (hyperv-format.md §5): framing chunks, x64 and
 * ARM64 register chunks written from a struct vms_reg_bank, and raw chunks for malformed
 * streams. Allocation failures abort (test code). */
#ifndef VMS_TEST_PARTITION_STATE_BUILDER_H
#define VMS_TEST_PARTITION_STATE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"

struct psb {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

/** Start a blob: reserves the 24-byte envelope and the 16 alignment bytes (§5.1). */
void psb_init(struct psb *b);
void psb_free(struct psb *b);
/** Any chunk with `data_len` bytes of data (copied; data may be NULL for zeros). */
void psb_chunk(struct psb *b, uint32_t id, const void *data, uint32_t data_len);
void psb_prolog(struct psb *b, uint32_t vendor);
void psb_os_id(struct psb *b, uint64_t os_id);
void psb_partition_vtl(struct psb *b, uint8_t vtl);
/** VP_INDICES: BSP and a bitmap with the given indexes set (OpenVMM sizing). */
void psb_vp_indices(struct psb *b, uint32_t bsp, const uint32_t *indexes, unsigned count);
void psb_vp(struct psb *b, uint32_t vp_index);
void psb_vp_vtl(struct psb *b, uint8_t vtl);
void psb_vtl_control_page(struct psb *b, bool runnable);
/** GP, control, segment, table, debug, FP, XSAVE control, virtual MSRs and PAT chunks from
 *  the bank's values (present bits ignored). */
void psb_x64_registers(struct psb *b, const struct vms_reg_bank *r);
/** GP, control, table and FP chunks; PC/CPSR are not written (they come from ELR/SPSR_EL2). */
void psb_arm64_registers(struct psb *b, const struct vms_reg_bank *r);
void psb_epilog(struct psb *b);
/** Patch the envelope (descriptor 24, header 24, total = length). Returns the blob (owned by
 *  b) and its length. */
const uint8_t *psb_finish(struct psb *b, size_t *len);

/** Fill every register of `arch`'s chunk layouts with distinct values derived from `seed`.
 *  x64: EFER has LMA and CS.L set (long mode); x86: both clear. */
void psb_bank_pattern(struct vms_reg_bank *r, enum vms_arch arch, uint64_t seed);

/** One VP for psb_build(). */
struct psb_vp_desc {
	uint32_t hv_index;
	unsigned vtl_count; /**< 1..4 */
	uint8_t vtls[4];
	const struct vms_reg_bank *banks[4];
	int runnable_vtl; /**< index into vtls[] whose control page says runnable, -1: none */
};

/** A whole well-formed stream in OpenVMM order (§5.3). Caller frees with free(). */
uint8_t *psb_build(uint32_t vendor, uint64_t os_id, const struct psb_vp_desc *vps,
		   unsigned vp_count, size_t *len);

#endif
