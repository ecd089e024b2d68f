/* RamBlock page-token decoder: hyperv-format.md §4.1-4.3 (our pseudocode in §4.3), with
 * Plain LZ77 pages per §4.4. Every token is bounds-checked against the value and the 1 MiB
 * output before anything is written. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "core/bytes.h"
#include "core/error.h"
#include "formats/hyperv/lz77_plain.h"
#include "formats/hyperv/ramblock_decode.h"

const char *hv_token_kind_name(enum hv_token_kind kind)
{
	switch (kind) {
	case HV_TOK_END:
		return "end";
	case HV_TOK_FILL_PAGE:
		return "fill-page";
	case HV_TOK_FILL_PAGES:
		return "fill-pages";
	case HV_TOK_EXPLICIT:
		return "explicit-length";
	case HV_TOK_RAW_PAGE:
		return "raw-page";
	case HV_TOK_LZ77_PAGE:
		return "lz77-page";
	case HV_TOK_KIND_COUNT:
		break;
	}
	return "unknown";
}

/* Fill `len` bytes (a multiple of 8) with the 8 pattern bytes as stored: the u64 is little
 * endian, so byte k of the page is stored byte k % 8 [V: raf-test_file.bin]. */
static void fill_pattern(uint8_t *dst, const uint8_t *pat, size_t len)
{
	if (!memcmp(pat, pat + 1, 7)) {
		memset(dst, pat[0], len);
		return;
	}
	uint8_t wide[64];
	for (size_t k = 0; k < sizeof(wide); k += 8)
		memcpy(wide + k, pat, 8);
	for (size_t off = 0; off < len; off += sizeof(wide))
		memcpy(dst + off, wide, sizeof(wide));
}

static int lz77_into(const uint8_t *src, size_t stored, uint8_t *dst, size_t want, uint32_t tag,
		     size_t tok_off, struct vms_error *err)
{
	struct hv_lz77_fault f;
	size_t got;
	if (hv_lz77_decompress_ex(src, stored, dst, want, &got, &f) != 0)
		return vms_fail(err, -EBADMSG,
				"RamBlock token %#" PRIx32 " at +%#zx: Plain LZ77 data: %s "
				"(input +%#zx, output +%#zx)",
				tag, tok_off, f.what, f.src_pos, f.dst_pos);
	if (got != want)
		return vms_fail(err, -EBADMSG,
				"RamBlock token %#" PRIx32 " at +%#zx: Plain LZ77 data decodes to "
				"%zu bytes, expected %zu",
				tag, tok_off, got, want);
	return 0;
}

int hv_ramblock_decode_ex(const uint8_t *src, size_t src_len, uint8_t *dst, uint32_t flags,
			  struct hv_ramblock_stats *stats, struct vms_error *err)
{
	struct hv_ramblock_stats local = {0};
	if (!stats)
		stats = &local;
	if ((!src && src_len) || !dst)
		return vms_fail(err, -EINVAL, "RamBlock decode: NULL buffer");
	if (src_len == HV_RAMBLOCK_SIZE) {
		/* §4.1: a value of exactly 1 MiB is raw memory */
		memcpy(dst, src, HV_RAMBLOCK_SIZE);
		stats->raw_blocks++;
		return 0;
	}

