/* Plain LZ77 decoder (hyperv-format.md §4.4): round trips through the test compressor, every
 * length form, hand-assembled streams, every malformation, and a differential check of the
 * fast decoder against a byte-at-a-time reference written straight from the §4.4 pseudocode. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "formats/hyperv/lz77_plain.h"
#include "support/lz77_compress.h"
#include "support/oslike_memory.h"

#define PAGE 4096u

/* The §4.4 pseudocode, literally: slow, obviously bounded, used as the oracle. */
static int ref_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *out)
{
	size_t i = 0, o = 0, half = SIZE_MAX;
	uint32_t flags = 0;
	int bits = 0;
	for (;;) {
		if (bits == 0) {
			if (n - i < 4)
				return -EBADMSG;
			flags = vms_le32(src + i);
			i += 4;
			bits = 32;
		}
		bits--;
		if (((flags >> bits) & 1) == 0) {
			if (i == n || o == cap)
				return -EBADMSG;
			dst[o++] = src[i++];
			continue;
		}
		if (i == n)
			break;
		if (n - i < 2)
			return -EBADMSG;
		const unsigned m = vms_le16(src + i);
		i += 2;
		const size_t dist = (m >> 3) + 1;
		size_t len = m & 7;
		if (len == 7) {
			if (half == SIZE_MAX) {
				if (i == n)
					return -EBADMSG;
				half = i;
				len = src[i++] & 15;
			} else {
				len = src[half] >> 4;
				half = SIZE_MAX;
			}
			if (len == 15) {
				if (i == n)
					return -EBADMSG;
				len = src[i++];
				if (len == 255) {
					if (n - i < 2)
						return -EBADMSG;
					len = vms_le16(src + i);
					i += 2;
					if (len == 0) {
						if (n - i < 4)
							return -EBADMSG;
						len = vms_le32(src + i);
						i += 4;
					}
					if (len < 22)
						return -EBADMSG;
					len -= 22;
				}
				len += 15;
			}
			len += 7;
		}
		len += 3;
		if (dist > o || len > cap - o)
			return -EBADMSG;
		while (len--) {
			dst[o] = dst[o - dist];
			o++;
		}
	}
	*out = o;
	return 0;
}

/* Compress, decode with both decoders into canary-guarded buffers, compare. */
static void round_trip(const uint8_t *data, size_t len, const struct hv_lz77_enc_opts *opts)
{
	const size_t zcap = hv_lz77_compress_bound(len);
	uint8_t *z = malloc(zcap);
	uint8_t *out = malloc(len + 64);
	cr_assert(z && out);
	size_t zlen, got;
	cr_assert_eq(hv_lz77_compress(data, len, z, zcap, &zlen, opts), 0);
	memset(out, 0xCC, len + 64);
	struct hv_lz77_fault f = {0};
	const int rc = hv_lz77_decompress_ex(z, zlen, out, len, &got, &f);
	cr_assert_eq(rc, 0, "decode failed: %s at +%zu", f.what ? f.what : "?", f.src_pos);
	cr_assert_eq(got, len);
	cr_assert(memcmp(out, data, len) == 0, "round trip differs");
	for (size_t k = 0; k < 64; k++)
		cr_assert_eq(out[len + k], 0xCC, "wrote past dst_cap at +%zu", k);
	cr_assert_eq(ref_decode(z, zlen, out, len, &got), 0);
	cr_assert_eq(got, len);
	free(z);
	free(out);
}

Test(lz77, round_trips_page_kinds)
{
	uint8_t *p = malloc(PAGE);
	uint64_t rs = 7;
	cr_assert(p);
	memset(p, 0, PAGE); /* one long dist-1 match: u16 length form */
	round_trip(p, PAGE, NULL);
	for (size_t k = 0; k < PAGE; k++) /* incompressible */
		p[k] = (uint8_t)hv_test_rand(&rs);
	round_trip(p, PAGE, NULL);
	for (size_t period = 1; period <= 40; period++) { /* every short-period copy path */
		for (size_t k = 0; k < PAGE; k++)
			p[k] = (uint8_t)(k % period * 37 + period);
		round_trip(p, PAGE, NULL);
		struct hv_lz77_enc_opts o = {.max_match = 3 + period % 20};
		round_trip(p, PAGE, &o);
	}
	for (uint64_t seed = 1; seed <= 40; seed++) {
		hv_test_oslike_pages(p, 1, seed);
		round_trip(p, PAGE, NULL);
	}
	free(p);
}

Test(lz77, round_trips_every_length_form)
{
	/* max_match picks the form: inline (<= 9), nibble (<= 24), byte (<= 279), u16, and
	 * u32 for a run longer than 65535 + 3 */
	static const size_t caps[] = {3, 4, 9, 10, 11, 24, 25, 26, 279, 280, 281, 65538, 0};
	const size_t len = 200000;
	uint8_t *buf = calloc(1, len);
	cr_assert(buf);
	for (size_t k = 0; k < len; k += 4099)
		buf[k] = (uint8_t)k; /* break runs now and then */
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		struct hv_lz77_enc_opts o = {.max_match = caps[c]};
		round_trip(buf, len, &o);
	}
	free(buf);
}

