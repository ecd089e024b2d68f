/* Guest-physical reads through a handle (raw backend: file offset == GPA, chunk map from a
 * sidecar given as the second source): holes, zero-fill, short reads at the end, raw offsets,
 * SEEK_DATA/SEEK_HOLE answers, memory fixes, and concurrent readers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <vmsavedstate/vmsavedstate.h>

#define IMG_LEN (12u * 4096u)

static uint8_t image[IMG_LEN];
static const char sidecar[] =
	"{\"schema\": \"vmsavedstate-layout\", \"schema_version\": 1,"
	" \"chunks\": [{\"gpa\": \"0x0\", \"pages\": 4},"
	"              {\"gpa\": \"0x8000\", \"pages\": 2},"
	"              {\"gpa\": \"0xa000\", \"pages\": 2}],"
	" \"vps\": [{\"index\": 0, \"arch\": \"x64\", \"paging_mode\": \"none\","
	"           \"registers\": {\"cr0\": \"0x11\", \"rip\": \"0x1234\"}}]}";

static vms_handle *open_image(void)
{
	for (size_t i = 0; i < IMG_LEN; i++)
		image[i] = (uint8_t)(i ^ (i >> 8) ^ 0x5A);
	struct vms_io ios[2];
	vms_io_mem_init(&ios[0], image, sizeof(image), "image.raw");
	vms_io_mem_init(&ios[1], sidecar, strlen(sidecar), "image.layout.json");
	vms_handle *h = NULL;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(ios, 2, NULL, &h, &err), 0, "%s", err.msg);
	cr_assert_str_eq(vms_format_name(h), "raw");
	return h;
}

Test(physmem, reads_inside_a_chunk_are_exact)
{
	vms_handle *h = open_image();
	uint8_t buf[5000];
	uint64_t done = 0;
	cr_assert_eq(vms_read_gpa(h, 0x123, buf, sizeof(buf), 0, &done, NULL), 0);
	cr_assert_eq(done, sizeof(buf));
	cr_assert_arr_eq(buf, image + 0x123, sizeof(buf));
	vms_close(h);
}

Test(physmem, hole_fails_with_efault_and_reports_progress)
{
	vms_handle *h = open_image();
	uint8_t buf[0x2000];
	uint64_t done = 0;
	struct vms_error err = {0};
	cr_assert_eq(vms_read_gpa(h, 0x3000, buf, sizeof(buf), 0, &done, &err), -EFAULT);
	cr_assert_eq(done, 0x1000, "the bytes before the hole are delivered");
	cr_assert(strstr(err.msg, "GPA 0x4000 is in a hole"), "%s", err.msg);
	cr_assert_arr_eq(buf, image + 0x3000, 0x1000);
	vms_close(h);
}

Test(physmem, zero_holes_fills_and_continues_across_chunks)
{
	vms_handle *h = open_image();
	static uint8_t buf[0x6000];
	uint64_t done = 0;
	cr_assert_eq(vms_read_gpa(h, 0x3000, buf, sizeof(buf), VMS_READ_ZERO_HOLES, &done, NULL),
		     0);
	cr_assert_eq(done, sizeof(buf));
	cr_assert_arr_eq(buf, image + 0x3000, 0x1000);
	for (size_t i = 0x1000; i < 0x5000; i++)
		cr_assert_eq(buf[i], 0, "hole byte at +%#zx", i);
	cr_assert_arr_eq(buf + 0x5000, image + 0x8000, 0x1000);
	vms_close(h);
}

Test(physmem, short_read_at_the_end_of_memory)
{
	vms_handle *h = open_image();
	cr_assert_eq(vms_gpa_end(h), 0xC000);
	uint8_t buf[0x3000];
	uint64_t done = 0;
	cr_assert_eq(vms_read_gpa(h, 0xB800, buf, sizeof(buf), 0, &done, NULL), 0);
	cr_assert_eq(done, 0x800);
	cr_assert_eq(vms_read_gpa(h, 0xC000, buf, 16, 0, &done, NULL), 0);
	cr_assert_eq(done, 0);
	cr_assert_eq(vms_read_gpa(h, UINT64_MAX - 4, buf, 16, 0, &done, NULL), 0);
	cr_assert_eq(done, 0);
	vms_close(h);
}

Test(physmem, chunks_raw_offsets_and_seek)
{
	vms_handle *h = open_image();
	struct vms_chunk c[8];
	cr_assert_eq(vms_chunk_list(h, c, 8), 3);
	cr_assert_eq(vms_chunk_list(h, NULL, 0), 3);
	cr_assert_eq(c[1].gpa, 0x8000);
	cr_assert_eq(c[1].pages, 2);
	uint64_t raw;
	cr_assert_eq(vms_gpa_to_raw(h, 0x8123, &raw, NULL), 0);
	cr_assert_eq(raw, 0x8123);
	cr_assert_eq(vms_gpa_to_raw(h, 0x5000, &raw, NULL), -EFAULT);
	uint64_t next;
	cr_assert_eq(vms_gpa_seek(h, 0x100, false, &next), 0);
	cr_assert_eq(next, 0x4000);
	cr_assert_eq(vms_gpa_seek(h, 0x4000, true, &next), 0);
	cr_assert_eq(next, 0x8000);
	cr_assert_eq(vms_gpa_seek(h, 0x8000, false, &next), 0);
	cr_assert_eq(next, 0xC000, "adjacent chunks form one data run");
	cr_assert_eq(vms_gpa_seek(h, 0xC000, true, &next), -ENXIO);
	vms_close(h);
}

Test(physmem, raw_reads_stop_at_raw_size)
{
	vms_handle *h = open_image();
	cr_assert_eq(vms_raw_size(h), IMG_LEN);
	uint8_t buf[0x100];
	uint64_t done;
	cr_assert_eq(vms_read_raw(h, IMG_LEN - 0x80, buf, sizeof(buf), &done, NULL), 0);
	cr_assert_eq(done, 0x80);
	cr_assert_arr_eq(buf, image + IMG_LEN - 0x80, 0x80);
	vms_close(h);
}

Test(physmem, memory_fix_overlays_reads_without_touching_the_source)
{
	vms_handle *h = open_image();
	uint8_t before[IMG_LEN];
	memcpy(before, image, sizeof(before));
	const char fix[] = "PATCHED ACROSS A PAGE";
	struct vms_error err = {0};
	/* paging "none": GVA == GPA; the fix straddles the 0x1000 page boundary */
	cr_assert_eq(vms_memory_fix(h, 0, 0xFF8, fix, sizeof(fix), &err), 0, "%s", err.msg);
	uint8_t buf[64];
	cr_assert_eq(vms_read_gpa(h, 0xFF0, buf, sizeof(buf), 0, NULL, NULL), 0);
	cr_assert_arr_eq(buf, image + 0xFF0, 8);
	cr_assert_arr_eq(buf + 8, fix, sizeof(fix));
	cr_assert_eq(vms_read_gva(h, 0, 0xFF8, buf, sizeof(fix), 0, NULL, NULL), 0);
	cr_assert_arr_eq(buf, fix, sizeof(fix));
	cr_assert_arr_eq(image, before, sizeof(before), "the source must not change");
	cr_assert_eq(vms_memory_fix(h, 0, 0x5000, fix, 4, &err), -EFAULT,
		     "a fix in a hole cannot be placed");
	vms_close(h);
}

