/* QEMU migration stream internals (qemu-formats §§1-5, docs/formats/qemu.md "Migration
 * stream"): the buffered stream reader, the RAM-block page index and the CPU field offsets
 * located through the trailing vmdesc JSON. */
#ifndef VMS_QEMU_MIG_H
#define VMS_QEMU_MIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"

#define MIG_MAX_BLOCKS 1024u
#define MIG_MAX_CPUS 4096u
#define MIG_IDSTR_MAX 256u

/* page index entry: low 2 bits kind, the rest a file offset or the fill byte */
#define MIG_PAGE_NONE 0u /* never sent: reads as zero */
#define MIG_PAGE_RAW 1u	 /* 4096 bytes at file offset */
#define MIG_PAGE_FILL 2u /* every byte = value */
#define MIG_PAGE_ZLIB 3u /* be32 length + zlib stream at file offset */

struct mig_block {
	char name[MIG_IDSTR_MAX];
	uint64_t len;	  /* used_length, bytes */
	uint64_t raw_off; /* where the block starts in raw memory */
	uint64_t *pages;  /* len / 4096 entries */
};

/** Where one CPU's fields are in the file (0 = field absent). */
struct mig_cpu_fields {
	uint32_t instance;
	uint64_t regs, eip, eflags, hflags, fpregs, segs, ldt, tr, gdt, idt;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip, cr0, cr2, cr3, cr4, dr, mxcsr, xmm;
	uint64_t efer, star, lstar, cstar, fmask, kernelgsbase, pat, tsc, tsc_aux, xcr0;
};

struct mig_stream {
	const struct vms_io *io;
	uint64_t base; /* stream start in the file (after a libvirt header) */
	char machine[MIG_IDSTR_MAX];
	struct mig_block *blocks;
	size_t block_count;
	struct mig_cpu_fields *cpus;
	size_t cpu_count;
	bool ignore_shared;
};

/** Walk the stream at s->base: configuration, RAM pages, device sections (their lengths
 *  from the vmdesc JSON), CPU field offsets. `m` supplies the allocation caps. */
int mig_stream_parse(struct vms_model *m, struct mig_stream *s, struct vms_error *err);
void mig_stream_free(struct mig_stream *s);

/** Read the CPU registers found by mig_stream_parse into the model's VPs. */
int mig_cpus_to_model(struct vms_model *m, const struct mig_stream *s, struct vms_error *err);

/* vmdesc helpers (qemu_mig_desc.c); `desc` is a cJSON object, opaque here */
struct mig_desc;
int mig_desc_load(struct vms_model *m, const struct vms_io *io, uint64_t base,
		  struct mig_desc **out, struct vms_error *err);
void mig_desc_free(struct mig_desc *d);
/** Length of the body of FULL section `name`/`instance`, the next device in vmdesc order;
 *  for a "cpu" section also fills `cpu` with field offsets relative to `body_off`. */
int mig_desc_section(struct mig_desc *d, const char *name, uint32_t instance, uint64_t body_off,
		     uint64_t *body_len, struct mig_cpu_fields *cpu, bool *is_cpu,
		     struct vms_error *err);

#endif
