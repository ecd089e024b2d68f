/* Plain LZ77 decompression: hyperv-format.md §4.4, [MS-XCA] §2.4 [S: XCA; V: raf-test_file.bin].
 *
 * Flags are kept left-aligned in a 64-bit word with a sentinel 1-bit just below the last
 * valid flag, so a run of literals is one count-leading-zeros and one copy, and "flags
 * exhausted" is the word equal to the bare sentinel. Copies go wide (32-byte literal runs,
 * 8-byte match pieces, both may overshoot their item) while dst has slack, and byte by byte
 * in the last bytes, so every write stays inside dst_cap. A fast loop runs while the input
 * cannot end inside an item; the last input bytes are then staged in a padded local buffer
 * so the same item step finishes the page; the careful loop checks every read and only
 * finishes the stream (its end, or any item the staged step cannot complete).
 * Measurements: bench/README.md, "Plain LZ77 / RamBlock decoding". */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/bytes.h"
#include "formats/hyperv/lz77_plain.h"

/* Sentinel alone at the top: every flag of the current word has been used. */
#define FLAGS_EMPTY (1ull << 63)
/* Wide-copy slack: a fast copy may write this many bytes past the end of its item. */
#define COPY_SLACK 32u
/* Literal runs are at most 32 bytes (one flag word) and are copied as one 32-byte piece. */
#define LIT_FAST 32u
/* Fast-loop input margin: flag word 4 + literals 32 + match header 2 + length fields 8. */
#define FAST_IN 48u
/* [MS-XCA] §2.4.4: a 16- or 32-bit match length holds the length minus 3; values below
 * 15 + 7 would have fitted in the shorter forms and are invalid. */
#define LEN_WIDE_MIN 22u

/* Copies a match of `len` bytes at distance `dist`; may write up to COPY_SLACK bytes past
 * it. One straight path for every distance, since distances below 8 (runs, UTF-16, short
 * periods) mix unpredictably with longer ones:
 *  - the first 8 bytes are the 8 bytes at op - dist when dist >= 8, else the period's
 *    bytes repeated (multiplied by a constant with a 1 every `dist` bytes);
 *  - every later 8-byte piece is copied from d2 bytes back, where d2 is dist when
 *    dist >= 8, else the smallest multiple of the period that is >= 8: such a piece reads
 *    only bytes already final, and the output is periodic in d2.
 * Long single-byte runs (zero tails of pages) go to memset. (Selecting by masks instead of
 * the two conditionals below removed half the mispredictions but measured 30 % slower.) */
static inline void copy_match_fast(uint8_t *op, size_t dist, size_t len)
{
	static const uint64_t spread[8] = {
		0,
		0x0101010101010101ull,
		0x0001000100010001ull,
		0x0001000001000001ull,
		0x0000000100000001ull,
		0x0000010000000001ull,
		0x0001000000000001ull,
		0x0100000000000001ull,
	};
	static const uint8_t period_multiple[8] = {8, 8, 8, 9, 8, 10, 12, 14};
	if (len >= 64 && dist == 1) {
		memset(op, op[-1], len);
		return;
	}
	const uint64_t head = vms_le64(op - dist); /* bytes past op: in dst, masked off */
	const size_t small = dist < 8 ? dist : 0;
	const uint64_t mask = small ? (1ull << (8 * small)) - 1 : 0;
	const uint64_t first = small ? (head & mask) * spread[small] : head;
	const size_t d2 = small ? period_multiple[small] : dist;
	uint8_t piece[8];
	vms_put_le64(piece, first);
	memcpy(op, piece, 8);
	memcpy(op + 8, op + 8 - d2, 8);
	for (size_t k = 16; k < len; k += 8)
		memcpy(op + k, op + k - d2, 8);
}

/* Near the end of dst: copy all but the last COPY_SLACK bytes wide (their overshoot stays
 * inside dst), the rest byte by byte, overlap allowed (§4.4 step 6). Needs len <= room. A
 * long zero run often ends exactly at the page end. */
