/* Caps instead of a failing allocator (STYLE.md rule 13): every sample is opened with tiny
 * max_alloc, max_chunks and max_vps values. A cap that is hit must give -EFBIG with a message
 * (never a crash, never -ENOMEM, which would claim the system ran out of memory); a cap that
 * is not hit must not change anything; and a cap that works keeps working when raised. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hardening/hard_samples.h"
#include "hardening/hard_walk.h"

struct clean_info {
	size_t chunks;
	uint32_t vps;
};

static int open_with(const struct hard_sample *s, const struct vms_open_opts *o,
		     struct hard_trace *t, struct vms_error *err)
{
	struct vms_io ios[HARD_MAX_SRC];
	for (unsigned i = 0; i < s->src_count; i++)
		vms_io_mem_init(&ios[i], s->src[i], s->src_len[i], s->file_name[i]);
	hard_trace_reset(t);
	return hard_open_walk(ios, s->src_count, o, t, err);
}

static struct clean_info clean_open(const struct hard_sample *s)
{
	struct vms_io ios[HARD_MAX_SRC];
	for (unsigned i = 0; i < s->src_count; i++)
		vms_io_mem_init(&ios[i], s->src[i], s->src_len[i], s->file_name[i]);
	vms_handle *h;
	struct vms_error err;
	cr_assert_eq(vms_open_io(ios, s->src_count, NULL, &h, &err), 0, "%s: %s", s->name, err.msg);
	cr_assert_str_eq(vms_format_name(h), s->format);
	struct clean_info ci = {vms_chunk_list(h, NULL, 0), vms_vp_count(h)};
	vms_close(h);
	return ci;
}

static void check_capped(const struct hard_sample *s, const char *cap, uint64_t v, int rc,
			 const struct hard_trace *t, const struct vms_error *err)
{
	cr_assert_eq(t->bad, 0, "%s: %s=%llu: %s", s->name, cap, (unsigned long long)v,
		     t->first_bad);
	cr_assert(rc == 0 || rc == -EFBIG, "%s: %s=%llu gave %d (%s), expected 0 or -EFBIG",
		  s->name, cap, (unsigned long long)v, rc, err->msg);
	if (rc)
		cr_assert(err->code == rc && err->msg[0], "%s: %s=%llu: no message", s->name, cap,
			  (unsigned long long)v);
}

static void caps_sweep(enum hard_kind kind)
{
	struct hard_sample s;
	hard_sample_build(kind, &s);
	const struct clean_info ci = clean_open(&s);
	struct hard_trace t = {0};
	struct vms_error err;
	struct vms_open_opts o;

	/* max_chunks: exact, since every backend adds chunks through the model helpers */
	for (uint32_t cap = 1; cap <= ci.chunks + 1; cap++) {
		hard_opts(&o);
		o.max_chunks = cap;
		int rc = open_with(&s, &o, &t, &err);
		check_capped(&s, "max_chunks", cap, rc, &t, &err);
		cr_assert_eq(rc, cap < ci.chunks ? -EFBIG : 0,
			     "%s: max_chunks=%u with %zu chunks: %d (%s)", s.name, cap, ci.chunks,
			     rc, err.msg);
	}
	/* max_vps: exact too (0 must still open a memory-only file) */
	for (uint32_t cap = 0; cap <= ci.vps + 1; cap++) {
		hard_opts(&o);
		o.max_vps = cap;
		int rc = open_with(&s, &o, &t, &err);
		check_capped(&s, "max_vps", cap, rc, &t, &err);
		cr_assert_eq(rc, cap < ci.vps ? -EFBIG : 0, "%s: max_vps=%u with %u VPs: %d (%s)",
			     s.name, cap, ci.vps, rc, err.msg);
	}
	/* max_alloc: whatever the format allocates from file contents; monotonic */
	static const uint64_t allocs[] = {1,	     16,	256,	  1024,	    4096,
					  16384,     65536,	1u << 18, 1u << 20, 4u << 20,
					  16u << 20, 64u << 20, 1u << 30};
	int first_ok = -1;
	unsigned capped = 0;
	for (size_t i = 0; i < sizeof(allocs) / sizeof(allocs[0]); i++) {
		hard_opts(&o);
		o.max_alloc = allocs[i];
		int rc = open_with(&s, &o, &t, &err);
		check_capped(&s, "max_alloc", allocs[i], rc, &t, &err);
		if (rc == 0 && first_ok < 0)
			first_ok = (int)i;
		capped += rc == -EFBIG;
		cr_assert(first_ok < 0 || rc == 0,
			  "%s: max_alloc=%llu fails (%s) although %llu worked", s.name,
			  (unsigned long long)allocs[i], err.msg,
			  (unsigned long long)allocs[first_ok]);
	}
	cr_assert_geq(first_ok, 0, "%s: never opened, even with max_alloc 1 GiB", s.name);
	cr_log_info("caps %s: %zu chunks, %u VPs; max_alloc: -EFBIG below %llu bytes (%u caps hit)",
		    s.name, ci.chunks, ci.vps, (unsigned long long)allocs[first_ok], capped);
	hard_trace_free(&t);
	hard_sample_free(&s);
	cr_assert(hard_no_leaks(), "leaks after the sweep (see stderr)");
}

