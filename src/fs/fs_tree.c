/* The static tree of a mount, built once before mounting (STYLE.md rule 17,
 * fuse-and-cli.md §4.1): every generated file is rendered here, so handlers never allocate
 * per lookup and `forget` has nothing to do. Directories keep their children contiguous.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <export/export.h>
#include <vmsavedstate/version.h>

#include "fs.h"
#include "render/render.h"

#define VMS_FS_TOOL_NAME "vmsavedstatefs"

/* st_blksize: tools such as cat and cp size their reads from it; 1 MiB matches the largest
 * READ we negotiate (fuse-and-cli.md §5.3, "prefer 1 MiB-aligned requests"). */
#define VMS_FS_BLKSIZE VMS_FS_MAX_READ

/* Written into layout.json's "vmem" object (fuse-and-cli.md §4.3, §6.3). */
static const char vmem_fold_note[] =
	"vp/N/vmem: file offset = guest-virtual address with the sign-extension bits removed. "
	"Long mode and ARMv8: a 2^48-byte file, offsets 0x800000000000 and up are the upper "
	"canonical half (GVA = offset | 0xffff000000000000). LA57: 2^57 bytes, fold at bit 56. "
	"32-bit paging and PAE: 2^32 bytes, no folding. Paging off: GVA = GPA. Unmapped pages "
	"are holes for SEEK_DATA/SEEK_HOLE.";

static struct vms_fs_node *node_add(struct vms_fs *fs, const char *name, enum vms_fs_kind kind,
				    uint32_t parent)
{
	if (fs->node_count == fs->node_cap)
		return NULL; /* the table was sized exactly: a bug, not an input problem */
	struct vms_fs_node *n = &fs->nodes[fs->node_count];
	memset(n, 0, sizeof *n);
	n->name = strdup(name);
	if (!n->name)
		return NULL;
	n->kind = kind;
	n->parent = parent;
	fs->node_count++;
	return n;
}

/* A generated file takes ownership of `text` (NULL: out of memory). */
static int text_add(struct vms_fs *fs, const char *name, uint32_t parent, char *text)
{
	if (!text)
		return -ENOMEM;
	struct vms_fs_node *n = node_add(fs, name, VMS_FS_TEXT, parent);
	if (!n) {
		free(text);
		return -ENOMEM;
	}
	n->text = text;
	n->size = strlen(text);
	n->data_len = n->size;
	return 0;
}

static char *arch_text(const vms_handle *h)
{
	enum vms_arch arch = VMS_ARCH_UNKNOWN;
	char *s = NULL;
	if (vms_vp_count(h) > 0)
		(void)vms_vp_arch(h, 0, &arch);
	if (asprintf(&s, "%s\n", vms_arch_name(arch)) < 0)
		return NULL;
	return s;
}

/* Bytes of guest-physical memory that hold data: walk the data ranges with the same seek the
 * lseek handler uses. Each step moves past one chunk, so the loop is bounded by the chunk
 * count the library already capped. */
static uint64_t physmem_data_len(const vms_handle *h, uint64_t end)
{
	uint64_t total = 0, gpa = 0;
	while (gpa < end) {
		uint64_t data, hole;
		if (vms_gpa_seek(h, gpa, true, &data) < 0 || data >= end)
			break;
		if (vms_gpa_seek(h, data, false, &hole) < 0 || hole <= data)
			break;
		if (hole > end)
			hole = end;
		total += hole - data;
		gpa = hole;
	}
	return total;
}

