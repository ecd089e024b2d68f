/* `vmsavedstate export`: convert a saved state to raw, LiME or an ELF core (other-formats.md
 * Part B) plus OUT.layout.json (fuse-and-cli.md §6.2), with progress on stderr (§8).
 *
 * Crash safety: the output is written under a temporary name in the same directory,
 * fsync'd, then renamed, so the final name only ever holds a complete file. SIGINT/SIGTERM
 * cancel the write through the progress callback and the temporary file is removed. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <export/export.h>
#include <render/render.h>

#include "cli.h"

#define PROGRESS_INTERVAL_S 0.25
#define CLI_MAX_ARGS 64

enum progress_mode { PROGRESS_AUTO, PROGRESS_BAR, PROGRESS_JSON, PROGRESS_NONE };

struct export_args {
	const char *format;
	bool sparse, quiet, no_sidecar;
	enum progress_mode progress;
};

struct progress {
	enum progress_mode mode;
	struct timespec start;
	double last;
	uint64_t last_done;
	bool printed;
};

/* The only mutable static: which signal asked us to stop (STYLE.md rule 10's minimum). */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double now_s(const struct timespec *since)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - since->tv_sec) + (double)(t.tv_nsec - since->tv_nsec) / 1e9;
}

static const char *human(char *buf, size_t cap, double bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;
	while (bytes >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1024.0;
		u++;
	}
	snprintf(buf, cap, "%.1f %s", bytes, units[u]);
	return buf;
}

static int on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	if (stop_signal)
		return 1;
	if (p->mode == PROGRESS_NONE)
		return 0;
	double t = now_s(&p->start);
	bool final = done == total;
	if (p->printed && (done == p->last_done || (!final && t - p->last < PROGRESS_INTERVAL_S)))
		return 0;
	p->last = t;
	p->last_done = done;
	p->printed = true;
	double rate = t > 0 ? (double)done / t : 0;
	double eta = rate > 0 ? (double)(total - done) / rate : 0;
	double pct = total ? 100.0 * (double)done / (double)total : 100.0;
	if (p->mode == PROGRESS_JSON) {
		fprintf(stderr,
			"{\"event\":\"progress\",\"completed\":%" PRIu64 ",\"total\":%" PRIu64
			",\"bytes_per_sec\":%.0f,\"eta_s\":%.1f}\n",
			done, total, rate, eta);
		return 0;
	}
	char a[32], b[32], r[32];
	unsigned long e = (unsigned long)(eta + 0.5);
	fprintf(stderr, "\rexport %5.1f%%  %s / %s  %s/s  ETA %lu:%02lu:%02lu ", pct,
		human(a, sizeof(a), (double)done), human(b, sizeof(b), (double)total),
		human(r, sizeof(r), rate), e / 3600, e / 60 % 60, e % 60);
	if (final)
		fputc('\n', stderr);
	return 0;
}

static void progress_done(const struct progress *p, uint64_t done, uint64_t total,
			  const char *status)
{
	if (p->mode == PROGRESS_JSON)
		fprintf(stderr,
			"{\"event\":\"done\",\"completed\":%" PRIu64 ",\"total\":%" PRIu64
			",\"status\":\"%s\"}\n",
			done, total, status);
	else if (p->mode == PROGRESS_BAR && p->printed && strcmp(status, "ok") != 0)
		fputc('\n', stderr);
}

