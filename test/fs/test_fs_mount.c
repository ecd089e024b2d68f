/* vmsavedstatefs over a real mount (fuse-and-cli.md §2, §4): every file against direct API
 * reads, holes and lseek, the vmem fold, strict modes, EROFS, parallel and killed readers,
 * SIGTERM and an untouched source. Uses the raw backend with fs_test_image.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vmsavedstate/vmsavedstate.h>

#include "fs/fs_test_image.h"
#include "fs/fs_test_mount.h"
#include "render/render.h"
#include "support/test_support.h"

#define HALF48 0x800000000000ull
#define SIZE48 0x1000000000000ull

static char *image;
static vms_handle *h;
static struct fs_mount mnt;
static uint8_t *physmem; /* expected physmem, from vms_read_gpa */
static uint64_t physmem_len;

static void open_image(void)
{
	struct vms_error err = {0};
	image = fti_write();
	int rc = vms_open(image, NULL, &h, &err);
	cr_assert_eq(rc, 0, "vms_open: %s", err.msg);
	physmem_len = vms_gpa_end(h);
	physmem = malloc(physmem_len);
	cr_assert_not_null(physmem);
	uint64_t done = 0;
	rc = vms_read_gpa(h, 0, physmem, physmem_len, VMS_READ_ZERO_HOLES, &done, &err);
	cr_assert_eq(rc, 0, "vms_read_gpa: %s", err.msg);
	cr_assert_eq(done, physmem_len);
}

static void mount_with(const char *opts)
{
	const char *why = fs_mount_unavailable();
	if (why)
		cr_skip_test("FUSE mounts unavailable: %s", why);
	open_image();
	const char *sources[] = {image, NULL};
	int status = 0;
	int rc = fs_mount_start(&mnt, opts, sources, &status);
	cr_assert_eq(rc, 0, "mount failed (status %#x); see %s", status, mnt.log);
}

static void setup(void)
{
	mount_with(NULL);
}

static void setup_strict(void)
{
	mount_with("vmem=eio,holes=eio");
}

static void teardown(void)
{
	fs_mount_stop(&mnt);
	vms_close(h);
	h = NULL;
	free(physmem);
	physmem = NULL;
	free(image);
	image = NULL;
}

TestSuite(fs_mount, .init = setup, .fini = teardown, .timeout = 180);
TestSuite(fs_strict, .init = setup_strict, .fini = teardown, .timeout = 120);

static char *path_of(const char *rel)
{
	/* a few rotating buffers, so that one call can take two paths (rename, link) */
	static __thread char buf[4][512];
	static __thread unsigned next;
	char *b = buf[next++ % 4];
	snprintf(b, sizeof buf[0], "%s/%s", mnt.dir, rel);
	return b;
}

