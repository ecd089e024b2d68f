/* Test-only writer of legacy Hyper-V .bin containers (hyperv-format.md §6.2), laid out like
 * raf-test_file.bin: header page, 4 KiB-aligned values, index, then the name table. Used by
 * the .bin tests, the fuzz seed generator and fixture writers. Allocation failures abort. */
#ifndef VMS_TEST_HV_BIN_BUILDER_H
#define VMS_TEST_HV_BIN_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "support/ramblock_encode.h"

/** One index entry to write. */
struct hv_bin_entry_spec {
	const char *name;    /**< e.g. "RamBlock/0/" (NUL written after it) */
	const uint8_t *data; /**< stored value */
	uint32_t len;
};

/** Where the builder put things, for tests that corrupt one field. */
struct hv_bin_layout {
	uint64_t index_off;
	uint64_t names_off;
	uint64_t entry_data_off[64]; /**< data offset of the first 64 entries */
};

/**
 * Write a .bin with `count` entries in the given order into `out` (appended).
 * @param index_cap  index slots (0: 1024 like the sample); must be >= count
 * @param layout     optional
 * @return 0, -EINVAL (index_cap < count)
 */
int hv_bin_build(const struct hv_bin_entry_spec *entries, size_t count, uint32_t index_cap,
		 struct hv_tokbuf *out, struct hv_bin_layout *layout);

/**
 * Encode `block_count` MiB of guest memory as RamBlock/0/.. values (with `opts` for every
 * block, may be NULL) and write them as a .bin. `order` (may be NULL) lists block numbers in
 * index order, e.g. to mimic the sample's completion order. @return 0, -EINVAL
 */
int hv_bin_build_memory(const uint8_t *mem, size_t block_count,
			const struct hv_ramblock_enc_opts *opts, const uint32_t *order,
			struct hv_tokbuf *out);

#endif
