/* Unit tests of the Microsoft-compatible layer: the HRESULT table (§7.5), UTF-16 paths, and
 * register packing for both ABIs (§7.4) over a fake register source. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat_internal.h"
#include "support/test_support.h"

/* ---- HRESULT mapping ---- */

Test(compat_hresult, documented_values)
{
	cr_expect_eq(vms_compat_hresult(0, VMS_COMPAT_GENERAL), S_OK);
	cr_expect_eq((uint32_t)vms_compat_hresult(-ENOENT, VMS_COMPAT_LOAD), 0x80070002u);
	cr_expect_eq((uint32_t)vms_compat_hresult(-EBADMSG, VMS_COMPAT_LOAD), 0x80070570u);
	cr_expect_eq((uint32_t)vms_compat_hresult(-EPROTONOSUPPORT, VMS_COMPAT_LOAD), 0x80070570u);
	cr_expect_eq((uint32_t)vms_compat_hresult(-ENOMEM, VMS_COMPAT_GENERAL), 0x8007000Eu);
	cr_expect_eq((uint32_t)vms_compat_hresult(-EINVAL, VMS_COMPAT_GENERAL), 0x80070057u);
	cr_expect_eq((uint32_t)vms_compat_hresult(-ERANGE, VMS_COMPAT_VP_STATE), 0x80070057u);
}

Test(compat_hresult, context_dependent_codes)
{
	cr_expect_eq((uint32_t)vms_compat_hresult(-ENODATA, VMS_COMPAT_LOAD), 0xC0370500u);
	cr_expect_eq((uint32_t)vms_compat_hresult(-ENODATA, VMS_COMPAT_VP_STATE), 0xC0370506u);
	cr_expect_eq((uint32_t)vms_compat_hresult(-ENODATA, VMS_COMPAT_VTL), 0xC0370509u);
	cr_expect_eq((uint32_t)vms_compat_hresult(-EFAULT, VMS_COMPAT_GVA), 0xC0370505u);
	cr_expect_eq(vms_compat_hresult(-EFAULT, VMS_COMPAT_GENERAL),
		     HRESULT_FROM_WIN32(ERROR_INVALID_ADDRESS));
}

Test(compat_hresult, every_native_code_is_a_failure)
{
	static const int codes[] = {-EINVAL, -ENOMEM, -EIO,    -EBADMSG, -ENOTSUP, -EPROTONOSUPPORT,
				    -EFAULT, -ERANGE, -EFBIG,  -ENOENT,	 -ENODATA, -ENXIO,
				    -EACCES, -EISDIR, -ENOSPC, -12345};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		for (int ctx = VMS_COMPAT_GENERAL; ctx <= VMS_COMPAT_VTL; ctx++)
			cr_expect(FAILED(vms_compat_hresult(codes[i], (enum vms_compat_ctx)ctx)),
				  "code %d ctx %d maps to success", codes[i], ctx);
	cr_expect_eq(vms_compat_hresult(-12345, VMS_COMPAT_GENERAL), E_FAIL);
}

/* ---- UTF-16 <-> UTF-8 ---- */

