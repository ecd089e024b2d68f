/* The hyperv-vmrs backend through the public API, on files made by vmrs_builder: memory
 * maps (hyperv-format.md §3.3-§3.5), every token kind, CPU state (§5), the key tree, replay
 * overlay, damaged files, and the real runtime-state fixture (§10). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bytes.h"
#include "formats/hyperv/hv_schema.h"
#include "formats/hyperv/partition_state.h"
#include "support/partition_state_builder.h"
#include "support/test_support.h"
#include "support/vmrs_builder.h"

static struct vms_error err;
static uint8_t *img;
static size_t img_len;
static vms_handle *h;
static struct vms_reg_bank bank0;
static uint8_t *ps_blob;
static size_t ps_len;

static void setup(void)
{
	memset(&err, 0, sizeof(err));
	psb_bank_pattern(&bank0, VMS_ARCH_X64, 99);
	struct psb_vp_desc vp = {
		.hv_index = 0, .vtl_count = 1, .banks = {&bank0}, .runnable_vtl = -1};
	ps_blob = psb_build(HV_VENDOR_INTEL, 0x1234, &vp, 1, &ps_len);
}

static void teardown(void)
{
	vms_close(h);
	h = NULL;
	free(img);
	img = NULL;
	free(ps_blob);
}

TestSuite(vmrs_open, .init = setup, .fini = teardown);

static void desc_with(struct vmrs_desc *d, const struct vmrs_range *r, size_t n)
{
	vmrs_desc_init(d);
	d->ranges = r;
	d->range_count = n;
	d->partition_state = ps_blob;
	d->partition_state_len = ps_len;
}

static int open_img(uint32_t flags, struct vmrs_layout *layout, const struct vmrs_desc *d)
{
	cr_assert_eq(vmrs_build_mem(d, &img, &img_len, layout), 0);
	struct vms_io io;
	vms_io_mem_init(&io, img, img_len, "test.vmrs");
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.flags = flags;
	return vms_open_io(&io, 1, &o, &h, &err);
}

static const char *prop(const char *key)
{
	int n = vms_property_get(h, 0, NULL, NULL);
	for (int i = 0; i < n; i++) {
		const char *k, *v;
		if (vms_property_get(h, (size_t)i, &k, &v) == 0 && strcmp(k, key) == 0)
			return v;
	}
	return NULL;
}

/* Every u64 of a default page encodes its raw page index, so a read proves the mapping. */
static void expect_gpa_holds_raw_page(uint64_t gpa, uint64_t raw_page)
{
	uint8_t page[4096];
	uint64_t done = 0;
	int rc = vms_read_gpa(h, gpa, page, sizeof(page), 0, &done, &err);
	cr_assert_eq(rc, 0, "gpa %#lx: %s", (unsigned long)gpa, err.msg);
	cr_assert_eq(done, sizeof(page));
	uint8_t want[4096];
	vmrs_page_default(NULL, raw_page, want);
	cr_expect_arr_eq(page, want, sizeof(page), "gpa %#lx != raw page %#lx", (unsigned long)gpa,
			 (unsigned long)raw_page);
}

Test(vmrs_open, single_range_round_trip)
{
	struct vmrs_range r[] = {{0, 512, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	cr_assert_eq(open_img(0, NULL, &d), 0, "%s", err.msg);
	cr_expect_str_eq(vms_format_name(h), "hyperv-vmrs");
	cr_expect_eq(vms_raw_size(h), 2u << 20);
	cr_expect_eq(vms_gpa_end(h), 512u * 4096);
	struct vms_chunk c[2];
	cr_assert_eq(vms_chunk_list(h, c, 2), 1);
	cr_expect_eq(c[0].gpa, 0);
	cr_expect_eq(c[0].pages, 512);
	cr_expect_eq(c[0].raw_off, 0);
	for (uint64_t p = 0; p < 512; p += 37)
		expect_gpa_holds_raw_page(p * 4096, p);
	cr_expect_eq(vms_vp_count(h), 1);
	struct vms_reg_value v;
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_RIP, &v, &err), 0, "%s", err.msg);
	cr_expect_eq(v.lo, bank0.lo[VMS_REG_RIP]);
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_XMM0 + 7, &v, &err), 0, "%s", err.msg);
	cr_expect_eq(v.hi, bank0.hi[VMS_REG_XMM0 + 7]);
	enum vms_arch a;
	cr_assert_eq(vms_vp_arch(h, 0, &a), 0);
	cr_expect_eq(a, VMS_ARCH_X64);
	uint64_t os;
	cr_assert_eq(vms_guest_os_id(h, 0, &os), 0);
	cr_expect_eq(os, 0x1234);
	cr_expect_str_eq(prop("hyperv.ram_ranges"), "1");
	cr_expect_str_eq(prop("hyperv.key_scheme"), "new (> 5.0)");
	cr_expect(vms_key_get(h, 0, NULL) > 4, "the key tree is exported");
}

