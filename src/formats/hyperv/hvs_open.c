/* HyperVStorage container: open/close, the warning and allocation policy, value reads
 * (hyperv-format §2). Parsing order: headers, replay log (so the overlay exists before any
 * table is read), object tables, key tables, tree. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "formats/hyperv/hvs_internal.h"

#define ARENA_BLOCK (64u << 10)

struct hvs_arena_block {
	struct hvs_arena_block *next;
	size_t used, cap;
	char data[];
};

__attribute__((format(printf, 2, 0))) static void vwarn(struct hvs_container *c, const char *fmt,
							va_list ap)
{
	char msg[256];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	c->info.warning_count++;
	if (c->m)
		vms_model_warn(c->m, "%s", msg);
	else if (c->opts && c->opts->log)
		c->opts->log(c->opts->log_ctx, msg);
}

void hvs_warn(struct hvs_container *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(c, fmt, ap);
	va_end(ap);
}

/* Recoverable damage (checksums, unreachable keys, unusable log): a warning, or an error
 * under VMS_OPEN_STRICT. */
int hvs_crc_fail(struct hvs_container *c, struct vms_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (c->flags & VMS_OPEN_STRICT) {
		char msg[256];
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		return vms_fail(err, -EBADMSG, "%s (VMS_OPEN_STRICT)", msg);
	}
	vwarn(c, fmt, ap);
	va_end(ap);
	return 0;
}

void *hvs_alloc(struct hvs_container *c, uint64_t bytes, const char *what, struct vms_error *err)
{
	if (bytes > c->max_alloc) {
		vms_fail(err, -EFBIG,
			 "hvs: %s needs %" PRIu64 " bytes, more than max_alloc "
			 "(%" PRIu64 ")",
			 what, bytes, c->max_alloc);
		return NULL;
	}
	void *p = malloc(bytes ? (size_t)bytes : 1);
	if (!p)
		vms_fail(err, -ENOMEM, "hvs: out of memory for %s (%" PRIu64 " bytes)", what,
			 bytes);
	return p;
}

char *hvs_arena_strdup(struct hvs_container *c, const char *s, size_t len, struct vms_error *err)
{
	struct hvs_arena_block *b = c->arena;
	if (!b || b->cap - b->used < len + 1) {
		size_t cap = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;
		c->arena_total += cap;
		/* names and strings live in key tables, which together fit in the file */
		if (c->arena_total > c->io.size * 4 + ARENA_BLOCK * 4) {
			vms_fail(err, -EFBIG, "hvs: key names and strings exceed the file's size");
			return NULL;
		}
		b = malloc(sizeof(*b) + cap);
		if (!b) {
			vms_fail(err, -ENOMEM, "hvs: out of memory for key names");
			return NULL;
		}
		b->next = c->arena;
		b->used = 0;
		b->cap = cap;
		c->arena = b;
	}
	char *d = b->data + b->used;
	memcpy(d, s, len);
	d[len] = 0;
	b->used += len + 1;
	return d;
}

static int add_properties(struct hvs_container *c)
{
	struct vms_model *m = c->m;
	const struct hvs_info *in = &c->info;
	int rc = 0;
	rc |= vms_model_add_propf(m, "hvs.format_version", "%#x", in->format_version);
	rc |= vms_model_add_propf(m, "hvs.active_header", "%u", in->active_header);
	rc |= vms_model_add_propf(m, "hvs.header_sequence", "%u/%u", in->sequence[0],
				  in->sequence[1]);
	rc |= vms_model_add_propf(m, "hvs.replay_log",
				  "offset %#" PRIx64 " size %#" PRIx64
				  " header %#x; entries %u of %u, %u stale, %u pending%s",
				  in->replay_off, in->replay_size, in->replay_hdr_size,
				  in->replay_count, in->replay_max, in->replay_stale,
				  in->replay_pending,
				  in->replay_valid ? "" : " (log header invalid)");
	rc |= vms_model_add_propf(m, "hvs.object_tables", "%u (capacity %" PRIu64 ")",
				  in->object_table_count, in->object_capacity);
	rc |= vms_model_add_propf(m, "hvs.key_tables", "%u", in->key_table_count);
	rc |= vms_model_add_propf(m, "hvs.file_objects", "%u", in->file_object_count);
	rc |= vms_model_add_propf(m, "hvs.keys", "%zu", c->key_count);
	m->replay_pending = in->replay_pending;
	return rc < 0 ? -ENOMEM : 0;
}

