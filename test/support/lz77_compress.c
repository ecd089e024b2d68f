/* Test-only Plain LZ77 compressor: hyperv-format.md §4.4 read backwards. Greedy, one hash
 * probe per position plus an explicit check for the previous byte (runs). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "support/lz77_compress.h"

#define HASH_BITS 14
#define MAX_DIST 8192u
#define MIN_MATCH 3u

struct enc {
	uint8_t *dst;
	size_t cap;
	size_t pos;
	size_t flag_pos; /* where the current flag word goes */
	uint32_t flags;
	unsigned flag_count;
	size_t half_pos; /* byte holding a free high nibble, or SIZE_MAX */
	bool overflow;
};

static void put(struct enc *e, const void *p, size_t n)
{
	if (e->cap - e->pos < n) {
		e->overflow = true;
		return;
	}
	memcpy(e->dst + e->pos, p, n);
	e->pos += n;
}

static void start_word(struct enc *e)
{
	static const uint8_t zero[4];
	e->flag_pos = e->pos;
	e->flags = 0;
	e->flag_count = 0;
	put(e, zero, 4);
}

static void push_flag(struct enc *e, unsigned bit)
{
	e->flags = e->flags << 1 | bit;
	if (++e->flag_count == 32) {
		if (!e->overflow)
			vms_put_le32(e->dst + e->flag_pos, e->flags);
		start_word(e);
	}
}

static void emit_literal(struct enc *e, uint8_t b)
{
	put(e, &b, 1);
	push_flag(e, 0);
}

/* Encodes total length `len` (>= 3) at distance `dist` (1..8192), §4.4 steps 2-5. */
static void emit_match(struct enc *e, size_t dist, size_t len)
{
	uint8_t b[8];
	size_t l = len - MIN_MATCH;
	const unsigned low = l < 7 ? (unsigned)l : 7;
	vms_put_le16(b, (uint16_t)((dist - 1) << 3 | low));
	put(e, b, 2);
	if (l >= 7) {
		const size_t l7 = l - 7;
		const unsigned nib = l7 < 15 ? (unsigned)l7 : 15;
		if (e->half_pos == SIZE_MAX) {
			e->half_pos = e->pos;
			b[0] = (uint8_t)nib;
			put(e, b, 1);
		} else {
			if (!e->overflow)
				e->dst[e->half_pos] |= (uint8_t)(nib << 4);
			e->half_pos = SIZE_MAX;
		}
		if (l7 >= 15) {
			const size_t l22 = l7 - 15;
			if (l22 < 255) {
				b[0] = (uint8_t)l22;
				put(e, b, 1);
			} else if (l <= 0xFFFF) {
				b[0] = 255;
				vms_put_le16(b + 1, (uint16_t)l);
				put(e, b, 3);
			} else {
				b[0] = 255;
				vms_put_le16(b + 1, 0);
				vms_put_le32(b + 3, (uint32_t)l);
				put(e, b, 7);
			}
		}
	}
	push_flag(e, 1);
}

static uint32_t hash3(const uint8_t *p)
{
	const uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

size_t hv_lz77_compress_bound(size_t src_len)
{
	/* every 32 items cost one flag word; items are at worst one literal byte each; plus the
	 * final word and a possible extra all-ones word */
	return src_len + 4 * (src_len / 32) + 12;
}

int hv_lz77_compress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
		     size_t *out_len, const struct hv_lz77_enc_opts *opts)
{
	static const struct hv_lz77_enc_opts defaults;
	if ((!src && src_len) || !dst || !out_len)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	const size_t max_dist =
		opts->max_distance && opts->max_distance < MAX_DIST ? opts->max_distance : MAX_DIST;
	const size_t max_match = opts->max_match ? opts->max_match : SIZE_MAX;
	uint32_t *table = calloc((size_t)1 << HASH_BITS, sizeof(*table)); /* pos + 1, 0 = none */
	if (!table)
		return -ENOMEM;

	struct enc e = {.dst = dst, .cap = dst_cap, .half_pos = SIZE_MAX};
	start_word(&e);
	size_t i = 0;
	while (i < src_len) {
		size_t best_len = 0, best_dist = 0;
		if (!opts->literals_only && src_len - i >= MIN_MATCH && max_match >= MIN_MATCH) {
			const size_t limit = src_len - i < max_match ? src_len - i : max_match;
			const uint32_t h = hash3(src + i);
			size_t cand[2] = {table[h] ? table[h] - 1 : SIZE_MAX, i ? i - 1 : SIZE_MAX};
			for (int c = 0; c < 2; c++) {
				if (cand[c] == SIZE_MAX || i - cand[c] > max_dist)
					continue;
				size_t n = 0;
				while (n < limit && src[cand[c] + n] == src[i + n])
					n++;
				if (n > best_len) {
					best_len = n;
					best_dist = i - cand[c];
				}
			}
			table[h] = (uint32_t)(i + 1);
		}
		if (best_len >= MIN_MATCH) {
			emit_match(&e, best_dist, best_len);
			for (size_t k = 1; k < best_len && i + k + MIN_MATCH <= src_len; k += 1)
				table[hash3(src + i + k)] = (uint32_t)(i + k + 1);
			i += best_len;
		} else {
			emit_literal(&e, src[i]);
			i++;
		}
	}
	/* Pad the open flag word with ones (§4.4 step 1). If it is still empty because the
	 * previous word just filled up, this writes the extra all-ones word Hyper-V emits. */
	if (opts->full_last_word && e.flag_count == 0) {
		e.pos = e.flag_pos;
	} else {
		const unsigned n = 32 - e.flag_count;
		const uint32_t pad = n == 32 ? 0xFFFFFFFFu : (1u << n) - 1;
		e.flags = (uint32_t)((uint64_t)e.flags << n) | pad;
		if (!e.overflow)
			vms_put_le32(e.dst + e.flag_pos, e.flags);
	}
	free(table);
	if (e.overflow)
		return -ENOSPC;
	*out_len = e.pos;
	return 0;
}
