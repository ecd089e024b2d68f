/* Hyper-V RamBlock values: 1 MiB of guest RAM stored raw or as a page-token stream
 * (hyperv-format.md §4.1-4.3). Shared by the .bin backend and the .vmrs backend. */
#ifndef VMS_HYPERV_RAMBLOCK_DECODE_H
#define VMS_HYPERV_RAMBLOCK_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

/** Decoded size of every RamBlock [C: OV-FMT, BEY, VMK-N, VMK-R, VOL; V]. */
#define HV_RAMBLOCK_SIZE (1u << 20)
#define HV_RAMBLOCK_PAGE 4096u

/* Token tags, §4.2. Tags 1..0x1000 are page tokens whose tag is the stored size. */
#define HV_TOKEN_END 0xFFFFFFFFu	/* end of block */
#define HV_TOKEN_FILL_PAGE 0xFFFFFFFEu	/* u64 pattern: one page */
#define HV_TOKEN_FILL_PAGES 0xFFFFFFFDu /* u64 pattern, u32 count: n pages */
#define HV_TOKEN_EXPLICIT 0xFFFFFFFCu	/* u32 U, u32 S, S bytes: U bytes of output */
#define HV_TOKEN_PAGE_MAX 0x1000u	/* tags 1..0x1000: one page of S = tag bytes */

/** Token kinds, for statistics. */
enum hv_token_kind {
	HV_TOK_END,	   /**< 0xFFFFFFFF */
	HV_TOK_FILL_PAGE,  /**< 0xFFFFFFFE */
	HV_TOK_FILL_PAGES, /**< 0xFFFFFFFD */
	HV_TOK_EXPLICIT,   /**< 0xFFFFFFFC */
	HV_TOK_RAW_PAGE,   /**< tag 0x1000: page stored verbatim */
	HV_TOK_LZ77_PAGE,  /**< tag 1..0xFFF: Plain LZ77 page */
	HV_TOK_KIND_COUNT
};

/** Counters accumulated (+=) by hv_ramblock_decode_ex, so one struct can sum many blocks. */
struct hv_ramblock_stats {
	uint64_t tokens[HV_TOK_KIND_COUNT];
	uint64_t fill_pages;	 /**< pages produced by 0xFFFFFFFD tokens */
	uint64_t raw_blocks;	 /**< values of exactly 1 MiB, copied verbatim (no tokens) */
	uint64_t trailing_bytes; /**< bytes left after the end token (0 in every real block) */
};

/** hv_ramblock_decode_ex flags. */
#define HV_RAMBLOCK_STRICT (1u << 0) /**< bytes after the end token are an error */

/**
 * Decode one RamBlock value into exactly HV_RAMBLOCK_SIZE bytes.
 * @param src      the stored value (untrusted); exactly 1 MiB means raw memory
 * @param src_len  its length in bytes
 * @param dst      HV_RAMBLOCK_SIZE bytes of output
 * @return 0; -EBADMSG when the stream is malformed: unknown tag, truncated token, a token
 *         producing more than 1 MiB, an LZ77 page that fails or does not decode to its size,
 *         no end token, or fewer than 1 MiB produced. err->msg names the token tag, its offset
 *         in the value and the failed check; callers prefix the block and file offset.
 * Bytes after the end token are tolerated (counted in stats). Never reads outside src nor
 * writes outside dst; no allocation. Pure; safe concurrently.
 */
int hv_ramblock_decode(const uint8_t *src, size_t src_len, uint8_t *dst, struct vms_error *err);

/** Same with HV_RAMBLOCK_* flags and optional statistics (`stats` may be NULL; counters are
 *  added to, also on failure for the tokens decoded before it). */
int hv_ramblock_decode_ex(const uint8_t *src, size_t src_len, uint8_t *dst, uint32_t flags,
			  struct hv_ramblock_stats *stats, struct vms_error *err);

/** Short name of a token kind ("end", "fill-page", ...), for messages and tests. */
const char *hv_token_kind_name(enum hv_token_kind kind);

#endif
