/* HyperVStorage key tables and key entries (hyperv-format §2.6-2.8): table headers, duplicate
 * TableIndex resolution, entry walking, value decoding and file-object pointers. The tree is
 * linked afterwards by hvs_tree.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "core/crc32.h"
#include "formats/hyperv/hvs_internal.h"

/* §2.6 key-table header and key-entry offsets */
#define KT_OFF_INDEX 2
#define KT_OFF_SEQUENCE 4
#define KT_OFF_CHECKSUM 6
#define KE_OFF_TYPE 0
#define KE_OFF_FLAGS 1
#define KE_OFF_SIZE 2
#define KE_OFF_PARENT_TABLE 6
#define KE_OFF_PARENT_OFF 8
#define KE_OFF_CRC 12
#define KE_OFF_INSERTION 16
#define KE_OFF_NAME_LEN 20

struct entry_vec {
	struct hvs_entry *p;
	size_t n, cap;
};

/* Where one entry sits, for messages. */
struct entry_loc {
	uint16_t index;
	uint64_t table_off;
	uint32_t table_size;
	uint32_t pos;
};

#define LOC_FMT "hvs: key table %u at file offset %#" PRIx64 ": entry at +%#x"
#define LOC_ARGS(l) (l)->index, (l)->table_off, (l)->pos

static int read_table_header(struct hvs_container *c, struct hvs_key_table *t,
			     struct vms_error *err)
{
	uint8_t hb[HVS_KEYTAB_HEADER_LEN];
	if (t->size < HVS_KEYTAB_HEADER_LEN)
		return vms_fail(err, -EBADMSG,
				"hvs: key table at file offset %#" PRIx64 ": size "
				"%#x is smaller than its %u-byte header",
				t->file_off, t->size, HVS_KEYTAB_HEADER_LEN);
	int rc = hvs_read(c, t->file_off, hb, sizeof(hb), "key table header", err);
	if (rc < 0)
		return rc;
	uint16_t sig = vms_le16(hb);
	if (sig != HVS_KEYTAB_SIGNATURE)
		return vms_fail(err, -EBADMSG,
				"hvs: key table at file offset %#" PRIx64
				": signature %#x (expected %#x)",
				t->file_off, sig, HVS_KEYTAB_SIGNATURE);
	t->index = vms_le16(hb + KT_OFF_INDEX);
	t->sequence = vms_le16(hb + KT_OFF_SEQUENCE);
	uint32_t crc = vms_le32(hb + KT_OFF_CHECKSUM);
	vms_put_le32(hb + KT_OFF_CHECKSUM, 0);
	if (vms_crc32(0, hb, sizeof(hb)) != crc) {
		rc = hvs_crc_fail(c, err,
				  "hvs: key table %u at file offset %#" PRIx64 ": header "
				  "CRC mismatch",
				  t->index, t->file_off);
		if (rc < 0)
			return rc;
	}
	if (t->index == 0)
		return vms_fail(err, -EBADMSG,
				"hvs: key table at file offset %#" PRIx64
				": TableIndex 0 is reserved for the virtual root",
				t->file_off);
	return 0;
}

static int cmp_table(const void *a, const void *b)
{
	const struct hvs_key_table *x = a, *y = b;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return x->file_off < y->file_off ? -1 : x->file_off > y->file_off;
}

/* §2.6 duplicate TableIndex: keep the newest (wrap-aware) Sequence [G], warn. */
static size_t dedupe_tables(struct hvs_container *c, struct hvs_key_table *t, size_t n)
{
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		size_t best = i, j = i + 1;
		for (; j < n && t[j].index == t[i].index; j++)
			if (hvs_seq_newer(t[j].sequence, t[best].sequence))
				best = j;
		if (j - i > 1)
			hvs_warn(c,
				 "hvs: %zu key tables carry TableIndex %u; using the one at file "
				 "offset %#" PRIx64 " (sequence %u)",
				 j - i, t[i].index, t[best].file_off, t[best].sequence);
		t[out++] = t[best];
		i = j;
	}
	return out;
}

