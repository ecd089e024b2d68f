/* The legacy .bin + .vsv pair and the old key scheme (hyperv-format.md §3.1, §6, §7.6 item 11)
 * through the public API and the CLI: a synthetic .vsv (HyperVStorage, configuration version
 * 5.0, old-scheme names in each of the node mappings the backend tries) with a synthetic or
 * the real .bin, the .bin alone, GPA maps above 4 GiB, mismatched sources, probe bids, and an
 * old-scheme single-container .vmrs. No .vsv sample exists (§9 q10): the .vsv layouts here
 * are our guesses, written to catch the reader's assumptions changing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_run.h"
#include "core/bytes.h"
#include "formats/hyperv/bin_container.h"
#include "formats/hyperv/hv_schema.h"
#include "formats/hyperv/partition_state.h"
#include "support/hv_bin_builder.h"
#include "support/hvs_writer.h"
#include "support/oslike_memory.h"
#include "support/partition_state_builder.h"
#include "support/test_support.h"
#include "support/vmrs_builder.h"

#define MIB (1u << 20)
#define PAGE 4096u
#define RAF_BIN "hyperv/raf-test_file.bin"

extern const struct vms_backend_ops vms_backend_hyperv_vmrs;
extern const struct vms_backend_ops vms_backend_hyperv_bin;

/* How an old-scheme name with slashes ("RamMemoryBlock/0/", "savedVM/partition_state") is
 * laid out as container keys; hv_schema.c lookup_old tries them in this order. */
enum old_layout {
	OLD_LITERAL,	  /* one root-level key named "RamMemoryBlock/0/" */
	OLD_NESTED,	  /* node "RamMemoryBlock", value "0" */
	OLD_NESTED_EMPTY, /* node "RamMemoryBlock", node "0", value "" */
};

/* Where the .vsv keeps its configuration version (§3.2; the root key is a guess). */
enum ver_at { VER_NONE, VER_SAVEDSTATE, VER_CONFIG, VER_ROOT };

struct vsv_spec {
	enum old_layout layout;
	enum ver_at ver_at;
	uint32_t version;
	const struct vmrs_range *ranges;
	size_t range_count;
	uint32_t rmb_version; /* 0: 3 */
	const uint8_t *ps;    /* NULL: no partition_state */
	size_t ps_len;
};

static void put_old(struct hvs_writer *w, enum old_layout layout, const char *full,
		    const void *data, size_t len)
{
	char path[96];
	snprintf(path, sizeof(path), "%s", full);
	size_t n = strlen(path);
	if (path[n - 1] == '/')
		path[n - 1] = 0;
	if (layout == OLD_LITERAL) {
		hvs_w_array(w, HVS_W_ROOT, full, data, len);
	} else if (layout == OLD_NESTED) {
		char *slash = strrchr(path, '/');
		*slash = 0;
		hvs_w_array(w, hvs_w_node_path(w, path), slash + 1, data, len);
	} else {
		hvs_w_array(w, hvs_w_node_path(w, path), "", data, len);
	}
}

/* A .vsv image: malloc'd, *len bytes. */
static uint8_t *build_vsv(const struct vsv_spec *s, size_t *len)
{
	struct hvs_writer *w = hvs_writer_new(NULL);
	if (s->ver_at == VER_SAVEDSTATE)
		hvs_w_int(w, hvs_w_node_path(w, "savedstate"), "VmVersion", s->version);
	else if (s->ver_at == VER_CONFIG)
		hvs_w_int(w, hvs_w_node_path(w, "configuration/properties"), "version", s->version);
	else if (s->ver_at == VER_ROOT)
		hvs_w_int(w, HVS_W_ROOT, "VmVersion", s->version);
	if (s->ps)
		put_old(w, s->layout, "savedVM/partition_state", s->ps, s->ps_len);
	for (size_t i = 0; i < s->range_count; i++) {
		const struct vmrs_range *r = &s->ranges[i];
		uint8_t v[HV_RMB_LEN] = {0};
		vms_put_le32(v, s->rmb_version ? s->rmb_version : HV_RMB_VERSION);
		vms_put_le32(v + HV_RMB_OFF_FLAGS, r->flags);
		vms_put_le64(v + HV_RMB_OFF_PAGES, r->pages);
		vms_put_le64(v + HV_RMB_OFF_MBP_START, r->mbp_start);
		vms_put_le64(v + HV_RMB_OFF_GPA_INDEX, r->gpa / PAGE);
		char name[48];
		snprintf(name, sizeof(name), "RamMemoryBlock/%zu/", i);
		put_old(w, s->layout, name, v, sizeof(v));
	}
	struct hvs_image img;
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	uint8_t *out = malloc(img.len);
	cr_assert_not_null(out);
	memcpy(out, img.buf, img.len);
	*len = img.len;
	hvs_image_free(&img);
	hvs_writer_free(w);
	return out;
}

