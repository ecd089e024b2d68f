/* The raw backend end to end through the public API: a flat image (file offset == GPA) with
 * and without its layout.json sidecar. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/raw/raw_builder.h"
#include "support/test_support.h"

static vms_handle *open_ok(const char *path)
{
	vms_handle *h = NULL;
	struct vms_error err = {0};
	int rc = vms_open(path, NULL, &h, &err);
	cr_assert_eq(rc, 0, "vms_open(%s): %d %s", path, rc, err.msg);
	return h;
}

Test(raw_backend, bare_image_is_one_chunk_without_vps)
{
	char *path = rb_write("bare.img", 0);
	vms_handle *h = open_ok(path);
	struct vms_chunk c[2];
	cr_assert_str_eq(vms_format_name(h), "raw");
	cr_assert_eq(vms_chunk_list(h, c, 2), 1);
	cr_assert_eq(c[0].gpa, 0);
	cr_assert_eq(c[0].pages, RB_IMAGE_SIZE / 4096);
	cr_assert_eq(vms_raw_size(h), RB_IMAGE_SIZE);
	cr_assert_eq(vms_vp_count(h), 0);
	uint8_t b[4];
	uint64_t done = 0;
	cr_assert_eq(vms_read_gpa(h, 0x3001, b, 4, 0, &done, NULL), 0);
	cr_assert_eq(done, 4);
	cr_assert_eq(b[0], rb_pattern(0x3001));
	vms_close(h);
	free(path);
}

Test(raw_backend, sidecar_gives_sorted_chunks_with_raw_offset_equal_to_gpa)
{
	char *path = rb_write("mem.raw", 1);
	vms_handle *h = open_ok(path);
	struct vms_chunk c[4];
	cr_assert_eq(vms_chunk_list(h, c, 4), 2);
	cr_assert_eq(c[0].gpa, RB_CHUNK0_GPA);
	cr_assert_eq(c[0].pages, RB_CHUNK0_PAGES);
	cr_assert_eq(c[1].gpa, RB_CHUNK1_GPA);
	cr_assert_eq(c[1].pages, RB_CHUNK1_PAGES);
	/* the sidecar's raw_offset (0x4000) belongs to the original; a flat image maps GPA */
	cr_assert_eq(c[1].raw_off, RB_CHUNK1_GPA);
	cr_assert_eq(vms_gpa_end(h), RB_IMAGE_SIZE);
	vms_close(h);
	free(path);
}

Test(raw_backend, hole_faults_unless_zero_filled)
{
	char *path = rb_write("holes.raw", 1);
	vms_handle *h = open_ok(path);
	uint8_t *buf = malloc(0x3000);
	uint64_t done = 0;
	struct vms_error err = {0};
	/* 0x3000..0x6000 crosses from chunk 0 into the hole */
	int rc = vms_read_gpa(h, 0x3000, buf, 0x3000, 0, &done, &err);
	cr_assert_eq(rc, -EFAULT, "rc %d", rc);
	cr_assert_eq(done, 0x1000, "stopped at %#lx", (unsigned long)done);
	cr_assert_eq(buf[0], rb_pattern(0x3000));
	rc = vms_read_gpa(h, 0x3000, buf, 0x3000, VMS_READ_ZERO_HOLES, &done, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(done, 0x3000);
	cr_assert_eq(buf[0xfff], rb_pattern(0x3fff));
	for (size_t i = 0x1000; i < 0x3000; i++)
		cr_assert_eq(buf[i], 0, "hole byte %#zx is %#x, not zero", i, buf[i]);
	free(buf);
	vms_close(h);
	free(path);
}

Test(raw_backend, registers_come_from_the_sidecar)
{
	char *path = rb_write("regs.raw", 1);
	vms_handle *h = open_ok(path);
	struct vms_reg_value v;
	enum vms_arch arch;
	cr_assert_eq(vms_vp_count(h), 2);
	cr_assert_eq(vms_vp_arch(h, 0, &arch), 0);
	cr_assert_eq(arch, VMS_ARCH_X64);
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_RAX, &v, NULL), 0);
	cr_assert_eq(v.lo, RB_RAX);
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_RIP, &v, NULL), 0);
	cr_assert_eq(v.lo, RB_RIP);
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_XMM0, &v, NULL), 0);
	cr_assert_eq(v.lo, RB_XMM0_LO);
	cr_assert_eq(v.hi, RB_XMM0_HI);
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_R15, &v, NULL), -ENODATA);
	enum vms_paging pg;
	cr_assert_eq(vms_vp_paging(h, 0, &pg), 0);
	cr_assert_eq(pg, VMS_PAGING_LONG);
	cr_assert_eq(vms_vp_arch(h, 1, &arch), 0);
	cr_assert_eq(arch, VMS_ARCH_X86);
	cr_assert_eq(vms_vp_get_register(h, 1, VMS_REG_RIP, &v, NULL), 0);
	cr_assert_eq(v.lo, 0x7c00);
	uint64_t os = 0;
	cr_assert_eq(vms_guest_os_id(h, 0, &os), 0);
	cr_assert_eq(os, 0x0001040a00004a61ull);
	vms_close(h);
	free(path);
}

