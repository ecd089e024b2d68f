/* Export round trips (other-formats.md Part B): export a source with the library, reopen the
 * output with our own readers (raw + sidecar, LiME, QEMU ELF), and compare every chunk byte
 * for byte and every register the format carries. Also: determinism, sparseness, the
 * virtual file map (vms_export_read / vms_export_seek) against the written file, and ELF
 * segment merging with its zero-filled ranges. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <export/export.h>

#include "export/export_source.h"
#include "support/test_support.h"

#define HOLE_SMALL (8u * 4096u)
#define HOLE_BIG (64ull << 20)

static char *out_path(const char *name)
{
	return es_temp_path(name);
}

static void roundtrip(vms_handle *src, enum vms_export_format f, const char *name, bool registers)
{
	char *out = out_path(name);
	cr_assert_eq(es_export(src, f, out, true, 0, 0), 0);
	vms_handle *back = es_open(out);
	const char *want = f == VMS_EXPORT_RAW ? "raw" : f == VMS_EXPORT_LIME ? "lime" : "qemu-elf";
	cr_assert_str_eq(vms_format_name(back), want);
	uint64_t bytes = es_expect_same_memory(src, back);
	cr_assert_gt(bytes, 0);
	if (registers)
		cr_assert_gt(es_expect_same_registers(src, back, f == VMS_EXPORT_ELF), 40);
	else
		cr_assert_eq(vms_vp_count(back), 0);
	vms_close(back);
	free(out);
}

Test(export_roundtrip, raw_source_to_raw_lime_elf)
{
	char *src_path = es_write_raw("src.img", HOLE_SMALL);
	vms_handle *src = es_open(src_path);
	cr_assert_eq(vms_vp_count(src), ES_VPS);
	cr_assert_eq(vms_chunk_list(src, NULL, 0), 2);
	roundtrip(src, VMS_EXPORT_RAW, "out.raw", true);
	roundtrip(src, VMS_EXPORT_LIME, "out.lime", false);
	roundtrip(src, VMS_EXPORT_ELF, "out.elf", true);
	vms_close(src);
	free(src_path);
}

Test(export_roundtrip, vmrs_source_to_raw_lime_elf)
{
	char *src_path = es_write_vmrs("src.vmrs");
	vms_handle *src = es_open(src_path);
	cr_assert_str_eq(vms_format_name(src), "hyperv-vmrs");
	cr_assert_eq(vms_vp_count(src), ES_VPS);
	roundtrip(src, VMS_EXPORT_RAW, "v.raw", true);
	roundtrip(src, VMS_EXPORT_LIME, "v.lime", false);
	roundtrip(src, VMS_EXPORT_ELF, "v.elf", true);
	vms_close(src);
	free(src_path);
}

/* The raw export's chunk map survives: same chunks, holes outside them. */
Test(export_roundtrip, raw_keeps_chunk_map)
{
	char *src_path = es_write_raw("src.img", HOLE_SMALL);
	vms_handle *src = es_open(src_path);
	char *out = out_path("map.raw");
	cr_assert_eq(es_export(src, VMS_EXPORT_RAW, out, true, 0, 0), 0);
	vms_handle *back = es_open(out);
	struct vms_chunk a[4], b[4];
	cr_assert_eq(vms_chunk_list(src, a, 4), 2);
	cr_assert_eq(vms_chunk_list(back, b, 4), 2);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(a[i].gpa, b[i].gpa);
		cr_assert_eq(a[i].pages, b[i].pages);
	}
	uint8_t x;
	uint64_t done = 0;
	cr_assert_eq(vms_read_gpa(back, ES_CHUNK0_PAGES * 4096u, &x, 1, 0, &done, NULL), -EFAULT);
	vms_close(back);
	vms_close(src);
	free(out);
	free(src_path);
}

