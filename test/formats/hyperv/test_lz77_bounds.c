/* Plain LZ77 decoder (hyperv-format.md §4.4) at the edges of its fast paths: hand-built
 * streams with overlapping matches at every short distance, every length form up to a whole
 * page, items ending at every offset before dst_cap (the wide copies' slack runs out there),
 * and whole RamBlocks whose pages all end in such items, each checked byte for byte against
 * the output the stream was built from and against canaries after dst_cap. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "formats/hyperv/lz77_plain.h"
#include "formats/hyperv/ramblock_decode.h"
#include "support/oslike_memory.h"

#define PAGE 4096u
#define CANARY 64u

/* A Plain LZ77 writer whose matches are chosen by the test (§4.4 read backwards): 32 flags
 * per little-endian word, most significant first; match lengths in the 3-bit, nibble, byte,
 * 16-bit or (forced) 32-bit form, nibbles shared between two long matches. */
enum len_form { FORM_AUTO, FORM_U32 };

struct wr {
	uint8_t *buf;
	size_t pos, flag_pos, half;
	uint32_t flags;
	unsigned nflags;
};

static void wr_init(struct wr *w, uint8_t *buf)
{
	*w = (struct wr){.buf = buf, .pos = 4, .half = SIZE_MAX};
}

static void wr_flag(struct wr *w, unsigned bit)
{
	w->flags = w->flags << 1 | bit;
	if (++w->nflags == 32) {
		vms_put_le32(w->buf + w->flag_pos, w->flags);
		w->flag_pos = w->pos;
		w->pos += 4;
		w->nflags = 0;
		w->flags = 0;
	}
}

static void wr_lit(struct wr *w, uint8_t b)
{
	w->buf[w->pos++] = b;
	wr_flag(w, 0);
}

static void wr_match(struct wr *w, size_t dist, size_t len, enum len_form form)
{
	const size_t l = len - 3;
	vms_put_le16(w->buf + w->pos, (uint16_t)((dist - 1) << 3 | (l < 7 ? l : 7)));
	w->pos += 2;
	if (l >= 7) {
		const size_t nib = form == FORM_U32 || l - 7 >= 15 ? 15 : l - 7;
		if (w->half == SIZE_MAX) {
			w->half = w->pos;
			w->buf[w->pos++] = (uint8_t)nib;
		} else {
			w->buf[w->half] |= (uint8_t)(nib << 4);
			w->half = SIZE_MAX;
		}
		if (form == FORM_U32) {
			w->buf[w->pos++] = 255;
			vms_put_le16(w->buf + w->pos, 0);
			vms_put_le32(w->buf + w->pos + 2, (uint32_t)l);
			w->pos += 6;
		} else if (l - 7 >= 15 && l - 22 < 255) {
			w->buf[w->pos++] = (uint8_t)(l - 22);
		} else if (l - 7 >= 15) {
			w->buf[w->pos++] = 255;
			vms_put_le16(w->buf + w->pos, (uint16_t)l);
			w->pos += 2;
		}
	}
	wr_flag(w, 1);
}

/* Pads the open word with match flags: the decoder stops at the first one (§4.4 step 1). */
static size_t wr_end(struct wr *w)
{
	const unsigned n = 32 - w->nflags;
	const uint32_t pad = n == 32 ? 0xFFFFFFFFu : (1u << n) - 1;
	vms_put_le32(w->buf + w->flag_pos, (uint32_t)((uint64_t)w->flags << n) | pad);
	return w->pos;
}

/* Appends `len` random literals to the stream and to the expected output. */
static void lits(struct wr *w, uint8_t *want, size_t *n, size_t len, uint64_t *rs)
{
	for (size_t k = 0; k < len; k++, (*n)++) {
		want[*n] = (uint8_t)hv_test_rand(rs);
		wr_lit(w, want[*n]);
	}
}

static void match(struct wr *w, uint8_t *want, size_t *n, size_t dist, size_t len,
		  enum len_form form)
{
	wr_match(w, dist, len, form);
	for (size_t k = 0; k < len; k++, (*n)++)
		want[*n] = want[*n - dist];
}

