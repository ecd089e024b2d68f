/* A consumer written against Microsoft's documented dump-provider API only (§7.6), run on the
 * real raf-test_file.bin and checked against the DLL's recorded answers (hyperv-format §10).
 * Built twice: with the new SDK ABI and with VMSAVEDSTATEDUMP_OLD_SDK. Plain C, no test
 * framework: exits 0 on success, 1 on a failed check, 77 (skip) when the fixture is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uchar.h>

#include <vmsavedstate/vmsavedstatedump.h>

#define RAF_RAW_SIZE 264241152ull /* 252 RamBlocks of 1 MiB [V] */
#define RAF_PAGES 64512ull
#define READ_PIECE (1u << 20)

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* Paths reach the API as UTF-16, as on Windows. */
static WCHAR *widen(const char *s)
{
	size_t n = strlen(s);
	WCHAR *w = calloc(n + 1, sizeof(*w));
	if (!w)
		exit(1);
	for (size_t i = 0; i < n; i++)
		w[i] = (WCHAR)(unsigned char)s[i]; /* ASCII paths in this test */
	return w;
}

static void check_memory(VM_SAVED_STATE_DUMP_HANDLE h)
{
	UINT64 page_size = 0, count = 0, raw_size = 0, raw_off = 0, total = 0;
	GPA_MEMORY_CHUNK chunk[2];
	UINT32 got = 0;
	uint32_t triple[3];
	unsigned char bytes[32];
	HRESULT hr;

	/* the LeechCore pattern: ask with NULL/0 first, expect E_OUTOFMEMORY and the count */
	hr = GetGuestPhysicalMemoryChunks(h, &page_size, NULL, &count);
	CHECK(hr == E_OUTOFMEMORY, "hr=%#x", (unsigned)hr);
	CHECK(count == 1 && page_size == 4096, "count=%llu page=%llu", (unsigned long long)count,
	      (unsigned long long)page_size);
	count = 2;
	hr = GetGuestPhysicalMemoryChunks(h, &page_size, chunk, &count);
	CHECK(hr == S_OK && count == 1, "hr=%#x count=%llu", (unsigned)hr,
	      (unsigned long long)count);
	CHECK(chunk[0].GuestPhysicalStartPageIndex == 0 && chunk[0].PageCount == RAF_PAGES,
	      "chunk {%llu, %llu}", (unsigned long long)chunk[0].GuestPhysicalStartPageIndex,
	      (unsigned long long)chunk[0].PageCount);

	hr = GetGuestRawSavedMemorySize(h, &raw_size);
	CHECK(hr == S_OK && raw_size == RAF_RAW_SIZE, "raw size %llu",
	      (unsigned long long)raw_size);

	hr = ReadGuestPhysicalAddress(h, 0xC0FFE, triple, sizeof(triple), &got);
	CHECK(hr == S_OK && got == sizeof(triple), "hr=%#x got=%u", (unsigned)hr, got);
	CHECK(triple[0] == 75826887u && triple[1] == 1235222542u && triple[2] == 3439375364u,
	      "triple %u %u %u", triple[0], triple[1], triple[2]);
	hr = ReadGuestPhysicalAddress(h, 0xFFFF0, bytes, 5, NULL);
	CHECK(hr == S_OK && memcmp(bytes, "\xEA\x5B\xE0\x00\xF0", 5) == 0, "reset vector");
	hr = ReadGuestPhysicalAddress(h, 0xC0088, bytes, 22, &got);
	CHECK(hr == S_OK && got == 22 && memcmp(bytes, "(C) COPYRIGHT IBM 1994", 22) == 0,
	      "BIOS banner");

	/* end of memory: a short read with S_OK */
	hr = ReadGuestPhysicalAddress(h, RAF_RAW_SIZE - 4, bytes, 16, &got);
	CHECK(hr == S_OK && got == 4, "hr=%#x got=%u", (unsigned)hr, got);

	hr = GuestPhysicalAddressToRawSavedMemoryOffset(h, 0xC0FFE, &raw_off);
	CHECK(hr == S_OK && raw_off == 0xC0FFE, "raw_off %#llx", (unsigned long long)raw_off);
	hr = GuestPhysicalAddressToRawSavedMemoryOffset(h, RAF_RAW_SIZE, &raw_off);
	CHECK(FAILED(hr), "GPA past the last chunk translated to %#llx",
	      (unsigned long long)raw_off);

	/* RAF's loop: 1 MiB pieces until a short read; the total is the raw size */
	unsigned char *buf = malloc(READ_PIECE);
	if (!buf)
		exit(1);
	for (;;) {
		hr = ReadGuestRawSavedMemory(h, total, buf, READ_PIECE, &got);
		CHECK(hr == S_OK, "raw read at %llu: hr=%#x", (unsigned long long)total,
		      (unsigned)hr);
		if (FAILED(hr))
			break;
		if (total <= 0xC0FFE && 0xC0FFE + 12 <= total + got)
			CHECK(memcmp(buf + (0xC0FFE - total), triple, 12) == 0,
			      "raw view disagrees with the GPA view");
		total += got;
		if (got < READ_PIECE)
			break;
	}
	free(buf);
	CHECK(total == RAF_RAW_SIZE, "raw bytes read %llu", (unsigned long long)total);
}

