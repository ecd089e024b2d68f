/* HyperVStorage container reader (.vmrs, .vmcx, .vsv): headers, object tables, key tables,
 * key tree, values, file objects and the replay-log overlay (hyperv-format §2).
 *
 * This is the stable API the saved-state backend builds on. The container is parsed once at
 * hvs_open(); afterwards it is immutable, so every query and value read is safe concurrently
 * on one container. Every container read (tables and values) goes through the pending
 * replay-log overlay (§2.10) unless VMS_OPEN_IGNORE_REPLAY_LOG; the input is never written.
 */
#ifndef VMS_HYPERV_HVS_CONTAINER_H
#define VMS_HYPERV_HVS_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"

struct hvs_container;

/** "No key": the parent of a root-level key, the end of a child or sibling list. */
#define HVS_NO_KEY UINT32_MAX

/** On-disk key entry types (§2.7). */
enum hvs_raw_type {
	HVS_TYPE_FREE = 1,
	HVS_TYPE_UNKNOWN2 = 2, /* [S: DIS] undefined; surfaces as VMS_KEY_OTHER */
	HVS_TYPE_INT = 3,
	HVS_TYPE_UINT = 4,
	HVS_TYPE_DOUBLE = 5,
	HVS_TYPE_STRING = 6,
	HVS_TYPE_ARRAY = 7,
	HVS_TYPE_BOOL = 8,
	HVS_TYPE_NODE = 9,
};

/** Key entry flag bits (§2.6). */
#define HVS_KEY_FLAG_FILE_OBJECT 0x01u	/* value replaced by a 12-byte file-object pointer */
#define HVS_KEY_FLAG_SUBCOMPONENT 0x02u /* [S: OV-FMT] */
#define HVS_KEY_FLAG_SEQ_TRACKING 0x04u /* [S: OV-FMT] */

/**
 * One key (non-Free key entry) of the tree. Keys are numbered 0 .. hvs_key_count()-1 in
 * depth-first order with children in InsertionSequence order, so key i here is key i of
 * hvs_export_keys() / vms_key_get(). All pointers are owned by the container.
 *
 * Value fields by type:
 *  - VMS_KEY_INT / UINT: u64 (Int as two's complement). DOUBLE: u64 holds the IEEE bits.
 *  - VMS_KEY_BOOL: u64 is 0 or 1 (the on-disk u32 is non-zero = true).
 *  - VMS_KEY_STRING: str is the UTF-8 conversion (one trailing UTF-16 NUL stripped, bad
 *    UTF-16 replaced by U+FFFD); data_file_off/data_len locate the raw UTF-16 bytes.
 *  - VMS_KEY_ARRAY: bytes stored inline in the key table; VMS_KEY_FILE: an Array (or any
 *    type) whose value lives in a file object (flags & HVS_KEY_FLAG_FILE_OBJECT). Both are
 *    read with hvs_read_value(); data_len is the exact value length.
 *  - VMS_KEY_NODE: u64 is the ChangeTrackingSequence; children via first_child.
 *  - VMS_KEY_OTHER: on-disk type 2; data_* cover the bytes after the name.
 */
struct hvs_key {
	const char *name;      /**< UTF-8, NUL-terminated */
	uint32_t parent;       /**< index of the parent Node, HVS_NO_KEY for root level */
	uint32_t first_child;  /**< HVS_NO_KEY when none */
	uint32_t next_sibling; /**< HVS_NO_KEY at the end of the parent's list */
	uint32_t child_count;
	uint32_t depth; /**< 0 for root-level keys */
	enum vms_key_type type;
	uint8_t raw_type;	 /**< enum hvs_raw_type */
	uint8_t flags;		 /**< HVS_KEY_FLAG_* as on disk */
	uint32_t insertion_seq;	 /**< 1-based position among siblings (v4.0) */
	uint64_t u64;		 /**< see above */
	const char *str;	 /**< String value in UTF-8, else NULL */
	uint64_t data_file_off;	 /**< absolute file offset of the value bytes (Array/File/
				  *   String/Other); 0 for other types */
	uint64_t data_len;	 /**< value length in bytes */
	uint64_t entry_file_off; /**< absolute file offset of the key entry */
	uint16_t table_index;	 /**< TableIndex of the key table holding the entry */
	uint32_t table_off;	 /**< entry offset inside that key table */
	bool crc_ok;		 /**< the entry checksum verified */
};

/** Container-level facts, for inspect output and tests. */
struct hvs_info {
	uint32_t format_version; /**< header +10 of the active copy, e.g. 0x400 */
	unsigned active_header;	 /**< 0 or 1 */
	uint16_t sequence[2];	 /**< header copies' sequence numbers */
	bool header_valid[2];	 /**< signature and CRC verified */
	uint32_t data_alignment;
	uint64_t replay_off; /**< replay log region (file offset, bytes) */
	uint64_t replay_size;
	uint32_t replay_hdr_size; /**< header-area size; log data starts there */
	bool replay_valid;	  /**< signature and CRC of the log header verified */
	uint32_t replay_count;	  /**< current_entries_count as on disk */
	uint32_t replay_max;	  /**< maximum_number_of_entries */
	uint32_t replay_stale;	  /**< verified entries after current_entries_count */
	uint32_t replay_pending;  /**< entries honoured as an overlay (0 when ignored) */
	uint32_t object_table_count;
	uint64_t object_capacity;      /**< sum of the tables' entry counts */
	uint32_t object_type_count[8]; /**< entries per ObjectType 0..7 (all tables) */
	uint32_t key_table_count;      /**< key tables in use (after duplicate resolution) */
	uint32_t file_object_count;    /**< type-3 objects */
	uint32_t free_entry_count;     /**< Free key entries */
	uint32_t bad_crc_count;	       /**< key entries whose checksum failed */
	uint32_t warning_count;
};

