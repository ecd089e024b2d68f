/* Synthetic QEMU files for unit tests and fuzz seeds (layouts: docs/formats/qemu.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "support/qemu_builder.h"

#define PG 4096u

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (d)
		memcpy(b->p + b->len, d, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void be(struct buf *b, uint64_t v, int n)
{
	uint8_t t[8];
	for (int i = 0; i < n; i++)
		t[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	put(b, t, (size_t)n);
}

static void str8(struct buf *b, const char *s)
{
	be(b, strlen(s), 1);
	put(b, s, strlen(s));
}

/* NT_PRSTATUS (x86-64, 336 bytes) and a QEMU note (0x1b8 bytes) for one long-mode CPU */
static size_t notes(uint8_t *out)
{
	uint8_t *p = out;
	le(p, 5, 4), le(p + 4, 336, 4), le(p + 8, 1, 4), memcpy(p + 12, "CORE", 5);
	uint8_t *d = p + 20;
	le(d + 32, 1, 4);
	le(d + 112 + 8 * 10, QB_RAX, 8);
	le(d + 112 + 8 * 16, QB_RIP, 8);
	p += 20 + 336;
	le(p, 5, 4), le(p + 4, 0x1b8, 4), le(p + 8, 0, 4), memcpy(p + 12, "QEMU", 5);
	d = p + 20;
	le(d, 1, 4), le(d + 4, 0x1b8, 4);
	le(d + 8, QB_RAX, 8);
	le(d + 136, QB_RIP, 8);
	le(d + 152 + 8, 0x00af9b00, 4); /* cs flags: 64-bit code */
	le(d + 392, 0x80000011, 8);
	le(d + 416, QB_CR3, 8);
	le(d + 424, 0x20, 8);
	p += 20 + 0x1b8;
	return (size_t)(p - out);
}

static void fill_page(uint8_t *p, unsigned i)
{
	memset(p, 0xa0 + (int)i, PG);
}

uint8_t *qb_elf(size_t *len)
{
	size_t mem_off = PG, total = mem_off + QB_PAGES * PG;
	uint8_t *f = calloc(1, total);
	memcpy(f, "\177ELF\2\1\1", 7);
	le(f + 16, 4, 2), le(f + 18, 62, 2), le(f + 20, 1, 4);
	le(f + 32, 64, 8);		     /* e_phoff */
	le(f + 52, 8, 2);		     /* e_ehsize: QEMU 7.2 writes 8 */
	le(f + 54, 56, 2), le(f + 56, 2, 2); /* e_phentsize, e_phnum */
	uint8_t *ph = f + 64;
	size_t nlen = notes(f + 176);
	le(ph, 4, 4), le(ph + 8, 176, 8), le(ph + 32, nlen, 8), le(ph + 40, nlen, 8);
	ph += 56;
	le(ph, 1, 4), le(ph + 8, mem_off, 8), le(ph + 16, QB_GPA, 8), le(ph + 24, QB_GPA, 8);
	le(ph + 32, QB_PAGES * PG, 8), le(ph + 40, QB_PAGES * PG, 8);
	for (unsigned i = 0; i < QB_PAGES; i++)
		fill_page(f + mem_off + i * PG, i);
	*len = total;
	return f;
}

/* plain diskdump image: header, sub header + notes, 2 bitmap blocks, descriptors, pages */
static uint8_t *kdump_plain(size_t *len)
{
	size_t total = 8 * PG;
	uint8_t *f = calloc(1, total);
	uint64_t pfn0 = QB_GPA / PG, max_mapnr = pfn0 + QB_PAGES;
	memcpy(f, "KDUMP   ", 8);
	le(f + 8, 6, 4);
	memcpy(f + 12 + 4 * 65, "x86_64", 6);
	le(f + 424, 1, 4), le(f + 428, PG, 4), le(f + 432, 1, 4), le(f + 436, 2, 4);
	le(f + 440, max_mapnr, 4), le(f + 460, 1, 4);
	uint8_t *sub = f + PG;
	size_t nlen = notes(sub + 128);
	le(sub + 48, PG + 128, 8), le(sub + 56, nlen, 8), le(sub + 96, max_mapnr, 8);
	for (unsigned b = 2; b <= 3; b++)
		for (uint64_t pfn = pfn0; pfn < max_mapnr; pfn++)
			f[b * PG + pfn / 8] |= (uint8_t)(1u << (pfn % 8));
	uint8_t *pd = f + 4 * PG;
	/* page 0 raw at block 5, page 1 zlib at block 6 */
	fill_page(f + 5 * PG, 0);
	le(pd, 5 * PG, 8), le(pd + 8, PG, 4), le(pd + 12, 0, 4);
	uint8_t page[PG];
	fill_page(page, 1);
	uLongf clen = PG;
	compress2(f + 6 * PG, &clen, page, PG, 9);
	le(pd + 24, 6 * PG, 8), le(pd + 32, (uint32_t)clen, 4), le(pd + 36, 1, 4);
	*len = total;
	return f;
}

