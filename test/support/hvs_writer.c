/* Test-only HyperVStorage writer (hyperv-format §2), see hvs_writer.h. Layout: header copies
 * at 0 and 0x1000, root object table at 0x2000, key tables, replay log, chained object
 * tables, then file objects, each aligned to the data alignment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/crc32.h"
#include "support/hvs_writer.h"

#define W_HDR_LEN 46u
#define W_OBJ_ENTRY 18u
#define W_KT_HDR 10u
#define W_KE_HDR 21u
#define W_RL_HDR 34u
#define W_RL_ENTRY 28u

struct wkey {
	uint32_t parent;
	char *name;
	uint8_t type;
	uint8_t flags;
	bool prefixed; /* Array/String: inline value is u32 length + payload */
	int fobj;      /* -1 auto, 0 inline, 1 file object */
	const uint8_t *payload;
	uint8_t *owned;
	size_t len;
	uint32_t ins_seq;
	uint32_t child_count;
	/* layout */
	bool in_file;
	uint16_t table;
	uint32_t table_off;
	uint32_t esize;
	uint64_t fobj_off;
};

struct hvs_writer {
	struct hvs_writer_opts o;
	struct wkey *k;
	size_t n, cap;
	uint32_t root_children;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void hvs_writer_opts_init(struct hvs_writer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format_version = 0x400;
	o->seq[0] = 2;
	o->seq[1] = 1;
	o->alignment = 0x1000;
	o->key_table_size = 4096;
	o->objtab_capacity = 227;
	o->file_threshold = 2048;
	o->replay_size = 0x4000;
	o->replay_hdr_size = 0x1000;
	o->first_table_index = 1;
}

struct hvs_writer *hvs_writer_new(const struct hvs_writer_opts *opts)
{
	struct hvs_writer *w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	if (opts)
		w->o = *opts;
	else
		hvs_writer_opts_init(&w->o);
	return w;
}

void hvs_writer_free(struct hvs_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->k[i].name);
		free(w->k[i].owned);
	}
	free(w->k);
	free(w);
}

static uint32_t add_key(struct hvs_writer *w, uint32_t parent, const char *name, uint8_t type)
{
	if (parent != HVS_W_ROOT && (parent >= w->n || w->k[parent].type != 9)) {
		fprintf(stderr, "hvs_writer: parent %u is not a node\n", parent);
		abort();
	}
	if (strlen(name) > 254) {
		fprintf(stderr, "hvs_writer: name too long\n");
		abort();
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->k = realloc(w->k, w->cap * sizeof(*w->k));
		if (!w->k)
			abort();
	}
	struct wkey *k = &w->k[w->n];
	memset(k, 0, sizeof(*k));
	k->parent = parent;
	k->name = strdup(name);
	if (!k->name)
		abort();
	k->type = type;
	k->fobj = -1;
	k->ins_seq = parent == HVS_W_ROOT ? ++w->root_children : ++w->k[parent].child_count;
	return (uint32_t)w->n++;
}

static uint32_t add_owned(struct hvs_writer *w, uint32_t parent, const char *name, uint8_t type,
			  const void *data, size_t len, bool prefixed)
{
	uint32_t id = add_key(w, parent, name, type);
	struct wkey *k = &w->k[id];
	k->owned = xmalloc(len);
	if (len)
		memcpy(k->owned, data, len);
	k->payload = k->owned;
	k->len = len;
	k->prefixed = prefixed;
	return id;
}

uint32_t hvs_w_node(struct hvs_writer *w, uint32_t parent, const char *name)
{
	return add_key(w, parent, name, 9);
}

uint32_t hvs_w_node_path(struct hvs_writer *w, const char *path)
{
	uint32_t cur = HVS_W_ROOT;
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *tok = strtok_r(buf, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		uint32_t found = HVS_W_ROOT;
		for (size_t i = 0; i < w->n && found == HVS_W_ROOT; i++)
			if (w->k[i].type == 9 && w->k[i].parent == cur &&
			    !strcmp(w->k[i].name, tok))
				found = (uint32_t)i;
		cur = found != HVS_W_ROOT ? found : hvs_w_node(w, cur, tok);
	}
	return cur;
}

