/* Golden tests of the vmsavedstate CLI on a raw image + sidecar made by the test: exact text
 * output, JSON validity and fields (parsed back with cJSON), exit codes, and the
 * layout.json round trip (a sidecar written by `info --json` reopens with the same state). */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_run.h"
#include "formats/raw/raw_builder.h"
#include "support/test_support.h"

#define RUN(...) cli_run((const char *const[]){__VA_ARGS__, NULL})

static cJSON *parse_json(const struct cli_result *r)
{
	cJSON *j = cJSON_Parse(r->out);
	cr_assert_not_null(j, "stdout is not JSON:\n%s", r->out);
	return j;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	cr_assert(cJSON_IsString(v), "'%s' is not a string", key);
	return v->valuestring;
}

static double jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	cr_assert(cJSON_IsNumber(v), "'%s' is not a number", key);
	return v->valuedouble;
}

static const cJSON *jget(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	cr_assert_not_null(v, "missing '%s'", key);
	return v;
}

Test(cli, version_names_tool_library_and_formats)
{
	struct cli_result r = RUN("--version");
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "vmsavedstate " VMS_VERSION_STRING), "%s", r.out);
	cr_assert(strstr(r.out, "library "), "%s", r.out);
	cr_assert(strstr(r.out, "raw"), "%s", r.out);
	cli_result_free(&r);
}

Test(cli, usage_errors_exit_1)
{
	const char *const *cases[] = {
		(const char *const[]){NULL},
		(const char *const[]){"frobnicate", "x", NULL},
		(const char *const[]){"info", NULL},
		(const char *const[]){"info", "--bogus", "x", NULL},
		(const char *const[]){"info", "--vp", "0", "x", NULL},
		(const char *const[]){"read", "x", "--gpa", "0", NULL},
		(const char *const[]){"read", "x", "--gva", "0", "--len", "1", NULL},
		(const char *const[]){"read", "x", "--gpa", "0", "--raw", "0", "--len", "1", NULL},
		(const char *const[]){"read", "x", "--gpa", "12z", "--len", "1", NULL},
		(const char *const[]){"keys", "a", "b", NULL},
		(const char *const[]){"info", "a", "b", "c", NULL},
		(const char *const[]){"xlate", "x", "--gva", "0", NULL},
		(const char *const[]){"info", "x", "--missing=maybe", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli_result r = cli_run(cases[i]);
		cr_expect_eq(r.status, 1, "case %zu: exit %d, stderr %s", i, r.status, r.err);
		cli_result_free(&r);
	}
	struct cli_result r = RUN("--help");
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "xlate"));
	cli_result_free(&r);
}

Test(cli, unopenable_file_exits_2_with_file_and_message)
{
	struct cli_result r = RUN("info", "/nonexistent/saved.vmrs");
	cr_assert_eq(r.status, 2, "exit %d", r.status);
	cr_assert(strncmp(r.err, "vmsavedstate: /nonexistent/saved.vmrs: ", 39) == 0, "%s", r.err);
	cli_result_free(&r);
	r = RUN("info", "/nonexistent/saved.vmrs", "--json");
	cr_assert_eq(r.status, 2);
	cJSON *e = cJSON_Parse(r.err);
	cr_assert_not_null(e, "stderr is not a JSON error: %s", r.err);
	cr_assert(strncmp(jstr(e, "code"), "E", 1) == 0);
	cJSON_Delete(e);
	cli_result_free(&r);
}

Test(cli, info_json_is_the_layout_document)
{
	char *img = rb_write("info.raw", 1);
	struct cli_result r = RUN("info", img, "--json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cJSON *j = parse_json(&r);
	cr_assert_str_eq(jstr(j, "schema"), "vmsavedstate-layout");
	cr_assert_str_eq(jstr(j, "format"), "raw");
	cr_assert_eq(jnum(j, "vp_count"), 2);
	cr_assert_eq(jnum(j, "page_size"), 4096);
	cr_assert_eq(jnum(j, "raw_size"), RB_IMAGE_SIZE);
	const cJSON *chunks = jget(j, "chunks");
	cr_assert_eq(cJSON_GetArraySize(chunks), 2);
	const cJSON *c1 = cJSON_GetArrayItem(chunks, 1);
	cr_assert_str_eq(jstr(c1, "gpa"), "0x0000000000008000");
	cr_assert_eq(jnum(c1, "pages"), RB_CHUNK1_PAGES);
	cr_assert_str_eq(jstr(c1, "raw_offset"), "0x0000000000008000");
	const cJSON *vp0 = cJSON_GetArrayItem(jget(j, "vps"), 0);
	cr_assert_eq(jnum(vp0, "index"), 0);
	cr_assert_str_eq(jstr(vp0, "arch"), "x64");
	cr_assert_str_eq(jstr(vp0, "paging_mode"), "long");
	cr_assert_eq(jnum(vp0, "vtl"), 0);
	cr_assert_str_eq(jstr(jget(vp0, "registers"), "rax"), "0x1122334455667788");
	cr_assert_eq(jnum(jget(j, "replay_log"), "pending_entries"), 0);
	const cJSON *src = jget(j, "source");
	cr_assert_str_eq(jstr(src, "path"), img);
	cr_assert_eq(jnum(src, "size"), RB_IMAGE_SIZE);
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(jget(j, "sources"), 0), "name"), "info.raw");
	cr_assert_str_eq(jstr(jget(j, "guest"), "kernel_dtb_hint"), "0x0000000000008000");
	cr_assert_eq(jnum(jget(jget(j, "volatility"), "analysis_hints"), "page_map_offset"),
		     RB_CR3);
	cJSON_Delete(j);
	/* deterministic: the same input gives the same bytes */
	struct cli_result r2 = RUN("info", img, "--json");
	cr_assert_str_eq(r.out, r2.out);
	cli_result_free(&r2);
	cli_result_free(&r);
	free(img);
}

