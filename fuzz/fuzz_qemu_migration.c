/* Fuzz the QEMU migration streams and libvirt save files (qemu_mig*.c) through the public API: open
 * over memory, then walk VPs, registers, chunks, GPA reads and translations, checking the chunk
 * list against vms_raw_size. */
#include "fuzz_open_walk.h"

extern const struct vms_backend_ops vms_backend_qemu_migration;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_open_walk(&vms_backend_qemu_migration, data, size);
	return 0;
}
