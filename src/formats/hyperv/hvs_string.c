/* UTF-16LE to UTF-8 for HyperVStorage String values (hyperv-format §2.7). Unpaired
 * surrogates become U+FFFD so a hostile string still yields valid UTF-8. */
#include "core/bytes.h"
#include "formats/hyperv/hvs_internal.h"

#define UNI_REPLACEMENT 0xFFFDu

static size_t put_utf8(char *out, uint32_t cp)
{
	uint8_t *o = (uint8_t *)out;
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xC0 | cp >> 6);
		o[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xE0 | cp >> 12);
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (uint8_t)(0xF0 | cp >> 18);
	o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

/* A surrogate pair (2 units) becomes 4 bytes, any single unit at most 3: the caller's
 * 3 * units + 1 capacity always suffices. */
size_t hvs_utf16_to_utf8(const uint8_t *in, size_t len, char *out)
{
	size_t units = len / 2, n = 0;
	for (size_t i = 0; i < units; i++) {
		uint32_t u = vms_le16(in + 2 * i);
		if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
			uint32_t lo = vms_le16(in + 2 * (i + 1));
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				n += put_utf8(out + n,
					      0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
				i++;
				continue;
			}
		}
		if (u >= 0xD800 && u <= 0xDFFF)
			u = UNI_REPLACEMENT;
		n += put_utf8(out + n, u);
	}
	out[n] = 0;
	return n;
}
