/* `vmsavedstate keys`: the Hyper-V container key tree, opened metadata-only so a file
 * without usable memory or CPU state can still be inspected. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "render/render.h"

static double key_double(uint64_t bits)
{
	double d;
	memcpy(&d, &bits, sizeof(d));
	return d;
}

static void key_text(const struct vms_key *k)
{
	char x[19];
	printf("%*s%s [%s]", (int)(k->depth * 2), "", k->name, vms_render_key_type_name(k->type));
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

int cmd_keys(const struct cli_args *a)
{
	vms_handle *h;
	int rc = cli_open(a, VMS_OPEN_METADATA_ONLY, &h);
	if (rc)
		return rc;
	int n = vms_key_get(h, 0, NULL);
	int out = CLI_OK;
	if (a->json) {
		out = cli_emit(a, vms_render_keys_json(h));
	} else {
		for (int i = 0; i < n; i++) {
			struct vms_key k;
			if (vms_key_get(h, (size_t)i, &k) == 0)
				key_text(&k);
		}
	}
	vms_close(h);
	if (out != CLI_OK)
		return out;
	if (n == 0 && !a->json)
		fprintf(stderr, "vmsavedstate: %s: no container key tree in this format\n",
			a->paths[0]);
	return CLI_OK;
}
