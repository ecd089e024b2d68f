/* The synthetic image of fs_test_image.h. PTE bits follow the x86-64 4-level format: bit 0
 * present, bit 1 writable, bit 7 page size (in a PD entry: 2 MiB page), bits 12-51 frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs_test_image.h"
#include "support/test_support.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull

/* page-table pages, all inside the first chunk */
#define PML4 FTI_CR3
#define PDPT0 0x181000u
#define PD0 0x182000u
#define PT0 0x183000u
#define PDPT1 0x184000u
#define PD1 0x185000u
#define PT1 0x186000u
#define PDPT2 0x187000u
#define PD2 0x188000u
#define PT2 0x189000u
#define PDPT3 0x18a000u
#define PD3 0x18b000u
#define PT3 0x18c000u

static const uint64_t marker_gpas[FTI_MARKERS_IN_CHUNKS] = {
	0x1064, 0x0ffff0, 0x1fff00, 0x300010, 0x5ffff8, 0x8fff00,
};
static const uint64_t hole_marker_gpa = 0x250000;

uint8_t fti_pattern(uint64_t gpa)
{
	uint64_t x = (gpa + 1) * 0x9e3779b97f4a7c15ull;
	return (uint8_t)(x >> 56);
}

static void put64(uint8_t *img, uint64_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		img[off + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static void put_marker(uint8_t *img, uint64_t gpa, int n)
{
	char s[32];
	int len = snprintf(s, sizeof s, "\n%s-%02d\n", FTI_MARKER, n);
	memcpy(img + gpa, s, (size_t)len);
}

static void page_tables(uint8_t *img)
{
	memset(img + PML4, 0, PT3 + 0x1000 - PML4);
	put64(img, PML4 + 0 * 8, PDPT0 | PTE_P | PTE_RW);
	put64(img, PDPT0 + 0 * 8, PD0 | PTE_P | PTE_RW);
	put64(img, PD0 + 2 * 8, PT0 | PTE_P | PTE_RW);
	for (unsigned i = 0; i < FTI_GVA_PT0_PAGES; i++)
		put64(img, PT0 + i * 8, (0x500000u + (7 - i) * 0x1000u) | PTE_P);
	put64(img, PT0 + 9 * 8, 0x0 | PTE_P);
	put64(img, PD0 + 3 * 8, 0x400000 | PTE_P | PTE_PS);

	put64(img, PML4 + 255 * 8, PDPT1 | PTE_P | PTE_RW);
	put64(img, PDPT1 + 511 * 8, PD1 | PTE_P | PTE_RW);
	put64(img, PD1 + 511 * 8, PT1 | PTE_P | PTE_RW);
	put64(img, PT1 + 511 * 8, 0x301000 | PTE_P);

	put64(img, PML4 + 256 * 8, PDPT2 | PTE_P | PTE_RW);
	put64(img, PDPT2 + 0 * 8, PD2 | PTE_P | PTE_RW);
	put64(img, PD2 + 0 * 8, PT2 | PTE_P | PTE_RW);
	put64(img, PT2 + 0 * 8, 0x302000 | PTE_P);
	put64(img, PT2 + 1 * 8, 0x303000 | PTE_P);

	put64(img, PML4 + 511 * 8, PDPT3 | PTE_P | PTE_RW);
	put64(img, PDPT3 + 511 * 8, PD3 | PTE_P | PTE_RW);
	put64(img, PD3 + 511 * 8, PT3 | PTE_P | PTE_RW);
	put64(img, PT3 + 511 * 8, 0x304000 | PTE_P);
}

static const char sidecar[] =
	"{\n"
	"  \"schema\": \"vmsavedstate-layout\", \"schema_version\": 1,\n"
	"  \"format\": \"fs-test\", \"page_size\": 4096,\n"
	"  \"chunks\": [\n"
	"    {\"gpa\": \"0x0\", \"pages\": 512, \"raw_offset\": \"0x0\"},\n"
	"    {\"gpa\": \"0x300000\", \"pages\": 1536, \"raw_offset\": \"0x300000\"}\n"
	"  ],\n"
	"  \"vps\": [\n"
	"    {\"index\": 0, \"arch\": \"x64\", \"vtl\": 0, \"registers\": {\n"
	"      \"rax\": \"0x1122334455667788\", \"rip\": \"0xfffff80012345678\",\n"
	"      \"cr0\": \"0x0000000080000011\", \"cr3\": \"0x180000\", \"cr4\": \"0x20\",\n"
	"      \"efer\": \"0x500\", \"cpl\": \"0x0\"}},\n"
	"    {\"index\": 1, \"arch\": \"x86\", \"paging_mode\": \"none\", \"registers\": {\n"
	"      \"rax\": \"0x2\", \"rip\": \"0x7c00\", \"cr0\": \"0x10\"}}\n"
	"  ]\n"
	"}\n";

char *fti_write(void)
{
	uint8_t *img = malloc(FTI_SIZE);
	if (!img)
		abort();
	for (uint64_t g = 0; g < FTI_SIZE; g++)
		img[g] = fti_pattern(g);
	/* bytes no reader may present as guest memory */
	memset(img + FTI_HOLE_GPA, 0xee, FTI_HOLE_END - FTI_HOLE_GPA);
	for (int i = 0; i < FTI_MARKERS_IN_CHUNKS; i++)
		put_marker(img, marker_gpas[i], i);
	put_marker(img, hole_marker_gpa, 99);
	page_tables(img);

	char *path = vms_test_write_temp("fs-test.img", img, FTI_SIZE);
	free(img);
	size_t n = strlen(path) + sizeof(".layout.json");
	char *side = malloc(n);
	if (!side)
		abort();
	snprintf(side, n, "%s.layout.json", path);
	FILE *f = fopen(side, "w");
	if (!f || fputs(sidecar, f) < 0 || fclose(f) != 0)
		abort();
	free(side);
	return path;
}
