/* libvmsavedstate: open virtual-machine saved states and read guest memory and CPU state.
 *
 * Conventions for every function below, unless its own comment says otherwise:
 *  - Return 0 (or a non-negative count) on success and a negative errno-style code on
 *    failure, from this vocabulary only:
 *      -EINVAL  caller misuse (NULL where not allowed, bad flags)
 *      -ENOMEM  allocation failed
 *      -EIO     the underlying read failed
 *      -EBADMSG malformed input
 *      -ENOTSUP valid but unsupported version or feature
 *      -EPROTONOSUPPORT no backend recognised the file
 *      -EFAULT  address not mapped or not present
 *      -ERANGE  index (VP, VTL, register, chunk) out of range
 *      -EFBIG   the input demands more than the configured caps
 *      -ENOENT  a named file or item does not exist
 *      -ENODATA the saved state does not hold the requested kind of data
 *    vms_strerror() names them.
 *  - `err` may be NULL. When not NULL and the call fails, err->code is the return value and
 *    err->msg names the structure, the file offset and the failed check.
 *  - Address spaces are spelled out: gpa (guest-physical), gva (guest-virtual), raw_off
 *    (offset into the raw saved memory, the concatenation of all saved RAM).
 *  - Thread safety: every query, read and translation is safe concurrently on one handle.
 *    vms_close() and the vms_vp_force_* / vms_memory_fix calls are not safe concurrently with
 *    anything else on the same handle.
 *  - Hostile input: the library never reads outside the file, never writes to it (except
 *    vms_replay_log_apply), never allocates more than the caps in struct vms_open_opts.
 */
#ifndef VMSAVEDSTATE_H
#define VMSAVEDSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmsavedstate/version.h>
#include <vmsavedstate/vmsavedstate_regs.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VMS_API __attribute__((visibility("default")))
#else
#define VMS_API
#endif

/** Opaque handle of one opened saved state. */
typedef struct vms_handle vms_handle;

/** Error details filled at the failure site. Caller-owned; no allocation. */
struct vms_error {
	int code;      /**< the negative code the call returned */
	char msg[256]; /**< NUL-terminated, one line, no trailing newline */
};

/** Architecture of a virtual processor. Values match Microsoft's VIRTUAL_PROCESSOR_ARCH. */
enum vms_arch {
	VMS_ARCH_UNKNOWN = 0,
	VMS_ARCH_X86 = 1,
	VMS_ARCH_X64 = 2,
	VMS_ARCH_ARM64 = 3,
};

/** Paging mode. Values 0-5 match Microsoft's PAGING_MODE; VMS_PAGING_LONG5 is ours (LA57). */
enum vms_paging {
	VMS_PAGING_INVALID = 0,
	VMS_PAGING_NONE = 1,  /**< paging disabled: GVA == GPA */
	VMS_PAGING_X86 = 2,   /**< 2-level 32-bit, 4 MiB pages with CR4.PSE */
	VMS_PAGING_PAE = 3,   /**< 3-level PAE */
	VMS_PAGING_LONG = 4,  /**< 4-level long mode */
	VMS_PAGING_ARMV8 = 5, /**< ARMv8-A stage 1, TTBR0/TTBR1 */
	VMS_PAGING_LONG5 = 6, /**< 5-level long mode (CR4.LA57); Microsoft reports Paging_Long */
};

/** One range of guest-physical memory that the saved state holds. */
struct vms_chunk {
	uint64_t gpa;	  /**< first guest-physical address, page aligned */
	uint64_t pages;	  /**< length in pages of vms_page_size() bytes */
	uint64_t raw_off; /**< where the range starts in the raw saved memory */
	uint32_t flags;	  /**< VMS_CHUNK_* */
};
#define VMS_CHUNK_HOT_ADDED (1u << 0)
#define VMS_CHUNK_VTL2 (1u << 1)
#define VMS_CHUNK_SGX (1u << 2)

