/* vms_replay_log_apply: write a HyperVStorage container's pending replay log into the file
 * (hyperv-format §2.10), the one place the library writes to an input.
 *
 * Crash safety: every pending entry is verified (entry CRC, data CRC, bounds) before the
 * first byte is written. Then (1) each entry's data goes to its destination, (2) fsync,
 * (3) the log header is rewritten with current_entries_count = 0 and a fresh CRC, (4) fsync.
 * A kill before (3) reaches the disk leaves the log pending; its entries still verify (the
 * log region is never a destination) and writing them again is idempotent, so applying again
 * finishes the job. A kill after (3) leaves a fully applied file. [G] §9.1: whether Hyper-V
 * also bumps the header copies' sequence is unknown; we do not touch them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/crc32.h"
#include "formats/hyperv/hvs_internal.h"

#define RL_OFF_CHECKSUM 4
#define RL_OFF_COUNT 8

static int fd_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	int fd = *(const int *)ctx;
	uint8_t *p = buf;
	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static void note_write(struct vms_replay_report *r, uint64_t off, uint64_t len)
{
	if (r->bytes_written == 0 || off < r->first_off)
		r->first_off = off;
	if (off + len > r->last_end)
		r->last_end = off + len;
	r->bytes_written += len;
}

/* Verify the container and its log, then write. `c` is a bare container (no tables). */
static int apply(struct hvs_container *c, int fd, const char *path, struct vms_replay_report *rep,
		 struct vms_error *err)
{
	uint8_t sig[2][4];
	if (c->io.size < HVS_HEADER_LEN || fd_pread(c->io.ctx, sig[0], 4, 0) < 0)
		return vms_fail(err, -ENOTSUP, "hvs: %s: too short for a HyperVStorage header",
				path);
	bool has1 = c->io.size >= HVS_HEADER_COPY1_OFF + 4 &&
		    fd_pread(c->io.ctx, sig[1], 4, HVS_HEADER_COPY1_OFF) == 0;
	if (vms_le32(sig[0]) != HVS_HEADER_SIGNATURE &&
	    (!has1 || vms_le32(sig[1]) != HVS_HEADER_SIGNATURE))
		return vms_fail(err, -ENOTSUP,
				"hvs: %s: not a HyperVStorage container (no "
				"signature %#x at 0x0 or 0x1000)",
				path, HVS_HEADER_SIGNATURE);
	int rc = hvs_read_headers(c, err);
	if (rc == 0)
		rc = hvs_replay_load(c, true, true, err); /* strict: any bad entry aborts */
	if (rc < 0 || c->info.replay_count == 0)
		return rc;

	for (uint32_t i = 0; i < c->patch_count; i++) {
		const struct hvs_patch *p = &c->patches[i];
		if (write_all(fd, p->data, p->len, p->file_off) < 0)
			return vms_fail(err, -EIO,
					"hvs: %s: writing replay entry %u to file offset "
					"%#" PRIx64 " failed: %s",
					path, i, p->file_off, strerror(errno));
		note_write(rep, p->file_off, p->len);
	}
	if (fsync(fd) != 0)
		return vms_fail(err, -EIO, "hvs: %s: fsync after the data failed: %s", path,
				strerror(errno));
	uint8_t hb[HVS_REPLAY_HEADER_LEN];
	memcpy(hb, c->replay_hdr_raw, sizeof(hb));
	vms_put_le32(hb + RL_OFF_COUNT, 0);
	vms_put_le32(hb + RL_OFF_CHECKSUM, 0);
	vms_put_le32(hb + RL_OFF_CHECKSUM, vms_crc32(0, hb, sizeof(hb)));
	if (write_all(fd, hb, sizeof(hb), c->info.replay_off) < 0 || fsync(fd) != 0)
		return vms_fail(err, -EIO,
				"hvs: %s: resetting the replay log header at %#" PRIx64
				" failed: %s",
				path, c->info.replay_off, strerror(errno));
	note_write(rep, c->info.replay_off, sizeof(hb));
	rep->entries_applied = c->info.replay_pending;
	return 0;
}

VMS_API int vms_replay_log_apply(const char *path, struct vms_replay_report *report,
				 struct vms_error *err)
{
	struct vms_replay_report local;
	struct vms_replay_report *rep = report ? report : &local;
	memset(rep, 0, sizeof(*rep));
	if (!path)
		return vms_fail(err, -EINVAL, "replay log apply: no path");
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vms_fail(err, errno == ENOENT ? -ENOENT : -EIO,
				"hvs: %s: cannot open "
				"read-write: %s",
				path, strerror(errno));
	struct stat st;
	int rc = 0;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) /* the DLL opens exclusively too (§2.10) */
		rc = vms_fail(err, -EIO, "hvs: %s: file is locked by another process: %s", path,
			      strerror(errno));
	else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		rc = vms_fail(err, -EIO, "hvs: %s: not a regular file", path);
	struct hvs_container *c = rc ? NULL : calloc(1, sizeof(*c));
	if (!rc && !c)
		rc = vms_fail(err, -ENOMEM, "hvs: out of memory");
	if (c) {
		c->io.pread = fd_pread;
		c->io.ctx = &fd;
		c->io.size = (uint64_t)st.st_size;
		c->io.name = path;
		c->flags = VMS_OPEN_STRICT;
		c->max_alloc = HVS_DEFAULT_MAX_ALLOC;
		c->root_first = HVS_NO_KEY;
		rc = apply(c, fd, path, rep, err);
		hvs_close(c);
	}
	if (rc < 0 && rep->bytes_written == 0)
		memset(rep, 0, sizeof(*rep));
	close(fd);
	return rc;
}
