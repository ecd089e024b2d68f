/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib), used by HyperVStorage
 * headers, object-table entries, key tables and replay-log entries (hyperv-format §2.11). */
#ifndef VMS_CORE_CRC32_H
#define VMS_CORE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/** Continue a CRC: pass 0 to start. vms_crc32(0, "123456789", 9) == 0xCBF43926. */
uint32_t vms_crc32(uint32_t crc, const void *buf, size_t len);

#endif
