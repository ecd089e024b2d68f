/* The walk shared by the whole-file harnesses: open the input over memory with tight caps
 * when `backend` bids on it, then touch every public query (VPs, registers, chunks, GPA reads
 * at both ends of each chunk, a translation and a virtual read) and abort on an
 * inconsistency between APIs: chunks must fit inside the raw memory. */
#ifndef VMS_FUZZ_OPEN_WALK_H
#define VMS_FUZZ_OPEN_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"

void fuzz_open_walk(const struct vms_backend_ops *backend, const uint8_t *data, size_t size);

#endif
