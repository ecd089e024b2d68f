/* HyperVStorage replay log (hyperv-format §2.10): pending entries as an in-memory overlay,
 * bad entries, stale entries, and the crash-safe in-place vms_replay_log_apply. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/crc32.h"
#include "formats/hyperv/hvs_container.h"
#include "support/hvs_writer.h"
#include "support/test_support.h"

static char g_warn[1024];

static void on_log(void *ctx, const char *msg)
{
	(void)ctx;
	strncat(g_warn, msg, sizeof(g_warn) - strlen(g_warn) - 2);
	strcat(g_warn, "|");
}

enum { K_ROOT, K_INT, K_ARR };

/* Same layout, different values: `v` for r/i and the array fill byte. */
static void build(struct hvs_image *img, struct hvs_writer **w, int64_t v)
{
	*w = hvs_writer_new(NULL);
	uint32_t r = hvs_w_node(*w, HVS_W_ROOT, "r");
	hvs_w_int(*w, r, "i", v);
	uint8_t arr[5000];
	memset(arr, (int)v, sizeof(arr));
	hvs_w_array(*w, r, "a", arr, sizeof(arr));
	cr_assert_eq(hvs_writer_build(*w, img), 0);
}

static int open_buf(const uint8_t *buf, size_t len, uint32_t flags, struct hvs_container **c,
		    struct vms_error *err)
{
	static struct vms_io io;
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.flags = flags;
	o.log = on_log;
	g_warn[0] = 0;
	vms_io_mem_init(&io, buf, len, "replay");
	memset(err, 0, sizeof(*err));
	return hvs_open(&io, &o, NULL, c, err);
}

static int64_t int_value(struct hvs_container *c)
{
	return (int64_t)hvs_key_at(c, hvs_lookup(c, "r/i"))->u64;
}

struct pair {
	struct hvs_image a, b; /* a: on disk (v=5); b: what the log says (v=6) */
	struct hvs_writer *wa, *wb;
};

static void make_pair(struct pair *p)
{
	build(&p->a, &p->wa, 5);
	build(&p->b, &p->wb, 6);
	cr_assert_eq(p->a.len, p->b.len);
}

static void free_pair(struct pair *p)
{
	hvs_image_free(&p->a);
	hvs_image_free(&p->b);
	hvs_writer_free(p->wa);
	hvs_writer_free(p->wb);
}

/* Log the new int entry (whole key entry bytes) as pending. */
static uint64_t log_int_entry(struct pair *p, bool pending)
{
	uint64_t e = p->a.key_entry_off[K_INT];
	uint32_t esize = vms_le32(p->b.buf + e + 2);
	cr_assert_geq(hvs_image_log_entry(&p->a, e, p->b.buf + e, esize, pending), 0);
	return e;
}

