/* fork + exec of the built CLI with stdout/stderr redirected to temporary files (files, not
 * pipes, so a large output can never deadlock the test). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli_run.h"
#include "support/test_support.h"

#define CLI_PATH VMS_BINARY_DIR "/src/cli/vmsavedstate"
#define CLI_MAX_ARGS 32

static char *slurp(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	size_t n = end > 0 ? (size_t)end : 0;
	char *buf = calloc(1, n + 1);
	if (!buf || pread(fd, buf, n, 0) != (ssize_t)n)
		abort();
	if (len)
		*len = n;
	close(fd);
	return buf;
}

struct cli_result cli_run(const char *const *argv)
{
	char out_t[] = "/tmp/vms-cli-out-XXXXXX", err_t[] = "/tmp/vms-cli-err-XXXXXX";
	int out_fd = mkstemp(out_t), err_fd = mkstemp(err_t);
	if (out_fd < 0 || err_fd < 0)
		abort();
	unlink(out_t);
	unlink(err_t);
	char *args[CLI_MAX_ARGS + 2] = {(char *)(uintptr_t)CLI_PATH};
	size_t n = 0;
	while (argv[n] && n < CLI_MAX_ARGS) {
		args[n + 1] = (char *)(uintptr_t)argv[n]; /* execv takes char *const[] */
		n++;
	}
	pid_t pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDONLY);
		dup2(null_fd, 0);
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		execv(CLI_PATH, args);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	struct cli_result r = {0};
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.out = slurp(out_fd, &r.out_len);
	r.err = slurp(err_fd, NULL);
	return r;
}

void cli_result_free(struct cli_result *r)
{
	free(r->out);
	free(r->err);
}
