/* Fuzz the LiME reader (src/formats/lime, other-formats.md §3.1) through the public API: open
 * over memory, then walk the chunk list with GPA reads at both ends of every chunk, checking
 * the chunk list against vms_raw_size. Seeds: test/export/make_lime_seeds.py. */
#include <stdint.h>
#include <stdlib.h>

#include <vmsavedstate/vmsavedstate.h>

#include "core/backend.h"

extern const struct vms_backend_ops vms_backend_lime;

#define MAX_INPUT (4u << 20)
#define MAX_WALK 64u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT || vms_backend_lime.probe(data, size) == 0)
		return 0;
	struct vms_io io;
	struct vms_open_opts opts;
	vms_open_opts_init(&opts);
	opts.max_alloc = 64u << 20;
	opts.max_chunks = 4096;
	opts.cache_bytes = 1u << 20;
	vms_io_mem_init(&io, data, size, "fuzz");
	vms_handle *h = NULL;
	if (vms_open_io(&io, 1, &opts, &h, NULL) != 0)
		return 0;
	struct vms_chunk c[MAX_WALK];
	size_t n = vms_chunk_list(h, c, MAX_WALK);
	uint64_t pages = 0;
	for (size_t i = 0; i < n && i < MAX_WALK; i++) {
		uint8_t buf[64];
		uint64_t done;
		pages += c[i].pages;
		if (vms_read_gpa(h, c[i].gpa, buf, sizeof(buf), 0, &done, NULL) != 0)
			abort(); /* every chunk byte is readable: file data or widening zeros */
		vms_read_gpa(h, c[i].gpa + c[i].pages * 4096 - 8, buf, 16, VMS_READ_ZERO_HOLES,
			     &done, NULL);
	}
	if (n <= MAX_WALK && pages * 4096 != vms_raw_size(h))
		abort(); /* raw memory is exactly the widened ranges */
	if (vms_vp_count(h) != 0)
		abort(); /* LiME has no CPU state */
	vms_close(h);
	return 0;
}
