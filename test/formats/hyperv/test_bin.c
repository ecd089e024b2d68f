/* Legacy .bin container (hyperv-format.md §6.2): synthetic files from the test builder with
 * one corrupted field each, and the real raf-test_file.bin header and index (§10). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bytes.h"
#include "formats/hyperv/bin_container.h"
#include "formats/hyperv/ramblock_decode.h"
#include "support/hv_bin_builder.h"
#include "support/oslike_memory.h"
#include "support/ramblock_encode.h"
#include "support/test_support.h"

#define MIB HV_RAMBLOCK_SIZE

/* A small valid .bin: blocks with the given names (values: fill tokens or OS-like pages). */
struct fixture {
	struct hv_tokbuf file;
	struct hv_tokbuf vals[8];
	struct hv_bin_layout layout;
	struct vms_io io;
	struct vms_io_faulty faulty;
};

static uint8_t *mem;

static void setup(void)
{
	mem = malloc(4 * (size_t)MIB);
	cr_assert(mem);
	hv_test_oslike_pages(mem, 4 * 256, 11);
	for (size_t p = 0; p < 4 * 256; p += 2)
		memset(mem + p * 4096, 0, 4096);
}

static void teardown(void)
{
	free(mem);
}

TestSuite(bin, .init = setup, .fini = teardown);

static void build(struct fixture *fx, const char *const *names, size_t count)
{
	struct hv_bin_entry_spec specs[8];
	memset(fx, 0, sizeof(*fx));
	cr_assert(count <= 8);
	for (size_t i = 0; i < count; i++) {
		cr_assert_eq(hv_ramblock_encode(mem + (i % 4) * MIB, NULL, &fx->vals[i], NULL), 0);
		specs[i].name = names[i];
		specs[i].data = fx->vals[i].p;
		specs[i].len = (uint32_t)fx->vals[i].len;
	}
	cr_assert_eq(hv_bin_build(specs, count, 0, &fx->file, &fx->layout), 0);
	vms_io_faulty_init(&fx->io, &fx->faulty, fx->file.p, fx->file.len, UINT64_MAX);
}

static void release(struct fixture *fx)
{
	hv_tokbuf_free(&fx->file);
	for (size_t i = 0; i < 8; i++)
		hv_tokbuf_free(&fx->vals[i]);
}

static uint8_t *entry(struct fixture *fx, size_t slot)
{
	return fx->file.p + fx->layout.index_off + slot * HV_BIN_ENTRY_LEN;
}

static void expect_open_fails(struct fixture *fx, const struct vms_open_opts *opts, int code,
			      const char *needle)
{
	struct hv_bin_index *idx = (struct hv_bin_index *)1;
	struct vms_error err = {0};
	const int rc = hv_bin_open(&fx->io, opts, &idx, &err);
	cr_assert_eq(rc, code, "expected %d for \"%s\", got %d (%s)", code, needle, rc, err.msg);
	cr_assert_null(idx);
	cr_assert(strstr(err.msg, needle), "message \"%s\" lacks \"%s\"", err.msg, needle);
}

static const char *const four[] = {"RamBlock/2/", "RamBlock/0/", "RamBlock/3/", "RamBlock/1/"};

Test(bin, opens_blocks_in_any_order_and_decodes_them)
{
	struct fixture fx;
	build(&fx, four, 4);
	struct hv_bin_index *idx;
	struct vms_error err = {0};
	cr_assert_eq(hv_bin_open(&fx.io, NULL, &idx, &err), 0, "%s", err.msg);
	cr_assert_eq(idx->block_span, 4);
	cr_assert_eq(idx->block_count, 4);
	cr_assert_eq(idx->used_slots, 4);
	cr_assert_eq(idx->hdr.version, 0x500);
	uint8_t *out = malloc(MIB);
	cr_assert(out);
	for (uint64_t n = 0; n < 4; n++) {
		uint64_t off;
		uint32_t len;
		cr_assert_eq(hv_bin_block(idx, n, &off, &len), 0);
		/* entry i holds the encoding of mem block i % 4 under name four[i] */
		const size_t i = n == 2 ? 0 : n == 0 ? 1 : n == 3 ? 2 : 3;
		cr_assert_eq(off, fx.layout.entry_data_off[i]);
		cr_assert_eq(off % 4096, 0);
		cr_assert_eq(hv_ramblock_decode(fx.file.p + off, len, out, &err), 0, "%s", err.msg);
		cr_assert(memcmp(out, mem + i * MIB, MIB) == 0);
	}
	uint64_t off;
	uint32_t len;
	cr_assert_eq(hv_bin_block(idx, 4, &off, &len), -ERANGE);
	free(out);
	hv_bin_free(idx);
	release(&fx);
}

Test(bin, rejects_bad_header)
{
	struct fixture fx;
	build(&fx, four, 4);
	struct hv_bin_header h;
	struct vms_error err = {0};
	cr_assert_eq(hv_bin_parse_header(fx.file.p, 3, &h, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "3 bytes"));
	fx.file.p[0] ^= 1;
	expect_open_fails(&fx, NULL, -EBADMSG, "signature 0x02182002");
	fx.file.p[0] ^= 1;
	fx.io.size = 20; /* the file is shorter than the header */
	expect_open_fails(&fx, NULL, -EBADMSG, "overrun the file");
	release(&fx);
}

