/* HyperVStorage reader against the real container fixtures (hyperv-format §10). */
#include <criterion/criterion.h>
#include <string.h>

#include "formats/hyperv/hvs_container.h"
#include "support/test_support.h"

static uint8_t *g_buf;
static struct vms_io g_io;

static struct hvs_container *open_fixture(const char *path, uint32_t flags)
{
	size_t len;
	g_buf = vms_test_read_file(path, &len);
	cr_assert_not_null(g_buf);
	vms_io_mem_init(&g_io, g_buf, len, path);
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.flags = flags;
	struct hvs_container *c = NULL;
	struct vms_error err = {0};
	int rc = hvs_open(&g_io, &o, NULL, &c, &err);
	cr_assert_eq(rc, 0, "hvs_open: %s", err.msg);
	return c;
}

static void done(struct hvs_container *c)
{
	hvs_close(c);
	free(g_buf);
}

static const struct hvs_key *key(const struct hvs_container *c, const char *path)
{
	uint32_t i = hvs_lookup(c, path);
	cr_assert_neq(i, HVS_NO_KEY, "%s missing", path);
	return hvs_key_at(c, i);
}

Test(hvs_fixture_vmrs, container_facts)
{
	VMS_REQUIRE_FIXTURE(path, "hyperv/dissect-test.VMRS");
	struct hvs_container *c = open_fixture(path, VMS_OPEN_STRICT);
	const struct hvs_info *in = hvs_get_info(c);
	cr_expect_eq(in->format_version, 0x400);
	cr_expect_eq(in->active_header, 0);
	cr_expect_eq(in->sequence[0], 7);
	cr_expect_eq(in->sequence[1], 6);
	cr_expect(in->header_valid[0] && in->header_valid[1]);
	cr_expect_eq(in->replay_off, 0x8000);
	cr_expect_eq(in->replay_size, 0x4000);
	cr_expect_eq(in->replay_hdr_size, 0x1000);
	cr_expect(in->replay_valid);
	cr_expect_eq(in->replay_count, 0);
	cr_expect_eq(in->replay_max, 145);
	cr_expect_eq(in->replay_stale, 3);
	cr_expect_eq(hvs_replay_pending(c), 0);
	cr_expect_eq(in->object_table_count, 1);
	cr_expect_eq(in->object_capacity, 227);
	cr_expect_eq(in->object_type_count[0], 224);
	cr_expect_eq(in->object_type_count[2], 2);
	cr_expect_eq(in->object_type_count[4], 1);
	cr_expect_eq(in->file_object_count, 0);
	cr_expect_eq(in->free_entry_count, 1);
	cr_expect_eq(in->bad_crc_count, 0);
	cr_assert_eq(hvs_key_table_count(c), 2);
	const struct hvs_key_table *t1 = hvs_key_table_at(c, 0), *t2 = hvs_key_table_at(c, 1);
	cr_expect_eq(t1->index, 1);
	cr_expect_eq(t1->sequence, 8);
	cr_expect_eq(t1->file_off, 0x3000);
	cr_expect_eq(t1->size, 4096);
	cr_expect_eq(t2->index, 2);
	cr_expect_eq(t2->sequence, 2);
	cr_expect_eq(t2->file_off, 0x7000);
	cr_expect_eq(t2->size, 4096);
	cr_expect_eq(hvs_key_count(c), 113);
	for (uint32_t i = 0; i < hvs_key_count(c); i++)
		cr_expect(hvs_key_at(c, i)->crc_ok, "key %u", i);
	done(c);
}

static const char *const devicetype_guid[3] = {
	"B637F346-6A0E-4DEC-AF52-BD70CB80A21D",
	"4764334D-E001-4176-82EE-5594EC9B530E",
	"83F8638B-8DCA-4152-9EDA-2CA8B33039B4",
};

static const char *const metric_children[8] = {
	"typecode",	    "value",	"enabled", "starttime",
	"lastcomputedtime", "peaktime", "poolid",  "resourcetypeid",
};

