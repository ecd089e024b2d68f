/* Test-only Plain LZ77 compressor (hyperv-format.md §4.4, [MS-XCA] §2.3): produces streams
 * the Hyper-V decoder must accept, for round trips, fixtures and benchmarks. Correctness
 * over ratio: one hash probe per position, greedy matching. */
#ifndef VMS_TEST_LZ77_COMPRESS_H
#define VMS_TEST_LZ77_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Knobs for exercising every part of the format; zero-initialised means "defaults". */
struct hv_lz77_enc_opts {
	size_t max_match;    /**< longest match emitted (0: unlimited); lets tests pick length
				  forms: <= 9 inline, <= 24 nibble, <= 279 byte, else u16/u32 */
	size_t max_distance; /**< farthest back-reference (0 or > 8192: 8192) */
	bool literals_only;  /**< emit no matches at all */
	bool full_last_word; /**< when the last flag word is exactly full, do not append the
				  all-ones word (produces a stream the decoder must reject) */
};

/** Worst-case output size for `src_len` input bytes. */
size_t hv_lz77_compress_bound(size_t src_len);

/**
 * Compress src into dst (capacity dst_cap; hv_lz77_compress_bound() is always enough).
 * @return 0 with *out_len set; -ENOSPC when dst_cap is too small; -EINVAL on NULL args.
 * The stream ends with a flag word whose unused bits are ones; when the last word is full an
 * extra 0xFFFFFFFF word follows, as Hyper-V writes it (§4.4 "Termination").
 */
int hv_lz77_compress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
		     size_t *out_len, const struct hv_lz77_enc_opts *opts);

#endif