Test(lz77, round_trips_edge_cases)
{
	uint8_t buf[PAGE * 3];
	uint64_t rs = 99;
	for (size_t k = 0; k < sizeof(buf); k++)
		buf[k] = (uint8_t)(hv_test_rand(&rs) % 4);
	struct hv_lz77_enc_opts lit = {.literals_only = true};
	round_trip(buf, sizeof(buf), &lit);
	struct hv_lz77_enc_opts far = {.max_distance = 8192};
	memcpy(buf + 8192, buf, 4096); /* a match at the largest distance */
	round_trip(buf, sizeof(buf), &far);
	for (size_t len = 0; len < 70; len++) /* every length near the flag-word edges */
		round_trip(buf, len, NULL);
}

Test(lz77, empty_stream_is_one_all_ones_word)
{
	static const uint8_t z[] = {0xFF, 0xFF, 0xFF, 0xFF};
	uint8_t out[8];
	size_t got = 99;
	cr_assert_eq(hv_lz77_decompress(z, sizeof(z), out, sizeof(out), &got), 0);
	cr_assert_eq(got, 0);
}

/* Hand-assembled: 3 literals "abc", then one match at distance 3 with length 297 in the
 * byte-255 + u16 form (nibble 15, byte 255, u16 294 = 297 - 3), then a match flag with the
 * input exhausted. Decodes to "abc" x 100. */
Test(lz77, decodes_hand_assembled_u16_length)
{
	static const uint8_t z[] = {0xFF, 0xFF, 0xFF, 0x1F, 'a',  'b', 'c',
				    0x17, 0x00, 0x0F, 0xFF, 0x26, 0x01};
	uint8_t out[300];
	size_t got;
	cr_assert_eq(hv_lz77_decompress(z, sizeof(z), out, sizeof(out), &got), 0);
	cr_assert_eq(got, 300);
	for (size_t k = 0; k < 300; k++)
		cr_assert_eq(out[k], "abc"[k % 3]);
}

/* Two long matches share one length byte: low nibble for the first, high for the second. */
Test(lz77, shares_length_nibble_between_two_matches)
{
	/* flags: 1 literal, match, match, then end (1s) = 0b0 1 1 1... */
	static const uint8_t z[] = {0xFF, 0xFF, 0xFF, 0x7F,
				    'x',  0x07, 0x00, /* dist 1, len field 7 */
				    0x52,	      /* nibbles: first 2, second 5 */
				    0x07, 0x00};
	uint8_t out[64];
	size_t got;
	cr_assert_eq(hv_lz77_decompress(z, sizeof(z), out, sizeof(out), &got), 0);
	/* 1 + (2 + 7 + 3) + (5 + 7 + 3) */
	cr_assert_eq(got, 1 + 12 + 15);
	for (size_t k = 0; k < got; k++)
		cr_assert_eq(out[k], 'x');
}

static void expect_bad(const uint8_t *z, size_t n, size_t cap, const char *what)
{
	uint8_t *out = malloc(cap + 1);
	size_t got = 0;
	struct hv_lz77_fault f = {0};
	cr_assert(out);
	cr_assert_eq(hv_lz77_decompress_ex(z, n, out, cap, &got, &f), -EBADMSG,
		     "expected -EBADMSG (%s)", what);
	cr_assert(f.what && strstr(f.what, what), "fault \"%s\", expected \"%s\"",
		  f.what ? f.what : "(none)", what);
	cr_assert_eq(ref_decode(z, n, out, cap, &got), -EBADMSG);
	free(out);
}

Test(lz77, rejects_malformations)
{
	/* empty and short flag words */
	expect_bad((const uint8_t *)"", 0, 16, "truncated flag word");
	expect_bad((const uint8_t *)"\xFF\xFF", 2, 16, "truncated flag word");
	/* a literal flag with the input exhausted */
	expect_bad((const uint8_t *)"\x00\x00\x00\x00", 4, 16, "literal past end of input");
	/* literal past the output capacity */
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x3F"
				    "ab",
		   6, 1, "literal past end of output");
	/* back-reference before the start: first item is a match with distance 6 */
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\xFF\x28\x00", 6, 16,
		   "back-reference before output start");
	/* one literal, then distance 2 > 1 byte produced */
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x7F"
				    "a\x08\x00",
		   7, 16, "back-reference before output start");
	/* truncated match header (1 byte) */
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x7F"
				    "a\x08",
		   6, 16, "truncated match header");
	/* length fields cut short */
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x7F"
				    "a\x07\x00",
		   7, 64, "truncated length nibble");
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x7F"
				    "a\x07\x00\x0F",
		   8, 64, "truncated length byte");
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x7F"
				    "a\x07\x00\x0F\xFF\x01",
		   10, 64, "truncated 16-bit length");
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x7F"
				    "a\x07\x00\x0F\xFF\x00\x00\x01",
		   12, 64, "truncated 32-bit length");
	/* wide lengths below 22 */
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x7F"
				    "a\x07\x00\x0F\xFF\x15\x00",
		   11, 4096, "below 22");
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x7F"
				    "a\x07\x00\x0F\xFF\x00\x00\x15\x00\x00\x00",
		   15, 4096, "below 22");
	/* a 32-bit length of almost 4 GiB must not run: match past the output */
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x7F"
				    "a\x07\x00\x0F\xFF\x00\x00\xFF\xFF\xFF\xFF",
		   15, 4096, "match past end of output");
	/* an otherwise valid run that is one byte too long for dst */
	expect_bad((const uint8_t *)"\xFF\xFF\xFF\x7F"
				    "a\x00\x00",
		   7, 3, "match past end of output");
}

