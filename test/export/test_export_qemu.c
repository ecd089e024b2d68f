/* Exports of saved states written by Debian's QEMU 7.2 for our bare-metal guests
 * (test/qemu/qemu_fixtures.py), reopened with our readers and compared with what QEMU
 * itself reported for the stopped VM (registers, translations, pmemsave ranges). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include <export/export.h>

#include "export/export_source.h"
#include "support/qemu_truth.h"

/* Export `dir/stream.mig` (the migration stream: every register) as `name` in `dir`. */
static void export_stream(const char *dir, enum vms_export_format f, const char *name)
{
	char src[4096], out[4096];
	snprintf(src, sizeof(src), "%s/stream.mig", dir);
	snprintf(out, sizeof(out), "%s/%s", dir, name);
	vms_handle *h = es_open(src);
	cr_assert_eq(es_export(h, (int)f, out, true, 0, 0), 0);
	vms_close(h);
}

static void check(const char *guest)
{
	const char *dir = qemu_truth_dir(guest);
	if (!dir)
		return;
	export_stream(dir, VMS_EXPORT_ELF, "export.elf");
	struct qemu_check elf = {"export.elf", false, true};
	unsigned n = qemu_truth_check(dir, &elf);
	cr_log_info("%s/export.elf: %u comparisons with QEMU", guest, n);
	cr_assert_gt(n, 100u);
	/* raw + sidecar carries every register, EFER and the DRs included */
	export_stream(dir, VMS_EXPORT_RAW, "export.raw");
	struct qemu_check raw = {"export.raw", true, true};
	n = qemu_truth_check(dir, &raw);
	cr_log_info("%s/export.raw: %u comparisons with QEMU", guest, n);
	cr_assert_gt(n, 100u);
}

Test(export_qemu, lm64)
{
	check("lm64");
	const char *dir = qemu_truth_dir("lm64");
	if (!dir)
		return;
	char src[4096];
	snprintf(src, sizeof(src), "%s/stream.mig", dir);
	es_expect_gdb_matches(src);
}

Test(export_qemu, pae)
{
	check("pae");
}

Test(export_qemu, x86)
{
	check("x86");
}
