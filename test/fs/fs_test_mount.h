/* Start and stop a real vmsavedstatefs mount from a test (STYLE.md rule 23: wait for the
 * mount with a deadline, always unmount in cleanup). The daemon runs in the foreground as a
 * child that receives SIGTERM if the test process dies, so no mount outlives its test. */
#ifndef VMS_FS_TEST_MOUNT_H
#define VMS_FS_TEST_MOUNT_H

#include <stdbool.h>
#include <sys/types.h>

struct fs_mount {
	pid_t pid;
	char dir[256];
	char log[300]; /* the daemon's stderr */
};

/** Whether mounts can work here (root or fusermount3, and /dev/fuse); else a reason. */
const char *fs_mount_unavailable(void);

/**
 * Run `vmsavedstatefs -f [-o opts] source... dir` and wait (deadline 20 s) until `dir` is
 * a FUSE mount. `opts` may be NULL. @return 0, or -1 (the daemon exited or the deadline
 * passed; m->log holds its stderr; *exit_status gets its status when it exited).
 */
int fs_mount_start(struct fs_mount *m, const char *opts, const char *const *sources,
		   int *exit_status);

/** Whether m->dir is currently a FUSE mount. */
bool fs_mount_is_fuse(const char *dir);

/** SIGTERM the daemon and wait (deadline 20 s); on timeout detach the mount and SIGKILL.
 *  @return the daemon's wait status, or -1 if it had to be killed. Idempotent. */
int fs_mount_stop(struct fs_mount *m);

/** Run `argv` of the daemon without mounting (help, version, bad input): returns the exit
 *  status and captures stdout+stderr into `out` (NUL-terminated, truncated to cap). */
int fs_daemon_run(const char *const *args, char *out, size_t cap);

#endif
