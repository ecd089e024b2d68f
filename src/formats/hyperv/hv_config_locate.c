/* The VM identity vms_locate() needs, read from a .vmcx key tree (hyperv-format §1, §2).
 * Key names were read off the real dissect-test.vmcx [V]: configuration/properties/{name,
 * global_id, type_id} and configuration/settings/global/logical_id. That a snapshot's
 * configuration carries its own GUID in global_id and its VM's in logical_id is [G]. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/locate.h"
#include "formats/hyperv/hvs_container.h"

static void copy_string(const struct hvs_container *c, const char *path, char *dst, size_t cap)
{
	const uint32_t idx = hvs_lookup(c, path);
	const struct hvs_key *k = idx == HVS_NO_KEY ? NULL : hvs_key_at(c, idx);
	if (k && k->type == VMS_KEY_STRING && k->str)
		snprintf(dst, cap, "%s", k->str);
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	const size_t n = strlen(s), m = strlen(suffix);
	if (n < m)
		return false;
	for (size_t i = 0; i < m; i++)
		if (tolower((unsigned char)s[n - m + i]) != tolower((unsigned char)suffix[i]))
			return false;
	return true;
}

int vms_hyperv_config_query(const struct vms_io *io, struct vms_vm_config *cfg,
			    struct vms_error *err)
{
	struct hvs_container *c = NULL;
	memset(cfg, 0, sizeof(*cfg));
	int rc = hvs_open(io, NULL, NULL, &c, err);
	if (rc < 0)
		return rc;
	if (hvs_lookup(c, "configuration/properties") == HVS_NO_KEY) {
		hvs_close(c);
		return vms_fail(err, -ENODATA,
				"%s: no configuration/properties key: not a VM "
				"configuration",
				io->name ? io->name : "container");
	}
	copy_string(c, "configuration/properties/name", cfg->name, sizeof(cfg->name));
	copy_string(c, "configuration/properties/global_id", cfg->global_id,
		    sizeof(cfg->global_id));
	copy_string(c, "configuration/properties/type_id", cfg->type_id, sizeof(cfg->type_id));
	copy_string(c, "configuration/settings/global/logical_id", cfg->logical_id,
		    sizeof(cfg->logical_id));
	/* [G] where a saved VM's configuration names its state files is undocumented: collect
	 * every string value that names one; the caller uses only the file names */
	const size_t count = hvs_key_count(c);
	for (size_t i = 0; i < count && cfg->ref_count < VMS_LOCATE_MAX_REFS; i++) {
		const struct hvs_key *k = hvs_key_at(c, (uint32_t)i);
		if (k->type != VMS_KEY_STRING || !k->str)
			continue;
		if (ends_with_ci(k->str, ".vmrs") || ends_with_ci(k->str, ".bin") ||
		    ends_with_ci(k->str, ".vsv"))
			snprintf(cfg->refs[cfg->ref_count++], VMS_LOCATE_REF_LEN, "%s", k->str);
	}
	hvs_close(c);
	return 0;
}
