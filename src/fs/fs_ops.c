/* The low-level FUSE operations of vmsavedstatefs: one handler per op, every path ending in
 * exactly one reply (STYLE.md rule 17; the "Valid replies" lists in fuse_lowlevel.h, libfuse
 * 3.14). The tree is static (fs_tree.c), so lookups allocate nothing and forget is empty.
 * Every mutating op answers EROFS (fuse-and-cli.md §2.2).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fs.h"
#include "fs_ops.h"

static struct vms_fs *req_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void reply_lib_error(fuse_req_t req, int rc)
{
	fuse_reply_err(req, vms_fs_errno(rc));
}

static void vms_fs_op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* libfuse 3.14 derives max_pages from max_write: 1 MiB gives 256 pages per request
	 * (fuse-and-cli.md §5.1). max_read must equal the -o max_read the daemon passes to
	 * fuse_session_new(), or libfuse aborts the session. The kernel caps readahead at
	 * its own value (bdi read_ahead_kb); asking for more costs nothing. */
	conn->max_write = VMS_FS_MAX_READ;
	conn->max_read = VMS_FS_MAX_READ;
	conn->max_readahead = VMS_FS_MAX_READ;
	conn->time_gran = 1;
}

static void reply_entry(fuse_req_t req, const struct vms_fs *fs, const struct vms_fs_node *n)
{
	struct fuse_entry_param e;
	memset(&e, 0, sizeof e);
	e.ino = vms_fs_node_ino(fs, n);
	e.generation = 1;
	e.attr_timeout = VMS_FS_TIMEOUT_S;
	e.entry_timeout = VMS_FS_TIMEOUT_S;
	vms_fs_node_stat(fs, n, &e.attr);
	fuse_reply_entry(req, &e);
}

static void vms_fs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	const struct vms_fs *fs = req_fs(req);
	const struct vms_fs_node *dir = vms_fs_node_get(fs, parent);
	const struct vms_fs_node *n = dir ? vms_fs_node_child(fs, dir, name) : NULL;
	if (!dir)
		fuse_reply_err(req, ENOENT);
	else if (dir->kind != VMS_FS_DIR)
		fuse_reply_err(req, ENOTDIR);
	else if (!n)
		fuse_reply_err(req, ENOENT);
	else
		reply_entry(req, fs, n);
}

/* Nothing is allocated per lookup, so there is nothing to release. */
static void vms_fs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void vms_fs_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	(void)count;
	(void)f;
	fuse_reply_none(req);
}

static void vms_fs_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	const struct vms_fs *fs = req_fs(req);
	const struct vms_fs_node *n = vms_fs_node_get(fs, ino);
	struct stat st;
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	vms_fs_node_stat(fs, n, &st);
	fuse_reply_attr(req, &st, VMS_FS_TIMEOUT_S);
}

static void vms_fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct vms_fs_node *n = vms_fs_node_get(req_fs(req), ino);
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (n->kind == VMS_FS_DIR) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & (O_TRUNC | O_APPEND))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	/* The content never changes, so cached pages stay valid across opens; files whose
	 * reads may end short bypass the cache so the short count reaches the reader. */
	fi->direct_io = n->direct_io;
	fi->keep_cache = !n->direct_io;
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

/* Per-worker buffer: one allocation per thread instead of one per READ. */
static uint8_t *read_buffer(struct vms_fs *fs, size_t size, bool *owned)
{
	*owned = false;
	if (size > VMS_FS_MAX_READ || !fs->buf_key_ok) {
		*owned = true;
		return malloc(size ? size : 1);
	}
	uint8_t *buf = pthread_getspecific(fs->buf_key);
	if (!buf) {
		buf = malloc(VMS_FS_MAX_READ);
		if (buf && pthread_setspecific(fs->buf_key, buf) != 0) {
			*owned = true;
		}
	}
	return buf;
}

static void log_read_error(const struct vms_fs_node *n, uint64_t off, int rc,
			   const struct vms_error *err)
{
	/* an unmapped page under vmem=eio or a hole under holes=eio is the requested
	 * behaviour, not a fault worth a log line */
	if (rc == -EFAULT)
		return;
	if (n->kind == VMS_FS_VMEM)
		fuse_log(FUSE_LOG_ERR, "vmsavedstatefs: vp/%" PRIu32 "/vmem at %#" PRIx64 ": %s\n",
			 n->vp, off, err->msg[0] ? err->msg : vms_strerror(rc));
	else
		fuse_log(FUSE_LOG_ERR, "vmsavedstatefs: %s at %#" PRIx64 ": %s\n", n->name, off,
			 err->msg[0] ? err->msg : vms_strerror(rc));
}

static void vms_fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	(void)fi;
	struct vms_fs *fs = req_fs(req);
	const struct vms_fs_node *n = vms_fs_node_get(fs, ino);
	if (!n || n->kind == VMS_FS_DIR || off < 0) {
		fuse_reply_err(req, !n ? ENOENT : n->kind == VMS_FS_DIR ? EISDIR : EINVAL);
		return;
	}
	const uint64_t pos = (uint64_t)off;
	if (n->kind == VMS_FS_TEXT) {
		/* exact-size generated file: empty reply at or past the end (hello_ll.c) */
		if (pos >= n->size)
			fuse_reply_buf(req, NULL, 0);
		else
			fuse_reply_buf(req, n->text + pos,
				       n->size - pos < size ? n->size - pos : size);
		return;
	}

	bool owned;
	uint8_t *buf = read_buffer(fs, size, &owned);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	struct vms_error err;
	memset(&err, 0, sizeof err);
	const int64_t got = vms_fs_memory_read(fs, n, pos, buf, size, &err);
	if (got < 0) {
		log_read_error(n, pos, (int)got, &err);
		reply_lib_error(req, (int)got);
	} else {
		fuse_reply_buf(req, (const char *)buf, (size_t)got);
	}
	if (owned)
		free(buf);
}