/* Shared state: raw saved memory, its .bin, and x86 partition states. */
static uint8_t *mem;
static struct hv_tokbuf bin;
static struct vms_reg_bank banks[4];
static uint8_t *ps;
static size_t ps_len;
static vms_handle *h;
static struct vms_error err;
static char *tmp_paths[4];

/* x86 BIOS-like VPs (§5.7): EFER.LMA clear, paging off, ECX = 4 on VP0 and 0 elsewhere, the
 * values raf-test_file.bin's VM reports through the DLL (§10). */
static uint8_t *build_ps(unsigned vp_count, size_t *len)
{
	struct psb_vp_desc vps[4];
	for (unsigned v = 0; v < vp_count; v++) {
		psb_bank_pattern(&banks[v], VMS_ARCH_X86, 500 + v);
		banks[v].lo[VMS_REG_RCX] = v == 0 ? 4 : 0;
		banks[v].lo[VMS_REG_CR0] = 0x60000010; /* CD, NW, ET: PG clear */
		banks[v].lo[VMS_REG_CR4] = 0;
		banks[v].lo[VMS_REG_EFER] = 0;
		vps[v] = (struct psb_vp_desc){
			.hv_index = v, .vtl_count = 1, .banks = {&banks[v]}, .runnable_vtl = -1};
	}
	return psb_build(HV_VENDOR_INTEL, 0, vps, vp_count, len);
}

static void build_bin(size_t blocks)
{
	mem = malloc(blocks * MIB);
	cr_assert_not_null(mem);
	hv_test_oslike_pages(mem, blocks * 256, 77);
	for (size_t p = 0; p < blocks * 256; p += 3)
		memset(mem + p * PAGE, 0, PAGE); /* fill tokens too */
	/* index entries in the sample's completion order (§6.2), cut to the blocks we have */
	static const uint32_t sample_order[] = {3, 2, 4, 0, 6, 1, 5, 7};
	uint32_t order[8];
	size_t n = 0;
	for (size_t i = 0; i < 8; i++)
		if (sample_order[i] < blocks)
			order[n++] = sample_order[i];
	cr_assert_eq(hv_bin_build_memory(mem, blocks, NULL, blocks <= 8 ? order : NULL, &bin), 0);
}

static void setup(void)
{
	memset(&err, 0, sizeof(err));
	hv_tokbuf_init(&bin);
	ps = build_ps(2, &ps_len);
}

static void teardown(void)
{
	vms_close(h);
	h = NULL;
	free(mem);
	mem = NULL;
	hv_tokbuf_free(&bin);
	free(ps);
	for (size_t i = 0; i < 4; i++) {
		if (!tmp_paths[i])
			continue;
		unlink(tmp_paths[i]);
		rmdir(dirname(tmp_paths[i]));
		free(tmp_paths[i]);
		tmp_paths[i] = NULL;
	}
}

TestSuite(legacy_pair, .init = setup, .fini = teardown);
TestSuite(legacy_pair_real, .init = setup, .fini = teardown);

static const char *temp_file(size_t slot, const char *name, const void *data, size_t len)
{
	tmp_paths[slot] = vms_test_write_temp(name, data, len);
	return tmp_paths[slot];
}

static const char *prop(const char *key)
{
	int n = vms_property_get(h, 0, NULL, NULL);
	for (int i = 0; i < n; i++) {
		const char *k, *v;
		if (vms_property_get(h, (size_t)i, &k, &v) == 0 && strcmp(k, key) == 0)
			return v;
	}
	return NULL;
}

/* Any warning containing `needle`. */
static bool has_warning(const char *needle)
{
	int n = vms_property_get(h, 0, NULL, NULL);
	for (int i = 0; i < n; i++) {
		const char *k, *v;
		if (vms_property_get(h, (size_t)i, &k, &v) == 0 && strcmp(k, "warning") == 0 &&
		    strstr(v, needle))
			return true;
	}
	return false;
}