static uint32_t add_u64(struct hvs_writer *w, uint32_t parent, const char *name, uint8_t type,
			uint64_t v)
{
	uint8_t b[8];
	vms_put_le64(b, v);
	return add_owned(w, parent, name, type, b, 8, false);
}

uint32_t hvs_w_int(struct hvs_writer *w, uint32_t parent, const char *name, int64_t v)
{
	return add_u64(w, parent, name, 3, (uint64_t)v);
}

uint32_t hvs_w_uint(struct hvs_writer *w, uint32_t parent, const char *name, uint64_t v)
{
	return add_u64(w, parent, name, 4, v);
}

uint32_t hvs_w_double(struct hvs_writer *w, uint32_t parent, const char *name, double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof(bits));
	return add_u64(w, parent, name, 5, bits);
}

uint32_t hvs_w_bool(struct hvs_writer *w, uint32_t parent, const char *name, bool v)
{
	uint8_t b[4];
	vms_put_le32(b, v ? 1 : 0);
	return add_owned(w, parent, name, 8, b, 4, false);
}

/* UTF-8 → UTF-16LE (test inputs are valid UTF-8). */
static size_t utf8_to_utf16(const char *s, uint8_t *out)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = 0;
	while (*p) {
		uint32_t cp;
		if (*p < 0x80)
			cp = *p++;
		else if ((*p & 0xE0) == 0xC0) {
			cp = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
			p += 2;
		} else if ((*p & 0xF0) == 0xE0) {
			cp = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 |
			     (p[2] & 0x3F);
			p += 3;
		} else {
			cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
			     (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
			p += 4;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			vms_put_le16(out + n, (uint16_t)(0xD800 + (cp >> 10)));
			vms_put_le16(out + n + 2, (uint16_t)(0xDC00 + (cp & 0x3FF)));
			n += 4;
		} else {
			vms_put_le16(out + n, (uint16_t)cp);
			n += 2;
		}
	}
	return n;
}

uint32_t hvs_w_string(struct hvs_writer *w, uint32_t parent, const char *name, const char *s)
{
	uint8_t *u = xmalloc(strlen(s) * 4 + 2);
	size_t n = utf8_to_utf16(s, u);
	if (w->o.strings_with_nul) {
		u[n] = u[n + 1] = 0;
		n += 2;
	}
	uint32_t id = add_owned(w, parent, name, 6, u, n, true);
	free(u);
	return id;
}

uint32_t hvs_w_array(struct hvs_writer *w, uint32_t parent, const char *name, const void *data,
		     size_t len)
{
	return add_owned(w, parent, name, 7, data, len, true);
}

uint32_t hvs_w_array_ref(struct hvs_writer *w, uint32_t parent, const char *name, const void *data,
			 size_t len)
{
	uint32_t id = add_key(w, parent, name, 7);
	w->k[id].payload = data;
	w->k[id].len = len;
	w->k[id].prefixed = true;
	return id;
}

uint32_t hvs_w_raw(struct hvs_writer *w, uint32_t parent, const char *name, uint8_t type,
		   const void *value, size_t len, bool file_object)
{
	uint32_t id = add_owned(w, parent, name, type, value, len, false);
	w->k[id].fobj = file_object ? 1 : 0;
	return id;
}

void hvs_w_set_file_object(struct hvs_writer *w, uint32_t key, bool file_object)
{
	w->k[key].fobj = file_object ? 1 : 0;
}

void hvs_w_set_flags(struct hvs_writer *w, uint32_t key, uint8_t flags)
{
	w->k[key].flags |= flags;
}

/* ---- build ---- */

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static size_t inline_len(const struct wkey *k)
{
	if (k->type == 9)
		return 12;
	return k->len + (k->prefixed ? 4 : 0);
}

static void seal_crc(uint8_t *p, size_t len, size_t crc_at)
{
	vms_put_le32(p + crc_at, 0);
	vms_put_le32(p + crc_at, vms_crc32(0, p, len));
}

void hvs_image_reseal_header(struct hvs_image *img, unsigned copy)
{
	seal_crc(img->buf + (copy ? 0x1000 : 0), W_HDR_LEN, 4);
}

void hvs_image_reseal_objtab_entry(struct hvs_image *img, uint64_t entry_off)
{
	seal_crc(img->buf + entry_off, W_OBJ_ENTRY, 1);
}

