/* The saved-state schema inside a HyperVStorage container (hyperv-format.md §3): the VM
 * configuration version and the key scheme it selects, the RamMemoryBlock metadata and the
 * GPA -> raw saved memory -> RamBlock mapping. */
#ifndef VMS_HV_SCHEMA_H
#define VMS_HV_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"
#include "formats/hyperv/hvs_container.h"

/* §3.1: (major << 8) | minor; <= 1.0 rejected, <= 5.0 old key names, newer new names. */
#define HV_VM_VERSION_REJECT_MAX 0x0100u
#define HV_VM_VERSION_OLD_MAX 0x0500u

/* §3.3: RamMemoryBlock metadata, version 3, 48 bytes [S: OV]. */
#define HV_RMB_LEN 48u
#define HV_RMB_VERSION 3u
#define HV_RMB_FLAG_HOT_ADDED (1u << 0)
#define HV_RMB_FLAG_SGX (1u << 1)
#define HV_RMB_FLAG_VTL2 (1u << 2)
#define HV_RMB_FLAG_SPECIFIC_PURPOSE (1u << 3)
#define HV_RMB_OFF_FLAGS 4u
#define HV_RMB_OFF_PAGES 8u
#define HV_RMB_OFF_MBP_START 16u
#define HV_RMB_OFF_GPA_INDEX 24u
#define HV_RMB_OFF_VNODE 32u
#define HV_RMB_OFF_KSR 40u

/* §3.4: one RamBlock is 1 MiB = 256 pages of raw saved memory. */
#define HV_PAGES_PER_BLOCK 256u
#define HV_BLOCK_SHIFT 20u
/* Largest stored RamBlock value we accept: 256 explicit-size tokens of a raw page plus the
 * end tag is about 1.003 MiB; anything past 2 MiB cannot be a valid block (§4.2). */
#define HV_RAMBLOCK_MAX_STORED (2u << 20)

/** Decoded RamMemoryBlock metadata. */
struct hv_rmb {
	uint32_t version;
	uint32_t flags;
	uint64_t pages;
	uint64_t mbp_start; /**< first raw page */
	uint64_t gpa_index; /**< first guest page number */
	uint32_t vnode;
	uint64_t ksr_block_id;
};

/** Decode one 48-byte RamMemoryBlock value (pure). `what` names it in messages.
 *  @return 0; -EBADMSG (wrong size, overflowing ranges); -ENOTSUP (struct version != 3). */
int hv_rmb_parse(const uint8_t *buf, size_t len, const char *what, struct hv_rmb *out,
		 struct vms_error *err);

/** The chunk flags (VMS_CHUNK_*) of a metadata flags word. */
uint32_t hv_rmb_chunk_flags(uint32_t rmb_flags);

/** Version and key scheme of one container. */
struct hv_schema {
	uint32_t vm_version;	 /**< 0 when neither version key exists */
	bool old_scheme;	 /**< configuration version <= 5.0: `/savedVM/...` names */
	const char *version_key; /**< which key gave the version, or NULL */
};

/**
 * Read /savedstate/VmVersion (fallbacks /configuration/properties/version, §3.2, then a
 * root-level /VmVersion [G: old scheme]) and choose the key scheme. `prefer_old` picks the
 * old scheme when no version key exists (a .vsv).
 * Adds "hyperv.vm_version" and "hyperv.key_scheme" properties to m.
 * @return 0; -ENOTSUP (version <= 1.0); -EBADMSG (duplicate or non-integer version key).
 */
int hv_schema_detect(const struct hvs_container *c, bool prefer_old, struct vms_model *m,
		     struct hv_schema *s, struct vms_error *err);

/** Key of partition_state, RamMemoryBlock<i> or RamBlock<i> in the detected scheme, or
 *  HVS_NO_KEY. Old-scheme names contain slashes whose mapping onto nodes is unknown (§3.1):
 *  a literal root-level name, then nested nodes (with or without an empty last name) are
 *  tried [G]. */
uint32_t hv_schema_partition_state(const struct hvs_container *c, const struct hv_schema *s);
uint32_t hv_schema_ram_meta(const struct hvs_container *c, const struct hv_schema *s, uint64_t i);
uint32_t hv_schema_ram_block(const struct hvs_container *c, const struct hv_schema *s, uint64_t i);
/** Printable name of RamBlock<i> in the scheme, for messages. */
void hv_schema_ram_block_name(const struct hv_schema *s, uint64_t i, char *buf, size_t cap);

/**
 * Enumerate RamMemoryBlock0, 1, ... until the first missing index (§3.3) and add one chunk
 * per non-empty range (gpa, pages, raw_off = MbpIndexStart * 4096, flags). The count is capped
 * by opts->max_chunks through vms_model_add_chunk.
 * @param range_count  receives the number of metadata blocks found (0: no saved memory)
 * @param block_end    receives the number of RamBlocks the ranges need (highest raw page
 *                     + 1, rounded up to whole blocks)
 * @return 0; -EBADMSG, -ENOTSUP (see hv_rmb_parse); -EFBIG; -EIO; -ENOMEM.
 */
int hv_schema_map_memory(const struct hvs_container *c, const struct hv_schema *s,
			 struct vms_model *m, uint64_t *range_count, uint64_t *block_end,
			 struct vms_error *err);

/** Report keys whose meaning is unknown but look memory related (§3.2, §9 q9) as
 *  "hyperv.unknown_memory_key" properties and one warning. */
void hv_schema_report_unknown_keys(const struct hvs_container *c, struct vms_model *m);

#endif
