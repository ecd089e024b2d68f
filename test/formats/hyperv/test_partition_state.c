/* partition_state parsing (hyperv-format.md §5) on blobs made by partition_state_builder:
 * register round trips for x64/x86/ARM64, VP and VTL nesting, derived state, and one test
 * per malformation. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "formats/hyperv/partition_state.h"
#include "support/partition_state_builder.h"

static struct vms_open_opts opts;
static struct vms_model model;
static struct vms_error err;

static void setup(void)
{
	memset(&opts, 0, sizeof(opts));
	opts.max_vps = 4096;
	opts.max_chunks = 1000000;
	opts.max_alloc = 1ull << 30;
	memset(&model, 0, sizeof(model));
	model.opts = &opts;
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	vms_model_free(&model);
}

TestSuite(partition_state, .init = setup, .fini = teardown);

static int parse(const uint8_t *blob, size_t len)
{
	return hv_partition_state_parse(blob, len, &model, &err);
}

static const char *prop(const char *key)
{
	for (size_t i = 0; i < model.prop_count; i++)
		if (strcmp(model.props[i].key, key) == 0)
			return model.props[i].value;
	return NULL;
}

static bool any_prop_contains(const char *key, const char *needle)
{
	for (size_t i = 0; i < model.prop_count; i++)
		if (strcmp(model.props[i].key, key) == 0 && strstr(model.props[i].value, needle))
			return true;
	return false;
}

/* Registers the x64 chunks carry (everything of the x86/x64 set except SYSENTER_*, TSC_AUX
 * and CR8's neighbours that have no chunk). */
static bool x64_carried(unsigned r)
{
	if (r >= VMS_REG_ARM64_X0)
		return false;
	return r != VMS_REG_SYSENTER_CS && r != VMS_REG_SYSENTER_ESP && r != VMS_REG_SYSENTER_EIP &&
	       r != VMS_REG_TSC_AUX;
}

static void expect_bank_equal(const struct vms_reg_bank *got, const struct vms_reg_bank *want,
			      bool arm64)
{
	for (unsigned r = 0; r < VMS_REG_COUNT; r++) {
		bool carried = arm64 ? r >= VMS_REG_ARM64_X0 : x64_carried(r);
		cr_expect_eq(vms_bank_has(got, (enum vms_reg)r), carried, "register %u presence",
			     r);
		if (!carried || r == VMS_REG_ARM64_PC || r == VMS_REG_ARM64_CPSR)
			continue;
		cr_expect_eq(got->lo[r], want->lo[r], "register %u lo %#lx != %#lx", r,
			     (unsigned long)got->lo[r], (unsigned long)want->lo[r]);
		cr_expect_eq(got->hi[r], want->hi[r], "register %u hi", r);
	}
	if (arm64) {
		cr_expect_eq(got->lo[VMS_REG_ARM64_PC], want->lo[VMS_REG_ARM64_ELR_EL2]);
		cr_expect_eq(got->lo[VMS_REG_ARM64_CPSR], want->lo[VMS_REG_ARM64_SPSR_EL2]);
	}
}

static uint8_t *one_vp(uint32_t vendor, const struct vms_reg_bank *bank, size_t *len)
{
	struct psb_vp_desc vp = {
		.hv_index = 0, .vtl_count = 1, .banks = {bank}, .runnable_vtl = -1};
	return psb_build(vendor, 0x8100000000001234ull, &vp, 1, len);
}