int hvs_open(const struct vms_io *io, const struct vms_open_opts *opts, struct vms_model *m,
	     struct hvs_container **out, struct vms_error *err)
{
	if (!out)
		return vms_fail(err, -EINVAL, "hvs: no output pointer");
	*out = NULL;
	if (!io || !io->pread)
		return vms_fail(err, -EINVAL, "hvs: no input");
	struct hvs_container *c = calloc(1, sizeof(*c));
	if (!c)
		return vms_fail(err, -ENOMEM, "hvs: out of memory");
	c->io = *io;
	c->m = m;
	c->opts = opts;
	c->flags = opts ? opts->flags : 0;
	c->max_alloc = opts && opts->max_alloc ? opts->max_alloc : HVS_DEFAULT_MAX_ALLOC;
	c->root_first = HVS_NO_KEY;

	struct hvs_key_table *cand = NULL;
	size_t cand_count = 0;
	int rc = hvs_read_headers(c, err);
	if (rc == 0)
		rc = hvs_replay_load(c, !(c->flags & VMS_OPEN_IGNORE_REPLAY_LOG), false, err);
	if (rc == 0)
		rc = hvs_objtabs_load(c, &cand, &cand_count, err);
	if (rc == 0)
		rc = hvs_keytabs_load(c, cand, cand_count, err); /* takes cand */
	if (rc == 0 && m && add_properties(c) < 0)
		rc = vms_fail(err, -ENOMEM, "hvs: out of memory for properties");
	c->m = NULL;
	c->opts = NULL;
	if (rc < 0) {
		hvs_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

void hvs_close(struct hvs_container *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->patch_count; i++)
		free(c->patches[i].data);
	free(c->patches);
	free(c->fobjs);
	free(c->tables);
	free(c->keys);
	free(c->hash);
	while (c->arena) {
		struct hvs_arena_block *n = c->arena->next;
		free(c->arena);
		c->arena = n;
	}
	free(c);
}

const struct hvs_info *hvs_get_info(const struct hvs_container *c)
{
	return &c->info;
}

size_t hvs_key_table_count(const struct hvs_container *c)
{
	return c->table_count;
}

const struct hvs_key_table *hvs_key_table_at(const struct hvs_container *c, size_t i)
{
	return i < c->table_count ? &c->tables[i] : NULL;
}

int hvs_read_value(const struct hvs_container *c, const struct hvs_key *k, uint64_t off, void *buf,
		   size_t len, struct vms_error *err)
{
	if (!c || !k || (len && !buf))
		return vms_fail(err, -EINVAL, "hvs: read_value without container, key or buffer");
	if (k->type != VMS_KEY_ARRAY && k->type != VMS_KEY_FILE && k->type != VMS_KEY_STRING &&
	    k->type != VMS_KEY_OTHER)
		return vms_fail(err, -EINVAL, "hvs: key %s has no value bytes (type %u)", k->name,
				k->raw_type);
	if (vms_range_outside(off, len, k->data_len))
		return vms_fail(err, -ERANGE,
				"hvs: key %s: read [%#" PRIx64 ", +%#zx) past its "
				"%#" PRIx64 "-byte value",
				k->name, off, len, k->data_len);
	return hvs_read(c, k->data_file_off + off, buf, len, "value", err);
}