/* Take export's own options out of argv; the rest goes through the shared parser. */
static int split_args(int argc, char **argv, struct export_args *x, char **rest, int *nrest)
{
	int n = 0;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		const char *val = NULL;
		if (strcmp(s, "--format") == 0 || strcmp(s, "--progress") == 0) {
			if (i + 1 >= argc)
				return cli_usage_error("export", "%s needs a value", s);
			val = argv[++i];
		} else if (strncmp(s, "--format=", 9) == 0 || strncmp(s, "--progress=", 11) == 0) {
			val = strchr(s, '=') + 1;
		}
		if (strncmp(s, "--format", 8) == 0 && val) {
			x->format = val;
		} else if (strncmp(s, "--progress", 10) == 0 && val) {
			static const char *const modes[] = {"auto", "bar", "json", "none"};
			unsigned m = 0;
			while (m < 4 && strcmp(val, modes[m]) != 0)
				m++;
			if (m == 4)
				return cli_usage_error(
					"export", "--progress: expected auto, bar, json or none");
			x->progress = (enum progress_mode)m;
		} else if (strcmp(s, "--sparse") == 0) {
			x->sparse = true;
		} else if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0) {
			x->quiet = true;
		} else if (strcmp(s, "--no-sidecar") == 0) {
			x->no_sidecar = true;
		} else {
			if (n >= CLI_MAX_ARGS)
				return cli_usage_error("export", "too many arguments");
			rest[n++] = argv[i];
		}
	}
	*nrest = n;
	return 0;
}

/* A new file "<final>.tmp-XXXXXX" next to `final`, mode 0666 & ~umask like a plain create. */
static int make_temp(const char *final, char **tmp_out)
{
	size_t n = strlen(final) + sizeof(".tmp-XXXXXX");
	char *tmp = malloc(n);
	if (!tmp)
		return -1;
	snprintf(tmp, n, "%s.tmp-XXXXXX", final);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	mode_t um = umask(0);
	umask(um);
	(void)fchmod(fd, 0666 & ~um);
	*tmp_out = tmp;
	return fd;
}

static void sync_dir_of(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return;
	char *slash = strrchr(d, '/');
	const char *dir = slash ? (slash == d ? "/" : (*slash = 0, d)) : ".";
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(d);
}

/* Write `text` to a temporary file next to `final`; *tmp receives its name. */
static int write_text_temp(const char *final, const char *text, char **tmp)
{
	int fd = make_temp(final, tmp);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text), off = 0;
	int rc = 0;
	while (off < len && !rc) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		rc = w <= 0 ? -EIO : 0;
		off += w > 0 ? (size_t)w : 0;
	}
	if (!rc && fsync(fd) != 0)
		rc = -EIO;
	if (close(fd) != 0 && !rc)
		rc = -EIO;
	if (rc) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return rc;
}

