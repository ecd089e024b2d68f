/* Open a saved state and walk everything the public API offers (properties, VPs, registers,
 * chunks, all memory, translations, keys), checking on every call that a failure is a code
 * from the documented vocabulary with a message, and recording a trace of (call, result,
 * output digest) so a run under injected faults can be compared with a clean run. */
#ifndef VMS_TEST_HARD_WALK_H
#define VMS_TEST_HARD_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

/* walk bounds, so a corrupted file declaring huge memory cannot make the walk itself slow */
#define HARD_WALK_MAX_CHUNKS 64u
#define HARD_WALK_MAX_BYTES (4ull << 20)
#define HARD_WALK_MAX_KEYS 4096u

struct hard_entry {
	uint32_t call; /**< call site id (line number in hard_walk.c) */
	int64_t rc;
	uint64_t hash; /**< digest of the outputs when rc >= 0 */
};

struct hard_trace {
	struct hard_entry *e;
	size_t n, cap;
	unsigned bad;	     /**< contract violations seen */
	char first_bad[640]; /**< description of the first one */
};

void hard_trace_reset(struct hard_trace *t);
void hard_trace_free(struct hard_trace *t);

/** Common options of the sweeps: small caps so a hostile file cannot allocate much. */
void hard_opts(struct vms_open_opts *o);

/** vms_open_io + (on success) the walk + vms_close. Returns the open's result. */
int hard_open_walk(const struct vms_io *ios, size_t io_count, const struct vms_open_opts *o,
		   struct hard_trace *t, struct vms_error *open_err);

/** Walk an open handle (does not close it). */
void hard_walk(vms_handle *h, struct hard_trace *t);

/**
 * Compare a run under an injected I/O fault with the clean run: each call must give the clean
 * result (same code, same output digest) or -EIO. Returns true when it holds; otherwise
 * fills `why`.
 */
bool hard_trace_io_consistent(const struct hard_trace *clean, const struct hard_trace *faulty,
			      char *why, size_t why_len);

/** Whether `rc` is in the public header's vocabulary (plus -ENXIO for vms_gpa_seek). */
bool hard_code_documented(int64_t rc);

/** In ASan builds, run LeakSanitizer now: false when memory leaked so far (the report is on
 *  stderr). Always true without ASan. Criterion would otherwise pass a leaking test: the
 *  exit-time report comes after the verdict. */
bool hard_no_leaks(void);

/** Peak resident set of this process in KiB. */
long hard_maxrss_kib(void);
/** Monotonic time in seconds. */
double hard_now(void);

#endif