/* pread until len or EOF; returns bytes read or -errno */
static ssize_t read_at(int fd, uint64_t off, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return got ? (ssize_t)got : -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static uint8_t *slurp(const char *rel, size_t *len)
{
	uint8_t *b = vms_test_read_file(path_of(rel), len);
	cr_assert_not_null(b, "read %s", rel);
	return b;
}

/* Expected vp/0/vmem bytes: offsets at and above 2^47 are the upper canonical half. */
static void vmem_expected(uint32_t vp, uint64_t off, uint8_t *buf, size_t len, bool fold)
{
	size_t pos = 0;
	while (pos < len) {
		uint64_t o = off + pos;
		uint64_t seg_end = fold && o < HALF48 ? HALF48 : UINT64_MAX;
		size_t n = seg_end - o < len - pos ? (size_t)(seg_end - o) : len - pos;
		uint64_t gva = fold && o >= HALF48 ? o | 0xffff000000000000ull : o;
		uint64_t done = 0;
		struct vms_error err = {0};
		int rc = vms_read_gva(h, vp, gva, buf + pos, n,
				      VMS_READ_ZERO_UNMAPPED | VMS_READ_ZERO_HOLES, &done, &err);
		cr_assert_eq(rc, 0, "vms_read_gva %#lx: %s", (unsigned long)gva, err.msg);
		if (done < n)
			memset(buf + pos + done, 0, n - done);
		pos += n;
	}
}

static bool file_exists(const char *rel)
{
	struct stat st;
	return stat(path_of(rel), &st) == 0;
}

Test(fs_mount, tree_has_the_fixed_names)
{
	const char *files[] = {"arch",	    "layout.json",    "physmem",
			       "raw",	    "vp/0/registers", "vp/0/registers.json",
			       "vp/0/vmem", "vp/1/registers", "vp/1/vmem"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct stat st;
		cr_assert_eq(stat(path_of(files[i]), &st), 0, "%s: %s", files[i], strerror(errno));
		cr_assert(S_ISREG(st.st_mode));
		cr_assert_eq(st.st_mode & 07777, 0444, "%s mode %o", files[i], st.st_mode);
	}
	struct stat st;
	cr_assert_eq(stat(path_of("vp"), &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0555);
	cr_assert_not(file_exists("keys.json"), "the raw format has no key tree");
	cr_assert_not(file_exists("vp/2"));
	errno = 0;
	cr_assert_neq(stat(path_of("nothing"), &st), 0);
	cr_assert_eq(errno, ENOENT);
}

Test(fs_mount, generated_files_match_the_render_library)
{
	size_t len;
	uint8_t *arch = slurp("arch", &len);
	cr_assert_eq(len, 4);
	cr_assert_arr_eq(arch, "x64\n", 4);
	free(arch);

	for (uint32_t vp = 0; vp < 2; vp++) {
		char rel[64];
		int rc = 0;
		char *want = vms_render_registers_text(h, vp, -1, &rc);
		cr_assert_not_null(want);
		snprintf(rel, sizeof rel, "vp/%u/registers", vp);
		uint8_t *got = slurp(rel, &len);
		struct stat st;
		cr_assert_eq(stat(path_of(rel), &st), 0);
		cr_assert_eq((size_t)st.st_size, len, "st_size is exact");
		cr_assert_eq(len, strlen(want));
		cr_assert_arr_eq(got, want, len);
		free(got);
		free(want);

		want = vms_render_registers_json(h, vp, -1, &rc);
		cr_assert_not_null(want);
		snprintf(rel, sizeof rel, "vp/%u/registers.json", vp);
		got = slurp(rel, &len);
		cr_assert_eq(len, strlen(want));
		cr_assert_arr_eq(got, want, len);
		free(got);
		free(want);
	}
	uint8_t *regs = slurp("vp/0/registers", &len);
	cr_assert_not_null(memmem(regs, len, "rax 0x1122334455667788\n", 23));
	free(regs);

	uint8_t *layout = slurp("layout.json", &len);
	cr_assert_not_null(memmem(layout, len, "\"vmsavedstate-layout\"", 21));
	cr_assert_not_null(memmem(layout, len, "vmsavedstatefs", 14), "tool name");
	cr_assert_not_null(memmem(layout, len, "upper canonical half", 20), "vmem fold note");
	cr_assert_null(memmem(layout, len, "/tmp/", 5), "no host paths in layout.json");
	free(layout);
}

Test(fs_mount, physmem_matches_vms_read_gpa)
{
	struct stat st;
	cr_assert_eq(stat(path_of("physmem"), &st), 0);
	cr_assert_eq((uint64_t)st.st_size, physmem_len);
	cr_assert_eq(physmem_len, FTI_SIZE);
	/* only chunk bytes count as allocated (fuse-and-cli.md §4.2) */
	cr_assert_eq((uint64_t)st.st_blocks * 512, FTI_SIZE - (FTI_HOLE_END - FTI_HOLE_GPA));

	size_t len;
	uint8_t *all = slurp("physmem", &len);
	cr_assert_eq(len, physmem_len);
	cr_assert_arr_eq(all, physmem, len, "whole physmem differs");
	for (uint64_t g = FTI_HOLE_GPA; g < FTI_HOLE_END; g++)
		cr_assert_eq(all[g], 0, "hole byte %#lx", (unsigned long)g);
	free(all);

	/* reads straddling pages, 1 MiB blocks, chunk edges and the end of memory */
	static const struct {
		uint64_t off;
		size_t len;
	} cases[] = {
		{0xff8, 16},	      {0xffff0, 0x20},	  {0x1ff800, 0x1000}, {0x2fff00, 0x200},
		{0x1fff00, 0x100200}, {0x8ff000, 0x2000}, {0x8fffff, 1},      {0x123, 0x180000},
		{0x0, 0x100001},      {0x900000, 16},
	};
	int fd = open(path_of("physmem"), O_RDONLY);
	cr_assert_geq(fd, 0);
	uint8_t *buf = malloc(0x200000);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ssize_t n = read_at(fd, cases[i].off, buf, cases[i].len);
		size_t want = cases[i].off >= physmem_len ? 0
			      : cases[i].len > physmem_len - cases[i].off
				      ? (size_t)(physmem_len - cases[i].off)
				      : cases[i].len;
		cr_assert_eq(n, (ssize_t)want, "case %zu: read %zd", i, n);
		cr_assert_arr_eq(buf, physmem + cases[i].off, want, "case %zu differs", i);
	}
	free(buf);
	close(fd);
}

Test(fs_mount, raw_matches_vms_read_raw)
{
	struct stat st;
	cr_assert_eq(stat(path_of("raw"), &st), 0);
	cr_assert_eq((uint64_t)st.st_size, vms_raw_size(h));
	size_t len;
	uint8_t *got = slurp("raw", &len);
	cr_assert_eq(len, vms_raw_size(h));
	uint8_t *want = malloc(len);
	uint64_t done = 0;
	struct vms_error err = {0};
	cr_assert_eq(vms_read_raw(h, 0, want, len, &done, &err), 0, "%s", err.msg);
	cr_assert_eq(done, len);
	cr_assert_arr_eq(got, want, len);
	free(got);
	free(want);
}

Test(fs_mount, vmem_is_folded_and_matches_vms_read_gva)
{
	struct stat st;
	cr_assert_eq(stat(path_of("vp/0/vmem"), &st), 0);
	cr_assert_eq((uint64_t)st.st_size, SIZE48, "long mode: 2^48 bytes");
	cr_assert_eq(stat(path_of("vp/1/vmem"), &st), 0);
	cr_assert_eq((uint64_t)st.st_size, 1ull << 32, "paging off on x86: 2^32 bytes");

	static const struct {
		uint64_t off;
		size_t len;
	} cases[] = {
		{FTI_GVA_PT0, 0x8000},		   /* eight scattered pages */
		{FTI_GVA_PT0 + 0xff0, 0x20},	   /* straddles two of them */
		{FTI_GVA_PT0 + 0x7800, 0x3000},	   /* mapped, absent, mapped */
		{FTI_GVA_LARGE - 0x800, 0x201000}, /* across a 2 MiB page */
		{HALF48 - 0x1000, 0x2000},	   /* across the fold */
		{HALF48 - 0x10, 0x20},		   /* a few bytes either side of it */
		{SIZE48 - 0x1000, 0x1000},	   /* the very last page */
		{0x12345000, 0x3000},		   /* unmapped: zeros */
	};
	int fd = open(path_of("vp/0/vmem"), O_RDONLY);
	cr_assert_geq(fd, 0);
	uint8_t *got = malloc(0x202000), *want = malloc(0x202000);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ssize_t n = read_at(fd, cases[i].off, got, cases[i].len);
		cr_assert_eq(n, (ssize_t)cases[i].len, "case %zu: %zd", i, n);
		vmem_expected(0, cases[i].off, want, cases[i].len, true);
		cr_assert_arr_eq(got, want, cases[i].len, "case %zu differs", i);
	}
	/* spot checks against physmem, independent of vms_read_gva */
	cr_assert_eq(read_at(fd, FTI_GVA_PT0, got, 0x1000), 0x1000);
	cr_assert_arr_eq(got, physmem + 0x507000, 0x1000);
	cr_assert_eq(read_at(fd, HALF48, got, 0x1000), 0x1000);
	cr_assert_arr_eq(got, physmem + 0x302000, 0x1000, "0xffff800000000000 -> 0x302000");
	cr_assert_eq(read_at(fd, SIZE48 - 0x1000, got, 0x1000), 0x1000);
	cr_assert_arr_eq(got, physmem + 0x304000, 0x1000, "0xfffffffffffff000 -> 0x304000");
	cr_assert_eq(read_at(fd, SIZE48, got, 16), 0, "EOF at 2^48");
	close(fd);

	fd = open(path_of("vp/1/vmem"), O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read_at(fd, 0x1fff00, got, 0x200000), 0x200000);
	cr_assert_arr_eq(got, physmem + 0x1fff00, 0x200000, "paging off: GVA == GPA");
	close(fd);
	free(got);
	free(want);
}

