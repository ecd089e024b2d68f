/* The raw backend: a flat physical image where file offset == GPA (other-formats.md §9),
 * optionally with a JSON sidecar (docs/layout-json.md) that restores the chunk map and the
 * registers. Raw has no magic, so it bids the lowest non-zero value on anything and wins only
 * when no real format does (STYLE.md rule 4).
 *
 * Sources: one image (its sidecar is found next to it as FILE.layout.json or FILE.json when
 * the core knows the path), or an image plus its sidecar given explicitly, in either order. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/backend.h"
#include "formats/raw/raw_sidecar.h"

#define RAW_PROBE_BID 1
#define RAW_SNIFF_LEN 64
#define RAW_PATH_MAX 4096

struct raw_ctx {
	struct vms_io image;
};

static int raw_probe(const uint8_t *head, size_t len)
{
	(void)head;
	(void)len;
	return RAW_PROBE_BID;
}

/* Read a whole sidecar file; -ENOENT when it does not exist (the caller tries the next
 * name). Bounded by VMS_RAW_SIDECAR_MAX and opts->max_alloc. */
static int load_file(const struct vms_model *m, const char *path, uint8_t **out, size_t *len,
		     struct vms_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return vms_fail(err, -EIO, "sidecar %s: cannot open (%s)", path, strerror(errno));
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = vms_fail(err, -EIO, "sidecar %s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > VMS_RAW_SIDECAR_MAX) {
		rc = vms_fail(err, -EFBIG, "sidecar %s: %" PRIu64 " bytes exceed the %u-byte cap",
			      path, (uint64_t)st.st_size, VMS_RAW_SIDECAR_MAX);
		goto out;
	}
	size_t size = (size_t)st.st_size;
	uint8_t *buf = vms_model_alloc(m, size, "sidecar", err);
	if (!buf) {
		rc = err ? err->code : -ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			rc = vms_fail(err, -EIO, "sidecar %s: read failed at byte %zu", path, got);
			goto out;
		}
		got += (size_t)n;
	}
	*out = buf;
	*len = size;
out:
	close(fd);
	return rc;
}

/* Look for IMAGE.layout.json, then IMAGE.json. *buf stays NULL when neither exists. */
static int find_sidecar(struct vms_model *m, const char *image_path, uint8_t **buf, size_t *len,
			struct vms_error *err)
{
	static const char *const suffixes[] = {".layout.json", ".json"};
	char path[RAW_PATH_MAX];
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		int n = snprintf(path, sizeof(path), "%s%s", image_path, suffixes[i]);
		if (n < 0 || (size_t)n >= sizeof(path))
			return 0; /* no sidecar can have that name */
		int rc = load_file(m, path, buf, len, err);
		if (rc == -ENOENT)
			continue;
		if (rc)
			return rc;
		const char *base = strrchr(path, '/');
		return vms_model_add_prop(m, "sidecar", base ? base + 1 : path) ? -ENOMEM : 0;
	}
	return 0;
}

/* Read up to RAW_SNIFF_LEN bytes of a source to tell a sidecar from an image: 1 or 0, or a
 * negative code when the read fails (an I/O error must not read as "not a sidecar"). */
static int source_is_sidecar(const struct vms_io *io, struct vms_error *err)
{
	uint8_t head[RAW_SNIFF_LEN];
	size_t n = io->size < sizeof(head) ? (size_t)io->size : sizeof(head);
	if (n == 0)
		return 0;
	int rc = vms_io_read(io, 0, head, n, "raw: sidecar sniff", err);
	if (rc)
		return rc;
	return vms_raw_sidecar_sniff(head, n) ? 1 : 0;
}

static int sidecar_from_io(const struct vms_model *m, const struct vms_io *io, uint8_t **buf,
			   size_t *len, struct vms_error *err)
{
	if (io->size > VMS_RAW_SIDECAR_MAX)
		return vms_fail(err, -EFBIG, "sidecar: %" PRIu64 " bytes exceed the %u-byte cap",
				io->size, VMS_RAW_SIDECAR_MAX);
	*len = (size_t)io->size;
	*buf = vms_model_alloc(m, *len, "sidecar", err);
	if (!*buf)
		return err ? err->code : -ENOMEM;
	int rc = vms_io_read(io, 0, *buf, *len, "sidecar", err);
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

static int raw_open(struct vms_model *m, void **ctx, struct vms_error *err)
{
	if (m->io_count < 1 || m->io_count > 2)
		return vms_fail(err, -EINVAL,
				"raw: expected an image and at most one sidecar, got "
				"%zu files",
				m->io_count);
	size_t image = 0;
	uint8_t *side = NULL;
	size_t side_len = 0;
	int rc = 0;
	if (m->io_count == 2) {
		int s0 = source_is_sidecar(&m->ios[0], err);
		if (s0 < 0)
			return s0;
		int s1 = source_is_sidecar(&m->ios[1], err);
		if (s1 < 0)
			return s1;
		if (s0 == s1)
			return vms_fail(err, -EBADMSG,
					"raw: of two files exactly one must be a JSON "
					"sidecar (found %d)",
					s0 + s1);
		image = s0 ? 1 : 0;
		rc = sidecar_from_io(m, &m->ios[1 - image], &side, &side_len, err);
	} else if (m->paths[0]) {
		rc = find_sidecar(m, m->paths[0], &side, &side_len, err);
	}
	if (rc)
		return rc;

	uint64_t image_size = m->ios[image].size;
	m->raw_size = image_size;
	m->block_size = 0;
	if (side)
		rc = vms_raw_sidecar_parse(m, side, side_len, image_size, err);
	else
		rc = vms_raw_default_chunks(m, image_size, err);
	if (!side && !rc)
		/* The raw backend takes what no other format recognised: say so, since a damaged
		 * saved state whose signature is gone ends up here too. */
		vms_model_warn(m, "no saved-state signature recognised and no sidecar: read as a "
				  "raw physical image (file offset = GPA, no CPU state)");
	free(side);
	if (rc)
		return rc;
	if (m->chunk_count == 0 && m->vp_count == 0)
		return vms_fail(err, -ENODATA,
				"raw: the image (%" PRIu64 " bytes) holds no whole "
				"page and no sidecar describes it",
				image_size);

	struct raw_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return vms_fail(err, -ENOMEM, "raw: cannot allocate the backend state");
	c->image = m->ios[image];
	*ctx = c;
	return 0;
}

static void raw_close(void *ctx)
{
	free(ctx);
}

static int raw_read_raw(void *ctx, uint64_t raw_off, void *buf, size_t len, struct vms_error *err)
{
	const struct raw_ctx *c = ctx;
	return vms_io_read(&c->image, raw_off, buf, len, "raw image", err);
}

const struct vms_backend_ops vms_backend_raw = {
	.name = "raw",
	.probe = raw_probe,
	.open = raw_open,
	.close = raw_close,
	.read_raw = raw_read_raw,
};