Test(bin, rejects_index_and_table_outside_the_file)
{
	struct fixture fx;
	build(&fx, four, 4);
	uint8_t *h = fx.file.p;
	vms_put_le32(h + HV_BIN_OFF_INDEX_CAP, 0xFFFFFFFFu);
	expect_open_fails(&fx, NULL, -EBADMSG, "index at");
	vms_put_le32(h + HV_BIN_OFF_INDEX_CAP, 1024);
	vms_put_le64(h + HV_BIN_OFF_INDEX, UINT64_MAX - 8);
	expect_open_fails(&fx, NULL, -EBADMSG, "overruns the file");
	vms_put_le64(h + HV_BIN_OFF_INDEX, fx.layout.index_off);
	vms_put_le32(h + HV_BIN_OFF_NAMES_USED, vms_le32(h + HV_BIN_OFF_NAMES_CAP) + 1);
	expect_open_fails(&fx, NULL, -EBADMSG, "name table");
	vms_put_le32(h + HV_BIN_OFF_NAMES_USED, 48);
	vms_put_le64(h + HV_BIN_OFF_NAMES, fx.file.len - 10);
	expect_open_fails(&fx, NULL, -EBADMSG, "name table");
	release(&fx);
}

Test(bin, rejects_bad_entries)
{
	struct fixture fx;
	build(&fx, four, 4);
	uint8_t *e = entry(&fx, 1);
	uint8_t saved[HV_BIN_ENTRY_LEN];
	memcpy(saved, e, sizeof(saved));

	vms_put_le16(e + HV_BIN_ENTRY_NAME_LEN, 11); /* drops the NUL */
	expect_open_fails(&fx, NULL, -EBADMSG, "not NUL-terminated");
	vms_put_le16(e + HV_BIN_ENTRY_NAME_LEN, 13); /* swallows the next name's first byte */
	expect_open_fails(&fx, NULL, -EBADMSG, "not NUL-terminated");
	memcpy(e, saved, sizeof(saved));
	vms_put_le32(e + HV_BIN_ENTRY_NAME_OFF, 40); /* 40 + 12 > 48 bytes used */
	expect_open_fails(&fx, NULL, -EBADMSG, "outside the used name table");
	memcpy(e, saved, sizeof(saved));
	vms_put_le16(e + HV_BIN_ENTRY_NAME_LEN, 0);
	expect_open_fails(&fx, NULL, -EBADMSG, "outside the used name table");
	memcpy(e, saved, sizeof(saved));
	vms_put_le64(e + HV_BIN_ENTRY_DATA, fx.file.len - 100);
	expect_open_fails(&fx, NULL, -EBADMSG, "entry 1 (RamBlock/0/)");
	vms_put_le64(e + HV_BIN_ENTRY_DATA, UINT64_MAX - 4);
	expect_open_fails(&fx, NULL, -EBADMSG, "outside the file");
	memcpy(e, saved, sizeof(saved));
	vms_put_le32(e + HV_BIN_ENTRY_ALLOC, 4);
	expect_open_fails(&fx, NULL, -EBADMSG, "allocated size 4 below data size");
	release(&fx);
}

Test(bin, rejects_bad_block_numbers)
{
	static const char *const bad[] = {"RamBlock/01/",	  "RamBlock/x/", "RamBlock//",
					  "RamBlock/4294967296/", "RamBlock/1",	 "RamBlock/-1/"};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		const char *names[] = {"RamBlock/0/", bad[k]};
		struct fixture fx;
		build(&fx, names, 2);
		expect_open_fails(&fx, NULL, -EBADMSG, "bad block number");
		release(&fx);
	}
}

Test(bin, rejects_duplicates)
{
	const char *names[] = {"RamBlock/0/", "RamBlock/1/", "RamBlock/0/"};
	struct fixture fx;
	build(&fx, names, 3);
	expect_open_fails(&fx, NULL, -EBADMSG, "entries 0 and 2: duplicate RamBlock/0/");
	release(&fx);
}

Test(bin, gaps_fail_unless_zero_missing)
{
	const char *names[] = {"RamBlock/3/", "RamBlock/0/", "RamBlock/1/"};
	struct fixture fx;
	build(&fx, names, 3);
	expect_open_fails(&fx, NULL, -EBADMSG, "RamBlock/2/ missing");
	struct vms_open_opts opts;
	memset(&opts, 0, sizeof(opts));
	opts.flags = VMS_OPEN_ZERO_MISSING;
	struct hv_bin_index *idx;
	struct vms_error err = {0};
	cr_assert_eq(hv_bin_open(&fx.io, &opts, &idx, &err), 0, "%s", err.msg);
	cr_assert_eq(idx->block_span, 4);
	uint64_t off;
	uint32_t len;
	cr_assert_eq(hv_bin_block(idx, 2, &off, &len), -ENOENT);
	cr_assert_eq(hv_bin_block(idx, 3, &off, &len), 0);
	cr_assert_eq(off, fx.layout.entry_data_off[0]);
	hv_bin_free(idx);
	release(&fx);
}

