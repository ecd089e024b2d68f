/* `vmsavedstate apply-replay-log`: refuses to write without consent, applies a pending
 * HyperVStorage replay log in place and reports it, and leaves a file without pending
 * entries byte-identical. The log moves RamMemoryBlock0 from GPA 0 to GPA 1 MiB, so the
 * effect is visible through `info --json` before (as an overlay) and after (in the file). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_run.h"
#include "core/bytes.h"
#include "formats/hyperv/hv_schema.h"
#include "support/test_support.h"
#include "support/vmrs_builder.h"

static char *write_vmrs_with_pending_log(void)
{
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	vmrs_desc_init(&d);
	d.ranges = r;
	d.range_count = 1;
	uint8_t *img;
	size_t len;
	struct vmrs_layout l;
	cr_assert_eq(vmrs_build_mem(&d, &img, &len, &l), 0);
	free(img);
	uint8_t gpa_index[8];
	vms_put_le64(gpa_index, 0x100);
	struct vmrs_log_entry e = {l.rmb_value_off[0] + HV_RMB_OFF_GPA_INDEX, gpa_index, 8, true};
	d.log = &e;
	d.log_count = 1;
	cr_assert_eq(vmrs_build_mem(&d, &img, &len, NULL), 0);
	char *path = vms_test_write_temp("pending.vmrs", img, len);
	free(img);
	vmrs_layout_free(&l);
	return path;
}

static struct cli_result run(const char *a0, const char *a1, const char *a2, const char *a3)
{
	const char *argv[] = {a0, a1, a2, a3, NULL};
	return cli_run(argv);
}

Test(cli_apply_replay, refuses_without_consent_then_applies_once)
{
	char *path = write_vmrs_with_pending_log();
	uint64_t before = vms_test_file_digest(path);

	struct cli_result r = run("info", "--json", path, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"pending_entries\":\t1"), "%s", r.out);
	cr_assert(strstr(r.out, "\"gpa\":\t\"0x0000000000100000\""), "overlay: %s", r.out);
	cli_result_free(&r);

	r = run("apply-replay-log", path, NULL, NULL); /* stdin is not a terminal here */
	cr_assert_eq(r.status, 1, "must refuse without --yes: %s", r.err);
	cr_assert(strstr(r.err, "1 pending entries left untouched"), "%s", r.err);
	cli_result_free(&r);
	cr_assert_eq(vms_test_file_digest(path), before, "a refusal must not write");

	r = run("apply-replay-log", path, "--yes", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "applied 1 entries, 42 bytes written"),
		  "8 data bytes plus the 34-byte log header: %s", r.out);
	cli_result_free(&r);
	uint64_t after = vms_test_file_digest(path);
	cr_assert_neq(after, before, "the apply must write the logged bytes");

	r = run("info", "--json", "--replay=ignore", path);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"pending_entries\":\t0"), "%s", r.out);
	cr_assert(strstr(r.out, "\"gpa\":\t\"0x0000000000100000\""), "in the file: %s", r.out);
	cli_result_free(&r);

	r = run("apply-replay-log", path, "--yes", "--json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"entries_applied\":0"), "%s", r.out);
	cli_result_free(&r);
	cr_assert_eq(vms_test_file_digest(path), after, "nothing pending: nothing written");
	free(path);
}
