/* Evidence is read-only (STYLE.md rule 14; vmsavedstate.h "never writes to it"): every sample
 * is written to disk, opened by path and walked. While the handle is open, every descriptor
 * the library holds on a source must be O_RDONLY (and O_CLOEXEC), read from
 * /proc/self/fdinfo; after vms_close no descriptor may remain, and the files' bytes, size,
 * mtime and ctime must be unchanged. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardening/hard_samples.h"
#include "hardening/hard_walk.h"
#include "support/test_support.h"

struct on_disk {
	char *path[HARD_MAX_SRC];
	struct stat st[HARD_MAX_SRC];
	uint64_t digest[HARD_MAX_SRC];
};

/* Write the sources side by side in one fresh directory (the raw backend finds its sidecar
 * next to the image by name). */
static void write_sample(const struct hard_sample *s, struct on_disk *d)
{
	memset(d, 0, sizeof(*d));
	d->path[0] = vms_test_write_temp(s->file_name[0], s->src[0], s->src_len[0]);
	for (unsigned i = 1; i < s->src_count; i++) {
		char *dir = strdup(d->path[0]);
		cr_assert_not_null(dir);
		*strrchr(dir, '/') = '\0';
		size_t n = strlen(dir) + strlen(s->file_name[i]) + 2;
		d->path[i] = malloc(n);
		cr_assert_not_null(d->path[i]);
		snprintf(d->path[i], n, "%s/%s", dir, s->file_name[i]);
		free(dir);
		FILE *f = fopen(d->path[i], "wb");
		cr_assert_not_null(f);
		cr_assert_eq(fwrite(s->src[i], 1, s->src_len[i], f), s->src_len[i]);
		cr_assert_eq(fclose(f), 0);
	}
	for (unsigned i = 0; i < s->src_count; i++) {
		cr_assert_eq(stat(d->path[i], &d->st[i]), 0);
		d->digest[i] = vms_test_file_digest(d->path[i]);
	}
	/* let a later write show up as a different mtime even on coarse clocks */
	usleep(20000);
}

struct fd_scan {
	unsigned open_fds[HARD_MAX_SRC];
	unsigned writable;
	unsigned no_cloexec;
	char what[PATH_MAX + 600];
};

/* Every descriptor of this process that refers to one of the sources. */
static void scan_fds(const struct hard_sample *s, const struct on_disk *d, struct fd_scan *r)
{
	memset(r, 0, sizeof(*r));
	DIR *dir = opendir("/proc/self/fd");
	cr_assert_not_null(dir);
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char link[300], target[PATH_MAX];
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		for (unsigned i = 0; i < s->src_count; i++) {
			char real[PATH_MAX];
			if (!realpath(d->path[i], real) || strcmp(real, target) != 0)
				continue;
			char info[300], line[128];
			snprintf(info, sizeof(info), "/proc/self/fdinfo/%s", de->d_name);
			FILE *f = fopen(info, "r");
			cr_assert_not_null(f);
			unsigned long flags = ~0ul;
			while (fgets(line, sizeof(line), f))
				if (sscanf(line, "flags: %lo", &flags) == 1)
					break;
			fclose(f);
			cr_assert_neq(flags, ~0ul, "no flags line in %s", info);
			r->open_fds[i]++;
			if ((flags & O_ACCMODE) != O_RDONLY) {
				r->writable++;
				snprintf(r->what, sizeof(r->what), "fd %s on %s has flags %#lo",
					 de->d_name, target, flags);
			}
			if (!(flags & O_CLOEXEC))
				r->no_cloexec++;
		}
	}
	closedir(dir);
}

static void check_unchanged(const struct hard_sample *s, const struct on_disk *d)
{
	for (unsigned i = 0; i < s->src_count; i++) {
		struct stat st;
		cr_assert_eq(stat(d->path[i], &st), 0);
		cr_assert_eq(st.st_size, d->st[i].st_size, "%s: size changed", d->path[i]);
		cr_assert(st.st_mtim.tv_sec == d->st[i].st_mtim.tv_sec &&
				  st.st_mtim.tv_nsec == d->st[i].st_mtim.tv_nsec,
			  "%s: mtime changed", d->path[i]);
		cr_assert(st.st_ctim.tv_sec == d->st[i].st_ctim.tv_sec &&
				  st.st_ctim.tv_nsec == d->st[i].st_ctim.tv_nsec,
			  "%s: ctime changed (metadata written)", d->path[i]);
		cr_assert_eq(st.st_mode, d->st[i].st_mode);
		cr_assert_eq(vms_test_file_digest(d->path[i]), d->digest[i], "%s: bytes changed",
			     d->path[i]);
	}
}