Test(compat_utf16, ascii_bmp_and_surrogate_pairs)
{
	char out[64];
	cr_assert_eq(vms_compat_utf16_to_utf8(u"/tmp/a.vmrs", out, sizeof(out)), 0);
	cr_expect_str_eq(out, "/tmp/a.vmrs");
	/* é (2 bytes), € (3 bytes), U+1F600 as a surrogate pair (4 bytes) */
	cr_assert_eq(vms_compat_utf16_to_utf8(u"\u00e9\u20ac\U0001F600", out, sizeof(out)), 0);
	cr_expect_str_eq(out, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

Test(compat_utf16, rejects_unpaired_surrogates)
{
	char out[64];
	const WCHAR lone_high[] = {'a', 0xD83D, 'b', 0};
	const WCHAR lone_high_at_end[] = {'a', 0xD83D, 0};
	const WCHAR lone_low[] = {0xDE00, 'x', 0};
	const WCHAR reversed[] = {0xDE00, 0xD83D, 0};
	cr_expect_eq(vms_compat_utf16_to_utf8(lone_high, out, sizeof(out)), -EINVAL);
	cr_expect_eq(vms_compat_utf16_to_utf8(lone_high_at_end, out, sizeof(out)), -EINVAL);
	cr_expect_eq(vms_compat_utf16_to_utf8(lone_low, out, sizeof(out)), -EINVAL);
	cr_expect_eq(vms_compat_utf16_to_utf8(reversed, out, sizeof(out)), -EINVAL);
	cr_expect_eq(vms_compat_utf16_to_utf8(NULL, out, sizeof(out)), -EINVAL);
}

Test(compat_utf16, respects_the_output_capacity)
{
	char out[5];
	cr_expect_eq(vms_compat_utf16_to_utf8(u"abcd", out, sizeof(out)), 0);
	cr_expect_eq(vms_compat_utf16_to_utf8(u"abcde", out, sizeof(out)), -EINVAL);
	/* a 4-byte character that does not fit whole is refused, not split */
	cr_expect_eq(vms_compat_utf16_to_utf8(u"a\U0001F600", out, sizeof(out)), -EINVAL);
	cr_expect_eq(vms_compat_utf16_to_utf8(u"\U0001F600", out, sizeof(out)), 0);
}

Test(compat_utf16, utf8_round_trip_and_invalid_input)
{
	WCHAR *w = NULL;
	char back[64];
	const char *s = "/vm/\xC3\xA9t\xC3\xA9/\xF0\x9F\x98\x80.vmrs";
	cr_assert_eq(vms_compat_utf8_to_utf16(s, &w), 0);
	cr_expect_eq(w[4], 0xE9);
	cr_expect_eq(w[8], 0xD83D);
	cr_expect_eq(w[9], 0xDE00);
	cr_assert_eq(vms_compat_utf16_to_utf8(w, back, sizeof(back)), 0);
	cr_expect_str_eq(back, s);
	free(w);

	static const char *const bad[] = {
		"\xC0\xAF",	    /* overlong '/' */
		"\xED\xA0\x80",	    /* encoded surrogate */
		"\xF4\x90\x80\x80", /* > U+10FFFF */
		"ab\xE2\x82",	    /* truncated */
		"\x80",		    /* stray continuation */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(vms_compat_utf8_to_utf16(bad[i], &w), -EILSEQ, "input %zu", i);
		cr_expect_null(w);
	}
}

/* ---- register packing ---- */

struct fake_regs {
	struct vms_reg_value v[VMS_REG_COUNT];
	bool present[VMS_REG_COUNT];
};

static int fake_get(void *ctx, enum vms_reg reg, struct vms_reg_value *value)
{
	const struct fake_regs *f = ctx;
	if ((unsigned)reg >= VMS_REG_COUNT)
		return -ERANGE;
	if (!f->present[reg])
		return -ENODATA;
	*value = f->v[reg];
	return 0;
}

static void set(struct fake_regs *f, enum vms_reg r, uint64_t lo, uint64_t hi)
{
	f->v[r].lo = lo;
	f->v[r].hi = hi;
	f->present[r] = true;
}

/* Every register present, with a value that names it: lo = 0x1000 + id, hi = 0x2000 + id
 * (hi left in place even for 64-bit registers, to prove the layer zero-extends). */
static void fill(struct fake_regs *f)
{
	for (int r = 0; r < VMS_REG_COUNT; r++)
		set(f, (enum vms_reg)r, 0x1000u + (unsigned)r, 0x2000u + (unsigned)r);
}

Test(compat_regs_new, general_purpose_and_control)
{
	struct fake_regs f;
	VIRTUAL_PROCESSOR_REGISTER_NEW_ABI v;
	fill(&f);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterRcx, &v), S_OK);
	cr_expect_eq(v.Reg64, 0x1000u + VMS_REG_RCX);
	cr_expect_eq(v.Reg128.High64, 0, "64-bit registers are zero-extended");
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterR15, &v), S_OK);
	cr_expect_eq(v.Reg64, 0x1000u + VMS_REG_R15);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X86, X64_RegisterRFlags, &v), S_OK);
	cr_expect_eq(v.Reg64, 0x1000u + VMS_REG_RFLAGS);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterCr3, &v), S_OK);
	cr_expect_eq(v.Reg64, 0x1000u + VMS_REG_CR3);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterEfer, &v), S_OK);
	cr_expect_eq(v.Reg64, 0x1000u + VMS_REG_EFER);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterDr6, &v), S_OK);
	cr_expect_eq(v.Reg64, 0x1000u + VMS_REG_DR6);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterDr7, &v), S_OK);
	cr_expect_eq(v.Reg64, 0x1000u + VMS_REG_DR7);
}