static void *read_many(void *p)
{
	vms_handle *h = p;
	uint8_t buf[3000];
	unsigned x = 12345;
	for (int i = 0; i < 3000; i++) {
		x = x * 1103515245u + 12345u;
		uint64_t gpa = (x >> 8) % (0x4000 - sizeof(buf));
		if (vms_read_gpa(h, gpa, buf, sizeof(buf), 0, NULL, NULL) != 0 ||
		    memcmp(buf, image + gpa, sizeof(buf)) != 0)
			return (void *)1;
	}
	return NULL;
}

Test(physmem, concurrent_readers_on_one_handle)
{
	vms_handle *h = open_image();
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, read_many, h);
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		cr_assert_null(r, "reader %d saw wrong bytes", i);
	}
	vms_close(h);
}

Test(vp_api, registers_and_queries_follow_the_model)
{
	vms_handle *h = open_image();
	cr_assert_eq(vms_vp_count(h), 1);
	struct vms_reg_value v;
	struct vms_error err = {0};
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_RIP, &v, &err), 0, "%s", err.msg);
	cr_assert_eq(v.lo, 0x1234);
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_RAX, &v, &err), -ENODATA);
	cr_assert(strstr(err.msg, "rax"), "%s", err.msg);
	cr_assert_eq(vms_vp_get_register(h, 1, VMS_REG_RIP, &v, &err), -ERANGE);
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_COUNT, &v, &err), -ERANGE);
	enum vms_arch arch;
	enum vms_paging mode;
	cr_assert_eq(vms_vp_arch(h, 0, &arch), 0);
	cr_assert_eq(arch, VMS_ARCH_X64);
	cr_assert_eq(vms_vp_paging(h, 0, &mode), 0);
	cr_assert_eq(mode, VMS_PAGING_NONE);
	cr_assert_eq(vms_vp_force_paging(h, 0, VMS_PAGING_LONG), 0);
	cr_assert_eq(vms_vp_paging(h, 0, &mode), 0);
	cr_assert_eq(mode, VMS_PAGING_LONG);
	cr_assert_eq(vms_vp_force_arch(h, 0, VMS_ARCH_X86), 0);
	cr_assert_eq(vms_vp_arch(h, 0, &arch), 0);
	cr_assert_eq(arch, VMS_ARCH_X86);
	cr_assert_eq(vms_vp_force_vtl(h, 0, 1), -ENODATA);
	cr_assert_eq(vms_vp_force_paging(h, 3, VMS_PAGING_LONG), -ERANGE);
	vms_close(h);
}