/* Open by path (`by_files`: every source named; else the first only, companions found by
 * the library), check descriptors, walk, close, check again. */
static void readonly_check(enum hard_kind kind, bool by_files)
{
	struct hard_sample s;
	hard_sample_build(kind, &s);
	struct on_disk d;
	write_sample(&s, &d);
	struct vms_open_opts o;
	hard_opts(&o);
	vms_handle *h = NULL;
	struct vms_error err;
	const char *paths[HARD_MAX_SRC] = {d.path[0], d.path[1]};
	int rc = by_files ? vms_open_files(paths, s.src_count, &o, &h, &err)
			  : vms_open(d.path[0], &o, &h, &err);
	cr_assert_eq(rc, 0, "%s: %s", s.name, err.msg);
	cr_assert_str_eq(vms_format_name(h), s.format);
	if (kind == HARD_VMRS_REPLAY)
		cr_assert_eq(vms_replay_pending(h), 1, "the replay entry is pending");

	struct fd_scan r;
	scan_fds(&s, &d, &r);
	cr_assert_eq(r.writable, 0, "%s: %s", s.name, r.what);
	cr_assert_eq(r.no_cloexec, 0, "%s: a source descriptor lacks O_CLOEXEC", s.name);
	cr_assert_geq(r.open_fds[0], 1,
		      "%s: the handle holds no descriptor on %s (check would "
		      "prove nothing)",
		      s.name, d.path[0]);
	struct hard_trace t = {0};
	hard_walk(h, &t);
	cr_assert_eq(t.bad, 0, "%s: %s", s.name, t.first_bad);
	scan_fds(&s, &d, &r); /* nothing reopened writable during reads */
	cr_assert_eq(r.writable, 0, "%s: %s", s.name, r.what);
	vms_close(h);

	scan_fds(&s, &d, &r);
	for (unsigned i = 0; i < s.src_count; i++)
		cr_assert_eq(r.open_fds[i], 0, "%s: %u descriptors on %s left after vms_close",
			     s.name, r.open_fds[i], d.path[i]);
	check_unchanged(&s, &d);
	cr_log_info("readonly %s: %zu calls walked, files unchanged", s.name, t.n);
	hard_trace_free(&t);
	for (unsigned i = 0; i < s.src_count; i++)
		free(d.path[i]);
	hard_sample_free(&s);
	cr_assert(hard_no_leaks(), "leaks (see stderr)");
}

#define RO_TEST(name, kind)                                                                        \
	Test(hard_readonly, name, .timeout = 60)                                                   \
	{                                                                                          \
		readonly_check(kind, false);                                                       \
	}

RO_TEST(vmrs, HARD_VMRS)
RO_TEST(bin, HARD_BIN)
RO_TEST(raw_with_sidecar_found_by_name, HARD_RAW)
RO_TEST(qemu_elf, HARD_QEMU_ELF)
RO_TEST(qemu_kdump, HARD_QEMU_KDUMP)
RO_TEST(qemu_kdump_flattened, HARD_QEMU_KDUMP_FLAT)
RO_TEST(qemu_migration, HARD_QEMU_MIGRATION)
RO_TEST(qemu_libvirt_save, HARD_QEMU_LIBVIRT)
RO_TEST(lime, HARD_LIME)

Test(hard_readonly, bin_with_vsv_both_named, .timeout = 60)
{
	readonly_check(HARD_BIN_VSV, true);
}

Test(hard_readonly, raw_with_sidecar_both_named, .timeout = 60)
{
	readonly_check(HARD_RAW, true);
}

/* A replay log pending in a .vmrs is applied only as an in-memory overlay at open. */
Test(hard_readonly, vmrs_pending_replay_log_not_applied_to_file, .timeout = 60)
{
	readonly_check(HARD_VMRS_REPLAY, false);
}
