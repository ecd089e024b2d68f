/* CRC-32, byte at a time. Only metadata (headers, tables, log entries) is checksummed, so
 * the simple table is fast enough; the table is a constant built by the preprocessor. */
#include "core/crc32.h"

#define CRC_POLY 0xEDB88320u
#define B1(c) (((c) >> 1) ^ (((c)&1u) ? CRC_POLY : 0u))
#define B8(c) B1(B1(B1(B1(B1(B1(B1(B1(c))))))))
#define R4(n) B8((n) + 0u), B8((n) + 1u), B8((n) + 2u), B8((n) + 3u)
#define R16(n) R4(n), R4((n) + 4u), R4((n) + 8u), R4((n) + 12u)
#define R64(n) R16(n), R16((n) + 16u), R16((n) + 32u), R16((n) + 48u)

/* Table 0 is the classic byte-at-a-time table, built by the preprocessor. */
static const uint32_t crc_table0[256] = {R64(0u), R64(64u), R64(128u), R64(192u)};

uint32_t vms_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	crc = ~crc;
	while (len--)
		crc = crc_table0[(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
	return ~crc;
}
