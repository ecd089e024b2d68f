/* Guest-physical and raw reads: GPA -> chunk -> raw offset -> decoded block (through the
 * block cache) or direct backend bytes; then the memory-fix overlay. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/handle.h"
#include "core/prefetch.h"

/* Largest piece handed to a direct backend read at once (keeps messages and retries local). */
#define DIRECT_READ_MAX (8u << 20)

ptrdiff_t vms_chunk_find(const struct vms_model *m, uint64_t gpa)
{
	size_t lo = 0, hi = m->chunk_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vms_chunk *c = &m->chunks[mid];
		if (gpa < c->gpa)
			hi = mid;
		else if (gpa - c->gpa >= c->pages * VMS_PAGE_SIZE)
			lo = mid + 1;
		else
			return (ptrdiff_t)mid;
	}
	return -1;
}

/* First chunk whose start is above gpa (the chunk after a hole), or chunk_count. */
static size_t chunk_after(const struct vms_model *m, uint64_t gpa)
{
	size_t lo = 0, hi = m->chunk_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->chunks[mid].gpa <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Read raw bytes that lie inside [0, raw_size). */
static int read_raw_inside(vms_handle *h, uint64_t raw_off, uint8_t *buf, uint64_t len,
			   struct vms_error *err)
{
	if (!h->cache) {
		while (len > 0) {
			size_t n = len > DIRECT_READ_MAX ? DIRECT_READ_MAX : (size_t)len;
			int rc = h->ops->read_raw(h->ctx, raw_off, buf, n, err);
			if (rc)
				return rc;
			raw_off += n;
			buf += n;
			len -= n;
		}
		return 0;
	}
	const uint32_t bs = h->m.block_size;
	while (len > 0) {
		uint64_t index = raw_off / bs;
		uint32_t in = (uint32_t)(raw_off % bs);
		uint64_t n = bs - in;
		if (n > len)
			n = len;
		struct vms_block *blk;
		const uint8_t *data;
		int rc = vms_block_cache_get(h->cache, index, &blk, &data, err);
		if (rc)
			return rc;
		memcpy(buf, data + in, (size_t)n);
		vms_block_cache_put(h->cache, blk);
		if (in + n == bs) /* the caller read to the end of this block */
			vms_prefetch_note(h->prefetch, index);
		raw_off += n;
		buf += n;
		len -= n;
	}
	return 0;
}

VMS_API int vms_read_raw(vms_handle *h, uint64_t raw_off, void *buf, uint64_t len, uint64_t *done,
			 struct vms_error *err)
{
	if (done)
		*done = 0;
	if (!h || (!buf && len))
		return vms_fail(err, -EINVAL, "read_raw: NULL handle or buffer");
	if (raw_off >= h->m.raw_size || len == 0)
		return 0;
	uint64_t n = h->m.raw_size - raw_off;
	if (n > len)
		n = len;
	int rc = read_raw_inside(h, raw_off, buf, n, err);
	if (rc)
		return rc;
	if (done)
		*done = n;
	return 0;
}

VMS_API uint64_t vms_raw_size(const vms_handle *h)
{
	return h->m.raw_size;
}

VMS_API uint64_t vms_gpa_end(const vms_handle *h)
{
	return h->gpa_end;
}

VMS_API size_t vms_chunk_list(const vms_handle *h, struct vms_chunk *chunks, size_t capacity)
{
	size_t n = h->m.chunk_count < capacity ? h->m.chunk_count : capacity;
	if (chunks && n)
		memcpy(chunks, h->m.chunks, n * sizeof(*chunks));
	return h->m.chunk_count;
}

VMS_API int vms_gpa_to_raw(const vms_handle *h, uint64_t gpa, uint64_t *raw_off,
			   struct vms_error *err)
{
	ptrdiff_t i = vms_chunk_find(&h->m, gpa);
	if (i < 0)
		return vms_fail(err, -EFAULT, "GPA %#" PRIx64 " is in no saved memory range", gpa);
	const struct vms_chunk *c = &h->m.chunks[i];
	*raw_off = c->raw_off + (gpa - c->gpa);
	return 0;
}

VMS_API int vms_gpa_seek(const vms_handle *h, uint64_t gpa, bool want_data, uint64_t *next)
{
	ptrdiff_t i = vms_chunk_find(&h->m, gpa);
	if (want_data) {
		if (i >= 0) {
			*next = gpa;
			return 0;
		}
		size_t k = chunk_after(&h->m, gpa);
		if (k >= h->m.chunk_count)
			return -ENXIO;
		*next = h->m.chunks[k].gpa;
		return 0;
	}
	if (i < 0) {
		*next = gpa < h->gpa_end ? gpa : h->gpa_end;
		return 0;
	}
	/* Inside data: walk over adjacent chunks to the first byte that is not covered. */
	size_t k = (size_t)i;
	uint64_t end = h->m.chunks[k].gpa + h->m.chunks[k].pages * VMS_PAGE_SIZE;
	while (k + 1 < h->m.chunk_count && h->m.chunks[k + 1].gpa == end) {
		k++;
		end = h->m.chunks[k].gpa + h->m.chunks[k].pages * VMS_PAGE_SIZE;
	}
	*next = end;
	return 0;
}

int vms_read_gpa_nofix(vms_handle *h, uint64_t gpa, void *buf, uint64_t len, uint32_t flags,
		       uint64_t *done, struct vms_error *err)
{
	uint8_t *out = buf;
	uint64_t copied = 0;
	int rc = 0;
	while (copied < len && gpa < h->gpa_end) {
		uint64_t want = len - copied;
		ptrdiff_t i = vms_chunk_find(&h->m, gpa);
		if (i < 0) {
			size_t k = chunk_after(&h->m, gpa);
			/* gpa < gpa_end, so a later chunk exists */
			uint64_t hole = h->m.chunks[k].gpa - gpa;
			if (!(flags & VMS_READ_ZERO_HOLES)) {
				rc = vms_fail(err, -EFAULT,
					      "GPA %#" PRIx64 " is in a hole of the "
					      "saved memory (next data at %#" PRIx64 ")",
					      gpa, h->m.chunks[k].gpa);
				break;
			}
			uint64_t n = hole < want ? hole : want;
			memset(out + copied, 0, (size_t)n);
			copied += n;
			gpa += n;
			continue;
		}
		const struct vms_chunk *c = &h->m.chunks[i];
		uint64_t in = gpa - c->gpa;
		uint64_t n = c->pages * VMS_PAGE_SIZE - in;
		if (n > want)
			n = want;
		rc = read_raw_inside(h, c->raw_off + in, out + copied, n, err);
		if (rc)
			break;
		copied += n;
		gpa += n;
	}
	if (done)
		*done = copied;
	return rc;
}

/* Overlay ApplyGuestMemoryFix pieces on a physical read result. */
static void apply_fixes(const vms_handle *h, uint64_t gpa, uint8_t *buf, uint64_t len)
{
	for (size_t i = 0; i < h->fix_count; i++) {
		const struct vms_fix *f = &h->fixes[i];
		uint64_t lo = f->gpa > gpa ? f->gpa : gpa;
		uint64_t f_end = f->gpa + f->len, r_end = gpa + len;
		uint64_t hi = f_end < r_end ? f_end : r_end;
		if (lo < hi)
			memcpy(buf + (lo - gpa), f->bytes + (lo - f->gpa), (size_t)(hi - lo));
	}
}

VMS_API int vms_read_gpa(vms_handle *h, uint64_t gpa, void *buf, uint64_t len, uint32_t flags,
			 uint64_t *done, struct vms_error *err)
{
	uint64_t got = 0;
	if (done)
		*done = 0;
	if (!h || (!buf && len))
		return vms_fail(err, -EINVAL, "read_gpa: NULL handle or buffer");
	uint64_t end;
	if (vms_add_overflow(gpa, len, &end))
		len = UINT64_MAX - gpa; /* reads stop at gpa_end anyway */
	int rc = vms_read_gpa_nofix(h, gpa, buf, len, flags, &got, err);
	if (h->fix_count)
		apply_fixes(h, gpa, buf, got);
	if (done)
		*done = got;
	return rc;
}
