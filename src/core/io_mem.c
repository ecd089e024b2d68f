/* A vms_io over a caller-owned memory buffer: tests, fuzzers and embedders.
 * The context is the buffer itself, so the io can be copied freely; the bounds check lives
 * in vms_io_read(), through which the library makes every read. */
#include <errno.h>
#include <string.h>

#include <vmsavedstate/vmsavedstate.h>

static int mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	memcpy(buf, (const uint8_t *)ctx + off, len);
	return 0;
}

VMS_API void vms_io_mem_init(struct vms_io *io, const void *buf, size_t len, const char *name)
{
	io->pread = mem_pread;
	io->size = len;
	/* The cast drops const: the io interface never writes through ctx. */
	io->ctx = (void *)(uintptr_t)buf;
	io->name = name ? name : "memory";
}
