/* Fuzz the partition_state parser (hyperv-format.md §5) directly on the blob: parse into a
 * model, then read every bank back so ASan sees any bad write. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "formats/hyperv/partition_state.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	struct vms_open_opts opts;
	memset(&opts, 0, sizeof(opts));
	opts.max_vps = 64;
	opts.max_chunks = 1000;
	opts.max_alloc = 64u << 20;
	struct vms_model m;
	memset(&m, 0, sizeof(m));
	m.opts = &opts;
	struct vms_error err;
	if (hv_partition_state_parse(data, size, &m, &err) == 0) {
		uint64_t sum = 0;
		for (uint32_t v = 0; v < m.vp_count; v++) {
			const struct vms_vp_state *vp = &m.vps[v];
			if (vp->vtl_mask && !(vp->vtl_mask & (1u << vp->active_vtl)))
				abort(); /* the active VTL must have a bank */
			for (unsigned t = 0; t < VMS_MAX_VTLS; t++)
				for (unsigned r = 0; vp->banks[t] && r < VMS_REG_COUNT; r++)
					sum += vp->banks[t]->lo[r] ^ vp->banks[t]->hi[r];
		}
		(void)sum;
	}
	vms_model_free(&m);
	return 0;
}
