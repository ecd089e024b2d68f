/* The container key tree of HyperVStorage files (hyperv-format.md, key tables) as a flat JSON
 * array in depth-first order: the mount's keys.json and `vmsavedstate keys --json`. 64-bit
 * values are hex strings (fuse-and-cli.md §6.4). */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

/* Names of the ancestors kept for "path"; deeper keys still appear, without a path. */
#define KEYS_PATH_DEPTH 32u

const char *vms_render_key_type_name(enum vms_key_type t)
{
	switch (t) {
	case VMS_KEY_NODE:
		return "node";
	case VMS_KEY_INT:
		return "int";
	case VMS_KEY_UINT:
		return "uint";
	case VMS_KEY_DOUBLE:
		return "double";
	case VMS_KEY_BOOL:
		return "bool";
	case VMS_KEY_STRING:
		return "string";
	case VMS_KEY_ARRAY:
		return "array";
	case VMS_KEY_FILE:
		return "file";
	case VMS_KEY_OTHER:
		break;
	}
	return "other";
}

/* "a/b/c" from the ancestor stack; NULL when too deep or out of memory. */
static char *key_path(const char *const *stack, unsigned depth)
{
	if (depth >= KEYS_PATH_DEPTH)
		return NULL;
	size_t len = 1;
	for (unsigned i = 0; i <= depth; i++)
		len += strlen(stack[i]) + 1;
	char *p = malloc(len), *w = p;
	if (!p)
		return NULL;
	for (unsigned i = 0; i <= depth; i++) {
		size_t n = strlen(stack[i]);
		memcpy(w, stack[i], n);
		w += n;
		*w++ = i == depth ? '\0' : '/';
	}
	return p;
}

static bool key_value_add(cJSON *o, const struct vms_key *k)
{
	char hex[24];
	double d;
	switch (k->type) {
	case VMS_KEY_INT:
	case VMS_KEY_UINT:
		snprintf(hex, sizeof hex, "0x%016" PRIx64, k->u64);
		return cJSON_AddStringToObject(o, "value", hex) != NULL;
	case VMS_KEY_DOUBLE:
		memcpy(&d, &k->u64, sizeof d);
		return cJSON_AddNumberToObject(o, "value", d) != NULL;
	case VMS_KEY_BOOL:
		return cJSON_AddBoolToObject(o, "value", k->u64 != 0) != NULL;
	case VMS_KEY_STRING:
		return cJSON_AddStringToObject(o, "value", k->str ? k->str : "") != NULL;
	case VMS_KEY_ARRAY:
	case VMS_KEY_FILE:
		return cJSON_AddNumberToObject(o, "size", (double)k->data_len) != NULL;
	case VMS_KEY_NODE:
	case VMS_KEY_OTHER:
		break;
	}
	return true;
}

static bool key_add(cJSON *arr, const struct vms_key *k, const char **stack)
{
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return false;
	}
	if (k->depth < KEYS_PATH_DEPTH)
		stack[k->depth] = k->name ? k->name : "";
	char *path = key_path(stack, k->depth);
	bool ok = cJSON_AddStringToObject(o, "name", k->name ? k->name : "") &&
		  (path ? cJSON_AddStringToObject(o, "path", path) != NULL
			: cJSON_AddNullToObject(o, "path") != NULL) &&
		  cJSON_AddNumberToObject(o, "depth", k->depth) &&
		  cJSON_AddStringToObject(o, "type", vms_render_key_type_name(k->type)) &&
		  key_value_add(o, k) && cJSON_AddBoolToObject(o, "crc_ok", k->crc_ok);
	free(path);
	return ok;
}

char *vms_render_keys_json(vms_handle *h)
{
	const char *stack[KEYS_PATH_DEPTH];
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = root ? cJSON_AddArrayToObject(root, "keys") : NULL;
	char *out = NULL;
	for (unsigned i = 0; i < KEYS_PATH_DEPTH; i++)
		stack[i] = "";
	if (!arr)
		goto done;
	const int count = vms_key_get(h, 0, NULL);
	for (int i = 0; i < count; i++) {
		struct vms_key k;
		if (vms_key_get(h, (size_t)i, &k) < 0)
			break;
		if (!key_add(arr, &k, stack))
			goto done;
	}
	char *printed = cJSON_Print(root);
	if (printed) {
		/* re-allocate with a trailing newline, owned by malloc like the render library's */
		size_t n = strlen(printed);
		out = malloc(n + 2);
		if (out) {
			memcpy(out, printed, n);
			out[n] = '\n';
			out[n + 1] = '\0';
		}
		cJSON_free(printed);
	}
done:
	cJSON_Delete(root);
	return out;
}