	struct vms_rd r = vms_rd_init(src, src_len);
	size_t produced = 0;
	for (;;) {
		const size_t tok_off = r.pos;
		const size_t room = HV_RAMBLOCK_SIZE - produced;
		uint32_t tag;
		if (vms_rd_u32le(&r, &tag) != 0)
			return vms_fail(err, -EBADMSG,
					"RamBlock at +%#zx: stream ends without an end token "
					"(%zu of %u bytes produced)",
					tok_off, produced, HV_RAMBLOCK_SIZE);

		if (tag == HV_TOKEN_END) {
			stats->tokens[HV_TOK_END]++;
			break;
		}
		if (tag == HV_TOKEN_FILL_PAGE || tag == HV_TOKEN_FILL_PAGES) {
			const uint8_t *pat;
			uint32_t n = 1;
			const bool multi = tag == HV_TOKEN_FILL_PAGES;
			if (vms_rd_bytes(&r, 8, &pat) != 0 || (multi && vms_rd_u32le(&r, &n) != 0))
				return vms_fail(err, -EBADMSG,
						"RamBlock token %#" PRIx32 " at +%#zx: truncated "
						"(needs %u bytes, %zu left)",
						tag, tok_off, multi ? 16u : 12u, src_len - tok_off);
			if (n > room / HV_RAMBLOCK_PAGE)
				return vms_fail(err, -EBADMSG,
						"RamBlock token %#" PRIx32 " at +%#zx: %" PRIu32
						" pages overrun the block (%zu pages left)",
						tag, tok_off, n, room / HV_RAMBLOCK_PAGE);
			fill_pattern(dst + produced, pat, (size_t)n * HV_RAMBLOCK_PAGE);
			produced += (size_t)n * HV_RAMBLOCK_PAGE;
			stats->tokens[multi ? HV_TOK_FILL_PAGES : HV_TOK_FILL_PAGE]++;
			if (multi)
				stats->fill_pages += n;
			continue;
		}

		size_t out_len, stored;
		enum hv_token_kind kind;
		if (tag == HV_TOKEN_EXPLICIT) {
			uint32_t u, s;
			if (vms_rd_u32le(&r, &u) != 0 || vms_rd_u32le(&r, &s) != 0)
				return vms_fail(err, -EBADMSG,
						"RamBlock token %#" PRIx32 " at +%#zx: truncated "
						"size fields (needs 12 bytes, %zu left)",
						tag, tok_off, src_len - tok_off);
			if (u > room)
				return vms_fail(
					err, -EBADMSG,
					"RamBlock token %#" PRIx32 " at +%#zx: uncompressed "
					"size %" PRIu32 " overruns the block (%zu bytes left)",
					tag, tok_off, u, room);
			out_len = u;
			stored = s;
			kind = HV_TOK_EXPLICIT;
		} else if (tag >= 1 && tag <= HV_TOKEN_PAGE_MAX) {
			if (room == 0)
				return vms_fail(err, -EBADMSG,
						"RamBlock token %#" PRIx32 " at +%#zx: page past "
						"the end of the 1 MiB block",
						tag, tok_off);
			out_len = HV_RAMBLOCK_PAGE;
			stored = tag;
			kind = tag == HV_TOKEN_PAGE_MAX ? HV_TOK_RAW_PAGE : HV_TOK_LZ77_PAGE;
		} else {
			return vms_fail(err, -EBADMSG,
					"RamBlock token %#" PRIx32 " at +%#zx: invalid tag (§4.2)",
					tag, tok_off);
		}

		const uint8_t *data;
		if (vms_rd_bytes(&r, stored, &data) != 0)
			return vms_fail(err, -EBADMSG,
					"RamBlock token %#" PRIx32 " at +%#zx: stored size %zu "
					"overruns the value (%zu bytes left)",
					tag, tok_off, stored, src_len - tok_off);
		if (stored == out_len) {
			memcpy(dst + produced, data, stored);
		} else {
			const int rc =
				lz77_into(data, stored, dst + produced, out_len, tag, tok_off, err);
			if (rc != 0)
				return rc;
		}
		produced += out_len;
		stats->tokens[kind]++;
	}

	if (produced != HV_RAMBLOCK_SIZE)
		return vms_fail(err, -EBADMSG,
				"RamBlock end token at +%#zx: %zu of %u bytes produced", r.pos - 4,
				produced, HV_RAMBLOCK_SIZE);
	stats->trailing_bytes += vms_rd_left(&r);
	if ((flags & HV_RAMBLOCK_STRICT) && vms_rd_left(&r))
		return vms_fail(err, -EBADMSG,
				"RamBlock end token at +%#zx: %zu bytes follow it (strict mode)",
				r.pos - 4, vms_rd_left(&r));
	return 0;
}

int hv_ramblock_decode(const uint8_t *src, size_t src_len, uint8_t *dst, struct vms_error *err)
{
	return hv_ramblock_decode_ex(src, src_len, dst, 0, NULL, err);
}