/* Decodes z into a buffer of exactly `cap` bytes followed by canaries, and with `extra`
 * bytes of spare room, and checks both against want[0, n). */
static void expect_decodes(const uint8_t *z, size_t zlen, const uint8_t *want, size_t n, size_t cap,
			   const char *ctx)
{
	static uint8_t out[2 * PAGE + 64 * 1024 + CANARY];
	for (size_t extra = 0; extra <= 64; extra += 64) {
		memset(out, 0xCC, cap + extra + CANARY);
		size_t got = 0;
		struct hv_lz77_fault f = {0};
		const int rc = hv_lz77_decompress_ex(z, zlen, out, cap + extra, &got, &f);
		cr_assert_eq(rc, 0, "%s (cap %zu): %s at input +%zu, output +%zu", ctx, cap + extra,
			     f.what ? f.what : "?", f.src_pos, f.dst_pos);
		cr_assert_eq(got, n, "%s (cap %zu): %zu bytes, want %zu", ctx, cap + extra, got, n);
		for (size_t k = 0; k < n; k++)
			cr_assert_eq(out[k], want[k], "%s (cap %zu): byte %zu is %#x, want %#x",
				     ctx, cap + extra, k, out[k], want[k]);
		for (size_t k = 0; k < CANARY; k++)
			cr_assert_eq(out[cap + extra + k], 0xCC, "%s: wrote %zu bytes past dst_cap",
				     ctx, k + 1);
	}
}

static uint8_t z[3 * PAGE], want[PAGE + 64 * 1024];

/* Distances 1..16 cover the repeated-pattern copies (period < 8), the period multiples and
 * the copies whose second piece overlaps the first; lengths cross the 8-byte pieces, the
 * nibble/byte/16-bit forms and the long single-byte run path. */
Test(lz77_bounds, overlapping_matches_at_every_short_distance)
{
	static const size_t lens[] = {3,  4,  5,  6,  7,  8,  9,  10, 11, 15,  16,  17,	 18,  23,
				      24, 25, 31, 32, 33, 40, 63, 64, 65, 100, 279, 280, 1000};
	uint64_t rs = 7;
	char ctx[96];
	for (size_t d = 1; d <= 16; d++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			struct wr w;
			size_t n = 0;
			wr_init(&w, z);
			lits(&w, want, &n, d, &rs);
			match(&w, want, &n, d, lens[i], FORM_AUTO);
			lits(&w, want, &n, 1 + lens[i] % 5, &rs);
			match(&w, want, &n, d, lens[i], FORM_AUTO); /* after the shared nibble */
			snprintf(ctx, sizeof(ctx), "distance %zu length %zu", d, lens[i]);
			expect_decodes(z, wr_end(&w), want, n, n, ctx);
		}
	}
}

/* A page of random literals, then one item of each kind ending exactly `k` bytes before
 * dst_cap, then literals to the end: every place where the fast loop hands over to the
 * careful one, and every slack the wide copies could need. */
Test(lz77_bounds, items_ending_at_every_offset_before_capacity)
{
	uint64_t rs = 11;
	char ctx[96];
	for (size_t k = 0; k <= 80; k++) {
		for (size_t d = 1; d <= 40; d += 13) {
			for (size_t len = 3; len <= 48; len += 15) {
				struct wr w;
				size_t n = 0;
				wr_init(&w, z);
				lits(&w, want, &n, PAGE - k - len, &rs);
				match(&w, want, &n, d, len, FORM_AUTO);
				lits(&w, want, &n, k, &rs);
				snprintf(ctx, sizeof(ctx),
					 "match d %zu len %zu ending %zu before the end", d, len,
					 k);
				expect_decodes(z, wr_end(&w), want, n, PAGE, ctx);
			}
		}
	}
}

/* Whole-page matches in every length form, including the 32-bit one, and one that would
 * overrun the page: rejected without a byte past dst_cap. */
