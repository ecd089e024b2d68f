/* Tiny writers for synthetic QEMU files (ELF core, kdump, migration stream, libvirt save)
 * used by the unit tests and to make the fuzz seeds. Each returns a malloc'd buffer. */
#ifndef VMS_TEST_QEMU_BUILDER_H
#define VMS_TEST_QEMU_BUILDER_H

#include <stddef.h>
#include <stdint.h>

/* values the synthetic CPU 0 carries */
#define QB_RIP 0xffffffff81000123ull
#define QB_CR3 0x5000ull
#define QB_RAX 0x1122334455667788ull
#define QB_GPA 0x100000ull /* first guest page of every synthetic file */
#define QB_PAGES 2u	   /* guest pages; page i is filled with byte 0xa0 + i */

uint8_t *qb_elf(size_t *len);
/** kdump: `flattened` selects the makedumpfile flattened layout QEMU writes. */
uint8_t *qb_kdump(int flattened, size_t *len);
uint8_t *qb_migration(size_t *len);
/** libvirt save wrapping qb_migration(); `swap` writes the header big-endian. */
uint8_t *qb_libvirt(int swap, size_t *len);

#endif
