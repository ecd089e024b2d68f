/* Shared body of the whole-file fuzz harnesses (fuzz_open_walk.h). */
#include <stdlib.h>

#include <vmsavedstate/vmsavedstate.h>

#include "fuzz_open_walk.h"

#define MAX_INPUT (4u << 20)
#define MAX_CHUNKS_WALKED 16u

void fuzz_open_walk(const struct vms_backend_ops *backend, const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT || backend->probe(data, size) == 0)
		return;
	struct vms_io io;
	struct vms_open_opts opts;
	vms_open_opts_init(&opts);
	opts.max_alloc = 64u << 20;
	opts.cache_bytes = 1u << 20;
	vms_io_mem_init(&io, data, size, "fuzz");
	vms_handle *h = NULL;
	if (vms_open_io(&io, 1, &opts, &h, NULL) != 0)
		return;
	struct vms_chunk c[MAX_CHUNKS_WALKED];
	size_t n = vms_chunk_list(h, c, MAX_CHUNKS_WALKED);
	uint64_t pages = 0;
	for (size_t i = 0; i < n && i < MAX_CHUNKS_WALKED; i++) {
		uint8_t buf[64];
		uint64_t done;
		pages += c[i].pages;
		vms_read_gpa(h, c[i].gpa, buf, sizeof(buf), 0, &done, NULL);
		vms_read_gpa(h, c[i].gpa + c[i].pages * 4096 - 8, buf, 16, VMS_READ_ZERO_HOLES,
			     &done, NULL);
	}
	if (n <= MAX_CHUNKS_WALKED && pages * 4096 > vms_raw_size(h))
		abort(); /* chunks must lie inside raw memory */
	for (uint32_t vp = 0; vp < vms_vp_count(h) && vp < 4; vp++) {
		struct vms_reg_value v;
		for (int r = 0; r < VMS_REG_COUNT; r++)
			vms_vp_get_register(h, vp, (enum vms_reg)r, &v, NULL);
		uint64_t gpa, done;
		uint8_t buf[32];
		vms_gva_to_gpa(h, vp, 0xffffffff81000000ull, &gpa, NULL, NULL);
		vms_read_gva(h, vp, 0x1000, buf, sizeof(buf), VMS_READ_ZERO_UNMAPPED, &done, NULL);
	}
	vms_close(h);
}
