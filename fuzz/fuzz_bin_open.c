/* Fuzz opening a legacy .bin (hyperv-format.md §6.2) through the public API and reading
 * every block: chunk totals must match the raw size, reads stay inside it. */
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
	struct vms_chunk c[4];
	const size_t n = vms_chunk_list(h, c, 4);
	const uint64_t raw = vms_raw_size(h);
	uint64_t pages = 0;
	for (size_t i = 0; i < n && i < 4; i++)
		pages += c[i].pages;
	if (n > 4 || pages * 4096 != raw)
		abort(); /* one identity chunk covering the raw memory */
	static uint8_t buf[8192];
	uint64_t done;
	/* the start and the end of every block, at most 64 blocks */
	for (uint64_t off = 0; off < raw && off < (64ull << 20); off += 1u << 20) {
		(void)vms_read_raw(h, off, buf, 16, &done, &err);
		if (vms_read_gpa(h, off + (1u << 20) - 8, buf, 16, 0, &done, &err) == 0 &&
		    done > 16)
			abort();
	}
	vms_close(h);
	return 0;
}
