/* The compatibility API over a synthetic .vmrs (vmrs_builder + partition_state_builder):
 * two VPs, one with a VTL 1 bank, two memory ranges with a hole between them. Register values
 * are checked against the native API and the builder's banks, through both ABIs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat_internal.h"
#include "formats/hyperv/partition_state.h"
#include "support/partition_state_builder.h"
#include "support/test_support.h"
#include "support/vmrs_builder.h"

#define OS_ID 0x0001040A00004A61ull /* vendor Microsoft, NT, 10.0, build 19041 */
#define HOLE_GPA 0x100000u	    /* end of range 0 */
#define RANGE1_GPA 0x200000u

static struct vms_reg_bank bank0, bank0_vtl1, bank1;
static char *path;
static VM_SAVED_STATE_DUMP_HANDLE h;
static vms_handle *native;

static void setup(void)
{
	static const struct vmrs_range ranges[] = {
		{.gpa = 0, .pages = 256, .mbp_start = 0},
		{.gpa = RANGE1_GPA, .pages = 256, .mbp_start = 256},
	};
	struct psb_vp_desc vps[2] = {
		{.hv_index = 0, .vtl_count = 2, .vtls = {0, 1}, .runnable_vtl = 0},
		{.hv_index = 1, .vtl_count = 1, .vtls = {0}, .runnable_vtl = -1},
	};
	struct vmrs_desc d;
	size_t ps_len;
	WCHAR *w = NULL;

	psb_bank_pattern(&bank0, VMS_ARCH_X64, 1);
	psb_bank_pattern(&bank0_vtl1, VMS_ARCH_X64, 2);
	psb_bank_pattern(&bank1, VMS_ARCH_X64, 3);
	vps[0].banks[0] = &bank0;
	vps[0].banks[1] = &bank0_vtl1;
	vps[1].banks[0] = &bank1;
	uint8_t *ps = psb_build(HV_VENDOR_INTEL, OS_ID, vps, 2, &ps_len);
	vmrs_desc_init(&d);
	d.ranges = ranges;
	d.range_count = 2;
	d.partition_state = ps;
	d.partition_state_len = ps_len;
	path = vms_test_write_temp("compat.vmrs", "", 0);
	cr_assert_eq(vmrs_build_file(&d, path, NULL), 0);
	free(ps);

	cr_assert_eq(vms_open(path, NULL, &native, NULL), 0);
	cr_assert_eq(vms_compat_utf8_to_utf16(path, &w), 0);
	HRESULT hr = LoadSavedStateFile(w, &h);
	free(w);
	cr_assert_eq(hr, S_OK, "hr=%#x", (unsigned)hr);
}

static void teardown(void)
{
	ReleaseSavedStateFiles(h);
	vms_close(native);
	free(path);
}

TestSuite(compat_vmrs, .init = setup, .fini = teardown);

static struct vms_reg_value nat(uint32_t vp, enum vms_reg r)
{
	struct vms_reg_value v = {0};
	struct vms_error err = {0};
	cr_assert_eq(vms_vp_get_register(native, vp, r, &v, &err), 0, "%s: %s", vms_reg_name(r),
		     err.msg);
	return v;
}

