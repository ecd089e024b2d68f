/* vmsavedstatefs: mount a VM saved state as a read-only tree (fuse-and-cli.md §3, §4).
 * main() follows the libfuse 3.14 ladder (STYLE.md rule 18): parse, open the evidence while
 * stderr is still the terminal, create the session, install signal handlers, mount,
 * daemonize, loop, and unwind in reverse order.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmsavedstate/version.h>

#include "fs.h"
#include "fs_ops.h"

/* Exit codes (fuse-and-cli.md §7.3). */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define EXIT_FORMAT 3

/* Evidence files plus the mountpoint; the library takes at most a .bin/.vsv pair. */
#define MAX_POSITIONAL 8

struct fs_cmdline {
	char *positional[MAX_POSITIONAL];
	size_t positional_count;
	bool too_many;
	char *cache_size;
	char *vmem;
	char *holes;
	char *missing;
	char *replay;
	char *vsv;
	int direct_io;
	int no_hash;
};

#define FS_OPT(t, member, v)                                                                       \
	{                                                                                          \
		t, offsetof(struct fs_cmdline, member), v                                          \
	}
static const struct fuse_opt fs_opt_spec[] = {
	FS_OPT("cache_size=%s", cache_size, 0),
	FS_OPT("vmem=%s", vmem, 0),
	FS_OPT("holes=%s", holes, 0),
	FS_OPT("missing=%s", missing, 0),
	FS_OPT("replay=%s", replay, 0),
	FS_OPT("vsv=%s", vsv, 0),
	FS_OPT("direct_io", direct_io, 1),
	FS_OPT("no_hash", no_hash, 1),
	FUSE_OPT_END,
};

/* Keep every option we do not know for fuse_parse_cmdline/fuse_session_new; take every
 * non-option (sources and the mountpoint), because fuse_parse_cmdline accepts only one. */
static int fs_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	(void)outargs;
	struct fs_cmdline *cl = data;
	if (key != FUSE_OPT_KEY_NONOPT)
		return 1;
	if (cl->positional_count == MAX_POSITIONAL) {
		cl->too_many = true;
		return 0;
	}
	cl->positional[cl->positional_count] = strdup(arg);
	if (!cl->positional[cl->positional_count])
		return -1;
	cl->positional_count++;
	return 0;
}

