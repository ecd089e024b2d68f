/* Fuzz a whole .vmrs open over memory (hyperv-format.md §2-§5): walk VPs, registers, chunks
 * and some reads, and check that the chunk list fits the raw size (STYLE.md rule 24). */
#include <stdint.h>
#include <stdlib.h>

#include <vmsavedstate/vmsavedstate.h>

#define FUZZ_MAX_INPUT (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	struct vms_io io;
	vms_io_mem_init(&io, data, size, "fuzz.vmrs");
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.cache_bytes = 4u << 20;
	o.max_vps = 64;
	o.max_chunks = 4096;
	o.max_alloc = 64u << 20;
	o.flags = size & 1 ? VMS_OPEN_ZERO_MISSING : 0;
	vms_handle *h = NULL;
	struct vms_error err;
	if (vms_open_io(&io, 1, &o, &h, &err) != 0)
		return 0;
	struct vms_reg_value v;
	for (uint32_t vp = 0; vp < vms_vp_count(h); vp++)
		for (int r = 0; r < VMS_REG_COUNT; r += 7)
			(void)vms_vp_get_register(h, vp, (enum vms_reg)r, &v, &err);
	size_t n = vms_chunk_list(h, NULL, 0);
	struct vms_chunk c[16];
	size_t got = vms_chunk_list(h, c, 16);
	if (got != n)
		abort();
	uint64_t raw = vms_raw_size(h);
	static uint8_t buf[8192];
	uint64_t done;
	for (size_t i = 0; i < n && i < 16; i++) {
		if (c[i].raw_off > raw || c[i].pages > (raw - c[i].raw_off) / 4096)
			abort(); /* a chunk outside the raw memory */
		(void)vms_read_gpa(h, c[i].gpa, buf, sizeof(buf), VMS_READ_ZERO_HOLES, &done, &err);
	}
	(void)vms_read_raw(h, raw > 4096 ? raw - 4096 : 0, buf, sizeof(buf), &done, &err);
	vms_close(h);
	return 0;
}