void hvs_image_reseal_key_table(struct hvs_image *img, uint64_t table_off)
{
	seal_crc(img->buf + table_off, W_KT_HDR, 6);
}

void hvs_image_reseal_replay_header(struct hvs_image *img)
{
	seal_crc(img->buf + img->replay_off, W_RL_HDR, 4);
}

void hvs_image_reseal_key_entry(struct hvs_image *img, uint64_t entry_off)
{
	uint8_t *e = img->buf + entry_off;
	uint8_t type = e[0], nlen = e[20];
	uint32_t esize = vms_le32(e + 2);
	size_t vlen;
	const uint8_t *v = e + W_KE_HDR + nlen;
	if (e[1] & 1)
		vlen = 12;
	else if (type == 3 || type == 4 || type == 5)
		vlen = 8;
	else if (type == 8)
		vlen = 4;
	else if (type == 9)
		vlen = 12;
	else if (type == 6 || type == 7)
		vlen = 4 + vms_le32(v);
	else
		vlen = esize - W_KE_HDR - nlen;
	if (vlen > esize - W_KE_HDR - nlen) /* a test planted a bogus length */
		vlen = esize - W_KE_HDR - nlen;
	vms_put_le32(e + 12, 0);
	uint32_t crc = vms_crc32(0, e, W_KE_HDR + nlen + vlen);
	vms_put_le32(e + 12, crc);
}

uint64_t hvs_image_objtab_entry_off(const struct hvs_image *img, uint32_t t, uint32_t slot)
{
	return img->objtab_off[t] + 8 + (uint64_t)slot * W_OBJ_ENTRY;
}

uint64_t hvs_image_log_entry_off(const struct hvs_image *img, uint32_t i)
{
	return img->replay_off + W_RL_HDR + (uint64_t)i * W_RL_ENTRY;
}

int hvs_image_log_entry(struct hvs_image *img, uint64_t dest_off, const void *data, uint32_t len,
			bool pending)
{
	uint8_t *h = img->buf + img->replay_off;
	uint32_t count = vms_le32(h + 8), max = vms_le32(h + 13);
	if (img->replay_entries >= max ||
	    img->replay_hdr_size + img->replay_data_used + len > img->replay_size)
		return -1;
	if (pending && count != img->replay_entries) {
		fprintf(stderr, "hvs_writer: add pending log entries before stale ones\n");
		abort();
	}
	uint32_t i = img->replay_entries++;
	uint64_t log_off = img->replay_hdr_size + img->replay_data_used;
	memcpy(h + log_off, data, len);
	img->replay_data_used += len;
	uint8_t *e = img->buf + hvs_image_log_entry_off(img, i);
	vms_put_le64(e + 0, dest_off);
	vms_put_le32(e + 8, len);
	vms_put_le64(e + 12, log_off);
	vms_put_le32(e + 24, vms_crc32(0, data, len));
	seal_crc(e, W_RL_ENTRY, 20);
	if (pending) {
		vms_put_le32(h + 8, count + 1);
		hvs_image_reseal_replay_header(img);
	}
	return (int)i;
}

/* Assign entries to key tables; returns the table count or -1. */
static int pack_tables(struct hvs_writer *w, uint32_t **order_out, uint32_t *last_in_table)
{
	const struct hvs_writer_opts *o = &w->o;
	uint32_t *order = xmalloc(w->n * sizeof(*order));
	for (size_t i = 0; i < w->n; i++)
		order[i] = (uint32_t)(o->reverse_entries ? w->n - 1 - i : i);
	int tables = w->n ? 1 : 0;
	uint32_t pos = W_KT_HDR;
	for (size_t j = 0; j < w->n; j++) {
		struct wkey *k = &w->k[order[j]];
		k->in_file = k->fobj == 1 ||
			     (k->fobj == -1 && k->prefixed && k->len >= o->file_threshold);
		size_t esize = W_KE_HDR + strlen(k->name) + 1 + (k->in_file ? 12 : inline_len(k));
		if (esize > o->key_table_size - W_KT_HDR) {
			fprintf(stderr, "hvs_writer: entry %s (%zu bytes) exceeds a key table\n",
				k->name, esize);
			free(order);
			return -1;
		}
		if (pos + esize > o->key_table_size) {
			tables++;
			pos = W_KT_HDR;
		}
		k->table = (uint16_t)(o->first_table_index + tables - 1);
		k->table_off = pos;
		k->esize = (uint32_t)esize;
		last_in_table[tables - 1] = order[j];
		pos += (uint32_t)esize;
	}
	*order_out = order;
	return tables;
}

