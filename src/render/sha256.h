/* SHA-256 (FIPS 180-4) for the provenance digests of layout.json (fuse-and-cli.md §2.5). */
#ifndef VMS_RENDER_SHA256_H
#define VMS_RENDER_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct vms_sha256 {
	uint32_t state[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t block[64];
	size_t fill;
};

void vms_sha256_init(struct vms_sha256 *s);
void vms_sha256_update(struct vms_sha256 *s, const void *data, size_t len);
/** Finish and write 64 lower-case hex digits + NUL into hex. */
void vms_sha256_final_hex(struct vms_sha256 *s, char hex[65]);

/** Hash a whole file. @return 0, or -errno from open/read. */
int vms_sha256_file(const char *path, char hex[65]);

#endif