Test(hvs_fixture_vmrs, key_tree)
{
	VMS_REQUIRE_FIXTURE(path, "hyperv/dissect-test.VMRS");
	struct hvs_container *c = open_fixture(path, 0);
	const struct hvs_key *root = hvs_key_at(c, 0);
	cr_assert_str_eq(root->name, "configuration");
	cr_expect_eq(root->next_sibling, HVS_NO_KEY, "single root");
	cr_expect_eq(root->child_count, 5);
	cr_expect_eq(root->type, VMS_KEY_NODE);

	const struct hvs_key *v = key(c, "/configuration/properties/version");
	cr_expect_eq(v->type, VMS_KEY_INT);
	cr_expect_eq(v->u64, 2304);

	const char *top[5] = {
		"properties", "global_settings", "_ac6b8dc1-3257-4a70-b1b2-a9c9215659ad_",
		"_e51b7ef6-4a7f-4780-aaae-d4b291aacd2e_", "_83f8638b-8dca-4152-9eda-2ca8b33039b4_"};
	uint64_t vdev[3] = {2048, 512, 1792};
	uint32_t k = root->first_child;
	for (int i = 0; i < 5; i++, k = hvs_key_at(c, k)->next_sibling) {
		cr_assert_neq(k, HVS_NO_KEY);
		cr_expect_str_eq(hvs_key_at(c, k)->name, top[i]);
		if (i >= 2) {
			const struct hvs_key *vd = hvs_key_at(c, hvs_key_at(c, k)->first_child);
			cr_expect_str_eq(vd->name, "VDEVVersion");
			cr_expect_eq(vd->u64, vdev[i - 2]);
		}
	}

	const struct hvs_key *metrics = key(c, "configuration/global_settings/metrics");
	cr_assert_eq(metrics->child_count, 3);
	bool dup;
	hvs_child(c, hvs_key_index(c, metrics), "devicetype", &dup);
	cr_expect(dup, "three siblings named devicetype");
	uint32_t find_idx;
	struct vms_error err = {0};
	cr_expect_eq(
		hvs_find(c, "/configuration/global_settings/metrics/devicetype", &find_idx, &err),
		-EBADMSG);
	cr_expect(strstr(err.msg, "not unique"), "%s", err.msg);

	unsigned metric_counts[3] = {1, 3, 6};
	uint32_t dt = metrics->first_child;
	for (int d = 0; d < 3; d++, dt = hvs_key_at(c, dt)->next_sibling) {
		const struct hvs_key *dk = hvs_key_at(c, dt);
		cr_assert_str_eq(dk->name, "devicetype");
		const struct hvs_key *guid = hvs_key_at(c, dk->first_child);
		cr_expect_str_eq(guid->name, "guid");
		cr_expect_eq(guid->type, VMS_KEY_STRING);
		cr_expect_str_eq(guid->str, devicetype_guid[d]);
		cr_expect(guid->flags & HVS_KEY_FLAG_SUBCOMPONENT);
		const struct hvs_key *inst = hvs_key_at(c, guid->next_sibling);
		cr_assert_str_eq(inst->name, "deviceinstance");
		cr_expect_eq(inst->child_count, 1 + metric_counts[d]);
		const struct hvs_key *ig = hvs_key_at(c, inst->first_child);
		cr_expect_str_eq(ig->str, devicetype_guid[d]);
		uint32_t mk = ig->next_sibling, last_metric = HVS_NO_KEY;
		for (unsigned m = 0; m < metric_counts[d];
		     m++, mk = hvs_key_at(c, mk)->next_sibling) {
			const struct hvs_key *mkey = hvs_key_at(c, mk);
			cr_assert_str_eq(mkey->name, "metric");
			cr_assert_eq(mkey->child_count, 8);
			uint32_t ch = mkey->first_child;
			for (int j = 0; j < 8; j++, ch = hvs_key_at(c, ch)->next_sibling)
				cr_expect_str_eq(hvs_key_at(c, ch)->name, metric_children[j]);
			last_metric = mk;
		}
		cr_expect_eq(mk, HVS_NO_KEY);
		if (d == 2) {
			const struct hvs_key *lm = hvs_key_at(c, last_metric);
			const struct hvs_key *tc = hvs_key_at(c, lm->first_child);
			cr_expect_str_eq(tc->str, "4E1D459F-7861-46A4-887C-B64397C97E1B;0\\0\\L");
			const struct hvs_key *en =
				hvs_key_at(c, hvs_key_at(c, tc->next_sibling)->next_sibling);
			cr_expect_str_eq(en->name, "enabled");
			cr_expect_eq(en->type, VMS_KEY_BOOL);
			cr_expect_eq(en->u64, 0);
			uint32_t r = lm->first_child;
			for (int j = 0; j < 7; j++)
				r = hvs_key_at(c, r)->next_sibling;
			cr_expect_str_eq(hvs_key_at(c, r)->str,
					 "70BB60D2-A9D3-46AA-B654-3DE53004B4F8");
			uint32_t pi = lm->first_child;
			for (int j = 0; j < 6; j++)
				pi = hvs_key_at(c, pi)->next_sibling;
			const struct hvs_key *pool = hvs_key_at(c, pi);
			cr_expect_str_eq(pool->name, "poolid");
			cr_expect_str_eq(pool->str, "");
		}
	}
	char p[256];
	cr_expect_eq(hvs_key_path(c, hvs_key_index(c, v), p, sizeof(p)),
		     (int)strlen("/configuration/properties/version"));
	cr_expect_str_eq(p, "/configuration/properties/version");
	done(c);
}

