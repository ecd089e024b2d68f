/* Test-only RamBlock writer (hyperv-format.md §4.1-4.3): a low-level token builder for
 * hand-made (also malformed) streams, and a block encoder that picks a token per page by
 * policy or by an explicit per-page choice. Used by the Hyper-V tests, fixture writers,
 * fuzz seed generators and the LZ77 benchmark. Allocation failures abort (test code). */
#ifndef VMS_TEST_RAMBLOCK_ENCODE_H
#define VMS_TEST_RAMBLOCK_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A growable byte buffer; zero-initialise or hv_tokbuf_init(), release with hv_tokbuf_free. */
struct hv_tokbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

void hv_tokbuf_init(struct hv_tokbuf *b);
void hv_tokbuf_free(struct hv_tokbuf *b);
void hv_tokbuf_put(struct hv_tokbuf *b, const void *data, size_t len);
void hv_tokbuf_u32(struct hv_tokbuf *b, uint32_t v);

/* One token each, written exactly as given (no validation, so tests can build bad ones).
 * Patterns are u64 values written little endian, as stored on disk. */
void hv_tok_end(struct hv_tokbuf *b);
void hv_tok_fill_page(struct hv_tokbuf *b, uint64_t pattern);
void hv_tok_fill_pages(struct hv_tokbuf *b, uint64_t pattern, uint32_t page_count);
void hv_tok_explicit(struct hv_tokbuf *b, uint32_t out_len, const void *data, uint32_t stored);
/** Page token: tag = stored (0x1000 means raw, smaller means Plain LZ77). */
void hv_tok_page(struct hv_tokbuf *b, const void *data, uint32_t stored);

/** How to store one page of a block. */
enum hv_page_enc {
	HV_PAGE_AUTO = 0,      /**< fill if the page is one repeated u64, else LZ77 if smaller,
				    else raw */
	HV_PAGE_FILL,	       /**< 0xFFFFFFFE (page must be a repeated u64) */
	HV_PAGE_FILL_RUN,      /**< 0xFFFFFFFD covering this page and the following pages that
				    are also FILL_RUN with the same pattern */
	HV_PAGE_RAW,	       /**< tag 0x1000 */
	HV_PAGE_LZ77,	       /**< tag = compressed size (must come out below 4096) */
	HV_PAGE_EXPLICIT_RAW,  /**< 0xFFFFFFFC with U = S = 4096 */
	HV_PAGE_EXPLICIT_LZ77, /**< 0xFFFFFFFC with U = 4096, S = compressed size (!= 4096) */
};

struct hv_ramblock_enc_opts {
	/** 256 per-page choices, or NULL for all HV_PAGE_AUTO */
	const enum hv_page_enc *pages;
	/** AUTO pages: turn runs of >= 2 identical fill pages into one 0xFFFFFFFD token */
	bool merge_fills;
	/** store the block as its 1 MiB raw form (no tokens) */
	bool raw_block;
	/** omit the end token (malformed) */
	bool omit_end;
	/** append this many 0xAA bytes after the end token */
	size_t trailing_bytes;
};

/** Statistics of what the encoder emitted, indexed like enum hv_token_kind in
 *  src/formats/hyperv/ramblock_decode.h (end, fill-page, fill-pages, explicit, raw, lz77). */
struct hv_ramblock_enc_stats {
	uint64_t tokens[6];
};

/**
 * Encode one 1 MiB block, appending the value to `out`.
 * @param stats  optional; counters are added to
 * @return 0; -EINVAL when a forced choice is impossible (FILL on a page that is not a
 *         repeated u64, LZ77 page that does not shrink below 4096 bytes, EXPLICIT_LZ77 whose
 *         output is exactly 4096 bytes), or the token stream would be exactly 1 MiB (that
 *         would read back as a raw block, §4.1).
 */
int hv_ramblock_encode(const uint8_t *block, const struct hv_ramblock_enc_opts *opts,
		       struct hv_tokbuf *out, struct hv_ramblock_enc_stats *stats);

/** Whether a 4096-byte page is one u64 repeated; if so store it in *pattern. */
bool hv_page_is_fill(const uint8_t *page, uint64_t *pattern);

#endif
