/* Unpleasant I/O (STYLE.md rules 14, 23): every sample is opened through the faulty reader
 * (test_support.h) and walked, first with each read of the clean run failing in turn, then
 * with -EIO injected at every file offset N that the clean run reads (see DENSE_BUDGET).
 * Every call must give the clean run's result or -EIO: an I/O failure never turns into a
 * crash, a different code ("malformed"), silently different data, or a leak (ASan). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hardening/hard_samples.h"
#include "hardening/hard_walk.h"
#include "support/test_support.h"

/* Offsets that no read of the clean run touches cannot change anything (the run is
 * deterministic until a read fails), so they are skipped. Touched offsets fall into classes
 * (runs of bytes covered by the same reads): both ends of every class are tried, and inside a
 * class every offset, or a stride when more than DENSE_BUDGET bytes are touched. */
#define DENSE_BUDGET 4096u
#define MAX_ITER_SECONDS 5.0

/* The core's probe reads the first 64 KiB of every source, which covers all of a small file,
 * so a fault at offset N would always stop the open there. This wrapper spares the first
 * `spare` reads of a source, and with `fail_read` set fails exactly the read numbered
 * `fail_read` (counting from 0) whatever its offset. */
struct spared {
	struct vms_io inner;
	struct vms_io_faulty f;
	unsigned spare;
	unsigned count;
	long fail_read;
	uint64_t *sig; /* when set: per-byte digest of the numbers of the reads touching it */
};

static int spared_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct spared *s = ctx;
	unsigned k = s->count++;
	if (s->sig && off <= s->f.len && len <= s->f.len - off)
		for (size_t i = 0; i < len; i++)
			s->sig[off + i] = s->sig[off + i] * 1000003u + k + 1;
	if ((long)k == s->fail_read)
		return -EIO;
	if (k < s->spare) {
		uint64_t keep = s->f.fail_at;
		s->f.fail_at = UINT64_MAX;
		int rc = s->inner.pread(s->inner.ctx, buf, len, off);
		s->f.fail_at = keep;
		return rc;
	}
	return s->inner.pread(s->inner.ctx, buf, len, off);
}

static void spared_init(struct vms_io *io, struct spared *s, const struct hard_sample *hs,
			unsigned src, uint64_t fail_at, unsigned spare, long fail_read)
{
	vms_io_faulty_init(&s->inner, &s->f, hs->src[src], hs->src_len[src], fail_at);
	s->spare = spare;
	s->count = 0;
	s->fail_read = fail_read;
	s->sig = NULL;
	*io = s->inner;
	io->pread = spared_pread;
	io->ctx = s;
}

