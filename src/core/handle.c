/* Opening and closing: probe every backend on the first bytes of each input, let the highest
 * bid open the sources, validate the model, and set up the caches (STYLE.md rules 4, 18). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend_registry.h"
#include "core/checked.h"
#include "core/handle.h"
#include "core/prefetch.h"
#include "core/pt_cache.h"
#include "core/translate_tlb.h"

#define PROBE_HEAD_LEN (64u * 1024u)
#define DEFAULT_CACHE_BYTES (256ull << 20)
#define DEFAULT_MAX_ALLOC (1ull << 30)
#define PT_CACHE_PAGES 256u

VMS_API void vms_open_opts_init(struct vms_open_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->cache_bytes = DEFAULT_CACHE_BYTES;
	opts->max_vps = 4096;
	opts->max_chunks = 1000000;
	opts->max_alloc = DEFAULT_MAX_ALLOC;
}

VMS_API const char *vms_version(void)
{
	return VMS_VERSION_STRING;
}

static int block_fill(void *ctx, uint64_t index, uint8_t *dst, struct vms_error *err)
{
	const vms_handle *h = ctx;
	return h->ops->read_block(h->ctx, index, dst, err);
}

/* Ask every backend to bid on every source; the best (backend, bid) wins. */
static int choose_backend(vms_handle *h, const struct vms_backend_ops **out, struct vms_error *err)
{
	uint8_t *head = malloc(PROBE_HEAD_LEN);
	if (!head)
		return vms_fail(err, -ENOMEM, "probe: cannot allocate the head buffer");
	int best = 0;
	const struct vms_backend_ops *winner = NULL;
	for (size_t i = 0; i < h->io_count; i++) {
		size_t len =
			h->ios[i].size < PROBE_HEAD_LEN ? (size_t)h->ios[i].size : PROBE_HEAD_LEN;
		int rc = vms_io_read(&h->ios[i], 0, head, len, "probe", err);
		if (rc) {
			free(head);
			return rc;
		}
		for (size_t b = 0; b < vms_backend_count; b++) {
			int bid = vms_backends[b]->probe(head, len);
			if (bid > best) {
				best = bid;
				winner = vms_backends[b];
			}
		}
	}
	free(head);
	if (!winner) {
		char names[256] = "";
		for (size_t b = 0; b < vms_backend_count; b++) {
			size_t used = strlen(names);
			snprintf(names + used, sizeof(names) - used, "%s%s", b ? ", " : "",
				 vms_backends[b]->name);
		}
		return vms_fail(err, -EPROTONOSUPPORT,
				"%s: no format recognised the file "
				"(tried %s)",
				h->source_names[0], names);
	}
	*out = winner;
	return 0;
}

static int open_sources(vms_handle *h, struct vms_error *err)
{
	int rc = choose_backend(h, &h->ops, err);
	if (rc)
		return rc;
	h->m.opts = &h->opts;
	h->m.ios = h->ios;
	h->m.io_count = h->io_count;
	rc = h->ops->open(&h->m, &h->ctx, err);
	if (rc)
		return rc;
	if (!h->m.format_name[0])
		snprintf(h->m.format_name, sizeof(h->m.format_name), "%s", h->ops->name);
	rc = vms_model_finish(&h->m, err);
	if (rc)
		return rc;
	if (h->m.chunk_count) {
		const struct vms_chunk *last = &h->m.chunks[h->m.chunk_count - 1];
		h->gpa_end = last->gpa + last->pages * VMS_PAGE_SIZE; /* checked in finish */
	}
	if (h->m.block_size) {
		if (!h->ops->read_block)
			return vms_fail(err, -EINVAL,
					"%s: backend declares blocks without a "
					"block reader",
					h->ops->name);
		rc = vms_block_cache_new(h->m.block_size, h->opts.cache_bytes, block_fill, h,
					 &h->cache);
		if (rc)
			return vms_fail(err, rc, "cache: cannot create the block cache");
		uint64_t blocks = (h->m.raw_size + h->m.block_size - 1) / h->m.block_size;
		/* read-ahead needs room for the block being read and the next one */
		if (blocks > 2 && h->opts.cache_bytes >= 4ull * h->m.block_size &&
		    !(h->opts.flags & VMS_OPEN_NO_PREFETCH))
			h->prefetch = vms_prefetch_new(h->cache, blocks);
	} else if (h->m.raw_size && !h->ops->read_raw) {
		return vms_fail(err, -EINVAL, "%s: backend has memory but no reader", h->ops->name);
	}
	h->vp_over = calloc(h->m.vp_count ? h->m.vp_count : 1, sizeof(*h->vp_over));
	if (!h->vp_over)
		return vms_fail(err, -ENOMEM, "processors: cannot allocate overrides");
	for (uint32_t v = 0; v < h->m.vp_count; v++)
		h->vp_over[v].vtl = -1;
	h->pt_cache = vms_pt_cache_new(PT_CACHE_PAGES);
	h->tlbs = calloc(h->m.vp_count ? h->m.vp_count : 1, sizeof(*h->tlbs));
	if (!h->pt_cache || !h->tlbs)
		return vms_fail(err, -ENOMEM, "translation: cannot create the page-table cache");
	for (uint32_t v = 0; v < h->m.vp_count; v++) {
		h->tlbs[v] = vms_tlb_new(VMS_TLB_DEFAULT_ENTRIES);
		if (!h->tlbs[v])
			return vms_fail(err, -ENOMEM, "translation: cannot create VP %u's TLB", v);
	}
	return 0;
}

