/* Runs the built vmsavedstate binary with captured stdout/stderr for the CLI tests. */
#ifndef VMS_TEST_CLI_RUN_H
#define VMS_TEST_CLI_RUN_H

#include <stddef.h>

struct cli_result {
	int status; /* exit code, or -1 when killed by a signal */
	char *out;  /* NUL-terminated (may contain earlier NULs for binary output) */
	size_t out_len;
	char *err;
};

/** Run `vmsavedstate argv...` (argv NULL-terminated, without the program name). */
struct cli_result cli_run(const char *const *argv);
void cli_result_free(struct cli_result *r);

#endif