Test(lz77, rejects_stream_without_terminating_word)
{
	/* 32 literals fill the flag word exactly; Hyper-V then appends an all-ones word. Without
	 * it the decoder needs another flag word and must fail. */
	uint8_t data[32], z[64], out[32];
	size_t zlen, got;
	for (size_t k = 0; k < 32; k++)
		data[k] = (uint8_t)(k * 7);
	struct hv_lz77_enc_opts o = {.literals_only = true};
	cr_assert_eq(hv_lz77_compress(data, 32, z, sizeof(z), &zlen, &o), 0);
	cr_assert_eq(zlen, 40, "32 literals + 2 flag words");
	cr_assert_eq(vms_le32(z + 36), 0xFFFFFFFFu);
	cr_assert_eq(hv_lz77_decompress(z, zlen, out, 32, &got), 0);
	o.full_last_word = true;
	cr_assert_eq(hv_lz77_compress(data, 32, z, sizeof(z), &zlen, &o), 0);
	cr_assert_eq(zlen, 36);
	expect_bad(z, zlen, 32, "truncated flag word");
}

Test(lz77, every_truncation_fails_or_is_shorter)
{
	uint8_t page[PAGE], z[PAGE * 2], out[PAGE + 64];
	size_t zlen, got;
	hv_test_oslike_pages(page, 1, 3);
	cr_assert_eq(hv_lz77_compress(page, PAGE, z, sizeof(z), &zlen, NULL), 0);
	for (size_t n = 0; n < zlen; n++) {
		memset(out + PAGE, 0xCC, 64);
		const int rc = hv_lz77_decompress(z, n, out, PAGE, &got);
		cr_assert(rc == -EBADMSG || (rc == 0 && got < PAGE), "prefix %zu decoded fully", n);
		for (size_t k = 0; k < 64; k++)
			cr_assert_eq(out[PAGE + k], 0xCC);
	}
}

/* Differential: random mutations of valid streams; the fast decoder and the reference
 * must agree on success, length and bytes, and the fast one never writes past dst_cap. */
Test(lz77, fast_decoder_matches_reference_on_mutations)
{
	uint8_t page[PAGE], z[PAGE * 2], a[PAGE + 64], b[PAGE];
	uint64_t rs = 12345;
	for (int iter = 0; iter < 3000; iter++) {
		size_t zlen, la = 0, lb = 0;
		hv_test_oslike_pages(page, 1, (uint64_t)iter % 50);
		cr_assert_eq(hv_lz77_compress(page, PAGE, z, sizeof(z), &zlen, NULL), 0);
		const int flips = 1 + (int)(hv_test_rand(&rs) % 4);
		for (int k = 0; k < flips; k++)
			z[hv_test_rand(&rs) % zlen] ^= (uint8_t)(1u << (hv_test_rand(&rs) % 8));
		const size_t cap = iter % 3 ? PAGE : (size_t)(hv_test_rand(&rs) % PAGE);
		memset(a + cap, 0xCC, 64);
		const int ra = hv_lz77_decompress(z, zlen, a, cap, &la);
		const int rb = ref_decode(z, zlen, b, cap, &lb);
		cr_assert_eq(ra, rb, "iteration %d: fast %d, reference %d", iter, ra, rb);
		for (size_t k = 0; k < 64; k++)
			cr_assert_eq(a[cap + k], 0xCC, "iteration %d wrote past dst_cap", iter);
		if (ra == 0) {
			cr_assert_eq(la, lb);
			cr_assert(memcmp(a, b, la) == 0, "iteration %d: output differs", iter);
		}
	}
}

Test(lz77, null_buffers_are_safe)
{
	size_t got;
	cr_assert_eq(hv_lz77_decompress(NULL, 0, NULL, 0, &got), -EBADMSG);
	static const uint8_t z[] = {0xFF, 0xFF, 0xFF, 0xFF};
	cr_assert_eq(hv_lz77_decompress(z, 4, NULL, 0, &got), 0);
	cr_assert_eq(got, 0);
}
