/* `vmsavedstate export` end to end (fuse-and-cli.md §7-§8): outputs and sidecars appear
 * under their final names only when complete, progress JSON lines, an interrupted export
 * leaves nothing under the final name, and gdb reads the ELF core's vCPUs with the source's
 * register values. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli_run.h"
#include "export/export_source.h"
#include "support/test_support.h"

#define CLI_PATH VMS_BINARY_DIR "/src/cli/vmsavedstate"

static char *dir_of(const char *path)
{
	char *d = strdup(path);
	*strrchr(d, '/') = 0;
	return d;
}

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);
	snprintf(p, n, "%s/%s", a, b);
	return p;
}

/* Number of directory entries whose name contains `part`. */
static int count_names(const char *dir, const char *part)
{
	DIR *d = opendir(dir);
	cr_assert(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strstr(e->d_name, part) != NULL;
	closedir(d);
	return n;
}

Test(export_cli, writes_output_and_sidecar)
{
	char *src = es_write_raw("src.img", 8 * 4096);
	char *dir = dir_of(src);
	static const char *const formats[] = {"raw", "lime", "elf"};
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "out.%s", formats[i]);
		char *out = join(dir, name);
		const char *argv[] = {"export", src,	      "--format", formats[i], "-o",
				      out,	"--progress", "json",	  NULL};
		struct cli_result r = cli_run(argv);
		cr_assert_eq(r.status, 0, "%s: %s", formats[i], r.err);
		cr_assert(strstr(r.err, "\"event\":\"done\""), "%s", r.err);
		cr_assert(strstr(r.err, "\"status\":\"ok\""), "%s", r.err);
		cli_result_free(&r);
		char *side = malloc(strlen(out) + 16);
		sprintf(side, "%s.layout.json", out);
		cr_assert_eq(access(out, R_OK), 0);
		cr_assert_eq(access(side, R_OK), 0);
		vms_handle *a = es_open(src), *b = es_open(out);
		es_expect_same_memory(a, b);
		vms_close(a);
		vms_close(b);
		free(side);
		free(out);
	}
	cr_assert_eq(count_names(dir, ".tmp-"), 0, "temporary files left behind");
	/* -q: nothing on stderr */
	char *out = join(dir, "quiet.raw");
	const char *argv[] = {"export", src, "--format=raw", "-o", out, "-q", NULL};
	struct cli_result r = cli_run(argv);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.err, "");
	cli_result_free(&r);
	free(out);
	free(dir);
	free(src);
}

Test(export_cli, usage_errors)
{
	char *src = es_write_raw("src.img", 4096);
	const char *no_format[] = {"export", src, "-o", "/tmp/x.raw", NULL};
	struct cli_result r = cli_run(no_format);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "--format"), "%s", r.err);
	cli_result_free(&r);
	const char *no_out[] = {"export", src, "--format", "elf", NULL};
	r = cli_run(no_out);
	cr_assert_eq(r.status, 1);
	cli_result_free(&r);
	const char *bad_vp[] = {"export",	  src,	  "--format", "elf", "-o",
				"/tmp/never.elf", "--vp", "9",	      "-q",  NULL};
	r = cli_run(bad_vp);
	cr_assert_eq(r.status, 1, "-ERANGE maps to exit 1: %s", r.err);
	cr_assert_neq(access("/tmp/never.elf", F_OK), 0);
	cli_result_free(&r);
	const char *no_dir[] = {"export", src, "--format", "raw", "-o", "/nonexistent/dir/x.raw",
				"-q",	  NULL};
	r = cli_run(no_dir);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "/nonexistent/dir/x.raw: cannot create a temporary file: No such"),
		  "%s", r.err);
	cli_result_free(&r);
	free(src);
}

/* Start an export of a 256 MiB image, wait for its first progress line, stop it, send
 * SIGINT, let it go on: it must remove its temporary file and leave no output. */
Test(export_cli, interrupted_export_leaves_no_file)
{
	char *src = es_temp_path("big.img");
	int fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0 && ftruncate(fd, 256 << 20) == 0);
	close(fd);
	char *dir = dir_of(src);
	char *out = join(dir, "big.raw");
	int pipefd[2];
	cr_assert_eq(pipe(pipefd), 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execl(CLI_PATH, CLI_PATH, "export", src, "--format", "raw", "-o", out,
		      "--progress=json", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	char buf[256];
	ssize_t n = read(pipefd[0], buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0, "no progress line");
	kill(pid, SIGSTOP);
	cr_assert_eq(count_names(dir, ".tmp-"), 1, "the export writes under a temporary name");
	cr_assert_neq(access(out, F_OK), 0, "nothing under the final name while writing");
	kill(pid, SIGINT);
	kill(pid, SIGCONT);
	while (read(pipefd[0], buf, sizeof(buf)) > 0)
		;
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st));
	cr_assert_eq(WEXITSTATUS(st), 128 + SIGINT);
	cr_assert_neq(access(out, F_OK), 0, "interrupted export left %s", out);
	cr_assert_eq(count_names(dir, ".tmp-"), 0, "temporary file left behind");
	cr_assert_eq(count_names(dir, ".layout.json"), 0);
	close(pipefd[0]);
	unlink(src);
	free(out);
	free(dir);
	free(src);
}

Test(export_gdb, raw_source_registers_per_thread, .timeout = 120)
{
	char *src = es_write_raw("src.img", 8 * 4096);
	es_expect_gdb_matches(src);
	free(src);
}

Test(export_gdb, vmrs_source_registers_per_thread, .timeout = 120)
{
	char *src = es_write_vmrs("src.vmrs");
	es_expect_gdb_matches(src);
	free(src);
}
