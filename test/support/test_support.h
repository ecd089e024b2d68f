/* Helpers shared by the Criterion tests: fixture paths, temporary files, the unpleasant
 * reader (short reads and injected -EIO) used for anomaly tests. */
#ifndef VMS_TEST_SUPPORT_H
#define VMS_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

/** Absolute path of ../shared/fixtures/<rel>, or NULL when the file is absent (the caller
 *  then calls cr_skip_test naming the path: see VMS_REQUIRE_FIXTURE). */
const char *vms_test_fixture(const char *rel);

#define VMS_REQUIRE_FIXTURE(var, rel)                                                              \
	const char *var = vms_test_fixture(rel);                                                   \
	if (!var) {                                                                                \
		cr_skip_test("%s/%s absent", VMS_FIXTURES_DIR, rel);                               \
		return;                                                                            \
	}

/** Write `len` bytes to a new file in a fresh temporary directory; returns a malloc'd path.
 *  Aborts the test process on failure. */
char *vms_test_write_temp(const char *name, const void *data, size_t len);

/** Read a whole file into a malloc'd buffer; NULL on failure. */
uint8_t *vms_test_read_file(const char *path, size_t *len);

/** Hex SHA-256-free digest for "file unchanged" checks: FNV-1a 64 of the contents. */
uint64_t vms_test_file_digest(const char *path);

/** The unpleasant reader: wraps a buffer; `fail_at` (if not UINT64_MAX) makes any read that
 *  touches that offset fail with -EIO; reads are served in pieces of at most `chunk` bytes
 *  internally (exercising callers that assume one call does everything). */
struct vms_io_faulty {
	const uint8_t *buf;
	size_t len;
	uint64_t fail_at;
	unsigned reads;
};
void vms_io_faulty_init(struct vms_io *io, struct vms_io_faulty *f, const void *buf, size_t len,
			uint64_t fail_at);

#endif
