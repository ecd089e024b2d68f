/* Fuzz the Plain LZ77 decoder (hyperv-format.md §4.4): any input, a page-sized and a small
 * output buffer; a success must be reproducible into a buffer of exactly its length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/hyperv/lz77_plain.h"

#define FUZZ_MAX_INPUT (64u << 10)
#define PAGE 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t a[4 * PAGE], b[4 * PAGE];
	if (size > FUZZ_MAX_INPUT)
		return 0;
	/* the first byte picks a capacity so that tail paths near dst_cap get exercised */
	const size_t cap = size ? (size_t)data[0] * 67 % sizeof(a) : PAGE;
	size_t la, lb;
	if (hv_lz77_decompress(data, size, a, cap, &la) != 0)
		return 0;
	if (la > cap)
		abort();
	if (hv_lz77_decompress(data, size, b, la, &lb) != 0 || lb != la || memcmp(a, b, la) != 0)
		abort(); /* the output must not depend on spare capacity */
	return 0;
}
