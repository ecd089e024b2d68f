/* Sources and comparisons for the export round trips (see export_source.h). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <export/export.h>
#include <render/render.h>

#include "export/export_source.h"
#include "formats/hyperv/partition_state.h"
#include "support/partition_state_builder.h"
#include "support/test_support.h"
#include "support/vmrs_builder.h"

#define PAGE 4096u

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t chunk1_gpa(uint64_t hole)
{
	return (uint64_t)ES_CHUNK0_PAGES * PAGE + hole;
}

uint8_t es_byte(uint64_t gpa)
{
	return (uint8_t)(mix(gpa >> 3) | 1u); /* never zero */
}

uint64_t es_reg(unsigned vp, enum vms_reg r)
{
	uint64_t v = mix(vp * 1000u + (unsigned)r);
	if (r == VMS_REG_CR0)
		return 0x80050033; /* PG|PE: paging on */
	if (r == VMS_REG_CR4)
		return 0x6f8; /* PAE, no LA57 */
	if (r == VMS_REG_EFER)
		return 0xd01; /* LME|LMA|NXE|SCE */
	if (r == VMS_REG_CR3)
		return 0x1000;
	if (r == VMS_REG_CPL)
		return 0;
	if (r == VMS_REG_CS_ATTR)
		return 0x209b; /* 64-bit code, DPL 0 */
	if (r == VMS_REG_SS_ATTR)
		return 0x0093;
	if (r >= VMS_REG_ES && r <= VMS_REG_TR_ATTR) {
		unsigned k = (unsigned)(r - VMS_REG_ES) % 4; /* selector, base, limit, attr */
		return k == 0 ? v & 0xffff : k == 2 ? v & 0xffffffff : k == 3 ? v & 0xf0ff : v;
	}
	if (r == VMS_REG_GDTR_LIMIT || r == VMS_REG_IDTR_LIMIT)
		return v & 0xffff;
	return v;
}

/* a + sep + b, malloc'd */
static char *dup_path(const char *a, const char *sep, const char *b)
{
	size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
	char *p = malloc(n);
	if (!p)
		abort();
	snprintf(p, n, "%s%s%s", a, sep, b);
	return p;
}

char *es_temp_path(const char *name)
{
	char tmpl[] = "/tmp/vms-export-XXXXXX";
	if (!mkdtemp(tmpl))
		abort();
	return dup_path(tmpl, "/", name);
}

static void write_region(int fd, uint64_t gpa, uint64_t pages)
{
	uint8_t page[PAGE];
	for (uint64_t p = 0; p < pages; p++) {
		uint64_t g = gpa + p * PAGE;
		for (unsigned i = 0; i < PAGE; i++)
			page[i] = es_byte(g + i);
		if (gpa != 0 && p == ES_ZERO_PAGE)
			memset(page, 0, PAGE);
		if (pwrite(fd, page, PAGE, (off_t)g) != PAGE)
			abort();
	}
}

static void sidecar(FILE *f, uint64_t hole)
{
	fprintf(f, "{\"schema\": \"vmsavedstate-layout\", \"schema_version\": 1,\n"
		   " \"format\": \"export-test\", \"page_size\": 4096,\n");
	fprintf(f, " \"chunks\": [{\"gpa\": \"0x0\", \"pages\": %u},\n", ES_CHUNK0_PAGES);
	fprintf(f, "  {\"gpa\": \"0x%llx\", \"pages\": %u}],\n",
		(unsigned long long)chunk1_gpa(hole), ES_CHUNK1_PAGES);
	fprintf(f, " \"vps\": [");
	for (unsigned vp = 0; vp < ES_VPS; vp++) {
		fprintf(f, "%s{\"index\": %u, \"arch\": \"x64\", \"vtl\": 0, \"registers\": {",
			vp ? ",\n  " : "", vp);
		const char *sep = "";
		for (int r = 0; vms_reg_name((enum vms_reg)r); r++) {
			if (!vms_reg_in_arch((enum vms_reg)r, VMS_ARCH_X64) ||
			    vms_reg_width((enum vms_reg)r) != 64)
				continue;
			fprintf(f, "%s\"%s\": \"0x%016llx\"", sep, vms_reg_name((enum vms_reg)r),
				(unsigned long long)es_reg(vp, (enum vms_reg)r));
			sep = ", ";
		}
		fprintf(f, "}}");
	}
	fprintf(f, "]}\n");
}

