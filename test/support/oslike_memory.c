/* Test-only OS-like memory generator. The page kinds and their mix were tuned so that
 * test/support/lz77_compress.c brings a large sample to about 40 % (see bench/README.md). */
#include <string.h>

#include "core/bytes.h"
#include "support/oslike_memory.h"

#define PAGE 4096u

uint64_t hv_test_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static const char *const words[] = {
	"the ",		  "System32\\", "kernel ",  "driver ",	"Windows ", "error ", "0x",
	"memory ",	  "registry ",	"service ", "process ", "thread ",  "file ",  "\\Device\\",
	"HarddiskVolume", "NTFS ",	"handle ",  "object ",	"event ",   "{",      "}",
	"config ",	  "value ",	"string ",  ".dll",	".sys",	    "user ",  "Microsoft ",
};

static void text_page(uint8_t *p, uint64_t *rs, int wide)
{
	size_t i = 0;
	while (i < PAGE) {
		const uint64_t r = hv_test_rand(rs);
		const char *w = words[r % (sizeof(words) / sizeof(words[0]))];
		for (; *w && i < PAGE; w++) {
			p[i++] = (uint8_t)*w;
			if (wide && i < PAGE)
				p[i++] = 0;
		}
		if ((r >> 20) % 5 == 0 && i < PAGE)
			p[i++] = (uint8_t)('0' + (r >> 32) % 10);
	}
}

static void pointer_page(uint8_t *p, uint64_t *rs)
{
	const uint64_t base = 0xFFFF800000000000ull | (hv_test_rand(rs) & 0x7FFFFFF000ull);
	for (size_t off = 0; off < PAGE; off += 8) {
		const uint64_t r = hv_test_rand(rs);
		uint64_t v;
		switch (r % 8) {
		case 0:
		case 1:
		case 2:
			v = base + ((r >> 8) & 0xFFFF0); /* pointer into one region */
			break;
		case 3:
			v = (r >> 16) & 0xFF; /* small int */
			break;
		case 4:
			v = r >> 40; /* noise */
			break;
		default:
			v = 0;
			break;
		}
		vms_put_le64(p + off, v);
	}
}

static void code_page(uint8_t *p, uint64_t *rs)
{
	static const uint8_t ops[] = {0x48, 0x89, 0x8B, 0x4C, 0x24, 0xE8, 0x00, 0xFF, 0x0F,
				      0x85, 0x84, 0xC3, 0xCC, 0x83, 0xEC, 0x20, 0x74, 0x75};
	size_t i = 0;
	while (i < PAGE) {
		const uint64_t r = hv_test_rand(rs);
		if (r % 4 == 0 && i >= 64) {
			/* repeat an earlier instruction sequence (prologues, calls) */
			size_t len = 4 + (r >> 8) % 12, back = 8 + (r >> 16) % 56;
			for (size_t k = 0; k < len && i < PAGE; k++, i++)
				p[i] = p[i - back];
		} else if (r % 4 == 1) {
			p[i++] = (uint8_t)(r >> 24); /* immediate / displacement byte */
		} else {
			p[i++] = ops[(r >> 8) % sizeof(ops)];
		}
	}
}

static void sparse_page(uint8_t *p, uint64_t *rs)
{
	memset(p, 0, PAGE);
	for (int k = 0; k < 48; k++) {
		const uint64_t r = hv_test_rand(rs);
		vms_put_le64(p + ((r >> 8) % (PAGE / 8)) * 8, hv_test_rand(rs));
	}
}

void hv_test_oslike_pages(uint8_t *dst, size_t page_count, uint64_t seed)
{
	uint64_t rs = seed * 0x9E3779B97F4A7C15ull + 1;
	for (size_t i = 0; i < page_count; i++) {
		uint8_t *p = dst + i * PAGE;
		const unsigned kind = (unsigned)(hv_test_rand(&rs) % 20);
		if (kind < 7)
			pointer_page(p, &rs);
		else if (kind < 12)
			code_page(p, &rs);
		else if (kind < 15)
			text_page(p, &rs, 0);
		else if (kind < 17)
			text_page(p, &rs, 1);
		else
			sparse_page(p, &rs);
	}
}
