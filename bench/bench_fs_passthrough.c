/* The baseline for the FUSE benchmark (bench/README.md "## FUSE mount"): a minimal
 * low-level daemon exposing one plain file as /data, with the same session settings as
 * vmsavedstatefs (1 MiB requests, keep_cache, multi-threaded loop). Reads are pread +
 * fuse_reply_buf, i.e. what any FUSE daemon must at least do.
 * usage: bench_fs_passthrough FILE MOUNTPOINT [--direct-io] [libfuse options]
 */
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 14)
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_READ (1u << 20)

struct pt {
	int fd;
	struct stat st;
	bool direct_io;
};

static void pt_init(void *ud, struct fuse_conn_info *conn)
{
	(void)ud;
	conn->max_write = MAX_READ;
	conn->max_read = MAX_READ;
	conn->max_readahead = MAX_READ;
}

static void fill(const struct pt *p, fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = p->st.st_size;
		st->st_blksize = MAX_READ;
	}
}

static void pt_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	if (parent != FUSE_ROOT_ID || strcmp(name, "data") != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof e);
	e.ino = 2;
	e.attr_timeout = e.entry_timeout = 86400.0;
	fill(fuse_req_userdata(req), 2, &e.attr);
	fuse_reply_entry(req, &e);
}

static void pt_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	struct stat st;
	if (ino != FUSE_ROOT_ID && ino != 2) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill(fuse_req_userdata(req), ino, &st);
	fuse_reply_attr(req, &st, 86400.0);
}

static void pt_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != 2) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	const struct pt *p = fuse_req_userdata(req);
	fi->keep_cache = !p->direct_io;
	fi->direct_io = p->direct_io;
	fuse_reply_open(req, fi);
}

static void pt_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	const struct pt *p = fuse_req_userdata(req);
	char *buf = malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ssize_t n = pread(p->fd, buf, size, off);
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

static const struct fuse_lowlevel_ops pt_ops = {
	.init = pt_init,
	.lookup = pt_lookup,
	.getattr = pt_getattr,
	.open = pt_open,
	.read = pt_read,
};

int main(int argc, char *argv[])
{
	struct pt p;
	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE MOUNTPOINT [options]\n", argv[0]);
		return 2;
	}
	p.fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (p.fd < 0 || fstat(p.fd, &p.st) != 0) {
		perror(argv[1]);
		return 1;
	}
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	fuse_opt_add_arg(&args, argv[0]);
	fuse_opt_add_arg(&args, "-oro,max_read=1048576,fsname=passthrough");
	p.direct_io = false;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--direct-io") == 0)
			p.direct_io = true;
		else
			fuse_opt_add_arg(&args, argv[i]);
	}
	struct fuse_session *se = fuse_session_new(&args, &pt_ops, sizeof pt_ops, &p);
	int ret = 1;
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_se;
	if (fuse_session_mount(se, argv[2]) != 0)
		goto out_sig;
	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	ret = fuse_session_loop_mt(se, cfg) ? 1 : 0;
	fuse_loop_cfg_destroy(cfg);
	fuse_session_unmount(se);
out_sig:
	fuse_remove_signal_handlers(se);
out_se:
	fuse_session_destroy(se);
out:
	fuse_opt_free_args(&args);
	close(p.fd);
	return ret;
}
