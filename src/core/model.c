/* Helpers that backends use to fill struct vms_model, enforcing the caps of the open options
 * so a file can never make the library allocate without bound (STYLE.md rule 13). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/checked.h"

#define MODEL_MAX_PROPS 100000u
#define MODEL_MAX_KEYS 4000000u

void *vms_model_alloc(const struct vms_model *m, uint64_t bytes, const char *what,
		      struct vms_error *err)
{
	uint64_t cap = m && m->opts ? m->opts->max_alloc : UINT64_MAX;
	if (bytes > cap || bytes > SIZE_MAX) {
		vms_fail(err, -EFBIG,
			 "%s: %" PRIu64 " bytes exceed the allocation cap (%" PRIu64 ")", what,
			 bytes, cap);
		return NULL;
	}
	void *p = calloc(1, bytes ? (size_t)bytes : 1);
	if (!p)
		vms_fail(err, -ENOMEM, "%s: cannot allocate %" PRIu64 " bytes", what, bytes);
	return p;
}

/* Grow an array to hold one more element; doubles, bounded by `limit` elements. */
static int grow(void **arr, size_t *cap, size_t count, size_t elem, size_t limit)
{
	if (count < *cap)
		return 0;
	if (count >= limit)
		return -EFBIG;
	size_t ncap = *cap ? *cap * 2 : 16;
	if (ncap > limit)
		ncap = limit;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int vms_model_add_chunk(struct vms_model *m, uint64_t gpa, uint64_t pages, uint64_t raw_off,
			uint32_t flags, struct vms_error *err)
{
	size_t limit = m->opts ? m->opts->max_chunks : 1000000u;
	int rc =
		grow((void **)&m->chunks, &m->chunk_cap, m->chunk_count, sizeof(*m->chunks), limit);
	if (rc == -EFBIG)
		return vms_fail(err, rc, "memory map: more than %zu chunks (max_chunks)", limit);
	if (rc)
		return vms_fail(err, rc, "memory map: cannot grow the chunk list");
	struct vms_chunk *c = &m->chunks[m->chunk_count++];
	c->gpa = gpa;
	c->pages = pages;
	c->raw_off = raw_off;
	c->flags = flags;
	return 0;
}

int vms_model_alloc_vps(struct vms_model *m, uint32_t count, struct vms_error *err)
{
	uint32_t limit = m->opts ? m->opts->max_vps : 4096u;
	if (count > limit)
		return vms_fail(err, -EFBIG, "processors: %u VPs exceed max_vps (%u)", count,
				limit);
	if (m->vps)
		return vms_fail(err, -EINVAL, "processors: VPs already allocated");
	m->vps = calloc(count ? count : 1, sizeof(*m->vps));
	if (!m->vps)
		return vms_fail(err, -ENOMEM, "processors: cannot allocate %u VPs", count);
	m->vp_count = count;
	return 0;
}

int vms_model_bank(struct vms_model *m, uint32_t vp, uint8_t vtl, struct vms_reg_bank **out,
		   struct vms_error *err)
{
	if (vp >= m->vp_count)
		return vms_fail(err, -ERANGE, "processors: VP %u out of range (%u VPs)", vp,
				m->vp_count);
	if (vtl >= VMS_MAX_VTLS)
		return vms_fail(err, -ERANGE, "processors: VTL %u out of range", vtl);
	struct vms_vp_state *v = &m->vps[vp];
	if (!v->banks[vtl]) {
		v->banks[vtl] = calloc(1, sizeof(struct vms_reg_bank));
		if (!v->banks[vtl])
			return vms_fail(err, -ENOMEM, "processors: cannot allocate a bank");
		v->vtl_mask |= 1u << vtl;
	}
	*out = v->banks[vtl];
	return 0;
}

int vms_model_add_prop(struct vms_model *m, const char *key, const char *value)
{
	int rc = grow((void **)&m->props, &m->prop_cap, m->prop_count, sizeof(*m->props),
		      MODEL_MAX_PROPS);
	if (rc)
		return rc;
	char *k = strdup(key);
	char *v = strdup(value ? value : "");
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	m->props[m->prop_count].key = k;
	m->props[m->prop_count].value = v;
	m->prop_count++;
	return 0;
}

int vms_model_add_propf(struct vms_model *m, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return vms_model_add_prop(m, key, buf);
}

void vms_model_warn(struct vms_model *m, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* A warning that cannot be recorded (cap or ENOMEM) is still passed to the log. */
	(void)vms_model_add_prop(m, "warning", buf);
	if (m->opts && m->opts->log)
		m->opts->log(m->opts->log_ctx, buf);
}

int vms_model_add_key(struct vms_model *m, const struct vms_model_key *key)
{
	int rc = grow((void **)&m->keys, &m->key_cap, m->key_count, sizeof(*m->keys),
		      MODEL_MAX_KEYS);
	if (rc)
		return rc;
	struct vms_model_key *k = &m->keys[m->key_count];
	*k = *key;
	k->name = strdup(key->name ? key->name : "");
	k->str = key->str ? strdup(key->str) : NULL;
	if (!k->name || (key->str && !k->str)) {
		free(k->name);
		free(k->str);
		return -ENOMEM;
	}
	m->key_count++;
	return 0;
}

static int chunk_cmp(const void *a, const void *b)
{
	const struct vms_chunk *x = a, *y = b;
	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

int vms_model_finish(struct vms_model *m, struct vms_error *err)
{
	if (m->chunk_count > 1)
		qsort(m->chunks, m->chunk_count, sizeof(*m->chunks), chunk_cmp);
	for (size_t i = 0; i < m->chunk_count; i++) {
		const struct vms_chunk *c = &m->chunks[i];
		uint64_t len, gpa_end;
		if (c->pages == 0)
			return vms_fail(err, -EBADMSG,
					"memory map: chunk at GPA %#" PRIx64 " has no pages",
					c->gpa);
		if (c->gpa % VMS_PAGE_SIZE || c->raw_off % VMS_PAGE_SIZE)
			return vms_fail(err, -EBADMSG,
					"memory map: chunk at GPA %#" PRIx64 " (raw %#" PRIx64
					") is not page aligned",
					c->gpa, c->raw_off);
		if (vms_mul_overflow(c->pages, VMS_PAGE_SIZE, &len) ||
		    vms_add_overflow(c->gpa, len, &gpa_end))
			return vms_fail(err, -EBADMSG,
					"memory map: chunk at GPA %#" PRIx64 " with %" PRIu64
					" pages overflows",
					c->gpa, c->pages);
		if (vms_range_outside(c->raw_off, len, m->raw_size))
			return vms_fail(err, -EBADMSG,
					"memory map: chunk at GPA %#" PRIx64 " needs raw [%#" PRIx64
					", +%#" PRIx64 ") beyond the raw "
					"size %#" PRIx64,
					c->gpa, c->raw_off, len, m->raw_size);
		if (i + 1 < m->chunk_count && m->chunks[i + 1].gpa < gpa_end)
			return vms_fail(err, -EBADMSG,
					"memory map: chunks at GPA %#" PRIx64 " and %#" PRIx64
					" overlap",
					c->gpa, m->chunks[i + 1].gpa);
	}
	for (uint32_t v = 0; v < m->vp_count; v++) {
		struct vms_vp_state *vp = &m->vps[v];
		if (vp->vtl_mask && !(vp->vtl_mask & (1u << vp->active_vtl))) {
			/* The active VTL must have a bank: fall back to the lowest one present. */
			vp->active_vtl = (uint8_t)__builtin_ctz(vp->vtl_mask);
		}
	}
	return 0;
}

void vms_model_free(struct vms_model *m)
{
	free(m->chunks);
	for (uint32_t v = 0; v < m->vp_count; v++)
		for (unsigned t = 0; t < VMS_MAX_VTLS; t++)
			free(m->vps[v].banks[t]);
	free(m->vps);
	for (size_t i = 0; i < m->prop_count; i++) {
		free(m->props[i].key);
		free(m->props[i].value);
	}
	free(m->props);
	for (size_t i = 0; i < m->key_count; i++) {
		free(m->keys[i].name);
		free(m->keys[i].str);
	}
	free(m->keys);
	memset(m, 0, sizeof(*m));
}

int vms_io_read(const struct vms_io *io, uint64_t off, void *buf, size_t len, const char *what,
		struct vms_error *err)
{
	if (vms_range_outside(off, len, io->size))
		return vms_fail(err, -EBADMSG,
				"%s: [%#" PRIx64 ", +%#zx) lies outside the file "
				"(size %#" PRIx64 ")",
				what, off, len, io->size);
	int rc = io->pread(io->ctx, buf, len, off);
	if (rc < 0)
		return vms_fail(err, rc,
				"%s: read of %#zx bytes at file offset %#" PRIx64 " failed (%s)",
				what, len, off, vms_strerror(rc));
	return 0;
}
