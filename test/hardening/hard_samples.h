/* One small synthetic saved state per format, built with the test writers, for the hostile
 * input sweeps of test/hardening/ (I/O faults, corruption, truncation, caps, read-only). */
#ifndef VMS_TEST_HARD_SAMPLES_H
#define VMS_TEST_HARD_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#define HARD_MAX_SRC 2u
#define HARD_MAX_REGIONS 16u

/** A byte range of one source worth corrupting densely (headers, tables, metadata). */
struct hard_region {
	unsigned src;
	uint64_t off;
	uint64_t len;
};

struct hard_sample {
	const char *name;   /**< test label, e.g. "vmrs" */
	const char *format; /**< vms_format_name() of the clean open */
	unsigned src_count;
	uint8_t *src[HARD_MAX_SRC]; /**< malloc'd bytes of each source */
	size_t src_len[HARD_MAX_SRC];
	const char *file_name[HARD_MAX_SRC]; /**< names for temp files (read-only test) */
	/** where the metadata ends in source 0: truncation sweeps cut at every length below */
	uint64_t meta_end;
	struct hard_region regions[HARD_MAX_REGIONS];
	unsigned region_count;
};

enum hard_kind {
	HARD_VMRS,
	HARD_BIN,
	HARD_RAW,
	HARD_QEMU_ELF,
	HARD_QEMU_KDUMP,
	HARD_QEMU_KDUMP_FLAT,
	HARD_QEMU_MIGRATION,
	HARD_QEMU_LIBVIRT,
	HARD_LIME,
	HARD_VMRS_REPLAY, /**< the .vmrs with a pending replay-log entry */
	HARD_BIN_VSV,	  /**< the legacy pair: the .bin sample plus an old-scheme .vsv */
	HARD_KIND_COUNT,
};

/** Build sample `kind` (aborts the test on failure). Release with hard_sample_free(). */
void hard_sample_build(enum hard_kind kind, struct hard_sample *s);
void hard_sample_free(struct hard_sample *s);

#endif
