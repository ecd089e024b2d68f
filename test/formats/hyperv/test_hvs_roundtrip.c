/* HyperVStorage writer → reader round trips for every feature (hyperv-format §2), plus the
 * pure helpers (sequence comparison, UTF-16). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/hyperv/hvs_internal.h"
#include "support/hvs_writer.h"
#include "support/test_support.h"

static unsigned g_warns;
static char g_last_warn[256];

static void on_log(void *ctx, const char *msg)
{
	(void)ctx;
	g_warns++;
	snprintf(g_last_warn, sizeof(g_last_warn), "%s", msg);
}

static struct vms_io g_io;

static struct hvs_container *open_img(const struct hvs_image *img, uint32_t flags)
{
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.flags = flags;
	o.log = on_log;
	g_warns = 0;
	vms_io_mem_init(&g_io, img->buf, img->len, "synthetic");
	struct hvs_container *c = NULL;
	struct vms_error err = {0};
	int rc = hvs_open(&g_io, &o, NULL, &c, &err);
	cr_assert_eq(rc, 0, "hvs_open: %s", err.msg);
	return c;
}

static const struct hvs_key *key(const struct hvs_container *c, const char *path)
{
	uint32_t i = hvs_lookup(c, path);
	cr_assert_neq(i, HVS_NO_KEY, "%s missing", path);
	return hvs_key_at(c, i);
}

Test(hvs_pure, sequence_wraps)
{
	cr_expect(hvs_seq_newer(7, 6));
	cr_expect(!hvs_seq_newer(6, 7));
	cr_expect(hvs_seq_newer(0, 0xFFFF), "0 follows 65535");
	cr_expect(!hvs_seq_newer(0xFFFF, 0));
	cr_expect(!hvs_seq_newer(5, 5));
	struct hvs_header h[2] = {{.sequence = 0xFFFF, .valid = true},
				  {.sequence = 1, .valid = true}};
	bool tie;
	cr_expect_eq(hvs_header_select(h, &tie), 1);
	h[1].valid = false;
	cr_expect_eq(hvs_header_select(h, &tie), 0);
	h[0].valid = false;
	cr_expect_eq(hvs_header_select(h, &tie), -1);
	h[0].valid = h[1].valid = true;
	h[1].sequence = 0xFFFF;
	cr_expect_eq(hvs_header_select(h, &tie), 0);
	cr_expect(tie);
}

Test(hvs_pure, utf16_to_utf8)
{
	const uint8_t in[] = {'A', 0, 0xE9, 0, 0x3D, 0xD8, 0x00, 0xDE, 0x00, 0xD8, 'z', 0};
	char out[3 * 6 + 1];
	size_t n = hvs_utf16_to_utf8(in, sizeof(in), out);
	/* A, é, U+1F600, lone high surrogate -> U+FFFD, z */
	cr_expect_eq(n, 1 + 2 + 4 + 3 + 1);
	cr_expect_str_eq(out, "A\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBDz");
}

