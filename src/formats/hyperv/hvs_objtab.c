/* HyperVStorage object tables and their chains (hyperv-format §2.5): collects key tables and
 * file objects. Chains are followed with a visited set and a cap, wherever the link sits. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "core/crc32.h"
#include "formats/hyperv/hvs_internal.h"

/* §2.5 entry offsets */
#define OE_OFF_TYPE 0
#define OE_OFF_CRC 1
#define OE_OFF_FILE_OFF 5
#define OE_OFF_SIZE 13

/* Growable array of u64 with an open-addressing membership set (visited tables). */
struct offset_set {
	uint64_t *slots; /* 0 = empty; offsets are never 0 (the header lives there) */
	size_t cap;
	size_t used;
};

static int set_insert(struct offset_set *s, uint64_t v, bool *was_new)
{
	if ((s->used + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		uint64_t *n = calloc(ncap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->slots[i])
				continue;
			size_t h = (size_t)(s->slots[i] * 0x9E3779B97F4A7C15ull) & (ncap - 1);
			while (n[h])
				h = (h + 1) & (ncap - 1);
			n[h] = s->slots[i];
		}
		free(s->slots);
		s->slots = n;
		s->cap = ncap;
	}
	size_t h = (size_t)(v * 0x9E3779B97F4A7C15ull) & (s->cap - 1);
	while (s->slots[h]) {
		if (s->slots[h] == v) {
			*was_new = false;
			return 0;
		}
		h = (h + 1) & (s->cap - 1);
	}
	s->slots[h] = v;
	s->used++;
	*was_new = true;
	return 0;
}

struct vec {
	void *p;
	size_t n, cap, elem;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 16;
		void *np = realloc(v->p, ncap * v->elem);
		if (!np)
			return NULL;
		v->p = np;
		v->cap = ncap;
	}
	return (uint8_t *)v->p + v->elem * v->n++;
}

struct objtab_walk {
	struct offset_set visited;
	struct vec queue; /* struct { off, size } pending tables */
	struct vec keytabs;
	struct vec fobjs;
	uint64_t capacity_total;
};

struct pending_tab {
	uint64_t off;
	uint32_t size; /* 0 for the root: derived from its count */
};

