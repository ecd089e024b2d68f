/* vmsavedstatefs on the real formats, not only raw images: the real Hyper-V legacy .bin
 * fixture (memory-only), a synthetic .vmrs with two VPs from the demo writer, and a LiME
 * export of it. Every byte of physmem and the mapped part of vmem is compared with the
 * library's own answers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmsavedstate/vmsavedstate.h>

#include "fs/fs_test_mount.h"
#include "support/test_support.h"

#define DEMO_KERNEL_VA 0xFFFFF80000000000ull /* vms_make_demo maps it to GPA 0 */
#define DEMO_BANNER_GPA 0x100000u

static struct fs_mount mnt;

static void cleanup(void)
{
	fs_mount_stop(&mnt);
}

static void mount_sources(const char *const *sources)
{
	const char *why = fs_mount_unavailable();
	if (why)
		cr_skip_test("FUSE mounts unavailable: %s", why);
	int status = 0;
	cr_assert_eq(fs_mount_start(&mnt, NULL, sources, &status), 0,
		     "mount failed (status %#x); see %s", status, mnt.log);
}

static uint8_t *read_node(const char *rel, uint64_t off, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", mnt.dir, rel);
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	uint8_t *buf = malloc(len ? len : 1);
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
		cr_assert_gt(n, 0, "pread %s at %#llx: %s", path, (unsigned long long)(off + got),
			     n < 0 ? strerror(errno) : "EOF");
		got += (size_t)n;
	}
	close(fd);
	return buf;
}

static uint64_t node_size(const char *rel)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", mnt.dir, rel);
	cr_assert_eq(stat(path, &st), 0, "stat %s", path);
	return (uint64_t)st.st_size;
}

Test(fs_formats, real_legacy_bin_mounts_memory_only, .fini = cleanup, .timeout = 120)
{
	VMS_REQUIRE_FIXTURE(bin, "hyperv/raf-test_file.bin");
	uint64_t digest = vms_test_file_digest(bin);
	const char *sources[] = {bin, NULL};
	mount_sources(sources);
	cr_assert_eq(node_size("physmem"), 264241152ull);
	cr_assert_eq(node_size("raw"), 264241152ull);
	uint8_t *triple = read_node("physmem", 0xC0FFE, 12);
	const uint32_t want[3] = {75826887u, 1235222542u, 3439375364u};
	for (int i = 0; i < 3; i++) {
		uint32_t v;
		memcpy(&v, triple + 4 * i, 4);
		cr_assert_eq(v, want[i], "u32 %d at GPA 0xC0FFE", i);
	}
	free(triple);
	uint8_t *reset = read_node("physmem", 0xFFFF0, 13);
	cr_assert_arr_eq(reset,
			 "\xEA\x5B\xE0\x00\xF0"
			 "11/12/18",
			 13);
	free(reset);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "grep -c -a 'COPYRIGHT IBM 1994' '%s/physmem' >/dev/null",
		 mnt.dir);
	cr_assert_eq(system(cmd), 0, "grep must find the BIOS banner through the mount");
	struct stat st;
	char vp_dir[512];
	snprintf(vp_dir, sizeof(vp_dir), "%s/vp/0", mnt.dir);
	cr_assert_neq(stat(vp_dir, &st), 0, "a .bin alone has no VP state to show");
	cr_assert_eq(fs_mount_stop(&mnt), 0);
	cr_assert_eq(vms_test_file_digest(bin), digest, "the evidence must not change");
}

static char *make_demo(void)
{
	char dir[] = "/tmp/vms-fs-demo-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *out = malloc(600);
	snprintf(out, 600, "%s/demo.vmrs", dir);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "'%s' --size-mib 8 '%s' >/dev/null", VMS_MAKE_DEMO, out);
	cr_assert_eq(system(cmd), 0, "vms_make_demo failed");
	return out;
}

