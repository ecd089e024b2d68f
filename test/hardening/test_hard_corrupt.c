/* Corruption and truncation sweeps (STYLE.md rules 12, 13, 23): every sample gets single-byte
 * damage (0x00, 0xFF, bit flips) across its headers and metadata, and is cut at every length
 * up to the end of its metadata; each variant is opened and walked. Every call must return a
 * documented code with a message, each run must finish quickly, and the process's peak memory
 * must stay bounded (a hostile count must never drive a large allocation). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hardening/hard_samples.h"
#include "hardening/hard_walk.h"

/* offsets damaged per sample; above this the sweep strides (odd stride: all alignments) */
#define OFFSET_BUDGET 1536u
#define TRUNC_BUDGET 3072u
#define MAX_RUN_SECONDS 5.0
#define MAX_RSS_GROWTH_KIB (256L * 1024L)

struct sweep_stats {
	unsigned runs, opened;
	unsigned codes[160]; /* by -rc, for the log */
	double worst;
	uint64_t worst_off;
};

static void record(struct sweep_stats *st, int rc, double dt, uint64_t off)
{
	st->runs++;
	st->opened += rc == 0;
	if (rc < 0 && -rc < 160)
		st->codes[-rc]++;
	if (dt > st->worst) {
		st->worst = dt;
		st->worst_off = off;
	}
}

static void log_stats(const char *what, const char *name, const struct sweep_stats *st)
{
	char codes[256] = "";
	for (int c = 1; c < 160; c++)
		if (st->codes[c]) {
			size_t u = strlen(codes);
			snprintf(codes + u, sizeof(codes) - u, " %s:%u", vms_errname(-c),
				 st->codes[c]);
		}
	cr_log_info("%s %s: %u runs, %u opened;%s; worst run %.3f s (at %#llx)", what, name,
		    st->runs, st->opened, codes, st->worst, (unsigned long long)st->worst_off);
}

/* Open + walk the sample with source `src` replaced by buf[0..len). */
static int run_variant(const struct hard_sample *s, unsigned src, const uint8_t *buf, size_t len,
		       uint32_t flags, struct hard_trace *t, double *dt)
{
	struct vms_io ios[HARD_MAX_SRC];
	for (unsigned i = 0; i < s->src_count; i++)
		vms_io_mem_init(&ios[i], i == src ? buf : s->src[i], i == src ? len : s->src_len[i],
				s->file_name[i]);
	struct vms_open_opts o;
	hard_opts(&o);
	o.flags = flags;
	struct vms_error err;
	hard_trace_reset(t);
	double t0 = hard_now();
	int rc = hard_open_walk(ios, s->src_count, &o, t, &err);
	*dt = hard_now() - t0;
	return rc;
}

static bool page_all_zero(const uint8_t *b, size_t len, uint64_t off)
{
	uint64_t start = off & ~4095ull, end = start + 4096 < len ? start + 4096 : len;
	for (uint64_t i = start; i < end; i++)
		if (b[i])
			return false;
	return true;
}

static void corrupt_sweep(enum hard_kind kind)
{
	struct hard_sample s;
	hard_sample_build(kind, &s);
	struct hard_trace t = {0};
	struct sweep_stats st;
	memset(&st, 0, sizeof(st));
	const long rss0 = hard_maxrss_kib();
	uint64_t total = 0;
	for (unsigned r = 0; r < s.region_count; r++)
		total += s.regions[r].len;
	const uint64_t stride = (total / OFFSET_BUDGET) | 1;
	for (unsigned r = 0; r < s.region_count; r++) {
		const struct hard_region *g = &s.regions[r];
		uint8_t *buf = malloc(s.src_len[g->src]);
		cr_assert_not_null(buf);
		memcpy(buf, s.src[g->src], s.src_len[g->src]);
		for (uint64_t off = g->off; off < g->off + g->len; off += stride) {
			if (page_all_zero(buf, s.src_len[g->src], off))
				continue; /* alignment padding */
			const uint8_t orig = buf[off];
			const uint8_t inv = (uint8_t)(0xFFu ^ orig);
			const uint8_t vals[] = {inv, 0x00, 0xFF, (uint8_t)(orig ^ 0x01u),
						(uint8_t)(orig ^ 0x80u)};
			for (size_t v = 0; v < sizeof(vals); v++) {
				if (vals[v] == orig || (v >= 1 && v <= 2 && vals[v] == inv))
					continue;
				buf[off] = vals[v];
				/* alternate the flags that change how damage is tolerated */
				const uint32_t flags = (off / stride) % 3 == 1 ? VMS_OPEN_STRICT
						       : (off / stride) % 3 == 2
							       ? VMS_OPEN_ZERO_MISSING
							       : 0;
				double dt;
				int rc = run_variant(&s, g->src, buf, s.src_len[g->src], flags, &t,
						     &dt);
				record(&st, rc, dt, off);
				cr_assert_eq(t.bad, 0, "%s: source %u byte %#llx %#x->%#x: %s",
					     s.name, g->src, (unsigned long long)off, orig, vals[v],
					     t.first_bad);
				cr_assert_lt(dt, MAX_RUN_SECONDS,
					     "%s: source %u byte %#llx %#x->%#x took %.2f s",
					     s.name, g->src, (unsigned long long)off, orig, vals[v],
					     dt);
			}
			buf[off] = orig;
		}
		free(buf);
	}
	log_stats("corrupt", s.name, &st);
	cr_assert_gt(st.runs, 0);
	cr_assert_lt(st.opened, st.runs, "%s: no damage was ever noticed", s.name);
	const long grown = hard_maxrss_kib() - rss0;
	cr_assert_lt(grown, MAX_RSS_GROWTH_KIB, "%s: peak RSS grew by %ld KiB", s.name, grown);
	hard_trace_free(&t);
	hard_sample_free(&s);
	cr_assert(hard_no_leaks(), "leaks after the sweep (see stderr)");
}

