/* The layout sidecar of an export (docs/layout-json.md, fuse-and-cli.md §6.2): the source's
 * layout.json with the chunk map of the output, so our raw backend (file offset == gpa) and
 * the LiME/ELF readers reopen the export with the same chunks and registers. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <render/render.h>

#include "export_internal.h"

static bool set_hex(cJSON *o, const char *key, uint64_t v)
{
	char buf[19];
	snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
	cJSON *s = cJSON_CreateString(buf);
	return s && cJSON_ReplaceItemInObjectCaseSensitive(o, key, s);
}

/* Rewrite chunks[i].raw_offset to the output offset of chunk i. The tree lists the same
 * chunks, in the same order, as the plan (both come from vms_chunk_list). */
static bool rewrite_chunks(cJSON *root, const struct vms_export_plan *p)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "chunks");
	if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) != p->chunk_count)
		return false;
	size_t i = 0;
	cJSON *c;
	cJSON_ArrayForEach(c, arr)
	{
		if (!set_hex(c, "raw_offset", p->chunks[i++].file_off))
			return false;
	}
	return true;
}

char *vms_export_layout_json(vms_handle *h, const struct vms_export_plan *p,
			     const struct vms_render_opts *ro)
{
	struct vms_render_opts o = {0};
	if (ro)
		o = *ro;
	struct vms_render_range *zf = NULL;
	if (p->fill_count) {
		zf = calloc(p->fill_count, sizeof(*zf));
		if (!zf)
			return NULL;
		for (size_t i = 0; i < p->fill_count; i++)
			zf[i] = (struct vms_render_range){p->fill[i].gpa, p->fill[i].len};
		o.zero_filled = zf;
		o.zero_filled_count = p->fill_count;
	}
	/* raw: holes read as zeros; LiME and ELF simply omit them */
	o.holes_zero_filled = p->format == VMS_EXPORT_RAW;
	cJSON *root = vms_render_layout_tree(h, &o);
	free(zf);
	char *text = NULL;
	if (!root || !rewrite_chunks(root, p))
		goto out;
	/* raw_size: a flat image's size (layout-json.md §2); else the bytes of guest memory the
	 * output holds, which is what its reader calls raw memory */
	uint64_t mem = 0;
	for (size_t i = 0; i < p->chunk_count; i++)
		mem += p->chunks[i].pages * EXPORT_PAGE;
	cJSON *rs = cJSON_CreateNumber((double)(p->format == VMS_EXPORT_RAW ? p->size : mem));
	if (!rs || !cJSON_ReplaceItemInObjectCaseSensitive(root, "raw_size", rs))
		goto out;
	cJSON *ex = cJSON_AddObjectToObject(root, "export");
	if (!ex || !cJSON_AddStringToObject(ex, "format", vms_export_format_name(p->format)) ||
	    !cJSON_AddNumberToObject(ex, "size", (double)p->size) ||
	    !cJSON_AddStringToObject(ex, "source_format", vms_format_name(h)))
		goto out;
	char *s = cJSON_Print(root);
	if (s) {
		size_t n = strlen(s);
		text = malloc(n + 2);
		if (text) {
			memcpy(text, s, n);
			memcpy(text + n, "\n", 2);
		}
		cJSON_free(s);
	}
out:
	cJSON_Delete(root);
	return text;
}