Test(partition_state, x64_registers_round_trip)
{
	struct vms_reg_bank want;
	psb_bank_pattern(&want, VMS_ARCH_X64, 1);
	size_t len;
	uint8_t *blob = one_vp(HV_VENDOR_INTEL, &want, &len);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_assert_eq(model.vp_count, 1);
	cr_expect_eq(model.vps[0].arch, VMS_ARCH_X64);
	cr_expect_eq(model.vps[0].vtl_mask, 1u);
	cr_expect_eq(model.vps[0].active_vtl, 0);
	cr_expect_eq(model.guest_vtl_mask, 1u);
	cr_expect_eq(model.guest_os_id[0], 0x8100000000001234ull);
	cr_expect_eq(model.guest_os_id_mask, 1u);
	expect_bank_equal(model.vps[0].banks[0], &want, false);
	cr_expect_str_eq(prop("partition_state.vendor"), "intel (0x1)");
	cr_expect_str_eq(prop("partition_state.bsp_vp_index"), "0");
	free(blob);
}

Test(partition_state, x86_guest_is_x86)
{
	struct vms_reg_bank want;
	psb_bank_pattern(&want, VMS_ARCH_X86, 2);
	size_t len;
	uint8_t *blob = one_vp(HV_VENDOR_AMD, &want, &len);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_expect_eq(model.vps[0].arch, VMS_ARCH_X86);
	expect_bank_equal(model.vps[0].banks[0], &want, false);
	free(blob);
}

Test(partition_state, long_mode_needs_cs_l)
{
	/* EFER.LMA set but CS.L clear: compatibility mode, reported as x86 (§5.10) [G]. */
	struct vms_reg_bank want;
	psb_bank_pattern(&want, VMS_ARCH_X64, 3);
	want.lo[VMS_REG_CS_ATTR] &= ~(uint64_t)HV_X64_SEG_ATTR_L;
	size_t len;
	uint8_t *blob = one_vp(HV_VENDOR_INTEL, &want, &len);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_expect_eq(model.vps[0].arch, VMS_ARCH_X86);
	free(blob);
}

Test(partition_state, arm64_registers_round_trip)
{
	struct vms_reg_bank want;
	psb_bank_pattern(&want, VMS_ARCH_ARM64, 4);
	size_t len;
	uint8_t *blob = one_vp(HV_VENDOR_ARM, &want, &len);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_expect_eq(model.vps[0].arch, VMS_ARCH_ARM64);
	expect_bank_equal(model.vps[0].banks[0], &want, true);
	cr_expect_str_eq(prop("partition_state.vendor"), "arm (0x10)");
	free(blob);
}

Test(partition_state, sparse_vp_indices_keep_stream_order)
{
	static const uint32_t hv[] = {0, 2, 5, 70};
	struct vms_reg_bank banks[4];
	struct psb_vp_desc vps[4];
	for (unsigned i = 0; i < 4; i++) {
		psb_bank_pattern(&banks[i], VMS_ARCH_X64, 10 + i);
		vps[i] = (struct psb_vp_desc){.hv_index = hv[i],
					      .vtl_count = 1,
					      .banks = {&banks[i]},
					      .runnable_vtl = -1};
	}
	size_t len;
	uint8_t *blob = psb_build(HV_VENDOR_INTEL, 0, vps, 4, &len);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_assert_eq(model.vp_count, 4);
	for (unsigned i = 0; i < 4; i++) {
		cr_expect_eq(model.vps[i].hv_index, hv[i]);
		cr_expect_eq(model.vps[i].banks[0]->lo[VMS_REG_RIP], banks[i].lo[VMS_REG_RIP]);
	}
	for (size_t i = 0; i < model.prop_count; i++)
		cr_expect_str_neq(model.props[i].key, "warning", "%s", model.props[i].value);
	free(blob);
}

static uint8_t *two_vtls(int runnable, size_t *len, struct vms_reg_bank *b0,
			 struct vms_reg_bank *b1)
{
	psb_bank_pattern(b0, VMS_ARCH_X64, 20);
	psb_bank_pattern(b1, VMS_ARCH_X64, 21);
	struct psb_vp_desc vp = {.hv_index = 0,
				 .vtl_count = 2,
				 .vtls = {0, 1},
				 .banks = {b0, b1},
				 .runnable_vtl = runnable};
	return psb_build(HV_VENDOR_INTEL, 7, &vp, 1, len);
}

