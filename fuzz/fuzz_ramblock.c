/* Fuzz the RamBlock token decoder (hyperv-format.md §4.2-4.3): a success produces exactly
 * 1 MiB, and without explicit-length tokens the page tokens account for all 256 pages. */
#include <stdint.h>
#include <stdlib.h>

#include "formats/hyperv/ramblock_decode.h"

#define FUZZ_MAX_INPUT (2u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[HV_RAMBLOCK_SIZE];
	if (size > FUZZ_MAX_INPUT)
		return 0;
	struct hv_ramblock_stats st = {0};
	struct vms_error err;
	if (hv_ramblock_decode_ex(data, size, out, 0, &st, &err) != 0)
		return 0;
	if (st.raw_blocks)
		return 0;
	const uint64_t pages = st.tokens[HV_TOK_FILL_PAGE] + st.fill_pages +
			       st.tokens[HV_TOK_RAW_PAGE] + st.tokens[HV_TOK_LZ77_PAGE];
	if (st.tokens[HV_TOK_END] != 1 || (st.tokens[HV_TOK_EXPLICIT] == 0 && pages != 256))
		abort();
	return 0;
}
