/* The contract between the core and a format backend (STYLE.md rule 3).
 *
 * A backend recognises its format with a pure probe, then fills a struct vms_model at open:
 * the memory map (chunks over a raw saved-memory space), the VPs with their register banks,
 * and descriptive properties. The core owns caching, GPA and GVA reads, translation and
 * every public call; a backend only answers "give me raw block N" or "give me raw bytes".
 */
#ifndef VMS_CORE_BACKEND_H
#define VMS_CORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

#include "core/error.h"

#define VMS_PAGE_SIZE 4096u
#define VMS_MAX_VTLS 16u
#define VMS_MAX_SOURCES 4u

/** One VTL's register file. `present` has bit r set when register r was saved. */
struct vms_reg_bank {
	uint64_t lo[VMS_REG_COUNT];
	uint64_t hi[VMS_REG_COUNT];
	uint64_t present[(VMS_REG_COUNT + 63) / 64];
};

/** One virtual processor as the backend saw it. */
struct vms_vp_state {
	uint32_t hv_index;  /**< hypervisor VP index */
	enum vms_arch arch; /**< VMS_ARCH_UNKNOWN: derive from the registers */
	/** Paging mode stated by the source (e.g. a raw image's sidecar);
	 *  VMS_PAGING_INVALID (0): derive from the registers. */
	enum vms_paging paging;
	uint8_t active_vtl;			  /**< VTL the VP ran in */
	uint32_t vtl_mask;			  /**< VTLs with a bank */
	struct vms_reg_bank *banks[VMS_MAX_VTLS]; /**< NULL where the VTL is absent */
};

/** One key of a container key tree (see struct vms_key in the public header). */
struct vms_model_key {
	char *name;
	char *str;
	unsigned depth;
	enum vms_key_type type;
	uint64_t u64;
	uint64_t data_len;
	uint64_t data_file_off; /**< where Array/File bytes live in source 0, for vms_key_read */
	bool crc_ok;
};

struct vms_model_prop {
	char *key;
	char *value;
};

/**
 * What a backend hands the core. Backends fill it through the vms_model_* helpers (model.c),
 * which enforce the caps in the open options; the core frees it.
 */
struct vms_model {
	/* memory: chunks sorted by gpa, non-overlapping, each inside [0, raw_size) of raw memory */
	struct vms_chunk *chunks;
	size_t chunk_count;
	size_t chunk_cap;
	uint64_t raw_size;
	/** Size of a decodable unit of raw memory for read_block (e.g. 1 MiB for Hyper-V);
	 *  0 when the backend serves raw bytes directly with read_raw. */
	uint32_t block_size;

	/* processors */
	struct vms_vp_state *vps;
	uint32_t vp_count;
	uint32_t guest_vtl_mask;
	uint64_t guest_os_id[VMS_MAX_VTLS];
	uint32_t guest_os_id_mask; /**< bit n: guest_os_id[n] is known */

	/* description */
	struct vms_model_prop *props;
	size_t prop_count;
	size_t prop_cap;
	struct vms_model_key *keys;
	size_t key_count;
	size_t key_cap;
	uint32_t replay_pending;
	char format_name[32]; /**< set by the backend when it refines its ops name */

	/* limits copied from the open options; the helpers enforce them */
	const struct vms_open_opts *opts;
	/** sources, in the order the backend decided (e.g. .bin then .vsv) */
	const struct vms_io *ios;
	size_t io_count;
	/** the path of each source when opened by path (NULL for vms_open_io): a backend may
	 *  look for companion files next to it (the raw backend's JSON sidecar) */
	const char *paths[VMS_MAX_SOURCES];
};

struct vms_backend_ops {
	const char *name;
	/** Bid 0 (not mine) .. 100 (certain) on the first `len` bytes of one file. Pure: reads
	 *  only head[0..len), allocates nothing, no I/O. */
	int (*probe)(const uint8_t *head, size_t len);
	/** Parse the sources and fill `m`; on success set *ctx to the backend's state. On
	 *  failure, free what it allocated itself (the core frees the model). */
	int (*open)(struct vms_model *m, void **ctx, struct vms_error *err);
	void (*close)(void *ctx);
	/** Decode raw block `index` (covering raw bytes [index*block_size, +block_size)) into
	 *  `dst` of exactly m->block_size bytes. Thread safe. NULL when block_size == 0. */
	int (*read_block)(void *ctx, uint64_t index, uint8_t *dst, struct vms_error *err);
	/** Read raw bytes directly (formats whose raw memory is plain file bytes). Thread safe.
	 *  Called only with ranges inside [0, raw_size). NULL when block_size != 0. */
	int (*read_raw)(void *ctx, uint64_t raw_off, void *buf, size_t len, struct vms_error *err);
	/** Read bytes of an Array/File key's value. NULL when the format has no key tree. */
	int (*read_key)(void *ctx, const struct vms_model_key *key, uint64_t off, void *buf,
			size_t len, struct vms_error *err);
};

/* ---- model helpers (model.c) ---- */

/** Append a chunk; chunks may arrive in any order (vms_model_finish sorts and checks). */
int vms_model_add_chunk(struct vms_model *m, uint64_t gpa, uint64_t pages, uint64_t raw_off,
			uint32_t flags, struct vms_error *err);
/** Allocate `count` zeroed VPs (checked against opts->max_vps). */
int vms_model_alloc_vps(struct vms_model *m, uint32_t count, struct vms_error *err);
/** The bank of (vp, vtl), allocated on first use. */
int vms_model_bank(struct vms_model *m, uint32_t vp, uint8_t vtl, struct vms_reg_bank **out,
		   struct vms_error *err);
/** Append a property; both strings are copied. Formatting variant too. */
int vms_model_add_prop(struct vms_model *m, const char *key, const char *value);
int vms_model_add_propf(struct vms_model *m, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** Append a warning property and pass it to opts->log. */
void vms_model_warn(struct vms_model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** Append a key; name and str (may be NULL) are copied. */
int vms_model_add_key(struct vms_model *m, const struct vms_model_key *key);
/** Sort and validate chunks (no overlap, inside raw_size). Called by the core after open. */
int vms_model_finish(struct vms_model *m, struct vms_error *err);
void vms_model_free(struct vms_model *m);

static inline void vms_bank_set(struct vms_reg_bank *b, enum vms_reg r, uint64_t lo, uint64_t hi)
{
	b->lo[r] = lo;
	b->hi[r] = hi;
	b->present[r / 64] |= 1ull << (r % 64);
}

static inline bool vms_bank_has(const struct vms_reg_bank *b, enum vms_reg r)
{
	return (b->present[r / 64] >> (r % 64)) & 1u;
}

/** Read exactly len bytes of source `io` at `off`, with a bounds check and a message naming
 *  `what` on failure. */
int vms_io_read(const struct vms_io *io, uint64_t off, void *buf, size_t len, const char *what,
		struct vms_error *err);

/** Allocation helpers that honour opts->max_alloc. */
void *vms_model_alloc(const struct vms_model *m, uint64_t bytes, const char *what,
		      struct vms_error *err);

#endif