Test(partition_state, runnable_control_page_selects_active_vtl)
{
	struct vms_reg_bank b0, b1;
	size_t len;
	uint8_t *blob = two_vtls(1, &len, &b0, &b1);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_expect_eq(model.vps[0].vtl_mask, 3u);
	cr_expect_eq(model.guest_vtl_mask, 3u);
	cr_expect_eq(model.vps[0].active_vtl, 1);
	expect_bank_equal(model.vps[0].banks[0], &b0, false);
	expect_bank_equal(model.vps[0].banks[1], &b1, false);
	free(blob);
}

Test(partition_state, no_runnable_vtl_means_lowest)
{
	struct vms_reg_bank b0, b1;
	size_t len;
	uint8_t *blob = two_vtls(-1, &len, &b0, &b1);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_expect_eq(model.vps[0].active_vtl, 0);
	free(blob);
}

Test(partition_state, openvmm_control_page_before_vtl_markers)
{
	/* OpenVMM writes one runnable control page before the VTL markers (§5.3): VTL 0. */
	struct vms_reg_bank b0, b1;
	psb_bank_pattern(&b0, VMS_ARCH_X64, 30);
	psb_bank_pattern(&b1, VMS_ARCH_X64, 31);
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_os_id(&b, 0);
	psb_partition_vtl(&b, 0);
	psb_partition_vtl(&b, 1);
	psb_vp_indices(&b, 0, (uint32_t[]){0}, 1);
	psb_vp(&b, 0);
	psb_vtl_control_page(&b, true);
	psb_vp_vtl(&b, 0);
	psb_x64_registers(&b, &b0);
	psb_vp_vtl(&b, 1);
	psb_x64_registers(&b, &b1);
	psb_epilog(&b);
	size_t len;
	const uint8_t *blob = psb_finish(&b, &len);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_expect_eq(model.vps[0].active_vtl, 0);
	cr_expect_eq(model.vps[0].banks[1]->lo[VMS_REG_CR3], b1.lo[VMS_REG_CR3]);
	psb_free(&b);
}

Test(partition_state, registers_without_vtl_marker_go_to_vtl0)
{
	struct vms_reg_bank b0;
	psb_bank_pattern(&b0, VMS_ARCH_X64, 40);
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_vp(&b, 3);
	psb_x64_registers(&b, &b0);
	psb_epilog(&b);
	size_t len;
	const uint8_t *blob = psb_finish(&b, &len);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_expect_eq(model.vps[0].hv_index, 3);
	cr_expect_eq(model.vps[0].vtl_mask, 1u);
	cr_expect_eq(model.guest_vtl_mask, 1u, "derived from the banks");
	cr_expect_eq(model.guest_os_id_mask, 0u);
	psb_free(&b);
}

Test(partition_state, unknown_and_undecoded_chunks_are_listed)
{
	struct vms_reg_bank b0;
	psb_bank_pattern(&b0, VMS_ARCH_X64, 50);
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_chunk(&b, HV_PS_CPUID_DATA, NULL, 100);
	psb_vp(&b, 0);
	psb_chunk(&b, 0x3000E200u, NULL, 7);
	psb_chunk(&b, 0x3000E200u, NULL, 0);
	psb_x64_registers(&b, &b0);
	psb_chunk(&b, HV_PS_VP_APIC, NULL, 224);
	psb_epilog(&b);
	psb_chunk(&b, 0x12345678u, NULL, 4); /* after the epilog: ignored */
	size_t len;
	const uint8_t *blob = psb_finish(&b, &len);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_expect(any_prop_contains("partition_state.unknown_chunk", "0x3000e200 ? x2"));
	cr_expect(any_prop_contains("partition_state.undecoded_chunk", "PROCESSOR_CPUID_DATA x1"));
	cr_expect(any_prop_contains("partition_state.undecoded_chunk", "VP_SYNIC_APIC_STATE"));
	cr_expect_str_eq(prop("partition_state.trailing_bytes"), "20");
	cr_expect_eq(model.vps[0].banks[0]->lo[VMS_REG_RSP], b0.lo[VMS_REG_RSP]);
	psb_free(&b);
}