static int grep_count(const char *rel)
{
	char cmd[700];
	snprintf(cmd, sizeof cmd, "grep -a -c %s '%s'", FTI_MARKER, path_of(rel));
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	int count = -1;
	if (fscanf(p, "%d", &count) != 1)
		count = -1;
	pclose(p);
	return count;
}

Test(fs_mount, grep_counts_the_markers)
{
	cr_assert_eq(grep_count("physmem"), FTI_MARKERS_IN_CHUNKS, "hole bytes must not show");
	cr_assert_eq(grep_count("raw"), FTI_MARKERS_IN_CHUNKS + FTI_MARKERS_IN_HOLE,
		     "raw is the whole flat image");
}

static off_t seek(int fd, off_t off, int whence)
{
	errno = 0;
	return lseek(fd, off, whence);
}

Test(fs_mount, lseek_reports_physmem_holes)
{
	int fd = open(path_of("physmem"), O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(seek(fd, 0, SEEK_DATA), 0);
	cr_assert_eq(seek(fd, 0, SEEK_HOLE), FTI_HOLE_GPA);
	cr_assert_eq(seek(fd, 0x123456, SEEK_HOLE), FTI_HOLE_GPA);
	cr_assert_eq(seek(fd, FTI_HOLE_GPA, SEEK_DATA), FTI_HOLE_END);
	cr_assert_eq(seek(fd, 0x250000, SEEK_HOLE), 0x250000);
	cr_assert_eq(seek(fd, FTI_HOLE_END, SEEK_HOLE), FTI_SIZE, "implicit hole at EOF");
	cr_assert_eq(seek(fd, FTI_SIZE, SEEK_DATA), -1);
	cr_assert_eq(errno, ENXIO);
	close(fd);
}

Test(fs_mount, lseek_walks_vmem_mappings)
{
	static const struct {
		off_t from;
		int whence;
		off_t want;
	} cases[] = {
		{0, SEEK_DATA, (off_t)FTI_GVA_PT0},
		{(off_t)FTI_GVA_PT0, SEEK_HOLE, (off_t)FTI_GVA_PT0 + 0x8000},
		{(off_t)FTI_GVA_PT0 + 0x8000, SEEK_DATA, (off_t)FTI_GVA_PT0 + 0x9000},
		{(off_t)FTI_GVA_PT0 + 0x9000, SEEK_HOLE, (off_t)FTI_GVA_PT0 + 0xa000},
		{(off_t)FTI_GVA_PT0 + 0xa000, SEEK_DATA, (off_t)FTI_GVA_LARGE},
		{(off_t)FTI_GVA_LARGE + 0x1234, SEEK_HOLE, (off_t)FTI_GVA_LARGE + 0x200000},
		{(off_t)FTI_GVA_LARGE + 0x200000, SEEK_DATA, (off_t)FTI_GVA_LOW_TOP},
		/* the top page of the lower half and the bottom of the upper half touch */
		{(off_t)FTI_GVA_LOW_TOP, SEEK_HOLE, (off_t)(HALF48 + 0x2000)},
		{(off_t)(HALF48 + 0x2000), SEEK_DATA, (off_t)(SIZE48 - 0x1000)},
		{(off_t)(SIZE48 - 0x10), SEEK_DATA, (off_t)(SIZE48 - 0x10)},
		{(off_t)(SIZE48 - 0x1000), SEEK_HOLE, (off_t)SIZE48},
	};
	int fd = open(path_of("vp/0/vmem"), O_RDONLY);
	cr_assert_geq(fd, 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		off_t got = seek(fd, cases[i].from, cases[i].whence);
		cr_assert_eq(got, cases[i].want, "case %zu: %s from %#lx gave %#lx (%s)", i,
			     cases[i].whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE",
			     (unsigned long)cases[i].from, (unsigned long)got, strerror(errno));
	}
	cr_assert_eq(seek(fd, (off_t)SIZE48, SEEK_DATA), -1);
	cr_assert_eq(errno, ENXIO);
	close(fd);
}

/* ---- 16 parallel readers ---- */

#define READERS 16
#define READS_PER_READER 150
#define VMEM_WIN_OFF (FTI_GVA_PT0 - 0x10000)
#define VMEM_WIN_LEN 0x420000u

static uint8_t *vmem_window; /* expected vp/0/vmem bytes of the window */

struct reader {
	unsigned seed;
	int bad;
	char why[128];
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint8_t *buf = malloc(0x40000);
	int pfd = open(path_of("physmem"), O_RDONLY);
	int vfd = open(path_of("vp/0/vmem"), O_RDONLY);
	if (!buf || pfd < 0 || vfd < 0) {
		r->bad = 1;
		snprintf(r->why, sizeof r->why, "open: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < READS_PER_READER && !r->bad; i++) {
		const bool vmem = rand_r(&r->seed) % 2;
		const uint64_t span = vmem ? VMEM_WIN_LEN : physmem_len;
		const size_t len = 1 + (size_t)rand_r(&r->seed) % 0x40000;
		const uint64_t off = (uint64_t)rand_r(&r->seed) % (span - 1);
		const size_t want = len > span - off ? (size_t)(span - off) : len;
		const ssize_t n =
			read_at(vmem ? vfd : pfd, vmem ? VMEM_WIN_OFF + off : off, buf, want);
		const uint8_t *exp = vmem ? vmem_window + off : physmem + off;
		if (n != (ssize_t)want || memcmp(buf, exp, want) != 0) {
			r->bad = 1;
			snprintf(r->why, sizeof r->why, "%s off %#lx len %zu: got %zd",
				 vmem ? "vmem" : "physmem", (unsigned long)off, want, n);
		}
	}
out:
	if (pfd >= 0)
		close(pfd);
	if (vfd >= 0)
		close(vfd);
	free(buf);
	return NULL;
}

Test(fs_mount, sixteen_parallel_random_readers)
{
	vmem_window = malloc(VMEM_WIN_LEN);
	cr_assert_not_null(vmem_window);
	vmem_expected(0, VMEM_WIN_OFF, vmem_window, VMEM_WIN_LEN, true);
	pthread_t t[READERS];
	struct reader r[READERS];
	for (int i = 0; i < READERS; i++) {
		memset(&r[i], 0, sizeof r[i]);
		r[i].seed = 0x1234u + (unsigned)i * 7919u;
		cr_assert_eq(pthread_create(&t[i], NULL, reader_main, &r[i]), 0);
	}
	for (int i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < READERS; i++)
		cr_expect_eq(r[i].bad, 0, "reader %d: %s", i, r[i].why);
	free(vmem_window);
}

Test(fs_mount, killed_reader_leaves_the_mount_working)
{
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		/* stream the 4 GiB vp/1/vmem until killed */
		int fd = open(path_of("vp/1/vmem"), O_RDONLY);
		static uint8_t buf[1 << 20];
		for (;;)
			if (fd < 0 || read(fd, buf, sizeof buf) <= 0)
				_exit(3);
	}
	struct timespec ts = {0, 300 * 1000000L};
	nanosleep(&ts, NULL);
	cr_assert_eq(kill(child, SIGKILL), 0);
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFSIGNALED(status), "the reader stopped by itself (status %#x)", status);

	cr_assert_eq(waitpid(mnt.pid, &status, WNOHANG), 0, "the daemon died");
	cr_assert(fs_mount_is_fuse(mnt.dir));
	size_t len;
	uint8_t *all = slurp("physmem", &len);
	cr_assert_eq(len, physmem_len);
	cr_assert_arr_eq(all, physmem, len);
	free(all);
}

