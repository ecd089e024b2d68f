/* The hyperv-bin backend through the public API (hyperv-format.md §6, §10): the real
 * raf-test_file.bin with vms_open + vms_read_gpa, synthetic files over vms_io_mem, gaps,
 * damaged blocks, probing and concurrent reads. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/bytes.h"
#include "formats/hyperv/bin_container.h"
#include "support/hv_bin_builder.h"
#include "support/oslike_memory.h"
#include "support/ramblock_encode.h"
#include "support/test_support.h"

#define MIB (1u << 20)

extern const struct vms_backend_ops vms_backend_hyperv_bin;

static const char *prop(vms_handle *h, const char *key)
{
	const int n = vms_property_get(h, 0, NULL, NULL);
	for (int i = 0; i < n; i++) {
		const char *k, *v;
		if (vms_property_get(h, (size_t)i, &k, &v) == 0 && strcmp(k, key) == 0)
			return v;
	}
	return NULL;
}

Test(bin_backend_real, raf_test_file_through_vms_open)
{
	VMS_REQUIRE_FIXTURE(path, "hyperv/raf-test_file.bin");
	vms_handle *h;
	struct vms_error err = {0};
	cr_assert_eq(vms_open(path, NULL, &h, &err), 0, "%s", err.msg);
	cr_assert_str_eq(vms_format_name(h), "hyperv-bin");
	cr_assert_eq(vms_vp_count(h), 0, "memory only without the .vsv");
	cr_assert_eq(vms_raw_size(h), 264241152ull);
	struct vms_chunk c[2];
	cr_assert_eq(vms_chunk_list(h, c, 2), 1);
	cr_assert_eq(c[0].gpa, 0);
	cr_assert_eq(c[0].pages, 64512);
	cr_assert_eq(c[0].raw_off, 0);
	cr_assert_str_eq(prop(h, "hyperv.bin.header_version"), "0x500");
	cr_assert_not_null(prop(h, "registers"));
	cr_assert_null(prop(h, "warning"));

	uint8_t buf[32];
	uint64_t done = 0;
	cr_assert_eq(vms_read_gpa(h, 0xC0FFE, buf, 12, 0, &done, &err), 0, "%s", err.msg);
	cr_assert_eq(done, 12);
	cr_assert_eq(vms_le32(buf), 75826887u);
	cr_assert_eq(vms_le32(buf + 4), 1235222542u);
	cr_assert_eq(vms_le32(buf + 8), 3439375364u);
	cr_assert_eq(vms_read_gpa(h, 0xFFFF0, buf, 13, 0, &done, &err), 0, "%s", err.msg);
	cr_assert(memcmp(buf,
			 "\xEA\x5B\xE0\x00\xF0"
			 "11/12/18",
			 13) == 0);
	cr_assert_eq(vms_read_gpa(h, 0xC0088, buf, 22, 0, &done, &err), 0, "%s", err.msg);
	cr_assert(memcmp(buf, "(C) COPYRIGHT IBM 1994", 22) == 0);
	/* a read across the block boundary at 1 MiB, and a short read at the end */
	cr_assert_eq(vms_read_gpa(h, MIB - 16, buf, 32, 0, &done, &err), 0, "%s", err.msg);
	cr_assert_eq(done, 32);
	cr_assert_eq(vms_read_gpa(h, 252ull * MIB - 8, buf, 32, 0, &done, &err), 0, "%s", err.msg);
	cr_assert_eq(done, 8);
	vms_close(h);
}

/* A synthetic .bin of `blocks` MiB over vms_io_mem. */
struct synth {
	uint8_t *mem;
	struct hv_tokbuf file;
	struct vms_io io;
};

