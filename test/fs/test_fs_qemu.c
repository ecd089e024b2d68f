/* vmsavedstatefs over the files Debian's QEMU wrote for our long-mode test guest (ELF dump,
 * kdump, migration stream, libvirt save; test/qemu/qemu_fixtures.py): every chunk's first
 * MiB of physmem and VP 0's register file against the library's own answers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmsavedstate/vmsavedstate.h>

#include "fs/fs_test_mount.h"

#define CHUNK_SAMPLE (1u << 20)

static struct fs_mount mnt;

static void cleanup(void)
{
	fs_mount_stop(&mnt);
}

static void compare_chunks(vms_handle *h)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/physmem", mnt.dir);
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	size_t n = vms_chunk_list(h, NULL, 0);
	struct vms_chunk *c = calloc(n, sizeof(*c));
	vms_chunk_list(h, c, n);
	uint8_t *want = malloc(CHUNK_SAMPLE), *got = malloc(CHUNK_SAMPLE);
	for (size_t i = 0; i < n; i++) {
		uint64_t len = c[i].pages * 4096ull;
		if (len > CHUNK_SAMPLE)
			len = CHUNK_SAMPLE;
		uint64_t done = 0;
		cr_assert_eq(vms_read_gpa(h, c[i].gpa, want, len, 0, &done, NULL), 0);
		cr_assert_eq(pread(fd, got, len, (off_t)c[i].gpa), (ssize_t)len,
			     "physmem at GPA %#llx", (unsigned long long)c[i].gpa);
		cr_assert_eq(memcmp(got, want, len), 0, "chunk %zu at GPA %#llx differs", i,
			     (unsigned long long)c[i].gpa);
	}
	free(want);
	free(got);
	free(c);
	close(fd);
}

static void check_file(const char *name)
{
	const char *why = fs_mount_unavailable();
	if (why)
		cr_skip_test("FUSE mounts unavailable: %s", why);
	if (getenv("VMS_SKIP_QEMU"))
		cr_skip_test("VMS_SKIP_QEMU is set: no QEMU-made files");
	char src[600];
	snprintf(src, sizeof(src), "%s/lm64/%s", VMS_QEMU_FIXTURES, name);
	cr_assert_eq(access(src, R_OK), 0, "%s missing: the qemu_fixtures step must run first",
		     src);
	vms_handle *h;
	struct vms_error err = {0};
	cr_assert_eq(vms_open(src, NULL, &h, &err), 0, "%s: %s", name, err.msg);
	const char *sources[] = {src, NULL};
	int status = 0;
	cr_assert_eq(fs_mount_start(&mnt, NULL, sources, &status), 0,
		     "mount of %s failed (status %#x); see %s", name, status, mnt.log);
	compare_chunks(h);
	struct vms_reg_value rip;
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_RIP, &rip, NULL), 0);
	char path[512], want[64], text[16384] = {0};
	snprintf(path, sizeof(path), "%s/vp/0/registers", mnt.dir);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	cr_assert_gt(len, 0);
	snprintf(want, sizeof(want), "rip 0x%016llx", (unsigned long long)rip.lo);
	cr_assert(strstr(text, want), "%s: registers must list '%s'", name, want);
	vms_close(h);
}

Test(fs_qemu, elf_dump, .fini = cleanup, .timeout = 120)
{
	check_file("dump.elf");
}

Test(fs_qemu, kdump, .fini = cleanup, .timeout = 120)
{
	check_file("dump.kdump");
}

Test(fs_qemu, migration_stream, .fini = cleanup, .timeout = 120)
{
	check_file("stream.mig");
}

Test(fs_qemu, libvirt_save, .fini = cleanup, .timeout = 120)
{
	check_file("save.libvirt");
}