static void usage(const char *prog)
{
	printf("usage: %s [options] SAVEDSTATE... MOUNTPOINT\n\n"
	       "Mount a virtual-machine saved state read-only: arch, layout.json, physmem, raw,\n"
	       "keys.json, vp/N/{registers,registers.json,vmem}.\n\n"
	       "vmsavedstatefs options:\n"
	       "    -o cache_size=BYTES    decoded-block cache budget (suffix K, M or G)\n"
	       "    -o vmem=zero|eio       unmapped vp/N/vmem pages read as zeros (default) or "
	       "fail\n"
	       "    -o holes=zero|eio      physmem holes read as zeros (default) or fail\n"
	       "    -o missing=error|zero  missing memory blocks fail (default) or read as "
	       "zeros\n"
	       "    -o replay=overlay|ignore  pending replay log: in-memory overlay (default) or "
	       "ignored\n"
	       "    -o vsv=FILE            the .vsv of a legacy .bin pair\n"
	       "    -o direct_io           bypass the page cache for every memory file\n"
	       "    -o no_hash             skip the SHA-256 of the sources in layout.json\n\n",
	       prog);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

static void version(void)
{
	const char *names[32];
	size_t n = vms_format_list(names, 32);
	printf("vmsavedstatefs %s\nlibvmsavedstate %s\nlibfuse %s\nformats:", VMS_VERSION_STRING,
	       vms_version(), fuse_pkgversion());
	for (size_t i = 0; i < n && i < 32; i++)
		printf("%s %s", i ? "," : "", names[i]);
	printf("\n");
	fuse_lowlevel_version();
}

/* BYTES with an optional K, M or G suffix (powers of 1024). */
static bool parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return false;
	unsigned shift = 0;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		end++;
		break;
	case 'M':
	case 'm':
		shift = 20;
		end++;
		break;
	case 'G':
	case 'g':
		shift = 30;
		end++;
		break;
	default:
		break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* value must be `a` (-> false) or `b` (-> true); NULL keeps the default false. */
static bool parse_choice(const char *opt, const char *value, const char *a, const char *b,
			 bool *out)
{
	if (!value)
		return true;
	if (strcmp(value, a) == 0 || strcmp(value, b) == 0) {
		*out = strcmp(value, b) == 0;
		return true;
	}
	fprintf(stderr, "vmsavedstatefs: -o %s=%s: expected %s or %s\n", opt, value, a, b);
	return false;
}

static bool config_from_cmdline(const struct fs_cmdline *cl, struct vms_fs_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	if (cl->cache_size && !parse_bytes(cl->cache_size, &cfg->cache_bytes)) {
		fprintf(stderr, "vmsavedstatefs: -o cache_size=%s: expected BYTES[K|M|G]\n",
			cl->cache_size);
		return false;
	}
	cfg->direct_io = cl->direct_io;
	cfg->no_hash = cl->no_hash;
	return parse_choice("vmem", cl->vmem, "zero", "eio", &cfg->vmem_eio) &&
	       parse_choice("holes", cl->holes, "zero", "eio", &cfg->holes_eio) &&
	       parse_choice("missing", cl->missing, "error", "zero", &cfg->missing_zero) &&
	       parse_choice("replay", cl->replay, "overlay", "ignore", &cfg->replay_ignore);
}

/* fuse_daemonize() points fds 0-2 at /dev/null; if one of them is closed now, the evidence
 * could be opened on it and then be replaced (squashfuse's ll_main.c guards the same). */
static bool ensure_std_fds(void)
{
	for (;;) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return false;
		if (fd > 2) {
			close(fd);
			return true;
		}
		/* keep it: it fills one of 0-2; clear CLOEXEC so the slot behaves like stdio */
		(void)fcntl(fd, F_SETFD, 0);
	}
}

/* -o fsname=<basename of the first source>, with option separators replaced so that the
 * name cannot inject mount options. */
static int add_mount_opts(struct fuse_args *args, const char *source)
{
	const char *base = strrchr(source, '/');
	base = base && base[1] ? base + 1 : source;
	char opt[512];
	int n = snprintf(opt, sizeof opt,
			 "-oro,default_permissions,noexec,max_read=%u,subtype=vmsavedstate,"
			 "fsname=",
			 VMS_FS_MAX_READ);
	if (n < 0 || (size_t)n >= sizeof opt)
		return -1;
	size_t i = (size_t)n;
	for (; *base && i + 1 < sizeof opt; i++, base++) {
		const bool separator =
			*base == ',' || *base == '\\' || *base == ' ' || *base == '\t';
		opt[i] = separator ? '_' : *base;
	}
	opt[i] = '\0';
	return fuse_opt_add_arg(args, opt);
}

static int exit_code_for(int rc)
{
	return rc == -EPROTONOSUPPORT || rc == -ENOTSUP ? EXIT_FORMAT : EXIT_RUNTIME;
}