/* Open over memory: the sources in the order given. */
static int open_mem(const uint8_t *a, size_t alen, const char *aname, const uint8_t *b, size_t blen,
		    const char *bname, uint32_t flags)
{
	static struct vms_io ios[2];
	vms_io_mem_init(&ios[0], a, alen, aname);
	if (b)
		vms_io_mem_init(&ios[1], b, blen, bname);
	struct vms_open_opts o;
	vms_open_opts_init(&o);
	o.flags = flags;
	return vms_open_io(ios, b ? 2 : 1, &o, &h, &err);
}

/* Read `len` bytes at `gpa` and compare with raw saved memory at `raw_off`. */
static void expect_gpa_is_raw(uint64_t gpa, uint64_t raw_off, size_t len)
{
	uint8_t *buf = malloc(len);
	cr_assert_not_null(buf);
	uint64_t done = 0;
	cr_assert_eq(vms_read_gpa(h, gpa, buf, len, 0, &done, &err), 0, "gpa %#lx: %s",
		     (unsigned long)gpa, err.msg);
	cr_assert_eq(done, len);
	cr_assert(memcmp(buf, mem + raw_off, len) == 0, "gpa %#lx differs from raw %#lx",
		  (unsigned long)gpa, (unsigned long)raw_off);
	free(buf);
}

static void expect_x86_vps(unsigned count)
{
	cr_assert_eq(vms_vp_count(h), count);
	for (unsigned v = 0; v < count; v++) {
		enum vms_arch a = VMS_ARCH_UNKNOWN;
		enum vms_paging p = VMS_PAGING_INVALID;
		cr_assert_eq(vms_vp_arch(h, v, &a), 0);
		cr_expect_eq(a, VMS_ARCH_X86, "vp %u", v);
		cr_assert_eq(vms_vp_paging(h, v, &p), 0);
		/* CR0.PG clear. The DLL says Paging_32Bit for raf's VM (§5.10 anomaly); we follow
		 * the SDM rules. */
		cr_expect_eq(p, VMS_PAGING_NONE, "vp %u", v);
		struct vms_reg_value r;
		cr_assert_eq(vms_vp_get_register(h, v, VMS_REG_RCX, &r, &err), 0, "%s", err.msg);
		cr_expect_eq(r.lo, v == 0 ? 4u : 0u, "vp %u ecx", v);
		cr_assert_eq(vms_vp_get_register(h, v, VMS_REG_RIP, &r, &err), 0, "%s", err.msg);
		cr_expect_eq(r.lo, banks[v].lo[VMS_REG_RIP], "vp %u rip", v);
	}
}

/* The key tree is the .vsv's, and its values are read from the .vsv whatever its position
 * among the sources. */
static void expect_key_reads_from_vsv(const char *name, const uint8_t *want, size_t len)
{
	int n = vms_key_get(h, 0, NULL);
	for (int i = 0; i < n; i++) {
		struct vms_key k;
		cr_assert_eq(vms_key_get(h, (size_t)i, &k), 0);
		if (strcmp(k.name, name) != 0)
			continue;
		cr_assert_eq(k.data_len, len);
		uint8_t *buf = malloc(len);
		cr_assert_not_null(buf);
		cr_assert_eq(vms_key_read(h, (size_t)i, 0, buf, len, &err), (int64_t)len, "%s",
			     err.msg);
		cr_expect(memcmp(buf, want, len) == 0, "key %s differs", name);
		free(buf);
		return;
	}
	cr_assert_fail("no key %s among %d", name, n);
}

static const struct vmrs_range one_range_3mib[] = {{0, 3 * 256, 0, 0}};

