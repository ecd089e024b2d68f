/* A synthetic raw image + layout.json sidecar for the mount tests (file offset == GPA):
 * two chunks around a 1 MiB hole, x64 4-level page tables with 4 KiB and 2 MiB mappings in
 * both canonical halves (including the last page of each half, to test the vmem fold),
 * grep markers in the chunks and one in the hole. VP0 is x64 long mode, VP1 x86 without
 * paging. */
#ifndef VMS_FS_TEST_IMAGE_H
#define VMS_FS_TEST_IMAGE_H

#include <stdint.h>

#define FTI_SIZE 0x900000u
#define FTI_HOLE_GPA 0x200000u
#define FTI_HOLE_END 0x300000u
#define FTI_CR3 0x180000u
#define FTI_MARKER "VMSFS-MARKER"
#define FTI_MARKERS_IN_CHUNKS 6
#define FTI_MARKERS_IN_HOLE 1

/* Mapped GVAs (VP0), with the file offset of vp/0/vmem where they appear. */
#define FTI_GVA_PT0 0x400000ull			/* 8 pages, reversed onto GPA 0x507000..0x500000 */
#define FTI_GVA_PT0_PAGES 8u			/* PT0[8] absent, PT0[9] -> GPA 0 */
#define FTI_GVA_LARGE 0x600000ull		/* 2 MiB page -> GPA 0x400000 */
#define FTI_GVA_LOW_TOP 0x00007ffffffff000ull	/* -> GPA 0x301000 */
#define FTI_GVA_HIGH_BASE 0xffff800000000000ull /* 2 pages -> GPA 0x302000, 0x303000 */
#define FTI_GVA_TOP 0xfffffffffffff000ull	/* -> GPA 0x304000 */

/** Byte of the image at `gpa` before markers and page tables are written. */
uint8_t fti_pattern(uint64_t gpa);

/** Write the image and "<image>.layout.json" into a fresh temp dir; malloc'd image path. */
char *fti_write(void);

#endif
