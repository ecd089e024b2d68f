/* Opening saved states and reporting failures the way the CLI contract says: one line
 * "vmsavedstate: FILE: <message>" on stderr, or a JSON error object with --json
 * (fuse-and-cli.md §7.3), and exit codes 2 (cannot open/parse) or 3 (not mapped). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *cli_hex64(char buf[19], uint64_t v)
{
	snprintf(buf, 19, "0x%016" PRIx64, v);
	return buf;
}

int cli_exit_for(int rc)
{
	switch (rc) {
	case -EFAULT:
		return CLI_UNMAPPED;
	case -ERANGE:
		return CLI_USAGE;
	default:
		return CLI_OPEN;
	}
}

int cli_error(const struct cli_args *a, int exit_code, int rc, const char *msg)
{
	const char *file = a->npaths ? a->paths[0] : "-";
	if (!msg || !*msg)
		msg = vms_strerror(rc);
	if (!a->json) {
		fprintf(stderr, "vmsavedstate: %s: %s\n", file, msg);
		return exit_code;
	}
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;
	if (o && cJSON_AddStringToObject(o, "error", msg) &&
	    cJSON_AddStringToObject(o, "code", vms_errname(rc)) &&
	    cJSON_AddStringToObject(o, "file", file) &&
	    cJSON_AddNumberToObject(o, "exit", exit_code))
		s = cJSON_PrintUnformatted(o);
	if (s)
		fprintf(stderr, "%s\n", s);
	else
		fprintf(stderr, "vmsavedstate: %s: %s\n", file, msg);
	cJSON_free(s);
	cJSON_Delete(o);
	return exit_code;
}

int cli_open(const struct cli_args *a, uint32_t extra_flags, vms_handle **h)
{
	struct vms_open_opts opts = a->opts;
	struct vms_error err = {0};
	opts.flags |= extra_flags;
	int rc = vms_open_files(a->paths, a->npaths, &opts, h, &err);
	if (rc == 0)
		return 0;
	*h = NULL;
	return cli_error(a, CLI_OPEN, rc, err.msg);
}

int cli_emit(const struct cli_args *a, char *doc)
{
	if (!doc)
		return cli_error(a, CLI_OPEN, -ENOMEM, NULL);
	size_t n = strlen(doc);
	int ok = fwrite(doc, 1, n, stdout) == n;
	free(doc);
	if (!ok || fflush(stdout) != 0)
		return cli_error(a, CLI_OPEN, -EIO, "cannot write to stdout");
	return CLI_OK;
}
