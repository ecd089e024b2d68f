/* Damaged HyperVStorage containers (hyperv-format §2): each malformation gives a clear error
 * (or a warning where the format has redundancy) naming the structure, offset and check. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "formats/hyperv/hvs_container.h"
#include "support/hvs_writer.h"
#include "support/test_support.h"

static unsigned g_warns;
static char g_warn[1024];

static void on_log(void *ctx, const char *msg)
{
	(void)ctx;
	g_warns++;
	strncat(g_warn, msg, sizeof(g_warn) - strlen(g_warn) - 2);
	strcat(g_warn, "|");
}

/* ids of the base tree */
enum { K_ROOT, K_INT, K_STR, K_ARR, K_NODE, K_X };

static struct hvs_writer *g_w;
static struct hvs_image g_img;

static void build(bool two_tables)
{
	struct hvs_writer_opts o;
	hvs_writer_opts_init(&o);
	if (two_tables)
		o.key_table_size = 128;
	g_w = hvs_writer_new(&o);
	uint32_t r = hvs_w_node(g_w, HVS_W_ROOT, "r");
	hvs_w_int(g_w, r, "i", 5);
	hvs_w_string(g_w, r, "s", "hello");
	uint8_t arr[3000];
	memset(arr, 0xAB, sizeof(arr));
	hvs_w_array(g_w, r, "a", arr, sizeof(arr));
	uint32_t n = hvs_w_node(g_w, r, "n");
	hvs_w_uint(g_w, n, "x", 7);
	cr_assert_eq(hvs_writer_build(g_w, &g_img), 0);
}

static void cleanup(void)
{
	hvs_image_free(&g_img);
	hvs_writer_free(g_w);
}

static int try_open_len(size_t len, uint32_t flags, struct hvs_container **out,
			struct vms_error *err)
{
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.flags = flags;
	o.log = on_log;
	g_warns = 0;
	g_warn[0] = 0;
	static struct vms_io io;
	vms_io_mem_init(&io, g_img.buf, len, "damaged");
	memset(err, 0, sizeof(*err));
	*out = NULL;
	int rc = hvs_open(&io, &o, NULL, out, err);
	if (rc < 0)
		cr_assert_null(*out);
	return rc;
}

static int try_open(uint32_t flags, struct hvs_container **out, struct vms_error *err)
{
	return try_open_len(g_img.len, flags, out, err);
}

/* Expect failure with `code` and every needle in the message. */
static void expect_fail(uint32_t flags, int code, const char *n1, const char *n2)
{
	struct hvs_container *c;
	struct vms_error err;
	int rc = try_open(flags, &c, &err);
	cr_expect_eq(rc, code, "rc %d msg: %s", rc, err.msg);
	cr_expect_eq(err.code, code);
	cr_expect(strstr(err.msg, n1), "'%s' not in: %s", n1, err.msg);
	if (n2)
		cr_expect(strstr(err.msg, n2), "'%s' not in: %s", n2, err.msg);
	hvs_close(c);
}

static uint64_t entry(uint32_t id)
{
	return g_img.key_entry_off[id];
}

TestSuite(hvs_damage, .fini = cleanup);

Test(hvs_damage, truncated_before_header)
{
	build(false);
	struct hvs_container *c;
	struct vms_error err;
	cr_expect_eq(try_open_len(20, 0, &c, &err), -EBADMSG);
	cr_expect(strstr(err.msg, "too short"), "%s", err.msg);
}

Test(hvs_damage, truncated_inside_key_table)
{
	build(false);
	struct hvs_container *c;
	struct vms_error err;
	int rc = try_open_len((size_t)g_img.key_tables[0].file_off + 100, 0, &c, &err);
	cr_expect_eq(rc, -EBADMSG, "%s", err.msg);
	cr_expect(strstr(err.msg, "(type 2)") && strstr(err.msg, "outside the file"), "%s",
		  err.msg);
	/* the object table itself cut short */
	rc = try_open_len(0x2000 + 100, 0, &c, &err);
	cr_expect_eq(rc, -EBADMSG, "%s", err.msg);
	cr_expect(strstr(err.msg, "object table 0 at file offset 0x2000"), "%s", err.msg);
}

Test(hvs_damage, every_truncation_fails_cleanly)
{
	build(false);
	for (size_t len = 0; len < g_img.len; len += 509) {
		struct hvs_container *c;
		struct vms_error err;
		int rc = try_open_len(len, 0, &c, &err);
		if (rc == 0)
			hvs_close(c);
		else
			cr_expect(err.msg[0] && (rc == -EBADMSG || rc == -ENOTSUP),
				  "len %zu: %d %s", len, rc, err.msg);
	}
}

