/* `vmsavedstate regs`: the register set of one or all VPs, as "name 0x…" lines (the same
 * text as vp/N/registers in the mount) or as JSON {"vps": [...]}. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <render/render.h>

#include "cli.h"

static int regs_json(const struct cli_args *a, vms_handle *h, uint32_t first, uint32_t end)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *vps = root ? cJSON_AddArrayToObject(root, "vps") : NULL;
	int rc = vps ? 0 : -ENOMEM;
	for (uint32_t v = first; rc == 0 && v < end; v++) {
		enum vms_arch arch = VMS_ARCH_UNKNOWN;
		uint8_t active = 0;
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(vps, o)) {
			cJSON_Delete(o);
			rc = -ENOMEM;
			break;
		}
		(void)vms_vp_arch(h, v, &arch);
		(void)vms_vp_active_vtl(h, v, &active);
		if (!cJSON_AddNumberToObject(o, "index", v) ||
		    !cJSON_AddNumberToObject(o, "vtl", a->have_vtl ? a->vtl : active) ||
		    !cJSON_AddStringToObject(o, "arch", vms_arch_name(arch)))
			rc = -ENOMEM;
		else
			rc = vms_render_add_registers(o, h, v, a->have_vtl ? (int)a->vtl : -1);
		if (rc > 0)
			rc = 0;
		if (rc)
			break;
	}
	char *s = rc == 0 ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (rc)
		return cli_error(a, cli_exit_for(rc), rc, NULL);
	if (!s)
		return cli_error(a, CLI_OPEN, -ENOMEM, NULL);
	printf("%s\n", s);
	cJSON_free(s);
	return CLI_OK;
}

static int regs_text(const struct cli_args *a, vms_handle *h, uint32_t first, uint32_t end)
{
	for (uint32_t v = first; v < end; v++) {
		int rc = 0;
		char *txt = vms_render_registers_text(h, v, a->have_vtl ? (int)a->vtl : -1, &rc);
		if (!txt) {
			char msg[96];
			snprintf(msg, sizeof(msg), "vp %u: no registers for %s (%s)", v,
				 a->have_vtl ? "that VTL" : "its active VTL", vms_errname(rc));
			return cli_error(a, cli_exit_for(rc), rc, msg);
		}
		/* One VP prints exactly the vp/N/registers text; several get headers. */
		if (end - first > 1)
			printf("%s# vp %u\n", v > first ? "\n" : "", v);
		fputs(txt, stdout);
		free(txt);
	}
	return fflush(stdout) == 0 ? CLI_OK : cli_error(a, CLI_OPEN, -EIO, "cannot write stdout");
}

int cmd_regs(const struct cli_args *a)
{
	vms_handle *h;
	int rc = cli_open(a, 0, &h);
	if (rc)
		return rc;
	uint32_t n = vms_vp_count(h), first = 0, end = n;
	if (a->have_vp) {
		if (a->vp >= n) {
			char msg[96];
			snprintf(msg, sizeof(msg), "--vp %u: the saved state has %u VP%s", a->vp, n,
				 n == 1 ? "" : "s");
			vms_close(h);
			return cli_error(a, CLI_USAGE, -ERANGE, msg);
		}
		first = a->vp;
		end = a->vp + 1;
	} else if (n == 0) {
		vms_close(h);
		return cli_error(a, CLI_OPEN, -ENODATA, "the saved state holds no CPU state");
	}
	rc = a->json ? regs_json(a, h, first, end) : regs_text(a, h, first, end);
	vms_close(h);
	return rc;
}