/* 4-level tables at 0x1000-0x4fff (x86-64: bit 0 present, bit 1 writable, bits 12-51 the
 * frame): ES_GVA -> ES_GVA_GPA0, ES_GVA + 4096 -> the first page of chunk 1. */
static void write_tables(int fd, uint64_t hole)
{
	const uint64_t e[][2] = {
		{0x1000, 0x2003},		/* PML4[0] -> PDPT */
		{0x2000, 0x3003},		/* PDPT[0] -> PD */
		{0x3000 + 8 * 2, 0x4003},	/* PD[2]: GVA 0x400000 */
		{0x4000, ES_GVA_GPA0 | 3},	/* PT[0] */
		{0x4008, chunk1_gpa(hole) | 3}, /* PT[1] */
	};
	uint8_t zero[4 * PAGE] = {0}, le[8];
	if (pwrite(fd, zero, sizeof(zero), 0x1000) != (ssize_t)sizeof(zero))
		abort();
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		for (int k = 0; k < 8; k++)
			le[k] = (uint8_t)(e[i][1] >> (8 * k));
		if (pwrite(fd, le, 8, (off_t)e[i][0]) != 8)
			abort();
	}
}

char *es_write_raw(const char *name, uint64_t hole)
{
	char *path = es_temp_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		abort();
	write_region(fd, 0, ES_CHUNK0_PAGES);
	write_region(fd, chunk1_gpa(hole), ES_CHUNK1_PAGES);
	write_tables(fd, hole);
	close(fd);
	char *side = dup_path(path, "", ".layout.json");
	FILE *f = fopen(side, "w");
	if (!f)
		abort();
	sidecar(f, hole);
	if (fclose(f) != 0)
		abort();
	free(side);
	return path;
}

char *es_write_vmrs(const char *name)
{
	static struct vms_reg_bank banks[ES_VPS];
	struct psb_vp_desc vps[ES_VPS];
	for (unsigned v = 0; v < ES_VPS; v++) {
		psb_bank_pattern(&banks[v], VMS_ARCH_X64, 7 + v);
		vps[v] = (struct psb_vp_desc){
			.hv_index = v, .vtl_count = 1, .banks = {&banks[v]}, .runnable_vtl = -1};
	}
	size_t ps_len;
	uint8_t *ps = psb_build(HV_VENDOR_INTEL, 0x1234, vps, ES_VPS, &ps_len);
	static const struct vmrs_range ranges[] = {
		{.gpa = 0, .pages = 160, .mbp_start = 0},
		{.gpa = 0x100000, .pages = 96, .mbp_start = 160},
	};
	struct vmrs_desc d;
	vmrs_desc_init(&d);
	d.ranges = ranges;
	d.range_count = 2;
	d.partition_state = ps;
	d.partition_state_len = ps_len;
	char *path = es_temp_path(name);
	if (vmrs_build_file(&d, path, NULL) != 0)
		abort();
	free(ps);
	return path;
}

vms_handle *es_open(const char *path)
{
	vms_handle *h = NULL;
	struct vms_error err = {0};
	int rc = vms_open(path, NULL, &h, &err);
	cr_assert_eq(rc, 0, "open %s: %d %s", path, rc, err.msg);
	return h;
}