/* The plan's bytes at any offset equal the written file's (the FUSE view == the CLI's). */
Test(export_roundtrip, virtual_read_matches_file)
{
	char *src_path = es_write_raw("src.img", HOLE_SMALL);
	vms_handle *src = es_open(src_path);
	for (int f = VMS_EXPORT_RAW; f <= VMS_EXPORT_ELF; f++) {
		char *out = out_path("v.out");
		cr_assert_eq(es_export(src, f, out, false, 0, 0), 0);
		size_t len;
		uint8_t *file = vms_test_read_file(out, &len);
		struct vms_export_plan *p;
		cr_assert_eq(vms_export_plan(src, (enum vms_export_format)f, NULL, &p, NULL), 0);
		cr_assert_eq(vms_export_size(p), len);
		uint8_t buf[10000];
		uint64_t offs[] = {0, 1, 31, 32, 4095, 4096, 65530, len - 10000, len - 1};
		for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			size_t done = 0;
			cr_assert_eq(
				vms_export_read(src, p, offs[i], buf, sizeof(buf), &done, NULL), 0);
			size_t want = len - offs[i] < sizeof(buf) ? len - offs[i] : sizeof(buf);
			cr_assert_eq(done, want, "format %d off %llu", f,
				     (unsigned long long)offs[i]);
			cr_assert(memcmp(buf, file + offs[i], done) == 0, "format %d off %llu", f,
				  (unsigned long long)offs[i]);
		}
		size_t done = 1;
		cr_assert_eq(vms_export_read(src, p, len, buf, 1, &done, NULL), 0);
		cr_assert_eq(done, 0, "EOF reads nothing");
		vms_export_plan_free(p);
		free(file);
		free(out);
	}
	vms_close(src);
	free(src_path);
}

Test(export_roundtrip, seek_data_and_hole_on_raw)
{
	char *src_path = es_write_raw("src.img", HOLE_SMALL);
	vms_handle *src = es_open(src_path);
	struct vms_export_plan *p;
	cr_assert_eq(vms_export_plan(src, VMS_EXPORT_RAW, NULL, &p, NULL), 0);
	uint64_t next = 0, hole_at = ES_CHUNK0_PAGES * 4096ull;
	cr_assert_eq(vms_export_seek(p, 0, false, &next), 0);
	cr_assert_eq(next, hole_at);
	cr_assert_eq(vms_export_seek(p, hole_at, true, &next), 0);
	cr_assert_eq(next, hole_at + HOLE_SMALL);
	cr_assert_eq(vms_export_seek(p, hole_at + HOLE_SMALL, false, &next), 0);
	cr_assert_eq(next, vms_export_size(p));
	cr_assert_eq(vms_export_seek(p, vms_export_size(p), true, &next), -ENXIO);
	cr_assert_eq(vms_export_data_bytes(p), (ES_CHUNK0_PAGES + ES_CHUNK1_PAGES) * 4096ull);
	vms_export_plan_free(p);
	vms_close(src);
	free(src_path);
}

Test(export_roundtrip, identical_across_runs)
{
	char *src_path = es_write_vmrs("src.vmrs");
	for (int f = VMS_EXPORT_RAW; f <= VMS_EXPORT_ELF; f++) {
		uint64_t digest[2];
		char *side[2];
		for (int run = 0; run < 2; run++) {
			vms_handle *src = es_open(src_path); /* a fresh handle each run */
			char *out = out_path("same.out");
			cr_assert_eq(es_export(src, f, out, true, 0, 0), 0);
			digest[run] = vms_test_file_digest(out);
			size_t n = strlen(out) + 16;
			char *sp = malloc(n);
			snprintf(sp, n, "%s.layout.json", out);
			side[run] = (char *)vms_test_read_file(sp, &n);
			side[run] = realloc(side[run], n + 1);
			side[run][n] = 0;
			free(sp);
			free(out);
			vms_close(src);
		}
		cr_assert_eq(digest[0], digest[1], "format %d differs between runs", f);
		cr_assert_str_eq(side[0], side[1], "format %d: sidecars differ", f);
		free(side[0]);
		free(side[1]);
	}
	free(src_path);
}