/** A register value: 64-bit registers use lo only; 128-bit ones use both halves. */
struct vms_reg_value {
	uint64_t lo;
	uint64_t hi;
};

/** Options for vms_open(). Initialise with vms_open_opts_init() before setting fields. */
struct vms_open_opts {
	uint64_t cache_bytes; /**< decoded-block cache budget in bytes (default 256 MiB) */
	uint32_t max_vps;     /**< cap on VPs a file may declare (default 4096) */
	uint32_t max_chunks;  /**< cap on memory ranges (default 1,000,000) */
	uint64_t max_alloc;   /**< cap on any single allocation driven by file contents
				   (default 1 GiB; 0 selects the default) */
	uint32_t flags;	      /**< VMS_OPEN_* */
	/** Optional diagnostics sink: warnings the reader tolerated. Called synchronously. */
	void (*log)(void *log_ctx, const char *msg);
	void *log_ctx;
};
/** Open only the container metadata (key tree, headers): no memory or CPU state needed. */
#define VMS_OPEN_METADATA_ONLY (1u << 0)
/** Missing memory blocks inside a declared range read as zeros instead of failing. */
#define VMS_OPEN_ZERO_MISSING (1u << 1)
/** Reject entries whose checksums fail instead of reporting and using them. */
#define VMS_OPEN_STRICT (1u << 2)
/** Ignore a pending replay log instead of applying it as an in-memory overlay. */
#define VMS_OPEN_IGNORE_REPLAY_LOG (1u << 3)
/** Do not start the read-ahead thread that decodes the next memory block while a reader
 *  walks the raw memory sequentially (formats with compressed blocks only). */
#define VMS_OPEN_NO_PREFETCH (1u << 4)

/** Fill `opts` with defaults. Never fails. */
VMS_API void vms_open_opts_init(struct vms_open_opts *opts);

/** Names of the formats this build reads ("raw", "hyperv-vmrs", ...), for --version.
 *  Copies up to `capacity` static strings into `names` (may be NULL with capacity 0) and
 *  returns the total number of formats. */
VMS_API size_t vms_format_list(const char **names, size_t capacity);

/** Library version string, e.g. "0.1.0". Static storage. */
VMS_API const char *vms_version(void);

/** Human-readable name of a code returned by this library ("EBADMSG: malformed input").
 *  Static storage; unknown codes give "unknown error". */
VMS_API const char *vms_strerror(int code);

/** Short name of an errno-style code ("EBADMSG"), for JSON error objects. Static storage. */
VMS_API const char *vms_errname(int code);

/* ------------------------------------------------------------------------------------ */
/* I/O                                                                                   */

/**
 * A random-access byte source. `pread` must read exactly `len` bytes at `off` or fail with a
 * negative errno (it never returns a short read); `size` is the source length in bytes.
 * `name` is used in messages and may be NULL. The library never writes through it.
 */
struct vms_io {
	int (*pread)(void *ctx, void *buf, size_t len, uint64_t off);
	uint64_t size;
	void *ctx;
	const char *name;
};

/** Wrap a caller-owned buffer as a vms_io. `buf` must outlive every handle using it. */
VMS_API void vms_io_mem_init(struct vms_io *io, const void *buf, size_t len, const char *name);

/* ------------------------------------------------------------------------------------ */
/* Opening and closing                                                                   */

/**
 * Open one saved state file read-only, detecting its format from its first bytes.
 * @param path  file to open (regular file; symlinks are resolved first)
 * @param opts  NULL for defaults
 * @param out   receives the handle; set to NULL on failure
 * @return 0; -EINVAL, -ENOENT, -EIO, -ENOMEM, -EBADMSG, -ENOTSUP, -EPROTONOSUPPORT,
 *         -EFBIG, -ENODATA (the file is valid but holds no saved memory or CPU state)
 * Ownership: release with vms_close(). Thread safety: independent calls are safe.
 */
VMS_API int vms_open(const char *path, const struct vms_open_opts *opts, vms_handle **out,
		     struct vms_error *err);