static vms_handle *handle_new(const struct vms_open_opts *opts)
{
	vms_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	vms_open_opts_init(&h->opts);
	if (opts) {
		/* max_alloc 0 selects the default, as the container readers already read it;
		 * the count caps are literal (0 VPs allowed means a memory-only state). */
		uint64_t default_alloc = h->opts.max_alloc;
		h->opts = *opts;
		if (!h->opts.max_alloc)
			h->opts.max_alloc = default_alloc;
	}
	for (size_t i = 0; i < VMS_MAX_SOURCES; i++)
		h->fds[i].fd = -1;
	return h;
}

static int finish_open(vms_handle *h, vms_handle **out, int rc)
{
	if (rc) {
		vms_close(h);
		return rc;
	}
	*out = h;
	return 0;
}

VMS_API int vms_open_files(const char *const *paths, size_t path_count,
			   const struct vms_open_opts *opts, vms_handle **out,
			   struct vms_error *err)
{
	if (out)
		*out = NULL;
	if (!paths || !out || path_count == 0 || path_count > VMS_MAX_SOURCES)
		return vms_fail(err, -EINVAL, "open: need 1 to %u paths and an output handle",
				VMS_MAX_SOURCES);
	vms_handle *h = handle_new(opts);
	if (!h)
		return vms_fail(err, -ENOMEM, "open: cannot allocate the handle");
	int rc = 0;
	for (size_t i = 0; i < path_count && !rc; i++) {
		if (!paths[i]) {
			rc = vms_fail(err, -EINVAL, "open: path %zu is NULL", i);
			break;
		}
		h->source_names[i] = strdup(paths[i]);
		if (!h->source_names[i]) {
			rc = vms_fail(err, -ENOMEM, "open: out of memory");
			break;
		}
		rc = vms_io_fd_open(&h->fds[i], &h->ios[i], paths[i], err);
		h->ios[i].name = h->source_names[i];
		h->m.paths[i] = h->source_names[i];
		h->io_count = i + 1;
	}
	if (!rc)
		rc = open_sources(h, err);
	return finish_open(h, out, rc);
}

VMS_API int vms_open(const char *path, const struct vms_open_opts *opts, vms_handle **out,
		     struct vms_error *err)
{
	return vms_open_files(&path, 1, opts, out, err);
}

VMS_API int vms_open_io(const struct vms_io *ios, size_t io_count, const struct vms_open_opts *opts,
			vms_handle **out, struct vms_error *err)
{
	if (out)
		*out = NULL;
	if (!ios || !out || io_count == 0 || io_count > VMS_MAX_SOURCES)
		return vms_fail(err, -EINVAL, "open: need 1 to %u sources and an output handle",
				VMS_MAX_SOURCES);
	vms_handle *h = handle_new(opts);
	if (!h)
		return vms_fail(err, -ENOMEM, "open: cannot allocate the handle");
	int rc = 0;
	for (size_t i = 0; i < io_count && !rc; i++) {
		if (!ios[i].pread) {
			rc = vms_fail(err, -EINVAL, "open: source %zu has no pread", i);
			break;
		}
		h->ios[i] = ios[i];
		h->source_names[i] = strdup(ios[i].name ? ios[i].name : "memory");
		if (!h->source_names[i])
			rc = vms_fail(err, -ENOMEM, "open: out of memory");
		h->ios[i].name = h->source_names[i];
		h->io_count = i + 1;
	}
	if (!rc)
		rc = open_sources(h, err);
	return finish_open(h, out, rc);
}

