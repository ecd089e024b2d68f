/* The hardening walk: every public query on an open handle, each result checked against the
 * contract of include/vmsavedstate/vmsavedstate.h and recorded for comparison. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "hardening/hard_walk.h"

#define BUF_LEN (64u * 1024u)
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/* FNV-1a over 8-byte words (the walk digests megabytes per run), then the tail bytes */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, 8);
		h = (h ^ w) * FNV_PRIME;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return s ? fnv(h, s, strlen(s) + 1) : fnv(h, "\xff", 1);
}

/* Under ASan, an allocation above 96 MiB (beyond the sweeps' 64 MiB max_alloc) returns NULL
 * instead of being served, so a hostile size shows up as -ENOMEM, which the walk reports as a
 * violation; the free-memory quarantine is kept small (default 256 MiB) so that peak RSS
 * measures the library, not ASan; and leaks are checked by each test (hard_no_leaks), not at
 * exit, where Criterion 2.4.1's runner leaks 48 bytes of its own. The hook is ASan's
 * documented way to set defaults from the program. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "max_allocation_size_mb=96:allocator_may_return_null=1:quarantine_size_mb=16:"
	       "leak_check_at_exit=0";
}

bool hard_code_documented(int64_t rc)
{
	switch (-rc) {
	case EINVAL:
	case ENOMEM:
	case EIO:
	case EBADMSG:
	case ENOTSUP:
	case EPROTONOSUPPORT:
	case EFAULT:
	case ERANGE:
	case EFBIG:
	case ENOENT:
	case ENODATA:
	case ENXIO:
		return true;
	default:
		return false;
	}
}

void hard_trace_reset(struct hard_trace *t)
{
	t->n = 0;
	t->bad = 0;
	t->first_bad[0] = '\0';
}

void hard_trace_free(struct hard_trace *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

void hard_opts(struct vms_open_opts *o)
{
	vms_open_opts_init(o);
	o->cache_bytes = 4u << 20;
	o->max_vps = 64;
	o->max_chunks = 4096;
	o->max_alloc = 64u << 20;
}

static void violation(struct hard_trace *t, unsigned line, const char *fmt, int64_t rc,
		      const char *msg)
{
	if (t->bad++ == 0)
		snprintf(t->first_bad, sizeof(t->first_bad),
			 "hard_walk.c:%u: %s (rc %lld, msg \"%.256s\")", line, fmt, (long long)rc,
			 msg ? msg : "");
}

/* Record one call. `err` is the error struct passed to it, or NULL for calls without one. */
static void rec(struct hard_trace *t, unsigned line, int64_t rc, uint64_t hash,
		const struct vms_error *err)
{
	if (rc < 0 && !hard_code_documented(rc))
		violation(t, line, "undocumented code", rc, err ? err->msg : NULL);
	if (rc == -ENOMEM)
		violation(t, line, "-ENOMEM with small caps (a lie, or an unbounded allocation)",
			  rc, err ? err->msg : NULL);
	if (rc < 0 && err && (err->code != rc || err->msg[0] == '\0'))
		violation(t, line, "error struct not filled", rc, err->msg);
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		struct hard_entry *p = realloc(t->e, ncap * sizeof(*p));
		if (!p)
			abort();
		t->e = p;
		t->cap = ncap;
	}
	t->e[t->n++] = (struct hard_entry){line, rc, rc >= 0 ? hash : 0};
}

#define REC(t, rc, hash, err) rec((t), __LINE__, (rc), (hash), (err))
/* the call runs before its outputs are digested (argument order is unspecified in C) */
#define CALL(t, expr, hash, err)                                                                   \
	do {                                                                                       \
		const int64_t call_rc = (expr);                                                    \
		rec((t), __LINE__, call_rc, (hash), (err));                                        \
	} while (0)

static void clear(struct vms_error *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}

static void walk_description(vms_handle *h, struct hard_trace *t)
{
	REC(t, 0, fnv_str(FNV_OFFSET, vms_format_name(h)), NULL);
	REC(t, 0, vms_page_size(h), NULL);
	int n = vms_property_get(h, 0, NULL, NULL);
	REC(t, n, 0, NULL);
	for (int i = 0; i < n && i < 4096; i++) {
		const char *k = NULL, *v = NULL;
		int rc = vms_property_get(h, (size_t)i, &k, &v);
		REC(t, rc, fnv_str(fnv_str(FNV_OFFSET, k), v), NULL);
	}
	CALL(t, vms_property_get(h, (size_t)n, &(const char *){0}, &(const char *){0}), 0, NULL);
	REC(t, 0, vms_replay_pending(h), NULL);
	size_t sc = vms_source_count(h);
	REC(t, (int64_t)sc, 0, NULL);
	for (size_t i = 0; i <= sc; i++) {
		const char *name = NULL;
		uint64_t size = 0;
		int rc = vms_source_get(h, i, &name, &size);
		REC(t, rc, fnv(fnv_str(FNV_OFFSET, name), &size, sizeof(size)), NULL);
	}
}