/**
 * Open a saved state made of several files: a legacy Hyper-V `.bin` plus its `.vsv`
 * (in either order), or one file. Same codes as vms_open().
 */
VMS_API int vms_open_files(const char *const *paths, size_t path_count,
			   const struct vms_open_opts *opts, vms_handle **out,
			   struct vms_error *err);

/**
 * Open over caller-provided byte sources (memory buffers, custom readers). The `ios` array
 * is copied; the sources themselves must outlive the handle. Same codes as vms_open().
 */
VMS_API int vms_open_io(const struct vms_io *ios, size_t io_count, const struct vms_open_opts *opts,
			vms_handle **out, struct vms_error *err);

/** Release the handle and everything it owns. NULL is accepted. Not thread safe. */
VMS_API void vms_close(vms_handle *h);

/* ------------------------------------------------------------------------------------ */
/* Description                                                                           */

/** Backend name ("raw", "hyperv-vmrs", "hyperv-bin", "qemu-elf", ...). Owned by the handle. */
VMS_API const char *vms_format_name(const vms_handle *h);

/** Guest page size in bytes (4096 for every current format). */
VMS_API uint32_t vms_page_size(const vms_handle *h);

/**
 * Backend properties as ordered (key, value) text pairs: container versions, configuration
 * version, replay-log state, warnings the reader tolerated ("warning" keys), unknown items.
 * @param index  0 .. count-1
 * @return the number of properties when key and value are NULL; otherwise 0, or -ERANGE.
 * The strings are owned by the handle and live until vms_close().
 */
VMS_API int vms_property_get(const vms_handle *h, size_t index, const char **key,
			     const char **value);

/** Number of pending replay-log entries honoured as an in-memory overlay at open (0 if the
 *  format has no replay log). */
VMS_API uint32_t vms_replay_pending(const vms_handle *h);

/** Number of input files and the name/size of each, as given to the open call. */
VMS_API size_t vms_source_count(const vms_handle *h);
VMS_API int vms_source_get(const vms_handle *h, size_t index, const char **name, uint64_t *size);

/* ------------------------------------------------------------------------------------ */
/* Virtual processors                                                                    */

/** Number of VPs. Returns 0 for a memory-only saved state (e.g. a .bin without its .vsv). */
VMS_API uint32_t vms_vp_count(const vms_handle *h);

/** Hypervisor VP index of API VP `vp` (the two differ only for sparse VP sets).
 *  @return 0, -ERANGE */
VMS_API int vms_vp_hv_index(const vms_handle *h, uint32_t vp, uint32_t *hv_index);

/** Architecture of VP `vp` (after any vms_vp_force_arch). @return 0, -ERANGE */
VMS_API int vms_vp_arch(const vms_handle *h, uint32_t vp, enum vms_arch *arch);

/** Paging mode of VP `vp` (after any vms_vp_force_paging). Derived from CR0.PG, EFER.LMA,
 *  CR4.PAE and CR4.LA57, or the ARM64 translation controls. @return 0, -ERANGE */
VMS_API int vms_vp_paging(const vms_handle *h, uint32_t vp, enum vms_paging *mode);

/** Override the architecture used for VP `vp`. @return 0, -ERANGE, -EINVAL. Not thread safe. */
VMS_API int vms_vp_force_arch(vms_handle *h, uint32_t vp, enum vms_arch arch);

/** Override the paging mode used for translation. @return 0, -ERANGE, -EINVAL. Not thread
 *  safe. */
VMS_API int vms_vp_force_paging(vms_handle *h, uint32_t vp, enum vms_paging mode);

/** VTL the VP ran in at save time (after any force). @return 0, -ERANGE */
VMS_API int vms_vp_active_vtl(const vms_handle *h, uint32_t vp, uint8_t *vtl);

/** Bitmap of VTLs with a register bank for VP `vp` (bit n = VTL n). @return 0, -ERANGE */
VMS_API int vms_vp_enabled_vtls(const vms_handle *h, uint32_t vp, uint32_t *vtl_mask);

