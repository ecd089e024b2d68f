/* The model helpers backends use: caps, chunk validation, banks. */
#include <criterion/criterion.h>

#include "core/backend.h"

static struct vms_open_opts opts;

static void model_init(struct vms_model *m)
{
	vms_open_opts_init(&opts);
	memset(m, 0, sizeof(*m));
	m->opts = &opts;
}

Test(model, chunks_are_sorted_and_validated)
{
	struct vms_model m;
	model_init(&m);
	m.raw_size = 16 * 4096;
	cr_assert_eq(vms_model_add_chunk(&m, 0x100000, 4, 0x4000, 0, NULL), 0);
	cr_assert_eq(vms_model_add_chunk(&m, 0, 4, 0, 0, NULL), 0);
	struct vms_error err = {0};
	cr_assert_eq(vms_model_finish(&m, &err), 0, "%s", err.msg);
	cr_assert_eq(m.chunks[0].gpa, 0);
	cr_assert_eq(m.chunks[1].gpa, 0x100000);
	vms_model_free(&m);
}

Test(model, overlapping_chunks_are_rejected)
{
	struct vms_model m;
	model_init(&m);
	m.raw_size = 16 * 4096;
	vms_model_add_chunk(&m, 0, 4, 0, 0, NULL);
	vms_model_add_chunk(&m, 0x3000, 4, 0x4000, 0, NULL);
	struct vms_error err = {0};
	cr_assert_eq(vms_model_finish(&m, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "overlap"), "%s", err.msg);
	vms_model_free(&m);
}

Test(model, chunk_beyond_raw_size_is_rejected)
{
	struct vms_model m;
	model_init(&m);
	m.raw_size = 4 * 4096;
	vms_model_add_chunk(&m, 0, 5, 0, 0, NULL);
	struct vms_error err = {0};
	cr_assert_eq(vms_model_finish(&m, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "beyond the raw size"), "%s", err.msg);
	vms_model_free(&m);
}

Test(model, overflowing_chunk_is_rejected)
{
	struct vms_model m;
	model_init(&m);
	m.raw_size = UINT64_MAX;
	vms_model_add_chunk(&m, 0xFFFFFFFFFFFFF000ull, 2, 0, 0, NULL);
	cr_assert_eq(vms_model_finish(&m, NULL), -EBADMSG);
	vms_model_free(&m);
}

Test(model, caps_bound_counts_and_allocations)
{
	struct vms_model m;
	model_init(&m);
	opts.max_chunks = 3;
	opts.max_vps = 2;
	opts.max_alloc = 1000;
	for (int i = 0; i < 3; i++)
		cr_assert_eq(vms_model_add_chunk(&m, (uint64_t)i << 20, 1, 0, 0, NULL), 0);
	struct vms_error err = {0};
	cr_assert_eq(vms_model_add_chunk(&m, 5 << 20, 1, 0, 0, &err), -EFBIG);
	cr_assert_eq(vms_model_alloc_vps(&m, 3, &err), -EFBIG);
	cr_assert_null(vms_model_alloc(&m, 1001, "test", &err));
	cr_assert_eq(err.code, -EFBIG);
	vms_model_free(&m);
}

Test(model, banks_are_created_on_demand)
{
	struct vms_model m;
	model_init(&m);
	cr_assert_eq(vms_model_alloc_vps(&m, 2, NULL), 0);
	struct vms_reg_bank *b;
	cr_assert_eq(vms_model_bank(&m, 1, 2, &b, NULL), 0);
	vms_bank_set(b, VMS_REG_CR3, 0x1000, 0);
	cr_assert(vms_bank_has(b, VMS_REG_CR3));
	cr_assert_not(vms_bank_has(b, VMS_REG_CR4));
	cr_assert_eq(m.vps[1].vtl_mask, 1u << 2);
	cr_assert_eq(vms_model_bank(&m, 2, 0, &b, NULL), -ERANGE);
	cr_assert_eq(vms_model_bank(&m, 0, VMS_MAX_VTLS, &b, NULL), -ERANGE);
	vms_model_free(&m);
}

Test(model, warnings_become_properties)
{
	struct vms_model m;
	model_init(&m);
	vms_model_warn(&m, "entry %d has a bad CRC", 4);
	cr_assert_eq(m.prop_count, 1);
	cr_assert_str_eq(m.props[0].key, "warning");
	cr_assert_str_eq(m.props[0].value, "entry 4 has a bad CRC");
	vms_model_free(&m);
}