Test(bin, other_keys_are_counted_and_blocks_required)
{
	const char *names[] = {"RamBlock/0/", "partition_state", "RamBlockX/1/"};
	struct fixture fx;
	build(&fx, names, 3);
	struct hv_bin_index *idx;
	struct vms_error err = {0};
	cr_assert_eq(hv_bin_open(&fx.io, NULL, &idx, &err), 0, "%s", err.msg);
	cr_assert_eq(idx->block_span, 1);
	cr_assert_eq(idx->other_keys, 2);
	cr_assert_str_eq(idx->first_other, "partition_state");
	hv_bin_free(idx);
	release(&fx);

	const char *none[] = {"something"};
	build(&fx, none, 1);
	expect_open_fails(&fx, NULL, -ENODATA, "no RamBlock/N/ entries");
	release(&fx);
}

Test(bin, honours_allocation_cap_and_io_errors)
{
	struct fixture fx;
	build(&fx, four, 4);
	struct vms_open_opts opts;
	memset(&opts, 0, sizeof(opts));
	opts.max_alloc = 1000; /* the 1024-slot index is 24 KiB */
	expect_open_fails(&fx, &opts, -EFBIG, "allocation cap");
	vms_io_faulty_init(&fx.io, &fx.faulty, fx.file.p, fx.file.len, fx.layout.index_off + 30);
	expect_open_fails(&fx, NULL, -EIO, "index");
	vms_io_faulty_init(&fx.io, &fx.faulty, fx.file.p, fx.file.len, 2);
	expect_open_fails(&fx, NULL, -EIO, "header");
	struct hv_bin_index *idx;
	cr_assert_eq(hv_bin_open(NULL, NULL, &idx, NULL), -EINVAL);
	hv_bin_free(NULL);
	release(&fx);
}

Test(bin, every_truncation_of_the_file_fails_cleanly)
{
	const char *names[] = {"RamBlock/0/"};
	struct fixture fx;
	build(&fx, names, 1);
	/* every byte up to the end of the used name table is needed (the unused capacity
	 * after it is not read) */
	for (size_t n = 0; n < fx.layout.names_off + 12; n += 97) {
		fx.io.size = n;
		fx.faulty.len = n;
		struct hv_bin_index *idx;
		cr_assert_neq(hv_bin_open(&fx.io, NULL, &idx, NULL), 0, "prefix %zu opened", n);
	}
	release(&fx);
}

/* ---- the real sample (§6.2, §10) ---- */

static int pread_fd(void *ctx, void *buf, size_t len, uint64_t off)
{
	return pread(*(const int *)ctx, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

Test(bin_real, raf_test_file_header_and_index)
{
	VMS_REQUIRE_FIXTURE(path, "hyperv/raf-test_file.bin");
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	struct vms_io io = {pread_fd, (uint64_t)lseek(fd, 0, SEEK_END), &fd, path};
	cr_assert_eq(io.size, 1585152);
	struct hv_bin_index *idx;
	struct vms_error err = {0};
	cr_assert_eq(hv_bin_open(&io, NULL, &idx, &err), 0, "%s", err.msg);
	cr_assert_eq(idx->hdr.version, 0x500);
	cr_assert_eq(idx->hdr.unknown8, 1);
	cr_assert_eq(idx->hdr.index_cap, 1024);
	cr_assert_eq(idx->hdr.index_off, 0x179000);
	cr_assert_eq(idx->hdr.names_off, 0x17F000);
	cr_assert_eq(idx->hdr.names_cap, 0x4000);
	cr_assert_eq(idx->hdr.names_used, 0xD5A);
	cr_assert_eq(idx->block_span, 252);
	cr_assert_eq(idx->block_count, 252);
	cr_assert_eq(idx->used_slots, 252);
	cr_assert_eq(idx->other_keys, 0);
	cr_assert_eq(idx->odd_entry_bytes, 0);
	/* completion order in the index: 3, 2, 4, 5, 0, 6, 1, ... (§6.2) */
	static const uint32_t first_slots[] = {4, 6, 1, 0, 2, 3, 5};
	for (uint32_t n = 0; n < 7; n++)
		cr_assert_eq(idx->blocks[n].slot, first_slots[n], "RamBlock/%u/", n);
	uint32_t min = UINT32_MAX, max = 0;
	uint64_t end = 0x1000;
	for (size_t i = 0; i < idx->block_count; i++) {
		const struct hv_bin_block *b = &idx->blocks[i];
		min = b->len < min ? b->len : min;
		max = b->len > max ? b->len : max;
		cr_assert_eq(b->file_off % 4096, 0);
		const uint64_t b_end = b->file_off + (b->len + 4095) / 4096 * 4096;
		end = b_end > end ? b_end : end;
	}
	cr_assert_eq(min, 3076);
	cr_assert_eq(max, 278236);
	cr_assert_eq(end, 0x179000, "values run back to back up to the index");
	hv_bin_free(idx);
	close(fd);
}