Test(raw_backend, gva_translation_uses_the_sidecar_cr3)
{
	char *path = rb_write("xlate.raw", 1);
	vms_handle *h = open_ok(path);
	uint64_t gpa = 0;
	struct vms_xlate_info info = {0};
	struct vms_error err = {0};
	int rc = vms_gva_to_gpa(h, 0, RB_GVA_BASE + 0x10, &gpa, &info, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(gpa, RB_GVA_PAGE0_GPA + 0x10);
	cr_assert_eq(vms_gva_to_gpa(h, 0, RB_GVA_BASE + 0x1000, &gpa, &info, &err), 0);
	cr_assert_eq(gpa, RB_GVA_PAGE1_GPA);
	rc = vms_gva_to_gpa(h, 0, RB_GVA_BASE + 0x2000, &gpa, &info, &err);
	cr_assert_eq(rc, -EFAULT, "absent PTE: rc %d", rc);
	char text[22] = {0};
	uint64_t done = 0;
	cr_assert_eq(vms_read_gva(h, 0, RB_GVA_BASE, text, 21, 0, &done, &err), 0, "%s", err.msg);
	cr_assert_str_eq(text, "hello from the guest");
	/* PT[3] maps a GPA in the hole: the read fails rather than returning the 0xee filler */
	uint8_t b[8];
	rc = vms_read_gva(h, 0, RB_GVA_BASE + 0x3000, b, 8, 0, &done, &err);
	cr_assert_eq(rc, -EFAULT, "gva into a hole: rc %d", rc);
	vms_close(h);
	free(path);
}

Test(raw_backend, image_and_sidecar_given_explicitly_in_either_order)
{
	char *img = rb_write("pair.raw", 0);
	size_t n = strlen(img) + 16;
	char *side = malloc(n);
	snprintf(side, n, "%s.side", img);
	FILE *f = fopen(side, "w");
	cr_assert(f);
	fputs(rb_sidecar(), f);
	fclose(f);
	const char *orders[2][2] = {{img, side}, {side, img}};
	for (int o = 0; o < 2; o++) {
		vms_handle *h = NULL;
		struct vms_error err = {0};
		cr_assert_eq(vms_open_files(orders[o], 2, NULL, &h, &err), 0, "order %d: %s", o,
			     err.msg);
		cr_assert_eq(vms_vp_count(h), 2);
		cr_assert_eq(vms_chunk_list(h, NULL, 0), 2);
		vms_close(h);
	}
	free(side);
	free(img);
}

Test(raw_backend, malformed_sidecar_fails_open_naming_the_field)
{
	char *path = rb_write("bad.raw", 0);
	size_t n = strlen(path) + 16;
	char *side = malloc(n);
	snprintf(side, n, "%s.json", path);
	FILE *f = fopen(side, "w");
	cr_assert(f);
	fputs("{\"chunks\": [{\"gpa\": \"0xf000\", \"pages\": 2}]}", f);
	fclose(f);
	vms_handle *h = NULL;
	struct vms_error err = {0};
	int rc = vms_open(path, NULL, &h, &err);
	cr_assert_eq(rc, -EBADMSG, "rc %d", rc);
	cr_assert(strstr(err.msg, "chunks[0]"), "message: %s", err.msg);
	cr_assert_null(h);
	free(side);
	free(path);
}

Test(raw_backend, open_io_over_memory_without_paths)
{
	uint8_t *img = rb_image();
	struct vms_io io;
	vms_io_mem_init(&io, img, RB_IMAGE_SIZE, "mem");
	vms_handle *h = NULL;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(&io, 1, NULL, &h, &err), 0, "%s", err.msg);
	uint8_t b[16];
	uint64_t done = 0;
	cr_assert_eq(vms_read_raw(h, 0x9000, b, 16, &done, &err), 0);
	cr_assert_eq(b[0], 0x03); /* PDPT entry 0 = PD | P | RW */
	vms_close(h);
	free(img);
}

Test(raw_backend, sidecar_paging_mode_stands_in_for_control_registers)
{
	uint8_t *img = rb_image();
	const char *side = "{\"vps\": [{\"arch\": \"x64\", \"paging_mode\": \"long\", "
			   "\"registers\": {\"cr3\": \"0x8000\"}}]}";
	struct vms_io ios[2];
	vms_io_mem_init(&ios[0], side, strlen(side), "side.json");
	vms_io_mem_init(&ios[1], img, RB_IMAGE_SIZE, "img");
	vms_handle *h = NULL;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(ios, 2, NULL, &h, &err), 0, "%s", err.msg);
	enum vms_paging pg = VMS_PAGING_INVALID;
	cr_assert_eq(vms_vp_paging(h, 0, &pg), 0);
	cr_assert_eq(pg, VMS_PAGING_LONG);
	uint64_t gpa = 0;
	cr_assert_eq(vms_gva_to_gpa(h, 0, RB_GVA_BASE + 0x1008, &gpa, NULL, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(gpa, RB_GVA_PAGE1_GPA + 8);
	vms_close(h);
	free(img);
}
