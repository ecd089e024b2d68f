/* `vmsavedstate chunks`: the guest-physical ranges the saved state holds and where each
 * sits in the raw saved memory. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "cli.h"

static void flag_names(uint32_t f, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s", f & VMS_CHUNK_HOT_ADDED ? " hot_added" : "",
		 f & VMS_CHUNK_VTL2 ? " vtl2" : "", f & VMS_CHUNK_SGX ? " sgx" : "");
}

static int chunks_json(const struct cli_args *a, vms_handle *h, const struct vms_chunk *c, size_t n)
{
	char x[19];
	cJSON *root = cJSON_CreateObject();
	bool ok = root && cJSON_AddNumberToObject(root, "page_size", vms_page_size(h)) &&
		  cJSON_AddNumberToObject(root, "raw_size", (double)vms_raw_size(h));
	cJSON *arr = ok ? cJSON_AddArrayToObject(root, "chunks") : NULL;
	ok = arr != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		ok = o && cJSON_AddItemToArray(arr, o) &&
		     cJSON_AddStringToObject(o, "gpa", cli_hex64(x, c[i].gpa)) &&
		     cJSON_AddNumberToObject(o, "pages", (double)c[i].pages) &&
		     cJSON_AddStringToObject(o, "raw_offset", cli_hex64(x, c[i].raw_off)) &&
		     cJSON_AddNumberToObject(o, "flags", c[i].flags);
	}
	char *s = ok ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!s)
		return cli_error(a, CLI_OPEN, -ENOMEM, NULL);
	printf("%s\n", s);
	cJSON_free(s);
	return CLI_OK;
}

static int chunks_text(const struct vms_chunk *c, size_t n, uint64_t page)
{
	printf("%-18s %-18s %-12s %-18s %s\n", "gpa", "gpa_end", "pages", "raw_offset", "flags");
	for (size_t i = 0; i < n; i++) {
		char g[19], e[19], r[19], f[40];
		flag_names(c[i].flags, f, sizeof(f));
		printf("%s %s %-12" PRIu64 " %s%s\n", cli_hex64(g, c[i].gpa),
		       cli_hex64(e, c[i].gpa + c[i].pages * page), c[i].pages,
		       cli_hex64(r, c[i].raw_off), f);
	}
	return CLI_OK;
}

int cmd_chunks(const struct cli_args *a)
{
	vms_handle *h;
	int rc = cli_open(a, 0, &h);
	if (rc)
		return rc;
	size_t n = vms_chunk_list(h, NULL, 0);
	struct vms_chunk *c = calloc(n ? n : 1, sizeof(*c));
	if (!c) {
		vms_close(h);
		return cli_error(a, CLI_OPEN, -ENOMEM, NULL);
	}
	(void)vms_chunk_list(h, c, n);
	rc = a->json ? chunks_json(a, h, c, n) : chunks_text(c, n, vms_page_size(h));
	free(c);
	vms_close(h);
	return rc;
}