Test(hvs_fixture_vmcx, container_facts)
{
	VMS_REQUIRE_FIXTURE(path, "hyperv/dissect-test.vmcx");
	struct hvs_container *c = open_fixture(path, VMS_OPEN_STRICT);
	const struct hvs_info *in = hvs_get_info(c);
	cr_expect_eq(in->format_version, 0x400);
	cr_expect_eq(in->active_header, 0);
	cr_expect_eq(in->sequence[0], 25);
	cr_expect_eq(in->sequence[1], 24);
	cr_expect_eq(in->replay_off, 0xA000);
	cr_expect_eq(in->replay_size, 0x9000);
	cr_expect_eq(in->replay_hdr_size, 0x1000);
	cr_expect_eq(in->replay_count, 0);
	cr_expect_eq(in->replay_max, 145);
	cr_expect_eq(in->replay_stale, 9);
	cr_expect_eq(in->object_table_count, 1);
	cr_expect_eq(in->object_capacity, 227);
	cr_expect_eq(in->object_type_count[2], 8);
	cr_expect_eq(in->object_type_count[0], 219);
	cr_expect_eq(hvs_key_table_count(c), 8);
	cr_expect_eq(in->file_object_count, 0);
	cr_expect_eq(in->warning_count, 0);
	cr_expect_eq(hvs_key_count(c), 409);

	const struct hvs_key *root = hvs_key_at(c, 0);
	cr_expect_str_eq(root->name, "configuration");
	cr_expect_eq(root->next_sibling, HVS_NO_KEY);
	cr_expect_eq(root->child_count, 27);
	cr_expect_eq(hvs_key_at(c, hvs_lookup(c, "configuration/manifest"))->child_count, 39);
	cr_expect_eq(hvs_key_at(c, hvs_lookup(c, "configuration/properties"))->child_count, 11);
	cr_expect_eq(hvs_key_at(c, hvs_lookup(c, "configuration/settings"))->child_count, 6);

	unsigned counts[10] = {0};
	for (uint32_t i = 0; i < hvs_key_count(c); i++) {
		const struct hvs_key *k = hvs_key_at(c, i);
		cr_assert(k->crc_ok);
		counts[k->type]++;
	}
	cr_expect_eq(counts[VMS_KEY_STRING], 160);
	cr_expect_eq(counts[VMS_KEY_NODE], 106);
	cr_expect_eq(counts[VMS_KEY_INT], 106);
	cr_expect_eq(counts[VMS_KEY_BOOL], 35);
	cr_expect_eq(counts[VMS_KEY_ARRAY], 2);
	cr_expect_eq(counts[VMS_KEY_FILE], 0);
	done(c);
}

Test(hvs_fixture_vmcx, arrays_read_and_export)
{
	VMS_REQUIRE_FIXTURE(path, "hyperv/dissect-test.vmcx");
	struct hvs_container *c = open_fixture(path, 0);
	for (uint32_t i = 0; i < hvs_key_count(c); i++) {
		const struct hvs_key *k = hvs_key_at(c, i);
		if (k->type != VMS_KEY_ARRAY)
			continue;
		uint8_t buf[2048];
		cr_assert_lt(k->data_len, sizeof(buf));
		struct vms_error err = {0};
		cr_expect_eq(hvs_read_value(c, k, 0, buf, (size_t)k->data_len, &err), 0, "%s",
			     err.msg);
		cr_expect(memcmp(buf, g_buf + k->data_file_off, (size_t)k->data_len) == 0);
		cr_expect_eq(hvs_read_value(c, k, 1, buf, (size_t)k->data_len, &err), -ERANGE);
	}
	struct vms_model m;
	memset(&m, 0, sizeof(m));
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	m.opts = &o;
	struct vms_error err = {0};
	cr_assert_eq(hvs_export_keys(c, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.key_count, 409);
	cr_expect_str_eq(m.keys[0].name, "configuration");
	cr_expect_eq(m.keys[0].depth, 0);
	cr_expect_eq(m.keys[1].depth, 1);
	vms_model_free(&m);
	done(c);
}