Test(vmrs_open, mbp_layouts_and_ranges_above_4g)
{
	/* OpenVMM style (each range on a fresh block, §3.4) plus a non-block-aligned start. */
	struct vmrs_range r[] = {
		{0, 0x180, 0, 0},
		{0x100000000ull, 0x100, 0x200, HV_RMB_FLAG_HOT_ADDED},
		{0x100200000ull, 0x80, 0x300, HV_RMB_FLAG_VTL2},
		{0x200000000ull, 0x10, 0x385, HV_RMB_FLAG_SGX},
	};
	struct vmrs_desc d;
	desc_with(&d, r, 4);
	cr_assert_eq(open_img(0, NULL, &d), 0, "%s", err.msg);
	struct vms_chunk c[4];
	cr_assert_eq(vms_chunk_list(h, c, 4), 4);
	cr_expect_eq(c[1].flags, VMS_CHUNK_HOT_ADDED);
	cr_expect_eq(c[2].flags, VMS_CHUNK_VTL2);
	cr_expect_eq(c[3].flags, VMS_CHUNK_SGX);
	cr_expect_eq(vms_raw_size(h), 4u << 20);
	uint64_t raw;
	cr_assert_eq(vms_gpa_to_raw(h, 0x100000123ull, &raw, &err), 0, "%s", err.msg);
	cr_expect_eq(raw, 0x200000 + 0x123);
	cr_assert_eq(vms_gpa_to_raw(h, 0x200003000ull, &raw, &err), 0, "%s", err.msg);
	cr_expect_eq(raw, (0x385 + 3) * 4096ull);
	cr_expect_eq(vms_gpa_to_raw(h, 0x180000, &raw, &err), -EFAULT);
	expect_gpa_holds_raw_page(0x17f000, 0x17f);
	expect_gpa_holds_raw_page(0x100000000ull, 0x200);
	expect_gpa_holds_raw_page(0x10027f000ull, 0x37f);
	expect_gpa_holds_raw_page(0x20000f000ull, 0x394);
	uint8_t b[16];
	uint64_t done;
	cr_expect_eq(vms_read_gpa(h, 0x17fff8, b, 16, 0, &done, &err), -EFAULT);
	cr_expect_eq(done, 8);
}

/* Pages whose content suits every token kind of §4.2. */
static void mixed_page(void *ctx, uint64_t r, uint8_t *page)
{
	(void)ctx;
	uint64_t x = r * 0x9e3779b97f4a7c15ull + 1;
	switch (r % 8) {
	case 0:
	case 1:
	case 2: /* FILL, FILL_RUN, FILL_RUN: one repeated u64 */
		for (unsigned i = 0; i < 4096; i += 8)
			vms_put_le64(page + i, 0xabcdef0000000000ull | (r / 8));
		break;
	case 3:
	case 5: /* LZ77, EXPLICIT_LZ77: compressible */
		for (unsigned i = 0; i < 4096; i++)
			page[i] = "hyper-v saved state "[i % 20] ^ (uint8_t)r;
		break;
	default: /* RAW, EXPLICIT_RAW, AUTO: incompressible */
		for (unsigned i = 0; i < 4096; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			page[i] = (uint8_t)x;
		}
		break;
	}
}