static uint64_t allocated(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	return (uint64_t)st.st_blocks * 512u;
}

Test(export_roundtrip, raw_output_is_sparse)
{
	char *src_path = es_write_raw("src.img", HOLE_BIG);
	vms_handle *src = es_open(src_path);
	char *out = out_path("sparse.raw");
	cr_assert_eq(es_export(src, VMS_EXPORT_RAW, out, false, 0, 0), 0);
	struct stat st;
	cr_assert_eq(stat(out, &st), 0);
	uint64_t data = (ES_CHUNK0_PAGES + ES_CHUNK1_PAGES) * 4096ull;
	cr_assert_eq((uint64_t)st.st_size, data + HOLE_BIG);
	cr_assert_lt(allocated(out), data + (1u << 20), "hole allocated: %llu bytes on disk",
		     (unsigned long long)allocated(out));
	/* --sparse also leaves the all-zero page inside chunk 1 unallocated */
	char *out2 = out_path("sparser.raw");
	cr_assert_eq(
		es_export(src, VMS_EXPORT_RAW, out2, false, 0, VMS_EXPORT_WRITE_SKIP_ZERO_PAGES),
		0);
	cr_assert_eq(vms_test_file_digest(out), vms_test_file_digest(out2));
	cr_assert_eq(allocated(out2) + 4096, allocated(out));
	/* ELF: the merged gap across the hole is sparse too */
	char *out3 = out_path("sparse.elf");
	cr_assert_eq(es_export(src, VMS_EXPORT_ELF, out3, false, 1, 0), 0);
	cr_assert_lt(allocated(out3), data + (1u << 20));
	vms_close(src);
	free(out);
	free(out2);
	free(out3);
	free(src_path);
}

/* Past the PT_LOAD budget the smallest gaps are zero-filled and reported. */
Test(export_roundtrip, elf_merges_chunks_past_budget)
{
	char *src_path = es_write_raw("src.img", HOLE_SMALL);
	vms_handle *src = es_open(src_path);
	struct vms_export_opts o = {.max_loads = 1};
	struct vms_export_plan *p;
	cr_assert_eq(vms_export_plan(src, VMS_EXPORT_ELF, &o, &p, NULL), 0);
	cr_assert_eq(vms_export_filler_count(p), 1);
	cr_assert_eq(vms_export_fillers(p)[0].gpa, ES_CHUNK0_PAGES * 4096ull);
	cr_assert_eq(vms_export_fillers(p)[0].len, HOLE_SMALL);
	char *doc = vms_export_layout_json(src, p, NULL);
	cr_assert(doc && strstr(doc, "\"zero_filled\":\t[{"), "%s", doc ? doc : "(null)");
	free(doc);
	vms_export_plan_free(p);

	char *out = out_path("merged.elf");
	cr_assert_eq(es_export(src, VMS_EXPORT_ELF, out, true, 1, 0), 0);
	vms_handle *back = es_open(out);
	struct vms_chunk c[4];
	cr_assert_eq(vms_chunk_list(back, c, 4), 1, "one PT_LOAD");
	cr_assert_eq(c[0].pages, ES_CHUNK0_PAGES + HOLE_SMALL / 4096 + ES_CHUNK1_PAGES);
	es_expect_same_memory(src, back);
	uint8_t z[HOLE_SMALL], zero[HOLE_SMALL] = {0};
	uint64_t done;
	cr_assert_eq(vms_read_gpa(back, ES_CHUNK0_PAGES * 4096ull, z, sizeof(z), 0, &done, NULL),
		     0);
	cr_assert(memcmp(z, zero, sizeof(z)) == 0, "filler reads as zeros");
	vms_close(back);
	vms_close(src);
	free(out);
	free(src_path);
}