static inline void copy_match_tail(uint8_t *op, size_t dist, size_t len)
{
	if (len > COPY_SLACK) {
		copy_match_fast(op, dist, len - COPY_SLACK);
		op += len - COPY_SLACK;
		len = COPY_SLACK;
	}
	for (size_t k = 0; k < len; k++, op++)
		*op = op[-(ptrdiff_t)dist];
}

/* Extends the 3-bit length `len` of the match header just read (§4.4 steps 3-4) when at
 * least 8 input bytes follow *ip, so every length field is readable. Written to compile
 * branch-free: whether a match is long and whether a nibble is pending vary unpredictably.
 * Returns false for a 16/32-bit length below 22. */
static inline bool extend_len_fast(const uint8_t *src, const uint8_t **ipp, size_t *have_half,
				   size_t *half_pos, size_t *lenp)
{
	const uint8_t *ip = *ipp;
	size_t len = *lenp;
	const size_t is_long = len == 7;
	const size_t long_mask = (size_t)0 - is_long;
	const size_t ipos = (size_t)(ip - src);
	const size_t nib_pos = *have_half ? *half_pos : ipos;
	const size_t nib = (size_t)(src[nib_pos] >> (*have_half << 2)) & 15;
	const size_t take = is_long & (*have_half ^ 1);
	*half_pos += (ipos - *half_pos) & ((size_t)0 - take);
	*have_half ^= is_long; /* a long match opens or closes a shared byte */
	ip += take;
	len += nib & long_mask;
	if (__builtin_expect((nib & long_mask) == 15, 0)) {
		size_t extra = *ip++;
		if (extra == 255) {
			extra = vms_le16(ip);
			ip += 2;
			if (extra == 0) {
				extra = vms_le32(ip);
				ip += 4;
			}
			if (extra < LEN_WIDE_MIN)
				return false;
			extra -= LEN_WIDE_MIN;
		}
		len += extra;
	}
	*ipp = ip;
	*lenp = len + 3;
	return true;
}