static void fill_mixed_raw(uint8_t *raw, uint64_t blocks)
{
	for (uint64_t p = 0; p < blocks * 256; p++)
		mixed_page(NULL, p, raw + p * 4096);
}

Test(vmrs_open, every_token_kind_round_trips)
{
	enum hv_page_enc enc[256];
	static const enum hv_page_enc cycle[8] = {
		HV_PAGE_FILL, HV_PAGE_FILL_RUN,	     HV_PAGE_FILL_RUN,	   HV_PAGE_LZ77,
		HV_PAGE_RAW,  HV_PAGE_EXPLICIT_LZ77, HV_PAGE_EXPLICIT_RAW, HV_PAGE_AUTO,
	};
	for (unsigned i = 0; i < 256; i++)
		enc[i] = cycle[i % 8];
	struct vmrs_range r[] = {{0, 512, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	d.block_mode = VMRS_BLOCK_MIXED;
	d.page_enc = enc;
	d.page_fn = mixed_page;
	struct vmrs_layout l;
	cr_assert_eq(open_img(0, &l, &d), 0, "%s", err.msg);
	cr_expect_lt(l.block_value_len[0], 1u << 20, "token-encoded, not raw");
	uint8_t *want = malloc(2u << 20), *got = malloc(2u << 20);
	fill_mixed_raw(want, 2);
	uint64_t done;
	cr_assert_eq(vms_read_raw(h, 0, got, 2u << 20, &done, &err), 0, "%s", err.msg);
	cr_assert_eq(done, 2u << 20);
	cr_expect_arr_eq(got, want, 2u << 20);
	free(want);
	free(got);
	vmrs_layout_free(&l);
}

Test(vmrs_open, raw_blocks_and_inline_small_blocks)
{
	struct vmrs_range r[] = {{0x1000, 256, 0, 0}, {0x200000, 256, 256, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 2);
	d.block_mode = VMRS_BLOCK_RAW;
	struct vmrs_layout l;
	cr_assert_eq(open_img(0, &l, &d), 0, "%s", err.msg);
	cr_expect_eq(l.block_value_len[1], 1u << 20);
	expect_gpa_holds_raw_page(0x1000, 0);
	expect_gpa_holds_raw_page(0x2ff000, 511);
	vmrs_layout_free(&l);
}

static void zero_page(void *ctx, uint64_t r, uint8_t *page)
{
	(void)ctx, (void)r;
	memset(page, 0, 4096);
}

Test(vmrs_open, all_zero_block_is_stored_inline)
{
	/* One 0xFFFFFFFD token: 20 bytes, below the file-object threshold (§2.7). */
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	d.page_fn = zero_page;
	struct vmrs_layout l;
	cr_assert_eq(open_img(0, &l, &d), 0, "%s", err.msg);
	cr_expect_lt(l.block_value_len[0], 2048);
	uint8_t b[4096], z[4096] = {0};
	uint64_t done;
	cr_assert_eq(vms_read_gpa(h, 0x80000, b, sizeof(b), 0, &done, &err), 0, "%s", err.msg);
	cr_expect_arr_eq(b, z, sizeof(b));
	vmrs_layout_free(&l);
}

Test(vmrs_open, thousands_of_ranges)
{
	enum { N = 3000 };
	struct vmrs_range *r = calloc(N, sizeof(*r));
	for (unsigned i = 0; i < N; i++)
		r[i] = (struct vmrs_range){(uint64_t)i * 2 * 4096, 1, i, 0};
	struct vmrs_desc d;
	desc_with(&d, r, N);
	cr_assert_eq(open_img(0, NULL, &d), 0, "%s", err.msg);
	cr_expect_eq(vms_chunk_list(h, NULL, 0), N);
	expect_gpa_holds_raw_page(2999ull * 2 * 4096, 2999);
	vms_close(h);
	h = NULL;
	struct vms_io io;
	vms_io_mem_init(&io, img, img_len, "many.vmrs");
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.max_chunks = 100;
	cr_expect_eq(vms_open_io(&io, 1, &o, &h, &err), -EFBIG, "%s", err.msg);
	free(r);
}

Test(vmrs_open, vps_and_vtls_through_the_api)
{
	struct vms_reg_bank b[3];
	psb_bank_pattern(&b[0], VMS_ARCH_X64, 1);
	psb_bank_pattern(&b[1], VMS_ARCH_X64, 2);
	psb_bank_pattern(&b[2], VMS_ARCH_X86, 3);
	struct psb_vp_desc vps[2] = {
		{.hv_index = 0,
		 .vtl_count = 2,
		 .vtls = {0, 1},
		 .banks = {&b[0], &b[1]},
		 .runnable_vtl = 1},
		{.hv_index = 4, .vtl_count = 1, .vtls = {0}, .banks = {&b[2]}, .runnable_vtl = -1},
	};
	free(ps_blob);
	ps_blob = psb_build(HV_VENDOR_AMD, 0, vps, 2, &ps_len);
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	cr_assert_eq(open_img(0, NULL, &d), 0, "%s", err.msg);
	cr_assert_eq(vms_vp_count(h), 2);
	uint32_t hv, mask;
	uint8_t vtl;
	cr_expect_eq(vms_vp_hv_index(h, 1, &hv), 0);
	cr_expect_eq(hv, 4);
	cr_expect_eq(vms_vp_active_vtl(h, 0, &vtl), 0);
	cr_expect_eq(vtl, 1);
	cr_expect_eq(vms_guest_enabled_vtls(h, &mask), 0);
	cr_expect_eq(mask, 3u);
	struct vms_reg_value v;
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_CR3, &v, &err), 0, "%s", err.msg);
	cr_expect_eq(v.lo, b[1].lo[VMS_REG_CR3], "active VTL 1");
	cr_assert_eq(vms_vp_get_register_vtl(h, 0, 0, VMS_REG_CR3, &v, &err), 0, "%s", err.msg);
	cr_expect_eq(v.lo, b[0].lo[VMS_REG_CR3]);
	cr_expect_eq(vms_vp_get_register_vtl(h, 1, 1, VMS_REG_CR3, &v, &err), -ENODATA);
	enum vms_arch a;
	cr_expect_eq(vms_vp_arch(h, 1, &a), 0);
	cr_expect_eq(a, VMS_ARCH_X86);
}

Test(vmrs_open, arm64_guest)
{
	struct vms_reg_bank b;
	psb_bank_pattern(&b, VMS_ARCH_ARM64, 5);
	struct psb_vp_desc vp = {.vtl_count = 1, .banks = {&b}, .runnable_vtl = -1};
	free(ps_blob);
	ps_blob = psb_build(HV_VENDOR_ARM, 0, &vp, 1, &ps_len);
	struct vmrs_range r[] = {{0x40000000, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	cr_assert_eq(open_img(0, NULL, &d), 0, "%s", err.msg);
	enum vms_arch a;
	cr_expect_eq(vms_vp_arch(h, 0, &a), 0);
	cr_expect_eq(a, VMS_ARCH_ARM64);
	struct vms_reg_value v;
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_ARM64_PC, &v, &err), 0, "%s", err.msg);
	cr_expect_eq(v.lo, b.lo[VMS_REG_ARM64_ELR_EL2]);
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_ARM64_TTBR1_EL1, &v, &err), 0);
	cr_expect_eq(v.lo, b.lo[VMS_REG_ARM64_TTBR1_EL1]);
}

