/* vmsavedstate: git-style subcommands over libvmsavedstate (fuse-and-cli.md §7). The table
 * below is the whole command surface; `export` and `apply-replay-log` slot in as new rows. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define TOOL_NAME "vmsavedstate"

static const struct cli_command commands[] = {
	{"info", "info SAVEDSTATE... [--json] [--verbose] [--sha256]",
	 OPT_JSON | OPT_VERBOSE | OPT_SHA256, CLI_MAX_PATHS, cmd_info},
	{"regs", "regs SAVEDSTATE... [--vp N] [--vtl N] [--json]", OPT_JSON | OPT_VP | OPT_VTL,
	 CLI_MAX_PATHS, cmd_regs},
	{"chunks", "chunks SAVEDSTATE... [--json]", OPT_JSON, CLI_MAX_PATHS, cmd_chunks},
	{"keys", "keys SAVEDSTATE [--json]", OPT_JSON, 1, cmd_keys},
	{"read",
	 "read SAVEDSTATE... (--gpa A | --gva A --vp N | --raw OFF) --len N [--hex] [-o OUT] "
	 "[--zero-holes]",
	 OPT_ADDR | OPT_VP | OPT_LEN | OPT_HEX | OPT_OUT | OPT_ZERO_HOLES, CLI_MAX_PATHS, cmd_read},
	{"xlate", "xlate SAVEDSTATE... --vp N --gva A [--json]", OPT_JSON | OPT_VP | OPT_ADDR,
	 CLI_MAX_PATHS, cmd_xlate},
	{"export",
	 "export SAVEDSTATE... --format raw|lime|elf -o OUT [--sparse] [--vp N] "
	 "[--progress=auto|bar|json|none] [-q] [--no-sidecar]",
	 OPT_VP | OPT_OUT, CLI_MAX_PATHS, NULL},
	{"apply-replay-log", "apply-replay-log FILE [--yes] [--json]", OPT_YES | OPT_JSON, 1,
	 cmd_apply_replay_log},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *f)
{
	fprintf(f, "Usage: %s COMMAND SAVEDSTATE... [options]\n\nCommands:\n", TOOL_NAME);
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(f, "  %s %s\n", TOOL_NAME, commands[i].synopsis);
	fprintf(f,
		"\nCommon options: --cache-mb N, --missing=error|zero, "
		"--replay=overlay|ignore, --strict\n"
		"Run '%s COMMAND --help' for details; '%s --version' for versions.\n"
		"Exit status: 0 ok, 1 usage, 2 cannot open or parse, 3 address not mapped.\n",
		TOOL_NAME, TOOL_NAME);
}

static void print_version(void)
{
	const char *names[32];
	size_t n = vms_format_list(names, 32);
	printf("%s %s\nlibrary %s\nformats:", TOOL_NAME, VMS_VERSION_STRING, vms_version());
	for (size_t i = 0; i < n && i < 32; i++)
		printf("%s %s", i ? "," : "", names[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return CLI_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		print_usage(stdout);
		return CLI_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		print_version();
		return CLI_OK;
	}
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		if (strcmp(name, commands[i].name) != 0)
			continue;
		if (!commands[i].run)
			return cmd_export(&commands[i], argc - 1, argv + 1);
		struct cli_args a;
		int rc = cli_parse(&commands[i], argc - 1, argv + 1, &a);
		if (rc < 0)
			return CLI_OK; /* --help */
		if (rc)
			return rc;
		return commands[i].run(&a);
	}
	fprintf(stderr, "%s: unknown command '%s'\n", TOOL_NAME, name);
	print_usage(stderr);
	return CLI_USAGE;
}
