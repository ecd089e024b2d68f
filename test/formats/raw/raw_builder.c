/* Synthetic raw image + sidecar for the tests (see raw_builder.h). Page-table entries
 * follow the x86-64 4-level format: bit 0 present, bit 1 writable, bits 12-51 the frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/raw/raw_builder.h"
#include "support/test_support.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PML4 0x8000u
#define PDPT 0x9000u
#define PD 0xa000u
#define PT 0xb000u

uint8_t rb_pattern(uint64_t gpa)
{
	return (uint8_t)((gpa >> 12) * 0x11 + (gpa & 0xff));
}

static void put64(uint8_t *img, uint64_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		img[off + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

uint8_t *rb_image(void)
{
	uint8_t *img = malloc(RB_IMAGE_SIZE);
	if (!img)
		abort();
	for (uint64_t g = 0; g < RB_IMAGE_SIZE; g++)
		img[g] = rb_pattern(g);
	/* the hole holds bytes a reader must never return as guest memory */
	memset(img + RB_HOLE_GPA, 0xee, RB_CHUNK1_GPA - RB_HOLE_GPA);
	memset(img + PML4, 0, 4 * 4096);
	put64(img, PML4 + 0 * 8, PDPT | PTE_P | PTE_RW);
	put64(img, PDPT + 0 * 8, PD | PTE_P | PTE_RW);
	put64(img, PD + 2 * 8, PT | PTE_P | PTE_RW); /* GVA 0x400000 = PD index 2 */
	put64(img, PT + 0 * 8, RB_GVA_PAGE0_GPA | PTE_P);
	put64(img, PT + 1 * 8, RB_GVA_PAGE1_GPA | PTE_P);
	put64(img, PT + 3 * 8, (RB_HOLE_GPA + 0x1000) | PTE_P);
	memcpy(img + RB_GVA_PAGE0_GPA, "hello from the guest", 21);
	return img;
}

const char *rb_sidecar(void)
{
	return "{\n"
	       "  \"schema\": \"vmsavedstate-layout\", \"schema_version\": 1,\n"
	       "  \"format\": \"test-builder\", \"page_size\": 4096,\n"
	       "  \"chunks\": [\n"
	       "    {\"gpa\": \"0x0000000000008000\", \"pages\": 8, \"raw_offset\": \"0x4000\"},\n"
	       "    {\"gpa\": \"0x0\", \"pages\": 4, \"raw_offset\": \"0x0\"}\n"
	       "  ],\n"
	       "  \"vps\": [\n"
	       "    {\"index\": 0, \"arch\": \"x64\", \"vtl\": 0, \"registers\": {\n"
	       "      \"rax\": \"0x1122334455667788\", \"rip\": \"0xfffff80012345678\",\n"
	       "      \"cr0\": \"0x0000000080000011\", \"cr3\": \"0x8000\", \"cr4\": \"0x20\",\n"
	       "      \"efer\": \"0x500\", \"cpl\": \"0x0\",\n"
	       "      \"xmm0\": \"0x0123456789abcdeffedcba9876543210\"}},\n"
	       "    {\"index\": 1, \"arch\": \"x86\", \"paging_mode\": \"none\", \"registers\": {\n"
	       "      \"rax\": \"0x2\", \"rip\": \"0x7c00\", \"cr0\": \"0x10\"}}\n"
	       "  ],\n"
	       "  \"guest\": {\"os_id\": \"0x0001040a00004a61\"},\n"
	       "  \"future_field\": {\"ignored\": true}\n"
	       "}\n";
}

char *rb_write(const char *name, int with_sidecar)
{
	uint8_t *img = rb_image();
	char *path = vms_test_write_temp(name, img, RB_IMAGE_SIZE);
	free(img);
	if (with_sidecar) {
		size_t n = strlen(path) + sizeof(".layout.json");
		char *side = malloc(n);
		if (!side)
			abort();
		snprintf(side, n, "%s.layout.json", path);
		FILE *f = fopen(side, "w");
		if (!f || fputs(rb_sidecar(), f) < 0 || fclose(f) != 0)
			abort();
		free(side);
	}
	return path;
}