Test(compat_vmrs, description)
{
	UINT32 n = 0, mask = 0;
	VIRTUAL_PROCESSOR_ARCH arch;
	PAGING_MODE mode;
	enum vms_paging native_mode;
	GUEST_OS_INFO os;
	cr_expect_eq(GetVpCount(h, &n), S_OK);
	cr_expect_eq(n, 2);
	cr_expect_eq(GetArchitecture(h, 1, &arch), S_OK);
	cr_expect_eq(arch, Arch_x64);
	cr_expect_eq(GetPagingMode(h, 0, &mode), S_OK);
	cr_assert_eq(vms_vp_paging(native, 0, &native_mode), 0);
	cr_expect_eq((int)mode, native_mode == VMS_PAGING_LONG5 ? Paging_Long : (int)native_mode);
	cr_expect_eq(GetGuestOsInfo(h, 0, &os), S_OK);
	cr_expect_eq(os.AsUINT64, OS_ID);
	cr_expect_eq(os.ClosedSource.VendorId, GuestOsVendorMicrosoft);
	cr_expect_eq(os.ClosedSource.OsId, GuestOsMicrosoftWindowsNT);
	cr_expect_eq(GetEnabledVirtualTrustLevels(h, 0, &mask), S_OK);
	cr_expect_eq(mask, 0x3);
	cr_expect_eq(GetEnabledVirtualTrustLevels(h, 1, &mask), S_OK);
	cr_expect_eq(mask, 0x1);
}

Test(compat_vmrs, new_abi_matches_native_and_builder)
{
	VIRTUAL_PROCESSOR_REGISTER r;
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterRcx, &r), S_OK);
	cr_expect_eq(r.Reg64, bank0.lo[VMS_REG_RCX]);
	cr_assert_eq(GetRegisterValue(h, 1, X64_RegisterCr3, &r), S_OK);
	cr_expect_eq(r.Reg64, bank1.lo[VMS_REG_CR3]);
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterXmm3, &r), S_OK);
	cr_expect_eq(r.Reg128.Low64, nat(0, VMS_REG_XMM0 + 3).lo);
	cr_expect_eq(r.Reg128.High64, nat(0, VMS_REG_XMM0 + 3).hi);
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterFpControlStatus, &r), S_OK);
	cr_expect_eq(r.Reg128.Low64, nat(0, VMS_REG_FP_CONTROL_STATUS).lo);
	cr_expect_eq(r.Reg128.High64, nat(0, VMS_REG_FP_CONTROL_STATUS).hi);
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterSs, &r), S_OK);
	cr_expect_eq(r.X64.Segment.Selector, (uint16_t)nat(0, VMS_REG_SS).lo);
	cr_expect_eq(r.X64.Segment.Base, nat(0, VMS_REG_SS_BASE).lo);
	cr_expect_eq(r.X64.Segment.Limit, (uint32_t)nat(0, VMS_REG_SS_LIMIT).lo);
	cr_expect_eq(r.X64.Segment.Attributes, (uint16_t)nat(0, VMS_REG_SS_ATTR).lo);
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterIdtr, &r), S_OK);
	cr_expect_eq(r.X64.Table.Limit, (uint16_t)nat(0, VMS_REG_IDTR_LIMIT).lo);
	cr_expect_eq(r.X64.Table.Base, nat(0, VMS_REG_IDTR_BASE).lo);
	cr_expect_eq(GetRegisterValue(h, 2, X64_RegisterRax, &r), E_INVALIDARG);
}

Test(compat_vmrs, old_abi_halves_and_segments)
{
	VIRTUAL_PROCESSOR_REGISTER_OLD_ABI r = {.Architecture = Arch_x64};
	r.RegisterId = 25; /* HighXmm3 */
	cr_assert_eq(GetRegisterValueOldAbi(h, 0, &r), S_OK);
	cr_expect_eq(r.RegisterValue, nat(0, VMS_REG_XMM0 + 3).hi);
	r.RegisterId = 67; /* BaseFs */
	cr_assert_eq(GetRegisterValueOldAbi(h, 0, &r), S_OK);
	cr_expect_eq(r.RegisterValue, nat(0, VMS_REG_FS_BASE).lo);
	r.RegisterId = 68; /* SegCs */
	cr_assert_eq(GetRegisterValueOldAbi(h, 1, &r), S_OK);
	cr_expect_eq(r.RegisterValue, nat(1, VMS_REG_CS).lo);
	r.Architecture = Arch_x86;
	r.RegisterId = 8; /* X86_RegisterEip */
	cr_assert_eq(GetRegisterValueOldAbi(h, 0, &r), S_OK);
	cr_expect_eq(r.RegisterValue, bank0.lo[VMS_REG_RIP]);
}