Test(hvs_replay, pending_entry_is_an_overlay)
{
	struct pair p;
	make_pair(&p);
	log_int_entry(&p, true);
	uint8_t *copy = malloc(p.a.len);
	memcpy(copy, p.a.buf, p.a.len);
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(open_buf(p.a.buf, p.a.len, VMS_OPEN_STRICT, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(hvs_replay_pending(c), 1);
	cr_expect_eq(int_value(c), 6, "the overlay wins");
	cr_expect(hvs_key_at(c, hvs_lookup(c, "r/i"))->crc_ok);
	cr_expect(strstr(g_warn, "1 pending entries"), "%s", g_warn);
	hvs_close(c);
	cr_expect(memcmp(copy, p.a.buf, p.a.len) == 0, "input untouched");

	cr_assert_eq(open_buf(p.a.buf, p.a.len, VMS_OPEN_IGNORE_REPLAY_LOG, &c, &err), 0);
	cr_expect_eq(hvs_replay_pending(c), 0);
	cr_expect_eq(hvs_get_info(c)->replay_count, 1);
	cr_expect_eq(int_value(c), 5);
	cr_expect(strstr(g_warn, "ignored (VMS_OPEN_IGNORE_REPLAY_LOG)"), "%s", g_warn);
	hvs_close(c);
	free(copy);
	free_pair(&p);
}

Test(hvs_replay, overlay_patches_value_reads_later_entries_win)
{
	struct pair p;
	make_pair(&p);
	uint64_t v = p.a.key_value_off[K_ARR];
	uint8_t x[100], y[10];
	memset(x, 0x11, sizeof(x));
	memset(y, 0x22, sizeof(y));
	cr_assert_eq(hvs_image_log_entry(&p.a, v + 4000, x, sizeof(x), true), 0);
	cr_assert_eq(hvs_image_log_entry(&p.a, v + 4050, y, sizeof(y), true), 1);
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(open_buf(p.a.buf, p.a.len, 0, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(hvs_replay_pending(c), 2);
	const struct hvs_key *a = hvs_key_at(c, hvs_lookup(c, "r/a"));
	uint8_t b[5000];
	cr_assert_eq(hvs_read_value(c, a, 0, b, sizeof(b), &err), 0, "%s", err.msg);
	for (size_t i = 0; i < sizeof(b); i++) {
		uint8_t want = 5;
		if (i >= 4000 && i < 4100)
			want = (i >= 4050 && i < 4060) ? 0x22 : 0x11;
		cr_assert_eq(b[i], want, "byte %zu", i);
	}
	/* a read that starts inside a patch */
	cr_assert_eq(hvs_read_value(c, a, 4055, b, 10, &err), 0);
	cr_expect_eq(b[0], 0x22);
	cr_expect_eq(b[5], 0x11);
	hvs_close(c);
	free_pair(&p);
}

Test(hvs_replay, stale_entries_are_counted_not_applied)
{
	struct pair p;
	make_pair(&p);
	log_int_entry(&p, false);
	log_int_entry(&p, false);
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(open_buf(p.a.buf, p.a.len, VMS_OPEN_STRICT, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(hvs_get_info(c)->replay_stale, 2);
	cr_expect_eq(hvs_replay_pending(c), 0);
	cr_expect_eq(int_value(c), 5);
	hvs_close(c);
	free_pair(&p);
}

/* Damage entry 1 of two pending ones in several ways. */
static void bad_second_entry(int how, const char *want)
{
	struct pair p;
	make_pair(&p);
	log_int_entry(&p, true);
	uint64_t v = p.a.key_value_off[K_ARR];
	uint8_t x[16] = {0x77};
	cr_assert_eq(hvs_image_log_entry(&p.a, v, x, sizeof(x), true), 1);
	uint64_t e = hvs_image_log_entry_off(&p.a, 1);
	uint8_t *eb = p.a.buf + e;
	switch (how) {
	case 0:
		eb[0] ^= 1; /* destination changed: entry CRC fails */
		break;
	case 1:
		p.a.buf[p.a.replay_off + vms_le64(eb + 12)] ^= 1; /* data CRC fails */
		break;
	case 2:
		vms_put_le64(eb, p.a.len - 4);
		break;
	case 3:
		vms_put_le64(eb, p.a.replay_off + 8);
		break;
	case 4:
		vms_put_le64(eb + 12, p.a.replay_size - 4);
		break;
	}
	if (how >= 2) { /* reseal so only the planted check fails */
		vms_put_le32(eb + 20, 0);
		vms_put_le32(eb + 20, vms_crc32(0, eb, 28));
	}
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(open_buf(p.a.buf, p.a.len, 0, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(hvs_replay_pending(c), 1, "the verified prefix");
	cr_expect_eq(int_value(c), 6);
	cr_expect(strstr(g_warn, want), "'%s' not in %s", want, g_warn);
	hvs_close(c);
	cr_expect_eq(open_buf(p.a.buf, p.a.len, VMS_OPEN_STRICT, &c, &err), -EBADMSG);
	char loc[64];
	snprintf(loc, sizeof(loc), "replay log entry 1 at file offset %#" PRIx64, e);
	cr_expect(strstr(err.msg, loc) && strstr(err.msg, want), "%s", err.msg);
	free_pair(&p);
}

Test(hvs_replay, bad_entry_crc)
{
	bad_second_entry(0, "entry CRC mismatch");
}

Test(hvs_replay, bad_data_crc)
{
	bad_second_entry(1, "data CRC mismatch");
}

Test(hvs_replay, destination_outside_file)
{
	bad_second_entry(2, "destination lies outside the file");
}

Test(hvs_replay, destination_inside_log)
{
	bad_second_entry(3, "destination overlaps the replay log itself");
}

Test(hvs_replay, data_outside_log)
{
	bad_second_entry(4, "data lies outside the replay-log region");
}

Test(hvs_replay, bad_log_header)
{
	struct pair p;
	make_pair(&p);
	log_int_entry(&p, true);
	vms_put_le32(p.a.buf + p.a.replay_off + 8, 5000); /* count beyond capacity */
	hvs_image_reseal_replay_header(&p.a);
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(open_buf(p.a.buf, p.a.len, 0, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(hvs_replay_pending(c), 0);
	cr_expect(strstr(g_warn, "exceeds the header area"), "%s", g_warn);
	hvs_close(c);
	p.a.buf[p.a.replay_off + 12] ^= 1; /* reserved byte: header CRC fails */
	cr_expect_eq(open_buf(p.a.buf, p.a.len, VMS_OPEN_STRICT, &c, &err), -EBADMSG);
	cr_expect(strstr(err.msg, "replay log at file offset") && strstr(err.msg, "header CRC"),
		  "%s", err.msg);
	free_pair(&p);
}

Test(hvs_replay, apply_in_place)
{
	struct pair p;
	make_pair(&p);
	uint64_t e = log_int_entry(&p, true);
	uint64_t v = p.a.key_value_off[K_ARR];
	uint8_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	cr_assert_eq(hvs_image_log_entry(&p.a, v + 100, x, sizeof(x), true), 1);
	char *path = vms_test_write_temp("pending.vmrs", p.a.buf, p.a.len);

	struct vms_replay_report rep;
	struct vms_error err = {0};
	cr_assert_eq(vms_replay_log_apply(path, &rep, &err), 0, "%s", err.msg);
	uint32_t esize = vms_le32(p.b.buf + e + 2);
	cr_expect_eq(rep.entries_applied, 2);
	cr_expect_eq(rep.bytes_written, esize + sizeof(x) + 34);
	cr_expect_eq(rep.first_off, e);
	cr_expect_eq(rep.last_end, p.a.replay_off + 34 > v + 108 ? p.a.replay_off + 34 : v + 108);

	/* expected bytes: the data at the destinations, the log count reset */
	uint8_t *want = malloc(p.a.len);
	memcpy(want, p.a.buf, p.a.len);
	memcpy(want + e, p.b.buf + e, esize);
	memcpy(want + v + 100, x, sizeof(x));
	vms_put_le32(want + p.a.replay_off + 8, 0);
	struct hvs_image tmp = p.a;
	tmp.buf = want;
	hvs_image_reseal_replay_header(&tmp);
	size_t len;
	uint8_t *got = vms_test_read_file(path, &len);
	cr_assert_eq(len, p.a.len);
	cr_expect(memcmp(got, want, len) == 0, "file bytes after apply");

	struct hvs_container *c;
	cr_assert_eq(open_buf(got, len, VMS_OPEN_STRICT, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(hvs_replay_pending(c), 0);
	cr_expect_eq(hvs_get_info(c)->replay_stale, 2, "applied entries stay as stale");
	cr_expect_eq(int_value(c), 6);
	hvs_close(c);

	/* applying again changes nothing */
	uint64_t d = vms_test_file_digest(path);
	cr_assert_eq(vms_replay_log_apply(path, &rep, &err), 0, "%s", err.msg);
	cr_expect_eq(rep.entries_applied, 0);
	cr_expect_eq(rep.bytes_written, 0);
	cr_expect_eq(vms_test_file_digest(path), d);
	free(got);
	free(want);
	free(path);
	free_pair(&p);
}

Test(hvs_replay, apply_refuses_bad_input_without_writing)
{
	struct pair p;
	make_pair(&p);
	log_int_entry(&p, true);
	p.a.buf[hvs_image_log_entry_off(&p.a, 0)] ^= 1;
	char *path = vms_test_write_temp("bad.vmrs", p.a.buf, p.a.len);
	uint64_t d = vms_test_file_digest(path);
	struct vms_replay_report rep;
	struct vms_error err = {0};
	cr_expect_eq(vms_replay_log_apply(path, &rep, &err), -EBADMSG);
	cr_expect(strstr(err.msg, "entry CRC mismatch"), "%s", err.msg);
	cr_expect_eq(rep.bytes_written, 0);
	cr_expect_eq(vms_test_file_digest(path), d, "file untouched");
	free(path);

	const char junk[64] = "not a container";
	path = vms_test_write_temp("junk.bin", junk, sizeof(junk));
	cr_expect_eq(vms_replay_log_apply(path, &rep, &err), -ENOTSUP);
	free(path);
	cr_expect_eq(vms_replay_log_apply("/nonexistent/x.vmrs", &rep, &err), -ENOENT);
	free_pair(&p);
}

Test(hvs_replay, apply_on_fixture_copy_is_a_no_op)
{
	VMS_REQUIRE_FIXTURE(fx, "hyperv/dissect-test.vmcx");
	size_t len;
	uint8_t *buf = vms_test_read_file(fx, &len);
	cr_assert_not_null(buf);
	char *path = vms_test_write_temp("copy.vmcx", buf, len);
	uint64_t d = vms_test_file_digest(path);
	struct vms_replay_report rep;
	struct vms_error err = {0};
	cr_expect_eq(vms_replay_log_apply(path, &rep, &err), 0, "%s", err.msg);
	cr_expect_eq(rep.entries_applied, 0);
	cr_expect_eq(vms_test_file_digest(path), d);
	free(path);
	free(buf);
}