int hv_lz77_decompress_ex(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
			  size_t *out_len, struct hv_lz77_fault *fault)
{
	static const uint8_t none[1];
	if (!src) /* NULL + 0 is undefined; an empty input fails below at the flag word */
		src = none, src_len = 0;
	if (!dst)
		dst = (uint8_t *)(uintptr_t)none, dst_cap = 0;
	const uint8_t *ip = src;
	const uint8_t *const src_end = src + src_len;
	uint8_t *op = dst;
	uint8_t *const dst_end = dst + dst_cap;
	/* the shared length byte whose high nibble is still unused, §4.4 step 3 */
	size_t have_half = 0, half_pos = 0;
	uint64_t flags = FLAGS_EMPTY;
	const uint8_t *item = ip;
	const char *what;

	/* Fast loop: while FAST_IN input and LIT_FAST output bytes remain, no flag word,
	 * literal copy or length field can pass an end (4 + 32 + 2 + 8 <= FAST_IN), so each
	 * item only needs the checks its values call for. The staged loop below goes on. */
	while ((size_t)(src_end - ip) >= FAST_IN && (size_t)(dst_end - op) >= LIT_FAST) {
		if (flags == FLAGS_EMPTY) {
			flags = (uint64_t)vms_le32(ip) << 32 | 1ull << 31;
			ip += 4;
		}
		const unsigned lits = (unsigned)__builtin_clzll(flags);
		memcpy(op, ip, LIT_FAST);
		ip += lits;
		op += lits;
		flags <<= lits;
		if (flags == FLAGS_EMPTY)
			continue;
		flags <<= 1;
		item = ip;
		const unsigned m = vms_le16(ip);
		ip += 2;
		const size_t dist = (m >> 3) + 1;
		size_t len = m & 7;
		if (!extend_len_fast(src, &ip, &have_half, &half_pos, &len)) {
			what = "16/32-bit match length below 22";
			goto fail;
		}
		if (dist > (size_t)(op - dst)) {
			what = "back-reference before output start";
			goto fail;
		}
		const size_t room = (size_t)(dst_end - op);
		if (len + COPY_SLACK <= room) { /* len < 2^33: no overflow */
			copy_match_fast(op, dist, len);
		} else {
			if (len > room) {
				what = "match past end of output";
				goto fail;
			}
			copy_match_tail(op, dist, len);
		}
		op += len;
	}

	/* Staged tail: the last < FAST_IN input bytes are copied into a zero-padded local buffer
	 * so the fast item step can go on to the end of the input instead of the careful loop
	 * (whose unpredictable branches cost ~30 mispredictions per page). Reads past the real
	 * end only see the padding; an item that used them, or that fails any check, is undone
	 * (state saved at each item start) and left to the careful loop, which then reports the
	 * same fault. Output checks stay exact. stage[0] holds a pending shared length byte
	 * that lies before the staged bytes. */
	if (ip < src_end && (size_t)(src_end - ip) < FAST_IN) {
		uint8_t stage[1 + FAST_IN + FAST_IN + 16];
		const size_t tail_start = src_len >= FAST_IN ? src_len - FAST_IN : 0;
		memset(stage + 1 + FAST_IN, 0, FAST_IN + 16);
		stage[0] = have_half ? src[half_pos] : 0;
		if (src_len >= FAST_IN) {
			memcpy(stage + 1, src + tail_start, FAST_IN);
		} else {
			memset(stage + 1, 0, FAST_IN);
			memcpy(stage + 1, src, src_len);
		}
		/* stage position p <-> src offset p - 1 + tail_start */
		const size_t orig_half = half_pos;
		const uint8_t *const s_end = stage + 1 + (src_len - tail_start);
		const uint8_t *sip = stage + 1 + ((size_t)(ip - src) - tail_start);
		size_t shalf = have_half && half_pos >= tail_start ? half_pos - tail_start + 1 : 0;
		const uint8_t *i0 = sip;
		uint8_t *o0 = op;
		uint64_t f0 = flags;
		size_t hh0 = have_half, hp0 = shalf;
		for (;;) {
			i0 = sip, o0 = op, f0 = flags, hh0 = have_half, hp0 = shalf;
			if (flags == FLAGS_EMPTY) {
				if ((size_t)(s_end - sip) < 4)
					break;
				flags = (uint64_t)vms_le32(sip) << 32 | 1ull << 31;
				sip += 4;
			}
			const unsigned lits = (unsigned)__builtin_clzll(flags);
			if (__builtin_expect((size_t)(dst_end - op) >= LIT_FAST, 1)) {
				memcpy(op, sip, LIT_FAST);
			} else {
				if (lits > (size_t)(dst_end - op))
					break;
				memcpy(op, sip, lits); /* sip + lits stays inside stage */
			}
			sip += lits;
			op += lits;
			flags <<= lits;
			if (sip >= s_end) {
				if (sip == s_end) {
					i0 = sip, o0 = op, f0 = flags, hh0 = have_half, hp0 = shalf;
				}
				break; /* end of input, or literal past it: careful loop decides */
			}
			if (flags == FLAGS_EMPTY)
				continue;
			flags <<= 1;
			const unsigned m = vms_le16(sip);
			sip += 2;
			const size_t dist = (m >> 3) + 1;
			size_t len = m & 7;
			if (!extend_len_fast(stage, &sip, &have_half, &shalf, &len) ||
			    sip > s_end || dist > (size_t)(op - dst))
				break;
			const size_t room = (size_t)(dst_end - op);
			if (len + COPY_SLACK <= room) {
				copy_match_fast(op, dist, len);
			} else {
				if (len > room)
					break;
				copy_match_tail(op, dist, len);
			}
			op += len;
		}
		/* back to the state at the start of the unfinished item, in src coordinates */
		ip = src + tail_start + (size_t)(i0 - (stage + 1));
		op = o0;
		flags = f0;
		have_half = hh0;
		half_pos = hp0 ? hp0 - 1 + tail_start : orig_half;
	}

	for (;;) {
		if (flags == FLAGS_EMPTY) {
			item = ip;
			if ((size_t)(src_end - ip) < 4) {
				what = "truncated flag word";
				goto fail;
			}
			flags = (uint64_t)vms_le32(ip) << 32 | 1ull << 31;
			ip += 4;
		}

		/* A literal run (possibly empty: the common match-after-match case costs no
		 * branch), then a match. */
		const unsigned lits = (unsigned)__builtin_clzll(flags);
		if ((size_t)(src_end - ip) >= LIT_FAST && (size_t)(dst_end - op) >= LIT_FAST) {
			memcpy(op, ip, LIT_FAST);
		} else if (lits) {
			item = ip;
			if ((size_t)(src_end - ip) < lits) {
				what = "literal past end of input";
				goto fail;
			}
			if ((size_t)(dst_end - op) < lits) {
				what = "literal past end of output";
				goto fail;
			}
			memcpy(op, ip, lits);
		}
		ip += lits;
		op += lits;
		flags <<= lits;
		if (flags == FLAGS_EMPTY)
			continue; /* the run used the word up: reload, maybe more literals */

		/* A match flag. */
		flags <<= 1;
		item = ip;
		if (ip == src_end)
			break; /* normal end: §4.4 step 1 */
		if ((size_t)(src_end - ip) < 2) {
			what = "truncated match header";
			goto fail;
		}
		const unsigned m = vms_le16(ip);
		ip += 2;
		const size_t dist = (m >> 3) + 1;
		size_t len = m & 7;
		if ((size_t)(src_end - ip) >= 8) {
			if (!extend_len_fast(src, &ip, &have_half, &half_pos, &len)) {
				what = "16/32-bit match length below 22";
				goto fail;
			}
		} else if (len == 7) {
			if (!have_half) {
				if (ip == src_end) {
					what = "truncated length nibble";
					goto fail;
				}
				half_pos = (size_t)(ip - src);
				len = *ip++ & 15;
			} else {
				len = src[half_pos] >> 4;
			}
			have_half ^= 1;
			if (len == 15) {
				if (ip == src_end) {
					what = "truncated length byte";
					goto fail;
				}
				len = *ip++;
				if (len == 255) {
					if ((size_t)(src_end - ip) < 2) {
						what = "truncated 16-bit length";
						goto fail;
					}
					len = vms_le16(ip);
					ip += 2;
					if (len == 0) {
						if ((size_t)(src_end - ip) < 4) {
							what = "truncated 32-bit length";
							goto fail;
						}
						len = vms_le32(ip);
						ip += 4;
					}
					if (len < LEN_WIDE_MIN) {
						what = "16/32-bit match length below 22";
						goto fail;
					}
					len -= LEN_WIDE_MIN;
				}
				len += 15;
			}
			len += 10; /* 7, plus the minimum match of 3 */
		} else {
			len += 3;
		}

		if (dist > (size_t)(op - dst)) {
			what = "back-reference before output start";
			goto fail;
		}
		const size_t room = (size_t)(dst_end - op);
		if (len > room) {
			what = "match past end of output";
			goto fail;
		}
		if (room - len >= COPY_SLACK)
			copy_match_fast(op, dist, len);
		else
			copy_match_tail(op, dist, len);
		op += len;
	}

	*out_len = (size_t)(op - dst);
	return 0;
fail:
	if (fault) {
		fault->what = what;
		fault->src_pos = (size_t)(item - src);
		fault->dst_pos = (size_t)(op - dst);
	}
	return -EBADMSG;
}

int hv_lz77_decompress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
		       size_t *out_len)
{
	return hv_lz77_decompress_ex(src, src_len, dst, dst_cap, out_len, NULL);
}
