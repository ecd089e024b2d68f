/* Read-only file I/O: evidence is opened O_RDONLY and never written (fuse-and-cli.md §2.1).
 * pread is looped over short reads and retried on EINTR. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/io_fd.h"

static int fd_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct vms_io_fd *f = ctx;
	uint8_t *p = buf;
	while (len > 0) {
		if (off > (uint64_t)INT64_MAX)
			return -EIO;
		ssize_t n = pread(f->fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -EIO;
		}
		if (n == 0)
			return -EIO; /* the file shrank under us */
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int errno_to_code(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return -ENOENT;
	case EACCES:
	case EPERM:
		return -EACCES;
	case EISDIR:
		return -EISDIR;
	case ENOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

int vms_io_fd_open(struct vms_io_fd *f, struct vms_io *io, const char *path, struct vms_error *err)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	char *resolved = realpath(path, NULL);
	if (!resolved) {
		int e = errno;
		return vms_fail(err, errno_to_code(e), "%s: %s", path, strerror(e));
	}
	int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;
	int fd = open(resolved, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(resolved, flags); /* O_NOATIME needs ownership; not essential */
	if (fd < 0) {
		int e = errno;
		free(resolved);
		return vms_fail(err, errno_to_code(e), "%s: %s", path, strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		free(resolved);
		return vms_fail(err, errno_to_code(e), "%s: %s", path, strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		free(resolved);
		return vms_fail(err, -EISDIR, "%s: is a directory", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		free(resolved);
		return vms_fail(err, -EINVAL, "%s: not a regular file", path);
	}
	f->fd = fd;
	f->path = resolved;
	f->size = (uint64_t)st.st_size;
	io->pread = fd_pread;
	io->size = f->size;
	io->ctx = f;
	io->name = path;
	return 0;
}

void vms_io_fd_close(struct vms_io_fd *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	f->fd = -1;
	f->path = NULL;
}