/** Bitmap of VTLs enabled in the partition. @return 0 */
VMS_API int vms_guest_enabled_vtls(const vms_handle *h, uint32_t *vtl_mask);

/** Read registers and translate as VTL `vtl` from now on. @return 0, -ERANGE (no such VP),
 *  -ENODATA (the VP has no bank for that VTL). Not thread safe. */
VMS_API int vms_vp_force_vtl(vms_handle *h, uint32_t vp, uint8_t vtl);

/** Whether VP `vp` was in kernel mode (x86/x64: CPL 0; ARM64: EL1). @return 0, -ERANGE,
 *  -ENODATA (no register state) */
VMS_API int vms_vp_in_kernel(const vms_handle *h, uint32_t vp, bool *in_kernel);

/** Guest OS id (HV_GUEST_OS_ID, Microsoft's GUEST_OS_INFO) reported for VTL `vtl`; 0 for an
 *  unenlightened guest. @return 0, -ERANGE, -ENODATA */
VMS_API int vms_guest_os_id(const vms_handle *h, uint8_t vtl, uint64_t *os_id);

/**
 * Read one register of VP `vp` in its active VTL.
 * @return 0; -ERANGE (bad VP or register id); -ENODATA (the saved state does not hold that
 *         register for this VP)
 */
VMS_API int vms_vp_get_register(const vms_handle *h, uint32_t vp, enum vms_reg reg,
				struct vms_reg_value *value, struct vms_error *err);

/** Same, for an explicit VTL instead of the active one. */
VMS_API int vms_vp_get_register_vtl(const vms_handle *h, uint32_t vp, uint8_t vtl, enum vms_reg reg,
				    struct vms_reg_value *value, struct vms_error *err);

/** Lower-case name of a register ("rax", "cs_base", "x0"); NULL for an invalid id. */
VMS_API const char *vms_reg_name(enum vms_reg reg);
/** Width of a register in bits (64 or 128); 0 for an invalid id. */
VMS_API unsigned vms_reg_width(enum vms_reg reg);
/** Look a register up by its lower-case name. @return 0, -ENOENT */
VMS_API int vms_reg_from_name(const char *name, enum vms_reg *reg);
/** Whether a register belongs to `arch`'s register set (x86 and x64 share one). */
VMS_API bool vms_reg_in_arch(enum vms_reg reg, enum vms_arch arch);

/** Short names used in text and JSON output: "x86", "x64", "arm64", "unknown". */
VMS_API const char *vms_arch_name(enum vms_arch arch);
/** "invalid", "none", "x86", "pae", "long", "armv8", "long5". */
VMS_API const char *vms_paging_name(enum vms_paging mode);

/* ------------------------------------------------------------------------------------ */
/* Guest-physical and raw memory                                                         */

/**
 * Copy the chunk list (sorted by gpa, non-overlapping) into `chunks`.
 * @param capacity  entries `chunks` can hold (may be 0 with chunks NULL)
 * @return the total number of chunks (which may exceed capacity: only `capacity` are
 *         copied); never negative.
 */
VMS_API size_t vms_chunk_list(const vms_handle *h, struct vms_chunk *chunks, size_t capacity);

/** Size in bytes of the raw saved memory. */
VMS_API uint64_t vms_raw_size(const vms_handle *h);

/** One past the highest guest-physical address the saved state holds. */
VMS_API uint64_t vms_gpa_end(const vms_handle *h);

/** Flags for the read calls. */
#define VMS_READ_ZERO_HOLES (1u << 0)	 /**< GPAs outside every chunk read as zeros */
#define VMS_READ_ZERO_UNMAPPED (1u << 1) /**< unmapped GVAs read as zeros (vms_read_gva) */

