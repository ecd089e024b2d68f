/* Fuzz opening a legacy .bin (hyperv-format.md §6.2) through the public API and reading
 * blocks: chunk totals match the raw size, GPA and raw reads agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vmsavedstate/vmsavedstate.h>

#define FUZZ_MAX_INPUT (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	struct vms_io io;
	vms_io_mem_init(&io, data, size, "fuzz.bin");
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.cache_bytes = 2u << 20;
	o.max_alloc = 16u << 20;
	o.flags = size & 1 ? VMS_OPEN_ZERO_MISSING : 0;
	vms_handle *h = NULL;
	struct vms_error err;
	if (vms_open_io(&io, 1, &o, &h, &err) != 0)
		return 0;
	if (strcmp(vms_format_name(h), "hyperv-bin") != 0) {
		/* damaged past recognition, the bytes can still open as a raw image (the raw
		 * backend takes any file); the .bin invariants below do not apply to it */
		vms_close(h);
		return 0;
	}
	struct vms_chunk c[4];
	const size_t n = vms_chunk_list(h, c, 4);
	const uint64_t raw = vms_raw_size(h);
	uint64_t pages = 0;
	for (size_t i = 0; i < n && i < 4; i++)
		pages += c[i].pages;
	if (n > 4 || pages * 4096 != raw)
		abort(); /* one identity chunk covering the raw memory */
	/* identity map (§6.3): a GPA read and a raw read of the same offset agree; the start
	 * and the end of every block, at most 64 blocks */
	static uint8_t by_gpa[32], by_raw[32];
	uint64_t d1, d2;
	for (uint64_t off = 0; off < raw && off < (64ull << 20); off += 1u << 20) {
		const uint64_t at = off + (off & (1u << 20) ? (1u << 20) - 16 : 0);
		if (vms_read_gpa(h, at, by_gpa, 32, 0, &d1, &err) == 0 &&
		    vms_read_raw(h, at, by_raw, 32, &d2, &err) == 0 &&
		    (d1 != d2 || memcmp(by_gpa, by_raw, d1) != 0))
			abort();
	}
	vms_close(h);
	return 0;
}
