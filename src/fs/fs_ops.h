/* The daemon's low-level operations table (fs_ops.c) and the libfuse API level
 * (STYLE.md rule 17: libfuse 3.14, no fuse2 branches). */
#ifndef VMS_FS_OPS_H
#define VMS_FS_OPS_H

#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 14)
#include <fuse_lowlevel.h>

/** All handlers; userdata is the struct vms_fs of the mount. */
extern const struct fuse_lowlevel_ops vms_fs_ops;

#endif
