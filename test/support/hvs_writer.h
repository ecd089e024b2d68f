/* Test-only HyperVStorage writer (hyperv-format §2): builds a container image in memory from
 * a key tree, with knobs for chained object tables, several key tables, header sequences,
 * file objects and replay-log entries, plus helpers to damage an image and re-seal CRCs.
 *
 * Typical use:
 *	struct hvs_writer *w = hvs_writer_new(NULL);
 *	uint32_t ss = hvs_w_node_path(w, "savedstate");
 *	hvs_w_uint(w, ss, "VmVersion", 0x900);
 *	hvs_w_array_ref(w, ss, "RamBlock0", block, 1 << 20); // no copy; keep `block` alive
 *	struct hvs_image img;
 *	hvs_writer_build(w, &img);          // img.buf / img.len, plus where things went
 *	hvs_image_write_file(&img, path);   // or vms_io_mem_init(&io, img.buf, img.len, ...)
 *	hvs_image_free(&img); hvs_writer_free(w);
 *
 * Every function aborts the process on allocation failure or misuse (it is test code); the
 * build returns -1 with a message on stderr for layouts that cannot be built.
 */
#ifndef VMS_TEST_HVS_WRITER_H
#define VMS_TEST_HVS_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Parent id of root-level keys. Key ids are returned by the hvs_w_* calls. */
#define HVS_W_ROOT UINT32_MAX

struct hvs_writer_opts {
	uint32_t format_version;    /**< default 0x400 */
	uint16_t seq[2];	    /**< header copies' sequences; default {2, 1} */
	uint32_t alignment;	    /**< DataAlignmentInBytes; default 0x1000 */
	uint32_t key_table_size;    /**< default 4096 */
	uint32_t objtab_capacity;   /**< entries per object table incl. the chain slot;
				     *   default 227. Small values force chains */
	uint32_t file_threshold;    /**< values >= this go to file objects; default 2048 */
	uint32_t replay_size;	    /**< replay log region size; default 0x4000 */
	uint32_t replay_hdr_size;   /**< header area; default 0x1000 */
	uint16_t first_table_index; /**< TableIndex of the first key table; default 1 */
	bool reverse_entries;	    /**< write entries in reverse creation order, so children
				     *   precede parents (exercises the two-pass tree build) */
	bool strings_with_nul;	    /**< OV-WR style: length includes a UTF-16 NUL */
	uint8_t file_object_flags;  /**< object-table Flags for type-3 entries; default 0 */
};

/** Where the build put things (absolute file offsets). */
struct hvs_image_table {
	uint16_t index;
	uint64_t file_off;
	uint32_t size;
};

struct hvs_image {
	uint8_t *buf;
	size_t len;
	uint64_t *objtab_off; /**< object tables in chain order (objtab_count) */
	uint32_t objtab_count;
	struct hvs_image_table *key_tables; /**< key_table_count, in index order */
	uint32_t key_table_count;
	uint64_t replay_off;
	uint32_t replay_size;
	uint32_t replay_hdr_size;
	uint32_t replay_data_used; /**< bytes of log data used after the header area */
	uint32_t replay_entries;   /**< entries written (pending + stale) */
	/* per key id (index = id): entry and value locations */
	uint64_t *key_entry_off; /**< key entry file offset */
	uint64_t *key_value_off; /**< value bytes (inline or file object) file offset */
	size_t key_count;
};

struct hvs_writer;

/** opts may be NULL for defaults (the struct is copied). */
struct hvs_writer *hvs_writer_new(const struct hvs_writer_opts *opts);
void hvs_writer_free(struct hvs_writer *w);
void hvs_writer_opts_init(struct hvs_writer_opts *opts);

/* Keys. `parent` is HVS_W_ROOT or a node id. Children are numbered 1.. in call order
 * (InsertionSequence). Return the new key id (0, 1, 2, ... in call order). */
uint32_t hvs_w_node(struct hvs_writer *w, uint32_t parent, const char *name);
/** Create (or find, by exact name among this writer's nodes) every node of "a/b/c"; returns
 *  the last one. */
uint32_t hvs_w_node_path(struct hvs_writer *w, const char *path);
uint32_t hvs_w_int(struct hvs_writer *w, uint32_t parent, const char *name, int64_t v);
uint32_t hvs_w_uint(struct hvs_writer *w, uint32_t parent, const char *name, uint64_t v);
uint32_t hvs_w_double(struct hvs_writer *w, uint32_t parent, const char *name, double v);
uint32_t hvs_w_bool(struct hvs_writer *w, uint32_t parent, const char *name, bool v);
/** UTF-8 (ASCII, BMP and supplementary planes) converted to UTF-16LE. */
uint32_t hvs_w_string(struct hvs_writer *w, uint32_t parent, const char *name, const char *s);
/** Array value, copied. >= file_threshold bytes become a file object. */
uint32_t hvs_w_array(struct hvs_writer *w, uint32_t parent, const char *name, const void *data,
		     size_t len);
/** Array value by reference: `data` must stay valid until hvs_writer_build() returns. The
 *  efficient way to add RamBlocks. */
uint32_t hvs_w_array_ref(struct hvs_writer *w, uint32_t parent, const char *name, const void *data,
			 size_t len);
/** Any on-disk type with raw value bytes (copied), written verbatim after the name (or into a
 *  file object when `file_object`). For type 2 or odd encodings. */
uint32_t hvs_w_raw(struct hvs_writer *w, uint32_t parent, const char *name, uint8_t type,
		   const void *value, size_t len, bool file_object);
/** Force this key's value into a file object (or inline: false) regardless of size. */
void hvs_w_set_file_object(struct hvs_writer *w, uint32_t key, bool file_object);
/** Extra entry flag bits ORed into the on-disk Flags byte (e.g. 0x02 Subcomponent). */
void hvs_w_set_flags(struct hvs_writer *w, uint32_t key, uint8_t flags);

/** Build the image. @return 0, or -1 (message on stderr). The image owns its buffers. */
int hvs_writer_build(struct hvs_writer *w, struct hvs_image *img);
void hvs_image_free(struct hvs_image *img);
/** Write the image to `path` (created/truncated). @return 0 or -1. */
int hvs_image_write_file(const struct hvs_image *img, const char *path);

/* Replay log. Appends an entry (data copied into the log data area) with valid CRCs.
 * pending=true: the entry is counted in current_entries_count (entries must be added
 * pending first, then stale ones); the destination is NOT modified, as after a crash.
 * @return the entry number, or -1 when the log is full. */
int hvs_image_log_entry(struct hvs_image *img, uint64_t dest_off, const void *data, uint32_t len,
			bool pending);
/** File offset of replay entry i's 28 bytes. */
uint64_t hvs_image_log_entry_off(const struct hvs_image *img, uint32_t i);

/* Re-seal checksums after a test modified bytes on purpose. */
void hvs_image_reseal_header(struct hvs_image *img, unsigned copy);
void hvs_image_reseal_objtab_entry(struct hvs_image *img, uint64_t entry_off);
void hvs_image_reseal_key_table(struct hvs_image *img, uint64_t table_off);
/** Recompute a key entry's CRC from its header, name and value (value length from type). */
void hvs_image_reseal_key_entry(struct hvs_image *img, uint64_t entry_off);
void hvs_image_reseal_replay_header(struct hvs_image *img);

/** File offset of object-table entry `slot` of object table `t`. */
uint64_t hvs_image_objtab_entry_off(const struct hvs_image *img, uint32_t t, uint32_t slot);

#endif
