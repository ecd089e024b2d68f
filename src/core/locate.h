/* What vms_locate() (locate.c) needs from a Hyper-V configuration file, and the function of
 * the hyperv area that reads it (src/formats/hyperv/hv_config_locate.c). The core does not
 * include format headers (STYLE.md rule 1), so the .vmcx reading sits behind this one call. */
#ifndef VMS_CORE_LOCATE_H
#define VMS_CORE_LOCATE_H

#include <stddef.h>

#include <vmsavedstate/vmsavedstate.h>

#define VMS_LOCATE_MAX_REFS 8u
#define VMS_LOCATE_REF_LEN 1024u

/** The identity of one VM or snapshot configuration. Strings are UTF-8, "" when absent;
 *  values longer than a field are truncated (a truncated GUID then simply matches nothing). */
struct vms_vm_config {
	char name[256];	     /**< configuration/properties/name */
	char global_id[64];  /**< configuration/properties/global_id: this config's GUID */
	char logical_id[64]; /**< configuration/settings/global/logical_id: the VM's GUID */
	char type_id[64];    /**< configuration/properties/type_id ("Virtual Machines", ...) */
	/** String values anywhere in the tree naming a .vmrs, .bin or .vsv file (Windows paths
	 *  of the host; only the last component is used). At most VMS_LOCATE_MAX_REFS. */
	char refs[VMS_LOCATE_MAX_REFS][VMS_LOCATE_REF_LEN];
	unsigned ref_count;
};

/**
 * Read the identity of a VM configuration from a HyperVStorage .vmcx.
 * @return 0; -ENODATA (a valid container without configuration/properties); the container
 *         reader's codes (-EBADMSG, -ENOTSUP, -EIO, -ENOMEM, -EFBIG).
 * Never reads outside the file; memory bounded by the container reader's caps.
 */
int vms_hyperv_config_query(const struct vms_io *io, struct vms_vm_config *cfg,
			    struct vms_error *err);

/** Reads the configuration at `path` (tests substitute their own). */
typedef int (*vms_config_reader_fn)(const char *path, struct vms_vm_config *cfg,
				    struct vms_error *err);

/** vms_locate() with an explicit configuration reader. */
int vms_locate_with(const char *dir, const char *vm, const char *snapshot,
		    vms_config_reader_fn reader, struct vms_located *out, struct vms_error *err);

/** The default reader: open `path` read-only and call vms_hyperv_config_query(). */
int vms_locate_read_vmcx(const char *path, struct vms_vm_config *cfg, struct vms_error *err);

#endif