Test(hvs_roundtrip, every_value_type)
{
	struct hvs_writer *w = hvs_writer_new(NULL);
	uint32_t root = hvs_w_node(w, HVS_W_ROOT, "root");
	hvs_w_int(w, root, "neg", -42);
	hvs_w_uint(w, root, "big", 0xFEDCBA9876543210ull);
	hvs_w_double(w, root, "pi", 3.25);
	hvs_w_bool(w, root, "yes", true);
	hvs_w_bool(w, root, "no", false);
	hvs_w_string(w, root, "s", "h\xC3\xA9llo \xF0\x9F\x98\x80");
	hvs_w_string(w, root, "empty", "");
	uint8_t small[100];
	for (size_t i = 0; i < sizeof(small); i++)
		small[i] = (uint8_t)i;
	hvs_w_array(w, root, "small", small, sizeof(small));
	size_t big_len = 1u << 20;
	uint8_t *big = malloc(big_len);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 12));
	hvs_w_array_ref(w, root, "RamBlock0", big, big_len);
	uint8_t raw[5] = {1, 2, 3, 4, 5};
	hvs_w_raw(w, root, "odd", 2, raw, sizeof(raw), false);
	hvs_w_node(w, root, "leaf_node");
	struct hvs_image img;
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	struct hvs_container *c = open_img(&img, VMS_OPEN_STRICT);
	cr_expect_eq(g_warns, 0, "%s", g_last_warn);

	cr_expect_eq(key(c, "root/neg")->type, VMS_KEY_INT);
	cr_expect_eq((int64_t)key(c, "root/neg")->u64, -42);
	cr_expect_eq(key(c, "root/big")->type, VMS_KEY_UINT);
	cr_expect_eq(key(c, "root/big")->u64, 0xFEDCBA9876543210ull);
	double d;
	memcpy(&d, &key(c, "/root/pi")->u64, sizeof(d));
	cr_expect_eq(key(c, "root/pi")->type, VMS_KEY_DOUBLE);
	cr_expect(d == 3.25);
	cr_expect_eq(key(c, "root/yes")->u64, 1);
	cr_expect_eq(key(c, "root/no")->u64, 0);
	cr_expect_eq(key(c, "root/no")->type, VMS_KEY_BOOL);
	cr_expect_str_eq(key(c, "root/s")->str, "h\xC3\xA9llo \xF0\x9F\x98\x80");
	cr_expect_str_eq(key(c, "root/empty")->str, "");
	const struct hvs_key *sk = key(c, "root/small");
	cr_expect_eq(sk->type, VMS_KEY_ARRAY);
	cr_assert_eq(sk->data_len, sizeof(small));
	uint8_t rb[100];
	struct vms_error err = {0};
	cr_assert_eq(hvs_read_value(c, sk, 0, rb, sizeof(rb), &err), 0, "%s", err.msg);
	cr_expect(memcmp(rb, small, sizeof(small)) == 0);
	const struct hvs_key *bk = key(c, "root/RamBlock0");
	cr_expect_eq(bk->type, VMS_KEY_FILE);
	cr_expect_eq(bk->raw_type, HVS_TYPE_ARRAY);
	cr_assert_eq(bk->data_len, big_len);
	uint8_t *back = malloc(big_len);
	cr_assert_eq(hvs_read_value(c, bk, 0, back, big_len, &err), 0, "%s", err.msg);
	cr_expect(memcmp(back, big, big_len) == 0);
	cr_assert_eq(hvs_read_value(c, bk, 4096 * 3 + 5, back, 77, &err), 0);
	cr_expect(memcmp(back, big + 4096 * 3 + 5, 77) == 0);
	cr_expect_eq(hvs_read_value(c, bk, big_len - 1, back, 2, &err), -ERANGE);
	cr_expect_eq(hvs_read_value(c, key(c, "root/neg"), 0, back, 1, &err), -EINVAL);
	const struct hvs_key *ok = key(c, "root/odd");
	cr_expect_eq(ok->type, VMS_KEY_OTHER);
	cr_expect_eq(ok->data_len, 5);
	cr_expect_eq(key(c, "root/leaf_node")->type, VMS_KEY_NODE);
	cr_expect_eq(key(c, "root/leaf_node")->first_child, HVS_NO_KEY);
	cr_expect_eq(hvs_get_info(c)->file_object_count, 1);
	cr_expect_eq(key(c, "root")->child_count, 11);
	hvs_close(c);
	hvs_image_free(&img);
	hvs_writer_free(w);
	free(big);
	free(back);
}

Test(hvs_roundtrip, strings_with_nul_are_stripped)
{
	struct hvs_writer_opts o;
	hvs_writer_opts_init(&o);
	o.strings_with_nul = true;
	struct hvs_writer *w = hvs_writer_new(&o);
	hvs_w_string(w, HVS_W_ROOT, "s", "abc");
	struct hvs_image img;
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	struct hvs_container *c = open_img(&img, 0);
	cr_expect_str_eq(key(c, "s")->str, "abc");
	cr_expect_eq(key(c, "s")->data_len, 8);
	hvs_close(c);
	hvs_image_free(&img);
	hvs_writer_free(w);
}

/* Many RamBlocks: several key tables, chained object tables, thousands of keys; lookups are
 * hashed; key order is depth-first with insertion order. */
