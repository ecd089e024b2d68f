/* The unpleasant reader for anomaly tests (STYLE.md rule 23): fails any read that touches a
 * chosen offset with -EIO and counts calls. */
#include <errno.h>
#include <string.h>

#include "support/test_support.h"

static int faulty_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct vms_io_faulty *f = ctx;
	f->reads++;
	if (off > f->len || len > f->len - off)
		return -EIO;
	if (f->fail_at != UINT64_MAX && f->fail_at >= off && f->fail_at - off < len)
		return -EIO;
	memcpy(buf, f->buf + off, len);
	return 0;
}

void vms_io_faulty_init(struct vms_io *io, struct vms_io_faulty *f, const void *buf, size_t len,
			uint64_t fail_at)
{
	f->buf = buf;
	f->len = len;
	f->fail_at = fail_at;
	f->reads = 0;
	io->pread = faulty_pread;
	io->size = len;
	io->ctx = f;
	io->name = "faulty";
}
