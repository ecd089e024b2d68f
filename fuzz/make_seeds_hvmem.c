/* Writes the synthetic seeds of fuzz/corpus/{fuzz_lz77,fuzz_ramblock,fuzz_bin_open}/ with the
 * test encoders (never from the fixtures). Run: make_seeds_hvmem <fuzz/corpus dir>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/hv_bin_builder.h"
#include "support/lz77_compress.h"
#include "support/oslike_memory.h"
#include "support/ramblock_encode.h"

#define PAGE 4096u
#define MIB (1u << 20)

static const char *dir;

static void put(const char *harness, const char *name, const void *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", dir, harness, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void lz77_seed(const char *name, const uint8_t *src, size_t n,
		      const struct hv_lz77_enc_opts *o)
{
	uint8_t *z = malloc(hv_lz77_compress_bound(n));
	size_t zlen;
	if (!z || hv_lz77_compress(src, n, z, hv_lz77_compress_bound(n), &zlen, o) != 0)
		exit(1);
	put("fuzz_lz77", name, z, zlen);
	free(z);
}

/* A block of fill pages with a few pages of each stored kind. */
static void mixed_block(uint8_t *block, enum hv_page_enc *kinds)
{
	memset(block, 0, MIB);
	hv_test_oslike_pages(block + 8 * PAGE, 4, 3);
	for (size_t p = 0; p < 256; p++)
		kinds[p] = p < 8 ? HV_PAGE_FILL : HV_PAGE_FILL_RUN;
	kinds[8] = HV_PAGE_LZ77;
	kinds[9] = HV_PAGE_RAW;
	kinds[10] = HV_PAGE_EXPLICIT_LZ77;
	kinds[11] = HV_PAGE_EXPLICIT_RAW;
	kinds[12] = HV_PAGE_FILL; /* zero again: breaks the run */
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s fuzz/corpus\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	uint8_t *block = malloc(MIB);
	enum hv_page_enc kinds[256];
	if (!block)
		return 1;

	/* fuzz_lz77 */
	hv_test_oslike_pages(block, 4, 1);
	lz77_seed("oslike_page", block, PAGE, NULL);
	lz77_seed("oslike_short_matches", block + PAGE, PAGE,
		  &(struct hv_lz77_enc_opts){.max_match = 12});
	lz77_seed("literals", block + 2 * PAGE, 200,
		  &(struct hv_lz77_enc_opts){.literals_only = true});
	memset(block, 0, 70000);
	lz77_seed("zero_run_u32_length", block, 70000, NULL);
	lz77_seed("zero_page", block, PAGE, NULL);
	for (size_t k = 0; k < PAGE; k++)
		block[k] = (uint8_t)(k % 3 + k % 7);
	lz77_seed("short_periods", block, PAGE, NULL);

	/* fuzz_ramblock */
	struct hv_tokbuf b = {0};
	mixed_block(block, kinds);
	if (hv_ramblock_encode(block, &(struct hv_ramblock_enc_opts){.pages = kinds}, &b, NULL))
		return 1;
	put("fuzz_ramblock", "every_kind", b.p, b.len);
	b.len = 0;
	hv_tok_fill_pages(&b, 0x1122334455667788ull, 256);
	hv_tok_end(&b);
	put("fuzz_ramblock", "one_fill_run", b.p, b.len);
	b.len = 0;
	memset(block, 0, MIB);
	if (hv_ramblock_encode(block, NULL, &b, NULL))
		return 1;
	put("fuzz_ramblock", "fill_pages", b.p, b.len);

	/* fuzz_bin_open: two small blocks (index of 8 slots keeps the file small) */
	struct hv_tokbuf v0 = {0}, v1 = {0}, file = {0};
	mixed_block(block, kinds);
	if (hv_ramblock_encode(block, &(struct hv_ramblock_enc_opts){.pages = kinds}, &v0, NULL))
		return 1;
	memset(block, 0, MIB);
	if (hv_ramblock_encode(block, &(struct hv_ramblock_enc_opts){.merge_fills = true}, &v1,
			       NULL))
		return 1;
	struct hv_bin_entry_spec e[] = {{"RamBlock/1/", v1.p, (uint32_t)v1.len},
					{"RamBlock/0/", v0.p, (uint32_t)v0.len}};
	if (hv_bin_build(e, 2, 8, &file, NULL))
		return 1;
	put("fuzz_bin_open", "two_blocks", file.p, file.len);
	file.len = 0;
	if (hv_bin_build(e, 1, 8, &file, NULL))
		return 1;
	put("fuzz_bin_open", "gap_before_block_1", file.p, file.len);

	hv_tokbuf_free(&b);
	hv_tokbuf_free(&v0);
	hv_tokbuf_free(&v1);
	hv_tokbuf_free(&file);
	free(block);
	return 0;
}
