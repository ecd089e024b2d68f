/* File and memory I/O: read-only opens, refusal of non-files, bounds, injected faults. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/backend.h"
#include "core/io_fd.h"
#include "support/test_support.h"

Test(io, fd_reads_exact_ranges_and_rejects_outside)
{
	char data[10000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	char *path = vms_test_write_temp("f.bin", data, sizeof(data));
	struct vms_io_fd f;
	struct vms_io io;
	struct vms_error err = {0};
	cr_assert_eq(vms_io_fd_open(&f, &io, path, &err), 0, "%s", err.msg);
	cr_assert_eq(io.size, sizeof(data));
	char buf[100];
	cr_assert_eq(vms_io_read(&io, 9900, buf, 100, "tail", &err), 0);
	cr_assert_arr_eq(buf, data + 9900, 100);
	cr_assert_eq(vms_io_read(&io, 9901, buf, 100, "tail", &err), -EBADMSG);
	cr_assert(strstr(err.msg, "tail: [0x26ad, +0x64) lies outside the file"), "%s", err.msg);
	vms_io_fd_close(&f);
	free(path);
}

Test(io, fd_open_errors_are_distinct)
{
	struct vms_io_fd f;
	struct vms_io io;
	struct vms_error err = {0};
	cr_assert_eq(vms_io_fd_open(&f, &io, "/nonexistent/x.vmrs", &err), -ENOENT);
	cr_assert_eq(vms_io_fd_open(&f, &io, "/tmp", &err), -EISDIR);
	cr_assert_eq(vms_io_fd_open(&f, &io, "/dev/null", &err), -EINVAL);
	cr_assert(strstr(err.msg, "not a regular file"), "%s", err.msg);
}

Test(io, fd_is_opened_read_only)
{
	char *path = vms_test_write_temp("ro.bin", "abcd", 4);
	struct vms_io_fd f;
	struct vms_io io;
	cr_assert_eq(vms_io_fd_open(&f, &io, path, NULL), 0);
	int fl = fcntl(f.fd, F_GETFL);
	cr_assert_eq(fl & O_ACCMODE, O_RDONLY);
	cr_assert(fcntl(f.fd, F_GETFD) & FD_CLOEXEC);
	vms_io_fd_close(&f);
	free(path);
}

Test(io, symlink_is_resolved)
{
	char *path = vms_test_write_temp("target.bin", "abcd", 4);
	char link[4200];
	snprintf(link, sizeof(link), "%s.lnk", path);
	cr_assert_eq(symlink(path, link), 0);
	struct vms_io_fd f;
	struct vms_io io;
	cr_assert_eq(vms_io_fd_open(&f, &io, link, NULL), 0);
	cr_assert_str_eq(f.path, path);
	vms_io_fd_close(&f);
	free(path);
}

Test(io, memory_io_and_injected_faults)
{
	uint8_t data[64];
	for (int i = 0; i < 64; i++)
		data[i] = (uint8_t)i;
	struct vms_io io;
	vms_io_mem_init(&io, data, sizeof(data), "mem");
	uint8_t buf[8];
	cr_assert_eq(vms_io_read(&io, 56, buf, 8, "mem", NULL), 0);
	cr_assert_eq(buf[7], 63);
	struct vms_io_faulty fy;
	vms_io_faulty_init(&io, &fy, data, sizeof(data), 20);
	struct vms_error err = {0};
	cr_assert_eq(vms_io_read(&io, 16, buf, 8, "faulty", &err), -EIO);
	cr_assert(strstr(err.msg, "failed"), "%s", err.msg);
	cr_assert_eq(vms_io_read(&io, 21, buf, 8, "faulty", &err), 0);
}
