/* HyperVStorage key tree (hyperv-format §2.9): links entries to parents in a second pass,
 * rejects cycles, orders siblings by InsertionSequence, numbers keys depth-first, and serves
 * (parent, name) lookups from a hash table. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "formats/hyperv/hvs_internal.h"

enum link_state { LS_NEW = 0, LS_WALKING, LS_OK, LS_BAD };

/* Entries arrive sorted by (table index, offset): tables are parsed in index order. */
static uint32_t find_entry(const struct hvs_entry *e, size_t n, uint16_t table, uint32_t off)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e[mid].k.table_index < table ||
		    (e[mid].k.table_index == table && e[mid].k.table_off < off))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && e[lo].k.table_index == table && e[lo].k.table_off == off)
		return (uint32_t)lo;
	return HVS_NO_KEY;
}

static uint64_t name_hash(uint32_t parent, const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ parent;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static uint32_t child_lookup(const struct hvs_container *c, uint32_t parent, const char *name,
			     size_t len, bool *dup)
{
	if (dup)
		*dup = false;
	if (!c || !c->hash_cap)
		return HVS_NO_KEY;
	size_t h = (size_t)name_hash(parent, name, len) & (c->hash_cap - 1);
	for (;; h = (h + 1) & (c->hash_cap - 1)) {
		const struct hvs_hslot *s = &c->hash[h];
		if (s->key == HVS_NO_KEY)
			return HVS_NO_KEY;
		const struct hvs_key *k = &c->keys[s->key];
		if (k->parent == parent && strncmp(k->name, name, len) == 0 && k->name[len] == 0) {
			if (dup)
				*dup = s->dup;
			return s->key;
		}
	}
}

static int build_hash(struct hvs_container *c, struct vms_error *err)
{
	size_t cap = 16;
	while (cap < c->key_count * 2)
		cap *= 2;
	c->hash = hvs_alloc(c, (uint64_t)cap * sizeof(*c->hash), "key hash", err);
	if (!c->hash)
		return err ? err->code : -ENOMEM;
	c->hash_cap = cap;
	for (size_t i = 0; i < cap; i++) {
		c->hash[i].key = HVS_NO_KEY;
		c->hash[i].dup = false;
	}
	/* depth-first order puts earlier siblings first, so the first insert wins */
	for (uint32_t i = 0; i < c->key_count; i++) {
		const struct hvs_key *k = &c->keys[i];
		size_t len = strlen(k->name);
		size_t h = (size_t)name_hash(k->parent, k->name, len) & (cap - 1);
		for (;; h = (h + 1) & (cap - 1)) {
			struct hvs_hslot *s = &c->hash[h];
			if (s->key == HVS_NO_KEY) {
				s->key = i;
				break;
			}
			const struct hvs_key *o = &c->keys[s->key];
			if (o->parent == k->parent && strcmp(o->name, k->name) == 0) {
				s->dup = true;
				break;
			}
		}
	}
	return 0;
}

/* Resolve every entry's parent; mark entries whose chain reaches the root as LS_OK. Each
 * entry is walked once: a path is followed until a resolved entry, then marked. */
static void link_parents(struct hvs_container *c, struct hvs_entry *e, size_t n, uint32_t *parent,
			 uint8_t *state, uint32_t *path, uint32_t *bad_count,
			 const char **why_first, uint32_t *bad_first)
{
	for (size_t i = 0; i < n; i++) {
		if (e[i].parent_table == 0) {
			parent[i] = HVS_NO_KEY;
			continue;
		}
		uint32_t p = find_entry(e, n, e[i].parent_table, e[i].parent_off);
		parent[i] = p;
		if (p == HVS_NO_KEY || e[p].k.raw_type != HVS_TYPE_NODE) {
			state[i] = LS_BAD;
			if ((*bad_count)++ == 0) {
				*why_first = p == HVS_NO_KEY ? "no entry at its parent reference"
							     : "its parent is not a Node";
				*bad_first = (uint32_t)i;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t depth = 0;
		uint32_t cur = (uint32_t)i;
		enum link_state end = LS_OK;
		while (state[cur] == LS_NEW) {
			if (depth >= HVS_MAX_DEPTH) {
				end = LS_BAD;
				break;
			}
			state[cur] = LS_WALKING;
			path[depth++] = cur;
			if (parent[cur] == HVS_NO_KEY)
				break;
			cur = parent[cur];
		}
		bool loop = end == LS_BAD; /* too deep */
		if (end == LS_OK && (state[cur] == LS_WALKING && parent[cur] != HVS_NO_KEY)) {
			end = LS_BAD; /* met our own path: a cycle */
			loop = true;
		}
		if (end == LS_OK && state[cur] == LS_BAD)
			end = LS_BAD;
		for (size_t d = 0; d < depth; d++)
			state[path[d]] = (uint8_t)end;
		if (end == LS_BAD && depth) {
			if (*bad_count == 0) {
				*why_first = loop ? "its parent chain loops or is too deep"
						  : "an ancestor is unreachable";
				*bad_first = (uint32_t)i;
			}
			*bad_count += (uint32_t)depth;
		}
	}
	(void)c;
}

struct sort_item {
	uint32_t parent, seq, idx;
};

static int cmp_item(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx; /* table order breaks ties */
}

int hvs_tree_build(struct hvs_container *c, struct hvs_entry *e, size_t n, struct vms_error *err)
{
	int rc = -ENOMEM;
	uint32_t *parent = calloc(n ? n : 1, sizeof(*parent));
	uint8_t *state = calloc(n ? n : 1, 1);
	uint32_t *path = calloc(HVS_MAX_DEPTH + 1, sizeof(*path));
	uint32_t *first = malloc((n ? n : 1) * sizeof(*first));
	uint32_t *next = malloc((n ? n : 1) * sizeof(*next));
	uint32_t *newidx = malloc((n ? n : 1) * sizeof(*newidx));
	struct sort_item *items = malloc((n ? n : 1) * sizeof(*items));
	if (!parent || !state || !path || !first || !next || !newidx || !items) {
		vms_fail(err, -ENOMEM, "hvs: out of memory building the key tree");
		goto out;
	}
	uint32_t bad = 0, bad_first = 0;
	const char *why = NULL;
	link_parents(c, e, n, parent, state, path, &bad, &why, &bad_first);
	if (bad) {
		const struct hvs_entry *b = &e[bad_first];
		rc = hvs_crc_fail(
			c, err,
			"hvs: %u key entries are unreachable from the root; "
			"first: key table %u entry at +%#x (%s): %s (parent table %u +%#x)",
			bad, b->k.table_index, b->k.table_off, b->k.name, why, b->parent_table,
			b->parent_off);
		if (rc < 0)
			goto out;
	}
	/* order siblings by InsertionSequence, then link first-child / next-sibling lists */
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		first[i] = next[i] = HVS_NO_KEY;
		if (state[i] == LS_OK)
			items[m++] =
				(struct sort_item){parent[i], e[i].k.insertion_seq, (uint32_t)i};
	}
	qsort(items, m, sizeof(*items), cmp_item);
	uint32_t root_first = HVS_NO_KEY;
	for (size_t j = m; j-- > 0;) {
		uint32_t i = items[j].idx, p = items[j].parent;
		uint32_t *head = p == HVS_NO_KEY ? &root_first : &first[p];
		next[i] = *head;
		*head = i;
	}
	c->keys = hvs_alloc(c, (uint64_t)(m ? m : 1) * sizeof(*c->keys), "keys", err);
	if (!c->keys) {
		rc = err ? err->code : -ENOMEM;
		goto out;
	}
	/* depth-first pre-order without a stack: parent links are acyclic by now */
	uint32_t count = 0, cur = root_first;
	while (cur != HVS_NO_KEY) {
		newidx[cur] = count++;
		if (first[cur] != HVS_NO_KEY) {
			cur = first[cur];
			continue;
		}
		while (cur != HVS_NO_KEY && next[cur] == HVS_NO_KEY)
			cur = parent[cur];
		if (cur != HVS_NO_KEY)
			cur = next[cur];
	}
	for (size_t j = 0; j < m; j++) {
		uint32_t i = items[j].idx;
		struct hvs_key *k = &c->keys[newidx[i]];
		*k = e[i].k;
		k->parent = parent[i] == HVS_NO_KEY ? HVS_NO_KEY : newidx[parent[i]];
		k->first_child = first[i] == HVS_NO_KEY ? HVS_NO_KEY : newidx[first[i]];
		k->next_sibling = next[i] == HVS_NO_KEY ? HVS_NO_KEY : newidx[next[i]];
		k->child_count = 0;
	}
	c->key_count = m;
	c->root_first = root_first == HVS_NO_KEY ? HVS_NO_KEY : newidx[root_first];
	for (uint32_t i = 0; i < m; i++) {
		struct hvs_key *k = &c->keys[i];
		k->depth = k->parent == HVS_NO_KEY ? 0 : c->keys[k->parent].depth + 1;
		if (k->parent != HVS_NO_KEY)
			c->keys[k->parent].child_count++;
	}
	rc = build_hash(c, err);
out:
	free(parent);
	free(state);
	free(path);
	free(first);
	free(next);
	free(newidx);
	free(items);
	return rc;
}

size_t hvs_key_count(const struct hvs_container *c)
{
	return c ? c->key_count : 0;
}

const struct hvs_key *hvs_key_at(const struct hvs_container *c, uint32_t index)
{
	return c && index < c->key_count ? &c->keys[index] : NULL;
}

uint32_t hvs_key_index(const struct hvs_container *c, const struct hvs_key *k)
{
	if (!c || !k || k < c->keys || k >= c->keys + c->key_count)
		return HVS_NO_KEY;
	return (uint32_t)(k - c->keys);
}

uint32_t hvs_child(const struct hvs_container *c, uint32_t parent, const char *name, bool *dup)
{
	return name ? child_lookup(c, parent, name, strlen(name), dup) : HVS_NO_KEY;
}

static int walk_path(const struct hvs_container *c, const char *path, uint32_t *index,
		     bool fail_dup, struct vms_error *err)
{
	uint32_t cur = HVS_NO_KEY;
	const char *p = path;
	if (!c || !path)
		return vms_fail(err, -EINVAL, "hvs: lookup without a container or path");
	if (*p == '/')
		p++;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		bool dup;
		uint32_t k = child_lookup(c, cur, p, len, &dup);
		if (k == HVS_NO_KEY)
			return vms_fail(err, -ENOENT, "hvs: key %s: no component \"%.*s\"", path,
					(int)len, p);
		if (dup && fail_dup)
			return vms_fail(err, -EBADMSG,
					"hvs: key %s: component \"%.*s\" is not unique "
					"(duplicate sibling names)",
					path, (int)len, p);
		cur = k;
		p += len;
		if (*p == '/')
			p++;
	}
	if (cur == HVS_NO_KEY)
		return vms_fail(err, -ENOENT, "hvs: empty key path");
	*index = cur;
	return 0;
}

uint32_t hvs_lookup(const struct hvs_container *c, const char *path)
{
	uint32_t idx;
	return walk_path(c, path, &idx, false, NULL) == 0 ? idx : HVS_NO_KEY;
}

int hvs_find(const struct hvs_container *c, const char *path, uint32_t *index,
	     struct vms_error *err)
{
	return walk_path(c, path, index, true, err);
}

int hvs_key_path(const struct hvs_container *c, uint32_t index, char *buf, size_t cap)
{
	if (!c || index >= c->key_count)
		return -ERANGE;
	size_t total = 0;
	for (uint32_t k = index; k != HVS_NO_KEY; k = c->keys[k].parent)
		total += 1 + strlen(c->keys[k].name);
	if (total + 1 > cap) {
		if (cap)
			buf[0] = 0;
		return -ENOSPC;
	}
	buf[total] = 0;
	size_t pos = total;
	for (uint32_t k = index; k != HVS_NO_KEY; k = c->keys[k].parent) {
		size_t len = strlen(c->keys[k].name);
		pos -= len;
		memcpy(buf + pos, c->keys[k].name, len);
		buf[--pos] = '/';
	}
	return (int)total;
}

int hvs_export_keys(const struct hvs_container *c, struct vms_model *m, struct vms_error *err)
{
	if (!c || !m)
		return vms_fail(err, -EINVAL, "hvs: export without a container or model");
	for (size_t i = 0; i < c->key_count; i++) {
		const struct hvs_key *k = &c->keys[i];
		struct vms_model_key mk;
		memset(&mk, 0, sizeof(mk));
		/* vms_model_add_key copies both strings */
		memcpy(&mk.name, &k->name, sizeof(mk.name));
		memcpy(&mk.str, &k->str, sizeof(mk.str));
		mk.depth = k->depth;
		mk.type = k->type;
		mk.u64 = k->u64;
		mk.crc_ok = k->crc_ok;
		if (k->type == VMS_KEY_ARRAY || k->type == VMS_KEY_FILE ||
		    k->type == VMS_KEY_OTHER) {
			mk.data_len = k->data_len;
			mk.data_file_off = k->data_file_off;
		}
		int rc = vms_model_add_key(m, &mk);
		if (rc < 0)
			return vms_fail(err, rc, "hvs: exporting key %zu of %zu failed", i,
					c->key_count);
	}
	return 0;
}
