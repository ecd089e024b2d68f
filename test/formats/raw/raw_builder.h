/* Builds a synthetic raw flat image plus its layout.json sidecar for the raw-backend and CLI
 * tests: two chunks with a hole between them, hand-built x64 4-level page tables, and two
 * VPs (an x64 long-mode one with CR3 and an x86 one without paging). */
#ifndef VMS_TEST_RAW_BUILDER_H
#define VMS_TEST_RAW_BUILDER_H

#include <stddef.h>
#include <stdint.h>

/* Guest-physical layout of the synthetic image (16 pages, file offset == GPA). */
#define RB_IMAGE_SIZE 0x10000u
#define RB_CHUNK0_GPA 0x0u /* 4 pages */
#define RB_CHUNK0_PAGES 4u
#define RB_HOLE_GPA 0x4000u   /* 4 pages not in any chunk */
#define RB_CHUNK1_GPA 0x8000u /* 8 pages */
#define RB_CHUNK1_PAGES 8u
#define RB_CR3 0x8000u /* PML4; PDPT 0x9000, PD 0xa000, PT 0xb000 */
#define RB_GVA_BASE                                                                                \
	0x400000u /* PT[0] -> 0xc000, PT[1] -> 0x1000, PT[2] absent,                               \
		     PT[3] -> 0x5000 (a hole) */
#define RB_GVA_PAGE0_GPA 0xc000u
#define RB_GVA_PAGE1_GPA 0x1000u
#define RB_RAX 0x1122334455667788ull
#define RB_RIP 0xfffff80012345678ull
#define RB_XMM0_HI 0x0123456789abcdefull
#define RB_XMM0_LO 0xfedcba9876543210ull

/** Byte stored at guest-physical `gpa` of the image (chunk bytes and page tables aside). */
uint8_t rb_pattern(uint64_t gpa);

/** The image bytes (RB_IMAGE_SIZE, malloc'd). */
uint8_t *rb_image(void);

/** The sidecar JSON text (static storage). */
const char *rb_sidecar(void);

/** Write image + "<image>.layout.json" (with_sidecar) into a fresh temp dir; returns the
 *  malloc'd image path. */
char *rb_write(const char *name, int with_sidecar);

#endif