Test(legacy_pair, pair_in_either_order_via_open_files)
{
	build_bin(3);
	size_t vsv_len;
	const struct vsv_spec spec = {OLD_NESTED, VER_CONFIG, 0x500, one_range_3mib,
				      1,	  0,	      ps,    ps_len};
	uint8_t *vsv = build_vsv(&spec, &vsv_len);
	const char *pb = temp_file(0, "vm.bin", bin.p, bin.len);
	const char *pv = temp_file(1, "vm.vsv", vsv, vsv_len);
	const char *const orders[2][2] = {{pb, pv}, {pv, pb}};
	for (int o = 0; o < 2; o++) {
		cr_assert_eq(vms_open_files(orders[o], 2, NULL, &h, &err), 0, "order %d: %s", o,
			     err.msg);
		cr_expect_str_eq(vms_format_name(h), "hyperv-bin+vsv");
		cr_expect_eq(vms_source_count(h), 2);
		cr_expect_str_eq(prop("hyperv.key_scheme"), "old (<= 5.0)");
		cr_expect_str_eq(prop("hyperv.vm_version"),
				 "5.0 (0x500, from /configuration/properties/version)");
		cr_expect_str_eq(prop("hyperv.gpa_map"), "RamMemoryBlock metadata of the .vsv");
		cr_expect_str_eq(prop("hyperv.bin.header_version"), "0x500");
		cr_expect_null(prop("warning"), "%s", prop("warning"));
		expect_x86_vps(2);
		cr_expect_eq(vms_raw_size(h), 3u * MIB);
		expect_gpa_is_raw(0, 0, 3 * MIB);
		expect_key_reads_from_vsv("partition_state", ps, ps_len);
		vms_close(h);
		h = NULL;
	}
	free(vsv);
}

Test(legacy_pair, bin_alone_is_memory_only_with_identity_map)
{
	build_bin(3);
	const char *pb = temp_file(0, "vm.bin", bin.p, bin.len);
	cr_assert_eq(vms_open(pb, NULL, &h, &err), 0, "%s", err.msg);
	cr_expect_str_eq(vms_format_name(h), "hyperv-bin");
	cr_expect_eq(vms_vp_count(h), 0);
	const char *regs = prop("registers");
	cr_assert(regs && strstr(regs, "unavailable") && strstr(regs, ".vsv"), "%s",
		  regs ? regs : "(none)");
	cr_expect(strstr(prop("hyperv.gpa_map"), "identity (assumed"));
	struct vms_reg_value r;
	cr_expect_eq(vms_vp_get_register(h, 0, VMS_REG_RIP, &r, &err), -ERANGE);
	struct vms_chunk c[2];
	cr_assert_eq(vms_chunk_list(h, c, 2), 1);
	cr_expect_eq(c[0].gpa, 0);
	cr_expect_eq(c[0].pages, 3 * 256);
	expect_gpa_is_raw(0, 0, 3 * MIB);
}

/* §3.1: the slash-to-node mapping of old names is unknown; every layout the backend tries
 * must give the same VM. */
Test(legacy_pair, old_names_literal_nested_and_nested_empty)
{
	build_bin(3);
	static const enum old_layout layouts[] = {OLD_LITERAL, OLD_NESTED, OLD_NESTED_EMPTY};
	for (size_t i = 0; i < 3; i++) {
		size_t vsv_len;
		const struct vsv_spec spec = {layouts[i], VER_CONFIG, 0x500, one_range_3mib,
					      1,	  0,	      ps,    ps_len};
		uint8_t *vsv = build_vsv(&spec, &vsv_len);
		cr_assert_eq(open_mem(bin.p, bin.len, "vm.bin", vsv, vsv_len, "vm.vsv", 0), 0,
			     "layout %zu: %s", i, err.msg);
		cr_expect_str_eq(prop("hyperv.ram_ranges"), "1", "layout %zu", i);
		expect_x86_vps(2);
		expect_gpa_is_raw(0x1234, 0x1234, 3 * MIB - 0x1234);
		vms_close(h);
		h = NULL;
		free(vsv);
	}
}

/* §3.1/§3.2: the version picks the scheme wherever it is stored; without one a .vsv is
 * old-scheme (the role decides, [G]). A .bin/.vsv version mismatch is a warning. */