Test(fs_formats, synthetic_vmrs_physmem_and_vmem_match_the_library, .fini = cleanup, .timeout = 120)
{
	char *vmrs = make_demo();
	vms_handle *h;
	struct vms_error err = {0};
	cr_assert_eq(vms_open(vmrs, NULL, &h, &err), 0, "%s", err.msg);
	cr_assert_str_eq(vms_format_name(h), "hyperv-vmrs");
	cr_assert_eq(vms_vp_count(h), 2);
	uint64_t end = vms_gpa_end(h);
	uint8_t *want = malloc(end);
	cr_assert_eq(vms_read_gpa(h, 0, want, end, VMS_READ_ZERO_HOLES, NULL, &err), 0, "%s",
		     err.msg);

	const char *sources[] = {vmrs, NULL};
	mount_sources(sources);
	cr_assert_eq(node_size("physmem"), end);
	uint8_t *got = read_node("physmem", 0, end);
	cr_assert_eq(memcmp(got, want, end), 0, "physmem differs from vms_read_gpa");
	free(got);

	/* vmem folds the upper canonical half down: offset = VA & (2^48 - 1). */
	const uint64_t fold = (1ull << 48) - 1;
	uint8_t *banner = read_node("vp/1/vmem", (DEMO_KERNEL_VA + DEMO_BANNER_GPA) & fold, 48);
	cr_assert_arr_eq(banner, want + DEMO_BANNER_GPA, 48);
	cr_assert(memmem(banner, 48, "vmsavedstate demo guest", 23));
	free(banner);
	uint8_t *span = read_node("vp/0/vmem", (DEMO_KERNEL_VA + 0x1FF000) & fold, 0x3000);
	cr_assert_arr_eq(span, want + 0x1FF000, 0x3000, "a read across a 2 MiB mapping edge");
	free(span);

	uint8_t *regs = read_node("vp/0/registers", 0, node_size("vp/0/registers"));
	struct vms_reg_value cr3;
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_CR3, &cr3, NULL), 0);
	char line[64];
	snprintf(line, sizeof(line), "cr3 0x%016llx", (unsigned long long)cr3.lo);
	cr_assert(strstr((char *)regs, line), "registers must list '%s'", line);
	free(regs);
	cr_assert_gt(node_size("keys.json"), 100);
	uint8_t *arch = read_node("arch", 0, 4);
	cr_assert_arr_eq(arch, "x64\n", 4);
	free(arch);
	free(want);
	vms_close(h);
	free(vmrs);
}

Test(fs_formats, lime_export_mounts_and_matches, .fini = cleanup, .timeout = 120)
{
	char *vmrs = make_demo();
	char lime[700], cmd[1600];
	snprintf(lime, sizeof(lime), "%s.lime", vmrs);
	snprintf(cmd, sizeof(cmd), "'%s' export '%s' --format lime -o '%s' -q --no-sidecar",
		 VMS_CLI, vmrs, lime);
	cr_assert_eq(system(cmd), 0, "export to LiME failed");
	vms_handle *h;
	struct vms_error err = {0};
	cr_assert_eq(vms_open(lime, NULL, &h, &err), 0, "%s", err.msg);
	cr_assert_str_eq(vms_format_name(h), "lime");
	uint64_t end = vms_gpa_end(h);
	uint8_t *want = malloc(end);
	cr_assert_eq(vms_read_gpa(h, 0, want, end, VMS_READ_ZERO_HOLES, NULL, &err), 0, "%s",
		     err.msg);
	const char *sources[] = {lime, NULL};
	mount_sources(sources);
	cr_assert_eq(node_size("physmem"), end);
	uint8_t *got = read_node("physmem", 0, end);
	cr_assert_eq(memcmp(got, want, end), 0, "physmem of the LiME mount differs");
	cr_assert(memmem(got, end, "vmsavedstate demo guest", 23), "the demo banner survives");
	free(got);
	free(want);
	vms_close(h);
	free(vmrs);
}
