/* `vmsavedstate keys`: the Hyper-V container key tree, opened metadata-only so a file
 * without usable memory or CPU state can still be inspected. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"

static const char *type_name(enum vms_key_type t)
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
		return "other";
	}
	return "other";
}

static double key_double(uint64_t bits)
{
	double d;
	memcpy(&d, &bits, sizeof(d));
	return d;
}

static void key_text(const struct vms_key *k)
{
	char x[19];
	printf("%*s%s [%s]", (int)(k->depth * 2), "", k->name, type_name(k->type));
	switch (k->type) {
	case VMS_KEY_INT:
		printf(" = %" PRId64, (int64_t)k->u64);
		break;
	case VMS_KEY_UINT:
		printf(" = %s", cli_hex64(x, k->u64));
		break;
	case VMS_KEY_DOUBLE:
		printf(" = %g", key_double(k->u64));
		break;
	case VMS_KEY_BOOL:
		printf(" = %s", k->u64 ? "true" : "false");
		break;
	case VMS_KEY_STRING:
		printf(" = \"%s\"", k->str ? k->str : "");
		break;
	case VMS_KEY_ARRAY:
	case VMS_KEY_FILE:
		printf(" %" PRIu64 " bytes", k->data_len);
		break;
	case VMS_KEY_NODE:
	case VMS_KEY_OTHER:
		break;
	}
	printf("%s\n", k->crc_ok ? "" : " (bad checksum)");
}

static bool key_json(cJSON *arr, const struct vms_key *k)
{
	char x[19];
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddItemToArray(arr, o))
		return false;
	bool ok = cJSON_AddStringToObject(o, "name", k->name) &&
		  cJSON_AddNumberToObject(o, "depth", k->depth) &&
		  cJSON_AddStringToObject(o, "type", type_name(k->type)) &&
		  cJSON_AddBoolToObject(o, "crc_ok", k->crc_ok);
	switch (k->type) {
	case VMS_KEY_INT:
	case VMS_KEY_UINT:
		/* 64-bit values are hex strings (fuse-and-cli.md §6.4); Int in two's complement */
		ok = ok && cJSON_AddStringToObject(o, "value", cli_hex64(x, k->u64));
		break;
	case VMS_KEY_DOUBLE:
		ok = ok && cJSON_AddNumberToObject(o, "value", key_double(k->u64));
		break;
	case VMS_KEY_BOOL:
		ok = ok && cJSON_AddBoolToObject(o, "value", k->u64 != 0);
		break;
	case VMS_KEY_STRING:
		ok = ok && cJSON_AddStringToObject(o, "value", k->str ? k->str : "");
		break;
	case VMS_KEY_ARRAY:
	case VMS_KEY_FILE:
		ok = ok && cJSON_AddNumberToObject(o, "size", (double)k->data_len);
		break;
	case VMS_KEY_NODE:
	case VMS_KEY_OTHER:
		break;
	}
	return ok;
}

int cmd_keys(const struct cli_args *a)
{
	vms_handle *h;
	int rc = cli_open(a, VMS_OPEN_METADATA_ONLY, &h);
	if (rc)
		return rc;
	int n = vms_key_get(h, 0, NULL);
	cJSON *root = a->json ? cJSON_CreateObject() : NULL;
	cJSON *arr = root ? cJSON_AddArrayToObject(root, "keys") : NULL;
	bool ok = !a->json || arr;
	for (int i = 0; ok && i < n; i++) {
		struct vms_key k;
		if (vms_key_get(h, (size_t)i, &k) != 0)
			continue;
		if (a->json)
			ok = key_json(arr, &k);
		else
			key_text(&k);
	}
	if (a->json && ok) {
		char *s = cJSON_Print(root);
		ok = s != NULL;
		if (s)
			printf("%s\n", s);
		cJSON_free(s);
	}
	cJSON_Delete(root);
	vms_close(h);
	if (!ok)
		return cli_error(a, CLI_OPEN, -ENOMEM, NULL);
	if (n == 0 && !a->json)
		fprintf(stderr, "vmsavedstate: %s: no container key tree in this format\n",
			a->paths[0]);
	return CLI_OK;
}
