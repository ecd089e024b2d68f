/* The segmented raw-memory reader shared by the ELF and LiME backends: leading zeros (a
 * range widened to a page), file bytes, trailing zeros (memsz > filesz), reads across
 * segments, and gaps reported as errors. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "core/segments.h"

static uint8_t file[64];

static void setup_io(struct vms_io *io)
{
	for (int i = 0; i < 64; i++)
		file[i] = (uint8_t)(0x40 + i);
	vms_io_mem_init(io, file, sizeof(file), "segments");
}

Test(segments, lead_data_and_tail_zeros_across_segments)
{
	struct vms_io io;
	setup_io(&io);
	const struct vms_segment s[] = {
		{.raw_off = 0, .len = 8, .lead = 2, .data_len = 4, .file_off = 10},
		{.raw_off = 8, .len = 6, .lead = 0, .data_len = 6, .file_off = 30},
	};
	uint8_t out[14];
	memset(out, 0xEE, sizeof(out));
	cr_assert_eq(vms_segments_read(&io, s, 2, 0, out, sizeof(out), "t", NULL), 0);
	const uint8_t want[14] = {0, 0,	   0x4A, 0x4B, 0x4C, 0x4D, 0,
				  0, 0x5E, 0x5F, 0x60, 0x61, 0x62, 0x63};
	cr_assert_arr_eq(out, want, sizeof(want));
	uint8_t mid[3];
	cr_assert_eq(vms_segments_read(&io, s, 2, 5, mid, 3, "t", NULL), 0);
	cr_assert_eq(mid[0], 0x4D);
	cr_assert_eq(mid[1], 0);
	cr_assert_eq(mid[2], 0);
}

Test(segments, gaps_and_reads_past_the_end_are_eio)
{
	struct vms_io io;
	setup_io(&io);
	const struct vms_segment s[] = {
		{.raw_off = 0, .len = 4, .data_len = 4, .file_off = 0},
		{.raw_off = 8, .len = 4, .data_len = 4, .file_off = 4},
	};
	uint8_t out[16];
	struct vms_error err = {0};
	cr_assert_eq(vms_segments_read(&io, s, 2, 2, out, 4, "t", &err), -EIO);
	cr_assert(strstr(err.msg, "raw offset 0x4 in no range"), "%s", err.msg);
	cr_assert_eq(vms_segments_read(&io, s, 2, 10, out, 4, "t", &err), -EIO);
	cr_assert(strstr(err.msg, "past the last range"), "%s", err.msg);
}

Test(segments, file_bytes_outside_the_file_fail)
{
	struct vms_io io;
	setup_io(&io);
	const struct vms_segment s[] = {{.raw_off = 0, .len = 16, .data_len = 16, .file_off = 60}};
	uint8_t out[16];
	struct vms_error err = {0};
	cr_assert_eq(vms_segments_read(&io, s, 1, 0, out, 16, "t", &err), -EBADMSG);
	cr_assert(strstr(err.msg, "outside the file"), "%s", err.msg);
}