Test(partition_state, bitmap_mismatch_is_a_warning)
{
	struct vms_reg_bank b0;
	psb_bank_pattern(&b0, VMS_ARCH_X64, 60);
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_vp_indices(&b, 0, (uint32_t[]){0, 1}, 2);
	psb_vp(&b, 9);
	psb_x64_registers(&b, &b0);
	psb_epilog(&b);
	size_t len;
	const uint8_t *blob = psb_finish(&b, &len);
	cr_assert_eq(parse(blob, len), 0, "%s", err.msg);
	cr_expect(any_prop_contains("warning", "absent from the VP_INDICES bitmap"));
	cr_expect(any_prop_contains("warning", "lists 2 VPs but the stream has 1"));
	psb_free(&b);
}

/* ---- malformations: one error each ---- */

static void expect_fail(const uint8_t *blob, size_t len, int code, const char *needle)
{
	int rc = parse(blob, len);
	cr_expect_eq(rc, code, "rc %d, msg %s", rc, err.msg);
	cr_expect(strstr(err.msg, needle) != NULL, "message '%s' lacks '%s'", err.msg, needle);
}

static struct psb good(void)
{
	static struct vms_reg_bank b0;
	psb_bank_pattern(&b0, VMS_ARCH_X64, 70);
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_vp(&b, 0);
	psb_x64_registers(&b, &b0);
	psb_epilog(&b);
	size_t len;
	psb_finish(&b, &len);
	return b;
}

Test(partition_state, rejects_short_envelope)
{
	uint8_t blob[10] = {0};
	expect_fail(blob, sizeof(blob), -EBADMSG, "24-byte envelope");
}

Test(partition_state, rejects_total_size_past_value)
{
	struct psb b = good();
	vms_put_le64(b.buf + 16, b.len + 1);
	expect_fail(b.buf, b.len, -EBADMSG, "total_size");
	cr_expect(strstr(err.msg, "encrypted") != NULL);
	psb_free(&b);
}

Test(partition_state, rejects_header_size_overflow)
{
	struct psb b = good();
	vms_put_le64(b.buf + 8, UINT64_MAX - 3);
	expect_fail(b.buf, b.len, -EBADMSG, "header_size");
	psb_free(&b);
}

Test(partition_state, rejects_random_bytes_as_encrypted)
{
	uint8_t blob[4096];
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < sizeof(blob); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		blob[i] = (uint8_t)x;
	}
	vms_put_le64(blob, 24);
	vms_put_le64(blob + 8, 24);
	vms_put_le64(blob + 16, sizeof(blob));
	int rc = parse(blob, sizeof(blob));
	cr_expect_eq(rc, -EBADMSG);
	cr_expect(strstr(err.msg, "encrypted") != NULL, "%s", err.msg);
}

Test(partition_state, rejects_bad_prolog_tag)
{
	struct psb b = good();
	b.buf[40 + 16] ^= 1;
	expect_fail(b.buf, b.len, -EBADMSG, "does not start with a prolog");
	psb_free(&b);
}

Test(partition_state, rejects_chunk_overrun)
{
	struct psb b = good();
	vms_put_le32(b.buf + 40 + 16 + HV_PS_PROLOG_DATA_LEN + 4, 0x7fffffff); /* VP marker */
	expect_fail(b.buf, b.len, -EBADMSG, "overruns the stream end");
	psb_free(&b);
}

Test(partition_state, rejects_missing_epilog)
{
	struct psb b = good();
	b.len -= 16;
	vms_put_le64(b.buf + 16, b.len);
	expect_fail(b.buf, b.len, -EBADMSG, "without an epilog");
	psb_free(&b);
}

