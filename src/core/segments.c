/* The segmented raw-memory reader (segments.h). */
#include <inttypes.h>
#include <string.h>

#include "core/backend.h"
#include "core/segments.h"

/* Index of the last segment starting at or before raw_off (0 when none does). */
static size_t segment_at(const struct vms_segment *segs, size_t count, uint64_t raw_off)
{
	size_t lo = 0, hi = count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (segs[mid].raw_off <= raw_off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int vms_segments_read(const struct vms_io *io, const struct vms_segment *segs, size_t count,
		      uint64_t raw_off, void *buf, size_t len, const char *what,
		      struct vms_error *err)
{
	uint8_t *dst = buf;
	for (size_t i = segment_at(segs, count, raw_off); len > 0; i++) {
		VMS_RETURN_IF(i >= count, err, -EIO,
			      "%s: raw offset %#" PRIx64 " past the last "
			      "range",
			      what, raw_off);
		const struct vms_segment *s = &segs[i];
		uint64_t in = raw_off - s->raw_off;
		VMS_RETURN_IF(raw_off < s->raw_off || in >= s->len, err, -EIO,
			      "%s: raw offset %#" PRIx64 " in no range", what, raw_off);
		size_t n = s->len - in < len ? (size_t)(s->len - in) : len;
		size_t pos = 0;
		if (in < s->lead) {
			pos = s->lead - in < n ? (size_t)(s->lead - in) : n;
			memset(dst, 0, pos);
		}
		uint64_t d = in + pos - s->lead; /* offset into the file data */
		if (pos < n && d < s->data_len) {
			size_t k = s->data_len - d < n - pos ? (size_t)(s->data_len - d) : n - pos;
			int rc = vms_io_read(io, s->file_off + d, dst + pos, k, what, err);
			if (rc)
				return rc;
			pos += k;
		}
		memset(dst + pos, 0, n - pos);
		dst += n;
		len -= n;
		raw_off += n;
	}
	return 0;
}