Test(hvs_damage, header_crc_flip_falls_back)
{
	build(false);
	g_img.buf[10] ^= 1; /* copy 0's version: CRC no longer matches */
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(try_open(VMS_OPEN_STRICT, &c, &err), 0, "%s", err.msg);
	cr_expect_eq(hvs_get_info(c)->active_header, 1);
	cr_expect(!hvs_get_info(c)->header_valid[0]);
	cr_expect(strstr(g_warn, "header copy 0 at file offset 0: CRC mismatch"), "%s", g_warn);
	hvs_close(c);
}

Test(hvs_damage, both_headers_bad)
{
	build(false);
	g_img.buf[10] ^= 1;
	g_img.buf[0x1000 + 8] ^= 1;
	expect_fail(0, -EBADMSG, "neither verifies", "CRC mismatch");
}

Test(hvs_damage, no_signature)
{
	build(false);
	g_img.buf[0] = 0;
	g_img.buf[0x1000] = 0;
	expect_fail(0, -EBADMSG, "not a HyperVStorage file", NULL);
}

Test(hvs_damage, unsupported_version)
{
	build(false);
	for (unsigned c = 0; c < 2; c++) {
		vms_put_le32(g_img.buf + c * 0x1000 + 10, 0x200);
		hvs_image_reseal_header(&g_img, c);
	}
	expect_fail(0, -ENOTSUP, "format version 0x200 is not supported", NULL);
}

Test(hvs_damage, object_table_bad_signature)
{
	build(false);
	g_img.buf[0x2000] ^= 0xFF;
	expect_fail(0, -EBADMSG, "object table 0 at file offset 0x2000: signature", NULL);
}

Test(hvs_damage, object_table_count_overflows)
{
	build(false);
	vms_put_le32(g_img.buf + 0x2000 + 4, 0xFFFFFFFFu);
	expect_fail(0, -EBADMSG, "object table 0 at file offset 0x2000", "overrun the file");
}

Test(hvs_damage, object_table_cycle_is_cut)
{
	build(false);
	/* root table slot 5 (empty) becomes a chain link back to the root itself */
	uint64_t e = hvs_image_objtab_entry_off(&g_img, 0, 5);
	g_img.buf[e] = 1;
	vms_put_le64(g_img.buf + e + 5, 0x2000);
	vms_put_le32(g_img.buf + e + 13, 0x1000);
	hvs_image_reseal_objtab_entry(&g_img, e);
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(try_open(0, &c, &err), 0, "%s", err.msg);
	cr_expect(strstr(g_warn, "cycle"), "%s", g_warn);
	cr_expect(strstr(g_warn, "not the last slot"), "%s", g_warn);
	cr_expect_eq(hvs_get_info(c)->object_table_count, 1);
	hvs_close(c);
}

Test(hvs_damage, object_entry_crc_mismatch)
{
	build(false);
	uint64_t e = hvs_image_objtab_entry_off(&g_img, 0, 0);
	g_img.buf[e + 17] ^= 0x80; /* flags byte; CRC now wrong */
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(try_open(0, &c, &err), 0, "%s", err.msg);
	cr_expect(strstr(g_warn, "entry 0 at 0x2008 (type 2): CRC mismatch"), "%s", g_warn);
	hvs_close(c);
	expect_fail(VMS_OPEN_STRICT, -EBADMSG, "CRC mismatch", "VMS_OPEN_STRICT");
}

Test(hvs_damage, key_table_outside_file)
{
	build(false);
	uint64_t e = hvs_image_objtab_entry_off(&g_img, 0, 0);
	vms_put_le64(g_img.buf + e + 5, 0xFFFFFFFFFFFFF000ull);
	hvs_image_reseal_objtab_entry(&g_img, e);
	expect_fail(0, -EBADMSG, "outside the file", "entry 0 (type 2)");
}

Test(hvs_damage, key_table_bad_signature_and_crc)
{
	build(false);
	uint64_t t = g_img.key_tables[0].file_off;
	g_img.buf[t + 4] ^= 1; /* sequence: header CRC now wrong */
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(try_open(0, &c, &err), 0, "%s", err.msg);
	cr_expect(strstr(g_warn, "header CRC mismatch"), "%s", g_warn);
	hvs_close(c);
	expect_fail(VMS_OPEN_STRICT, -EBADMSG, "key table 1 at file offset 0x3000: header CRC",
		    NULL);
	g_img.buf[t] = 7;
	expect_fail(0, -EBADMSG, "key table at file offset 0x3000: signature 0x7", NULL);
}

