/* The read-only file implementation of struct vms_io (io_fd.c). */
#ifndef VMS_CORE_IO_FD_H
#define VMS_CORE_IO_FD_H

#include <vmsavedstate/vmsavedstate.h>

struct vms_io_fd {
	int fd;
	char *path; /* resolved path, for messages */
	uint64_t size;
};

/** Open `path` read-only (O_RDONLY|O_CLOEXEC|O_NOFOLLOW after realpath, O_NOATIME where
 *  permitted), require a regular file, and fill `io` (ctx = f). @return 0, -ENOENT,
 *  -EACCES, -EISDIR, -EINVAL (not a regular file), -EIO */
int vms_io_fd_open(struct vms_io_fd *f, struct vms_io *io, const char *path, struct vms_error *err);
void vms_io_fd_close(struct vms_io_fd *f);

#endif