/**
 * Read guest-physical memory.
 * @param gpa   first guest-physical address
 * @param len   bytes wanted (64-bit; may span chunks)
 * @param done  receives the bytes copied (may be NULL)
 * @return 0 with *done == len; or 0 with *done < len when the end of guest memory
 *         (vms_gpa_end) was reached; -EFAULT when a hole is met without VMS_READ_ZERO_HOLES
 *         (*done says where); -EIO, -EBADMSG (a memory block failed to decode)
 * Any vms_memory_fix overlay is applied to the result.
 */
VMS_API int vms_read_gpa(vms_handle *h, uint64_t gpa, void *buf, uint64_t len, uint32_t flags,
			 uint64_t *done, struct vms_error *err);

/** Read the raw saved memory. Short read (return 0, *done < len) at its end only.
 *  @return 0, -EIO, -EBADMSG */
VMS_API int vms_read_raw(vms_handle *h, uint64_t raw_off, void *buf, uint64_t len, uint64_t *done,
			 struct vms_error *err);

/** Raw-memory offset that holds `gpa`. @return 0, -EFAULT (gpa in no chunk) */
VMS_API int vms_gpa_to_raw(const vms_handle *h, uint64_t gpa, uint64_t *raw_off,
			   struct vms_error *err);

/**
 * Next data or hole boundary at or after `gpa`, for SEEK_DATA/SEEK_HOLE.
 * @param want_data  true: first gpa >= `gpa` inside a chunk; false: first gpa >= `gpa`
 *                   outside every chunk (vms_gpa_end() when none before it)
 * @return 0, -ENXIO (want_data and no data at or after gpa)
 */
VMS_API int vms_gpa_seek(const vms_handle *h, uint64_t gpa, bool want_data, uint64_t *next);

/* ------------------------------------------------------------------------------------ */
/* Guest-virtual memory                                                                  */

/** Why a translation failed, for messages and diagnostics. */
struct vms_xlate_info {
	uint64_t page_size;    /**< size of the mapping that was found (or 0) */
	uint64_t unmapped_len; /**< on -EFAULT: bytes from gva to the next possibly mapped VA */
	int level;	       /**< paging level that stopped the walk (or -1) */
	uint64_t entry;	       /**< the entry read at that level */
	uint64_t entry_gpa;    /**< where that entry lives */
};

/**
 * Translate a guest-virtual address with VP `vp`'s paging mode and page-table root in its
 * active VTL.
 * @param info  optional; filled on success and on -EFAULT
 * @return 0; -EFAULT (not mapped: not present, reserved bits set, non-canonical, or an entry
 *         pointing outside guest memory; err->msg says which and info->unmapped_len how far);
 *         -ERANGE (bad VP); -ENODATA (no register state); -EIO/-EBADMSG (a page-table page
 *         could not be read)
 */
VMS_API int vms_gva_to_gpa(vms_handle *h, uint32_t vp, uint64_t gva, uint64_t *gpa,
			   struct vms_xlate_info *info, struct vms_error *err);

/**
 * Read guest-virtual memory through VP `vp`'s page tables, page by page.
 * With VMS_READ_ZERO_UNMAPPED, pages that are not mapped, or whose mapping points at a GPA
 * the saved state does not hold (MMIO holes, beyond the end of memory), read as zeros.
 * @return as vms_read_gpa; -EFAULT at the first unmapped page unless VMS_READ_ZERO_UNMAPPED.
 */
VMS_API int vms_read_gva(vms_handle *h, uint32_t vp, uint64_t gva, void *buf, uint64_t len,
			 uint32_t flags, uint64_t *done, struct vms_error *err);

/**
 * Overlay `len` bytes at guest-virtual `gva` of VP `vp` on later physical and virtual reads
 * (Microsoft's ApplyGuestMemoryFix). The file is never written. The fix is translated once,
 * now. @return 0, -EFAULT, -ENOMEM, -EFBIG (more than 16 MiB of fixes). Not thread safe.
 */
VMS_API int vms_memory_fix(vms_handle *h, uint32_t vp, uint64_t gva, const void *buf, size_t len,
			   struct vms_error *err);

/* ------------------------------------------------------------------------------------ */
/* Decoded-block cache                                                                   */