static void expect_erofs(int rc, const char *what)
{
	cr_expect_eq(rc, -1, "%s succeeded", what);
	cr_expect_eq(errno, EROFS, "%s: %s", what, strerror(errno));
}

Test(fs_mount, every_write_is_refused_with_erofs)
{
	errno = 0;
	expect_erofs(open(path_of("physmem"), O_WRONLY), "open O_WRONLY");
	expect_erofs(open(path_of("physmem"), O_RDWR), "open O_RDWR");
	expect_erofs(open(path_of("arch"), O_RDONLY | O_TRUNC), "open O_TRUNC");
	expect_erofs(open(path_of("new"), O_WRONLY | O_CREAT, 0644), "create");
	expect_erofs(truncate(path_of("raw"), 0), "truncate");
	expect_erofs(chmod(path_of("raw"), 0666), "chmod");
	expect_erofs(mkdir(path_of("dir"), 0755), "mkdir");
	expect_erofs(rmdir(path_of("vp/0")), "rmdir");
	expect_erofs(unlink(path_of("arch")), "unlink");
	expect_erofs(rename(path_of("arch"), path_of("arch2")), "rename");
	expect_erofs(link(path_of("arch"), path_of("arch2")), "link");
	expect_erofs(symlink("arch", path_of("sym")), "symlink");
	expect_erofs(mknod(path_of("fifo"), S_IFIFO | 0644, 0), "mknod");
	char cmd[600];
	snprintf(cmd, sizeof cmd, "setfattr -n user.x -v 1 '%s' 2>/dev/null", path_of("arch"));
	if (access("/usr/bin/setfattr", X_OK) == 0)
		cr_expect_neq(system(cmd), 0, "setxattr succeeded");
	struct stat st;
	cr_assert_eq(stat(path_of("arch"), &st), 0);
	cr_assert_eq(st.st_size, 4, "arch unchanged");
}

