/* Raw memory made of file segments, for formats whose memory is plain bytes in the file
 * (ELF PT_LOADs, LiME ranges): each segment is zeros, then bytes from the file, then zeros.
 * One reader serves them all. */
#ifndef VMS_CORE_SEGMENTS_H
#define VMS_CORE_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

struct vms_segment {
	uint64_t raw_off;  /**< where the segment starts in raw memory */
	uint64_t len;	   /**< its length in raw memory */
	uint64_t lead;	   /**< zero bytes before the file data (a range widened to a page) */
	uint64_t data_len; /**< bytes from the file, after `lead`; the rest up to len is zero */
	uint64_t file_off; /**< where those bytes are in the file */
};

/**
 * Read raw [raw_off, +len) from `segs` (sorted by raw_off, contiguous in raw memory, each
 * lead + data_len <= len, file ranges checked at open). `what` names the format in
 * messages. @return 0, -EIO (a gap between segments, or the file read failed)
 */
int vms_segments_read(const struct vms_io *io, const struct vms_segment *segs, size_t count,
		      uint64_t raw_off, void *buf, size_t len, const char *what,
		      struct vms_error *err);

#endif