Test(compat_vmrs, forcing_a_vtl)
{
	VIRTUAL_PROCESSOR_REGISTER r;
	UINT8 vtl = 9;
	BOOL enabled;
	cr_expect_eq(GetActiveVirtualTrustLevel(h, 0, &vtl), S_OK);
	cr_expect_eq(vtl, 0);
	cr_assert_eq(ForceActiveVirtualTrustLevel(h, 0, 1), S_OK);
	cr_expect_eq(GetActiveVirtualTrustLevel(h, 0, &vtl), S_OK);
	cr_expect_eq(vtl, 1);
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterRcx, &r), S_OK);
	cr_expect_eq(r.Reg64, bank0_vtl1.lo[VMS_REG_RCX], "the VTL 1 bank");
	cr_expect_eq((uint32_t)ForceActiveVirtualTrustLevel(h, 1, 1), 0xC0370509u);
	cr_expect_eq(IsActiveVirtualTrustLevelEnabled(h, 1, &enabled), S_OK);
	cr_expect_eq(enabled, FALSE);
	cr_expect_eq(IsActiveVirtualTrustLevelEnabled(h, 0, &enabled), S_OK);
	cr_expect_eq(enabled, TRUE);
}

Test(compat_vmrs, memory_with_a_hole)
{
	UINT64 page = 0, count = 0, raw_off = 0, size = 0;
	GPA_MEMORY_CHUNK chunks[2];
	uint8_t buf[16];
	uint64_t v;
	UINT32 got = 0;
	cr_expect_eq(GetGuestPhysicalMemoryChunks(h, &page, NULL, &count), E_OUTOFMEMORY);
	cr_expect_eq(count, 2);
	count = 1;
	cr_expect_eq(GetGuestPhysicalMemoryChunks(h, &page, chunks, &count), E_OUTOFMEMORY);
	cr_expect_eq(count, 2, "the needed count comes back");
	cr_assert_eq(GetGuestPhysicalMemoryChunks(h, &page, chunks, &count), S_OK);
	cr_expect_eq(chunks[0].GuestPhysicalStartPageIndex, 0);
	cr_expect_eq(chunks[0].PageCount, 256);
	cr_expect_eq(chunks[1].GuestPhysicalStartPageIndex, RANGE1_GPA / 4096);
	cr_expect_eq(chunks[1].PageCount, 256);
	cr_expect_eq(GetGuestRawSavedMemorySize(h, &size), S_OK);
	cr_expect_eq(size, 2u << 20);

	/* vmrs_page_default: each u64 of raw page r holds (r << 12 | offset) */
	cr_assert_eq(ReadGuestPhysicalAddress(h, RANGE1_GPA + 0x10, &v, sizeof(v), &got), S_OK);
	cr_expect_eq(v, (256ull << 12) | 0x10);
	cr_expect_eq(GuestPhysicalAddressToRawSavedMemoryOffset(h, RANGE1_GPA + 0x10, &raw_off),
		     S_OK);
	cr_expect_eq(raw_off, 0x100010);
	cr_expect_eq(GuestPhysicalAddressToRawSavedMemoryOffset(h, HOLE_GPA, &raw_off),
		     HRESULT_FROM_WIN32(ERROR_INVALID_ADDRESS));
	/* a read running into the hole fails and says how much it copied */
	cr_expect_eq(ReadGuestPhysicalAddress(h, HOLE_GPA - 8, buf, sizeof(buf), &got),
		     HRESULT_FROM_WIN32(ERROR_INVALID_ADDRESS));
	cr_expect_eq(got, 8);
	cr_expect_eq(ReadGuestRawSavedMemory(h, 0x100000 - 8, buf, sizeof(buf), &got), S_OK);
	cr_expect_eq(got, 16, "the raw view has no hole");
}
