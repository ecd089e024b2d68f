/* The JSON sidecar of a raw flat image: a layout.json document (docs/layout-json.md) that
 * restores the chunk map and the per-VP registers a flat image cannot carry
 * (other-formats.md §9 "Limitation"). */
#ifndef VMS_RAW_SIDECAR_H
#define VMS_RAW_SIDECAR_H

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"

/** Largest sidecar we read, in bytes; a million chunks render to about 80 MiB. */
#define VMS_RAW_SIDECAR_MAX (256u << 20)

/**
 * Parse a sidecar from `buf[0..len)` and fill `m`: chunks (file offset == GPA, so each
 * chunk's raw offset is its GPA and it must lie inside [0, image_size)), VPs with their
 * architecture, paging mode, active VTL and register banks, and the guest VTL mask/OS id.
 * Without a "chunks" array the whole image is one chunk. Unknown keys are ignored.
 * @return 0; -EBADMSG (not JSON, a field of the wrong type or value, a chunk outside the
 *         image); -ENOTSUP (another schema or schema_version); -EFBIG (caps); -ENOMEM.
 * err->msg names the sidecar field, e.g. "sidecar: vps[1].registers.rip: ...".
 */
int vms_raw_sidecar_parse(struct vms_model *m, const uint8_t *buf, size_t len, uint64_t image_size,
			  struct vms_error *err);

/** Whether `buf` looks like a JSON sidecar (first non-blank byte is '{'). Pure. */
int vms_raw_sidecar_sniff(const uint8_t *buf, size_t len);

/** Fill `m` with the default map of a bare image: one chunk [0, whole pages). */
int vms_raw_default_chunks(struct vms_model *m, uint64_t image_size, struct vms_error *err);

#endif
