/* The compatibility API end to end over a saved state with CPU state: a raw flat image with
 * x64 page tables plus a layout.json sidecar carrying the registers (docs/layout-json.md).
 * Registers through both ABIs, architecture, paging mode, GVA translation with the unmapped
 * size, kernel mode, VTL queries and forcing, memory fixes and the cache limit. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat_internal.h"
#include "support/test_support.h"

#define IMG_LEN 0x10000u
#define PML4_GPA 0x1000u
#define PDPT_GPA 0x2000u
#define PD_GPA 0x3000u
#define PT_GPA 0x4000u
#define DATA_GPA 0x8000u
#define MAPPED_GVA 0x400000u   /* PD[2] -> PT, PT[0] -> DATA_GPA */
#define UNMAPPED_GVA 0x600000u /* PD[3] is empty: a 2 MiB hole */
#define PTE_P_RW 0x3u

static void put64(uint8_t *img, uint64_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		img[off + i] = (uint8_t)(v >> (8 * i));
}

static const char sidecar[] =
	"{\"schema\": \"vmsavedstate-layout\", \"schema_version\": 1,\n"
	" \"vps\": [{\"index\": 0, \"hv_index\": 0, \"arch\": \"x64\", \"paging_mode\": \"long\","
	" \"vtl\": 0, \"enabled_vtls\": [0], \"registers\": {\n"
	"  \"rax\": \"0x1111111111111111\", \"rcx\": \"0x0000000000000004\",\n"
	"  \"rip\": \"0xfffff80000401234\", \"rflags\": \"0x0000000000000202\",\n"
	"  \"cr0\": \"0x0000000080000011\", \"cr3\": \"0x0000000000001000\",\n"
	"  \"cr4\": \"0x0000000000000020\", \"efer\": \"0x0000000000000500\",\n"
	"  \"cs\": \"0x0000000000000010\", \"cs_base\": \"0x0000000000000000\",\n"
	"  \"cs_limit\": \"0x00000000ffffffff\", \"cs_attr\": \"0x000000000000a09b\",\n"
	"  \"gdtr_base\": \"0xfffff80012340000\", \"gdtr_limit\": \"0x0000000000000057\",\n"
	"  \"xmm1\": \"0x0123456789abcdeffedcba9876543210\",\n"
	"  \"fp_control_status\": \"0x0000000000000000056700ab0120037f\"}}]}\n";

static VM_SAVED_STATE_DUMP_HANDLE open_fixture(void)
{
	static uint8_t img[IMG_LEN];
	char dir[] = "/tmp/vms-compat-XXXXXX", path[2][128];
	VM_SAVED_STATE_DUMP_HANDLE h = NULL;
	WCHAR *w[2];

	memset(img, 0, sizeof(img));
	put64(img, PML4_GPA, PDPT_GPA | PTE_P_RW);
	put64(img, PDPT_GPA, PD_GPA | PTE_P_RW);
	put64(img, PD_GPA + 2 * 8, PT_GPA | PTE_P_RW);
	put64(img, PT_GPA, DATA_GPA | PTE_P_RW);
	memcpy(img + DATA_GPA, "HELLO, GUEST", 12);

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path[0], sizeof(path[0]), "%s/mem.raw", dir);
	snprintf(path[1], sizeof(path[1]), "%s/mem.raw.layout.json", dir);
	FILE *f = fopen(path[0], "wb");
	cr_assert(f && fwrite(img, 1, sizeof(img), f) == sizeof(img));
	fclose(f);
	f = fopen(path[1], "wb");
	cr_assert(f && fwrite(sidecar, 1, sizeof(sidecar) - 1, f) == sizeof(sidecar) - 1);
	fclose(f);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(vms_compat_utf8_to_utf16(path[i], &w[i]), 0);
	HRESULT hr = LoadSavedStateFiles(w[0], w[1], &h);
	cr_assert_eq(hr, S_OK, "hr=%#x", (unsigned)hr);
	free(w[0]);
	free(w[1]);
	return h;
}

Test(compat_sidecar, processor_description)
{
	VM_SAVED_STATE_DUMP_HANDLE h = open_fixture();
	UINT32 n = 0;
	VIRTUAL_PROCESSOR_ARCH arch;
	PAGING_MODE mode;
	BOOL kernel = FALSE;
	cr_expect_eq(GetVpCount(h, &n), S_OK);
	cr_expect_eq(n, 1);
	cr_expect_eq(GetArchitecture(h, 0, &arch), S_OK);
	cr_expect_eq(arch, Arch_x64);
	cr_expect_eq(GetPagingMode(h, 0, &mode), S_OK);
	cr_expect_eq(mode, Paging_Long);
	cr_expect_eq(InKernelSpace(h, 0, &kernel), S_OK);
	cr_expect_eq(kernel, TRUE, "CS.RPL 0");
	cr_expect_eq(GetArchitecture(h, 1, &arch), E_INVALIDARG);
	cr_expect_eq(ReleaseSavedStateFiles(h), S_OK);
}

