/* vms_make_demo: write a synthetic Hyper-V .vmrs for demos and benchmarks (streamed, so a
 * multi-GiB guest needs little memory). The guest has two x64 VPs in long mode, 4-level page
 * tables mapping VA 0xFFFFF80000000000 to GPA 0 with 2 MiB pages, a banner at GPA 1 MiB,
 * OS-like pages every 8th page and zero pages elsewhere; guests above 3 GiB get an MMIO hole
 * (second range at 4 GiB).
 *
 * Usage: vms_make_demo [--size-mib N] [--raw] OUT.vmrs */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "formats/hyperv/partition_state.h"
#include "support/oslike_memory.h"
#include "support/partition_state_builder.h"
#include "support/vmrs_builder.h"

#define DEMO_PML4 0x1000u
#define DEMO_PDPT 0x2000u
#define DEMO_PD 0x3000u
#define DEMO_BANNER_GPA 0x100000u
#define DEMO_KERNEL_VA 0xFFFFF80000000000ull
#define DEMO_LOW_LIMIT (3ull << 30)
#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull

static const char banner[] = "vmsavedstate demo guest: hello from GPA 0x100000";

/* Raw page -> guest page: range 0 is identity; range 1 (at 4 GiB) follows it in raw. */
static void demo_page(void *ctx, uint64_t raw_page, uint8_t *page)
{
	(void)ctx;
	memset(page, 0, 4096);
	uint64_t gpa = raw_page * 4096;
	if (gpa == DEMO_PML4) {
		vms_put_le64(page + 8 * 496, DEMO_PDPT | PTE_P | PTE_RW); /* 0xFFFFF800... */
	} else if (gpa == DEMO_PDPT) {
		vms_put_le64(page, DEMO_PD | PTE_P | PTE_RW);
	} else if (gpa == DEMO_PD) {
		for (unsigned i = 0; i < 512; i++)
			vms_put_le64(page + 8 * i, ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS);
	} else if (gpa == DEMO_BANNER_GPA) {
		memcpy(page, banner, sizeof(banner));
	} else if (raw_page % 8 == 5) {
		hv_test_oslike_pages(page, 1, raw_page);
	}
}

static void demo_bank(struct vms_reg_bank *b, unsigned vp)
{
	psb_bank_pattern(b, VMS_ARCH_X64, 1000 + vp);
	b->lo[VMS_REG_CR0] = 0x80050033;
	b->lo[VMS_REG_CR3] = DEMO_PML4;
	b->lo[VMS_REG_CR4] = 0x000406f8; /* PAE, no LA57 */
	b->lo[VMS_REG_EFER] = 0xd01;
	b->lo[VMS_REG_CS] = 0x10;
	b->lo[VMS_REG_CS_ATTR] = 0x209b;
	b->lo[VMS_REG_CPL] = 0;
	b->lo[VMS_REG_RIP] = DEMO_KERNEL_VA + DEMO_BANNER_GPA + 16 * vp;
	b->lo[VMS_REG_RCX] = vp;
}

int main(int argc, char **argv)
{
	uint64_t mib = 64;
	bool raw = false;
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--size-mib") == 0 && i + 1 < argc)
			mib = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--raw") == 0)
			raw = true;
		else if (argv[i][0] != '-' && !out)
			out = argv[i];
		else
			out = NULL, i = argc;
	}
	if (!out || mib < 4) {
		fprintf(stderr, "usage: vms_make_demo [--size-mib N (>= 4)] [--raw] OUT.vmrs\n");
		return 2;
	}
	struct vms_reg_bank banks[2];
	struct psb_vp_desc vps[2];
	for (unsigned v = 0; v < 2; v++) {
		demo_bank(&banks[v], v);
		vps[v] = (struct psb_vp_desc){
			.hv_index = v, .vtl_count = 1, .banks = {&banks[v]}, .runnable_vtl = -1};
	}
	size_t ps_len;
	uint8_t *ps = psb_build(HV_VENDOR_INTEL, 0x8100000000000000ull, vps, 2, &ps_len);
	uint64_t pages = mib * 256, low = DEMO_LOW_LIMIT / 4096;
	struct vmrs_range r[2] = {{0, pages < low ? pages : low, 0, 0}};
	size_t n = 1;
	if (pages > low)
		r[n++] = (struct vmrs_range){4ull << 30, pages - low, low, 0};
	struct vmrs_desc d;
	vmrs_desc_init(&d);
	d.ranges = r;
	d.range_count = n;
	d.page_fn = demo_page;
	d.block_mode = raw ? VMRS_BLOCK_RAW : VMRS_BLOCK_AUTO;
	d.partition_state = ps;
	d.partition_state_len = ps_len;
	struct vmrs_layout l;
	int rc = vmrs_build_file(&d, out, &l);
	free(ps);
	if (rc != 0) {
		fprintf(stderr, "vms_make_demo: writing %s failed\n", out);
		return 1;
	}
	printf("%s: %" PRIu64 " MiB guest in %zu ranges, %" PRIu64 " RamBlocks, file %" PRIu64
	       " bytes\n",
	       out, mib, n, l.block_count, l.file_len);
	vmrs_layout_free(&l);
	return 0;
}
