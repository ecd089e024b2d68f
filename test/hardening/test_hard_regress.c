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
}