Test(fs_mount, sigterm_unmounts_cleanly)
{
	cr_assert_eq(kill(mnt.pid, SIGTERM), 0);
	int status = 0;
	pid_t got = 0;
	for (int i = 0; i < 2000 && got == 0; i++) {
		got = waitpid(mnt.pid, &status, WNOHANG);
		if (got == 0) {
			struct timespec ts = {0, 10 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	cr_assert_eq(got, mnt.pid, "daemon did not exit within 20 s");
	mnt.pid = -1;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	cr_assert_not(fs_mount_is_fuse(mnt.dir), "still mounted after SIGTERM");
}

Test(fs_mount, source_file_is_never_modified)
{
	struct stat before, after;
	cr_assert_eq(stat(image, &before), 0);
	const uint64_t digest = vms_test_file_digest(image);
	size_t len;
	free(slurp("physmem", &len));
	free(slurp("raw", &len));
	free(slurp("layout.json", &len));
	(void)open(path_of("raw"), O_RDWR);
	(void)truncate(path_of("physmem"), 0);
	cr_assert_eq(fs_mount_stop(&mnt), 0, "clean exit");
	cr_assert_eq(stat(image, &after), 0);
	cr_assert_eq(vms_test_file_digest(image), digest);
	cr_assert_eq(after.st_size, before.st_size);
	cr_assert_eq(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	cr_assert_eq(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	cr_assert_eq(after.st_ctim.tv_nsec, before.st_ctim.tv_nsec);
}

/* ---- strict modes: vmem=eio, holes=eio (fuse-and-cli.md §4.4) ---- */

Test(fs_strict, unmapped_vmem_pages_fail_with_eio)
{
	uint8_t buf[0x2000];
	int fd = open(path_of("vp/0/vmem"), O_RDONLY);
	cr_assert_geq(fd, 0);
	errno = 0;
	cr_assert_eq(pread(fd, buf, 0x1000, 0x12345000), -1);
	cr_assert_eq(errno, EIO);
	/* mapped then absent: the good prefix comes back short (direct_io), then EIO */
	cr_assert_eq(pread(fd, buf, 0x2000, (off_t)FTI_GVA_PT0 + 0x7000), 0x1000);
	cr_assert_arr_eq(buf, physmem + 0x500000, 0x1000);
	errno = 0;
	cr_assert_eq(pread(fd, buf, 0x1000, (off_t)FTI_GVA_PT0 + 0x8000), -1);
	cr_assert_eq(errno, EIO);
	cr_assert_eq(pread(fd, buf, 0x1000, (off_t)HALF48), 0x1000);
	cr_assert_arr_eq(buf, physmem + 0x302000, 0x1000);
	close(fd);
}

Test(fs_strict, physmem_holes_fail_with_eio)
{
	uint8_t buf[0x2000];
	int fd = open(path_of("physmem"), O_RDONLY);
	cr_assert_geq(fd, 0);
	errno = 0;
	cr_assert_eq(pread(fd, buf, 0x1000, 0x250000), -1);
	cr_assert_eq(errno, EIO);
	cr_assert_eq(pread(fd, buf, 0x2000, FTI_HOLE_GPA - 0x1000), 0x1000);
	cr_assert_arr_eq(buf, physmem + FTI_HOLE_GPA - 0x1000, 0x1000);
	cr_assert_eq(pread(fd, buf, 0x1000, FTI_HOLE_END), 0x1000);
	cr_assert_arr_eq(buf, physmem + FTI_HOLE_END, 0x1000);
	close(fd);
}

/* ---- the command line, without mounting ---- */

Test(fs_daemon, help_and_version_exit_zero)
{
	char out[8192];
	const char *help[] = {"vmsavedstatefs", "--help", NULL};
	int st = fs_daemon_run(help, out, sizeof out);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x: %s", st, out);
	cr_assert_not_null(strstr(out, "SAVEDSTATE... MOUNTPOINT"));
	cr_assert_not_null(strstr(out, "vmem=zero|eio"));
	const char *ver[] = {"vmsavedstatefs", "--version", NULL};
	st = fs_daemon_run(ver, out, sizeof out);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x: %s", st, out);
	cr_assert_not_null(strstr(out, "vmsavedstatefs " VMS_VERSION_STRING));
	cr_assert_not_null(strstr(out, "libvmsavedstate "));
}

Test(fs_daemon, bad_input_fails_before_mounting)
{
	char dir[] = "/tmp/vmsfs-nomount-XXXXXX", out[4096];
	cr_assert_not_null(mkdtemp(dir));
	const char *missing[] = {"vmsavedstatefs", "-f", "/nonexistent/evidence.vmrs", dir, NULL};
	int st = fs_daemon_run(missing, out, sizeof out);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %#x: %s", st, out);
	cr_assert_not_null(strstr(out, "/nonexistent/evidence.vmrs"), "message: %s", out);
	cr_assert_not(fs_mount_is_fuse(dir));

	char *img = fti_write();
	const char *badopt[] = {"vmsavedstatefs", "-f", "-o", "vmem=maybe", img, dir, NULL};
	st = fs_daemon_run(badopt, out, sizeof out);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %#x: %s", st, out);
	cr_assert_not_null(strstr(out, "vmem=maybe"), "message: %s", out);

	const char *nomnt[] = {"vmsavedstatefs", "-f", img, NULL};
	st = fs_daemon_run(nomnt, out, sizeof out);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %#x: %s", st, out);
	cr_assert_not(fs_mount_is_fuse(dir));
	free(img);
	rmdir(dir);
}
