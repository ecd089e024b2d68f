/* Hyper-V `partition_state` blob: the hypervisor's save/restore chunk stream that holds the
 * virtual processors' registers (hyperv-format.md §5). Pure parsing from a buffer into a
 * struct vms_model; the register-chunk decoders are split per architecture. */
#ifndef VMS_HV_PARTITION_STATE_H
#define VMS_HV_PARTITION_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"

/* Envelope (§5.1): descriptor_size, header_size, total_size; the chunk stream starts at
 * header_size + 16 [C: OV-DUMP, BEY, VOL]. */
#define HV_PS_ENVELOPE_LEN 24u
#define HV_PS_STREAM_SKIP 16u
#define HV_PS_CHUNK_HDR_LEN 16u

/* Chunk ids (§5.4). */
#define HV_PS_PROLOG 0x00000000u
#define HV_PS_CPUID_DATA 0x20000000u
#define HV_PS_OS_ID 0x20001000u
#define HV_PS_HYPERCALL_MSR 0x20002000u
#define HV_PS_REF_TSC 0x20003000u
#define HV_PS_PARTITION_VTL 0x20008000u
#define HV_PS_PARTITION_VSM_CONFIG 0x2000A000u
#define HV_PS_VP_INDICES 0x30000000u
#define HV_PS_VP 0x30001000u
#define HV_PS_VP_CORE 0x30003000u
#define HV_PS_VP_GP 0x30005000u
#define HV_PS_VP_FP 0x30006000u
#define HV_PS_VP_CONTROL 0x30007000u
#define HV_PS_VP_DEBUG 0x30008000u
#define HV_PS_VP_SEGMENT 0x30009000u
#define HV_PS_VP_TABLE 0x3000A000u
#define HV_PS_VP_VIRTUAL_MSRS 0x3000B000u
#define HV_PS_VP_PAT_MTRR 0x3000C000u
#define HV_PS_VP_XSAVE_CONTROL 0x3000D000u
#define HV_PS_VP_XSAVE_AVX 0x3000E000u
#define HV_PS_VP_XSAVE_STATE 0x3000E100u
#define HV_PS_VP_APIC 0x3000F000u
#define HV_PS_VP_SYNIC_MSRS 0x30010000u
#define HV_PS_VP_SYNIC_TIMERS 0x30011000u
#define HV_PS_VP_VTL_CONTROL_PAGE 0x30018000u
#define HV_PS_VP_VTL 0x3001A000u
#define HV_PS_VP_NESTED_BASE 0x30021000u
#define HV_PS_VP_NESTED_VMCS 0x30023000u
#define HV_PS_EPILOG 0xF0000000u

/* Framing chunk fields (§5.5). */
#define HV_PS_PROLOG_TAG 0x50546475u /* "udTP" in memory order */
#define HV_PS_PROLOG_DATA_LEN 4064u
#define HV_PS_PROLOG_VENDOR_OFF 8u
#define HV_PS_VTL_CONTROL_PAGE_LEN 32u
#define HV_PS_VTL_RUNNABLE_OFF 24u
#define HV_PS_VP_INDICES_MIN 8u

/* Processor vendor in the prolog (§5.5) [S: OV-HV]. */
#define HV_VENDOR_AMD 0u
#define HV_VENDOR_INTEL 1u
#define HV_VENDOR_HYGON 2u
#define HV_VENDOR_ARM 0x10u

/* Data lengths of the decoded register chunks (§5.6, §5.8). */
#define HV_X64_GP_LEN 144u
#define HV_X64_CONTROL_LEN 48u
#define HV_X64_DEBUG_LEN 48u
#define HV_X64_SEGMENT_LEN 144u
#define HV_X64_TABLE_LEN 32u
#define HV_X64_FP_LEN 416u
#define HV_X64_XSAVE_CONTROL_LEN 64u
#define HV_X64_VIRTUAL_MSRS_LEN 96u
#define HV_X64_PAT_MTRR_MIN 8u
#define HV_ARM64_GP_LEN 336u
#define HV_ARM64_CONTROL_LEN 128u
#define HV_ARM64_TABLE_LEN 32u
#define HV_ARM64_FP_LEN 528u

/* x64 flags used to derive the architecture (§5.10). */
#define HV_X64_EFER_LMA (1ull << 10)
#define HV_X64_SEG_ATTR_L (1u << 13)

/**
 * Parse a partition_state blob into `m`: allocates m->vps (one per VP marker, in stream
 * order), fills every (VP, VTL) register bank the stream carries, sets each VP's hv_index,
 * arch and active_vtl, m->guest_vtl_mask and m->guest_os_id, and adds "partition_state.*"
 * properties (vendor, BSP, unknown chunk ids with counts).
 * @return 0; -EBADMSG (malformed or undecodable: the message names the chunk and its offset
 *         inside the blob), -EFBIG (more VPs or banks than the open options allow), -ENOMEM.
 * Never reads outside blob[0..len).
 */
int hv_partition_state_parse(const uint8_t *blob, size_t len, struct vms_model *m,
			     struct vms_error *err);

/* ---- per-architecture register decoders (partition_state_x64.c / _arm64.c) ---- */

/** Decode x64 register chunk `id` into `b`. @return 1 when decoded, 0 when `id` is not an
 *  x64 register chunk, -EBADMSG when its data is shorter than the layout (message names
 *  `blob_off`, the chunk's offset in the blob). */
int hv_ps_decode_x64(uint32_t id, const uint8_t *data, uint32_t data_len, size_t blob_off,
		     struct vms_reg_bank *b, struct vms_error *err);

/** Same for the ARM64 layouts. */
int hv_ps_decode_arm64(uint32_t id, const uint8_t *data, uint32_t data_len, size_t blob_off,
		       struct vms_reg_bank *b, struct vms_error *err);

/** Name of a chunk id for diagnostics ("VP_GP_REGISTERS"), or NULL when unknown. */
const char *hv_ps_chunk_name(uint32_t id);

#endif