VMS_API void vms_close(vms_handle *h)
{
	if (!h)
		return;
	/* The read-ahead worker decodes through the backend: stop it before anything goes. */
	vms_prefetch_free(h->prefetch);
	if (h->ops && h->ops->close && h->ctx)
		h->ops->close(h->ctx);
	vms_block_cache_free(h->cache);
	vms_pt_cache_free(h->pt_cache);
	for (uint32_t v = 0; h->tlbs && v < h->m.vp_count; v++)
		vms_tlb_free(h->tlbs[v]);
	free(h->tlbs);
	vms_model_free(&h->m);
	for (size_t i = 0; i < VMS_MAX_SOURCES; i++) {
		vms_io_fd_close(&h->fds[i]);
		free(h->source_names[i]);
	}
	for (size_t i = 0; i < h->fix_count; i++)
		free(h->fixes[i].bytes);
	free(h->fixes);
	free(h->vp_over);
	free(h);
}

VMS_API const char *vms_format_name(const vms_handle *h)
{
	return h->m.format_name;
}

VMS_API uint32_t vms_page_size(const vms_handle *h)
{
	(void)h;
	return VMS_PAGE_SIZE;
}

VMS_API int vms_property_get(const vms_handle *h, size_t index, const char **key,
			     const char **value)
{
	if (!key && !value)
		return (int)h->m.prop_count;
	if (index >= h->m.prop_count)
		return -ERANGE;
	if (key)
		*key = h->m.props[index].key;
	if (value)
		*value = h->m.props[index].value;
	return 0;
}

VMS_API uint32_t vms_replay_pending(const vms_handle *h)
{
	return h->m.replay_pending;
}

VMS_API size_t vms_source_count(const vms_handle *h)
{
	return h->io_count;
}

VMS_API int vms_source_get(const vms_handle *h, size_t index, const char **name, uint64_t *size)
{
	if (index >= h->io_count)
		return -ERANGE;
	if (name)
		*name = h->source_names[index];
	if (size)
		*size = h->ios[index].size;
	return 0;
}

VMS_API int vms_key_get(const vms_handle *h, size_t index, struct vms_key *key)
{
	if (!key)
		return (int)h->m.key_count;
	if (index >= h->m.key_count)
		return -ERANGE;
	const struct vms_model_key *k = &h->m.keys[index];
	key->name = k->name;
	key->depth = k->depth;
	key->type = k->type;
	key->u64 = k->u64;
	key->str = k->str;
	key->data_len = k->data_len;
	key->crc_ok = k->crc_ok;
	return 0;
}

VMS_API int64_t vms_key_read(vms_handle *h, size_t index, uint64_t off, void *buf, size_t cap,
			     struct vms_error *err)
{
	if (index >= h->m.key_count)
		return vms_fail(err, -ERANGE, "keys: index %zu out of range", index);
	const struct vms_model_key *k = &h->m.keys[index];
	if (k->type != VMS_KEY_ARRAY && k->type != VMS_KEY_FILE)
		return vms_fail(err, -EINVAL, "keys: %s holds no byte value", k->name);
	if (!h->ops->read_key)
		return vms_fail(err, -ENOTSUP, "keys: %s cannot read values", h->ops->name);
	if (off >= k->data_len)
		return 0;
	uint64_t n = k->data_len - off;
	if (n > cap)
		n = cap;
	int rc = h->ops->read_key(h->ctx, k, off, buf, (size_t)n, err);
	return rc ? rc : (int64_t)n;
}

VMS_API void vms_cache_set_limit(vms_handle *h, uint64_t bytes)
{
	h->opts.cache_bytes = bytes;
	if (h->cache)
		vms_block_cache_set_limit(h->cache, bytes);
}

VMS_API uint64_t vms_cache_get_limit(const vms_handle *h)
{
	return h->opts.cache_bytes;
}

VMS_API void vms_cache_get_stats(const vms_handle *h, struct vms_cache_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (h->cache)
		vms_block_cache_stats(h->cache, stats);
	else
		stats->bytes_limit = h->opts.cache_bytes;
}
