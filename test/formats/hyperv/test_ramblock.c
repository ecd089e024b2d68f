/* RamBlock token decoder (hyperv-format.md §4.1-4.3): every token kind through the test
 * encoder, every malformation with its message, and the real raf-test_file.bin (§4.6, §10). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bytes.h"
#include "formats/hyperv/bin_container.h"
#include "formats/hyperv/ramblock_decode.h"
#include "support/lz77_compress.h"
#include "support/oslike_memory.h"
#include "support/ramblock_encode.h"
#include "support/test_support.h"

#define MIB HV_RAMBLOCK_SIZE
#define PAGE HV_RAMBLOCK_PAGE
#define PAGES 256u

static uint8_t *block_in, *block_out;

static void setup(void)
{
	block_in = malloc(MIB);
	block_out = malloc(MIB);
	cr_assert(block_in && block_out);
	/* a mix: OS-like pages, zero pages, pattern pages, one incompressible page */
	hv_test_oslike_pages(block_in, PAGES, 5);
	for (size_t p = 0; p < PAGES; p += 3)
		memset(block_in + p * PAGE, 0, PAGE);
	for (size_t p = 100; p < 110; p++)
		for (size_t k = 0; k < PAGE; k += 8)
			vms_put_le64(block_in + p * PAGE + k, 0x1122334455667788ull);
	uint64_t rs = 1;
	for (size_t k = 0; k < PAGE; k++)
		block_in[200 * PAGE + k] = (uint8_t)hv_test_rand(&rs);
}

static void teardown(void)
{
	free(block_in);
	free(block_out);
}

TestSuite(ramblock, .init = setup, .fini = teardown);

static void decode_ok(const struct hv_tokbuf *b, struct hv_ramblock_stats *st)
{
	struct vms_error err = {0};
	memset(block_out, 0xA5, MIB);
	const int rc = hv_ramblock_decode_ex(b->p, b->len, block_out, HV_RAMBLOCK_STRICT, st, &err);
	cr_assert_eq(rc, 0, "decode: %s", err.msg);
	cr_assert(memcmp(block_out, block_in, MIB) == 0, "decoded block differs");
}

Test(ramblock, raw_block_of_exactly_one_mib)
{
	struct hv_tokbuf b = {0};
	struct hv_ramblock_enc_opts o = {.raw_block = true};
	struct hv_ramblock_stats st = {0};
	cr_assert_eq(hv_ramblock_encode(block_in, &o, &b, NULL), 0);
	cr_assert_eq(b.len, MIB);
	decode_ok(&b, &st);
	cr_assert_eq(st.raw_blocks, 1);
	hv_tokbuf_free(&b);
}

Test(ramblock, auto_policy_round_trip_and_stats)
{
	struct hv_tokbuf b = {0};
	struct hv_ramblock_enc_stats es = {0};
	struct hv_ramblock_stats st = {0};
	cr_assert_eq(hv_ramblock_encode(block_in, NULL, &b, &es), 0);
	decode_ok(&b, &st);
	for (int k = 0; k < HV_TOK_KIND_COUNT; k++)
		cr_assert_eq(st.tokens[k], es.tokens[k], "kind %s", hv_token_kind_name(k));
	cr_assert_eq(st.tokens[HV_TOK_END], 1);
	cr_assert_eq(st.tokens[HV_TOK_RAW_PAGE], 1, "the random page stays raw");
	cr_assert_gt(st.tokens[HV_TOK_LZ77_PAGE], 100);
	cr_assert_gt(st.tokens[HV_TOK_FILL_PAGE], 80);
	cr_assert_eq(st.trailing_bytes, 0);
	hv_tokbuf_free(&b);
}

Test(ramblock, merged_fills_use_fill_pages_token)
{
	struct hv_tokbuf b = {0};
	struct hv_ramblock_enc_opts o = {.merge_fills = true};
	struct hv_ramblock_stats st = {0};
	cr_assert_eq(hv_ramblock_encode(block_in, &o, &b, NULL), 0);
	decode_ok(&b, &st);
	cr_assert_geq(st.tokens[HV_TOK_FILL_PAGES], 1);
	cr_assert_geq(st.fill_pages, 10, "pages 100..109 share one pattern");
	hv_tokbuf_free(&b);
}