static int vp_files_add(struct vms_fs *fs, uint32_t vp, uint32_t dir, uint64_t physmem_data)
{
	int rc = 0;
	char *regs = vms_render_registers_text(fs->h, vp, -1, &rc);
	/* a VP without register state gets empty files rather than no files: the names are
	 * fixed (fuse-and-cli.md §4.1) */
	if (!regs && rc != -ENOMEM)
		regs = strdup("");
	rc = text_add(fs, "registers", dir, regs);
	if (rc < 0)
		return rc;

	char *json = vms_render_registers_json(fs->h, vp, -1, &rc);
	if (!json && rc != -ENOMEM)
		json = strdup("{}\n");
	rc = text_add(fs, "registers.json", dir, json);
	if (rc < 0)
		return rc;

	enum vms_paging mode = VMS_PAGING_INVALID;
	unsigned va_bits;
	bool fold;
	if (vms_vp_paging(fs->h, vp, &mode) < 0 ||
	    !vms_fs_vmem_geometry(mode, vms_gpa_end(fs->h), &va_bits, &fold))
		return 0; /* no usable translation state: no vmem file */
	struct vms_fs_node *n = node_add(fs, "vmem", VMS_FS_VMEM, dir);
	if (!n)
		return -ENOMEM;
	n->vp = vp;
	n->va_bits = va_bits;
	n->fold = fold;
	n->size = 1ull << va_bits;
	/* An estimate: counting mapped pages means walking every page table. It must not be 0,
	 * or `tar -S` would take the file for all holes. */
	n->data_len = physmem_data < n->size ? physmem_data : n->size;
	n->direct_io = fs->cfg.vmem_eio || fs->cfg.direct_io;
	return 0;
}

static int vp_tree_add(struct vms_fs *fs, uint32_t vp_dir, uint64_t physmem_data)
{
	const uint32_t count = vms_vp_count(fs->h);
	char name[16];
	fs->nodes[vp_dir].first_child = fs->node_count;
	fs->nodes[vp_dir].child_count = count;
	fs->nodes[vp_dir].subdir_count = count;
	for (uint32_t vp = 0; vp < count; vp++) {
		snprintf(name, sizeof name, "%u", vp);
		if (!node_add(fs, name, VMS_FS_DIR, vp_dir))
			return -ENOMEM;
	}
	for (uint32_t vp = 0; vp < count; vp++) {
		const uint32_t dir = fs->nodes[vp_dir].first_child + vp;
		fs->nodes[dir].first_child = fs->node_count;
		int rc = vp_files_add(fs, vp, dir, physmem_data);
		if (rc < 0)
			return rc;
		fs->nodes[dir].child_count = fs->node_count - fs->nodes[dir].first_child;
	}
	return 0;
}

static char *layout_text(struct vms_fs *fs, const char *const *paths, size_t path_count)
{
	struct vms_render_opts o;
	memset(&o, 0, sizeof o);
	o.tool_name = VMS_FS_TOOL_NAME;
	o.tool_version = VMS_VERSION_STRING;
	o.hash_sources = !fs->cfg.no_hash;
	o.source_paths = paths;
	o.source_path_count = path_count;
	o.replay_ignored = fs->cfg.replay_ignore;
	o.holes_zero_filled = !fs->cfg.holes_eio;
	o.vmem_fold = vmem_fold_note;
	return vms_render_layout_json(fs->h, &o);
}