uint8_t *qb_kdump(int flattened, size_t *len)
{
	size_t plen;
	uint8_t *img = kdump_plain(&plen);
	if (!flattened) {
		*len = plen;
		return img;
	}
	struct buf b = {0};
	uint8_t hdr[PG] = {0};
	memcpy(hdr, "makedumpfile", 12);
	hdr[23] = 1, hdr[31] = 1; /* be64 type 1, version 1 */
	put(&b, hdr, PG);
	/* records out of offset order, as QEMU interleaves them */
	static const size_t order[][2] = {{0, 2}, {4, 5}, {2, 4}, {5, 8}};
	for (size_t i = 0; i < 4; i++) {
		size_t off = order[i][0] * PG, n = (order[i][1] - order[i][0]) * PG;
		be(&b, off, 8), be(&b, n, 8);
		put(&b, img + off, n);
	}
	be(&b, UINT64_MAX, 8), be(&b, UINT64_MAX, 8);
	free(img);
	*len = b.len;
	return b.p;
}

static const char vmdesc[] =
	"{\"page_size\": 4096, \"devices\": ["
	"{\"name\": \"timer\", \"instance_id\": 0, \"vmsd_name\": \"timer\", \"version\": 2,"
	" \"fields\": [{\"name\": \"cpu_ticks_offset\", \"type\": \"int64\", \"size\": 8}]},"
	"{\"name\": \"cpu\", \"instance_id\": 0, \"vmsd_name\": \"cpu\", \"version\": 12,"
	" \"fields\": [{\"name\": \"env.regs\", \"array_len\": 16, \"type\": \"uint64\", \"size\": "
	"8},"
	" {\"name\": \"env.eip\", \"type\": \"uint64\", \"size\": 8},"
	" {\"name\": \"env.segs\", \"array_len\": 6, \"type\": \"struct\", \"size\": 20},"
	" {\"name\": \"env.cr[0]\", \"type\": \"uint64\", \"size\": 8},"
	" {\"name\": \"env.cr[3]\", \"type\": \"uint64\", \"size\": 8},"
	" {\"name\": \"env.cr[4]\", \"type\": \"uint64\", \"size\": 8},"
	" {\"name\": \"env.efer\", \"type\": \"uint64\", \"size\": 8}],"
	" \"subsections\": [{\"vmsd_name\": \"cpu/test\", \"version\": 1, \"fields\":"
	" [{\"name\": \"env.x\", \"type\": \"uint64\", \"size\": 8}]}]}]}";

uint8_t *qb_migration(size_t *len)
{
	struct buf b = {0};
	uint64_t ram_len = QB_GPA + QB_PAGES * PG;
	put(&b, "QEVM\0\0\0\3", 8);
	be(&b, 7, 1), be(&b, 13, 4), put(&b, "pc-i440fx-7.2", 13);
	be(&b, 1, 1), be(&b, 2, 4), str8(&b, "ram"), be(&b, 0, 4), be(&b, 4, 4);
	be(&b, ram_len | 0x4, 8), str8(&b, "pc.ram"), be(&b, ram_len, 8);
	be(&b, 0x10, 8), be(&b, 0x7e, 1), be(&b, 2, 4);
	be(&b, 3, 1), be(&b, 2, 4);
	uint8_t page[PG];
	fill_page(page, 0);
	be(&b, QB_GPA | 0x8, 8), str8(&b, "pc.ram"), put(&b, page, PG);
	be(&b, (QB_GPA + PG) | 0x22, 8), be(&b, 0xa1, 1); /* ZERO|CONTINUE, fill 0xa1 */
	be(&b, 0x10, 8), be(&b, 0x7e, 1), be(&b, 2, 4);
	be(&b, 4, 1), be(&b, 3, 4), str8(&b, "timer"), be(&b, 0, 4), be(&b, 2, 4);
	be(&b, 0, 8), be(&b, 0x7e, 1), be(&b, 3, 4);
	be(&b, 4, 1), be(&b, 4, 4), str8(&b, "cpu"), be(&b, 0, 4), be(&b, 12, 4);
	for (int i = 0; i < 16; i++)
		be(&b, i == 0 ? QB_RAX : (uint64_t)i, 8);
	be(&b, QB_RIP, 8);
	for (int i = 0; i < 6; i++) {
		be(&b, i == 1 ? 0x10 : 0x18, 4), be(&b, 0, 8), be(&b, 0xffffffff, 4);
		be(&b, i == 1 ? 0x00af9b00 : 0x00cf9300, 4);
	}
	be(&b, 0x80000011, 8), be(&b, QB_CR3, 8), be(&b, 0x20, 8), be(&b, 0xd00, 8);
	be(&b, 5, 1), str8(&b, "cpu/test"), be(&b, 1, 4), be(&b, 0, 8);
	be(&b, 0x7e, 1), be(&b, 4, 4);
	be(&b, 0, 1);
	be(&b, 6, 1), be(&b, strlen(vmdesc), 4), put(&b, vmdesc, strlen(vmdesc));
	*len = b.len;
	return b.p;
}

uint8_t *qb_libvirt(int swap, size_t *len)
{
	size_t slen;
	uint8_t *s = qb_migration(&slen);
	static const char xml[] = "<domain><os><type machine='pc-i440fx-7.2'>hvm</type></os>"
				  "</domain>";
	uint32_t data_len = 1024;
	struct buf b = {0};
	uint8_t h[92] = {0};
	memcpy(h, "LibvirtQemudSave", 16);
	uint32_t f[5] = {2, data_len, 1, 0, 0};
	for (int i = 0; i < 5; i++) {
		uint32_t v = swap ? __builtin_bswap32(f[i]) : f[i];
		le(h + 16 + 4 * i, v, 4);
	}
	put(&b, h, sizeof(h));
	put(&b, xml, sizeof(xml));
	put(&b, NULL, data_len - sizeof(xml));
	put(&b, s, slen);
	free(s);
	*len = b.len;
	return b.p;
}