/* Handle one used entry of table `t`. */
static int objtab_entry(struct hvs_container *c, struct objtab_walk *w, uint32_t t, uint64_t t_off,
			uint32_t slot, uint32_t count, const uint8_t *e, struct vms_error *err)
{
	uint8_t type = e[OE_OFF_TYPE];
	uint64_t e_off = t_off + HVS_OBJTAB_HEADER_LEN + (uint64_t)slot * HVS_OBJTAB_ENTRY_LEN;
	uint64_t off = vms_le64(e + OE_OFF_FILE_OFF);
	uint32_t size = vms_le32(e + OE_OFF_SIZE);
	int rc;

	/* §2.5: CRC-32 of the 18 bytes, field zeroed; pre-3.1 files used another algorithm */
	if (c->info.format_version >= HVS_VERSION_3_1) {
		uint8_t tmp[HVS_OBJTAB_ENTRY_LEN];
		memcpy(tmp, e, sizeof(tmp));
		memset(tmp + OE_OFF_CRC, 0, 4);
		if (vms_crc32(0, tmp, sizeof(tmp)) != vms_le32(e + OE_OFF_CRC)) {
			rc = hvs_crc_fail(c, err,
					  "hvs: object table %u at file offset %#" PRIx64
					  ": entry %u at %#" PRIx64 " (type %u): CRC mismatch",
					  t, t_off, slot, e_off, type);
			if (rc < 0)
				return rc;
		}
	}
	if (type < 8)
		c->info.object_type_count[type]++;
	if (type != HVS_OBJ_OBJTAB && type != HVS_OBJ_KEYTAB && type != HVS_OBJ_FILE) {
		if (type > 7)
			hvs_warn(c,
				 "hvs: object table %u at file offset %#" PRIx64 ": entry %u has "
				 "unknown type %u; ignored",
				 t, t_off, slot, type);
		return 0;
	}
	if (vms_range_outside(off, size, c->io.size) || size == 0)
		return vms_fail(err, -EBADMSG,
				"hvs: object table %u at file offset %#" PRIx64
				": entry %u (type %u) at %#" PRIx64 ": object [%#" PRIx64 ", +%#x)"
				" is empty or outside the file (size %#" PRIx64 ")",
				t, t_off, slot, type, e_off, off, size, c->io.size);
	if (type == HVS_OBJ_OBJTAB) {
		if (slot != count - 1)
			hvs_warn(c,
				 "hvs: object table %u at file offset %#" PRIx64 ": chain entry "
				 "in slot %u, not the last slot %u",
				 t, t_off, slot, count - 1);
		bool fresh;
		if (set_insert(&w->visited, off, &fresh) < 0)
			return vms_fail(err, -ENOMEM, "hvs: out of memory following object tables");
		if (!fresh) {
			hvs_warn(c,
				 "hvs: object table %u at file offset %#" PRIx64 ": entry %u links "
				 "back to table at %#" PRIx64 " (cycle); link ignored",
				 t, t_off, slot, off);
			return 0;
		}
		if (w->visited.used > HVS_MAX_OBJTABS)
			return vms_fail(err, -EFBIG, "hvs: more than %u chained object tables",
					HVS_MAX_OBJTABS);
		struct pending_tab *p = vec_push(&w->queue);
		if (!p)
			return vms_fail(err, -ENOMEM, "hvs: out of memory following object tables");
		p->off = off;
		p->size = size;
		return 0;
	}
	if (type == HVS_OBJ_KEYTAB) {
		if (size > HVS_MAX_KEYTAB_SIZE)
			return vms_fail(err, -EFBIG,
					"hvs: object table %u at file offset %#" PRIx64
					": entry %u: key table of %#x bytes exceeds the %#x cap",
					t, t_off, slot, size, HVS_MAX_KEYTAB_SIZE);
		struct hvs_key_table *k = vec_push(&w->keytabs);
		if (!k)
			return vms_fail(err, -ENOMEM, "hvs: out of memory listing key tables");
		memset(k, 0, sizeof(*k));
		k->file_off = off;
		k->size = size;
		return 0;
	}
	struct hvs_fileobj *f = vec_push(&w->fobjs);
	if (!f)
		return vms_fail(err, -ENOMEM, "hvs: out of memory listing file objects");
	f->file_off = off;
	f->size = size;
	return 0;
}