static void synth_build(struct synth *s, size_t blocks, const uint32_t *order)
{
	memset(s, 0, sizeof(*s));
	s->mem = malloc(blocks * MIB);
	cr_assert(s->mem);
	hv_test_oslike_pages(s->mem, blocks * 256, 21);
	for (size_t p = 0; p < blocks * 256; p += 2)
		memset(s->mem + p * 4096, 0, 4096);
	cr_assert_eq(hv_bin_build_memory(s->mem, blocks, NULL, order, &s->file), 0);
	vms_io_mem_init(&s->io, s->file.p, s->file.len, "synthetic.bin");
}

static void synth_free(struct synth *s)
{
	free(s->mem);
	hv_tokbuf_free(&s->file);
}

Test(bin_backend, synthetic_file_reads_back_by_gpa_and_raw)
{
	static const uint32_t order[] = {2, 0, 1};
	struct synth s;
	synth_build(&s, 3, order);
	vms_handle *h;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(&s.io, 1, NULL, &h, &err), 0, "%s", err.msg);
	cr_assert_eq(vms_raw_size(h), 3ull * MIB);
	uint8_t *out = malloc(3 * MIB);
	uint64_t done;
	cr_assert(out);
	cr_assert_eq(vms_read_gpa(h, 0, out, 3 * MIB, 0, &done, &err), 0, "%s", err.msg);
	cr_assert_eq(done, 3 * MIB);
	cr_assert(memcmp(out, s.mem, 3 * MIB) == 0);
	memset(out, 0, 3 * MIB);
	cr_assert_eq(vms_read_raw(h, 12345, out, 2 * MIB, &done, &err), 0, "%s", err.msg);
	cr_assert(memcmp(out, s.mem + 12345, 2 * MIB) == 0);
	free(out);
	vms_close(h);
	synth_free(&s);
}

Test(bin_backend, gap_needs_zero_missing_and_reads_zeros)
{
	static const uint32_t order[] = {0, 1, 2};
	struct synth s;
	synth_build(&s, 3, order);
	/* rename RamBlock/1/ to RamBlock/3/: blocks 0, 2, 3 */
	uint8_t *names = s.file.p + vms_le64(s.file.p + HV_BIN_OFF_NAMES);
	cr_assert(memcmp(names + 12, "RamBlock/1/", 12) == 0);
	names[12 + 9] = '3';
	vms_handle *h;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(&s.io, 1, NULL, &h, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "RamBlock/1/ missing"), "%s", err.msg);

	struct vms_open_opts opts;
	vms_open_opts_init(&opts);
	opts.flags = VMS_OPEN_ZERO_MISSING;
	cr_assert_eq(vms_open_io(&s.io, 1, &opts, &h, &err), 0, "%s", err.msg);
	cr_assert_eq(vms_raw_size(h), 4ull * MIB);
	cr_assert_not_null(prop(h, "warning"));
	uint8_t *out = malloc(MIB);
	uint64_t done;
	cr_assert(out);
	memset(out, 0xEE, MIB);
	cr_assert_eq(vms_read_gpa(h, MIB, out, MIB, 0, &done, &err), 0, "%s", err.msg);
	for (size_t k = 0; k < MIB; k++)
		cr_assert_eq(out[k], 0, "gap byte %zu", k);
	cr_assert_eq(vms_read_gpa(h, 3 * MIB, out, MIB, 0, &done, &err), 0, "%s", err.msg);
	cr_assert(memcmp(out, s.mem + MIB, MIB) == 0, "RamBlock/3/ holds the old block 1");
	free(out);
	vms_close(h);
	synth_free(&s);
}