static void truncate_sweep(enum hard_kind kind)
{
	struct hard_sample s;
	hard_sample_build(kind, &s);
	struct hard_trace t = {0};
	struct sweep_stats st;
	memset(&st, 0, sizeof(st));
	const long rss0 = hard_maxrss_kib();
	for (unsigned src = 0; src < s.src_count; src++) {
		const uint64_t end = src == 0 ? s.meta_end : s.src_len[src];
		const uint64_t stride = (end / TRUNC_BUDGET) | 1;
		/* a copy of exactly `len` bytes, so ASan sees any read past the cut */
		for (uint64_t len = 0; len < end;
		     len += len < 512 || len + 64 >= end ? 1 : stride) {
			uint8_t *buf = malloc(len ? len : 1);
			cr_assert_not_null(buf);
			memcpy(buf, s.src[src], len);
			double dt;
			int rc = run_variant(&s, src, buf, len, len % 2 ? VMS_OPEN_ZERO_MISSING : 0,
					     &t, &dt);
			free(buf);
			record(&st, rc, dt, len);
			cr_assert_eq(t.bad, 0, "%s: source %u cut at %llu bytes: %s", s.name, src,
				     (unsigned long long)len, t.first_bad);
			cr_assert_lt(dt, MAX_RUN_SECONDS, "%s: cut at %llu took %.2f s", s.name,
				     (unsigned long long)len, dt);
			if (len == 0)
				cr_assert_neq(rc, 0, "%s: an empty source opened", s.name);
		}
	}
	log_stats("truncate", s.name, &st);
	cr_assert_lt(st.opened, st.runs);
	const long grown = hard_maxrss_kib() - rss0;
	cr_assert_lt(grown, MAX_RSS_GROWTH_KIB, "%s: peak RSS grew by %ld KiB", s.name, grown);
	hard_trace_free(&t);
	hard_sample_free(&s);
	cr_assert(hard_no_leaks(), "leaks after the sweep (see stderr)");
}

#define SWEEP_TESTS(name, kind)                                                                    \
	Test(hard_corrupt, name, .timeout = 300)                                                   \
	{                                                                                          \
		corrupt_sweep(kind);                                                               \
	}                                                                                          \
	Test(hard_truncate, name, .timeout = 300)                                                  \
	{                                                                                          \
		truncate_sweep(kind);                                                              \
	}

SWEEP_TESTS(vmrs, HARD_VMRS)
SWEEP_TESTS(bin, HARD_BIN)
SWEEP_TESTS(raw_with_sidecar, HARD_RAW)
SWEEP_TESTS(qemu_elf, HARD_QEMU_ELF)
SWEEP_TESTS(qemu_kdump, HARD_QEMU_KDUMP)
SWEEP_TESTS(qemu_kdump_flattened, HARD_QEMU_KDUMP_FLAT)
SWEEP_TESTS(qemu_migration, HARD_QEMU_MIGRATION)
SWEEP_TESTS(qemu_libvirt_save, HARD_QEMU_LIBVIRT)
SWEEP_TESTS(lime, HARD_LIME)
SWEEP_TESTS(vmrs_pending_replay_log, HARD_VMRS_REPLAY)
SWEEP_TESTS(bin_with_vsv, HARD_BIN_VSV)