Test(compat_regs_new, vector_and_fp_registers_keep_128_bits)
{
	struct fake_regs f;
	VIRTUAL_PROCESSOR_REGISTER_NEW_ABI v;
	fill(&f);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterXmm7, &v), S_OK);
	cr_expect_eq(v.Reg128.Low64, 0x1000u + VMS_REG_XMM0 + 7);
	cr_expect_eq(v.Reg128.High64, 0x2000u + VMS_REG_XMM0 + 7);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterFpMmx3, &v), S_OK);
	cr_expect_eq(v.Reg128.Low64, 0x1000u + VMS_REG_ST0 + 3);

	/* FXSAVE bytes 0-15: FCW 0x037F, FSW 0x0120, FTW 0xAB, FOP 0x0567, FIP */
	set(&f, VMS_REG_FP_CONTROL_STATUS, 0x056700AB0120037Full, 0xFFFFF80012345678ull);
	cr_assert_eq(
		vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterFpControlStatus, &v),
		S_OK);
	cr_expect_eq(v.X64.FpControlStatus.FpControl, 0x037F);
	cr_expect_eq(v.X64.FpControlStatus.FpStatus, 0x0120);
	cr_expect_eq(v.X64.FpControlStatus.FpTag, 0xAB);
	cr_expect_eq(v.X64.FpControlStatus.LastFpOp, 0x0567);
	cr_expect_eq(v.X64.FpControlStatus.LastFpRip, 0xFFFFF80012345678ull);

	/* FXSAVE bytes 16-31: FDP, MXCSR 0x1F80, MXCSR_MASK 0xFFFF */
	set(&f, VMS_REG_XMM_CONTROL_STATUS, 0x1122334455667788ull, 0x0000FFFF00001F80ull);
	cr_assert_eq(
		vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterXmmControlStatus, &v),
		S_OK);
	cr_expect_eq(v.X64.XmmControlStatus.LastFpRdp, 0x1122334455667788ull);
	cr_expect_eq(v.X64.XmmControlStatus.XmmStatusControl, 0x1F80);
	cr_expect_eq(v.X64.XmmControlStatus.XmmStatusControlMask, 0xFFFF);
}

Test(compat_regs_new, segments_pack_base_limit_selector_attributes)
{
	struct fake_regs f;
	VIRTUAL_PROCESSOR_REGISTER_NEW_ABI v;
	fill(&f);
	set(&f, VMS_REG_CS, 0x0010, 0);
	set(&f, VMS_REG_CS_BASE, 0, 0);
	set(&f, VMS_REG_CS_LIMIT, 0xFFFFFFFF, 0);
	set(&f, VMS_REG_CS_ATTR, 0xA09B, 0); /* 64-bit code: G, L, P, DPL 0, type 0xB */
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterCs, &v), S_OK);
	cr_expect_eq(v.X64.Segment.Base, 0);
	cr_expect_eq(v.X64.Segment.Limit, 0xFFFFFFFFu);
	cr_expect_eq(v.X64.Segment.Selector, 0x10);
	cr_expect_eq(v.X64.Segment.Attributes, 0xA09B);
	cr_expect_eq(v.X64.Segment.Long, 1);
	cr_expect_eq(v.X64.Segment.Present, 1);
	cr_expect_eq(v.X64.Segment.SegmentType, 0xB);
	/* byte layout of the union (= the on-disk segment record, §7.4) */
	uint8_t raw[16];
	memcpy(raw, &v, sizeof(raw));
	cr_expect_eq(raw[12], 0x10);
	cr_expect_eq(raw[14], 0x9B);
	cr_expect_eq(raw[15], 0xA0);

	set(&f, VMS_REG_GS, 0x002B, 0);
	set(&f, VMS_REG_GS_BASE, 0xFFFFF80000001000ull, 0);
	set(&f, VMS_REG_GS_LIMIT, 0xFFFFF, 0);
	set(&f, VMS_REG_GS_ATTR, 0xC0F3, 0);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterGs, &v), S_OK);
	cr_expect_eq(v.X64.Segment.Base, 0xFFFFF80000001000ull);
	cr_expect_eq(v.X64.Segment.Selector, 0x2B);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterTr, &v), S_OK);
	cr_expect_eq(v.X64.Segment.Selector, (uint16_t)(0x1000u + VMS_REG_TR));
	cr_expect_eq(v.X64.Segment.Base, 0x1000u + VMS_REG_TR_BASE);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterLdtr, &v), S_OK);
	cr_expect_eq(v.X64.Segment.Limit, 0x1000u + VMS_REG_LDTR_LIMIT);
}