/** One key table in use, sorted by TableIndex. */
struct hvs_key_table {
	uint16_t index;
	uint16_t sequence;
	uint64_t file_off;
	uint32_t size;
	uint32_t entry_count; /**< entries including Free ones */
};

/**
 * Parse a HyperVStorage container.
 * @param io    the file; must outlive the container. Read with io->pread only.
 * @param opts  NULL for defaults. Honoured: flags (VMS_OPEN_STRICT rejects checksum failures
 *              instead of warning; VMS_OPEN_IGNORE_REPLAY_LOG disables the overlay),
 *              max_alloc (cap on any single allocation), log (warnings when m is NULL).
 * @param m     may be NULL. Receives warnings (vms_model_warn) and properties
 *              ("hvs.format_version", "hvs.header_sequence", "hvs.replay_log", ...),
 *              and m->replay_pending.
 * @param out   receives the container; NULL on failure.
 * @return 0; -EINVAL (NULL io/out); -ENOMEM; -EIO; -EBADMSG (malformed: err->msg names the
 *         structure, offset and failed check); -ENOTSUP (format version other than 0x400,
 *         0x300, 0x301); -EFBIG (more tables/keys/bytes than the caps allow).
 * Never reads outside [0, io->size); memory is bounded by the file size and opts->max_alloc.
 */
int hvs_open(const struct vms_io *io, const struct vms_open_opts *opts, struct vms_model *m,
	     struct hvs_container **out, struct vms_error *err);

/** Free everything. NULL is accepted. Not thread safe with other calls on `c`. */
void hvs_close(struct hvs_container *c);

/** Container facts (owned by c). */
const struct hvs_info *hvs_get_info(const struct hvs_container *c);

/** Key tables in use: count, and table i (NULL when out of range). */
size_t hvs_key_table_count(const struct hvs_container *c);
const struct hvs_key_table *hvs_key_table_at(const struct hvs_container *c, size_t i);

/** Number of keys (non-Free entries reachable from the root). */
size_t hvs_key_count(const struct hvs_container *c);

/** Key `index` in depth-first order; NULL when index >= hvs_key_count(). */
const struct hvs_key *hvs_key_at(const struct hvs_container *c, uint32_t index);

/** Index of a key pointer returned by hvs_key_at(). */
uint32_t hvs_key_index(const struct hvs_container *c, const struct hvs_key *k);

/**
 * Child of `parent` (HVS_NO_KEY: root level) named `name` (byte-exact, case-sensitive).
 * With duplicates (siblings may share a name, §2.9) the first in InsertionSequence order is
 * returned and *dup (may be NULL) is set. O(1) average (hash table).
 * @return the key index or HVS_NO_KEY.
 */
uint32_t hvs_child(const struct hvs_container *c, uint32_t parent, const char *name, bool *dup);

/**
 * Look a key up by its path: names joined with '/', an optional leading '/', e.g.
 * "savedstate/RamMemoryBlock0". Each component resolves to the first sibling of that name.
 * @return the key index or HVS_NO_KEY.
 */
uint32_t hvs_lookup(const struct hvs_container *c, const char *path);

/**
 * Like hvs_lookup, for callers that expect exactly one value (§2.9): fails when any path
 * component is ambiguous.
 * @return 0 with *index set; -ENOENT (absent); -EBADMSG (a component has duplicate names).
 */
int hvs_find(const struct hvs_container *c, const char *path, uint32_t *index,
	     struct vms_error *err);

/** Write the full path of key `index` ("/configuration/properties/version") into buf.
 *  @return the path length, or -ERANGE (bad index), -ENOSPC (buf too small; truncated). */
int hvs_key_path(const struct hvs_container *c, uint32_t index, char *buf, size_t cap);

/**
 * Read `len` bytes at `off` of a key's value bytes (Array/File/String/Other), through the
 * replay-log overlay. Bounds-checked against data_len; one io->pread, no extra copy beyond
 * patching overlapping replay entries. Thread safe.
 * @return 0; -EINVAL (key without value bytes); -ERANGE (off+len past data_len); -EIO.
 */
int hvs_read_value(const struct hvs_container *c, const struct hvs_key *k, uint64_t off, void *buf,
		   size_t len, struct vms_error *err);

/**
 * Read container bytes at an absolute file offset through the overlay (what hvs_read_value
 * does after its bounds check; for backends given only a vms_model_key's data_file_off).
 * @return 0; -EBADMSG (outside the file); -EIO. Thread safe.
 */
int hvs_read_file(const struct hvs_container *c, uint64_t file_off, void *buf, size_t len,
		  struct vms_error *err);

/** Pending replay-log entries honoured as an overlay (0 when none or ignored). */
uint32_t hvs_replay_pending(const struct hvs_container *c);

/**
 * Append every key to m->keys, depth-first (same order as hvs_key_at), via
 * vms_model_add_key, for `vmsavedstate keys`. data_file_off/data_len are filled for
 * Array/File keys so a backend's read_key can call hvs_read_file().
 * @return 0; -ENOMEM; -EFBIG (model caps).
 */
int hvs_export_keys(const struct hvs_container *c, struct vms_model *m, struct vms_error *err);

#endif