static int objtab_one(struct hvs_container *c, struct objtab_walk *w, uint32_t t,
		      const struct pending_tab *pt, struct vms_error *err)
{
	uint8_t hb[HVS_OBJTAB_HEADER_LEN];
	char what[64];
	snprintf(what, sizeof(what), "object table %u", t);
	int rc = hvs_read(c, pt->off, hb, sizeof(hb), what, err);
	if (rc < 0)
		return rc;
	uint32_t sig = vms_le32(hb), count = vms_le32(hb + 4);
	if (sig != HVS_OBJTAB_SIGNATURE)
		return vms_fail(err, -EBADMSG,
				"hvs: object table %u at file offset %#" PRIx64
				": signature %#x (expected %#x)",
				t, pt->off, sig, HVS_OBJTAB_SIGNATURE);
	uint64_t bytes = (uint64_t)count * HVS_OBJTAB_ENTRY_LEN + HVS_OBJTAB_HEADER_LEN;
	if (vms_range_outside(pt->off, bytes, c->io.size) || (pt->size && bytes > pt->size))
		return vms_fail(err, -EBADMSG,
				"hvs: object table %u at file offset %#" PRIx64
				": %u entries (%#" PRIx64 " bytes) overrun the %s (size %#" PRIx64
				")",
				t, pt->off, count, bytes, pt->size ? "table" : "file",
				pt->size ? (uint64_t)pt->size : c->io.size - pt->off);
	/* real tables never overlap, so their capacities together fit in the file */
	w->capacity_total += count;
	if (w->capacity_total > c->io.size / HVS_OBJTAB_ENTRY_LEN)
		return vms_fail(err, -EBADMSG,
				"hvs: object table %u at file offset %#" PRIx64
				": tables overlap (total capacity %" PRIu64 " exceeds what the "
				"file can hold)",
				t, pt->off, w->capacity_total);
	if (count == 0)
		return 0;
	size_t len = (size_t)count * HVS_OBJTAB_ENTRY_LEN;
	uint8_t *buf = hvs_alloc(c, len, "object table", err);
	if (!buf)
		return err ? err->code : -ENOMEM;
	rc = hvs_read(c, pt->off + HVS_OBJTAB_HEADER_LEN, buf, len, what, err);
	for (uint32_t j = 0; rc == 0 && j < count; j++) {
		const uint8_t *e = buf + (size_t)j * HVS_OBJTAB_ENTRY_LEN;
		if (e[OE_OFF_TYPE] == HVS_OBJ_EMPTY) {
			c->info.object_type_count[0]++;
			continue;
		}
		rc = objtab_entry(c, w, t, pt->off, j, count, e, err);
	}
	free(buf);
	return rc;
}

static int cmp_fobj(const void *a, const void *b)
{
	const struct hvs_fileobj *x = a, *y = b;
	return x->file_off < y->file_off ? -1 : x->file_off > y->file_off;
}

int hvs_objtabs_load(struct hvs_container *c, struct hvs_key_table **kt_out, size_t *kt_count,
		     struct vms_error *err)
{
	struct objtab_walk w;
	memset(&w, 0, sizeof(w));
	w.queue.elem = sizeof(struct pending_tab);
	w.keytabs.elem = sizeof(struct hvs_key_table);
	w.fobjs.elem = sizeof(struct hvs_fileobj);
	bool fresh;
	int rc = set_insert(&w.visited, HVS_ROOT_OBJTAB_OFF, &fresh);
	struct pending_tab *root = rc == 0 ? vec_push(&w.queue) : NULL;
	if (!root) {
		rc = vms_fail(err, -ENOMEM, "hvs: out of memory");
		goto out;
	}
	root->off = HVS_ROOT_OBJTAB_OFF;
	root->size = 0;
	/* breadth-first over the queue: each table is visited once (visited set) */
	for (size_t t = 0; t < w.queue.n; t++) {
		struct pending_tab pt = ((struct pending_tab *)w.queue.p)[t];
		rc = objtab_one(c, &w, (uint32_t)t, &pt, err);
		if (rc < 0)
			goto out;
	}
	c->info.object_table_count = (uint32_t)w.queue.n;
	c->info.object_capacity = w.capacity_total;
	if (w.fobjs.n)
		qsort(w.fobjs.p, w.fobjs.n, sizeof(struct hvs_fileobj), cmp_fobj);
	c->fobjs = w.fobjs.p;
	c->fobj_count = w.fobjs.n;
	c->info.file_object_count = (uint32_t)w.fobjs.n;
	w.fobjs.p = NULL;
	*kt_out = w.keytabs.p;
	*kt_count = w.keytabs.n;
	w.keytabs.p = NULL;
out:
	free(w.visited.slots);
	free(w.queue.p);
	free(w.keytabs.p);
	free(w.fobjs.p);
	return rc;
}

bool hvs_fileobj_find(const struct hvs_container *c, uint64_t file_off, uint32_t *size)
{
	size_t lo = 0, hi = c->fobj_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->fobjs[mid].file_off < file_off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->fobj_count && c->fobjs[lo].file_off == file_off) {
		*size = c->fobjs[lo].size;
		return true;
	}
	return false;
}