Test(compat_regs_new, tables_are_repacked_limit_first)
{
	struct fake_regs f;
	VIRTUAL_PROCESSOR_REGISTER_NEW_ABI v;
	fill(&f);
	set(&f, VMS_REG_GDTR_BASE, 0xFFFFF80012340000ull, 0);
	set(&f, VMS_REG_GDTR_LIMIT, 0x57, 0);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterGdtr, &v), S_OK);
	cr_expect_eq(v.X64.Table.Limit, 0x57);
	cr_expect_eq(v.X64.Table.Base, 0xFFFFF80012340000ull);
	cr_expect_eq(v.Reg128.Low64, 0x57, "limit at +0, padding zero");
	cr_expect_eq(v.Reg128.High64, 0xFFFFF80012340000ull, "base at +8");
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterIdtr, &v), S_OK);
	cr_expect_eq(v.X64.Table.Limit, (uint16_t)(0x1000u + VMS_REG_IDTR_LIMIT));
	cr_expect_eq(v.X64.Table.Base, 0x1000u + VMS_REG_IDTR_BASE);
}

Test(compat_regs_new, arm64_ids)
{
	struct fake_regs f;
	VIRTUAL_PROCESSOR_REGISTER_NEW_ABI v;
	fill(&f);
	static const struct {
		DWORD id;
		enum vms_reg reg;
	} cases[] = {
		{ARM64_RegisterX0, VMS_REG_ARM64_X0},
		{ARM64_RegisterX28, VMS_REG_ARM64_X28},
		{ARM64_RegisterXFp, VMS_REG_ARM64_FP},
		{ARM64_RegisterXLr, VMS_REG_ARM64_LR},
		{ARM64_RegisterPc, VMS_REG_ARM64_PC},
		{ARM64_RegisterSpEl0, VMS_REG_ARM64_SP_EL0},
		{ARM64_RegisterSpEl1, VMS_REG_ARM64_SP_EL1},
		{ARM64_RegisterCpsr, VMS_REG_ARM64_CPSR},
		{ARM64_RegisterQ31, VMS_REG_ARM64_Q31},
		{ARM64_RegisterFpStatus, VMS_REG_ARM64_FPSR},
		{ARM64_RegisterFpControl, VMS_REG_ARM64_FPCR},
		{ARM64_RegisterEsrEl1, VMS_REG_ARM64_ESR_EL1},
		{ARM64_RegisterTtbr1El1, VMS_REG_ARM64_TTBR1_EL1},
		{ARM64_RegisterTcrEl1, VMS_REG_ARM64_TCR_EL1},
		{ARM64_RegisterCntvCtlEl0, VMS_REG_ARM64_CNTV_CTL_EL0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_ARM64, cases[i].id, &v),
			     S_OK, "id %u", cases[i].id);
		cr_expect_eq(v.Reg128.Low64, 0x1000u + cases[i].reg, "id %u", cases[i].id);
	}
	cr_expect_eq(v.Reg128.High64, 0);
	cr_assert_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_ARM64, ARM64_RegisterQ5, &v), S_OK);
	cr_expect_eq(v.Reg128.High64, 0x2000u + VMS_REG_ARM64_Q0 + 5);
}

Test(compat_regs_new, rejects_bad_ids_and_other_architectures)
{
	struct fake_regs f;
	VIRTUAL_PROCESSOR_REGISTER_NEW_ABI v;
	fill(&f);
	cr_expect_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterMax, &v),
		     E_INVALIDARG);
	cr_expect_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_ARM64, ARM64_RegisterMax, &v),
		     E_INVALIDARG);
	cr_expect_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, 100000, &v), E_INVALIDARG);
	cr_expect_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, ARM64_RegisterX0, &v),
		     E_INVALIDARG);
	cr_expect_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_ARM64, X64_RegisterRax, &v),
		     E_INVALIDARG);
	f.present[VMS_REG_CR8] = false;
	cr_expect_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterCr8, &v),
		     VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE);
	f.present[VMS_REG_FS_ATTR] = false; /* one missing part fails the whole segment */
	cr_expect_eq(vms_compat_read_new(fake_get, &f, VMS_ARCH_X64, X64_RegisterFs, &v),
		     VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE);
}