Test(legacy_pair, version_key_locations_and_mismatch)
{
	build_bin(3);
	static const struct {
		enum ver_at at;
		uint32_t version;
		const char *from;
	} cases[] = {
		{VER_SAVEDSTATE, 0x500, "/savedstate/VmVersion"},
		{VER_CONFIG, 0x500, "/configuration/properties/version"},
		{VER_ROOT, 0x500, "/VmVersion"},
		{VER_NONE, 0, NULL},
		{VER_CONFIG, 0x400, "/configuration/properties/version"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t vsv_len;
		const struct vsv_spec spec = {
			OLD_LITERAL, cases[i].at, cases[i].version, one_range_3mib, 1, 0,
			ps,	     ps_len};
		uint8_t *vsv = build_vsv(&spec, &vsv_len);
		cr_assert_eq(open_mem(vsv, vsv_len, "vm.vsv", bin.p, bin.len, "vm.bin", 0), 0,
			     "case %zu: %s", i, err.msg);
		cr_expect_str_eq(prop("hyperv.key_scheme"), "old (<= 5.0)", "case %zu", i);
		const char *v = prop("hyperv.vm_version");
		if (cases[i].from)
			cr_expect(v && strstr(v, cases[i].from), "case %zu: %s", i, v ? v : "-");
		else
			cr_expect_null(v, "case %zu", i);
		cr_expect_eq(has_warning("differs"), cases[i].version == 0x400, "case %zu", i);
		expect_x86_vps(2);
		vms_close(h);
		h = NULL;
		free(vsv);
	}
}

/* §3.4: the .vsv's metadata, not identity, maps GPAs; ranges above 4 GiB. */
Test(legacy_pair, vsv_metadata_gives_non_identity_map_above_4g)
{
	build_bin(5);
	static const struct vmrs_range r[] = {
		{0, 0x300, 0, 0},
		{0x100000000ull, 0x100, 0x300, HV_RMB_FLAG_HOT_ADDED},
		{0x100200000ull, 0x80, 0x400, 0},
	};
	size_t vsv_len;
	const struct vsv_spec spec = {OLD_NESTED, VER_CONFIG, 0x500, r, 3, 0, ps, ps_len};
	uint8_t *vsv = build_vsv(&spec, &vsv_len);
	cr_assert_eq(open_mem(bin.p, bin.len, "vm.bin", vsv, vsv_len, "vm.vsv", 0), 0, "%s",
		     err.msg);
	struct vms_chunk c[4];
	cr_assert_eq(vms_chunk_list(h, c, 4), 3);
	cr_expect_eq(c[1].gpa, 0x100000000ull);
	cr_expect_eq(c[1].raw_off, 0x300ull * PAGE);
	cr_expect_eq(c[1].flags, VMS_CHUNK_HOT_ADDED);
	cr_expect_eq(c[2].raw_off, 0x400ull * PAGE);
	cr_expect_eq(vms_raw_size(h), 5u * MIB);
	cr_expect_eq(vms_gpa_end(h), 0x100200000ull + 0x80 * PAGE);
	uint64_t raw;
	cr_assert_eq(vms_gpa_to_raw(h, 0x100000123ull, &raw, &err), 0, "%s", err.msg);
	cr_expect_eq(raw, 0x300ull * PAGE + 0x123);
	expect_gpa_is_raw(0, 0, 0x300 * PAGE);
	expect_gpa_is_raw(0x100000000ull, 0x300ull * PAGE, 0x100 * PAGE);
	expect_gpa_is_raw(0x100200000ull, 0x400ull * PAGE, 0x80 * PAGE);
	/* between the ranges nothing is mapped */
	uint8_t b[16];
	uint64_t done = 0;
	cr_expect_eq(vms_read_gpa(h, 0x300 * PAGE, b, sizeof(b), 0, &done, &err), -EFAULT);
	cr_expect_eq(vms_gpa_to_raw(h, 0x100100000ull, &raw, &err), -EFAULT);
	free(vsv);
}

Test(legacy_pair, vsv_needing_more_blocks_than_the_bin_holds)
{
	build_bin(4);
	static const struct vmrs_range r[] = {{0, 6 * 256, 0, 0}};
	size_t vsv_len;
	const struct vsv_spec spec = {OLD_LITERAL, VER_CONFIG, 0x500, r, 1, 0, ps, ps_len};
	uint8_t *vsv = build_vsv(&spec, &vsv_len);
	cr_assert_eq(open_mem(vsv, vsv_len, "vm.vsv", bin.p, bin.len, "vm.bin", 0), -EBADMSG);
	cr_assert_null(h);
	cr_expect(strstr(err.msg, "RamBlock/4/") && strstr(err.msg, ".bin") &&
			  strstr(err.msg, "holds 4"),
		  "%s", err.msg);
	/* with ZERO_MISSING the tail reads as zeros, with a warning naming the first block */
	cr_assert_eq(
		open_mem(vsv, vsv_len, "vm.vsv", bin.p, bin.len, "vm.bin", VMS_OPEN_ZERO_MISSING),
		0, "%s", err.msg);
	cr_expect(has_warning("RamBlock/4/ missing"));
	expect_gpa_is_raw(4 * MIB - 64, 4 * MIB - 64, 64);
	uint8_t b[64], zero[64] = {0};
	uint64_t done = 0;
	cr_assert_eq(vms_read_gpa(h, 5 * MIB + 7, b, sizeof(b), 0, &done, &err), 0, "%s", err.msg);
	cr_expect(memcmp(b, zero, sizeof(b)) == 0);
	free(vsv);
}

Test(legacy_pair, two_bins_or_two_vsvs_are_refused)
{
	build_bin(1);
	cr_assert_eq(open_mem(bin.p, bin.len, "a.bin", bin.p, bin.len, "b.bin", 0), -EINVAL);
	cr_expect(strstr(err.msg, "a.bin") && strstr(err.msg, "b.bin") &&
			  strstr(err.msg, "both .bin"),
		  "%s", err.msg);
	size_t vsv_len;
	const struct vsv_spec spec = {OLD_LITERAL, VER_CONFIG, 0x500, one_range_3mib,
				      1,	   0,	       ps,    ps_len};
	uint8_t *vsv = build_vsv(&spec, &vsv_len);
	cr_assert_eq(open_mem(vsv, vsv_len, "a.vsv", vsv, vsv_len, "b.vsv", 0), -EINVAL);
	cr_expect(strstr(err.msg, "a.vsv") && strstr(err.msg, "b.vsv") &&
			  strstr(err.msg, "HyperVStorage"),
		  "%s", err.msg);
	free(vsv);
}

/* §6.3: a .vsv that is not HyperVStorage is -ENOTSUP naming the signature, in either order;
 * the core's probe sends {.bin, junk} to hyperv-bin and {junk, .vsv} to hyperv-vmrs. */
Test(legacy_pair, vsv_not_a_container_names_its_signature)
{
	build_bin(1);
	static const uint8_t junk[64] = {0x4c, 0x56, 0x53, 0x56}; /* "LVSV" */
	for (int o = 0; o < 2; o++) {
		int rc = o ? open_mem(junk, sizeof(junk), "vm.vsv", bin.p, bin.len, "vm.bin", 0)
			   : open_mem(bin.p, bin.len, "vm.bin", junk, sizeof(junk), "vm.vsv", 0);
		cr_assert_eq(rc, -ENOTSUP, "order %d: %s", o, err.msg);
		cr_expect(strstr(err.msg, "vm.vsv") && strstr(err.msg, "0x5653564c"),
			  "order %d: %s", o, err.msg);
	}
	/* a .vsv that is a container but a .vmrs/.vsv with junk beside it */
	size_t vsv_len;
	const struct vsv_spec spec = {OLD_LITERAL, VER_CONFIG, 0x500, one_range_3mib,
				      1,	   0,	       ps,    ps_len};
	uint8_t *vsv = build_vsv(&spec, &vsv_len);
	cr_assert_eq(open_mem(vsv, vsv_len, "vm.vsv", junk, sizeof(junk), "x.dat", 0), -ENOTSUP);
	cr_expect(strstr(err.msg, "x.dat") && strstr(err.msg, "0x5653564c"), "%s", err.msg);
	free(vsv);
}

Test(legacy_pair, probe_bids_route_pair_and_lone_bin)
{
	uint8_t bin_head[64] = {0}, hvs_head[64] = {0};
	vms_put_le32(bin_head, HV_BIN_SIGNATURE);
	vms_put_le32(bin_head + HV_BIN_OFF_INDEX_CAP, 1024);
	vms_put_le64(bin_head + HV_BIN_OFF_INDEX, 0x179000);
	vms_put_le32(hvs_head, 0x01282014u);
	const int bin_on_bin = vms_backend_hyperv_bin.probe(bin_head, sizeof(bin_head));
	const int vmrs_on_hvs = vms_backend_hyperv_vmrs.probe(hvs_head, sizeof(hvs_head));
	cr_expect_gt(bin_on_bin, 0);
	cr_expect_gt(vmrs_on_hvs, bin_on_bin, "the pair must reach hyperv-vmrs");
	cr_expect_eq(vms_backend_hyperv_vmrs.probe(bin_head, sizeof(bin_head)), 0,
		     "a lone .bin must reach hyperv-bin");
	cr_expect_eq(vms_backend_hyperv_bin.probe(hvs_head, sizeof(hvs_head)), 0);
	cr_expect_eq(vms_backend_hyperv_vmrs.probe(hvs_head, 3), 0, "truncated head");
}

/* §3.3, §9 q10: the old RamMemoryBlock struct is unknown; only version 3 is read. */
Test(legacy_pair, old_rmb_struct_version_is_enotsup)
{
	build_bin(3);
	size_t vsv_len;
	const struct vsv_spec spec = {OLD_NESTED, VER_CONFIG, 0x500, one_range_3mib,
				      1,	  2,	      ps,    ps_len};
	uint8_t *vsv = build_vsv(&spec, &vsv_len);
	cr_assert_eq(open_mem(bin.p, bin.len, "vm.bin", vsv, vsv_len, "vm.vsv", 0), -ENOTSUP);
	cr_expect(strstr(err.msg, "RamMemoryBlock/0/") && strstr(err.msg, "version 2"), "%s",
		  err.msg);
	free(vsv);
}

/* A .vsv without metadata: identity mapping of the .bin, labelled as an assumption (§6.3). */
Test(legacy_pair, vsv_without_metadata_assumes_identity)
{
	build_bin(2);
	size_t vsv_len;
	const struct vsv_spec spec = {OLD_NESTED, VER_CONFIG, 0x500, NULL, 0, 0, ps, ps_len};
	uint8_t *vsv = build_vsv(&spec, &vsv_len);
	cr_assert_eq(open_mem(bin.p, bin.len, "vm.bin", vsv, vsv_len, "vm.vsv", 0), 0, "%s",
		     err.msg);
	cr_expect(strstr(prop("hyperv.gpa_map"), "identity (assumed"));
	cr_expect(has_warning("assuming identity"));
	expect_x86_vps(2);
	expect_gpa_is_raw(0, 0, 2 * MIB);
	free(vsv);
}

/* §3.1, §1: a single container with version 5.0 and old names. §1 says
 * 5.0 VMs were saved as .bin + .vsv; whether a 2016+ host writes such a .vmrs for a
 * non-upgraded VM is unknown [G]. The reader accepts it: memory and CPU from one file. */
Test(legacy_pair, old_scheme_single_container_vmrs)
{
	struct vmrs_range r[] = {{0, 512, 0, 0}, {0x100000000ull, 256, 512, 0}};
	struct vmrs_desc d;
	vmrs_desc_init(&d);
	d.vm_version = 0;
	d.config_version = 0x500;
	d.old_names = true;
	d.ranges = r;
	d.range_count = 2;
	d.partition_state = ps;
	d.partition_state_len = ps_len;
	uint8_t *img;
	size_t img_len;
	cr_assert_eq(vmrs_build_mem(&d, &img, &img_len, NULL), 0);
	cr_assert_eq(open_mem(img, img_len, "old.vmrs", NULL, 0, NULL, 0), 0, "%s", err.msg);
	cr_expect_str_eq(vms_format_name(h), "hyperv-vmrs");
	cr_expect_str_eq(prop("hyperv.key_scheme"), "old (<= 5.0)");
	cr_expect_eq(vms_raw_size(h), 3u * MIB);
	expect_x86_vps(2);
	uint8_t page[PAGE], want[PAGE];
	uint64_t done;
	cr_assert_eq(vms_read_gpa(h, 0x100000000ull + 5 * PAGE, page, PAGE, 0, &done, &err), 0,
		     "%s", err.msg);
	vmrs_page_default(NULL, 512 + 5, want);
	cr_expect(memcmp(page, want, PAGE) == 0);
	/* the same file with its version raised to 9.0 no longer finds its old names */
	vms_close(h);
	h = NULL;
	free(img);
	d.config_version = 0x900;
	cr_assert_eq(vmrs_build_mem(&d, &img, &img_len, NULL), 0);
	cr_expect_eq(open_mem(img, img_len, "old.vmrs", NULL, 0, NULL, 0), -ENODATA);
	cr_expect(strstr(err.msg, "savedstate/RamMemoryBlock0"), "%s", err.msg);
	free(img);
}

#define RUN(...) cli_run((const char *const[]){__VA_ARGS__, NULL})

Test(legacy_pair, cli_info_and_regs_take_bin_and_vsv)
{
	build_bin(3);
	size_t vsv_len;
	const struct vsv_spec spec = {OLD_NESTED, VER_CONFIG, 0x500, one_range_3mib,
				      1,	  0,	      ps,    ps_len};
	uint8_t *vsv = build_vsv(&spec, &vsv_len);
	const char *pb = temp_file(0, "vm.bin", bin.p, bin.len);
	const char *pv = temp_file(1, "vm.vsv", vsv, vsv_len);
	struct cli_result r = RUN("info", pb, pv);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "format:       hyperv-bin+vsv\n"), "%s", r.out);
	cr_expect(strstr(r.out, "vps:          2\n"), "%s", r.out);
	cr_expect(strstr(r.out, "  vp 0: arch x86"), "%s", r.out);
	cli_result_free(&r);
	r = RUN("regs", pv, pb, "--vp", "0");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "rcx 0x0000000000000004\n"), "%s", r.out);
	cli_result_free(&r);
	r = RUN("info", pb);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "format:       hyperv-bin\n"), "%s", r.out);
	cr_expect(strstr(r.out, "vps:          0\n"), "%s", r.out);
	cli_result_free(&r);
	r = RUN("info", pb, pb);
	cr_expect_eq(r.status, 2, "two .bin files: %s", r.err);
	cr_expect(strstr(r.err, "both .bin"), "%s", r.err);
	cli_result_free(&r);
	free(vsv);
}