static void walk_translations(vms_handle *h, uint32_t vp, uint64_t rip, struct hard_trace *t,
			      uint8_t *buf)
{
	const uint64_t gvas[] = {
		0, 0x1000, 0x400000, 0x401000, rip, 0xfffff80000000000ull, 0xffffffff81000000ull};
	struct vms_error err;
	for (size_t i = 0; i < sizeof(gvas) / sizeof(gvas[0]); i++) {
		uint64_t gpa = 0;
		struct vms_xlate_info info;
		memset(&info, 0, sizeof(info));
		clear(&err);
		int rc = vms_gva_to_gpa(h, vp, gvas[i], &gpa, &info, &err);
		REC(t, rc, fnv(FNV_OFFSET, &gpa, sizeof(gpa)), &err);
	}
	uint64_t done = 0;
	clear(&err);
	int rc = vms_read_gva(h, vp, rip & ~0xfffull, buf, 0x2000, VMS_READ_ZERO_UNMAPPED, &done,
			      &err);
	REC(t, rc, fnv(FNV_OFFSET, buf, (size_t)(done < 0x2000 ? done : 0x2000)), &err);
	clear(&err);
	rc = vms_read_gva(h, vp, 0x400000, buf, 0x3000, 0, &done, &err);
	REC(t, rc, fnv(FNV_OFFSET, buf, (size_t)(done < 0x3000 ? done : 0x3000)), &err);
}

static void walk_vp(vms_handle *h, uint32_t vp, struct hard_trace *t, uint8_t *buf)
{
	struct vms_error err;
	uint32_t u = 0;
	CALL(t, vms_vp_hv_index(h, vp, &u), u, NULL);
	enum vms_arch arch = VMS_ARCH_UNKNOWN;
	CALL(t, vms_vp_arch(h, vp, &arch), (uint64_t)arch, NULL);
	enum vms_paging paging = VMS_PAGING_INVALID;
	CALL(t, vms_vp_paging(h, vp, &paging), (uint64_t)paging, NULL);
	uint8_t vtl = 0;
	CALL(t, vms_vp_active_vtl(h, vp, &vtl), vtl, NULL);
	uint32_t mask = 0;
	CALL(t, vms_vp_enabled_vtls(h, vp, &mask), mask, NULL);
	bool kernel = false;
	CALL(t, vms_vp_in_kernel(h, vp, &kernel), kernel, NULL);
	uint64_t rip = 0;
	for (int r = 0; r < VMS_REG_COUNT; r++) {
		struct vms_reg_value v = {0, 0};
		clear(&err);
		int rc = vms_vp_get_register(h, vp, (enum vms_reg)r, &v, &err);
		REC(t, rc, fnv(FNV_OFFSET, &v, sizeof(v)), &err);
		if (rc == 0 && r == VMS_REG_RIP)
			rip = v.lo;
	}
	for (uint8_t l = 0; l < 16; l++) {
		if (!(mask & (1u << l)) && l > 2)
			continue;
		struct vms_reg_value v = {0, 0};
		clear(&err);
		int rc = vms_vp_get_register_vtl(h, vp, l, VMS_REG_CR3, &v, &err);
		REC(t, rc, fnv(FNV_OFFSET, &v, sizeof(v)), &err);
	}
	clear(&err);
	struct vms_reg_value v;
	CALL(t, vms_vp_get_register(h, vp, VMS_REG_COUNT, &v, &err), 0, &err);
	walk_translations(h, vp, rip, t, buf);
}

static void walk_vps(vms_handle *h, struct hard_trace *t, uint8_t *buf)
{
	uint32_t n = vms_vp_count(h);
	REC(t, n, 0, NULL);
	uint32_t mask = 0;
	CALL(t, vms_guest_enabled_vtls(h, &mask), mask, NULL);
	for (uint8_t l = 0; l < 3; l++) {
		uint64_t id = 0;
		CALL(t, vms_guest_os_id(h, l, &id), id, NULL);
	}
	for (uint32_t vp = 0; vp < n && vp < 64; vp++)
		walk_vp(h, vp, t, buf);
	uint32_t u;
	CALL(t, vms_vp_hv_index(h, n, &u), 0, NULL);
}