static uint64_t old_read(struct fake_regs *f, VIRTUAL_PROCESSOR_ARCH arch, uint32_t id, HRESULT *hr)
{
	VIRTUAL_PROCESSOR_REGISTER_OLD_ABI r = {.Architecture = arch, .RegisterValue = 0xDEAD};
	r.RegisterId = id;
	*hr = vms_compat_read_old(fake_get, f, &r);
	return r.RegisterValue;
}

Test(compat_regs_old, x64_ids)
{
	struct fake_regs f;
	HRESULT hr;
	fill(&f);
	/* numbers from the REGISTER_ID_X64 table of §7.4 */
	cr_expect_eq(old_read(&f, Arch_x64, 1, &hr), 0x1000u + VMS_REG_RCX);
	cr_expect_eq(old_read(&f, Arch_x64, 16, &hr), 0x1000u + VMS_REG_RIP);
	cr_expect_eq(old_read(&f, Arch_x64, 17, &hr), 0x1000u + VMS_REG_RFLAGS);
	cr_expect_eq(old_read(&f, Arch_x64, 18, &hr), 0x1000u + VMS_REG_XMM0);	/* LowXmm0 */
	cr_expect_eq(old_read(&f, Arch_x64, 19, &hr), 0x2000u + VMS_REG_XMM0);	/* HighXmm0 */
	cr_expect_eq(old_read(&f, Arch_x64, 49, &hr), 0x2000u + VMS_REG_XMM15); /* HighXmm15 */
	cr_expect_eq(old_read(&f, Arch_x64, 50, &hr), 0x1000u + VMS_REG_XMM_CONTROL_STATUS);
	cr_expect_eq(old_read(&f, Arch_x64, 51, &hr), 0x2000u + VMS_REG_XMM_CONTROL_STATUS);
	cr_expect_eq(old_read(&f, Arch_x64, 52, &hr), 0x1000u + VMS_REG_FP_CONTROL_STATUS);
	cr_expect_eq(old_read(&f, Arch_x64, 53, &hr), 0x2000u + VMS_REG_FP_CONTROL_STATUS);
	cr_expect_eq(old_read(&f, Arch_x64, 56, &hr), 0x1000u + VMS_REG_CR3);
	cr_expect_eq(old_read(&f, Arch_x64, 59, &hr), 0x1000u + VMS_REG_EFER);
	cr_expect_eq(old_read(&f, Arch_x64, 64, &hr), 0x1000u + VMS_REG_DR6);
	cr_expect_eq(old_read(&f, Arch_x64, 66, &hr), 0x1000u + VMS_REG_GS_BASE); /* BaseGs */
	cr_expect_eq(old_read(&f, Arch_x64, 67, &hr), 0x1000u + VMS_REG_FS_BASE); /* BaseFs */
	cr_expect_eq(old_read(&f, Arch_x64, 68, &hr), 0x1000u + VMS_REG_CS);	  /* SegCs */
	cr_expect_eq(old_read(&f, Arch_x64, 70, &hr), 0x1000u + VMS_REG_ES);	  /* SegEs */
	cr_expect_eq(old_read(&f, Arch_x64, 73, &hr), 0x1000u + VMS_REG_SS);	  /* SegSs */
	cr_expect_eq(old_read(&f, Arch_x64, 74, &hr), 0x1000u + VMS_REG_TR);
	cr_expect_eq(old_read(&f, Arch_x64, 75, &hr), 0x1000u + VMS_REG_LDTR);
	cr_expect_eq(old_read(&f, Arch_x64, 77, &hr), 0x1000u + VMS_REG_IDTR_LIMIT);
	cr_expect_eq(old_read(&f, Arch_x64, 78, &hr), 0x1000u + VMS_REG_GDTR_BASE);
	cr_expect_eq(old_read(&f, Arch_x64, 79, &hr), 0x1000u + VMS_REG_GDTR_LIMIT);
	cr_expect_eq(hr, S_OK);
	old_read(&f, Arch_x64, 80, &hr); /* X64_RegisterCount */
	cr_expect_eq(hr, E_INVALIDARG);
}