#define CAPS_TEST(name, kind)                                                                      \
	Test(hard_caps, name, .timeout = 120)                                                      \
	{                                                                                          \
		caps_sweep(kind);                                                                  \
	}

CAPS_TEST(vmrs, HARD_VMRS)
CAPS_TEST(bin, HARD_BIN)
CAPS_TEST(raw_with_sidecar, HARD_RAW)
CAPS_TEST(qemu_elf, HARD_QEMU_ELF)
CAPS_TEST(qemu_kdump, HARD_QEMU_KDUMP)
CAPS_TEST(qemu_kdump_flattened, HARD_QEMU_KDUMP_FLAT)
CAPS_TEST(qemu_migration, HARD_QEMU_MIGRATION)
CAPS_TEST(qemu_libvirt_save, HARD_QEMU_LIBVIRT)
CAPS_TEST(lime, HARD_LIME)
CAPS_TEST(vmrs_pending_replay_log, HARD_VMRS_REPLAY)
CAPS_TEST(bin_with_vsv, HARD_BIN_VSV)

/* A LiME image of 3000 one-byte ranges (each its own page): max_chunks below that stops the
 * scan with -EFBIG before the range list grows past the cap. */
Test(hard_caps, lime_many_ranges_stop_at_max_chunks, .timeout = 60)
{
	const unsigned count = 3000;
	const size_t len = (size_t)count * 33;
	uint8_t *b = calloc(1, len);
	cr_assert_not_null(b);
	for (unsigned i = 0; i < count; i++) {
		uint8_t *p = b + (size_t)i * 33;
		const uint64_t gpa = (uint64_t)i * 0x2000;
		for (unsigned k = 0; k < 4; k++) {
			p[k] = (uint8_t)(0x4C694D45u >> (8 * k));
			p[4 + k] = k == 0;
		}
		for (unsigned k = 0; k < 8; k++)
			p[8 + k] = p[16 + k] = (uint8_t)(gpa >> (8 * k));
		p[32] = (uint8_t)i;
	}
	struct vms_io io;
	vms_io_mem_init(&io, b, len, "many.lime");
	struct vms_open_opts o;
	struct vms_error err;
	vms_handle *h = NULL;
	hard_opts(&o);
	cr_assert_eq(vms_open_io(&io, 1, &o, &h, &err), 0, "%s", err.msg);
	cr_assert_str_eq(vms_format_name(h), "lime");
	cr_assert_eq(vms_chunk_list(h, NULL, 0), count);
	vms_close(h);
	for (uint32_t cap = 1; cap < count; cap = cap * 3 + 1) {
		o.max_chunks = cap;
		cr_assert_eq(vms_open_io(&io, 1, &o, &h, &err), -EFBIG, "max_chunks=%u: %s", cap,
			     err.msg);
		cr_assert(strstr(err.msg, "max_chunks"), "%s", err.msg);
	}
	free(b);
	cr_assert(hard_no_leaks(), "leaks (see stderr)");
}
