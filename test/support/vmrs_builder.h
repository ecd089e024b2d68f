/* Test-only writer of synthetic Hyper-V .vmrs files (hyperv-format.md §2, §3, §4, §5): a
 * streaming HyperVStorage writer (file objects and key tables are written as they are
 * produced, object tables and headers last), so a multi-GiB guest can be written with a few
 * MiB of memory. Memory ranges with any MbpIndexStart layout, raw or token-encoded RamBlocks,
 * partition_state blobs (see partition_state_builder.h), replay-log entries and damage knobs.
 * Allocation and I/O failures abort the process (test code) unless stated otherwise. */
#ifndef VMS_TEST_VMRS_BUILDER_H
#define VMS_TEST_VMRS_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "support/ramblock_encode.h"

/** One RamMemoryBlock (§3.3). */
struct vmrs_range {
	uint64_t gpa;	    /**< first guest-physical address (page aligned) */
	uint64_t pages;	    /**< PageCountTotal */
	uint64_t mbp_start; /**< MbpIndexStart: first raw page */
	uint32_t flags;	    /**< HV_RMB_FLAG_* */
};

/** Fills one 4096-byte page of raw saved memory (raw page index `raw_page`). */
typedef void (*vmrs_page_fn)(void *ctx, uint64_t raw_page, uint8_t *page);

enum vmrs_block_mode {
	VMRS_BLOCK_AUTO = 0, /**< tokens: fill / LZ77 / raw per page (hv_ramblock_encode AUTO) */
	VMRS_BLOCK_RAW,	     /**< 1 MiB values, no tokens */
	VMRS_BLOCK_MIXED,    /**< every token kind: the page encodings in `page_enc` */
};

/** A replay-log entry to add (§2.10); data patches `dest_off` when pending. */
struct vmrs_log_entry {
	uint64_t dest_off;
	const void *data;
	uint32_t len;
	bool pending;
};

struct vmrs_desc {
	uint32_t vm_version;	 /**< /savedstate/VmVersion; 0: omit (default set by init) */
	uint32_t config_version; /**< /configuration/properties/version; 0: omit */
	bool old_names;		 /**< old-scheme key names (§3.1: .vsv style), no savedstate */
	bool no_savedstate;	 /**< runtime-state file: configuration keys only */
	const struct vmrs_range *ranges;
	size_t range_count;
	uint64_t block_count; /**< RamBlocks to write; 0: as many as the ranges need */
	const uint8_t *raw;   /**< raw memory (block_count MiB), or NULL to use page_fn */
	vmrs_page_fn page_fn; /**< NULL and raw NULL: pages filled with their raw index */
	void *page_ctx;
	enum vmrs_block_mode block_mode;
	const enum hv_page_enc *page_enc; /**< MIXED: 256 choices applied to every block */
	const uint64_t *skip_blocks;	  /**< RamBlock numbers not written (damage) */
	size_t skip_count;
	uint32_t rmb_version;		/**< default 3 */
	uint32_t rmb_len;		/**< default 48 (other values: damaged metadata) */
	const uint8_t *partition_state; /**< NULL: no partition_state key */
	size_t partition_state_len;
	bool unknown_memory_key;	  /**< add savedstate/RamVtlInfo0 (§9 q9) */
	const struct vmrs_log_entry *log; /**< pending entries first, then stale ones */
	size_t log_count;
};

void vmrs_desc_init(struct vmrs_desc *d);

/** Where values landed (absolute file offsets), for damage and replay-log tests. */
struct vmrs_layout {
	uint64_t ps_value_off;
	uint64_t *rmb_value_off;   /**< per range */
	uint64_t *block_value_off; /**< per RamBlock (0 when skipped) */
	uint32_t *block_value_len;
	uint64_t block_count;
	uint64_t file_len;
	uint64_t stored_ram_bytes; /**< sum of RamBlock value sizes */
};
void vmrs_layout_free(struct vmrs_layout *l);

/** Build into memory. *buf is malloc'd. layout may be NULL. @return 0 or -1. */
int vmrs_build_mem(const struct vmrs_desc *d, uint8_t **buf, size_t *len,
		   struct vmrs_layout *layout);
/** Stream to a file (created/truncated). layout may be NULL. @return 0 or -1. */
int vmrs_build_file(const struct vmrs_desc *d, const char *path, struct vmrs_layout *layout);

/** The default page content: every u64 of raw page r is (r << 12 | offset). */
void vmrs_page_default(void *ctx, uint64_t raw_page, uint8_t *page);

#endif
