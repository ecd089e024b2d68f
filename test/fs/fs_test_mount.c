/* Mount helpers for the vmsavedstatefs tests; see fs_test_mount.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fs/fs_test_mount.h"

#ifndef VMS_FS_DAEMON
#error VMS_FS_DAEMON (path of the vmsavedstatefs binary) must be defined by the build
#endif

#define FUSE_SUPER_MAGIC_VALUE 0x65735546
#define DEADLINE_MS 20000
#define POLL_MS 10
#define MAX_ARGS 32

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

const char *fs_mount_unavailable(void)
{
	if (access("/dev/fuse", R_OK | W_OK) != 0)
		return "/dev/fuse is not usable";
	if (geteuid() != 0 && access("/usr/bin/fusermount3", X_OK) != 0)
		return "neither root nor fusermount3";
	return NULL;
}

bool fs_mount_is_fuse(const char *dir)
{
	struct statfs sf;
	return statfs(dir, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC_VALUE;
}

static pid_t spawn(const char *const *argv, const char *log)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* the daemon must not outlive a crashed test: SIGTERM unmounts it cleanly */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	/* execv wants mutable strings: give it copies */
	char *args[MAX_ARGS];
	int n = 0;
	for (; argv[n] && n < MAX_ARGS - 1; n++)
		args[n] = strdup(argv[n]);
	args[n] = NULL;
	execv(VMS_FS_DAEMON, args);
	_exit(127);
}

int fs_mount_start(struct fs_mount *m, const char *opts, const char *const *sources,
		   int *exit_status)
{
	const char *argv[MAX_ARGS];
	int n = 0;
	memset(m, 0, sizeof *m);
	m->pid = -1;
	snprintf(m->dir, sizeof m->dir, "/tmp/vmsfs-mnt-XXXXXX");
	if (!mkdtemp(m->dir))
		return -1;
	snprintf(m->log, sizeof m->log, "%s.log", m->dir);
	argv[n++] = "vmsavedstatefs";
	argv[n++] = "-f";
	if (opts) {
		argv[n++] = "-o";
		argv[n++] = opts;
	}
	for (int i = 0; sources[i] && n < MAX_ARGS - 2; i++)
		argv[n++] = sources[i];
	argv[n++] = m->dir;
	argv[n] = NULL;

	m->pid = spawn(argv, m->log);
	if (m->pid < 0)
		return -1;
	const long deadline = now_ms() + DEADLINE_MS;
	while (now_ms() < deadline) {
		int status;
		if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
			m->pid = -1;
			if (exit_status)
				*exit_status = status;
			return -1;
		}
		if (fs_mount_is_fuse(m->dir))
			return 0;
		sleep_ms(POLL_MS);
	}
	fs_mount_stop(m);
	return -1;
}

int fs_mount_stop(struct fs_mount *m)
{
	int status = -1;
	if (m->pid > 0) {
		kill(m->pid, SIGTERM);
		const long deadline = now_ms() + DEADLINE_MS;
		bool done = false;
		while (now_ms() < deadline) {
			if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
				done = true;
				break;
			}
			sleep_ms(POLL_MS);
		}
		if (!done) {
			umount2(m->dir, MNT_DETACH);
			kill(m->pid, SIGKILL);
			waitpid(m->pid, NULL, 0);
			status = -1;
		}
		m->pid = -1;
	}
	if (m->dir[0]) {
		if (fs_mount_is_fuse(m->dir))
			umount2(m->dir, MNT_DETACH);
		rmdir(m->dir);
		unlink(m->log);
		m->dir[0] = '\0';
	}
	return status;
}

int fs_daemon_run(const char *const *args, char *out, size_t cap)
{
	char log[] = "/tmp/vmsfs-run-XXXXXX";
	int fd = mkstemp(log);
	if (fd < 0)
		return -1;
	close(fd);
	pid_t pid = spawn(args, log);
	int status = -1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	FILE *f = fopen(log, "r");
	size_t got = f ? fread(out, 1, cap - 1, f) : 0;
	out[got] = '\0';
	if (f)
		fclose(f);
	unlink(log);
	return status;
}