Test(hvs_damage, key_entry_overruns_table)
{
	build(false);
	uint64_t e = entry(K_INT);
	vms_put_le32(g_img.buf + e + 2, 0x2000);
	char want[128];
	snprintf(want, sizeof(want),
		 "key table 1 at file offset 0x3000: entry at +%#x overruns "
		 "the table",
		 (unsigned)(e - 0x3000));
	expect_fail(0, -EBADMSG, want, "table size 0x1000");
}

Test(hvs_damage, key_entry_smaller_than_header)
{
	build(false);
	vms_put_le32(g_img.buf + entry(K_INT) + 2, 7);
	expect_fail(0, -EBADMSG, "size 7 is smaller than the 21-byte entry header", NULL);
}

Test(hvs_damage, key_name_overruns_or_unterminated)
{
	build(false);
	g_img.buf[entry(K_INT) + 20] = 200;
	expect_fail(0, -EBADMSG, "name of 200 bytes does not fit", NULL);
	g_img.buf[entry(K_INT) + 20] = 2;
	g_img.buf[entry(K_INT) + 22] = 'x'; /* "i\0" -> "ix" */
	expect_fail(0, -EBADMSG, "not NUL-terminated", NULL);
}

Test(hvs_damage, string_length_overruns_entry)
{
	build(false);
	uint64_t v = g_img.key_value_off[K_STR] - 4;
	vms_put_le32(g_img.buf + v, 0x7FFFFFF0u);
	hvs_image_reseal_key_entry(&g_img, entry(K_STR)); /* CRC over a bogus length */
	expect_fail(0, -EBADMSG, "(s): value length 2147483632 overruns the entry", NULL);
}

Test(hvs_damage, odd_string_length)
{
	build(false);
	uint64_t v = g_img.key_value_off[K_STR] - 4;
	vms_put_le32(g_img.buf + v, 9);
	hvs_image_reseal_key_entry(&g_img, entry(K_STR));
	expect_fail(0, -EBADMSG, "string length 9 is odd", NULL);
}

Test(hvs_damage, scalar_value_cut_short)
{
	build(false);
	/* shrink the int entry so its 8-byte value no longer fits: 21 + 2 + 4 */
	uint64_t e = entry(K_INT);
	uint32_t old = vms_le32(g_img.buf + e + 2);
	vms_put_le32(g_img.buf + e + 2, 27);
	/* the freed tail becomes a Free entry so the walk stays aligned */
	g_img.buf[e + 27] = 1;
	vms_put_le32(g_img.buf + e + 27 + 2, old - 27);
	expect_fail(0, -EBADMSG, "(i, type 3): value needs 8 bytes, the entry has 4", NULL);
}

Test(hvs_damage, file_object_outside_file)
{
	build(false);
	uint64_t p = entry(K_ARR) + 21 + 2; /* pointer after name "a\0" */
	vms_put_le64(g_img.buf + p + 4, g_img.len - 16);
	hvs_image_reseal_key_entry(&g_img, entry(K_ARR));
	expect_fail(0, -EBADMSG, "(a): file object", "lies outside the file");
}

Test(hvs_damage, file_object_larger_than_object)
{
	build(false);
	/* the type-3 object (slot 1) now claims 0x800 bytes; the key still says 3000 */
	uint64_t e = hvs_image_objtab_entry_off(&g_img, 0, 1);
	cr_assert_eq(g_img.buf[e], 3);
	vms_put_le32(g_img.buf + e + 13, 0x800);
	hvs_image_reseal_objtab_entry(&g_img, e);
	expect_fail(0, -EBADMSG,
		    "value of 0xbb8 bytes exceeds its file object at 0x8000 (size "
		    "0x800)",
		    NULL);
}

Test(hvs_damage, key_entry_crc_mismatch)
{
	build(false);
	g_img.buf[g_img.key_value_off[K_INT]] = 6; /* value 5 -> 6, CRC stale */
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(try_open(0, &c, &err), 0, "%s", err.msg);
	const struct hvs_key *k = hvs_key_at(c, hvs_lookup(c, "r/i"));
	cr_expect(!k->crc_ok);
	cr_expect_eq(k->u64, 6);
	cr_expect_eq(hvs_get_info(c)->bad_crc_count, 1);
	cr_expect(strstr(g_warn, "(i): CRC mismatch"), "%s", g_warn);
	hvs_close(c);
	expect_fail(VMS_OPEN_STRICT, -EBADMSG, "(i): CRC mismatch", NULL);
}