Test(lz77_bounds, page_long_matches_in_every_form)
{
	uint64_t rs = 13;
	for (size_t d = 1; d <= 9; d++) {
		for (int form = FORM_AUTO; form <= FORM_U32; form++) {
			struct wr w;
			size_t n = 0;
			wr_init(&w, z);
			lits(&w, want, &n, d, &rs);
			match(&w, want, &n, d, PAGE - d, (enum len_form)form);
			expect_decodes(z, wr_end(&w), want, n, PAGE,
				       form ? "u32 length" : "u16 length");
		}
	}
	/* 64 KiB from one 32-bit length: far past the wide copies' slack */
	struct wr w;
	size_t n = 0;
	wr_init(&w, z);
	lits(&w, want, &n, 5, &rs);
	match(&w, want, &n, 5, 64 * 1024 - 5, FORM_U32);
	expect_decodes(z, wr_end(&w), want, n, n, "64 KiB match");

	static uint8_t out[PAGE + CANARY];
	for (size_t over = 1; over <= 40; over++) {
		wr_init(&w, z);
		n = 0;
		lits(&w, want, &n, 3, &rs);
		match(&w, want, &n, 3, PAGE - 3 + over, FORM_AUTO);
		memset(out, 0xCC, sizeof(out));
		size_t got;
		struct hv_lz77_fault f = {0};
		cr_assert_eq(hv_lz77_decompress_ex(z, wr_end(&w), out, PAGE, &got, &f), -EBADMSG);
		cr_assert_str_eq(f.what, "match past end of output");
		for (size_t k = 0; k < CANARY; k++)
			cr_assert_eq(out[PAGE + k], 0xCC, "overrun by %zu wrote past dst_cap",
				     over);
	}
}

/* 256 Plain LZ77 pages in one RamBlock, each ending in a different long item right at its
 * page end; the last page ends at the end of the 1 MiB output. Every page and the canaries
 * after the block must come out exact. */
Test(lz77_bounds, ramblock_pages_ending_in_long_items)
{
	const size_t cap = 256 * (PAGE + 4) + 4;
	uint8_t *val = malloc(cap), *out = malloc(HV_RAMBLOCK_SIZE + CANARY);
	uint8_t *expect = malloc(HV_RAMBLOCK_SIZE);
	cr_assert(val && out && expect);
	uint64_t rs = 17;
	size_t pos = 0;
	for (size_t p = 0; p < 256; p++) {
		struct wr w;
		size_t n = 0;
		const size_t d = 1 + p % 16, tail = 3 + (p * 7) % 300, mid = 3 + d + p % 33;
		wr_init(&w, z);
		lits(&w, want, &n, 64, &rs);
		match(&w, want, &n, 64, PAGE - 64 - mid - tail, FORM_AUTO);
		match(&w, want, &n, d, mid, FORM_AUTO);
		match(&w, want, &n, d, tail, p % 5 || tail < 25 ? FORM_AUTO : FORM_U32);
		cr_assert_eq(n, PAGE);
		const size_t zlen = wr_end(&w);
		cr_assert_lt(zlen, PAGE, "page %zu does not compress", p);
		vms_put_le32(val + pos, (uint32_t)zlen);
		memcpy(val + pos + 4, z, zlen);
		pos += 4 + zlen;
		memcpy(expect + p * PAGE, want, PAGE);
	}
	vms_put_le32(val + pos, HV_TOKEN_END);
	memset(out, 0xCC, HV_RAMBLOCK_SIZE + CANARY);
	struct vms_error err = {0};
	cr_assert_eq(hv_ramblock_decode(val, pos + 4, out, &err), 0, "%s", err.msg);
	for (size_t p = 0; p < 256; p++)
		cr_assert(memcmp(out + p * PAGE, expect + p * PAGE, PAGE) == 0, "page %zu differs",
			  p);
	for (size_t k = 0; k < CANARY; k++)
		cr_assert_eq(out[HV_RAMBLOCK_SIZE + k], 0xCC, "wrote past the block");
	free(val);
	free(out);
	free(expect);
}
