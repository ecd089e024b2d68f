/* Fuzz the raw backend's JSON sidecar (docs/layout-json.md) over a fixed 64 KiB image: open
 * the pair, then walk everything the sidecar can influence and check the APIs agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vmsavedstate/vmsavedstate.h>

#define IMAGE_SIZE 0x10000u
#define MAX_INPUT (1u << 20)

static uint8_t image[IMAGE_SIZE];

static void build_image(void)
{
	/* x64 tables at CR3 0x8000 mapping GVA 0 -> GPA 0xc000, so walks go deep */
	static const uint32_t entries[][2] = {
		{0x8000, 0x9003}, {0x9000, 0xa003}, {0xa000, 0xb003}, {0xb000, 0xc001}};
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		for (int b = 0; b < 4; b++)
			image[entries[i][0] + (uint32_t)b] = (uint8_t)(entries[i][1] >> (8 * b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	if (!image[0x8000])
		build_image();
	struct vms_io ios[2];
	vms_io_mem_init(&ios[0], image, IMAGE_SIZE, "image");
	vms_io_mem_init(&ios[1], data, size, "sidecar");
	struct vms_open_opts opts;
	vms_open_opts_init(&opts);
	opts.max_vps = 64;
	vms_handle *h = NULL;
	if (vms_open_io(ios, 2, &opts, &h, NULL) != 0)
		return 0;
	size_t n = vms_chunk_list(h, NULL, 0);
	struct vms_chunk *c = calloc(n ? n : 1, sizeof(*c));
	if (c && vms_chunk_list(h, c, n) == n) {
		for (size_t i = 0; i < n; i++)
			if (c[i].raw_off + c[i].pages * 4096u > vms_raw_size(h))
				abort(); /* a chunk outside the raw memory */
	}
	free(c);
	uint8_t buf[64];
	uint64_t done, gpa;
	for (uint32_t vp = 0; vp < vms_vp_count(h); vp++) {
		struct vms_reg_value v;
		for (int r = 0; r < VMS_REG_COUNT; r++)
			(void)vms_vp_get_register(h, vp, (enum vms_reg)r, &v, NULL);
		(void)vms_gva_to_gpa(h, vp, 0x10, &gpa, NULL, NULL);
		(void)vms_read_gva(h, vp, 0xff8, buf, sizeof(buf), VMS_READ_ZERO_UNMAPPED, &done,
				   NULL);
	}
	(void)vms_read_gpa(h, 0x3ff0, buf, sizeof(buf), VMS_READ_ZERO_HOLES, &done, NULL);
	vms_close(h);
	return 0;
}