struct vms_cache_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t evictions;
	uint64_t bytes_used;
	uint64_t bytes_limit;
};

/** Set the decoded-block cache budget in bytes; 0 drops every unused block and disables
 *  caching (Microsoft's SetMemoryBlockCacheLimit). Safe concurrently with reads. */
VMS_API void vms_cache_set_limit(vms_handle *h, uint64_t bytes);
VMS_API uint64_t vms_cache_get_limit(const vms_handle *h);
VMS_API void vms_cache_get_stats(const vms_handle *h, struct vms_cache_stats *stats);

/* ------------------------------------------------------------------------------------ */
/* Container key tree (Hyper-V HyperVStorage files)                                      */

enum vms_key_type {
	VMS_KEY_NODE = 1,
	VMS_KEY_INT,
	VMS_KEY_UINT,
	VMS_KEY_DOUBLE,
	VMS_KEY_BOOL,
	VMS_KEY_STRING,
	VMS_KEY_ARRAY,
	VMS_KEY_FILE,
	VMS_KEY_OTHER,
};

/** One key of the container tree in depth-first, insertion order. */
struct vms_key {
	const char *name; /**< UTF-8, owned by the handle */
	unsigned depth;	  /**< 0 for top-level keys */
	enum vms_key_type type;
	uint64_t u64;	   /**< Int/UInt/Bool value (Int as two's complement), Double bits */
	const char *str;   /**< String value, UTF-8; NULL otherwise */
	uint64_t data_len; /**< Array/File: length of the value in bytes */
	bool crc_ok;	   /**< the entry's checksum verified */
};

/** Key number `index` (0 .. count-1). @return count when key is NULL; otherwise 0 or
 *  -ERANGE; 0 keys for formats without a key tree. */
VMS_API int vms_key_get(const vms_handle *h, size_t index, struct vms_key *key);

/** Copy the value bytes of an Array/File key. @return bytes copied (at most cap), -ERANGE,
 *  -EINVAL (not an Array/File key), -EIO */
VMS_API int64_t vms_key_read(vms_handle *h, size_t index, uint64_t off, void *buf, size_t cap,
			     struct vms_error *err);

/* ------------------------------------------------------------------------------------ */
/* Files on disk                                                                         */

/** What vms_replay_log_apply changed. */
struct vms_replay_report {
	uint32_t entries_applied;
	uint64_t bytes_written;
	uint64_t first_off; /**< lowest file offset written, or 0 */
	uint64_t last_end;  /**< one past the highest file offset written, or 0 */
};

/**
 * Apply a Hyper-V container's pending replay log to the file in place (Microsoft's
 * ApplyPendingSavedStateFileReplayLog), crash-safe: data, fsync, then the log's entry count,
 * fsync. The only call that writes to an input. A file with no pending entries is left
 * untouched (report all zeros).
 * @return 0, -ENOENT, -EIO, -EBADMSG, -ENOTSUP (not a HyperVStorage container)
 */
VMS_API int vms_replay_log_apply(const char *path, struct vms_replay_report *report,
				 struct vms_error *err);

/** Saved-state files found by vms_locate(). Paths are NUL-terminated; "" when absent. */
struct vms_located {
	char vmrs[4096];
	char bin[4096];
	char vsv[4096];
};

/**
 * Find the saved-state files of a VM (or of one of its snapshots) in a directory tree copied
 * from a Hyper-V host, by reading the .vmcx configuration files (Microsoft's
 * LocateSavedStateFiles, without WMI).
 * @param dir       folder to search (recursively, depth-limited)
 * @param vm        VM name or GUID
 * @param snapshot  snapshot name or GUID, or NULL for the VM's own saved state
 * @return 0, -ENOENT (no such VM/snapshot or no saved state), -EIO, -EINVAL
 */
VMS_API int vms_locate(const char *dir, const char *vm, const char *snapshot,
		       struct vms_located *out, struct vms_error *err);

#ifdef __cplusplus
}
#endif
#endif
