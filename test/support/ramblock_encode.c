/* Test-only RamBlock writer: hyperv-format.md §4.2 token layouts, written back to front of
 * the decoder in src/formats/hyperv/ramblock_decode.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "support/lz77_compress.h"
#include "support/ramblock_encode.h"

#define BLOCK_SIZE (1u << 20)
#define PAGE 4096u
#define PAGES (BLOCK_SIZE / PAGE)

enum { K_END, K_FILL, K_FILLN, K_EXPLICIT, K_RAW, K_LZ77 };

void hv_tokbuf_init(struct hv_tokbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void hv_tokbuf_free(struct hv_tokbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void hv_tokbuf_put(struct hv_tokbuf *b, const void *data, size_t len)
{
	if (b->cap - b->len < len) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < len)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		if (!p)
			abort();
		b->p = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
}

void hv_tokbuf_u32(struct hv_tokbuf *b, uint32_t v)
{
	uint8_t le[4];
	vms_put_le32(le, v);
	hv_tokbuf_put(b, le, 4);
}

static void put_u64(struct hv_tokbuf *b, uint64_t v)
{
	uint8_t le[8];
	vms_put_le64(le, v);
	hv_tokbuf_put(b, le, 8);
}

void hv_tok_end(struct hv_tokbuf *b)
{
	hv_tokbuf_u32(b, 0xFFFFFFFFu);
}

void hv_tok_fill_page(struct hv_tokbuf *b, uint64_t pattern)
{
	hv_tokbuf_u32(b, 0xFFFFFFFEu);
	put_u64(b, pattern);
}

void hv_tok_fill_pages(struct hv_tokbuf *b, uint64_t pattern, uint32_t page_count)
{
	hv_tokbuf_u32(b, 0xFFFFFFFDu);
	put_u64(b, pattern);
	hv_tokbuf_u32(b, page_count);
}

void hv_tok_explicit(struct hv_tokbuf *b, uint32_t out_len, const void *data, uint32_t stored)
{
	hv_tokbuf_u32(b, 0xFFFFFFFCu);
	hv_tokbuf_u32(b, out_len);
	hv_tokbuf_u32(b, stored);
	hv_tokbuf_put(b, data, stored);
}

void hv_tok_page(struct hv_tokbuf *b, const void *data, uint32_t stored)
{
	hv_tokbuf_u32(b, stored);
	hv_tokbuf_put(b, data, stored);
}

bool hv_page_is_fill(const uint8_t *page, uint64_t *pattern)
{
	for (size_t off = 8; off < PAGE; off += 8)
		if (memcmp(page, page + off, 8) != 0)
			return false;
	*pattern = vms_le64(page);
	return true;
}

int hv_ramblock_encode(const uint8_t *block, const struct hv_ramblock_enc_opts *opts,
		       struct hv_tokbuf *out, struct hv_ramblock_enc_stats *stats)
{
	static const struct hv_ramblock_enc_opts defaults;
	struct hv_ramblock_enc_stats local = {0};
	if (!opts)
		opts = &defaults;
	if (!stats)
		stats = &local;
	if (opts->raw_block) {
		hv_tokbuf_put(out, block, BLOCK_SIZE);
		return 0;
	}
	const size_t start = out->len;
	uint8_t z[PAGE + PAGE / 8 + 64];
	for (size_t i = 0; i < PAGES;) {
		const uint8_t *page = block + i * PAGE;
		const enum hv_page_enc want = opts->pages ? opts->pages[i] : HV_PAGE_AUTO;
		uint64_t pat;
		const bool is_fill = hv_page_is_fill(page, &pat);
		size_t zlen = 0;

		if (want == HV_PAGE_FILL_RUN ||
		    (want == HV_PAGE_AUTO && is_fill && opts->merge_fills)) {
			if (!is_fill)
				return -EINVAL;
			size_t n = 1;
			uint64_t next;
			while (i + n < PAGES &&
			       (opts->pages ? opts->pages[i + n] : HV_PAGE_AUTO) == want &&
			       hv_page_is_fill(page + n * PAGE, &next) && next == pat)
				n++;
			if (want == HV_PAGE_FILL_RUN || n >= 2) {
				hv_tok_fill_pages(out, pat, (uint32_t)n);
				stats->tokens[K_FILLN]++;
				i += n;
				continue;
			}
		}
		if (want == HV_PAGE_FILL || (want == HV_PAGE_AUTO && is_fill)) {
			if (!is_fill)
				return -EINVAL;
			hv_tok_fill_page(out, pat);
			stats->tokens[K_FILL]++;
			i++;
			continue;
		}
		if (want == HV_PAGE_AUTO || want == HV_PAGE_LZ77 || want == HV_PAGE_EXPLICIT_LZ77) {
			if (hv_lz77_compress(page, PAGE, z, sizeof(z), &zlen, NULL) != 0)
				return -EINVAL;
		}
		switch (want) {
		case HV_PAGE_AUTO:
			if (zlen < PAGE) {
				hv_tok_page(out, z, (uint32_t)zlen);
				stats->tokens[K_LZ77]++;
			} else {
				hv_tok_page(out, page, PAGE);
				stats->tokens[K_RAW]++;
			}
			break;
		case HV_PAGE_LZ77:
			if (zlen >= PAGE)
				return -EINVAL;
			hv_tok_page(out, z, (uint32_t)zlen);
			stats->tokens[K_LZ77]++;
			break;
		case HV_PAGE_RAW:
			hv_tok_page(out, page, PAGE);
			stats->tokens[K_RAW]++;
			break;
		case HV_PAGE_EXPLICIT_RAW:
			hv_tok_explicit(out, PAGE, page, PAGE);
			stats->tokens[K_EXPLICIT]++;
			break;
		case HV_PAGE_EXPLICIT_LZ77:
			if (zlen == PAGE)
				return -EINVAL;
			hv_tok_explicit(out, PAGE, z, (uint32_t)zlen);
			stats->tokens[K_EXPLICIT]++;
			break;
		case HV_PAGE_FILL:
		case HV_PAGE_FILL_RUN:
			break; /* handled above */
		}
		i++;
	}
	if (!opts->omit_end) {
		hv_tok_end(out);
		stats->tokens[K_END]++;
	}
	for (size_t k = 0; k < opts->trailing_bytes; k++)
		hv_tokbuf_put(out, "\xAA", 1);
	if (out->len - start == BLOCK_SIZE)
		return -EINVAL;
	return 0;
}