Test(cli, info_sha256_of_a_known_file)
{
	static const uint8_t zeros[4096];
	char *img = vms_test_write_temp("zero.raw", zeros, sizeof(zeros));
	struct cli_result r = RUN("info", img, "--json", "--sha256");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cJSON *j = parse_json(&r);
	/* SHA-256 of 4096 zero bytes (coreutils sha256sum agrees) */
	cr_assert_str_eq(jstr(cJSON_GetArrayItem(jget(j, "sources"), 0), "sha256"),
			 "ad7facb2586fc6e966c004d7d1d16b024f5805ff7cb47c7a85dabd8b48892ca7");
	cJSON_Delete(j);
	cli_result_free(&r);
	free(img);
}

Test(cli, image_smaller_than_a_page_cannot_be_opened)
{
	char *img = vms_test_write_temp("abc.raw", "abc", 3);
	struct cli_result r = RUN("info", img);
	cr_assert_eq(r.status, 2, "exit %d", r.status);
	cr_assert(strstr(r.err, "no whole page"), "%s", r.err);
	cli_result_free(&r);
	free(img);
}

Test(cli, regs_text_golden)
{
	char *img = rb_write("regs.raw", 1);
	struct cli_result r = RUN("regs", img, "--vp", "0");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "rax 0x1122334455667788\n"
				"rip 0xfffff80012345678\n"
				"cr0 0x0000000080000011\n"
				"cr3 0x0000000000008000\n"
				"cr4 0x0000000000000020\n"
				"efer 0x0000000000000500\n"
				"cpl 0x0000000000000000\n"
				"xmm0 0x0123456789abcdeffedcba9876543210\n");
	cli_result_free(&r);
	r = RUN("regs", img, "--vp", "7");
	cr_assert_eq(r.status, 1, "bad --vp: exit %d", r.status);
	cli_result_free(&r);
	free(img);
}

Test(cli, regs_json_lists_every_vp)
{
	char *img = rb_write("regsj.raw", 1);
	struct cli_result r = RUN("regs", img, "--json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cJSON *j = parse_json(&r);
	const cJSON *vps = jget(j, "vps");
	cr_assert_eq(cJSON_GetArraySize(vps), 2);
	const cJSON *vp1 = cJSON_GetArrayItem(vps, 1);
	cr_assert_eq(jnum(vp1, "index"), 1);
	cr_assert_str_eq(jstr(jget(vp1, "registers"), "rip"), "0x0000000000007c00");
	cJSON_Delete(j);
	cli_result_free(&r);
	free(img);
}

Test(cli, read_gpa_gva_raw_and_holes)
{
	char *img = rb_write("read.raw", 1);
	struct cli_result r = RUN("read", img, "--gpa", "0xc000", "--len", "20");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(r.out_len, 20);
	cr_assert(memcmp(r.out, "hello from the guest", 20) == 0);
	cli_result_free(&r);

	r = RUN("read", img, "--gva", "0x400000", "--vp", "0", "--len", "5");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(r.out_len, 5);
	cr_assert(memcmp(r.out, "hello", 5) == 0);
	cli_result_free(&r);

	r = RUN("read", img, "--raw", "0x9000", "--len", "1");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq((unsigned char)r.out[0], 0x03);
	cli_result_free(&r);

	r = RUN("read", img, "--gpa", "0x4000", "--len", "16");
	cr_assert_eq(r.status, 3, "hole: exit %d (%s)", r.status, r.err);
	cli_result_free(&r);

	r = RUN("read", img, "--gpa", "0x4000", "--len", "16", "--zero-holes");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(r.out_len, 16);
	for (size_t i = 0; i < 16; i++)
		cr_assert_eq(r.out[i], 0);
	cli_result_free(&r);

	r = RUN("read", img, "--gva", "0x400000", "--vp", "0", "--len", "4", "--hex");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strncmp(r.out, "0000000000400000  68 65 6c 6c ", 30) == 0, "%s", r.out);
	cr_assert(strstr(r.out, "|hell|"), "%s", r.out);
	cli_result_free(&r);

	r = RUN("read", img, "--gva", "0x402000", "--vp", "0", "--len", "4");
	cr_assert_eq(r.status, 3, "unmapped gva: exit %d", r.status);
	cli_result_free(&r);
	free(img);
}

