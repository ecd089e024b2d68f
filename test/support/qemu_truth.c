/* Compare an opened QEMU saved state with what QEMU itself said about the same stopped VM:
 * registers (`info registers -a`), translations (`gva2gpa`) and memory (`pmemsave`,
 * `memsave`), all recorded in truth.json by test/qemu/qemu_fixtures.py. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "support/qemu_truth.h"
#include "support/test_support.h"

const char *qemu_truth_dir(const char *guest)
{
	static char path[4096];
	char status[512] = "";
	snprintf(path, sizeof(path), "%s/STATUS", VMS_QEMU_FIXTURES);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(status, sizeof(status), f))
			status[0] = 0;
		fclose(f);
	}
	if (strncmp(status, "ok", 2) != 0) {
		const char *skip = getenv("VMS_SKIP_QEMU");
		if (skip && strcmp(skip, "1") == 0) {
			cr_skip_test("QEMU fixtures unavailable (VMS_SKIP_QEMU=1): %s", status);
			return NULL;
		}
		cr_assert_fail("QEMU fixtures in %s unavailable: %s (install QEMU with "
			       "scripts/qemu-deps.sh and run the qemu_fixtures test, or set "
			       "VMS_SKIP_QEMU=1)",
			       VMS_QEMU_FIXTURES, status[0] ? status : "STATUS missing");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", VMS_QEMU_FIXTURES, guest);
	return path;
}

static uint64_t hex(const cJSON *j)
{
	return strtoull(cJSON_GetStringValue(j), NULL, 0);
}

/* Registers an ELF/kdump dump does not carry (no field in NT_PRSTATUS or QEMUCPUState). */
static bool reg_in_dump(const char *name)
{
	return strncmp(name, "dr", 2) != 0 && strcmp(name, "efer") != 0;
}

static unsigned check_regs(vms_handle *h, const cJSON *cpus, const struct qemu_check *c)
{
	unsigned n = 0;
	cr_assert_eq(vms_vp_count(h), (uint32_t)cJSON_GetArraySize(cpus), "%s: VP count", c->file);
	for (int vp = 0; vp < cJSON_GetArraySize(cpus); vp++) {
		const cJSON *cpu = cJSON_GetArrayItem(cpus, vp), *r;
		cJSON_ArrayForEach(r, cpu)
		{
			enum vms_reg reg;
			if (!c->all_regs && !reg_in_dump(r->string))
				continue;
			cr_assert_eq(vms_reg_from_name(r->string, &reg), 0, "unknown register %s",
				     r->string);
			struct vms_reg_value v;
			struct vms_error err = {0};
			int rc = vms_vp_get_register(h, (uint32_t)vp, reg, &v, &err);
			cr_assert_eq(rc, 0, "%s vp%d %s: %s", c->file, vp, r->string, err.msg);
			uint64_t want = hex(r);
			cr_expect_eq(v.lo, want, "%s vp%d %s: ours %#" PRIx64 ", QEMU %#" PRIx64,
				     c->file, vp, r->string, v.lo, want);
			n++;
		}
	}
	return n;
}

static unsigned check_xlate(vms_handle *h, const cJSON *list, const struct qemu_check *c)
{
	unsigned n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
	{
		uint32_t vp = (uint32_t)cJSON_GetArrayItem(e, 0)->valuedouble;
		uint64_t gva = hex(cJSON_GetArrayItem(e, 1)), gpa = 0;
		const cJSON *want = cJSON_GetArrayItem(e, 2);
		struct vms_error err = {0};
		uint64_t raw;
		/* a paging dump holds only RAM the page tables map; QEMU skips MMIO-backed
		 * large pages too (qemu-formats §6), so those translations have no answer */
		if (!c->phys_complete && !cJSON_IsNull(want) &&
		    vms_gpa_to_raw(h, hex(want), &raw, NULL) != 0)
			continue;
		int rc = vms_gva_to_gpa(h, vp, gva, &gpa, NULL, &err);
		if (cJSON_IsNull(want)) {
			cr_expect_neq(rc, 0,
				      "%s vp%u gva %#" PRIx64
				      ": QEMU says unmapped, we say %#" PRIx64,
				      c->file, vp, gva, gpa);
		} else {
			cr_expect_eq(rc, 0, "%s vp%u gva %#" PRIx64 ": %s", c->file, vp, gva,
				     err.msg);
			cr_expect_eq(gpa, hex(want),
				     "%s vp%u gva %#" PRIx64 ": ours %#" PRIx64 ", QEMU %#" PRIx64,
				     c->file, vp, gva, gpa, hex(want));
		}
		n++;
	}
	return n;
}

static uint8_t *load(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	uint8_t *b = vms_test_read_file(path, len);
	cr_assert_not_null(b, "cannot read %s", path);
	return b;
}

static unsigned check_reads(vms_handle *h, const char *dir, const cJSON *t,
			    const struct qemu_check *c)
{
	unsigned n = 0;
	const cJSON *e;
	if (c->phys_complete) {
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(t, "pmem"))
		{
			uint64_t gpa = hex(cJSON_GetArrayItem(e, 0)), done = 0;
			size_t len;
			uint8_t *want = load(dir, cJSON_GetArrayItem(e, 2)->valuestring, &len);
			uint8_t *got = calloc(1, len);
			struct vms_error err = {0};
			int rc = vms_read_gpa(h, gpa, got, len, 0, &done, &err);
			cr_expect_eq(rc, 0, "%s read_gpa %#" PRIx64 ": %s", c->file, gpa, err.msg);
			cr_expect_eq(done, len, "%s read_gpa %#" PRIx64 ": short", c->file, gpa);
			cr_expect(memcmp(got, want, len) == 0,
				  "%s read_gpa %#" PRIx64 "+%zu differs", c->file, gpa, len);
			free(got);
			free(want);
			n++;
		}
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(t, "vmem"))
	{
		uint32_t vp = (uint32_t)cJSON_GetArrayItem(e, 0)->valuedouble;
		uint64_t gva = hex(cJSON_GetArrayItem(e, 1)), done = 0;
		size_t len;
		uint8_t *want = load(dir, cJSON_GetArrayItem(e, 3)->valuestring, &len);
		uint8_t *got = calloc(1, len);
		struct vms_error err = {0};
		int rc = vms_read_gva(h, vp, gva, got, len, 0, &done, &err);
		cr_expect_eq(rc, 0, "%s read_gva vp%u %#" PRIx64 ": %s", c->file, vp, gva, err.msg);
		cr_expect(memcmp(got, want, len) == 0, "%s read_gva vp%u %#" PRIx64 "+%zu differs",
			  c->file, vp, gva, len);
		free(got);
		free(want);
		n++;
	}
	return n;
}

unsigned qemu_truth_check(const char *dir, const struct qemu_check *c)
{
	size_t tlen;
	char *txt = (char *)load(dir, "truth.json", &tlen);
	cJSON *t = cJSON_ParseWithLength(txt, tlen);
	cr_assert_not_null(t, "%s/truth.json: bad JSON", dir);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, c->file);
	vms_handle *h = NULL;
	struct vms_error err = {0};
	int rc = vms_open(path, NULL, &h, &err);
	cr_assert_eq(rc, 0, "vms_open %s: %s", path, err.msg);
	unsigned n = check_regs(h, cJSON_GetObjectItem(t, "cpus"), c);
	n += check_xlate(h, cJSON_GetObjectItem(t, "gva2gpa"), c);
	n += check_reads(h, dir, t, c);
	vms_close(h);
	cJSON_Delete(t);
	free(txt);
	return n;
}