/* ---- the real .bin (§10) ---- */

Test(legacy_pair_real, raf_bin_alone_through_open_files)
{
	VMS_REQUIRE_FIXTURE(path, RAF_BIN);
	const char *const paths[] = {path};
	cr_assert_eq(vms_open_files(paths, 1, NULL, &h, &err), 0, "%s", err.msg);
	cr_expect_str_eq(vms_format_name(h), "hyperv-bin");
	cr_expect_eq(vms_vp_count(h), 0);
	cr_expect_not_null(prop("registers"));
	uint8_t b[12];
	uint64_t done;
	cr_assert_eq(vms_read_gpa(h, 0xC0FFE, b, sizeof(b), 0, &done, &err), 0, "%s", err.msg);
	cr_expect_eq(vms_le32(b), 75826887u);
}

Test(legacy_pair_real, raf_bin_with_synthetic_vsv_gives_dll_answers)
{
	VMS_REQUIRE_FIXTURE(path, RAF_BIN);
	free(ps);
	ps = build_ps(4, &ps_len);
	static const struct vmrs_range r[] = {{0, 64512, 0, 0}}; /* §10: one chunk */
	size_t vsv_len;
	const struct vsv_spec spec = {OLD_NESTED, VER_CONFIG, 0x500, r, 1, 0, ps, ps_len};
	uint8_t *vsv = build_vsv(&spec, &vsv_len);
	const char *pv = temp_file(0, "raf-synthetic.vsv", vsv, vsv_len);
	for (int o = 0; o < 2; o++) {
		const char *const paths[2] = {o ? pv : path, o ? path : pv};
		cr_assert_eq(vms_open_files(paths, 2, NULL, &h, &err), 0, "%s", err.msg);
		cr_expect_str_eq(vms_format_name(h), "hyperv-bin+vsv");
		expect_x86_vps(4);
		cr_expect_eq(vms_raw_size(h), 264241152ull);
		struct vms_chunk c[2];
		cr_assert_eq(vms_chunk_list(h, c, 2), 1);
		cr_expect_eq(c[0].gpa, 0);
		cr_expect_eq(c[0].pages, 64512);
		cr_expect_null(prop("warning"), "%s", prop("warning"));
		uint8_t b[12];
		uint64_t done;
		cr_assert_eq(vms_read_gpa(h, 0xC0FFE, b, sizeof(b), 0, &done, &err), 0, "%s",
			     err.msg);
		cr_expect_eq(vms_le32(b), 75826887u);
		cr_expect_eq(vms_le32(b + 4), 1235222542u);
		cr_expect_eq(vms_le32(b + 8), 3439375364u);
		vms_close(h);
		h = NULL;
	}
	free(vsv);
}
