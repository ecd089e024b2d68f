/* Legacy Hyper-V `.bin` keyed container (hyperv-format.md §6.2): header, index, name table,
 * and the map RamBlock number -> (file offset, stored size). Reverse-engineered from one
 * sample, raf-test_file.bin [V]; every field is validated against the file size. */
#ifndef VMS_HYPERV_BIN_CONTAINER_H
#define VMS_HYPERV_BIN_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

/* File header, §6.2 [V: raf-test_file.bin] */
#define HV_BIN_SIGNATURE 0x02182003u /* bytes 03 20 18 02 */
#define HV_BIN_HEADER_LEN 40u
#define HV_BIN_OFF_VERSION 4u	  /* 0x500 in the sample: configuration version 5.0 [G] */
#define HV_BIN_OFF_UNKNOWN8 8u	  /* 1 in the sample: format version? [G] */
#define HV_BIN_OFF_INDEX_CAP 12u  /* index capacity in entries [V] */
#define HV_BIN_OFF_INDEX 16u	  /* u64 file offset of the index [V] */
#define HV_BIN_OFF_NAMES 24u	  /* u64 file offset of the name table [V] */
#define HV_BIN_OFF_NAMES_CAP 32u  /* name table capacity in bytes [V] */
#define HV_BIN_OFF_NAMES_USED 36u /* name table bytes used [V] */
/* Index entry, §6.2 */
#define HV_BIN_ENTRY_LEN 24u
#define HV_BIN_ENTRY_NAME_OFF 0u /* u32 into the name table */
#define HV_BIN_ENTRY_NAME_LEN 4u /* u16 including the NUL */
#define HV_BIN_ENTRY_TYPE 6u	 /* u8, 1 in every sample entry [G: type?] */
#define HV_BIN_ENTRY_FLAGS 7u	 /* u8, 1 in every sample entry [G: valid?] */
#define HV_BIN_ENTRY_ALLOC 8u	 /* u32 data size rounded up to 0x1000 [V] */
#define HV_BIN_ENTRY_SIZE 12u	 /* u32 data size */
#define HV_BIN_ENTRY_DATA 16u	 /* u64 data file offset [V: 4 KiB aligned] */

/** Header fields as stored. */
struct hv_bin_header {
	uint32_t version;
	uint32_t unknown8;
	uint32_t index_cap;
	uint64_t index_off;
	uint64_t names_off;
	uint32_t names_cap;
	uint32_t names_used;
};

/** One RamBlock value. */
struct hv_bin_block {
	uint64_t number;   /**< N of `RamBlock/N/` */
	uint64_t file_off; /**< where the stored value starts */
	uint32_t len;	   /**< stored value size in bytes */
	uint32_t slot;	   /**< index entry it came from */
};

/** The parsed container; blocks sorted by number. Owned; free with hv_bin_free(). */
struct hv_bin_index {
	struct hv_bin_header hdr;
	struct hv_bin_block *blocks;
	size_t block_count;	  /**< entries in `blocks` */
	uint64_t block_span;	  /**< highest block number + 1 (0 when no blocks) */
	uint32_t used_slots;	  /**< non-zero index entries */
	uint32_t other_keys;	  /**< entries whose name is not RamBlock/N/ (ignored) */
	char first_other[64];	  /**< name of the first such entry, for a warning */
	uint32_t odd_entry_bytes; /**< entries whose +6/+7 bytes are not 1, 1 */
};

/**
 * Decode the 40-byte header from the first `len` bytes of the file (pure).
 * @return 0; -EBADMSG (short, or wrong signature; err names the value found)
 */
int hv_bin_parse_header(const uint8_t *buf, size_t len, struct hv_bin_header *hdr,
			struct vms_error *err);

/**
 * Parse a .bin container: header, index and name table, read through `io`.
 * @param opts  may be NULL; uses max_alloc (cap on the index and name-table reads) and
 *              VMS_OPEN_ZERO_MISSING (block numbers may have gaps; without it a gap in
 *              0..span-1 is -EBADMSG, §3.5 / §6.2 reader rules [G])
 * @return 0; -EBADMSG (bad signature, offsets or sizes outside the file, a name not
 *         NUL-terminated inside the used table, a bad block number, a duplicate block, a
 *         gap); -EFBIG (index or table larger than opts->max_alloc); -EIO; -ENOMEM;
 *         -ENODATA (no RamBlock entries at all).
 * Ownership: *out is released with hv_bin_free(). Never reads outside io->size.
 */
int hv_bin_open(const struct vms_io *io, const struct vms_open_opts *opts,
		struct hv_bin_index **out, struct vms_error *err);

/**
 * Where block `number` is stored.
 * @return 0; -ERANGE (number >= block_span); -ENOENT (a gap, only possible after opening
 *         with VMS_OPEN_ZERO_MISSING: read it as zeros). Thread safe (read only).
 */
int hv_bin_block(const struct hv_bin_index *idx, uint64_t number, uint64_t *file_off,
		 uint32_t *len);

/** Release. NULL is accepted. */
void hv_bin_free(struct hv_bin_index *idx);

#endif