Test(export_roundtrip, elf_one_vp)
{
	char *src_path = es_write_raw("src.img", HOLE_SMALL);
	vms_handle *src = es_open(src_path);
	struct vms_export_opts o = {.flags = VMS_EXPORT_ONE_VP, .vp = 1};
	struct vms_export_plan *p;
	cr_assert_eq(vms_export_plan(src, VMS_EXPORT_ELF, &o, &p, NULL), 0);
	char *out = out_path("vp1.elf");
	FILE *f = fopen(out, "wb");
	uint8_t buf[65536];
	for (uint64_t off = 0; off < vms_export_size(p); off += sizeof(buf)) {
		size_t done;
		cr_assert_eq(vms_export_read(src, p, off, buf, sizeof(buf), &done, NULL), 0);
		cr_assert_eq(fwrite(buf, 1, done, f), done);
	}
	fclose(f);
	vms_handle *back = es_open(out);
	cr_assert_eq(vms_vp_count(back), 1);
	struct vms_reg_value v;
	cr_assert_eq(vms_vp_get_register(back, 0, VMS_REG_RAX, &v, NULL), 0);
	cr_assert_eq(v.lo, es_reg(1, VMS_REG_RAX));
	vms_export_plan_free(p);
	o.vp = 2;
	struct vms_error err = {0};
	struct vms_export_plan *none = NULL;
	cr_assert_eq(vms_export_plan(src, VMS_EXPORT_ELF, &o, &none, &err), -ERANGE);
	cr_assert_null(none);
	vms_close(back);
	vms_close(src);
	free(out);
	free(src_path);
}

Test(export_roundtrip, lime_headers_follow_the_format)
{
	char *src_path = es_write_raw("src.img", HOLE_SMALL);
	vms_handle *src = es_open(src_path);
	char *out = out_path("h.lime");
	cr_assert_eq(es_export(src, VMS_EXPORT_LIME, out, false, 0, 0), 0);
	size_t len;
	uint8_t *b = vms_test_read_file(out, &len);
	/* other-formats.md §3.1: "EMiL", version 1, s_addr, inclusive e_addr, reserved 0 */
	static const uint8_t magic[] = {0x45, 0x4d, 0x69, 0x4c, 1, 0, 0, 0};
	cr_assert(memcmp(b, magic, 8) == 0);
	uint64_t e0 = 0, s1 = 0, e1 = 0;
	memcpy(&e0, b + 16, 8);
	uint8_t *h1 = b + 32 + ES_CHUNK0_PAGES * 4096;
	cr_assert(memcmp(h1, magic, 8) == 0);
	memcpy(&s1, h1 + 8, 8);
	memcpy(&e1, h1 + 16, 8);
	cr_assert_eq(e0, ES_CHUNK0_PAGES * 4096ull - 1);
	cr_assert_eq(s1, ES_CHUNK0_PAGES * 4096ull + HOLE_SMALL);
	cr_assert_eq(e1 & 0xfff, 0xfff);
	cr_assert_eq(len, 64 + (ES_CHUNK0_PAGES + ES_CHUNK1_PAGES) * 4096ull);
	free(b);
	vms_close(src);
	free(out);
	free(src_path);
}

Test(export_roundtrip, bad_arguments)
{
	char *src_path = es_write_raw("src.img", HOLE_SMALL);
	vms_handle *src = es_open(src_path);
	struct vms_export_plan *p = (void *)1;
	cr_assert_eq(vms_export_plan(src, (enum vms_export_format)9, NULL, &p, NULL), -EINVAL);
	cr_assert_null(p);
	struct vms_export_opts o = {.max_loads = 1000};
	cr_assert_eq(vms_export_plan(src, VMS_EXPORT_ELF, &o, &p, NULL), -EINVAL);
	enum vms_export_format f;
	cr_assert_eq(vms_export_format_parse("dmp", &f), -EINVAL);
	cr_assert_eq(vms_export_format_parse("lime", &f), 0);
	cr_assert_eq(f, VMS_EXPORT_LIME);
	vms_export_plan_free(NULL);
	vms_close(src);
	free(src_path);
}