Test(compat_sidecar, registers_new_abi)
{
	VM_SAVED_STATE_DUMP_HANDLE h = open_fixture();
	VIRTUAL_PROCESSOR_REGISTER_NEW_ABI r;
	cr_assert_eq(GetRegisterValueNewAbi(h, 0, X64_RegisterRcx, &r), S_OK);
	cr_expect_eq(r.Reg64, 4);
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterCr3, &r), S_OK); /* the macro */
	cr_expect_eq(r.Reg64, PML4_GPA);
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterCs, &r), S_OK);
	cr_expect_eq(r.X64.Segment.Selector, 0x10);
	cr_expect_eq(r.X64.Segment.Limit, 0xFFFFFFFFu);
	cr_expect_eq(r.X64.Segment.Attributes, 0xA09B);
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterGdtr, &r), S_OK);
	cr_expect_eq(r.X64.Table.Limit, 0x57);
	cr_expect_eq(r.X64.Table.Base, 0xFFFFF80012340000ull);
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterXmm1, &r), S_OK);
	cr_expect_eq(r.Reg128.High64, 0x0123456789ABCDEFull);
	cr_expect_eq(r.Reg128.Low64, 0xFEDCBA9876543210ull);
	cr_assert_eq(GetRegisterValue(h, 0, X64_RegisterFpControlStatus, &r), S_OK);
	cr_expect_eq(r.X64.FpControlStatus.FpControl, 0x037F);
	cr_expect_eq(r.X64.FpControlStatus.LastFpOp, 0x0567);
	/* absent in the sidecar: not zero-filled */
	cr_expect_eq(GetRegisterValue(h, 0, X64_RegisterDr7, &r),
		     VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE);
	cr_expect_eq(GetRegisterValue(h, 0, ARM64_RegisterX0, &r), E_INVALIDARG);
	cr_expect_eq(GetRegisterValue(h, 3, X64_RegisterRax, &r), E_INVALIDARG);
	ReleaseSavedStateFiles(h);
}

Test(compat_sidecar, registers_old_abi)
{
	VM_SAVED_STATE_DUMP_HANDLE h = open_fixture();
	VIRTUAL_PROCESSOR_REGISTER_OLD_ABI r = {.Architecture = Arch_x64};
	r.RegisterId = 56; /* X64_RegisterCr3 in the old numbering */
	cr_assert_eq(GetRegisterValueOldAbi(h, 0, &r), S_OK);
	cr_expect_eq(r.RegisterValue, PML4_GPA);
	r.Architecture = Arch_x86;
	r.RegisterId = 1; /* X86_RegisterEcx: RAF's VP0 ECX = 4 check, on our fixture */
	cr_assert_eq(GetRegisterValueOldAbi(h, 0, &r), S_OK);
	cr_expect_eq(r.RegisterValue, 4);
	r.Architecture = Arch_x64;
	r.RegisterId = 21; /* HighXmm1 */
	cr_assert_eq(GetRegisterValueOldAbi(h, 0, &r), S_OK);
	cr_expect_eq(r.RegisterValue, 0x0123456789ABCDEFull);
	r.RegisterId = 68; /* SegCs: the selector */
	cr_assert_eq(GetRegisterValueOldAbi(h, 0, &r), S_OK);
	cr_expect_eq(r.RegisterValue, 0x10);
	r.RegisterId = 79; /* LimitGdtr */
	cr_assert_eq(GetRegisterValueOldAbi(h, 0, &r), S_OK);
	cr_expect_eq(r.RegisterValue, 0x57);
	ReleaseSavedStateFiles(h);
}

Test(compat_sidecar, virtual_addresses)
{
	VM_SAVED_STATE_DUMP_HANDLE h = open_fixture();
	GUEST_PHYSICAL_ADDRESS gpa = 0;
	GUEST_VIRTUAL_ADDRESS unmapped = 7;
	HRESULT hr = GuestVirtualAddressToPhysicalAddress(h, 0, MAPPED_GVA + 0x10, &gpa, &unmapped);
	cr_assert_eq(hr, S_OK, "hr=%#x", (unsigned)hr);
	cr_expect_eq(gpa, DATA_GPA + 0x10);
	cr_expect_eq(unmapped, 0);
	hr = GuestVirtualAddressToPhysicalAddress(h, 0, UNMAPPED_GVA + 0x123, &gpa, &unmapped);
	cr_expect_eq((uint32_t)hr, 0xC0370505u, "VA_NOT_MAPPED, got %#x", (unsigned)hr);
	cr_expect(unmapped > 0 && unmapped <= 0x200000 - 0x123, "unmapped %#llx",
		  (unsigned long long)unmapped);
	cr_expect_eq(GuestVirtualAddressToPhysicalAddressOldAbi(h, 0, MAPPED_GVA, &gpa), S_OK);
	cr_expect_eq(gpa, DATA_GPA);

	/* ApplyGuestMemoryFix: an overlay seen by later physical reads, file untouched */
	char buf[12];
	UINT32 got = 0;
	cr_assert_eq(ApplyGuestMemoryFix(h, 0, MAPPED_GVA + 7, "WORLD", 5), S_OK);
	cr_assert_eq(ReadGuestPhysicalAddress(h, DATA_GPA, buf, sizeof(buf), &got), S_OK);
	cr_expect_eq(got, sizeof(buf));
	cr_expect_arr_eq(buf, "HELLO, WORLD", 12);
	cr_expect_eq((uint32_t)ApplyGuestMemoryFix(h, 0, UNMAPPED_GVA, "x", 1), 0xC0370505u);
	ReleaseSavedStateFiles(h);
}

