/* Shared pieces of the `vmsavedstate` CLI: parsed arguments, opening, error reporting and
 * exit codes (fuse-and-cli.md §7, with the project's CLI contract). Uses only the public
 * API and the render library. */
#ifndef VMS_CLI_H
#define VMS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vmsavedstate/vmsavedstate.h>

/* Exit codes of the CLI contract. */
enum cli_exit {
	CLI_OK = 0,
	CLI_USAGE = 1,	  /* bad command line */
	CLI_OPEN = 2,	  /* cannot open or parse, or a read failed */
	CLI_UNMAPPED = 3, /* address not mapped or not present */
};

/* Options a subcommand accepts (cli_parse rejects the others). */
enum cli_opt_mask {
	OPT_JSON = 1u << 0,
	OPT_VERBOSE = 1u << 1,
	OPT_VP = 1u << 2,
	OPT_VTL = 1u << 3,
	OPT_ADDR = 1u << 4, /* --gpa / --gva / --raw */
	OPT_LEN = 1u << 5,
	OPT_HEX = 1u << 6,
	OPT_OUT = 1u << 7,
	OPT_ZERO_HOLES = 1u << 8,
	OPT_SHA256 = 1u << 9,
	OPT_YES = 1u << 10,
};

enum cli_space { SPACE_NONE, SPACE_GPA, SPACE_GVA, SPACE_RAW };

#define CLI_MAX_PATHS 2

struct cli_args {
	const char *cmd;
	const char *paths[CLI_MAX_PATHS];
	size_t npaths;
	bool json, verbose, hex, zero_holes, sha256, yes;
	bool have_vp, have_vtl, have_len;
	uint32_t vp, vtl;
	enum cli_space space;
	uint64_t addr, len;
	const char *out;
	struct vms_open_opts opts;
	bool replay_ignored;
};

struct cli_command {
	const char *name;
	const char *synopsis;
	unsigned opts; /* enum cli_opt_mask */
	size_t max_paths;
	int (*run)(const struct cli_args *a);
};

/** Parse argv (after the subcommand name) into `a`. On a usage error print it and return
 *  CLI_USAGE; return -1 when --help was printed; 0 otherwise. */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *a);

/** Open the saved state named by a->paths with a->opts; on failure print
 *  "vmsavedstate: FILE: msg" (or a JSON error object) and return CLI_OPEN. */
int cli_open(const struct cli_args *a, uint32_t extra_flags, vms_handle **h);

/** Print an error about `a`'s first file for code `rc` and message `msg`; return `exit`. */
int cli_error(const struct cli_args *a, int exit_code, int rc, const char *msg);
__attribute__((format(printf, 2, 3))) int cli_usage_error(const char *cmd, const char *fmt, ...);

/** Exit code for a library failure code: -EFAULT -> 3, -ERANGE -> 1, others -> 2. */
int cli_exit_for(int rc);

/** Write a malloc'd document to stdout and free it; NULL means out of memory. */
int cli_emit(const struct cli_args *a, char *doc);

/** "0x" + 16 hex digits. */
const char *cli_hex64(char buf[19], uint64_t v);

/* The subcommands, one file each. */
int cmd_info(const struct cli_args *a);
int cmd_regs(const struct cli_args *a);
int cmd_chunks(const struct cli_args *a);
int cmd_keys(const struct cli_args *a);
int cmd_read(const struct cli_args *a);
int cmd_xlate(const struct cli_args *a);
int cmd_apply_replay_log(const struct cli_args *a);
/* export has options of its own and parses argv itself (its row's run is NULL). */
int cmd_export(const struct cli_command *cmd, int argc, char **argv);

#endif