static void free_buffer(void *p)
{
	free(p);
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fs_cmdline cl;
	struct vms_fs fs;
	struct vms_open_opts oo;
	struct vms_error err;
	const char *sources[MAX_POSITIONAL];
	size_t source_count = 0;
	struct fuse_session *se;
	struct fuse_loop_config *loop_cfg;
	int ret = EXIT_USAGE, rc;

	memset(&opts, 0, sizeof opts);
	memset(&cl, 0, sizeof cl);
	memset(&fs, 0, sizeof fs);
	memset(&err, 0, sizeof err);

	if (!ensure_std_fds())
		return EXIT_RUNTIME;
	if (fuse_opt_parse(&args, &cl, fs_opt_spec, fs_opt_proc) != 0)
		goto out_args;
	if (cl.positional_count > 0 &&
	    fuse_opt_add_arg(&args, cl.positional[cl.positional_count - 1]) != 0)
		goto out_args;
	if (cl.positional_count > 0 && add_mount_opts(&args, cl.positional[0]) != 0)
		goto out_args;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (opts.show_help) {
		usage(argv[0]);
		ret = 0;
		goto out_opts;
	}
	if (opts.show_version) {
		version();
		ret = 0;
		goto out_opts;
	}
	if (cl.too_many || cl.positional_count < 2 || !opts.mountpoint) {
		fprintf(stderr, "usage: %s [options] SAVEDSTATE... MOUNTPOINT (see --help)\n",
			argv[0]);
		goto out_opts;
	}
	if (!config_from_cmdline(&cl, &fs.cfg))
		goto out_opts;
	for (size_t i = 0; i + 1 < cl.positional_count; i++)
		sources[source_count++] = cl.positional[i];
	if (cl.vsv)
		sources[source_count++] = cl.vsv;

	/* Open the evidence before daemonizing, so errors reach the terminal (rule 18). */
	ret = EXIT_RUNTIME;
	vms_open_opts_init(&oo);
	if (fs.cfg.cache_bytes)
		oo.cache_bytes = fs.cfg.cache_bytes;
	if (fs.cfg.missing_zero)
		oo.flags |= VMS_OPEN_ZERO_MISSING;
	if (fs.cfg.replay_ignore)
		oo.flags |= VMS_OPEN_IGNORE_REPLAY_LOG;
	rc = vms_open_files(sources, source_count, &oo, &fs.h, &err);
	if (rc < 0) {
		fprintf(stderr, "vmsavedstatefs: %s: %s\n", sources[0],
			err.msg[0] ? err.msg : vms_strerror(rc));
		ret = exit_code_for(rc);
		goto out_opts;
	}
	struct stat st;
	if (stat(sources[0], &st) == 0)
		fs.mtime = st.st_mtim;
	fs.uid = getuid();
	fs.gid = getgid();
	rc = vms_fs_tree_build(&fs, sources, source_count);
	if (rc < 0) {
		fprintf(stderr, "vmsavedstatefs: %s: building the tree: %s\n", sources[0],
			vms_strerror(rc));
		goto out_tree;
	}
	fs.buf_key_ok = pthread_key_create(&fs.buf_key, free_buffer) == 0;

	se = fuse_session_new(&args, &vms_fs_ops, sizeof vms_fs_ops, &fs);
	if (!se)
		goto out_key;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	if (fuse_daemonize(opts.foreground) != 0)
		goto out_unmount;

	if (opts.singlethread) {
		rc = fuse_session_loop(se);
	} else {
		loop_cfg = fuse_loop_cfg_create();
		if (!loop_cfg)
			goto out_unmount;
		fuse_loop_cfg_set_clone_fd(loop_cfg, (unsigned)opts.clone_fd);
		/* UINT_MAX is fuse_parse_cmdline's "not given": keep libfuse's defaults then
		 * (passing it on makes 3.14 print a warning) */
		if (opts.max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(loop_cfg, opts.max_idle_threads);
		if (opts.max_threads != UINT_MAX)
			fuse_loop_cfg_set_max_threads(loop_cfg, opts.max_threads);
		rc = fuse_session_loop_mt(se, loop_cfg);
		fuse_loop_cfg_destroy(loop_cfg);
	}
	/* The loop reports the signal that ended it; SIGINT/SIGTERM/SIGHUP are the normal way
	 * to stop the daemon, so they are a clean exit. */
	ret = rc == 0 || rc == SIGINT || rc == SIGTERM || rc == SIGHUP ? 0 : EXIT_RUNTIME;

out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_key:
	if (fs.buf_key_ok)
		pthread_key_delete(fs.buf_key);
out_tree:
	vms_fs_tree_free(&fs);
	vms_close(fs.h);
out_opts:
	free(opts.mountpoint);
out_args:
	fuse_opt_free_args(&args);
	for (size_t i = 0; i < cl.positional_count; i++)
		free(cl.positional[i]);
	free(cl.cache_size);
	free(cl.vmem);
	free(cl.holes);
	free(cl.missing);
	free(cl.replay);
	free(cl.vsv);
	return ret;
}