Test(ramblock, every_token_kind_in_one_block)
{
	static enum hv_page_enc kinds[PAGES];
	static const enum hv_page_enc cycle[] = {HV_PAGE_RAW, HV_PAGE_EXPLICIT_RAW,
						 HV_PAGE_EXPLICIT_LZ77, HV_PAGE_AUTO};
	for (size_t p = 0; p < PAGES; p++)
		kinds[p] = cycle[p % 4];
	for (size_t p = 0; p < PAGES; p += 3) /* the zero pages */
		kinds[p] = p % 2 ? HV_PAGE_FILL : HV_PAGE_FILL_RUN;
	for (size_t p = 100; p < 110; p++)
		kinds[p] = HV_PAGE_FILL_RUN;
	for (size_t p = 120; p < 130; p++)
		if (kinds[p] != HV_PAGE_FILL && kinds[p] != HV_PAGE_FILL_RUN)
			kinds[p] = HV_PAGE_LZ77;
	struct hv_tokbuf b = {0};
	struct hv_ramblock_enc_opts o = {.pages = kinds};
	struct hv_ramblock_enc_stats es = {0};
	struct hv_ramblock_stats st = {0};
	cr_assert_eq(hv_ramblock_encode(block_in, &o, &b, &es), 0);
	decode_ok(&b, &st);
	for (int k = 0; k < HV_TOK_KIND_COUNT; k++) {
		cr_assert_gt(st.tokens[k], 0, "kind %s missing", hv_token_kind_name(k));
		cr_assert_eq(st.tokens[k], es.tokens[k], "kind %s", hv_token_kind_name(k));
	}
	hv_tokbuf_free(&b);
}

Test(ramblock, encoder_refuses_impossible_choices)
{
	static enum hv_page_enc kinds[PAGES];
	struct hv_tokbuf b = {0};
	struct hv_ramblock_enc_opts o = {.pages = kinds};
	kinds[1] = HV_PAGE_FILL; /* page 1 is OS-like, not a fill */
	cr_assert_eq(hv_ramblock_encode(block_in, &o, &b, NULL), -EINVAL);
	kinds[1] = HV_PAGE_AUTO;
	kinds[200] = HV_PAGE_LZ77; /* random page does not shrink */
	b.len = 0;
	cr_assert_eq(hv_ramblock_encode(block_in, &o, &b, NULL), -EINVAL);
	hv_tokbuf_free(&b);
}

/* Explicit-length tokens may produce sizes that are not a page: 100 + 4096*255 + 3996. */
Test(ramblock, explicit_tokens_with_unaligned_sizes)
{
	struct hv_tokbuf b = {0};
	uint8_t z[PAGE * 2];
	size_t zlen;
	hv_tok_explicit(&b, 100, block_in, 100);
	for (size_t p = 0; p < 255; p++)
		hv_tok_explicit(&b, PAGE, block_in + 100 + p * PAGE, PAGE);
	const size_t rest = MIB - 100 - 255 * PAGE;
	cr_assert_eq(hv_lz77_compress(block_in + MIB - rest, rest, z, sizeof(z), &zlen, NULL), 0);
	hv_tok_explicit(&b, (uint32_t)rest, z, (uint32_t)zlen);
	hv_tok_end(&b);
	decode_ok(&b, NULL);
	hv_tokbuf_free(&b);
}

static void expect_bad(const struct hv_tokbuf *b, uint32_t flags, const char *needle)
{
	struct vms_error err = {0};
	const int rc = hv_ramblock_decode_ex(b->p, b->len, block_out, flags, NULL, &err);
	cr_assert_eq(rc, -EBADMSG, "expected -EBADMSG for \"%s\", got %d (%s)", needle, rc,
		     err.msg);
	cr_assert_eq(err.code, -EBADMSG);
	cr_assert(strstr(err.msg, needle), "message \"%s\" lacks \"%s\"", err.msg, needle);
}

/* Fills: pages fill pages, then the end token. */
static void fills(struct hv_tokbuf *b, uint32_t pages)
{
	if (pages)
		hv_tok_fill_pages(b, 0, pages);
}

Test(ramblock, rejects_invalid_tags)
{
	static const uint32_t bad[] = {0, 0x1001, 0x12345678, 0xFFFFFFFB};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct hv_tokbuf b = {0};
		fills(&b, 5);
		hv_tokbuf_u32(&b, bad[k]);
		hv_tokbuf_put(&b, block_in, 8192);
		expect_bad(&b, 0, "invalid tag");
		expect_bad(&b, 0, "at +0x10"); /* the offset of the bad token */
		hv_tokbuf_free(&b);
	}
}

Test(ramblock, rejects_truncated_tokens)
{
	struct hv_tokbuf b = {0};
	hv_tok_fill_page(&b, 7);
	b.len -= 1;
	expect_bad(&b, 0, "truncated");
	b.len = 0;
	hv_tok_fill_pages(&b, 7, 256);
	b.len -= 1;
	expect_bad(&b, 0, "truncated");
	b.len = 0;
	hv_tokbuf_u32(&b, HV_TOKEN_EXPLICIT);
	hv_tokbuf_u32(&b, 4096);
	expect_bad(&b, 0, "truncated size fields");
	b.len = 0;
	hv_tok_page(&b, block_in, PAGE);
	b.len -= 1;
	expect_bad(&b, 0, "overruns the value");
	b.len = 0;
	hv_tok_explicit(&b, PAGE, block_in, PAGE);
	b.len -= 10;
	expect_bad(&b, 0, "overruns the value");
	b.len = 0;
	hv_tokbuf_put(&b, "\xFF\xFF", 2);
	expect_bad(&b, 0, "without an end token");
	hv_tokbuf_free(&b);
}