Test(hvs_roundtrip, many_tables_chains_and_keys)
{
	struct hvs_writer_opts o;
	hvs_writer_opts_init(&o);
	o.objtab_capacity = 8; /* 7 objects per table: forces a long chain */
	o.reverse_entries = true;
	o.first_table_index = 3;
	struct hvs_writer *w = hvs_writer_new(&o);
	uint32_t ss = hvs_w_node_path(w, "savedstate");
	enum { BLOCKS = 40, SMALL = 3000 };
	uint8_t blk[4096];
	for (unsigned i = 0; i < BLOCKS; i++) {
		char name[32];
		memset(blk, (int)i, sizeof(blk));
		snprintf(name, sizeof(name), "RamBlock%u", i);
		hvs_w_array(w, ss, name, blk, sizeof(blk));
	}
	uint32_t many = hvs_w_node_path(w, "savedstate/many");
	for (unsigned i = 0; i < SMALL; i++) {
		char name[32];
		snprintf(name, sizeof(name), "k%u", i);
		hvs_w_uint(w, many, name, i * 3ull);
	}
	cr_expect_eq(hvs_w_node_path(w, "savedstate/many"), many);
	struct hvs_image img;
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	cr_assert_gt(img.key_table_count, 20);
	cr_assert_gt(img.objtab_count, 5);
	struct hvs_container *c = open_img(&img, VMS_OPEN_STRICT);
	const struct hvs_info *in = hvs_get_info(c);
	cr_expect_eq(in->object_table_count, img.objtab_count);
	cr_expect_eq(in->key_table_count, img.key_table_count);
	cr_expect_eq(in->file_object_count, BLOCKS);
	cr_expect_eq(hvs_key_count(c), 2 + BLOCKS + SMALL);
	cr_expect_eq(hvs_key_table_at(c, 0)->index, 3);
	for (unsigned i = 0; i < SMALL; i += 97) {
		char p[64];
		snprintf(p, sizeof(p), "/savedstate/many/k%u", i);
		cr_expect_eq(key(c, p)->u64, i * 3ull);
	}
	uint32_t idx = hvs_lookup(c, "savedstate/RamBlock17");
	const struct hvs_key *k = hvs_key_at(c, idx);
	cr_expect_eq(k->insertion_seq, 18);
	uint8_t b[4096];
	cr_assert_eq(hvs_read_value(c, k, 0, b, sizeof(b), NULL), 0);
	cr_expect_eq(b[0], 17);
	cr_expect_eq(b[4095], 17);
	/* depth-first: savedstate, RamBlock0..39, many, k0.. */
	cr_expect_str_eq(hvs_key_at(c, 0)->name, "savedstate");
	cr_expect_str_eq(hvs_key_at(c, 1)->name, "RamBlock0");
	cr_expect_str_eq(hvs_key_at(c, BLOCKS + 1)->name, "many");
	cr_expect_str_eq(hvs_key_at(c, BLOCKS + 2)->name, "k0");
	cr_expect_eq(hvs_lookup(c, "savedstate/nope"), HVS_NO_KEY);
	cr_expect_eq(hvs_lookup(c, "savedstate/many/k1/x"), HVS_NO_KEY);
	uint32_t fi;
	struct vms_error err = {0};
	cr_expect_eq(hvs_find(c, "savedstate/none", &fi, &err), -ENOENT);
	cr_expect_eq(hvs_find(c, "savedstate/many/k5", &fi, &err), 0);
	hvs_close(c);
	hvs_image_free(&img);
	hvs_writer_free(w);
}

Test(hvs_roundtrip, header_sequences_choose_copy)
{
	struct hvs_writer_opts o;
	hvs_writer_opts_init(&o);
	o.seq[0] = 0xFFFF;
	o.seq[1] = 0;
	struct hvs_writer *w = hvs_writer_new(&o);
	hvs_w_int(w, HVS_W_ROOT, "x", 1);
	struct hvs_image img;
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	struct hvs_container *c = open_img(&img, 0);
	cr_expect_eq(hvs_get_info(c)->active_header, 1, "0 is newer than 0xFFFF");
	hvs_close(c);
	/* tie: warning, copy 0 */
	img.buf[0x1000 + 8] = 0xFF;
	img.buf[0x1000 + 9] = 0xFF;
	hvs_image_reseal_header(&img, 1);
	c = open_img(&img, 0);
	cr_expect_eq(hvs_get_info(c)->active_header, 0);
	cr_expect_eq(g_warns, 1);
	cr_expect(strstr(g_last_warn, "equal sequence"), "%s", g_last_warn);
	hvs_close(c);
	hvs_image_free(&img);
	hvs_writer_free(w);
}

Test(hvs_roundtrip, version_3_is_best_effort)
{
	struct hvs_writer_opts o;
	hvs_writer_opts_init(&o);
	o.format_version = 0x301;
	struct hvs_writer *w = hvs_writer_new(&o);
	hvs_w_int(w, HVS_W_ROOT, "x", 1);
	struct hvs_image img;
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	struct hvs_container *c = open_img(&img, 0);
	cr_expect_eq(hvs_get_info(c)->format_version, 0x301);
	cr_expect(strstr(g_last_warn, "best-effort"), "%s", g_last_warn);
	hvs_close(c);
	hvs_image_free(&img);
	hvs_writer_free(w);
}

