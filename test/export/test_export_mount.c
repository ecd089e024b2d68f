/* The mount's virtual export files (core.elf, memory.lime) on a real vmsavedstatefs mount:
 * same size and bytes as the library's exports of the same source, holes reported through
 * SEEK_HOLE, and gdb reading the vCPUs straight from MNT/core.elf. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <export/export.h>

#include "export/export_source.h"
#include "fs/fs_test_mount.h"
#include "support/test_support.h"

static struct fs_mount mnt;

static void cleanup(void)
{
	fs_mount_stop(&mnt);
}

static bool mount_source(const char *src)
{
	const char *why = fs_mount_unavailable();
	if (why) {
		cr_skip_test("no FUSE here: %s", why);
		return false;
	}
	const char *sources[] = {src, NULL};
	int st = 0;
	cr_assert_eq(fs_mount_start(&mnt, NULL, sources, &st), 0, "mount failed: %s", mnt.log);
	return true;
}

/* The mount file `name` equals the library's export of `src` in format `f`. */
static void expect_same_as_export(vms_handle *h, const char *name, enum vms_export_format f)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", mnt.dir, name);
	char *want_path = es_temp_path("want.out");
	cr_assert_eq(es_export(h, (int)f, want_path, false, 0, 0), 0);
	size_t want_len, got_len;
	uint8_t *want = vms_test_read_file(want_path, &want_len);
	uint8_t *got = vms_test_read_file(path, &got_len);
	cr_assert(want && got, "cannot read %s", path);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq((size_t)st.st_size, want_len);
	cr_assert_eq(got_len, want_len, "%s: %zu bytes, export %zu", name, got_len, want_len);
	cr_assert(memcmp(got, want, want_len) == 0, "%s differs from the export", name);
	free(want);
	free(got);
	free(want_path);
}

Test(export_mount, core_elf_and_memory_lime, .fini = cleanup, .timeout = 120)
{
	char *src = es_write_raw("src.img", 8 * 4096);
	if (!mount_source(src))
		return;
	vms_handle *h = es_open(src);
	expect_same_as_export(h, "core.elf", VMS_EXPORT_ELF);
	expect_same_as_export(h, "memory.lime", VMS_EXPORT_LIME);

	/* the ELF's padding after the notes is a hole; its memory starts at the next page */
	char path[512];
	snprintf(path, sizeof(path), "%s/core.elf", mnt.dir);
	int fd = open(path, O_RDONLY);
	cr_assert(fd >= 0);
	off_t hole = lseek(fd, 0, SEEK_HOLE);
	off_t data = lseek(fd, hole, SEEK_DATA);
	cr_assert_gt(hole, 0);
	cr_assert_eq(data, 4096, "memory starts at the first page boundary (hole %lld)",
		     (long long)hole);
	close(fd);

	/* the mounted core opens with our ELF reader: same bytes and registers */
	vms_handle *back = es_open(path);
	es_expect_same_memory(h, back);
	cr_assert_gt(es_expect_same_registers(h, back, true), 40);
	vms_close(back);
	vms_close(h);
	free(src);
}
