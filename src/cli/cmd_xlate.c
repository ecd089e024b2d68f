/* `vmsavedstate xlate`: translate one guest-virtual address through a VP's page tables and
 * say why when it is not mapped (fuse-and-cli.md §7.1 "translate"). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>

#include "cli.h"

static int xlate_json(const struct cli_args *a, enum vms_paging pg, int rc, uint64_t gpa,
		      const struct vms_xlate_info *info, const char *why)
{
	char x[19];
	cJSON *o = cJSON_CreateObject();
	bool ok = o && cJSON_AddNumberToObject(o, "vp", a->vp) &&
		  cJSON_AddStringToObject(o, "gva", cli_hex64(x, a->addr)) &&
		  cJSON_AddStringToObject(o, "paging_mode", vms_paging_name(pg)) &&
		  cJSON_AddBoolToObject(o, "mapped", rc == 0);
	if (ok && rc == 0)
		ok = cJSON_AddStringToObject(o, "gpa", cli_hex64(x, gpa)) &&
		     cJSON_AddNumberToObject(o, "page_size", (double)info->page_size);
	else if (ok)
		ok = cJSON_AddStringToObject(o, "reason", why) &&
		     cJSON_AddNumberToObject(o, "unmapped_len", (double)info->unmapped_len) &&
		     cJSON_AddNumberToObject(o, "level", info->level) &&
		     cJSON_AddStringToObject(o, "entry", cli_hex64(x, info->entry)) &&
		     cJSON_AddStringToObject(o, "entry_gpa", cli_hex64(x, info->entry_gpa));
	char *s = ok ? cJSON_Print(o) : NULL;
	cJSON_Delete(o);
	if (!s)
		return cli_error(a, CLI_OPEN, -ENOMEM, NULL);
	printf("%s\n", s);
	cJSON_free(s);
	return rc == 0 ? CLI_OK : CLI_UNMAPPED;
}

int cmd_xlate(const struct cli_args *a)
{
	if (!a->have_vp || a->space != SPACE_GVA)
		return cli_usage_error(a->cmd, "need --vp N and --gva A");
	vms_handle *h;
	int rc = cli_open(a, 0, &h);
	if (rc)
		return rc;
	struct vms_xlate_info info = {0};
	struct vms_error err = {0};
	enum vms_paging pg = VMS_PAGING_INVALID;
	uint64_t gpa = 0;
	char g[19], p[19];
	if (a->vp >= vms_vp_count(h)) {
		vms_close(h);
		return cli_error(a, CLI_USAGE, -ERANGE, "--vp: no such VP");
	}
	(void)vms_vp_paging(h, a->vp, &pg);
	rc = vms_gva_to_gpa(h, a->vp, a->addr, &gpa, &info, &err);
	vms_close(h);
	if (rc != 0 && rc != -EFAULT)
		return cli_error(a, cli_exit_for(rc), rc, err.msg);
	if (a->json)
		return xlate_json(a, pg, rc, gpa, &info, err.msg);
	if (rc == 0) {
		printf("%s -> %s (%s, page %#" PRIx64 ")\n", cli_hex64(g, a->addr),
		       cli_hex64(p, gpa), vms_paging_name(pg), info.page_size);
		return CLI_OK;
	}
	printf("%s not mapped: %s (next %#" PRIx64 " bytes unmapped)\n", cli_hex64(g, a->addr),
	       err.msg, info.unmapped_len);
	return CLI_UNMAPPED;
}
