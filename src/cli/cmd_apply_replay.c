/* `vmsavedstate apply-replay-log`: the only command that writes to an input. It says what is
 * pending, asks before writing (or needs --yes when nobody can be asked), applies the
 * HyperVStorage replay log in place through vms_replay_log_apply (crash-safe order: data,
 * fsync, then the log's entry count, fsync) and reports what changed. Run it on a copy. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* How many entries are pending, from a metadata-only open (which never writes). */
static int pending_entries(const struct cli_args *a, uint32_t *pending)
{
	vms_handle *h;
	int rc = cli_open(a, VMS_OPEN_METADATA_ONLY, &h);
	if (rc)
		return rc;
	*pending = vms_replay_pending(h);
	vms_close(h);
	return CLI_OK;
}

static bool confirmed(const struct cli_args *a, uint32_t pending)
{
	if (a->yes)
		return true;
	if (!isatty(STDIN_FILENO))
		return false;
	fprintf(stderr, "Apply %" PRIu32 " pending replay-log entries to %s in place? [y/N] ",
		pending, a->paths[0]);
	char line[16];
	return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

int cmd_apply_replay_log(const struct cli_args *a)
{
	uint32_t pending = 0;
	int rc = pending_entries(a, &pending);
	if (rc)
		return rc;
	struct vms_replay_report rep = {0};
	if (pending > 0) {
		if (!confirmed(a, pending)) {
			fprintf(stderr,
				"vmsavedstate: %s: %" PRIu32 " pending entries left untouched "
				"(pass --yes to write without asking)\n",
				a->paths[0], pending);
			return CLI_USAGE;
		}
		struct vms_error err = {0};
		rc = vms_replay_log_apply(a->paths[0], &rep, &err);
		if (rc)
			return cli_error(a, CLI_OPEN, rc, err.msg);
	}
	if (a->json) {
		char x[2][19];
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddStringToObject(o, "path", a->paths[0]) ||
		    !cJSON_AddNumberToObject(o, "pending_entries", pending) ||
		    !cJSON_AddNumberToObject(o, "entries_applied", rep.entries_applied) ||
		    !cJSON_AddNumberToObject(o, "bytes_written", (double)rep.bytes_written) ||
		    !cJSON_AddStringToObject(o, "first_offset", cli_hex64(x[0], rep.first_off)) ||
		    !cJSON_AddStringToObject(o, "end_offset", cli_hex64(x[1], rep.last_end))) {
			cJSON_Delete(o);
			return cli_error(a, CLI_OPEN, -ENOMEM, NULL);
		}
		char *doc = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		char *line = doc ? malloc(strlen(doc) + 2) : NULL;
		if (line)
			sprintf(line, "%s\n", doc);
		cJSON_free(doc);
		return cli_emit(a, line);
	} else if (pending == 0) {
		printf("%s: no pending replay-log entries; nothing written\n", a->paths[0]);
	} else {
		printf("%s: applied %" PRIu32 " entries, %" PRIu64 " bytes written in file range "
		       "[0x%" PRIx64 ", 0x%" PRIx64 "); the log is now empty\n",
		       a->paths[0], rep.entries_applied, rep.bytes_written, rep.first_off,
		       rep.last_end);
	}
	return CLI_OK;
}