Test(ramblock, rejects_output_overruns)
{
	struct hv_tokbuf b = {0};
	hv_tok_fill_pages(&b, 0, 257);
	expect_bad(&b, 0, "257 pages overrun");
	b.len = 0;
	hv_tok_fill_pages(&b, 0, 0xFFFFFFFFu); /* count * 4096 would overflow 32 bits */
	expect_bad(&b, 0, "overrun the block");
	b.len = 0;
	fills(&b, 256);
	hv_tok_fill_page(&b, 0);
	expect_bad(&b, 0, "1 pages overrun");
	b.len = 0;
	fills(&b, 256);
	hv_tok_page(&b, block_in, PAGE);
	expect_bad(&b, 0, "page past the end");
	b.len = 0;
	fills(&b, 255);
	hv_tok_explicit(&b, PAGE + 1, block_in, PAGE + 1);
	expect_bad(&b, 0, "uncompressed size 4097 overruns");
	b.len = 0;
	hv_tok_explicit(&b, 0xFFFFFFFFu, block_in, 16);
	expect_bad(&b, 0, "overruns the block");
	hv_tokbuf_free(&b);
}

Test(ramblock, rejects_short_or_unterminated_blocks)
{
	struct hv_tokbuf b = {0};
	fills(&b, 255);
	hv_tok_end(&b);
	expect_bad(&b, 0, "1044480 of 1048576 bytes produced");
	b.len = 0;
	fills(&b, 256);
	expect_bad(&b, 0, "without an end token");
	b.len = 0;
	hv_tok_end(&b);
	expect_bad(&b, 0, "0 of 1048576");
	b.len = 0;
	expect_bad(&b, 0, "without an end token"); /* empty value */
	hv_tokbuf_free(&b);
}

Test(ramblock, rejects_bad_lz77_pages)
{
	uint8_t z[PAGE * 2];
	size_t zlen;
	struct hv_tokbuf b = {0};
	/* a valid stream for 4000 bytes in a page token: decodes short */
	cr_assert_eq(hv_lz77_compress(block_in, 4000, z, sizeof(z), &zlen, NULL), 0);
	fills(&b, 10);
	hv_tok_page(&b, z, (uint32_t)zlen);
	expect_bad(&b, 0, "decodes to 4000 bytes, expected 4096");
	/* a stream that would produce more than the page */
	b.len = 0;
	cr_assert_eq(hv_lz77_compress(block_in, 4200, z, sizeof(z), &zlen, NULL), 0);
	hv_tok_page(&b, z, (uint32_t)zlen);
	expect_bad(&b, 0, "past end of output");
	/* a back-reference before the page start: earlier pages must not be reachable */
	b.len = 0;
	fills(&b, 1);
	hv_tok_page(&b, "\xFF\xFF\xFF\xFF\x00\x00", 6);
	expect_bad(&b, 0, "back-reference before output start");
	expect_bad(&b, 0, "token 0x6 at +0x10");
	/* explicit token with S != U and garbage */
	b.len = 0;
	hv_tok_explicit(&b, PAGE, "\x00\x00\x00\x00", 4);
	expect_bad(&b, 0, "literal past end of input");
	hv_tokbuf_free(&b);
}