Test(compat_regs_old, x86_ids_are_x64_ids_minus_8_from_eip)
{
	struct fake_regs f;
	HRESULT hr;
	fill(&f);
	cr_expect_eq(old_read(&f, Arch_x86, 1, &hr), 0x1000u + VMS_REG_RCX); /* Ecx */
	cr_expect_eq(old_read(&f, Arch_x86, 7, &hr), 0x1000u + VMS_REG_RDI); /* Edi */
	cr_expect_eq(old_read(&f, Arch_x86, 8, &hr), 0x1000u + VMS_REG_RIP); /* Eip */
	cr_expect_eq(old_read(&f, Arch_x86, 9, &hr), 0x1000u + VMS_REG_RFLAGS);
	cr_expect_eq(old_read(&f, Arch_x86, 11, &hr), 0x2000u + VMS_REG_XMM0); /* HighXmm0 */
	cr_expect_eq(old_read(&f, Arch_x86, 48, &hr), 0x1000u + VMS_REG_CR3);
	cr_expect_eq(old_read(&f, Arch_x86, 58, &hr), 0x1000u + VMS_REG_GS_BASE);
	cr_expect_eq(old_read(&f, Arch_x86, 60, &hr), 0x1000u + VMS_REG_CS);
	cr_expect_eq(old_read(&f, Arch_x86, 71, &hr), 0x1000u + VMS_REG_GDTR_LIMIT);
	cr_expect_eq(hr, S_OK);
	old_read(&f, Arch_x86, 72, &hr); /* X86_RegisterCount */
	cr_expect_eq(hr, E_INVALIDARG);
	old_read(&f, Arch_Armv8, 1, &hr);
	cr_expect_eq(hr, E_INVALIDARG);
	f.present[VMS_REG_RCX] = false;
	old_read(&f, Arch_x86, 1, &hr);
	cr_expect_eq(hr, VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE);
}

/* ---- API-level error paths (real library, no fixture needed) ---- */

Test(compat_api, load_errors)
{
	VM_SAVED_STATE_DUMP_HANDLE h = (VM_SAVED_STATE_DUMP_HANDLE)1;
	const WCHAR lone[] = {'/', 't', 0xDC00, 0};
	cr_expect_eq(LoadSavedStateFile(u"/nonexistent/x.vmrs", &h),
		     HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
	cr_expect_null(h);
	cr_expect_eq(LoadSavedStateFile(lone, &h), E_INVALIDARG);
	cr_expect_eq(LoadSavedStateFile(NULL, &h), E_INVALIDARG);
	cr_expect_eq(LoadSavedStateFile(u"/x", NULL), E_INVALIDARG);
	cr_expect_eq(ReleaseSavedStateFiles(NULL), E_INVALIDARG);

	static const uint8_t junk[8192] = {0x12, 0x34, 0x56};
	char *path = vms_test_write_temp("junk.vmrs", junk, sizeof(junk));
	WCHAR *wpath = NULL;
	cr_assert_eq(vms_compat_utf8_to_utf16(path, &wpath), 0);
	cr_expect_eq(LoadSavedStateFile(wpath, &h), HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT));
	cr_expect_null(h);
	free(wpath);
	free(path);
}

Test(compat_api, container_without_partition_state)
{
	VMS_REQUIRE_FIXTURE(vmrs, "hyperv/dissect-test.VMRS");
	VM_SAVED_STATE_DUMP_HANDLE h = NULL;
	vms_handle *native = NULL;
	if (vms_open(vmrs, NULL, &native, NULL) == 0) {
		const bool raw = strcmp(vms_format_name(native), "raw") == 0;
		vms_close(native);
		if (raw) {
			cr_skip_test("the hyperv-vmrs backend is not registered in this build");
			return;
		}
	}
	WCHAR *w = NULL;
	cr_assert_eq(vms_compat_utf8_to_utf16(vmrs, &w), 0);
	/* §10: a running VM's .vmrs; the DLL answers PARTITION_STATE_NOT_FOUND */
	HRESULT hr = LoadSavedStateFile(w, &h);
	cr_expect_eq((uint32_t)hr, 0xC0370500u, "hr=%#x", (unsigned)hr);
	cr_expect_null(h);
	free(w);
}

Test(compat_api, symbol_provider_is_not_implemented)
{
	cr_expect_eq(LoadSavedStateSymbolProvider(NULL, NULL, FALSE), E_NOTIMPL);
	cr_expect_null(GetSavedStateSymbolProviderHandle(NULL));
	LPWSTR out = (LPWSTR)1;
	cr_expect_eq(CallStackUnwind(NULL, 0, NULL, 0, 0, &out), E_NOTIMPL);
	cr_expect_null(out);
	cr_expect_null(VmSavedStateDumpLocalFree(NULL));
}
