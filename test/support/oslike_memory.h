/* Test-only generator of pages that look like guest OS memory (pointer tables, code, text,
 * UTF-16 strings, sparse structs), so LZ77 tests and benchmarks run on realistic data:
 * our compressor brings them to roughly 40 % of their size. Deterministic per seed. */
#ifndef VMS_TEST_OSLIKE_MEMORY_H
#define VMS_TEST_OSLIKE_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/** Fill `page_count` pages of 4096 bytes at `dst`; `seed` selects the sequence. */
void hv_test_oslike_pages(uint8_t *dst, size_t page_count, uint64_t seed);

/** The xorshift generator used above, for tests needing their own noise. */
uint64_t hv_test_rand(uint64_t *state);

#endif
