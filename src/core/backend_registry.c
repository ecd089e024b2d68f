/* The backends, in no particular order: the highest probe bid wins (STYLE.md rule 4).
 * Nothing is registered at run time. */
#include "core/backend_registry.h"

extern const struct vms_backend_ops vms_backend_raw;

const struct vms_backend_ops *const vms_backends[] = {
	&vms_backend_raw,
};

const size_t vms_backend_count = sizeof(vms_backends) / sizeof(vms_backends[0]);