static void sweep(enum hard_kind kind)
{
	struct hard_sample s;
	hard_sample_build(kind, &s);
	struct vms_open_opts o;
	hard_opts(&o);
	struct vms_io ios[HARD_MAX_SRC];
	struct spared f[HARD_MAX_SRC];
	struct vms_error err;
	struct hard_trace clean = {0}, run = {0};

	uint64_t *sig[HARD_MAX_SRC];
	for (unsigned i = 0; i < s.src_count; i++) {
		spared_init(&ios[i], &f[i], &s, i, UINT64_MAX, 1, -1);
		sig[i] = calloc(s.src_len[i] + 1, sizeof(uint64_t));
		cr_assert_not_null(sig[i]);
		f[i].sig = sig[i];
		f[i].count = 1; /* the probe's read is spared in the sweep: do not record it */
	}
	cr_assert_eq(hard_open_walk(ios, s.src_count, &o, &clean, &err), 0, "%s: clean open: %s",
		     s.name, err.msg);
	cr_assert_eq(clean.bad, 0, "%s: clean walk: %s", s.name, clean.first_bad);
	unsigned clean_reads[HARD_MAX_SRC];
	uint64_t touched[HARD_MAX_SRC], skipped = 0;
	for (unsigned i = 0; i < s.src_count; i++) {
		clean_reads[i] = f[i].count;
		touched[i] = 0;
		for (size_t k = 0; k < s.src_len[i]; k++)
			touched[i] += sig[i][k] != 0;
	}

	unsigned runs = 0, open_fail = 0, call_fail = 0;
	double worst = 0;
	for (unsigned src = 0; src < s.src_count; src++) {
		/* first every read number of the clean run, then every offset past the probe */
		const uint64_t step = touched[src] / DENSE_BUDGET + 1;
		const uint64_t by_read = clean_reads[src];
		const uint64_t *g = sig[src];
		uint64_t class_start = 0;
		for (uint64_t it = 0; it < by_read + s.src_len[src]; it++) {
			const uint64_t n = it < by_read ? UINT64_MAX : it - by_read;
			if (n != UINT64_MAX) {
				if (n == 0 || g[n] != g[n - 1])
					class_start = n;
				bool edge = n == class_start || g[n] != g[n + 1];
				if (g[n] == 0 || (!edge && (n - class_start) % step != 0)) {
					skipped++;
					continue;
				}
			}
			char where[64];
			if (it < by_read)
				snprintf(where, sizeof(where), "source %u read #%llu", src,
					 (unsigned long long)it);
			else
				snprintf(where, sizeof(where), "source %u offset %#llx", src,
					 (unsigned long long)n);
			for (unsigned i = 0; i < s.src_count; i++)
				spared_init(&ios[i], &f[i], &s, i, i == src ? n : UINT64_MAX, 1,
					    i == src && it < by_read ? (long)it : -1);
			hard_trace_reset(&run);
			double t0 = hard_now();
			int rc = hard_open_walk(ios, s.src_count, &o, &run, &err);
			double dt = hard_now() - t0;
			worst = dt > worst ? dt : worst;
			runs++;
			cr_assert_eq(run.bad, 0, "%s: -EIO at %s: %s", s.name, where,
				     run.first_bad);
			cr_assert(rc == 0 || rc == -EIO, "%s: -EIO at %s: open gave %d (%s)",
				  s.name, where, rc, err.msg);
			char why[512];
			cr_assert(hard_trace_io_consistent(&clean, &run, why, sizeof(why)),
				  "%s: -EIO at %s: %s", s.name, where, why);
			cr_assert_lt(dt, MAX_ITER_SECONDS, "%s: %s took %.2f s", s.name, where, dt);
			open_fail += rc != 0;
			for (size_t k = 1; rc == 0 && k < run.n; k++)
				call_fail += run.e[k].rc == -EIO;
		}
	}
	cr_log_info("io sweep %s: %u runs (%llu offsets skipped), %u opens failed with -EIO, %u "
		    "walk calls failed with -EIO, worst run %.3f s",
		    s.name, runs, (unsigned long long)skipped, open_fail, call_fail, worst);
	for (unsigned i = 0; i < s.src_count; i++)
		free(sig[i]);
	/* the sweep must actually have hit something, and not only the open */
	cr_assert_gt(open_fail, 0, "%s: no fault ever reached the open", s.name);
	cr_assert_lt(open_fail, runs, "%s: no open survived a fault", s.name);
	hard_trace_free(&clean);
	hard_trace_free(&run);
	hard_sample_free(&s);
	cr_assert(hard_no_leaks(), "leaks after the sweep (see stderr)");
}

#define IO_TEST(name, kind)                                                                        \
	Test(hard_io, name, .timeout = 300)                                                        \
	{                                                                                          \
		sweep(kind);                                                                       \
	}

IO_TEST(vmrs, HARD_VMRS)
IO_TEST(bin, HARD_BIN)
IO_TEST(raw_with_sidecar, HARD_RAW)
IO_TEST(qemu_elf, HARD_QEMU_ELF)
IO_TEST(qemu_kdump, HARD_QEMU_KDUMP)
IO_TEST(qemu_kdump_flattened, HARD_QEMU_KDUMP_FLAT)
IO_TEST(qemu_migration, HARD_QEMU_MIGRATION)
IO_TEST(qemu_libvirt_save, HARD_QEMU_LIBVIRT)
IO_TEST(lime, HARD_LIME)
IO_TEST(vmrs_pending_replay_log, HARD_VMRS_REPLAY)
IO_TEST(bin_with_vsv, HARD_BIN_VSV)
