/* Bounds-checked little-endian decoding (STYLE.md rule 11). Two forms: plain loaders for
 * buffers the caller has already bounds-checked, and a cursor whose reads fail with
 * -EBADMSG instead of overrunning. */
#ifndef VMS_CORE_BYTES_H
#define VMS_CORE_BYTES_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t vms_le16(const uint8_t *b)
{
	return (uint16_t)(b[0] | (uint16_t)b[1] << 8);
}

static inline uint32_t vms_le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint64_t vms_le64(const uint8_t *b)
{
	return (uint64_t)vms_le32(b) | (uint64_t)vms_le32(b + 4) << 32;
}

static inline void vms_put_le16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static inline void vms_put_le32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static inline void vms_put_le64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

/** Cursor over a buffer; invariant pos <= len. */
struct vms_rd {
	const uint8_t *p;
	size_t len;
	size_t pos;
};

static inline struct vms_rd vms_rd_init(const uint8_t *p, size_t len)
{
	struct vms_rd r = {p, len, 0};
	return r;
}

static inline size_t vms_rd_left(const struct vms_rd *r)
{
	return r->len - r->pos;
}

static inline int vms_rd_skip(struct vms_rd *r, size_t n)
{
	if (vms_rd_left(r) < n)
		return -EBADMSG;
	r->pos += n;
	return 0;
}

static inline int vms_rd_seek(struct vms_rd *r, size_t pos)
{
	if (pos > r->len)
		return -EBADMSG;
	r->pos = pos;
	return 0;
}

static inline int vms_rd_u8(struct vms_rd *r, uint8_t *out)
{
	if (vms_rd_left(r) < 1)
		return -EBADMSG;
	*out = r->p[r->pos++];
	return 0;
}

static inline int vms_rd_u16le(struct vms_rd *r, uint16_t *out)
{
	if (vms_rd_left(r) < 2)
		return -EBADMSG;
	*out = vms_le16(r->p + r->pos);
	r->pos += 2;
	return 0;
}

static inline int vms_rd_u32le(struct vms_rd *r, uint32_t *out)
{
	if (vms_rd_left(r) < 4)
		return -EBADMSG;
	*out = vms_le32(r->p + r->pos);
	r->pos += 4;
	return 0;
}

static inline int vms_rd_u64le(struct vms_rd *r, uint64_t *out)
{
	if (vms_rd_left(r) < 8)
		return -EBADMSG;
	*out = vms_le64(r->p + r->pos);
	r->pos += 8;
	return 0;
}

/** Borrow `n` bytes in place; *out points into the buffer. */
static inline int vms_rd_bytes(struct vms_rd *r, size_t n, const uint8_t **out)
{
	if (vms_rd_left(r) < n)
		return -EBADMSG;
	*out = r->p + r->pos;
	r->pos += n;
	return 0;
}

#endif
