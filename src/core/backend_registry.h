/* The const registry of format backends (backend_registry.c). */
#ifndef VMS_CORE_BACKEND_REGISTRY_H
#define VMS_CORE_BACKEND_REGISTRY_H

#include "core/backend.h"

extern const struct vms_backend_ops *const vms_backends[];
extern const size_t vms_backend_count;

#endif
