/* Named regressions for bugs found by the hardening sweeps and the fuzzers (STYLE.md rule 23):
 * each test replays the smallest input that showed the bug. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats/raw/raw_builder.h"
#include "hardening/hard_walk.h"
#include "support/test_support.h"

/* A memory source whose reads fail with -EIO from read number `fail_from` on. */
struct late_fail {
	const uint8_t *buf;
	size_t len;
	unsigned reads, fail_from;
};

static int late_fail_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct late_fail *f = ctx;
	if (f->reads++ >= f->fail_from || off > f->len || len > f->len - off)
		return -EIO;
	memcpy(buf, f->buf + off, len);
	return 0;
}

/* raw_backend.c source_is_sidecar() took a failed read for "not a sidecar", so an I/O error
 * on the sidecar came back as -EBADMSG "exactly one must be a JSON sidecar (found 0)".
 * Found by test_hard_io (hard_io::raw_with_sidecar). */
Test(hard_regress, raw_sidecar_sniff_read_error_is_eio)
{
	uint8_t *image = rb_image();
	const char *side = rb_sidecar();
	struct late_fail f = {(const uint8_t *)side, strlen(side), 0, 1}; /* probe read only */
	struct vms_io ios[2];
	vms_io_mem_init(&ios[0], image, RB_IMAGE_SIZE, "image");
	ios[1] = (struct vms_io){late_fail_pread, f.len, &f, "sidecar"};
	vms_handle *h = NULL;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(ios, 2, NULL, &h, &err), -EIO, "%d: %s", err.code, err.msg);
	cr_assert_null(h);
	cr_assert(strstr(err.msg, "sniff"), "%s", err.msg);
	/* the same pair with a healthy sidecar opens */
	f.reads = 0;
	f.fail_from = 1000;
	cr_assert_eq(vms_open_io(ios, 2, NULL, &h, &err), 0, "%s", err.msg);
	vms_close(h);
	free(image);
	cr_assert(hard_no_leaks(), "leaks (see stderr)");
}

/* fuzz_bin_open aborted on a .bin whose signature the fuzzer had broken: the file then opens
 * as a raw image (the raw backend bids on anything), whose size need not be whole pages, and
 * the harness applied the .bin invariant "chunk pages * 4096 == raw size" to it. The harness
 * now checks .bin invariants only on "hyperv-bin" handles. Found by scripts/fuzz.sh 60. */
Test(hard_regress, damaged_bin_opens_as_raw_with_partial_page)
{
	size_t len = 0;
	uint8_t *buf = vms_test_read_file(
		VMS_SOURCE_DIR "/fuzz/corpus/fuzz_bin_open/regress-damaged-bin-opens-as-raw", &len);
	cr_assert_not_null(buf);
	cr_assert_eq(len, 4097);
	struct vms_io io;
	vms_io_mem_init(&io, buf, len, "damaged.bin");
	vms_handle *h = NULL;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(&io, 1, NULL, &h, &err), 0, "%s", err.msg);
	cr_assert_str_eq(vms_format_name(h), "raw");
	cr_assert_eq(vms_raw_size(h), 4097);
	struct vms_chunk c[2];
	cr_assert_eq(vms_chunk_list(h, c, 2), 1);
	cr_assert_eq(c[0].pages, 1, "only whole pages are guest memory");
	struct hard_trace t = {0};
	hard_walk(h, &t);
	cr_assert_eq(t.bad, 0, "%s", t.first_bad);
	hard_trace_free(&t);
	vms_close(h);
	free(buf);
	cr_assert(hard_no_leaks(), "leaks (see stderr)");
}

/* qemu_kdump.c flat_index(): a flattened file whose first record is the end marker left
 * recs NULL and called qsort(NULL, 0, ...), undefined behaviour (UBSan: "null pointer passed
 * as argument 1, which is declared to never be null"); the open then went on to parse the
 * makedumpfile header as a disk_dump_header. It is now -EBADMSG naming the marker. Found by
 * fuzz_bin_open in a coverage-instrumented libFuzzer build. */
Test(hard_regress, kdump_flattened_without_records_is_ebadmsg)
{
	size_t len = 0;
	uint8_t *buf = vms_test_read_file(
		VMS_SOURCE_DIR "/fuzz/corpus/fuzz_qemu_kdump/regress-kdump-flattened-no-records",
		&len);
	cr_assert_not_null(buf);
	struct vms_io io;
	vms_io_mem_init(&io, buf, len, "no-records.kdump");
	vms_handle *h = NULL;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(&io, 1, NULL, &h, &err), -EBADMSG, "%d: %s", err.code, err.msg);
	cr_assert_null(h);
	cr_assert(strstr(err.msg, "end marker at file offset 0x1000 before any record"), "%s",
		  err.msg);
	free(buf);
	cr_assert(hard_no_leaks(), "leaks (see stderr)");
}