Test(compat_sidecar, vtls_and_nested_state)
{
	VM_SAVED_STATE_DUMP_HANDLE h = open_fixture();
	UINT32 mask = 0;
	UINT8 vtl = 9;
	BOOL enabled = FALSE;
	cr_expect_eq(GetEnabledVirtualTrustLevels(h, 0, &mask), S_OK);
	cr_expect_eq(mask, 1);
	cr_expect_eq(GetActiveVirtualTrustLevel(h, 0, &vtl), S_OK);
	cr_expect_eq(vtl, 0);
	cr_expect_eq(IsActiveVirtualTrustLevelEnabled(h, 0, &enabled), S_OK);
	cr_expect_eq(enabled, TRUE);
	cr_expect_eq((uint32_t)ForceActiveVirtualTrustLevel(h, 0, 1), 0xC0370509u);
	cr_expect_eq(IsActiveVirtualTrustLevelEnabled(h, 0, &enabled), S_OK);
	cr_expect_eq(enabled, FALSE, "after forcing a VTL the VP lacks");
	cr_expect_eq(ForceActiveVirtualTrustLevel(h, 0, 0), S_OK);
	cr_expect_eq(IsActiveVirtualTrustLevelEnabled(h, 0, &enabled), S_OK);
	cr_expect_eq(enabled, TRUE);
	cr_expect_eq(ForceActiveVirtualTrustLevel(h, 5, 0), E_INVALIDARG);

	cr_expect_eq(IsNestedVirtualizationEnabled(h, &enabled), S_OK);
	cr_expect_eq(enabled, FALSE);
	cr_expect_eq(ForceNestedHostMode(h, 0, TRUE, NULL),
		     VM_SAVED_STATE_DUMP_E_NESTED_VIRTUALIZATION_NOT_SUPPORTED);
	ReleaseSavedStateFiles(h);
}

Test(compat_sidecar, memory_reads_and_forcing)
{
	VM_SAVED_STATE_DUMP_HANDLE h = open_fixture();
	UINT64 limit = 0, page = 0, count = 0;
	GPA_MEMORY_CHUNK chunk;
	char buf[16];
	UINT32 got = 99;
	cr_expect_eq(GetGuestPhysicalMemoryChunks(h, &page, NULL, &count), E_OUTOFMEMORY);
	cr_expect_eq(count, 1);
	cr_expect_eq(GetGuestPhysicalMemoryChunks(h, &page, &chunk, &count), S_OK);
	cr_expect_eq(chunk.PageCount, IMG_LEN / 4096);
	/* a short read without BytesRead is not passed off as success */
	cr_expect_eq(ReadGuestPhysicalAddress(h, IMG_LEN - 4, buf, sizeof(buf), NULL),
		     HRESULT_FROM_WIN32(ERROR_HANDLE_EOF));
	cr_expect_eq(ReadGuestPhysicalAddress(h, IMG_LEN - 4, buf, sizeof(buf), &got), S_OK);
	cr_expect_eq(got, 4);
	cr_expect_eq(ReadGuestRawSavedMemory(h, IMG_LEN, buf, sizeof(buf), &got), S_OK);
	cr_expect_eq(got, 0);
	cr_expect_eq(ReadGuestPhysicalAddress(h, 0, NULL, 4, &got), E_INVALIDARG);

	cr_expect_eq(SetMemoryBlockCacheLimit(h, 1u << 20), S_OK);
	cr_expect_eq(GetMemoryBlockCacheLimit(h, &limit), S_OK);
	cr_expect_eq(limit, 1u << 20);

	PAGING_MODE mode;
	cr_expect_eq(ForcePagingMode(h, 0, Paging_NonPaged), S_OK);
	cr_expect_eq(GetPagingMode(h, 0, &mode), S_OK);
	cr_expect_eq(mode, Paging_NonPaged);
	GUEST_PHYSICAL_ADDRESS gpa = 0;
	cr_expect_eq(GuestVirtualAddressToPhysicalAddress(h, 0, 0x5000, &gpa, NULL), S_OK);
	cr_expect_eq(gpa, 0x5000, "paging off: GVA == GPA");
	VIRTUAL_PROCESSOR_ARCH arch;
	cr_expect_eq(ForceArchitecture(h, 0, Arch_x86), S_OK);
	cr_expect_eq(GetArchitecture(h, 0, &arch), S_OK);
	cr_expect_eq(arch, Arch_x86);
	ReleaseSavedStateFiles(h);
}
