/* The backends, in no particular order: the highest probe bid wins (STYLE.md rule 4).
 * Nothing is registered at run time. */
#include "core/backend_registry.h"

extern const struct vms_backend_ops vms_backend_raw;
extern const struct vms_backend_ops vms_backend_qemu_elf;
extern const struct vms_backend_ops vms_backend_qemu_kdump;
extern const struct vms_backend_ops vms_backend_qemu_migration;
extern const struct vms_backend_ops vms_backend_hyperv_vmrs;
extern const struct vms_backend_ops vms_backend_hyperv_bin;
extern const struct vms_backend_ops vms_backend_lime;

const struct vms_backend_ops *const vms_backends[] = {
	&vms_backend_raw,	 &vms_backend_qemu_elf,
	&vms_backend_qemu_kdump, &vms_backend_qemu_migration,
	&vms_backend_hyperv_bin, &vms_backend_hyperv_vmrs,
	&vms_backend_lime,
};

const size_t vms_backend_count = sizeof(vms_backends) / sizeof(vms_backends[0]);

VMS_API size_t vms_format_list(const char **names, size_t capacity)
{
	for (size_t i = 0; names && i < capacity && i < vms_backend_count; i++)
		names[i] = vms_backends[i]->name;
	return vms_backend_count;
}