Test(ramblock, trailing_bytes_tolerated_unless_strict)
{
	struct hv_tokbuf b = {0};
	struct hv_ramblock_enc_opts o = {.trailing_bytes = 5};
	struct hv_ramblock_stats st = {0};
	struct vms_error err = {0};
	cr_assert_eq(hv_ramblock_encode(block_in, &o, &b, NULL), 0);
	cr_assert_eq(hv_ramblock_decode_ex(b.p, b.len, block_out, 0, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(st.trailing_bytes, 5);
	cr_assert(memcmp(block_out, block_in, MIB) == 0);
	expect_bad(&b, HV_RAMBLOCK_STRICT, "5 bytes follow it");
	hv_tokbuf_free(&b);
}

Test(ramblock, every_truncation_fails_cleanly)
{
	static enum hv_page_enc kinds[PAGES];
	for (size_t p = 0; p < PAGES; p++)
		kinds[p] = p < 250 ? HV_PAGE_FILL_RUN : HV_PAGE_AUTO;
	memset(block_in, 0, 250 * PAGE);
	struct hv_tokbuf b = {0};
	struct hv_ramblock_enc_opts o = {.pages = kinds};
	cr_assert_eq(hv_ramblock_encode(block_in, &o, &b, NULL), 0);
	for (size_t n = 0; n < b.len; n++) {
		struct vms_error err = {0};
		cr_assert_eq(hv_ramblock_decode(b.p, n, block_out, &err), -EBADMSG, "prefix %zu",
			     n);
	}
	hv_tokbuf_free(&b);
}

Test(ramblock, encoder_rejects_stream_of_exactly_one_mib)
{
	/* 255 raw pages (255 * 4100) + end + filler bytes chosen to hit exactly 1 MiB */
	static enum hv_page_enc kinds[PAGES];
	for (size_t p = 0; p < PAGES; p++)
		kinds[p] = p < 255 ? HV_PAGE_RAW : HV_PAGE_FILL;
	memset(block_in + 255 * PAGE, 0, PAGE);
	struct hv_tokbuf b = {0};
	struct hv_ramblock_enc_opts o = {.pages = kinds};
	cr_assert_eq(hv_ramblock_encode(block_in, &o, &b, NULL), 0);
	o.trailing_bytes = MIB - b.len;
	b.len = 0;
	cr_assert_eq(hv_ramblock_encode(block_in, &o, &b, NULL), -EINVAL);
	hv_tokbuf_free(&b);
}

Test(ramblock, null_arguments)
{
	struct vms_error err = {0};
	cr_assert_eq(hv_ramblock_decode(NULL, 4, block_out, &err), -EINVAL);
	cr_assert_eq(hv_ramblock_decode(block_in, 4, NULL, &err), -EINVAL);
	cr_assert_eq(hv_ramblock_decode(NULL, 0, block_out, NULL), -EBADMSG);
}

/* ---- the real sample (§4.6, §10) ---- */

static int pread_fd(void *ctx, void *buf, size_t len, uint64_t off)
{
	return pread(*(const int *)ctx, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

Test(ramblock_real, raf_test_file_decodes_with_exact_token_counts)
{
	VMS_REQUIRE_FIXTURE(path, "hyperv/raf-test_file.bin");
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	struct vms_io io = {pread_fd, (uint64_t)lseek(fd, 0, SEEK_END), &fd, path};
	struct hv_bin_index *idx = NULL;
	struct vms_error err = {0};
	cr_assert_eq(hv_bin_open(&io, NULL, &idx, &err), 0, "%s", err.msg);
	cr_assert_eq(idx->block_span, 252);
	uint8_t *mem = malloc((size_t)252 * MIB);
	cr_assert(mem);
	struct hv_ramblock_stats st = {0};
	for (uint64_t n = 0; n < 252; n++) {
		uint64_t off;
		uint32_t len;
		cr_assert_eq(hv_bin_block(idx, n, &off, &len), 0);
		uint8_t *v = malloc(len);
		cr_assert(v);
		cr_assert_eq(pread_fd(&fd, v, len, off), 0);
		/* strict: every real block is consumed exactly (§4.6) */
		cr_assert_eq(
			hv_ramblock_decode_ex(v, len, mem + n * MIB, HV_RAMBLOCK_STRICT, &st, &err),
			0, "block %llu: %s", (unsigned long long)n, err.msg);
		free(v);
	}
	cr_assert_eq(st.tokens[HV_TOK_FILL_PAGE], 64321);
	cr_assert_eq(st.tokens[HV_TOK_LZ77_PAGE], 185);
	cr_assert_eq(st.tokens[HV_TOK_RAW_PAGE], 6);
	cr_assert_eq(st.tokens[HV_TOK_END], 252);
	cr_assert_eq(st.tokens[HV_TOK_FILL_PAGES], 0);
	cr_assert_eq(st.tokens[HV_TOK_EXPLICIT], 0);
	cr_assert_eq(st.raw_blocks, 0);
	cr_assert_eq(st.trailing_bytes, 0);

	/* identity GPA mapping for this single-range VM (§3.4, §4.6). These bytes come out of
	 * Plain LZ77 pages: an LZNT1 "fix" of the codec would break them (§4.5). */
	cr_assert_eq(vms_le32(mem + 0xC0FFE), 75826887u);
	cr_assert_eq(vms_le32(mem + 0xC0FFE + 4), 1235222542u);
	cr_assert_eq(vms_le32(mem + 0xC0FFE + 8), 3439375364u);
	cr_assert(memcmp(mem + 0xFFFF0,
			 "\xEA\x5B\xE0\x00\xF0"
			 "11/12/18",
			 13) == 0);
	cr_assert(memcmp(mem + 0xC0088, "(C) COPYRIGHT IBM 1994", 22) == 0);
	free(mem);
	hv_bin_free(idx);
	close(fd);
}