static struct hvs_entry *entry_push(struct hvs_container *c, struct entry_vec *v,
				    struct vms_error *err)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 256;
		if ((uint64_t)ncap * sizeof(*v->p) > c->max_alloc) {
			vms_fail(err, -EFBIG, "hvs: more key entries than max_alloc allows");
			return NULL;
		}
		struct hvs_entry *np = realloc(v->p, ncap * sizeof(*np));
		if (!np) {
			vms_fail(err, -ENOMEM, "hvs: out of memory for key entries");
			return NULL;
		}
		v->p = np;
		v->cap = ncap;
	}
	struct hvs_entry *e = &v->p[v->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

static int decode_string(struct hvs_container *c, struct hvs_entry *e, const uint8_t *txt,
			 uint64_t len, const struct entry_loc *l, struct vms_error *err)
{
	if (len % 2)
		return vms_fail(err, -EBADMSG,
				LOC_FMT " (%s): string length %" PRIu64 " is odd "
					"(UTF-16)",
				LOC_ARGS(l), e->k.name, len);
	/* §2.7: real files exclude the terminator, OV-WR includes it: strip one */
	if (len >= 2 && txt[len - 2] == 0 && txt[len - 1] == 0)
		len -= 2;
	char *s = hvs_alloc(c, 3 * (len / 2) + 1, "string value", err);
	if (!s)
		return err ? err->code : -ENOMEM;
	size_t n = hvs_utf16_to_utf8(txt, (size_t)len, s);
	e->k.str = hvs_arena_strdup(c, s, n, err);
	free(s);
	return e->k.str ? 0 : (err ? err->code : -ENOMEM);
}

/* Decode the value of a non-Free entry whose name has been read. `v`/`vavail`: the bytes
 * after the name inside the entry. Sets *vlen to the bytes the CRC covers. */
static int decode_value(struct hvs_container *c, struct hvs_entry *e, const uint8_t *v,
			uint32_t vavail, uint64_t v_file_off, uint32_t *vlen,
			const struct entry_loc *l, struct vms_error *err)
{
	struct hvs_key *k = &e->k;
	uint32_t need;
	switch (k->raw_type) {
	case HVS_TYPE_INT:
	case HVS_TYPE_UINT:
	case HVS_TYPE_DOUBLE:
		need = 8;
		break;
	case HVS_TYPE_BOOL:
		need = 4;
		break;
	case HVS_TYPE_NODE:
		/* §2.7: 12 bytes present (DIS says 8); accept an 8-byte node too */
		need = vavail >= 12 ? 12 : 8;
		break;
	case HVS_TYPE_STRING:
	case HVS_TYPE_ARRAY:
		need = 4;
		break;
	default:
		need = 0;
		break;
	}
	if (vavail < need)
		return vms_fail(err, -EBADMSG,
				LOC_FMT " (%s, type %u): value needs %u bytes, the "
					"entry has %u",
				LOC_ARGS(l), k->name, k->raw_type, need, vavail);
	*vlen = need;
	switch (k->raw_type) {
	case HVS_TYPE_INT:
		k->type = VMS_KEY_INT;
		k->u64 = vms_le64(v);
		return 0;
	case HVS_TYPE_UINT:
		k->type = VMS_KEY_UINT;
		k->u64 = vms_le64(v);
		return 0;
	case HVS_TYPE_DOUBLE:
		k->type = VMS_KEY_DOUBLE;
		k->u64 = vms_le64(v);
		return 0;
	case HVS_TYPE_BOOL:
		k->type = VMS_KEY_BOOL;
		k->u64 = vms_le32(v) != 0;
		return 0;
	case HVS_TYPE_NODE:
		k->type = VMS_KEY_NODE;
		k->u64 = vms_le64(v);
		return 0;
	case HVS_TYPE_STRING:
	case HVS_TYPE_ARRAY: {
		uint32_t len = vms_le32(v);
		if (len > vavail - 4)
			return vms_fail(err, -EBADMSG,
					LOC_FMT " (%s): value length %u overruns the "
						"entry (%u bytes left)",
					LOC_ARGS(l), k->name, len, vavail - 4);
		*vlen = 4 + len;
		k->data_file_off = v_file_off + 4;
		k->data_len = len;
		if (k->raw_type == HVS_TYPE_ARRAY) {
			k->type = VMS_KEY_ARRAY;
			return 0;
		}
		k->type = VMS_KEY_STRING;
		return decode_string(c, e, v + 4, len, l, err);
	}
	default:
		if (k->raw_type != HVS_TYPE_UNKNOWN2)
			hvs_warn(c, LOC_FMT " (%s): unknown type %u; kept as opaque bytes",
				 LOC_ARGS(l), k->name, k->raw_type);
		k->type = VMS_KEY_OTHER;
		k->data_file_off = v_file_off;
		k->data_len = vavail;
		*vlen = vavail;
		return 0;
	}
}

/* §2.7/2.8: a 12-byte pointer replaces the value; the data sits raw in a file object. */
static int decode_file_pointer(struct hvs_container *c, struct hvs_entry *e, const uint8_t *v,
			       uint32_t vavail, const struct entry_loc *l, struct vms_error *err)
{
	struct hvs_key *k = &e->k;
	if (vavail < HVS_FILE_POINTER_LEN)
		return vms_fail(err, -EBADMSG,
				LOC_FMT " (%s): file-object pointer needs 12 bytes, "
					"the entry has %u",
				LOC_ARGS(l), k->name, vavail);
	uint32_t len = vms_le32(v);
	uint64_t off = vms_le64(v + 4);
	uint32_t obj_size;
	if (vms_range_outside(off, len, c->io.size))
		return vms_fail(err, -EBADMSG,
				LOC_FMT " (%s): file object [%#" PRIx64 ", +%#x) "
					"lies outside the file (size %#" PRIx64 ")",
				LOC_ARGS(l), k->name, off, len, c->io.size);
	if (hvs_fileobj_find(c, off, &obj_size)) {
		if (len > obj_size)
			return vms_fail(err, -EBADMSG,
					LOC_FMT " (%s): value of %#x bytes exceeds its "
						"file object at %#" PRIx64 " (size %#x)",
					LOC_ARGS(l), k->name, len, off, obj_size);
	} else {
		hvs_warn(c,
			 LOC_FMT " (%s): file object at %#" PRIx64 " is not listed in any "
				 "object table",
			 LOC_ARGS(l), k->name, off);
	}
	k->data_file_off = off;
	k->data_len = len;
	switch (k->raw_type) {
	case HVS_TYPE_STRING: {
		if (len > HVS_MAX_STRING_BYTES)
			return vms_fail(err, -EFBIG,
					LOC_FMT " (%s): string of %u bytes exceeds the "
						"cap",
					LOC_ARGS(l), k->name, len);
		uint8_t *txt = hvs_alloc(c, len ? len : 1, "string value", err);
		if (!txt)
			return err ? err->code : -ENOMEM;
		int rc = hvs_read(c, off, txt, len, "file object", err);
		if (rc == 0) {
			k->type = VMS_KEY_STRING;
			rc = decode_string(c, e, txt, len, l, err);
		}
		free(txt);
		return rc;
	}
	case HVS_TYPE_INT:
	case HVS_TYPE_UINT:
	case HVS_TYPE_DOUBLE:
	case HVS_TYPE_BOOL:
	case HVS_TYPE_NODE:
		/* never seen: scalars are far below the threshold. Expose the bytes. */
		hvs_warn(c, LOC_FMT " (%s): type %u stored in a file object; exposed as bytes",
			 LOC_ARGS(l), k->name, k->raw_type);
		k->type = VMS_KEY_FILE;
		return 0;
	default:
		k->type = VMS_KEY_FILE;
		return 0;
	}
}

static int parse_entry(struct hvs_container *c, const uint8_t *tb, const struct entry_loc *l,
		       uint32_t esize, struct entry_vec *out, struct vms_error *err)
{
	const uint8_t *h = tb + l->pos;
	uint8_t name_len = h[KE_OFF_NAME_LEN];
	uint32_t after = esize - HVS_KEY_ENTRY_HEADER_LEN;
	if (name_len == 0 || name_len > after)
		return vms_fail(err, -EBADMSG,
				LOC_FMT ": name of %u bytes does not fit the entry "
					"(size %#x)",
				LOC_ARGS(l), name_len, esize);
	const char *name = (const char *)h + HVS_KEY_ENTRY_HEADER_LEN;
	if (name[name_len - 1] != '\0')
		return vms_fail(err, -EBADMSG, LOC_FMT ": name is not NUL-terminated", LOC_ARGS(l));
	struct hvs_entry *e = entry_push(c, out, err);
	if (!e)
		return err ? err->code : -ENOMEM;
	struct hvs_key *k = &e->k;
	k->name = hvs_arena_strdup(c, name, strlen(name), err);
	if (!k->name)
		return err ? err->code : -ENOMEM;
	k->raw_type = h[KE_OFF_TYPE];
	k->flags = h[KE_OFF_FLAGS];
	k->insertion_seq = vms_le32(h + KE_OFF_INSERTION);
	k->entry_file_off = l->table_off + l->pos;
	k->table_index = l->index;
	k->table_off = l->pos;
	e->parent_table = vms_le16(h + KE_OFF_PARENT_TABLE);
	e->parent_off = vms_le32(h + KE_OFF_PARENT_OFF);

	const uint8_t *v = h + HVS_KEY_ENTRY_HEADER_LEN + name_len;
	uint32_t vavail = after - name_len, vlen = HVS_FILE_POINTER_LEN;
	int rc;
	if (k->flags & HVS_KEY_FLAG_FILE_OBJECT)
		rc = decode_file_pointer(c, e, v, vavail, l, err);
	else
		rc = decode_value(c, e, v, vavail,
				  l->table_off + l->pos + HVS_KEY_ENTRY_HEADER_LEN + name_len,
				  &vlen, l, err);
	if (rc < 0)
		return rc;

	/* §2.11: CRC over header (field zeroed), name and value; slack excluded */
	uint8_t hdr[HVS_KEY_ENTRY_HEADER_LEN];
	memcpy(hdr, h, sizeof(hdr));
	vms_put_le32(hdr + KE_OFF_CRC, 0);
	uint32_t crc = vms_crc32(0, hdr, sizeof(hdr));
	crc = vms_crc32(crc, h + HVS_KEY_ENTRY_HEADER_LEN, (size_t)name_len + vlen);
	k->crc_ok = crc == vms_le32(h + KE_OFF_CRC);
	if (!k->crc_ok) {
		c->info.bad_crc_count++;
		return hvs_crc_fail(c, err, LOC_FMT " (%s): CRC mismatch", LOC_ARGS(l), k->name);
	}
	return 0;
}

static int parse_table(struct hvs_container *c, struct hvs_key_table *t, struct entry_vec *out,
		       struct vms_error *err)
{
	uint8_t *tb = hvs_alloc(c, t->size, "key table", err);
	if (!tb)
		return err ? err->code : -ENOMEM;
	char what[32];
	snprintf(what, sizeof(what), "key table %u", t->index);
	int rc = hvs_read(c, t->file_off, tb, t->size, what, err);
	struct entry_loc l = {t->index, t->file_off, t->size, HVS_KEYTAB_HEADER_LEN};
	/* §2.6: the DLL's verifier loops while offset + 21 < end */
	while (rc == 0 && (uint64_t)l.pos + HVS_KEY_ENTRY_HEADER_LEN < t->size) {
		uint32_t esize = vms_le32(tb + l.pos + KE_OFF_SIZE);
		if (esize == 0)
			break;
		if (esize > t->size - l.pos) {
			rc = vms_fail(err, -EBADMSG,
				      LOC_FMT " overruns the table (entry size %#x, "
					      "table size %#x)",
				      LOC_ARGS(&l), esize, t->size);
			break;
		}
		if (esize < HVS_KEY_ENTRY_HEADER_LEN) {
			rc = vms_fail(err, -EBADMSG,
				      LOC_FMT ": size %u is smaller than the %u-byte "
					      "entry header",
				      LOC_ARGS(&l), esize, HVS_KEY_ENTRY_HEADER_LEN);
			break;
		}
		t->entry_count++;
		if (tb[l.pos + KE_OFF_TYPE] == HVS_TYPE_FREE)
			c->info.free_entry_count++;
		else
			rc = parse_entry(c, tb, &l, esize, out, err);
		l.pos += esize;
	}
	free(tb);
	return rc;
}

int hvs_keytabs_load(struct hvs_container *c, struct hvs_key_table *cand, size_t cand_count,
		     struct vms_error *err)
{
	struct entry_vec ev = {NULL, 0, 0};
	uint64_t total = 0;
	int rc = 0;
	for (size_t i = 0; i < cand_count && rc == 0; i++)
		rc = read_table_header(c, &cand[i], err);
	if (rc < 0)
		goto fail;
	if (cand_count)
		qsort(cand, cand_count, sizeof(*cand), cmp_table);
	size_t n = dedupe_tables(c, cand, cand_count);
	for (size_t i = 0; i < n && rc == 0; i++) {
		/* real key tables never overlap, so together they fit in the file */
		total += cand[i].size;
		if (total > c->io.size) {
			rc = vms_fail(err, -EBADMSG,
				      "hvs: key table %u at file offset %#" PRIx64
				      ": key tables overlap (%" PRIu64 " bytes in total exceed the "
				      "file)",
				      cand[i].index, cand[i].file_off, total);
			break;
		}
		rc = parse_table(c, &cand[i], &ev, err);
	}
	if (rc < 0)
		goto fail;
	c->tables = cand;
	c->table_count = n;
	c->info.key_table_count = (uint32_t)n;
	rc = hvs_tree_build(c, ev.p, ev.n, err);
	free(ev.p);
	return rc;
fail:
	free(ev.p);
	free(cand);
	return rc;
}