/* Read [gpa, gpa+len) in BUF_LEN pieces, charging `budget`. */
static void read_range(vms_handle *h, uint64_t gpa, uint64_t len, uint32_t flags, uint64_t *budget,
		       struct hard_trace *t, uint8_t *buf)
{
	struct vms_error err;
	while (len > 0 && *budget > 0) {
		uint64_t n = len < BUF_LEN ? len : BUF_LEN;
		uint64_t done = 0;
		clear(&err);
		int rc = vms_read_gpa(h, gpa, buf, n, flags, &done, &err);
		REC(t, rc, fnv(fnv(FNV_OFFSET, &done, sizeof(done)), buf, (size_t)done), &err);
		if (rc == 0 && done > n)
			violation(t, __LINE__, "read_gpa: done > len", rc, NULL);
		/* an error does not end the range, so a faulty run keeps the clean run's shape */
		if (rc == 0 && done < n)
			return;
		gpa += n;
		len -= n;
		*budget = *budget > n ? *budget - n : 0;
	}
}

static void walk_memory(vms_handle *h, struct hard_trace *t, uint8_t *buf)
{
	struct vms_error err;
	size_t n = vms_chunk_list(h, NULL, 0);
	REC(t, (int64_t)n, 0, NULL);
	struct vms_chunk c[HARD_WALK_MAX_CHUNKS];
	size_t got = vms_chunk_list(h, c, HARD_WALK_MAX_CHUNKS);
	uint64_t ch = FNV_OFFSET; /* field by field: the struct has padding */
	for (size_t i = 0; i < got && i < HARD_WALK_MAX_CHUNKS; i++) {
		const uint64_t f[4] = {c[i].gpa, c[i].pages, c[i].raw_off, c[i].flags};
		ch = fnv(ch, f, sizeof(f));
	}
	REC(t, (int64_t)got, ch, NULL);
	if (got != n)
		violation(t, __LINE__, "chunk_list count changed", (int64_t)got, NULL);
	uint64_t raw = vms_raw_size(h), end = vms_gpa_end(h);
	REC(t, 0, fnv(fnv(FNV_OFFSET, &raw, 8), &end, 8), NULL);
	uint64_t budget = HARD_WALK_MAX_BYTES;
	const uint32_t ps = vms_page_size(h) ? vms_page_size(h) : 4096;
	for (size_t i = 0; i < n && i < HARD_WALK_MAX_CHUNKS; i++) {
		if (c[i].raw_off > raw || c[i].pages > (raw - c[i].raw_off) / ps)
			violation(t, __LINE__, "chunk outside the raw memory", (int64_t)i, NULL);
		uint64_t off = 0, next = 0;
		clear(&err);
		CALL(t, vms_gpa_to_raw(h, c[i].gpa, &off, &err), off, &err);
		CALL(t, vms_gpa_seek(h, c[i].gpa, false, &next), next, NULL);
		CALL(t, vms_gpa_seek(h, c[i].gpa, true, &next), next, NULL);
		uint64_t len = c[i].pages <= UINT64_MAX / ps ? c[i].pages * ps : UINT64_MAX;
		read_range(h, c[i].gpa, len, 0, &budget, t, buf);
		/* the two views of the chunk's first bytes agree (as the fuzz harnesses check) */
		uint8_t by_gpa[64], by_raw[64];
		uint64_t d1 = 0, d2 = 0;
		clear(&err);
		int r1 = vms_read_gpa(h, c[i].gpa, by_gpa, sizeof(by_gpa), 0, &d1, &err);
		REC(t, r1, fnv(FNV_OFFSET, by_gpa, r1 == 0 ? (size_t)d1 : 0), &err);
		clear(&err);
		int r2 = vms_read_raw(h, c[i].raw_off, by_raw, sizeof(by_raw), &d2, &err);
		REC(t, r2, fnv(FNV_OFFSET, by_raw, r2 == 0 ? (size_t)d2 : 0), &err);
		if (r1 == 0 && r2 == 0 && d1 == d2 && memcmp(by_gpa, by_raw, (size_t)d1) != 0)
			violation(t, __LINE__, "read_gpa and read_raw disagree on a chunk start",
				  (int64_t)i, NULL);
	}
	/* across holes, then the raw view, then its end */
	budget = HARD_WALK_MAX_BYTES / 2;
	read_range(h, 0, end < (2u << 20) ? end + 0x1000 : (2u << 20), VMS_READ_ZERO_HOLES, &budget,
		   t, buf);
	uint64_t done = 0;
	for (uint64_t off = 0; off < raw && off < HARD_WALK_MAX_BYTES; off += BUF_LEN) {
		clear(&err);
		int rc = vms_read_raw(h, off, buf, BUF_LEN, &done, &err);
		REC(t, rc, fnv(FNV_OFFSET, buf, (size_t)(done < BUF_LEN ? done : BUF_LEN)), &err);
	}
	clear(&err);
	CALL(t, vms_read_raw(h, raw, buf, 16, &done, &err), done, &err);
	clear(&err);
	CALL(t, vms_read_gpa(h, end, buf, 16, 0, &done, &err), done, &err);
}

