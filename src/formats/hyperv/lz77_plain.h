/* Plain LZ77 ("XPRESS", Windows COMPRESSION_FORMAT_XPRESS = 3) decompression, as used by
 * Hyper-V RamBlock pages: hyperv-format.md §4.4, normative source [MS-XCA] §2.3-2.5. */
#ifndef VMS_HYPERV_LZ77_PLAIN_H
#define VMS_HYPERV_LZ77_PLAIN_H

#include <stddef.h>
#include <stdint.h>

/** Where and why a decompression failed, for messages (all fields static or offsets). */
struct hv_lz77_fault {
	const char *what; /**< the failed check, e.g. "back-reference before output start" */
	size_t src_pos;	  /**< input offset of the item that failed */
	size_t dst_pos;	  /**< output bytes produced before it */
};

/**
 * Decompress one Plain LZ77 stream.
 * @param src      compressed bytes (untrusted)
 * @param src_len  their length in bytes
 * @param dst      output buffer of dst_cap bytes
 * @param out_len  receives the bytes produced (<= dst_cap) on success
 * @return 0 when the stream ended at its normal exit (a match flag with the input exhausted);
 *         -EBADMSG when it is malformed: truncated flag word, match header or length field,
 *         a literal or match that would pass dst_cap, a back-reference before dst, a 16/32-bit
 *         length below 22.
 * Bounds: never reads outside src[0, src_len) nor writes outside dst[0, dst_cap); src and
 * dst must not overlap. Bytes of dst past *out_len (and, on failure, anywhere in dst) may
 * have been overwritten. Runs in O(src_len + dst_cap) time. Pure; safe concurrently.
 */
int hv_lz77_decompress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
		       size_t *out_len);

/** Same, and on -EBADMSG fill `fault` (may be NULL) with the failed check and offsets. */
int hv_lz77_decompress_ex(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
			  size_t *out_len, struct hv_lz77_fault *fault);

#endif
