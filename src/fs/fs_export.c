/* The mount's export files, core.elf and memory.lime (other-formats.md §10-§11), computed on
 * demand from the export library's virtual file map: the plan is built once at mount time
 * (headers and notes only, a few KiB), and every read is served by vms_export_read from
 * guest memory without temporary copies. Holes of the map (the ELF's page padding, merged
 * gaps) answer SEEK_HOLE. */
#include <errno.h>

#include <export/export.h>

#include "fs.h"

static const struct {
	const char *name;
	enum vms_export_format format;
} exports[VMS_FS_EXPORT_COUNT] = {
	{"core.elf", VMS_EXPORT_ELF},
	{"memory.lime", VMS_EXPORT_LIME},
};

int vms_fs_export_plan(struct vms_fs *fs, size_t i, const char **name,
		       struct vms_export_plan **plan)
{
	*name = exports[i].name;
	struct vms_error err = {0};
	int rc = vms_export_plan(fs->h, exports[i].format, NULL, plan, &err);
	/* an ELF core of an ARM64 guest is not supported yet: that file is simply absent */
	return rc == -ENOTSUP ? -ENOTSUP : rc < 0 ? -ENOMEM : 0;
}

int64_t vms_fs_export_read(struct vms_fs *fs, const struct vms_fs_node *n, uint64_t off, void *buf,
			   size_t len, struct vms_error *err)
{
	size_t done = 0;
	int rc = vms_export_read(fs->h, n->plan, off, buf, len, &done, err);
	return rc < 0 ? rc : (int64_t)done;
}

int vms_fs_export_seek(const struct vms_fs_node *n, uint64_t off, bool want_data, uint64_t *out)
{
	return vms_export_seek(n->plan, off, want_data, out);
}