static void walk_keys(vms_handle *h, struct hard_trace *t, uint8_t *buf)
{
	struct vms_error err;
	int n = vms_key_get(h, 0, NULL);
	REC(t, n, 0, NULL);
	for (int i = 0; i < n && i < (int)HARD_WALK_MAX_KEYS; i++) {
		struct vms_key k;
		memset(&k, 0, sizeof(k));
		int rc = vms_key_get(h, (size_t)i, &k);
		uint64_t hh = fnv_str(fnv_str(FNV_OFFSET, k.name), k.str);
		hh = fnv(hh, &k.u64, 8);
		hh = fnv(hh, &k.data_len, 8);
		REC(t, rc, fnv(hh, &k.type, sizeof(k.type)), NULL);
		if (rc == 0 && (k.type == VMS_KEY_ARRAY || k.type == VMS_KEY_FILE)) {
			clear(&err);
			int64_t got = vms_key_read(h, (size_t)i, 0, buf, BUF_LEN, &err);
			REC(t, got, fnv(FNV_OFFSET, buf, got > 0 ? (size_t)got : 0), &err);
			if (got > (int64_t)BUF_LEN)
				violation(t, __LINE__, "key_read beyond cap", got, NULL);
		}
	}
	struct vms_key k;
	CALL(t, vms_key_get(h, (size_t)(n > 0 ? n : 0), &k), 0, NULL);
}

void hard_walk(vms_handle *h, struct hard_trace *t)
{
	uint8_t *buf = malloc(BUF_LEN);
	if (!buf)
		abort();
	walk_description(h, t);
	walk_vps(h, t, buf);
	walk_memory(h, t, buf);
	walk_keys(h, t, buf);
	free(buf);
}

int hard_open_walk(const struct vms_io *ios, size_t io_count, const struct vms_open_opts *o,
		   struct hard_trace *t, struct vms_error *open_err)
{
	vms_handle *h = NULL;
	clear(open_err);
	int rc = vms_open_io(ios, io_count, o, &h, open_err);
	REC(t, rc, 0, open_err);
	if (rc == 0 && !h)
		violation(t, __LINE__, "open succeeded without a handle", rc, NULL);
	if (rc != 0 && h)
		violation(t, __LINE__, "open failed but left a handle", rc, open_err->msg);
	if (rc == 0 && h) {
		hard_walk(h, t);
		vms_close(h);
	}
	return rc;
}

bool hard_trace_io_consistent(const struct hard_trace *clean, const struct hard_trace *faulty,
			      char *why, size_t why_len)
{
	if (faulty->n == 0)
		return snprintf(why, why_len, "empty trace"), false;
	if (faulty->e[0].rc == -EIO)
		return true; /* the open failed with the right code; nothing to walk */
	for (size_t i = 0; i < faulty->n; i++) {
		const struct hard_entry *f = &faulty->e[i];
		if (i >= clean->n) {
			snprintf(why, why_len,
				 "walk longer than the clean walk at call %zu (line %u)", i,
				 f->call);
			return false;
		}
		const struct hard_entry *c = &clean->e[i];
		if (f->call != c->call) {
			snprintf(why, why_len,
				 "walk diverged at call %zu: line %u vs clean line %u (the open "
				 "produced a different model)",
				 i, f->call, c->call);
			return false;
		}
		if (f->rc == -EIO)
			continue;
		if (f->rc != c->rc || f->hash != c->hash) {
			snprintf(why, why_len,
				 "call %zu (hard_walk.c:%u): rc %lld hash %016llx, clean rc %lld "
				 "hash %016llx: an I/O failure changed a result without -EIO",
				 i, f->call, (long long)f->rc, (unsigned long long)f->hash,
				 (long long)c->rc, (unsigned long long)c->hash);
			return false;
		}
	}
	if (faulty->n != clean->n) {
		snprintf(why, why_len, "walk shorter (%zu calls) than the clean one (%zu)",
			 faulty->n, clean->n);
		return false;
	}
	return true;
}

/* LeakSanitizer's public entry point; weak, so builds without ASan link and see NULL */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

bool hard_no_leaks(void)
{
	return !__lsan_do_recoverable_leak_check || __lsan_do_recoverable_leak_check() == 0;
}

long hard_maxrss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

double hard_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