Test(partition_state, rejects_partial_chunk_header)
{
	struct psb b = good();
	b.len -= 8;
	vms_put_le64(b.buf + 16, b.len);
	expect_fail(b.buf, b.len, -EBADMSG, "cannot hold a 16-byte chunk header");
	psb_free(&b);
}

Test(partition_state, rejects_registers_before_vp)
{
	struct vms_reg_bank b0;
	psb_bank_pattern(&b0, VMS_ARCH_X64, 80);
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_x64_registers(&b, &b0);
	psb_epilog(&b);
	size_t len;
	psb_finish(&b, &len);
	expect_fail(b.buf, len, -EBADMSG, "precedes every VP marker");
	psb_free(&b);
}

Test(partition_state, rejects_short_gp_chunk)
{
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_vp(&b, 0);
	psb_chunk(&b, HV_PS_VP_GP, NULL, 100);
	psb_epilog(&b);
	size_t len;
	psb_finish(&b, &len);
	expect_fail(b.buf, len, -EBADMSG, "GP registers chunk");
	cr_expect(strstr(err.msg, "100 < 144") != NULL, "%s", err.msg);
	psb_free(&b);
}

Test(partition_state, rejects_short_arm64_fp_chunk)
{
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_ARM);
	psb_vp(&b, 0);
	psb_chunk(&b, HV_PS_VP_FP, NULL, HV_X64_FP_LEN);
	psb_epilog(&b);
	size_t len;
	psb_finish(&b, &len);
	expect_fail(b.buf, len, -EBADMSG, "ARM64 FP registers");
	psb_free(&b);
}

Test(partition_state, rejects_vtl_out_of_range)
{
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_vp(&b, 0);
	psb_vp_vtl(&b, 16);
	psb_epilog(&b);
	size_t len;
	psb_finish(&b, &len);
	expect_fail(b.buf, len, -EBADMSG, "VTL 16");
	psb_free(&b);
}

Test(partition_state, rejects_duplicate_vp_index)
{
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_vp(&b, 4);
	psb_vp(&b, 1);
	psb_vp(&b, 4);
	psb_epilog(&b);
	size_t len;
	psb_finish(&b, &len);
	expect_fail(b.buf, len, -EBADMSG, "VP index 4 has two VP markers");
	psb_free(&b);
}

Test(partition_state, rejects_second_prolog)
{
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_epilog(&b);
	size_t len;
	psb_finish(&b, &len);
	expect_fail(b.buf, len, -EBADMSG, "second prolog");
	psb_free(&b);
}

Test(partition_state, enforces_max_vps)
{
	opts.max_vps = 2;
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	for (uint32_t i = 0; i < 3; i++)
		psb_vp(&b, i);
	psb_epilog(&b);
	size_t len;
	psb_finish(&b, &len);
	expect_fail(b.buf, len, -EFBIG, "max_vps");
	psb_free(&b);
}

Test(partition_state, enforces_bank_budget)
{
	opts.max_alloc = sizeof(struct vms_reg_bank) * 3;
	struct psb b;
	psb_init(&b);
	psb_prolog(&b, HV_VENDOR_INTEL);
	psb_vp(&b, 0);
	for (uint8_t t = 0; t < 4; t++)
		psb_vp_vtl(&b, t);
	psb_epilog(&b);
	size_t len;
	psb_finish(&b, &len);
	expect_fail(b.buf, len, -EFBIG, "register banks");
	psb_free(&b);
}

Test(partition_state, every_truncation_fails_cleanly)
{
	struct psb b = good();
	size_t full = b.len;
	for (size_t cut = 0; cut < full; cut += 7) {
		vms_model_free(&model);
		model.opts = &opts;
		vms_put_le64(b.buf + 16, cut);
		cr_expect_lt(parse(b.buf, cut), 0, "truncated to %zu bytes", cut);
	}
	psb_free(&b);
}
