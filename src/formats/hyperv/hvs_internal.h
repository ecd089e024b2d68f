/* Internals of the HyperVStorage reader shared by its files (hyperv-format §2). Not for other
 * modules: they use hvs_container.h. */
#ifndef VMS_HYPERV_HVS_INTERNAL_H
#define VMS_HYPERV_HVS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/hyperv/hvs_container.h"

/* §2.1 constants */
#define HVS_HEADER_SIGNATURE 0x01282014u
#define HVS_HEADER_LEN 46u
#define HVS_HEADER_COPY1_OFF 0x1000u
#define HVS_ROOT_OBJTAB_OFF 0x2000u /* whatever the alignment field says [C; V] */
#define HVS_OBJTAB_SIGNATURE 0x01110001u
#define HVS_OBJTAB_HEADER_LEN 8u
#define HVS_OBJTAB_ENTRY_LEN 18u
#define HVS_KEYTAB_SIGNATURE 0x0002u
#define HVS_KEYTAB_HEADER_LEN 10u
#define HVS_KEY_ENTRY_HEADER_LEN 21u
#define HVS_REPLAY_SIGNATURE 0x01110003u
#define HVS_REPLAY_HEADER_LEN 34u
#define HVS_REPLAY_ENTRY_LEN 28u
#define HVS_FILE_POINTER_LEN 12u
#define HVS_ALIGN_MIN 0x1000u
#define HVS_ALIGN_MAX 0x10000u

/* §2.4 format versions */
#define HVS_VERSION_3_0 0x0300u
#define HVS_VERSION_3_1 0x0301u
#define HVS_VERSION_4_0 0x0400u

/* §2.5 object types */
enum hvs_obj_type {
	HVS_OBJ_EMPTY = 0,
	HVS_OBJ_OBJTAB = 1,
	HVS_OBJ_KEYTAB = 2,
	HVS_OBJ_FILE = 3,
	HVS_OBJ_FREE = 4,
};

/* Caps (rule 13): none is reached by a real file. */
#define HVS_MAX_OBJTABS 65536u /* a 10,000-RamBlock file needs ~45 */
#define HVS_MAX_KEYTAB_SIZE (64u << 20)
#define HVS_MAX_DEPTH 256u
#define HVS_MAX_REPLAY_ENTRIES 65536u
#define HVS_MAX_OVERLAY_BYTES (256u << 20)
#define HVS_MAX_STRING_BYTES (16u << 20)
#define HVS_DEFAULT_MAX_ALLOC (1ull << 30)

/** One file header copy (§2.2), decoded. */
struct hvs_header {
	uint32_t signature;
	uint32_t checksum;
	uint16_t sequence;
	uint32_t format_version;
	uint32_t data_version;
	uint32_t flags;
	uint32_t alignment;
	uint64_t replay_off;
	uint64_t replay_size;
	uint32_t replay_hdr_size;
	bool valid; /**< signature matches and CRC verifies */
};

/** One overlay patch from a pending replay-log entry (§2.10). */
struct hvs_patch {
	uint64_t file_off;
	uint32_t len;
	uint8_t *data;
};

struct hvs_fileobj {
	uint64_t file_off;
	uint32_t size;
};

/** Hash slot for (parent, name) → first child index. */
struct hvs_hslot {
	uint32_t key; /* HVS_NO_KEY = empty */
	bool dup;
};

struct hvs_arena_block;

struct hvs_container {
	struct vms_io io;
	uint32_t flags;
	uint64_t max_alloc;
	struct vms_model *m;		  /* only during hvs_open */
	const struct vms_open_opts *opts; /* only during hvs_open */

	struct hvs_header hdr[2];
	struct hvs_info info;

	struct hvs_patch *patches; /* applied in order: later entries win */
	uint32_t patch_count;
	uint64_t patch_lo, patch_hi; /* union bounds of all patches, for a quick miss */
	uint8_t replay_hdr_raw[HVS_REPLAY_HEADER_LEN]; /* as read, for the in-place apply */

	struct hvs_fileobj *fobjs; /* sorted by file_off */
	size_t fobj_count;
	struct hvs_key_table *tables; /* sorted by index */
	size_t table_count;

	struct hvs_key *keys;
	size_t key_count;
	uint32_t root_first; /* first root-level key */
	struct hvs_hslot *hash;
	size_t hash_cap; /* power of two */

	struct hvs_arena_block *arena;
	uint64_t arena_total;
};

/* hvs_open.c */
void hvs_warn(struct hvs_container *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Checksum failure policy: warn (return 0) or, with VMS_OPEN_STRICT, fail. */
int hvs_crc_fail(struct hvs_container *c, struct vms_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void *hvs_alloc(struct hvs_container *c, uint64_t bytes, const char *what, struct vms_error *err);
/** Copy into the container's string arena (lives until hvs_close). */
char *hvs_arena_strdup(struct hvs_container *c, const char *s, size_t len, struct vms_error *err);

/* hvs_header.c (pure) */
void hvs_header_decode(const uint8_t *buf, struct hvs_header *h);
/** Wrap-aware: a is newer than b when (uint16_t)(a - b) is in 1..32767 [G] §2.3. */
bool hvs_seq_newer(uint16_t a, uint16_t b);
/** Pick the active copy. @return 0 or 1, or -1 when neither is valid; *tie set on equal
 *  sequences (copy 0 used). */
int hvs_header_select(const struct hvs_header h[2], bool *tie);
int hvs_read_headers(struct hvs_container *c, struct vms_error *err);

/* hvs_replay.c */
/** Parse the replay log of the active header; build the overlay of pending entries when
 *  `want_overlay`. `strict_entries`: fail on any bad pending entry (in-place apply). */
int hvs_replay_load(struct hvs_container *c, bool want_overlay, bool strict_entries,
		    struct vms_error *err);
/** CRC-verify one 28-byte replay entry image. */
bool hvs_replay_entry_ok(const uint8_t *e);
void hvs_overlay_apply(const struct hvs_container *c, uint64_t file_off, uint8_t *buf, size_t len);
/** Overlay read with a message naming `what` on failure. */
int hvs_read(const struct hvs_container *c, uint64_t file_off, void *buf, size_t len,
	     const char *what, struct vms_error *err);

/* hvs_objtab.c */
int hvs_objtabs_load(struct hvs_container *c, struct hvs_key_table **kt_out, size_t *kt_count,
		     struct vms_error *err);
bool hvs_fileobj_find(const struct hvs_container *c, uint64_t file_off, uint32_t *size);

/* hvs_keytab.c */
struct hvs_entry; /* parsed entry before the tree is built */
int hvs_keytabs_load(struct hvs_container *c, struct hvs_key_table *cand, size_t cand_count,
		     struct vms_error *err);

/* hvs_string.c (pure) */
/** UTF-16LE → UTF-8 into out (capacity >= 3 * (len / 2) + 1). Bad units become U+FFFD.
 *  @return bytes written, excluding the NUL written after them. */
size_t hvs_utf16_to_utf8(const uint8_t *in, size_t len, char *out);

/* hvs_tree.c */
/** Raw entry as parsed from a key table: what the tree builder needs. */
struct hvs_entry {
	struct hvs_key k; /* value fields filled; tree fields not yet */
	uint16_t parent_table;
	uint32_t parent_off;
};
int hvs_tree_build(struct hvs_container *c, struct hvs_entry *e, size_t n, struct vms_error *err);

#endif