Test(vp_api, register_names_round_trip)
{
	for (unsigned r = 0; r < VMS_REG_COUNT; r++) {
		const char *name = vms_reg_name((enum vms_reg)r);
		cr_assert_not_null(name);
		enum vms_reg back;
		cr_assert_eq(vms_reg_from_name(name, &back), 0, "%s", name);
		cr_assert_eq(back, (enum vms_reg)r, "%s", name);
	}
	cr_assert_str_eq(vms_reg_name(VMS_REG_XMM15), "xmm15");
	cr_assert_str_eq(vms_reg_name(VMS_REG_ARM64_Q31), "q31");
	cr_assert_eq(vms_reg_width(VMS_REG_XMM0 + 3), 128);
	cr_assert_eq(vms_reg_width(VMS_REG_CR3), 64);
	cr_assert(vms_reg_in_arch(VMS_REG_CR3, VMS_ARCH_X86));
	cr_assert_not(vms_reg_in_arch(VMS_REG_CR3, VMS_ARCH_ARM64));
	cr_assert(vms_reg_in_arch(VMS_REG_ARM64_PC, VMS_ARCH_ARM64));
	cr_assert_null(vms_reg_name(VMS_REG_COUNT));
}

Test(errors, every_code_has_a_name)
{
	const int codes[] = {-EINVAL, -ENOMEM, -EIO,   -EBADMSG, -ENOTSUP, -EPROTONOSUPPORT,
			     -EFAULT, -ERANGE, -EFBIG, -ENOENT,	 -ENODATA};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		cr_assert_str_neq(vms_strerror(codes[i]), "unknown error");
		cr_assert_str_neq(vms_errname(codes[i]), "EUNKNOWN");
	}
	cr_assert_str_eq(vms_errname(-EBADMSG), "EBADMSG");
	cr_assert_str_eq(vms_strerror(-12345), "unknown error");
}

Test(open, unknown_input_and_bad_arguments)
{
	vms_handle *h = (vms_handle *)1;
	struct vms_error err = {0};
	cr_assert_eq(vms_open("/nonexistent/file.vmrs", NULL, &h, &err), -ENOENT);
	cr_assert_null(h);
	cr_assert(strstr(err.msg, "/nonexistent/file.vmrs"), "%s", err.msg);
	cr_assert_eq(vms_open_io(NULL, 1, NULL, &h, &err), -EINVAL);
	cr_assert_eq(vms_open_files(NULL, 0, NULL, &h, &err), -EINVAL);
	vms_close(NULL);
}