Test(hvs_roundtrip, export_and_properties)
{
	struct hvs_writer *w = hvs_writer_new(NULL);
	uint32_t a = hvs_w_node(w, HVS_W_ROOT, "a");
	hvs_w_string(w, a, "s", "v");
	uint8_t arr[3000] = {9};
	hvs_w_array(w, a, "f", arr, sizeof(arr));
	hvs_w_node(w, HVS_W_ROOT, "b");
	struct hvs_image img;
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	struct vms_model m;
	memset(&m, 0, sizeof(m));
	m.opts = &o;
	vms_io_mem_init(&g_io, img.buf, img.len, "synthetic");
	struct hvs_container *c = NULL;
	struct vms_error err = {0};
	cr_assert_eq(hvs_open(&g_io, &o, &m, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(hvs_export_keys(c, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.key_count, 4);
	cr_expect_str_eq(m.keys[1].str, "v");
	cr_expect_eq(m.keys[1].depth, 1);
	cr_expect_eq(m.keys[2].type, VMS_KEY_FILE);
	cr_expect_eq(m.keys[2].data_len, 3000);
	cr_expect_eq(m.keys[2].data_file_off, img.key_value_off[2]);
	uint8_t b[1];
	cr_assert_eq(hvs_read_file(c, m.keys[2].data_file_off, b, 1, &err), 0);
	cr_expect_eq(b[0], 9);
	cr_expect_str_eq(m.keys[3].name, "b");
	bool found = false;
	for (size_t i = 0; i < m.prop_count; i++)
		if (!strcmp(m.props[i].key, "hvs.format_version")) {
			found = true;
			cr_expect_str_eq(m.props[i].value, "0x400");
		}
	cr_expect(found);
	hvs_close(c);
	vms_model_free(&m);
	hvs_image_free(&img);
	hvs_writer_free(w);
}

Test(hvs_roundtrip, write_file_and_reopen)
{
	struct hvs_writer *w = hvs_writer_new(NULL);
	hvs_w_uint(w, hvs_w_node_path(w, "savedstate"), "VmVersion", 0x900);
	struct hvs_image img;
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	char *path = vms_test_write_temp("t.vmrs", "", 0);
	cr_assert_eq(hvs_image_write_file(&img, path), 0);
	size_t len;
	uint8_t *buf = vms_test_read_file(path, &len);
	cr_assert_eq(len, img.len);
	cr_expect(memcmp(buf, img.buf, len) == 0);
	free(buf);
	free(path);
	hvs_image_free(&img);
	hvs_writer_free(w);
}

/* Regenerates fuzz/corpus/fuzz_hvs_open/ when VMS_WRITE_FUZZ_SEEDS names a directory. */
Test(hvs_roundtrip, fuzz_seeds)
{
	const char *dir = getenv("VMS_WRITE_FUZZ_SEEDS");
	struct hvs_writer_opts o;
	hvs_writer_opts_init(&o);
	o.key_table_size = 256;
	o.replay_size = 0x1100;
	o.objtab_capacity = 4;
	struct hvs_writer *w = hvs_writer_new(&o);
	uint32_t ss = hvs_w_node_path(w, "savedstate");
	hvs_w_uint(w, ss, "VmVersion", 0x900);
	hvs_w_string(w, ss, "name", "vm");
	hvs_w_bool(w, ss, "b", true);
	hvs_w_double(w, ss, "d", 1.5);
	uint8_t blk[2100];
	memset(blk, 0x5A, sizeof(blk));
	hvs_w_array(w, ss, "RamBlock0", blk, sizeof(blk));
	hvs_w_array(w, hvs_w_node_path(w, "savedstate/n"), "small", blk, 16);
	struct hvs_image img;
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	struct hvs_container *c = open_img(&img, VMS_OPEN_STRICT);
	cr_expect_eq(hvs_key_count(c), 8);
	hvs_close(c);
	if (dir) {
		char p[512];
		snprintf(p, sizeof(p), "%s/plain.hvs", dir);
		cr_assert_eq(hvs_image_write_file(&img, p), 0);
		uint8_t patch[8] = {0};
		hvs_image_log_entry(&img, img.key_value_off[1], patch, sizeof(patch), true);
		hvs_image_log_entry(&img, img.key_value_off[1], patch, 4, false);
		snprintf(p, sizeof(p), "%s/pending_log.hvs", dir);
		cr_assert_eq(hvs_image_write_file(&img, p), 0);
	}
	hvs_image_free(&img);
	hvs_writer_free(w);
}
