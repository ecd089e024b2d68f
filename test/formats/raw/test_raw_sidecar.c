/* The sidecar parser on its own: every malformation gets one error (STYLE.md rule 23). */
#include <criterion/criterion.h>
#include <string.h>

#include "core/backend.h"
#include "formats/raw/raw_builder.h"
#include "formats/raw/raw_sidecar.h"

static int parse(const char *json, struct vms_model *m, struct vms_error *err)
{
	static struct vms_open_opts opts;
	vms_open_opts_init(&opts);
	memset(m, 0, sizeof(*m));
	m->opts = &opts;
	return vms_raw_sidecar_parse(m, (const uint8_t *)json, strlen(json), RB_IMAGE_SIZE, err);
}

static void expect_fail(const char *json, int code, const char *needle)
{
	struct vms_model m;
	struct vms_error err = {0};
	int rc = parse(json, &m, &err);
	cr_expect_eq(rc, code, "%s -> %d (%s)", json, rc, err.msg);
	cr_expect(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
	vms_model_free(&m);
}

Test(raw_sidecar, builder_sidecar_parses)
{
	struct vms_model m;
	struct vms_error err = {0};
	cr_assert_eq(parse(rb_sidecar(), &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.chunk_count, 2);
	cr_assert_eq(m.vp_count, 2);
	cr_assert_eq(m.vps[1].paging, VMS_PAGING_NONE);
	cr_assert(vms_bank_has(m.vps[0].banks[0], VMS_REG_CR3));
	cr_assert_eq(m.vps[0].banks[0]->lo[VMS_REG_CR3], RB_CR3);
	vms_model_free(&m);
}

Test(raw_sidecar, empty_object_means_whole_image)
{
	struct vms_model m;
	cr_assert_eq(parse("{}", &m, NULL), 0);
	cr_assert_eq(m.chunk_count, 1);
	cr_assert_eq(m.chunks[0].pages, RB_IMAGE_SIZE / 4096);
	vms_model_free(&m);
}

Test(raw_sidecar, rejects_malformations)
{
	expect_fail("", -EBADMSG, "not valid JSON");
	expect_fail("[1]", -EBADMSG, "not a JSON object");
	expect_fail("{\"chunks\": [", -EBADMSG, "not valid JSON");
	expect_fail("{\"schema\": \"other\"}", -ENOTSUP, "schema");
	expect_fail("{\"schema_version\": 2}", -ENOTSUP, "schema_version");
	expect_fail("{\"page_size\": 65536}", -ENOTSUP, "page_size");
	expect_fail("{\"chunks\": {}}", -EBADMSG, "chunks: expected an array");
	expect_fail("{\"chunks\": [1]}", -EBADMSG, "chunks[0]");
	expect_fail("{\"chunks\": [{\"pages\": 1}]}", -EBADMSG, "chunks[0].gpa");
	expect_fail("{\"chunks\": [{\"gpa\": \"0x\", \"pages\": 1}]}", -EBADMSG, "chunks[0].gpa");
	expect_fail("{\"chunks\": [{\"gpa\": \"0x1g\", \"pages\": 1}]}", -EBADMSG, "hex");
	expect_fail("{\"chunks\": [{\"gpa\": \"0x10000000000000000\", \"pages\": 1}]}", -EBADMSG,
		    "16 digits");
	expect_fail("{\"chunks\": [{\"gpa\": -1, \"pages\": 1}]}", -EBADMSG, "2^53");
	expect_fail("{\"chunks\": [{\"gpa\": 1.5, \"pages\": 1}]}", -EBADMSG, "2^53");
	expect_fail("{\"chunks\": [{\"gpa\": 1e300, \"pages\": 1}]}", -EBADMSG, "2^53");
	expect_fail("{\"chunks\": [{\"gpa\": 0, \"pages\": 17}]}", -EBADMSG, "outside the image");
	expect_fail("{\"chunks\": [{\"gpa\": \"0xfffffffffffff000\", \"pages\": \"0x1000\"}]}",
		    -EBADMSG, "outside the image");
	expect_fail("{\"chunks\": [{\"gpa\": 0, \"pages\": \"0x0010000000000000\"}]}", -EBADMSG,
		    "outside the image");
	expect_fail("{\"chunks\": [{\"gpa\": 0, \"pages\": 1, \"flags\": [\"x\"]}]}", -EBADMSG,
		    "unknown flag");
	expect_fail("{\"vps\": 3}", -EBADMSG, "vps: expected an array");
	expect_fail("{\"vps\": [{\"index\": 1}]}", -EBADMSG, "in order");
	expect_fail("{\"vps\": [{\"arch\": \"sparc\"}]}", -EBADMSG, "arch");
	expect_fail("{\"vps\": [{\"paging_mode\": \"warp\"}]}", -EBADMSG, "paging_mode");
	expect_fail("{\"vps\": [{\"vtl\": 16}]}", -EBADMSG, "vtl");
	expect_fail("{\"vps\": [{\"registers\": {\"rzz\": \"0x1\"}}]}", -EBADMSG,
		    "unknown register");
	expect_fail("{\"vps\": [{\"registers\": {\"rax\": 5}}]}", -EBADMSG, "rax");
	expect_fail("{\"vps\": [{\"registers\": {\"rax\": \"0x11112222333344445\"}}]}", -EBADMSG,
		    "at most 16 digits");
	expect_fail("{\"vps\": [{\"banks\": [{\"vtl\": 99, \"registers\": {}}]}]}", -EBADMSG,
		    "vtl");
	expect_fail("{\"guest\": {\"enabled_vtls\": [40]}}", -EBADMSG, "enabled_vtls");
}

Test(raw_sidecar, vp_count_is_capped_before_allocation)
{
	static struct vms_open_opts opts;
	vms_open_opts_init(&opts);
	opts.max_vps = 2;
	struct vms_model m = {0};
	struct vms_error err = {0};
	m.opts = &opts;
	const char *j = "{\"vps\": [{}, {}, {}]}";
	int rc = vms_raw_sidecar_parse(&m, (const uint8_t *)j, strlen(j), RB_IMAGE_SIZE, &err);
	cr_assert_eq(rc, -EFBIG, "%d %s", rc, err.msg);
	cr_assert_null(m.vps);
	vms_model_free(&m);
}

Test(raw_sidecar, sniff_tells_json_from_an_image)
{
	cr_assert(vms_raw_sidecar_sniff((const uint8_t *)" \n{", 3));
	cr_assert_not(vms_raw_sidecar_sniff((const uint8_t *)"\x7f"
							     "ELF",
					    4));
	cr_assert_not(vms_raw_sidecar_sniff((const uint8_t *)"   ", 3));
	cr_assert_not(vms_raw_sidecar_sniff(NULL, 0));
}

extern const struct vms_backend_ops vms_backend_raw;

Test(raw_probe, bids_lowest_on_anything_even_a_truncated_head)
{
	const uint8_t head[3] = {'Q', 'F', 'I'};
	cr_assert_eq(vms_backend_raw.probe(head, 3), 1);
	cr_assert_eq(vms_backend_raw.probe(head, 0), 1);
	cr_assert_str_eq(vms_backend_raw.name, "raw");
}
