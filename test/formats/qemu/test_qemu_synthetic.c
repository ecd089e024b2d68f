/* QEMU backends on small synthetic files (test/support/qemu_builder.c): each format opens,
 * reads back the pages and registers it was given, and rejects one broken field at a time. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "formats/qemu/qemu_internal.h"
#include "support/qemu_builder.h"

static int open_buf(const uint8_t *b, size_t len, vms_handle **h, struct vms_error *err)
{
	struct vms_io io;
	vms_io_mem_init(&io, b, len, "synthetic");
	return vms_open_io(&io, 1, NULL, h, err);
}

static void expect_good(const uint8_t *b, size_t len, const char *format, bool fill_second)
{
	vms_handle *h = NULL;
	struct vms_error err = {0};
	int rc = open_buf(b, len, &h, &err);
	cr_assert_eq(rc, 0, "%s: %s", format, err.msg);
	cr_expect_str_eq(vms_format_name(h), format);
	cr_assert_eq(vms_vp_count(h), 1u);
	struct vms_reg_value v;
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_RIP, &v, &err), 0, "%s", err.msg);
	cr_expect_eq(v.lo, QB_RIP);
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_RAX, &v, &err), 0, "%s", err.msg);
	cr_expect_eq(v.lo, QB_RAX);
	cr_assert_eq(vms_vp_get_register(h, 0, VMS_REG_CR3, &v, &err), 0, "%s", err.msg);
	cr_expect_eq(v.lo, QB_CR3);
	enum vms_paging mode;
	cr_assert_eq(vms_vp_paging(h, 0, &mode), 0);
	cr_expect_eq(mode, VMS_PAGING_LONG, "%s: paging %d", format, mode);
	uint8_t page[2 * VMS_PAGE_SIZE];
	uint64_t done = 0;
	rc = vms_read_gpa(h, QB_GPA, page, sizeof(page), 0, &done, &err);
	cr_assert_eq(rc, 0, "%s: %s", format, err.msg);
	cr_expect_eq(page[0], 0xa0);
	cr_expect_eq(page[VMS_PAGE_SIZE - 1], 0xa0);
	cr_expect_eq(page[VMS_PAGE_SIZE], fill_second ? 0xa1 : 0xa1);
	cr_expect_eq(page[2 * VMS_PAGE_SIZE - 1], 0xa1);
	vms_close(h);
}

static void expect_bad(uint8_t *b, size_t len, int want, const char *what)
{
	vms_handle *h = NULL;
	struct vms_error err = {0};
	int rc = open_buf(b, len, &h, &err);
	cr_expect_eq(rc, want, "%s: got %d (%s)", what, rc, err.msg);
	if (rc == 0)
		vms_close(h);
	else
		cr_expect(strlen(err.msg) > 0, "%s: no message", what);
	free(b);
}

Test(qemu_probe, truncated_heads_bid_zero)
{
	static const uint8_t head[3] = {0x7f, 'E', 'L'};
	cr_expect_eq(vms_backend_qemu_elf.probe(head, 3), 0);
	cr_expect_eq(vms_backend_qemu_kdump.probe(head, 3), 0);
	cr_expect_eq(vms_backend_qemu_migration.probe(head, 3), 0);
	size_t len;
	uint8_t *b = qb_migration(&len);
	cr_expect_gt(vms_backend_qemu_migration.probe(b, len), 0);
	cr_expect_eq(vms_backend_qemu_elf.probe(b, len), 0);
	free(b);
}

Test(qemu_elf, opens_synthetic_core)
{
	size_t len;
	uint8_t *b = qb_elf(&len);
	expect_good(b, len, "qemu-elf", false);
	free(b);
}

Test(qemu_elf, rejects_load_past_eof)
{
	size_t len;
	uint8_t *b = qb_elf(&len);
	b[64 + 56 + 32] = 0x10; /* PT_LOAD p_filesz += 16 bytes past the end */
	expect_bad(b, len, -EBADMSG, "PT_LOAD past EOF");
}

Test(qemu_elf, rejects_bad_phentsize)
{
	size_t len;
	uint8_t *b = qb_elf(&len);
	b[54] = 55;
	expect_bad(b, len, -EBADMSG, "e_phentsize");
}

Test(qemu_elf, rejects_note_overrun)
{
	size_t len;
	uint8_t *b = qb_elf(&len);
	b[176 + 4] = 0xff, b[176 + 5] = 0xff; /* NT_PRSTATUS descsz 0xffff */
	expect_bad(b, len, -EBADMSG, "note overrun");
}

Test(qemu_elf, rejects_truncated_file)
{
	size_t len;
	uint8_t *b = qb_elf(&len);
	expect_bad(b, 100, -EBADMSG, "truncated");
}

Test(qemu_kdump, opens_plain_and_flattened)
{
	for (int flat = 0; flat < 2; flat++) {
		size_t len;
		uint8_t *b = qb_kdump(flat, &len);
		expect_good(b, len, "qemu-kdump", true);
		free(b);
	}
}

Test(qemu_kdump, rejects_bad_block_size)
{
	size_t len;
	uint8_t *b = qb_kdump(0, &len);
	b[429] = 0x20; /* block_size 0x2000 */
	expect_bad(b, len, -ENOTSUP, "block_size");
}

Test(qemu_kdump, rejects_flattened_record_past_eof)
{
	size_t len;
	uint8_t *b = qb_kdump(1, &len);
	b[4096 + 8] = 0x7f; /* first record's be64 size */
	expect_bad(b, len, -EBADMSG, "flattened record");
}

Test(qemu_kdump, corrupt_zlib_page_fails_read)
{
	size_t len;
	uint8_t *b = qb_kdump(0, &len);
	memset(b + 6 * 4096 + 2, 0x55, 8);
	vms_handle *h = NULL;
	struct vms_error err = {0};
	cr_assert_eq(open_buf(b, len, &h, &err), 0, "%s", err.msg);
	uint8_t page[VMS_PAGE_SIZE];
	uint64_t done;
	int rc = vms_read_gpa(h, QB_GPA + VMS_PAGE_SIZE, page, sizeof(page), 0, &done, &err);
	cr_expect_eq(rc, -EBADMSG, "got %d (%s)", rc, err.msg);
	vms_close(h);
	free(b);
}

Test(qemu_migration, opens_synthetic_stream)
{
	size_t len;
	uint8_t *b = qb_migration(&len);
	expect_good(b, len, "qemu-migration", true);
	free(b);
}

Test(qemu_migration, opens_libvirt_save_either_byte_order)
{
	for (int swap = 0; swap < 2; swap++) {
		size_t len;
		uint8_t *b = qb_libvirt(swap, &len);
		expect_good(b, len, "qemu-migration", true);
		free(b);
	}
}

Test(qemu_migration, rejects_truncated_stream)
{
	size_t len;
	uint8_t *b = qb_migration(&len);
	expect_bad(b, 4096, -ENOTSUP, "truncated (vmdesc gone)");
}

Test(qemu_migration, rejects_bad_footer)
{
	size_t len;
	uint8_t *b = qb_migration(&len);
	/* the first footer follows the ram START's EOS: find "\x7e\0\0\0\x02" and break it */
	uint8_t *f = memmem(b, len, "\x7e\0\0\0\x02", 5);
	cr_assert_not_null(f);
	f[4] = 9;
	expect_bad(b, len, -EBADMSG, "footer");
}

Test(qemu_migration, rejects_compressed_libvirt)
{
	size_t len;
	uint8_t *b = qb_libvirt(0, &len);
	b[28] = 1; /* gzip */
	expect_bad(b, len, -ENOTSUP, "libvirt gzip");
}