/* Fill err with "FILE: what[: strerror(errnum)]" and return code; errnum 0 adds nothing. */
static int fail_at(struct vms_error *err, int code, const char *file, const char *what, int errnum)
{
	err->code = code;
	snprintf(err->msg, sizeof(err->msg), "%s: %s%s%s", file, what, errnum ? ": " : "",
		 errnum ? strerror(errnum) : "");
	return code;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

struct export_job {
	const struct cli_args *a;
	const struct export_args *x;
	vms_handle *h;
	struct vms_export_plan *plan;
	char *data_tmp, *side_tmp, *side_final;
};

static int write_outputs(struct export_job *j, struct progress *pg, struct vms_error *err)
{
	int fd = make_temp(j->a->out, &j->data_tmp);
	if (fd < 0)
		return fail_at(err, -EIO, j->a->out, "cannot create a temporary file", errno);
	struct vms_export_write_opts wo = {
		.flags = j->x->sparse ? VMS_EXPORT_WRITE_SKIP_ZERO_PAGES : 0,
		.progress = on_progress,
		.progress_ctx = pg,
	};
	int rc = vms_export_write_fd(j->h, j->plan, fd, &wo, err);
	if (!rc && fsync(fd) != 0)
		rc = fail_at(err, -EIO, j->a->out, "fsync failed", errno);
	if (close(fd) != 0 && !rc)
		rc = fail_at(err, -EIO, j->a->out, "close failed", errno);
	if (rc)
		return rc;
	if (!j->x->no_sidecar) {
		struct vms_render_opts ro = {
			.tool_name = "vmsavedstate",
			.tool_version = VMS_VERSION_STRING,
			.replay_ignored = j->a->replay_ignored,
			.raw_name = base_name(j->a->out),
		};
		char *doc = vms_export_layout_json(j->h, j->plan, &ro);
		if (!doc)
			return fail_at(err, -ENOMEM, j->a->out, "cannot render the sidecar", 0);
		size_t n = strlen(j->a->out) + sizeof(".layout.json");
		j->side_final = malloc(n);
		if (j->side_final)
			snprintf(j->side_final, n, "%s.layout.json", j->a->out);
		rc = j->side_final ? write_text_temp(j->side_final, doc, &j->side_tmp) : -ENOMEM;
		free(doc);
		if (rc)
			return fail_at(err, rc, j->a->out, "cannot write the sidecar", -rc);
	}
	if (stop_signal)
		return fail_at(err, -ECANCELED, j->a->out, "interrupted", 0);
	if (rename(j->data_tmp, j->a->out) != 0)
		return fail_at(err, -EIO, j->a->out, "cannot rename the temporary file", errno);
	free(j->data_tmp);
	j->data_tmp = NULL;
	if (j->side_tmp && rename(j->side_tmp, j->side_final) != 0)
		return fail_at(err, -EIO, j->side_final, "cannot rename the temporary file", errno);
	free(j->side_tmp);
	j->side_tmp = NULL;
	sync_dir_of(j->a->out);
	return 0;
}

static int run_export(const struct cli_args *a, const struct export_args *x,
		      enum vms_export_format f)
{
	struct export_job j = {.a = a, .x = x};
	struct vms_error err = {0};
	int rc = cli_open(a, 0, &j.h);
	if (rc)
		return rc;
	struct vms_export_opts eo = {.flags = a->have_vp ? VMS_EXPORT_ONE_VP : 0, .vp = a->vp};
	rc = vms_export_plan(j.h, f, &eo, &j.plan, &err);
	if (rc) {
		vms_close(j.h);
		return cli_error(a, cli_exit_for(rc), rc, err.msg);
	}
	struct progress pg = {.mode = x->quiet ? PROGRESS_NONE : x->progress};
	if (pg.mode == PROGRESS_AUTO)
		pg.mode = isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_JSON;
	clock_gettime(CLOCK_MONOTONIC, &pg.start);
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = write_outputs(&j, &pg, &err);
	uint64_t total = vms_export_size(j.plan);
	progress_done(&pg, rc ? 0 : total, total, rc ? "failed" : "ok");
	if (j.data_tmp)
		unlink(j.data_tmp);
	if (j.side_tmp)
		unlink(j.side_tmp);
	free(j.data_tmp);
	free(j.side_tmp);
	free(j.side_final);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	vms_export_plan_free(j.plan);
	vms_close(j.h);
	if (rc && stop_signal) {
		cli_error(a, CLI_OPEN, -ECANCELED, "export interrupted; no output written");
		return 128 + stop_signal;
	}
	return rc ? cli_error(a, cli_exit_for(rc), rc, err.msg) : CLI_OK;
}

int cmd_export(const struct cli_command *cmd, int argc, char **argv)
{
	struct export_args x = {.progress = PROGRESS_AUTO};
	char *rest[CLI_MAX_ARGS];
	int nrest = 0;
	int rc = split_args(argc, argv, &x, rest, &nrest);
	if (rc)
		return rc;
	struct cli_args a;
	rc = cli_parse(cmd, nrest, rest, &a);
	if (rc < 0)
		return CLI_OK; /* --help */
	if (rc)
		return rc;
	enum vms_export_format f;
	if (!x.format || vms_export_format_parse(x.format, &f) != 0)
		return cli_usage_error("export", "--format: expected raw, lime or elf");
	if (!a.out)
		return cli_usage_error("export", "missing -o OUT");
	return run_export(&a, &x, f);
}
