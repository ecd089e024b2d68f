/* Command-line parsing shared by every subcommand: one getopt_long table, and a per-command
 * mask of the options it accepts, so every command spells common options the same way
 * (fuse-and-cli.md §7.2). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CLI_MAX_CACHE_MB (UINT64_MAX >> 20)

enum {
	O_JSON = 256,
	O_VERBOSE,
	O_VP,
	O_VTL,
	O_GPA,
	O_GVA,
	O_RAW,
	O_LEN,
	O_HEX,
	O_ZERO_HOLES,
	O_SHA256,
	O_YES,
	O_CACHE_MB,
	O_MISSING,
	O_REPLAY,
	O_STRICT,
	O_HELP,
};

static const struct option long_opts[] = {
	{"json", no_argument, NULL, O_JSON},
	{"verbose", no_argument, NULL, O_VERBOSE},
	{"vp", required_argument, NULL, O_VP},
	{"vtl", required_argument, NULL, O_VTL},
	{"gpa", required_argument, NULL, O_GPA},
	{"gva", required_argument, NULL, O_GVA},
	{"raw", required_argument, NULL, O_RAW},
	{"len", required_argument, NULL, O_LEN},
	{"hex", no_argument, NULL, O_HEX},
	{"output", required_argument, NULL, 'o'},
	{"zero-holes", no_argument, NULL, O_ZERO_HOLES},
	{"sha256", no_argument, NULL, O_SHA256},
	{"yes", no_argument, NULL, O_YES},
	{"cache-mb", required_argument, NULL, O_CACHE_MB},
	{"missing", required_argument, NULL, O_MISSING},
	{"replay", required_argument, NULL, O_REPLAY},
	{"strict", no_argument, NULL, O_STRICT},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "vmsavedstate %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'vmsavedstate %s --help'.\n", cmd);
	return CLI_USAGE;
}

/* Decimal, or hex with a 0x prefix; no sign, no trailing text, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -EINVAL;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end || end == s)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	if (parse_u64(s, &v) || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static void print_help(const struct cli_command *cmd)
{
	printf("Usage: vmsavedstate %s\n\n", cmd->synopsis);
	printf("SAVEDSTATE is one file, or a legacy Hyper-V .bin and its .vsv (either order),\n"
	       "or a raw image and its layout.json sidecar.\n\n"
	       "Common options:\n"
	       "  --cache-mb N            decoded-block cache budget in MiB\n"
	       "  --missing=error|zero    missing memory blocks inside a range fail or read as "
	       "zeros\n"
	       "  --replay=overlay|ignore honour a pending replay log in memory, or ignore it\n"
	       "  --strict                reject entries whose checksums fail\n"
	       "  --help                  this text\n");
}

static int set_space(struct cli_args *a, enum cli_space sp, const char *v, const char *name)
{
	if (a->space != SPACE_NONE)
		return cli_usage_error(a->cmd, "give only one of --gpa, --gva, --raw");
	a->space = sp;
	if (parse_u64(v, &a->addr))
		return cli_usage_error(a->cmd, "%s: '%s' is not a number", name, v);
	return 0;
}

static unsigned opt_mask_of(int c)
{
	switch (c) {
	case O_JSON:
		return OPT_JSON;
	case O_VERBOSE:
		return OPT_VERBOSE;
	case O_VP:
		return OPT_VP;
	case O_VTL:
		return OPT_VTL;
	case O_GPA:
	case O_GVA:
	case O_RAW:
		return OPT_ADDR;
	case O_LEN:
		return OPT_LEN;
	case O_HEX:
		return OPT_HEX;
	case 'o':
		return OPT_OUT;
	case O_ZERO_HOLES:
		return OPT_ZERO_HOLES;
	case O_SHA256:
		return OPT_SHA256;
	case O_YES:
		return OPT_YES;
	default:
		return 0; /* common options: every command */
	}
}