static void check_processors(VM_SAVED_STATE_DUMP_HANDLE h)
{
	UINT32 vp_count = 99;
	VIRTUAL_PROCESSOR_ARCH arch;
	PAGING_MODE mode;
	GUEST_PHYSICAL_ADDRESS gpa = 0;
	VIRTUAL_PROCESSOR_REGISTER reg;
	HRESULT hr;

	hr = GetVpCount(h, &vp_count);
	CHECK(hr == S_OK, "hr=%#x", (unsigned)hr);
	/* the .bin alone holds no processor state: the DLL's 4 VPs come from the .vmrs/.vsv */
	CHECK(vp_count == 0, "vp count %u from a lone .bin", vp_count);
	hr = GetArchitecture(h, vp_count, &arch);
	CHECK(hr == E_INVALIDARG, "GetArchitecture past the last VP: hr=%#x", (unsigned)hr);
	hr = GetPagingMode(h, vp_count, &mode);
	CHECK(hr == E_INVALIDARG, "GetPagingMode past the last VP: hr=%#x", (unsigned)hr);

	memset(&reg, 0, sizeof(reg));
#ifdef VMSAVEDSTATEDUMP_OLD_REGISTER_ABI
	reg.Architecture = Arch_x86;
	reg.RegisterId = X86_RegisterEcx;
	hr = GetRegisterValue(h, 0, &reg);
#else
	hr = GetRegisterValue(h, 0, X64_RegisterRcx, &reg);
#endif
	CHECK(hr == E_INVALIDARG, "register of a missing VP: hr=%#x", (unsigned)hr);

	/* §10: translating 0xC0FFE with VP0 fails */
#ifdef VMSAVEDSTATEDUMP_OLD_GVA_SIGNATURE
	hr = GuestVirtualAddressToPhysicalAddress(h, 0, 0xC0FFE, &gpa);
#else
	GUEST_VIRTUAL_ADDRESS unmapped = 1;
	hr = GuestVirtualAddressToPhysicalAddress(h, 0, 0xC0FFE, &gpa, &unmapped);
#endif
	CHECK(FAILED(hr), "GVA 0xC0FFE translated to %#llx", (unsigned long long)gpa);
}

int main(int argc, char **argv)
{
	VM_SAVED_STATE_DUMP_HANDLE h = NULL;
	HRESULT hr;

	FILE *probe = argc < 2 ? NULL : fopen(argv[1], "rb");
	if (!probe) {
		printf("skip: fixture %s absent\n", argc < 2 ? "(none)" : argv[1]);
		return 77;
	}
	fclose(probe);
	hr = LoadSavedStateFile(u"/nonexistent/dir/test_file.vmrs", &h);
	CHECK(hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) && h == NULL, "hr=%#x", (unsigned)hr);

	WCHAR *bin = widen(argv[1]);
	hr = LoadSavedStateFile(bin, &h);
	CHECK(hr == S_OK && h != NULL, "LoadSavedStateFile: hr=%#x", (unsigned)hr);
	if (SUCCEEDED(hr)) {
		check_processors(h);
		check_memory(h);
		CHECK(ReleaseSavedStateFiles(h) == S_OK, "release");
	}
	hr = LoadSavedStateFiles(bin, NULL, &h);
	CHECK(hr == S_OK && h != NULL, "LoadSavedStateFiles(bin, NULL): hr=%#x", (unsigned)hr);
	if (SUCCEEDED(hr)) {
		UINT64 limit = 0;
		CHECK(SetMemoryBlockCacheLimit(h, 0) == S_OK, "cache limit 0");
		CHECK(GetMemoryBlockCacheLimit(h, &limit) == S_OK && limit == 0, "limit %llu",
		      (unsigned long long)limit);
		check_memory(h); /* the same answers without a cache */
		CHECK(ReleaseSavedStateFiles(h) == S_OK, "release");
	}
	free(bin);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("ok: %s\n", argv[1]);
	return 0;
}