Test(cli, read_to_file_and_never_over_an_input)
{
	char *img = rb_write("out.raw", 1);
	size_t n = strlen(img) + 8;
	char *out = malloc(n);
	snprintf(out, n, "%s.out", img);
	struct cli_result r = RUN("read", img, "--gpa", "0xc000", "--len", "5", "-o", out);
	cr_assert_eq(r.status, 0, "%s", r.err);
	size_t len = 0;
	uint8_t *data = vms_test_read_file(out, &len);
	cr_assert_eq(len, 5);
	cr_assert(memcmp(data, "hello", 5) == 0);
	free(data);
	cli_result_free(&r);
	uint64_t before = vms_test_file_digest(img);
	r = RUN("read", img, "--gpa", "0", "--len", "5", "-o", img);
	cr_assert_eq(r.status, 1, "exit %d", r.status);
	cr_assert_eq(vms_test_file_digest(img), before, "the input was modified");
	cli_result_free(&r);
	free(out);
	free(img);
}

Test(cli, xlate_mapped_and_unmapped)
{
	char *img = rb_write("xl.raw", 1);
	struct cli_result r = RUN("xlate", img, "--vp", "0", "--gva", "0x400010");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "0x0000000000400010 -> 0x000000000000c010"), "%s", r.out);
	cli_result_free(&r);
	r = RUN("xlate", img, "--vp", "0", "--gva", "0x402000", "--json");
	cr_assert_eq(r.status, 3, "exit %d %s", r.status, r.err);
	cJSON *j = parse_json(&r);
	cr_assert(cJSON_IsFalse(jget(j, "mapped")));
	cr_assert_str_eq(jstr(j, "gva"), "0x0000000000402000");
	cJSON_Delete(j);
	cli_result_free(&r);
	free(img);
}

Test(cli, chunks_and_keys)
{
	char *img = rb_write("ck.raw", 1);
	struct cli_result r = RUN("chunks", img, "--json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cJSON *j = parse_json(&r);
	cr_assert_eq(cJSON_GetArraySize(jget(j, "chunks")), 2);
	cJSON_Delete(j);
	cli_result_free(&r);
	r = RUN("chunks", img);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "0x0000000000008000 0x0000000000010000 8 "), "%s", r.out);
	cli_result_free(&r);
	r = RUN("keys", img, "--json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = parse_json(&r);
	cr_assert_eq(cJSON_GetArraySize(jget(j, "keys")), 0);
	cJSON_Delete(j);
	cli_result_free(&r);
	free(img);
}

/* fuse-and-cli.md §6.2: an export plus its layout.json must reopen with the same registers
 * and chunk map. The image itself is already flat, so its info --json is its sidecar. */
Test(cli, layout_json_round_trips_as_a_sidecar)
{
	char *img = rb_write("orig.raw", 1);
	struct cli_result info = RUN("info", img, "--json");
	cr_assert_eq(info.status, 0, "%s", info.err);
	uint8_t *bytes = rb_image();
	char *copy = vms_test_write_temp("copy.raw", bytes, RB_IMAGE_SIZE);
	free(bytes);
	size_t n = strlen(copy) + 16;
	char *side = malloc(n);
	snprintf(side, n, "%s.layout.json", copy);
	FILE *f = fopen(side, "w");
	cr_assert(f);
	fputs(info.out, f);
	fclose(f);
	const char *cmds[][3] = {{"regs", "--json", NULL}, {"chunks", "--json", NULL}};
	for (size_t i = 0; i < 2; i++) {
		struct cli_result a = RUN(cmds[i][0], img, cmds[i][1]);
		struct cli_result b = RUN(cmds[i][0], copy, cmds[i][1]);
		cr_assert_eq(b.status, 0, "%s", b.err);
		cr_assert_str_eq(a.out, b.out, "%s differs after the round trip", cmds[i][0]);
		cli_result_free(&a);
		cli_result_free(&b);
	}
	cli_result_free(&info);
	free(side);
	free(copy);
	free(img);
}