static int apply_opt(struct cli_args *a, int c, const char *v)
{
	uint64_t mb;
	switch (c) {
	case O_JSON:
		a->json = true;
		return 0;
	case O_VERBOSE:
		a->verbose = true;
		return 0;
	case O_HEX:
		a->hex = true;
		return 0;
	case O_ZERO_HOLES:
		a->zero_holes = true;
		return 0;
	case O_SHA256:
		a->sha256 = true;
		return 0;
	case O_YES:
		a->yes = true;
		return 0;
	case O_STRICT:
		a->opts.flags |= VMS_OPEN_STRICT;
		return 0;
	case 'o':
		a->out = v;
		return 0;
	case O_VP:
		a->have_vp = true;
		return parse_u32(v, &a->vp) ? cli_usage_error(a->cmd, "--vp: bad index '%s'", v)
					    : 0;
	case O_VTL:
		a->have_vtl = true;
		if (parse_u32(v, &a->vtl) || a->vtl > 15)
			return cli_usage_error(a->cmd, "--vtl: expected 0..15, got '%s'", v);
		return 0;
	case O_LEN:
		a->have_len = true;
		return parse_u64(v, &a->len) ? cli_usage_error(a->cmd, "--len: bad length '%s'", v)
					     : 0;
	case O_GPA:
		return set_space(a, SPACE_GPA, v, "--gpa");
	case O_GVA:
		return set_space(a, SPACE_GVA, v, "--gva");
	case O_RAW:
		return set_space(a, SPACE_RAW, v, "--raw");
	case O_CACHE_MB:
		if (parse_u64(v, &mb) || mb > CLI_MAX_CACHE_MB)
			return cli_usage_error(a->cmd, "--cache-mb: bad size '%s'", v);
		a->opts.cache_bytes = mb << 20;
		return 0;
	case O_MISSING:
		if (strcmp(v, "zero") == 0)
			a->opts.flags |= VMS_OPEN_ZERO_MISSING;
		else if (strcmp(v, "error") == 0)
			a->opts.flags &= ~VMS_OPEN_ZERO_MISSING;
		else
			return cli_usage_error(a->cmd, "--missing: expected error or zero");
		return 0;
	case O_REPLAY:
		a->replay_ignored = strcmp(v, "ignore") == 0;
		if (a->replay_ignored)
			a->opts.flags |= VMS_OPEN_IGNORE_REPLAY_LOG;
		else if (strcmp(v, "overlay") == 0)
			a->opts.flags &= ~VMS_OPEN_IGNORE_REPLAY_LOG;
		else
			return cli_usage_error(a->cmd, "--replay: expected overlay or ignore");
		return 0;
	default:
		return cli_usage_error(a->cmd, "unknown option");
	}
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *a)
{
	memset(a, 0, sizeof(*a));
	a->cmd = cmd->name;
	vms_open_opts_init(&a->opts);
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "o:", long_opts, NULL)) != -1) {
		if (c == O_HELP) {
			print_help(cmd);
			return -1;
		}
		if (c == '?' || c == ':')
			return cli_usage_error(cmd->name, "unknown option or missing value: '%s'",
					       argv[optind - 1]);
		unsigned need = opt_mask_of(c);
		if (need && !(cmd->opts & need))
			return cli_usage_error(cmd->name, "option '%s' does not apply here",
					       argv[optind - 1]);
		int rc = apply_opt(a, c, optarg);
		if (rc)
			return rc;
	}
	size_t n = (size_t)(argc - optind);
	if (n == 0)
		return cli_usage_error(cmd->name, "missing SAVEDSTATE");
	if (n > cmd->max_paths)
		return cli_usage_error(cmd->name, "at most %zu file%s", cmd->max_paths,
				       cmd->max_paths > 1 ? "s" : "");
	for (size_t i = 0; i < n; i++)
		a->paths[i] = argv[optind + (int)i];
	a->npaths = n;
	return 0;
}