int vms_fs_tree_build(struct vms_fs *fs, const char *const *paths, size_t path_count)
{
	const uint64_t vps = vms_vp_count(fs->h);
	const bool keys = vms_key_get(fs->h, 0, NULL) > 0;
	int rc;

	/* root, arch, layout.json, physmem, raw, core.elf, memory.lime, keys.json, vp, and per VP:
	 * a directory and registers, registers.json, vmem. vps is capped by the library (max_vps).
	 */
	if (vps > (UINT32_MAX - 7 - VMS_FS_EXPORT_COUNT) / 4)
		return -EFBIG;
	fs->node_cap = (uint32_t)(7 + VMS_FS_EXPORT_COUNT + 4 * vps);
	fs->nodes = calloc(fs->node_cap, sizeof *fs->nodes);
	if (!fs->nodes)
		return -ENOMEM;
	fs->node_count = 0;

	struct vms_fs_node *root = node_add(fs, "", VMS_FS_DIR, 0);
	if (!root)
		return -ENOMEM;
	root->first_child = 1;

	rc = text_add(fs, "arch", 0, arch_text(fs->h));
	if (rc < 0)
		return rc;
	rc = text_add(fs, "layout.json", 0, layout_text(fs, paths, path_count));
	if (rc < 0)
		return rc;

	struct vms_fs_node *n = node_add(fs, "physmem", VMS_FS_PHYSMEM, 0);
	if (!n)
		return -ENOMEM;
	n->size = vms_gpa_end(fs->h);
	n->data_len = physmem_data_len(fs->h, n->size);
	n->direct_io = fs->cfg.holes_eio || fs->cfg.direct_io;
	const uint64_t physmem_data = n->data_len;

	n = node_add(fs, "raw", VMS_FS_RAW, 0);
	if (!n)
		return -ENOMEM;
	n->size = vms_raw_size(fs->h);
	n->data_len = n->size;
	n->direct_io = fs->cfg.direct_io;

	for (size_t i = 0; i < VMS_FS_EXPORT_COUNT; i++) { /* core.elf, memory.lime */
		const char *name;
		struct vms_export_plan *plan;
		rc = vms_fs_export_plan(fs, i, &name, &plan);
		if (rc == -ENOTSUP)
			continue;
		if (rc < 0 || !(n = node_add(fs, name, VMS_FS_EXPORT, 0))) {
			vms_export_plan_free(plan);
			return rc < 0 ? rc : -ENOMEM;
		}
		n->plan = plan;
		n->size = vms_export_size(plan);
		n->data_len = vms_export_data_bytes(plan);
		n->direct_io = fs->cfg.direct_io;
	}

	if (keys) {
		rc = text_add(fs, "keys.json", 0, vms_render_keys_json(fs->h));
		if (rc < 0)
			return rc;
	}
	if (vps > 0) {
		const uint32_t vp_dir = fs->node_count;
		if (!node_add(fs, "vp", VMS_FS_DIR, 0))
			return -ENOMEM;
		fs->nodes[0].subdir_count = 1;
		fs->nodes[0].child_count = fs->node_count - 1;
		rc = vp_tree_add(fs, vp_dir, physmem_data);
		if (rc < 0)
			return rc;
	} else {
		fs->nodes[0].child_count = fs->node_count - 1;
	}
	return 0;
}

void vms_fs_tree_free(struct vms_fs *fs)
{
	for (uint32_t i = 0; i < fs->node_count; i++) {
		free(fs->nodes[i].name);
		free(fs->nodes[i].text);
		vms_export_plan_free(fs->nodes[i].plan);
	}
	free(fs->nodes);
	fs->nodes = NULL;
	fs->node_count = 0;
	fs->node_cap = 0;
}

const struct vms_fs_node *vms_fs_node_get(const struct vms_fs *fs, uint64_t ino)
{
	if (ino == 0 || ino > fs->node_count)
		return NULL;
	return &fs->nodes[ino - 1];
}

const struct vms_fs_node *vms_fs_node_child(const struct vms_fs *fs, const struct vms_fs_node *dir,
					    const char *name)
{
	if (dir->kind != VMS_FS_DIR)
		return NULL;
	for (uint32_t i = 0; i < dir->child_count; i++) {
		const struct vms_fs_node *c = &fs->nodes[dir->first_child + i];
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

uint64_t vms_fs_node_ino(const struct vms_fs *fs, const struct vms_fs_node *n)
{
	return (uint64_t)(n - fs->nodes) + 1;
}

void vms_fs_node_stat(const struct vms_fs *fs, const struct vms_fs_node *n, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_ino = vms_fs_node_ino(fs, n);
	if (n->kind == VMS_FS_DIR) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2 + n->subdir_count;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)n->size;
		st->st_blocks = (blkcnt_t)((n->data_len + 511) / 512);
	}
	st->st_blksize = VMS_FS_BLKSIZE;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_atim = fs->mtime;
	st->st_mtim = fs->mtime;
	st->st_ctim = fs->mtime;
}
