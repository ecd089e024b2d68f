/* vmsavedstatefs internals: the daemon state, the static node table and the memory-file
 * helpers shared by the handlers (STYLE.md rule 17, fuse-and-cli.md §4). Only the public
 * library API and the render library are used from here (STYLE.md rule 1).
 */
#ifndef VMS_FS_H
#define VMS_FS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <vmsavedstate/vmsavedstate.h>

/* Largest READ we negotiate: FUSE_MAX_MAX_PAGES (256) pages of 4 KiB, fuse-and-cli.md §5.1.
 * Also the size of the per-thread read buffer. */
#define VMS_FS_MAX_READ (1u << 20)

/* The tree never changes while mounted, so the kernel may cache names and attributes for as
 * long as it likes (fuse-and-cli.md §4.1). */
#define VMS_FS_TIMEOUT_S 86400.0

enum vms_fs_kind {
	VMS_FS_DIR,
	VMS_FS_TEXT,	/* generated once at mount: arch, layout.json, registers, keys.json */
	VMS_FS_PHYSMEM, /* file offset == GPA */
	VMS_FS_RAW,	/* file offset == raw saved-memory offset */
	VMS_FS_VMEM,	/* file offset == folded GVA of one VP (vms_fs_vmem_to_gva) */
	VMS_FS_EXPORT,	/* core.elf / memory.lime: an export's virtual file map (fs_export.c) */
};

struct vms_export_plan;

/** One entry of the static tree; ino = index + 1, so index 0 is FUSE_ROOT_ID. */
struct vms_fs_node {
	char *name; /* owned; "" for the root */
	enum vms_fs_kind kind;
	uint32_t parent;      /* index of the parent directory (the root is its own parent) */
	uint32_t first_child; /* directories: children are contiguous in the table */
	uint32_t child_count;
	uint32_t subdir_count; /* for st_nlink */
	uint64_t size;	       /* st_size in bytes */
	uint64_t data_len;     /* bytes that hold data, for st_blocks (fuse-and-cli.md §4.2) */
	char *text;	       /* VMS_FS_TEXT: `size` bytes, owned */
	uint32_t vp;	       /* VMS_FS_VMEM: API VP index */
	unsigned va_bits;      /* VMS_FS_VMEM: size == 2^va_bits */
	bool fold;	       /* VMS_FS_VMEM: upper canonical half folded down (§4.3) */
	bool direct_io;	       /* reads may end short: bypass the page cache (§4.4) */
	struct vms_export_plan *plan; /* VMS_FS_EXPORT: owned */
};

/** Daemon options, from `-o` (fuse-and-cli.md §3.3). */
struct vms_fs_config {
	uint64_t cache_bytes; /* 0: library default */
	bool vmem_eio;	      /* vmem=eio: unmapped pages fail instead of reading as zeros */
	bool holes_eio;	      /* holes=eio: physmem holes fail instead of reading as zeros */
	bool missing_zero;    /* missing=zero: VMS_OPEN_ZERO_MISSING */
	bool replay_ignore;   /* replay=ignore: VMS_OPEN_IGNORE_REPLAY_LOG */
	bool direct_io;	      /* direct_io: every memory file bypasses the page cache */
	bool no_hash;	      /* no_hash: skip the SHA-256 of the sources in layout.json */
};

/** Everything the daemon owns, passed to fuse_session_new() as userdata (rule 10). */
struct vms_fs {
	vms_handle *h;
	struct vms_fs_config cfg;
	struct vms_fs_node *nodes;
	uint32_t node_count;
	uint32_t node_cap;
	struct timespec mtime; /* of the first source: every node's times (§4.1) */
	uid_t uid;
	gid_t gid;
	pthread_key_t buf_key; /* per-worker read buffer of VMS_FS_MAX_READ bytes */
	bool buf_key_ok;
};

/* ---- fs_tree.c ---- */

/** Build the static tree for `fs->h`, rendering every generated file once.
 *  `source_paths` are the evidence paths as given (only their basenames are rendered).
 *  @return 0, -ENOMEM, or the render library's code */
int vms_fs_tree_build(struct vms_fs *fs, const char *const *source_paths, size_t path_count);
void vms_fs_tree_free(struct vms_fs *fs);
/** Node for inode `ino`, or NULL when out of range. */
const struct vms_fs_node *vms_fs_node_get(const struct vms_fs *fs, uint64_t ino);
/** Child `name` of directory `dir`, or NULL. */
const struct vms_fs_node *vms_fs_node_child(const struct vms_fs *fs, const struct vms_fs_node *dir,
					    const char *name);
/** Inode number of a node of the table. */
uint64_t vms_fs_node_ino(const struct vms_fs *fs, const struct vms_fs_node *n);
/** Fill `st` for a node (mode 0444/0555, owner, times, size, blocks). */
void vms_fs_node_stat(const struct vms_fs *fs, const struct vms_fs_node *n, struct stat *st);

/* ---- fs_memory.c: reads and hole seeks of the memory files ---- */

/** Paging mode -> vmem geometry (fuse-and-cli.md §4.3). @return false: no vmem file. */
bool vms_fs_vmem_geometry(enum vms_paging mode, uint64_t gpa_end, unsigned *va_bits, bool *fold);
/** File offset (< 2^va_bits) -> GVA: with `fold`, offsets with bit va_bits-1 set are the
 *  upper canonical half, so the bits above it are set again (sign extension). */
uint64_t vms_fs_vmem_to_gva(uint64_t off, unsigned va_bits, bool fold);
/** GVA -> file offset; false when the GVA is non-canonical or beyond the file. */
bool vms_fs_gva_to_vmem(uint64_t gva, unsigned va_bits, bool fold, uint64_t *off);

/**
 * Read up to `len` bytes of memory file `n` at `off` into `buf`.
 * @return bytes read (< len only at EOF, or before a failure on a direct_io file), or a
 *         negative library code (mapped to errno by vms_fs_errno) with `err` filled.
 */
int64_t vms_fs_memory_read(struct vms_fs *fs, const struct vms_fs_node *n, uint64_t off, void *buf,
			   size_t len, struct vms_error *err);
/** SEEK_DATA / SEEK_HOLE on any file node. @return 0 with *out set, or -ENXIO, -EINVAL. */
int vms_fs_seek(struct vms_fs *fs, const struct vms_fs_node *n, uint64_t off, int whence,
		uint64_t *out);

/* ---- fs_export.c: core.elf and memory.lime ---- */

#define VMS_FS_EXPORT_COUNT 2
/** Name and plan of export file `i` (< VMS_FS_EXPORT_COUNT). @return 0, -ENOTSUP (the file
 *  does not apply to this guest: skip it), -ENOMEM */
int vms_fs_export_plan(struct vms_fs *fs, size_t i, const char **name,
		       struct vms_export_plan **plan);
/** Read an export file: bytes read (< len only at EOF) or a negative library code. */
int64_t vms_fs_export_read(struct vms_fs *fs, const struct vms_fs_node *n, uint64_t off, void *buf,
			   size_t len, struct vms_error *err);
/** SEEK_DATA/SEEK_HOLE inside an export file. @return 0, -ENXIO */
int vms_fs_export_seek(const struct vms_fs_node *n, uint64_t off, bool want_data, uint64_t *out);

/** The one place where library codes become errno values for replies (STYLE.md rule 17). */
int vms_fs_errno(int rc);

#endif