Test(bin_backend, damaged_block_fails_at_read_with_location)
{
	struct synth s;
	synth_build(&s, 2, NULL);
	/* break the first token of RamBlock/1/ (second value) */
	const uint64_t index_off = vms_le64(s.file.p + HV_BIN_OFF_INDEX);
	const uint64_t data_off =
		vms_le64(s.file.p + index_off + HV_BIN_ENTRY_LEN + HV_BIN_ENTRY_DATA);
	vms_put_le32(s.file.p + data_off, 0x5000);
	vms_handle *h;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(&s.io, 1, NULL, &h, &err), 0, "%s", err.msg);
	uint8_t buf[16];
	uint64_t done = 0;
	cr_assert_eq(vms_read_gpa(h, 0, buf, 16, 0, &done, &err), 0, "block 0 is intact");
	cr_assert_eq(vms_read_gpa(h, MIB + 4, buf, 16, 0, &done, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "RamBlock/1/ at file offset"), "%s", err.msg);
	cr_assert(strstr(err.msg, "invalid tag"), "%s", err.msg);
	vms_close(h);
	synth_free(&s);
}

Test(bin_backend, probe_bids)
{
	uint8_t head[64] = {0};
	cr_assert_eq(vms_backend_hyperv_bin.probe(head, sizeof(head)), 0);
	vms_put_le32(head, HV_BIN_SIGNATURE);
	cr_assert_eq(vms_backend_hyperv_bin.probe(head, 3), 0, "truncated head");
	cr_assert_eq(vms_backend_hyperv_bin.probe(head, 4), 30);
	vms_put_le32(head + HV_BIN_OFF_INDEX_CAP, 1024);
	vms_put_le64(head + HV_BIN_OFF_INDEX, 0x179000);
	cr_assert_eq(vms_backend_hyperv_bin.probe(head, sizeof(head)), 70);
	cr_assert_lt(vms_backend_hyperv_bin.probe(head, sizeof(head)), 80,
		     "below hyperv-vmrs, which takes a .bin with its .vsv");
}

/* §6.3: a partner that is not a HyperVStorage .vsv is refused, naming its signature (the
 * legacy-pair tests in test_legacy_pair.c cover the rest). */
Test(bin_backend, second_unknown_source_is_rejected)
{
	struct synth s;
	synth_build(&s, 1, NULL);
	struct vms_io ios[2];
	ios[0] = s.io;
	static const uint8_t junk[64] = {'n', 'o', 'p', 'e'};
	vms_io_mem_init(&ios[1], junk, sizeof(junk), "junk.vsv");
	vms_handle *h = NULL;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(ios, 2, NULL, &h, &err), -ENOTSUP);
	cr_assert_null(h);
	cr_assert(strstr(err.msg, "junk.vsv") && strstr(err.msg, "0x65706f6e"), "%s", err.msg);
	synth_free(&s);
}

struct reader_arg {
	vms_handle *h;
	const uint8_t *mem;
	int failures;
};

static void *reader(void *p)
{
	struct reader_arg *a = p;
	uint8_t *buf = malloc(64 * 1024);
	if (!buf)
		return NULL;
	for (unsigned i = 0; i < 64; i++) {
		const uint64_t gpa = (i * 0x1F3F1ull) % (4 * MIB - 64 * 1024);
		uint64_t done;
		if (vms_read_gpa(a->h, gpa, buf, 64 * 1024, 0, &done, NULL) != 0 ||
		    memcmp(buf, a->mem + gpa, 64 * 1024) != 0)
			a->failures++;
	}
	free(buf);
	return NULL;
}

Test(bin_backend, concurrent_reads_without_cache)
{
	struct synth s;
	synth_build(&s, 4, NULL);
	struct vms_open_opts opts;
	vms_open_opts_init(&opts);
	opts.cache_bytes = 0; /* every read decodes: exercises the scratch buffers */
	vms_handle *h;
	struct vms_error err = {0};
	cr_assert_eq(vms_open_io(&s.io, 1, &opts, &h, &err), 0, "%s", err.msg);
	pthread_t t[4];
	struct reader_arg a[4];
	for (int i = 0; i < 4; i++) {
		a[i] = (struct reader_arg){h, s.mem, 0};
		cr_assert_eq(pthread_create(&t[i], NULL, reader, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(a[i].failures, 0, "thread %d", i);
	}
	vms_close(h);
	synth_free(&s);
}