int hvs_writer_build(struct hvs_writer *w, struct hvs_image *img)
{
	const struct hvs_writer_opts *o = &w->o;
	const uint64_t A = o->alignment ? o->alignment : 0x1000;
	const uint32_t KT = o->key_table_size;
	memset(img, 0, sizeof(*img));
	if (o->objtab_capacity < 2 || KT < 64)
		return -1;
	uint32_t *last_in_table = xmalloc((w->n + 1) * sizeof(uint32_t));
	uint32_t *order = NULL;
	int tables = pack_tables(w, &order, last_in_table);
	if (tables < 0 || tables > 0xFFFF - o->first_table_index) {
		free(order);
		free(last_in_table);
		return -1;
	}
	size_t fcount = 0;
	for (size_t i = 0; i < w->n; i++)
		fcount += w->k[i].in_file;
	size_t objects = (size_t)tables + fcount;
	uint32_t per = o->objtab_capacity - 1;
	uint32_t ot_count = objects ? (uint32_t)((objects + per - 1) / per) : 1;
	img->objtab_off = xmalloc(ot_count * sizeof(uint64_t));
	img->key_tables = xmalloc(((size_t)tables + 1) * sizeof(*img->key_tables));
	uint64_t ot_size = align_up(8 + (uint64_t)o->objtab_capacity * W_OBJ_ENTRY, A);

	/* file offsets */
	uint64_t pos = 0x2000;
	img->objtab_off[0] = pos;
	pos += ot_size;
	for (int t = 0; t < tables; t++) {
		pos = align_up(pos, A);
		img->key_tables[t].index = (uint16_t)(o->first_table_index + t);
		img->key_tables[t].file_off = pos;
		img->key_tables[t].size = KT;
		pos += KT;
	}
	img->key_table_count = (uint32_t)tables;
	pos = align_up(pos, A);
	img->replay_off = pos;
	img->replay_size = o->replay_size;
	img->replay_hdr_size = o->replay_hdr_size;
	pos += o->replay_size;
	for (uint32_t t = 1; t < ot_count; t++) {
		pos = align_up(pos, A);
		img->objtab_off[t] = pos;
		pos += ot_size;
	}
	img->objtab_count = ot_count;
	for (size_t i = 0; i < w->n; i++) {
		struct wkey *k = &w->k[i];
		if (!k->in_file)
			continue;
		pos = align_up(pos, A);
		k->fobj_off = pos;
		pos += align_up(k->len ? k->len : 1, A);
	}
	img->len = (size_t)align_up(pos, A);
	img->buf = calloc(1, img->len);
	img->key_count = w->n;
	img->key_entry_off = xmalloc(w->n * sizeof(uint64_t));
	img->key_value_off = xmalloc(w->n * sizeof(uint64_t));
	if (!img->buf)
		abort();
	uint8_t *b = img->buf;

	/* headers */
	for (unsigned c = 0; c < 2; c++) {
		uint8_t *h = b + (c ? 0x1000 : 0);
		vms_put_le32(h, 0x01282014u);
		vms_put_le16(h + 8, o->seq[c]);
		vms_put_le32(h + 10, o->format_version);
		vms_put_le32(h + 22, (uint32_t)A);
		vms_put_le64(h + 26, img->replay_off);
		vms_put_le64(h + 34, o->replay_size);
		vms_put_le32(h + 42, o->replay_hdr_size);
		hvs_image_reseal_header(img, c);
	}
	/* replay log: valid and empty */
	uint8_t *rl = b + img->replay_off;
	vms_put_le32(rl, 0x01110003u);
	vms_put_le32(rl + 13, (o->replay_hdr_size - W_RL_HDR) / W_RL_ENTRY);
	hvs_image_reseal_replay_header(img);

	/* key tables: headers, then entries, then free space / slack */
	for (int t = 0; t < tables; t++) {
		uint8_t *kt = b + img->key_tables[t].file_off;
		vms_put_le16(kt, 2);
		vms_put_le16(kt + 2, img->key_tables[t].index);
		vms_put_le16(kt + 4, 1);
		hvs_image_reseal_key_table(img, img->key_tables[t].file_off);
		struct wkey *last = &w->k[last_in_table[t]];
		uint32_t end = last->table_off + last->esize, left = KT - end;
		if (left > W_KE_HDR) {
			kt[end] = 1; /* Free entry covering the rest */
			vms_put_le32(kt + end + 2, left);
		} else {
			last->esize += left; /* §2.6: fold the slack into the last entry */
		}
	}
	for (size_t i = 0; i < w->n; i++) {
		struct wkey *k = &w->k[i];
		uint64_t eoff =
			img->key_tables[k->table - o->first_table_index].file_off + k->table_off;
		uint8_t *e = b + eoff;
		size_t nlen = strlen(k->name) + 1;
		e[0] = k->type;
		e[1] = (uint8_t)(k->flags | (k->in_file ? 1 : 0));
		vms_put_le32(e + 2, k->esize);
		if (k->parent != HVS_W_ROOT) {
			vms_put_le16(e + 6, w->k[k->parent].table);
			vms_put_le32(e + 8, w->k[k->parent].table_off);
		}
		vms_put_le32(e + 16, k->ins_seq);
		e[20] = (uint8_t)nlen;
		memcpy(e + W_KE_HDR, k->name, nlen);
		uint8_t *v = e + W_KE_HDR + nlen;
		img->key_entry_off[i] = eoff;
		if (k->in_file) {
			vms_put_le32(v, (uint32_t)k->len);
			vms_put_le64(v + 4, k->fobj_off);
			memcpy(b + k->fobj_off, k->payload, k->len);
			img->key_value_off[i] = k->fobj_off;
		} else if (k->type == 9) {
			vms_put_le32(v + 8, k->child_count + 1);
			img->key_value_off[i] = eoff + W_KE_HDR + nlen;
		} else {
			if (k->prefixed)
				vms_put_le32(v, (uint32_t)k->len);
			uint8_t *d = v + (k->prefixed ? 4 : 0);
			if (k->len)
				memcpy(d, k->payload, k->len);
			img->key_value_off[i] = (uint64_t)(d - b);
		}
		hvs_image_reseal_key_entry(img, eoff);
	}
	free(order);
	free(last_in_table);

	/* object tables: key tables, then file objects; last slot chains */
	size_t obj = 0, next_f = 0;
	for (uint32_t t = 0; t < ot_count; t++) {
		uint8_t *ot = b + img->objtab_off[t];
		vms_put_le32(ot, 0x01110001u);
		vms_put_le32(ot + 4, o->objtab_capacity);
		for (uint32_t s = 0; s < per && obj < objects; s++, obj++) {
			uint8_t *e = ot + 8 + (size_t)s * W_OBJ_ENTRY;
			if (obj < (size_t)tables) {
				e[0] = 2;
				vms_put_le64(e + 5, img->key_tables[obj].file_off);
				vms_put_le32(e + 13, KT);
				e[17] = 1;
			} else {
				while (!w->k[next_f].in_file)
					next_f++;
				const struct wkey *fk = &w->k[next_f++];
				e[0] = 3;
				vms_put_le64(e + 5, fk->fobj_off);
				vms_put_le32(e + 13, (uint32_t)align_up(fk->len ? fk->len : 1, A));
				e[17] = o->file_object_flags;
			}
			hvs_image_reseal_objtab_entry(img, (uint64_t)(e - b));
		}
		if (t + 1 < ot_count) {
			uint8_t *e = ot + 8 + (size_t)per * W_OBJ_ENTRY;
			e[0] = 1;
			vms_put_le64(e + 5, img->objtab_off[t + 1]);
			vms_put_le32(e + 13, (uint32_t)ot_size);
			e[17] = 1;
			hvs_image_reseal_objtab_entry(img, (uint64_t)(e - b));
		}
	}
	return 0;
}

void hvs_image_free(struct hvs_image *img)
{
	free(img->buf);
	free(img->key_entry_off);
	free(img->key_value_off);
	free(img->objtab_off);
	free(img->key_tables);
	memset(img, 0, sizeof(*img));
}

int hvs_image_write_file(const struct hvs_image *img, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(img->buf, 1, img->len, f) == img->len;
	return fclose(f) == 0 && ok ? 0 : -1;
}