static void vms_fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void vms_fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct vms_fs_node *n = vms_fs_node_get(req_fs(req), ino);
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (n->kind != VMS_FS_DIR) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/* Directory offsets: 0 ".", 1 "..", 2 + i the i-th child; each entry carries the offset of
 * the next one, so a reader can resume anywhere. */
static void vms_fs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			      struct fuse_file_info *fi)
{
	(void)fi;
	const struct vms_fs *fs = req_fs(req);
	const struct vms_fs_node *dir = vms_fs_node_get(fs, ino);
	if (!dir || dir->kind != VMS_FS_DIR || off < 0) {
		fuse_reply_err(req, !dir ? ENOENT : dir->kind != VMS_FS_DIR ? ENOTDIR : EINVAL);
		return;
	}
	char *buf = malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	size_t used = 0;
	for (uint64_t i = (uint64_t)off; i < 2u + (uint64_t)dir->child_count; i++) {
		const struct vms_fs_node *n = i == 0   ? dir
					      : i == 1 ? &fs->nodes[dir->parent]
						       : &fs->nodes[dir->first_child + (i - 2)];
		const char *name = i == 0 ? "." : i == 1 ? ".." : n->name;
		struct stat st;
		memset(&st, 0, sizeof st);
		st.st_ino = vms_fs_node_ino(fs, n);
		st.st_mode = n->kind == VMS_FS_DIR ? S_IFDIR : S_IFREG;
		const size_t need =
			fuse_add_direntry(req, buf + used, size - used, name, &st, (off_t)(i + 1));
		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void vms_fs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void vms_fs_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	(void)ino;
	const struct vms_fs *fs = req_fs(req);
	struct statvfs sv;
	uint64_t data = 0;
	memset(&sv, 0, sizeof sv);
	for (uint32_t i = 0; i < fs->node_count; i++)
		if (fs->nodes[i].kind != VMS_FS_VMEM) /* vmem aliases physmem */
			data += fs->nodes[i].data_len;
	sv.f_bsize = 4096;
	sv.f_frsize = 4096;
	sv.f_blocks = (fsblkcnt_t)((data + 4095) / 4096);
	sv.f_files = fs->node_count;
	sv.f_namemax = 255;
	sv.f_flag = ST_RDONLY;
	fuse_reply_statfs(req, &sv);
}

static void vms_fs_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
			    struct fuse_file_info *fi)
{
	(void)fi;
	struct vms_fs *fs = req_fs(req);
	const struct vms_fs_node *n = vms_fs_node_get(fs, ino);
	uint64_t out;
	if (!n || off < 0) {
		fuse_reply_err(req, !n ? ENOENT : ENXIO);
		return;
	}
	const int rc = vms_fs_seek(fs, n, (uint64_t)off, whence, &out);
	if (rc < 0)
		reply_lib_error(req, rc);
	else
		fuse_reply_lseek(req, (off_t)out);
}

/* ---- everything that would change the tree or a file: EROFS (fuse-and-cli.md §2.2) ---- */

static void vms_fs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			      struct fuse_file_info *fi)
{
	(void)ino;
	(void)attr;
	(void)to_set;
	(void)fi;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			    dev_t rdev)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)rdev;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)parent;
	(void)name;
	(void)mode;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link;
	(void)parent;
	(void)name;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			     fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	(void)parent;
	(void)name;
	(void)newparent;
	(void)newname;
	(void)flags;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
			   const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
			    struct fuse_file_info *fi)
{
	(void)ino;
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			     struct fuse_file_info *fi)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)fi;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			       size_t size, int flags)
{
	(void)ino;
	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino;
	(void)name;
	fuse_reply_err(req, EROFS);
}

static void vms_fs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
				off_t length, struct fuse_file_info *fi)
{
	(void)ino;
	(void)mode;
	(void)offset;
	(void)length;
	(void)fi;
	fuse_reply_err(req, EROFS);
}

const struct fuse_lowlevel_ops vms_fs_ops = {
	.init = vms_fs_op_init,
	.lookup = vms_fs_op_lookup,
	.forget = vms_fs_op_forget,
	.forget_multi = vms_fs_op_forget_multi,
	.getattr = vms_fs_op_getattr,
	.open = vms_fs_op_open,
	.read = vms_fs_op_read,
	.release = vms_fs_op_release,
	.opendir = vms_fs_op_opendir,
	.readdir = vms_fs_op_readdir,
	.releasedir = vms_fs_op_releasedir,
	.statfs = vms_fs_op_statfs,
	.lseek = vms_fs_op_lseek,
	.setattr = vms_fs_op_setattr,
	.mknod = vms_fs_op_mknod,
	.mkdir = vms_fs_op_mkdir,
	.unlink = vms_fs_op_unlink,
	.rmdir = vms_fs_op_rmdir,
	.symlink = vms_fs_op_symlink,
	.rename = vms_fs_op_rename,
	.link = vms_fs_op_link,
	.write = vms_fs_op_write,
	.create = vms_fs_op_create,
	.setxattr = vms_fs_op_setxattr,
	.removexattr = vms_fs_op_removexattr,
	.fallocate = vms_fs_op_fallocate,
};