uint64_t es_expect_same_memory(vms_handle *a, vms_handle *b)
{
	size_t n = vms_chunk_list(a, NULL, 0);
	struct vms_chunk *c = calloc(n ? n : 1, sizeof(*c));
	uint8_t *x = malloc(1 << 20), *y = malloc(1 << 20);
	cr_assert(c && x && y);
	vms_chunk_list(a, c, n);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t len = c[i].pages * PAGE;
		for (uint64_t in = 0; in < len; in += 1 << 20) {
			uint64_t k = len - in < (1u << 20) ? len - in : (1u << 20), da = 0, db = 0;
			struct vms_error ea = {0}, eb = {0};
			cr_assert_eq(vms_read_gpa(a, c[i].gpa + in, x, k, 0, &da, &ea), 0, "%s",
				     ea.msg);
			cr_assert_eq(vms_read_gpa(b, c[i].gpa + in, y, k, 0, &db, &eb), 0,
				     "gpa %#llx: %s", (unsigned long long)(c[i].gpa + in), eb.msg);
			cr_assert_eq(da, k);
			cr_assert_eq(db, k);
			cr_assert(memcmp(x, y, k) == 0, "chunk %zu differs near gpa %#llx", i,
				  (unsigned long long)(c[i].gpa + in));
			total += k;
		}
	}
	free(c);
	free(x);
	free(y);
	return total;
}

/* What an ELF core carries, and the width of each field in the notes. */
static bool elf_carries(enum vms_reg r, uint64_t *mask)
{
	*mask = UINT64_MAX;
	if (r <= VMS_REG_RFLAGS || r == VMS_REG_CR0 || r == VMS_REG_CR2 || r == VMS_REG_CR3 ||
	    r == VMS_REG_CR4 || r == VMS_REG_KERNEL_GS_BASE || r == VMS_REG_GDTR_BASE ||
	    r == VMS_REG_IDTR_BASE)
		return true;
	if (r == VMS_REG_GDTR_LIMIT || r == VMS_REG_IDTR_LIMIT) {
		*mask = 0xffffffff;
		return true;
	}
	if (r >= VMS_REG_ES && r <= VMS_REG_TR_ATTR) {
		unsigned k = (unsigned)(r - VMS_REG_ES) % 4;
		*mask = k == 1 ? UINT64_MAX : k == 3 ? 0xf0ff : 0xffffffff;
		return true;
	}
	return false;
}

unsigned es_expect_same_registers(vms_handle *a, vms_handle *b, bool elf)
{
	unsigned count = 0;
	cr_assert_eq(vms_vp_count(a), vms_vp_count(b));
	for (uint32_t vp = 0; vp < vms_vp_count(a); vp++) {
		for (int r = 0; vms_reg_name((enum vms_reg)r); r++) {
			struct vms_reg_value va, vb;
			uint64_t mask = UINT64_MAX;
			if (vms_reg_width((enum vms_reg)r) != 64 ||
			    vms_vp_get_register(a, vp, (enum vms_reg)r, &va, NULL) != 0)
				continue;
			if (elf && !elf_carries((enum vms_reg)r, &mask))
				continue;
			int rc = vms_vp_get_register(b, vp, (enum vms_reg)r, &vb, NULL);
			cr_assert_eq(rc, 0, "vp %u: %s missing after the round trip", vp,
				     vms_reg_name((enum vms_reg)r));
			cr_assert_eq(va.lo & mask, vb.lo & mask, "vp %u: %s %#llx != %#llx", vp,
				     vms_reg_name((enum vms_reg)r), (unsigned long long)va.lo,
				     (unsigned long long)vb.lo);
			count++;
		}
	}
	return count;
}

int es_export(vms_handle *h, int f, const char *out, bool with_sidecar, uint32_t max_loads,
	      uint32_t write_flags)
{
	struct vms_export_opts o = {.max_loads = max_loads};
	struct vms_export_plan *p = NULL;
	struct vms_error err = {0};
	int rc = vms_export_plan(h, (enum vms_export_format)f, &o, &p, &err);
	if (rc)
		return rc;
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0);
	struct vms_export_write_opts wo = {.flags = write_flags, .block_bytes = 64 << 10};
	rc = vms_export_write_fd(h, p, fd, &wo, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	close(fd);
	if (with_sidecar) {
		char *doc = vms_export_layout_json(h, p, NULL);
		char *side = dup_path(out, "", ".layout.json");
		cr_assert(doc);
		FILE *s = fopen(side, "w");
		cr_assert(s && fputs(doc, s) >= 0 && fclose(s) == 0);
		free(side);
		free(doc);
	}
	vms_export_plan_free(p);
	return 0;
}
