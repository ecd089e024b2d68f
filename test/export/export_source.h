/* Saved states made by the export tests: a raw flat image + layout.json sidecar with two x64
 * VPs whose every 64-bit register has a distinct value, and a Hyper-V .vmrs made with
 * vmrs_builder. Plus the comparisons every round trip needs. Failures abort (test code). */
#ifndef VMS_TEST_EXPORT_SOURCE_H
#define VMS_TEST_EXPORT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

#define ES_CHUNK0_PAGES 16u
#define ES_CHUNK1_PAGES 24u
#define ES_ZERO_PAGE 5u /* page of chunk 1 that is all zeros */
#define ES_VPS 2u
/* CR3 = 0x1000 maps GVA ES_GVA to GPA ES_GVA_GPA0 and ES_GVA + 4096 to chunk 1's first page */
#define ES_GVA 0x400000ull
#define ES_GVA_GPA0 0x6000ull

/** Byte of guest memory at `gpa` in the raw source (never 0 outside ES_ZERO_PAGE). */
uint8_t es_byte(uint64_t gpa);
/** Value of register `r` of VP `vp` in the raw source (64-bit registers only). */
uint64_t es_reg(unsigned vp, enum vms_reg r);

/** Write "<dir>/<name>" (image) and "<dir>/<name>.layout.json" in a fresh temp dir. Chunk 0
 *  at GPA 0, a hole of `hole_bytes` (page multiple), then chunk 1. Returns the image path
 *  (malloc'd). */
char *es_write_raw(const char *name, uint64_t hole_bytes);

/** Write a .vmrs with two ranges and two x64 VPs (registers from psb_bank_pattern) in a
 *  fresh temp dir; returns its path (malloc'd). */
char *es_write_vmrs(const char *name);

/** A new empty path "<fresh temp dir>/<name>" (nothing created). */
char *es_temp_path(const char *name);

/** Open `path` or fail the test. */
vms_handle *es_open(const char *path);

/** Byte-for-byte: every chunk of `a` reads the same through `b` (as GPAs). Returns the
 *  number of bytes compared. */
uint64_t es_expect_same_memory(vms_handle *a, vms_handle *b);

/** Every 64-bit register `a` holds for each VP (active VTL) is in `b` with the same value.
 *  `elf`: only those an ELF core carries (GPRs, RIP, RFLAGS, segments, descriptor tables,
 *  CR0/2/3/4, KERNEL_GS_BASE), compared with the note's widths. Returns the count. */
unsigned es_expect_same_registers(vms_handle *a, vms_handle *b, bool elf);

/** Write plan `f` of `h` to `out` (+ out.layout.json when sidecar), as the CLI does but
 *  without the rename dance. Returns 0 or the export code. */
int es_export(vms_handle *h, int f, const char *out, bool sidecar, uint32_t max_loads,
	      uint32_t write_flags);

/** Export `src_path` (an x86-64 state) as an ELF core, run gdb in batch mode on it and
 *  assert that every thread's GPRs, RIP, EFLAGS, selectors and FS/GS bases equal the
 *  source VP's. Skips when gdb is absent. */
void es_expect_gdb_matches(const char *src_path);

#endif