Test(vmrs_open, missing_ramblock_is_named)
{
	struct vmrs_range r[] = {{0, 768, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	static const uint64_t skip[] = {1};
	d.skip_blocks = skip;
	d.skip_count = 1;
	cr_assert_eq(open_img(0, NULL, &d), -EBADMSG);
	cr_expect(strstr(err.msg, "savedstate/RamBlock1 is missing") != NULL, "%s", err.msg);
	struct vms_io io;
	vms_io_mem_init(&io, img, img_len, "x");
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.flags = VMS_OPEN_ZERO_MISSING;
	cr_assert_eq(vms_open_io(&io, 1, &o, &h, &err), 0, "%s", err.msg);
	uint8_t b[4096], z[4096] = {0};
	uint64_t done;
	cr_assert_eq(vms_read_gpa(h, 0x100000, b, sizeof(b), 0, &done, &err), 0, "%s", err.msg);
	cr_expect_arr_eq(b, z, sizeof(b));
	expect_gpa_holds_raw_page(0x200000, 512);
}

Test(vmrs_open, runtime_state_without_memory)
{
	struct vmrs_desc d;
	vmrs_desc_init(&d);
	d.no_savedstate = true;
	cr_assert_eq(open_img(0, NULL, &d), -ENODATA);
	cr_expect(strstr(err.msg, "no saved memory in this file") != NULL, "%s", err.msg);
	cr_assert_eq(vms_open_io(&(struct vms_io){0}, 0, NULL, &h, &err), -EINVAL);
	struct vms_io io;
	vms_io_mem_init(&io, img, img_len, "x");
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.flags = VMS_OPEN_METADATA_ONLY;
	cr_assert_eq(vms_open_io(&io, 1, &o, &h, &err), 0, "%s", err.msg);
	cr_expect_eq(vms_key_get(h, 0, NULL), 3);
	struct vms_key k;
	cr_assert_eq(vms_key_get(h, 2, &k), 0);
	cr_expect_str_eq(k.name, "version");
	cr_expect_eq(k.u64, 0x900);
	cr_expect_eq(vms_raw_size(h), 0);
	cr_expect_eq(vms_vp_count(h), 0);
}

Test(vmrs_open, memory_without_partition_state_warns)
{
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	d.partition_state = NULL;
	cr_assert_eq(open_img(0, NULL, &d), 0, "%s", err.msg);
	cr_expect_eq(vms_vp_count(h), 0);
	cr_expect(prop("warning") != NULL);
}

Test(vmrs_open, unknown_memory_keys_are_reported)
{
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	d.unknown_memory_key = true;
	cr_assert_eq(open_img(0, NULL, &d), 0, "%s", err.msg);
	cr_expect_str_eq(prop("hyperv.unknown_memory_key"), "/savedstate/RamVtlInfo0");
}

Test(vmrs_open, rejects_metadata_version_2)
{
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	d.rmb_version = 2;
	cr_expect_eq(open_img(0, NULL, &d), -ENOTSUP);
	cr_expect(strstr(err.msg, "RamMemoryBlock0") != NULL, "%s", err.msg);
}

Test(vmrs_open, rejects_short_metadata)
{
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	d.rmb_len = 40;
	cr_expect_eq(open_img(0, NULL, &d), -EBADMSG);
	cr_expect(strstr(err.msg, "expected 48") != NULL, "%s", err.msg);
}

Test(vmrs_open, rejects_overlapping_ranges)
{
	struct vmrs_range r[] = {{0, 256, 0, 0}, {0x80000, 16, 256, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 2);
	cr_expect_eq(open_img(0, NULL, &d), -EBADMSG);
	cr_expect(strstr(err.msg, "overlap") != NULL, "%s", err.msg);
}

Test(vmrs_open, rejects_old_configuration_version)
{
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	d.vm_version = 0x100;
	cr_expect_eq(open_img(0, NULL, &d), -ENOTSUP);
}

Test(vmrs_open, encrypted_partition_state_fails_cleanly)
{
	uint8_t noise[8192];
	uint64_t x = 7;
	for (size_t i = 0; i < sizeof(noise); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		noise[i] = (uint8_t)x;
	}
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	d.partition_state = noise;
	d.partition_state_len = sizeof(noise);
	cr_expect_eq(open_img(0, NULL, &d), -EBADMSG);
	cr_expect(strstr(err.msg, "encrypted") != NULL, "%s", err.msg);
}

Test(vmrs_open, undecodable_ramblock_fails_at_read)
{
	struct vmrs_range r[] = {{0, 512, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	struct vmrs_layout l;
	cr_assert_eq(vmrs_build_mem(&d, &img, &img_len, &l), 0);
	vms_put_le32(img + l.block_value_off[1], 0x2000); /* invalid page tag */
	struct vms_io io;
	vms_io_mem_init(&io, img, img_len, "x");
	cr_assert_eq(vms_open_io(&io, 1, NULL, &h, &err), 0, "%s", err.msg);
	expect_gpa_holds_raw_page(0, 0);
	uint8_t b[16];
	uint64_t done;
	cr_expect_eq(vms_read_gpa(h, 0x100000, b, 16, 0, &done, &err), -EBADMSG);
	cr_expect(strstr(err.msg, "RamBlock1") != NULL, "%s", err.msg);
	vmrs_layout_free(&l);
}

Test(vmrs_open, pending_replay_entry_is_an_overlay)
{
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	struct vmrs_layout l;
	cr_assert_eq(vmrs_build_mem(&d, &img, &img_len, &l), 0);
	free(img);
	img = NULL;
	/* The logged bytes move the range to GPA 1 MiB (RamMemoryBlock0's GpaIndexStart). */
	uint8_t gpa_index[8];
	vms_put_le64(gpa_index, 0x100);
	struct vmrs_log_entry e = {l.rmb_value_off[0] + HV_RMB_OFF_GPA_INDEX, gpa_index, 8, true};
	d.log = &e;
	d.log_count = 1;
	cr_assert_eq(open_img(0, NULL, &d), 0, "%s", err.msg);
	cr_expect_eq(vms_replay_pending(h), 1);
	struct vms_chunk c;
	cr_assert_eq(vms_chunk_list(h, &c, 1), 1);
	cr_expect_eq(c.gpa, 0x100000);
	vms_close(h);
	h = NULL;
	struct vms_io io;
	vms_io_mem_init(&io, img, img_len, "x");
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.flags = VMS_OPEN_IGNORE_REPLAY_LOG;
	cr_assert_eq(vms_open_io(&io, 1, &o, &h, &err), 0, "%s", err.msg);
	cr_assert_eq(vms_chunk_list(h, &c, 1), 1);
	cr_expect_eq(c.gpa, 0);
	vmrs_layout_free(&l);
}

Test(vmrs_open, every_truncation_fails_cleanly)
{
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	cr_assert_eq(vmrs_build_mem(&d, &img, &img_len, NULL), 0);
	for (size_t cut = 4; cut < img_len; cut += img_len / 53 + 1) {
		struct vms_io io;
		vms_io_mem_init(&io, img, cut, "cut");
		int rc = vms_open_io(&io, 1, NULL, &h, &err);
		cr_expect_lt(rc, 0, "truncated to %zu bytes opened", cut);
		vms_close(h);
		h = NULL;
	}
}

Test(vmrs_open, open_by_path)
{
	struct vmrs_range r[] = {{0, 256, 0, 0}};
	struct vmrs_desc d;
	desc_with(&d, r, 1);
	char *path = vms_test_write_temp("x.vmrs", "", 0);
	cr_assert_eq(vmrs_build_file(&d, path, NULL), 0);
	cr_assert_eq(vms_open(path, NULL, &h, &err), 0, "%s", err.msg);
	expect_gpa_holds_raw_page(0xff000, 255);
	unlink(path);
	free(path);
}

Test(vmrs_open, real_runtime_state_has_no_saved_memory)
{
	VMS_REQUIRE_FIXTURE(path, "hyperv/dissect-test.VMRS");
	cr_assert_eq(vms_open(path, NULL, &h, &err), -ENODATA);
	cr_expect(strstr(err.msg, "no saved memory in this file") != NULL, "%s", err.msg);
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.flags = VMS_OPEN_METADATA_ONLY;
	cr_assert_eq(vms_open(path, &o, &h, &err), 0, "%s", err.msg);
	cr_expect_eq(vms_key_get(h, 0, NULL), 113);
	struct vms_key k;
	cr_assert_eq(vms_key_get(h, 0, &k), 0);
	cr_expect_str_eq(k.name, "configuration");
	cr_expect_str_eq(prop("hyperv.vm_version"),
			 "9.0 (0x900, from /configuration/properties/version)");
}
