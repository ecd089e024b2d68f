/* The backends, in no particular order: the highest probe bid wins (STYLE.md rule 4).
 * Nothing is registered at run time. */
#include "core/backend_registry.h"

extern const struct vms_backend_ops vms_backend_raw;
extern const struct vms_backend_ops vms_backend_qemu_elf;
extern const struct vms_backend_ops vms_backend_qemu_kdump;
extern const struct vms_backend_ops vms_backend_qemu_migration;
extern const struct vms_backend_ops vms_backend_hyperv_vmrs;
extern const struct vms_backend_ops vms_backend_hyperv_bin;

const struct vms_backend_ops *const vms_backends[] = {
	&vms_backend_raw,
	&vms_backend_qemu_elf,
	&vms_backend_qemu_kdump,
	&vms_backend_qemu_migration,
	&vms_backend_hyperv_bin,
	&vms_backend_hyperv_vmrs,
};

const size_t vms_backend_count = sizeof(vms_backends) / sizeof(vms_backends[0]);