Test(hvs_damage, parent_cycle_is_rejected)
{
	build(false);
	/* node n's parent becomes its own child x: n -> x -> n */
	uint64_t n = entry(K_NODE), x = entry(K_X);
	vms_put_le32(g_img.buf + n + 8, (uint32_t)(x - g_img.key_tables[0].file_off));
	hvs_image_reseal_key_entry(&g_img, n);
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(try_open(0, &c, &err), 0, "%s", err.msg);
	cr_expect(strstr(g_warn, "unreachable from the root"), "%s", g_warn);
	cr_expect_eq(hvs_key_count(c), 4, "r, i, s, a survive");
	cr_expect_eq(hvs_lookup(c, "r/n"), HVS_NO_KEY);
	hvs_close(c);
	expect_fail(VMS_OPEN_STRICT, -EBADMSG, "unreachable", NULL);
}

Test(hvs_damage, self_parent_and_missing_parent)
{
	build(false);
	uint64_t n = entry(K_NODE);
	vms_put_le32(g_img.buf + n + 8, (uint32_t)(n - g_img.key_tables[0].file_off));
	hvs_image_reseal_key_entry(&g_img, n);
	expect_fail(VMS_OPEN_STRICT, -EBADMSG, "loops", NULL);
	vms_put_le32(g_img.buf + n + 8, 3); /* no entry at +3 */
	hvs_image_reseal_key_entry(&g_img, n);
	expect_fail(VMS_OPEN_STRICT, -EBADMSG, "no entry at its parent reference", NULL);
}

Test(hvs_damage, duplicate_table_index_uses_newest)
{
	build(true);
	cr_assert_geq(g_img.key_table_count, 2);
	/* table 2 claims index 1 with a newer sequence: it wins, table 1's keys vanish */
	uint64_t t2 = g_img.key_tables[1].file_off;
	vms_put_le16(g_img.buf + t2 + 2, 1);
	vms_put_le16(g_img.buf + t2 + 4, 9);
	hvs_image_reseal_key_table(&g_img, t2);
	struct hvs_container *c;
	struct vms_error err;
	cr_assert_eq(try_open(0, &c, &err), 0, "%s", err.msg);
	cr_expect(strstr(g_warn, "2 key tables carry TableIndex 1"), "%s", g_warn);
	cr_expect_eq(hvs_key_table_at(c, 0)->file_off, t2);
	cr_expect_eq(hvs_key_table_at(c, 0)->sequence, 9);
	hvs_close(c);
}

Test(hvs_damage, read_error_is_eio)
{
	build(false);
	struct vms_io io;
	struct vms_io_faulty f;
	vms_io_faulty_init(&io, &f, g_img.buf, g_img.len, g_img.key_tables[0].file_off + 50);
	struct hvs_container *c = NULL;
	struct vms_error err = {0};
	cr_expect_eq(hvs_open(&io, NULL, NULL, &c, &err), -EIO);
	cr_expect(strstr(err.msg, "key table 1"), "%s", err.msg);
	/* a value read failing later is -EIO too */
	vms_io_faulty_init(&io, &f, g_img.buf, g_img.len, g_img.key_value_off[K_ARR] + 10);
	cr_assert_eq(hvs_open(&io, NULL, NULL, &c, &err), 0, "%s", err.msg);
	uint8_t b[64];
	const struct hvs_key *a = hvs_key_at(c, hvs_lookup(c, "r/a"));
	cr_expect_eq(hvs_read_value(c, a, 0, b, sizeof(b), &err), -EIO);
	cr_expect_eq(hvs_read_value(c, a, 20, b, sizeof(b), &err), 0);
	hvs_close(c);
}

Test(hvs_damage, misuse)
{
	build(false);
	struct hvs_container *c = NULL;
	struct vms_error err = {0};
	cr_expect_eq(hvs_open(NULL, NULL, NULL, &c, &err), -EINVAL);
	hvs_close(NULL);
	cr_expect_eq(hvs_key_count(NULL), 0);
	cr_expect_eq(hvs_lookup(NULL, "x"), HVS_NO_KEY);
}
