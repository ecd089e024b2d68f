/* Parse the JSON sidecar of a raw flat image (docs/layout-json.md). The sidecar is untrusted
 * input like any saved state: every field is type-checked, every number range-checked,
 * every count capped before anything is allocated (STYLE.md rules 12, 13). */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/checked.h"
#include "formats/raw/raw_sidecar.h"

#define SIDECAR_SCHEMA "vmsavedstate-layout"
#define SIDECAR_SCHEMA_VERSION 1
/* Largest integer a JSON number (an IEEE double) carries exactly (docs/layout-json.md §3). */
#define SIDECAR_MAX_EXACT (1ull << 53)
#define SIDECAR_PATH_MAX 96

/* Where a field sits, for messages: "vps[3].registers.rip". */
struct where {
	char path[SIDECAR_PATH_MAX];
};

__attribute__((format(printf, 2, 3))) static const char *at(struct where *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->path, sizeof(w->path), fmt, ap);
	va_end(ap);
	return w->path;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "0x" followed by 1..32 hex digits into (lo, hi); digits beyond `max_digits` fail. */
static int parse_hex(const char *s, unsigned max_digits, uint64_t *lo, uint64_t *hi)
{
	if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -EBADMSG;
	size_t n = strlen(s + 2);
	if (n == 0 || n > max_digits)
		return -EBADMSG;
	uint64_t l = 0, h = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit(s[2 + i]);
		if (d < 0)
			return -EBADMSG;
		h = h << 4 | l >> 60;
		l = l << 4 | (uint64_t)d;
	}
	*lo = l;
	if (hi)
		*hi = h;
	return 0;
}

/* A 64-bit value: a "0x…" string, or a JSON integer no larger than 2^53. */
static int get_u64(const cJSON *item, const char *what, uint64_t *out, struct vms_error *err)
{
	if (cJSON_IsString(item)) {
		if (parse_hex(item->valuestring, 16, out, NULL) == 0)
			return 0;
		return vms_fail(err, -EBADMSG,
				"sidecar: %s: \"%.40s\" is not a 0x-prefixed hex "
				"value of at most 16 digits",
				what, item->valuestring);
	}
	if (cJSON_IsNumber(item)) {
		double d = item->valuedouble;
		if (isfinite(d) && d >= 0 && d <= (double)SIDECAR_MAX_EXACT && d == floor(d)) {
			*out = (uint64_t)d;
			return 0;
		}
		return vms_fail(err, -EBADMSG, "sidecar: %s: %g is not an integer in [0, 2^53]",
				what, d);
	}
	return vms_fail(err, -EBADMSG, "sidecar: %s: expected a hex string or an integer", what);
}

static int get_u32_max(const cJSON *item, const char *what, uint32_t max, uint32_t *out,
		       struct vms_error *err)
{
	uint64_t v;
	int rc = get_u64(item, what, &v, err);
	if (rc)
		return rc;
	if (v > max)
		return vms_fail(err, -EBADMSG, "sidecar: %s: %" PRIu64 " exceeds %u", what, v, max);
	*out = (uint32_t)v;
	return 0;
}

static int check_schema(const cJSON *root, struct vms_error *err)
{
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
	if (schema && (!cJSON_IsString(schema) || strcmp(schema->valuestring, SIDECAR_SCHEMA)))
		return vms_fail(err, -ENOTSUP, "sidecar: schema is not \"%s\"", SIDECAR_SCHEMA);
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "schema_version");
	if (ver && (!cJSON_IsNumber(ver) || ver->valuedouble != SIDECAR_SCHEMA_VERSION))
		return vms_fail(err, -ENOTSUP, "sidecar: schema_version is not %d",
				SIDECAR_SCHEMA_VERSION);
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(root, "page_size");
	if (ps && (!cJSON_IsNumber(ps) || ps->valuedouble != VMS_PAGE_SIZE))
		return vms_fail(err, -ENOTSUP, "sidecar: page_size is not %u", VMS_PAGE_SIZE);
	return 0;
}

static int parse_chunk_flags(const cJSON *flags, const char *what, uint32_t *out,
			     struct vms_error *err)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} names[] = {{"hot_added", VMS_CHUNK_HOT_ADDED},
		     {"vtl2", VMS_CHUNK_VTL2},
		     {"sgx", VMS_CHUNK_SGX}};
	*out = 0;
	if (!flags)
		return 0;
	if (!cJSON_IsArray(flags))
		return vms_fail(err, -EBADMSG, "sidecar: %s.flags: expected an array", what);
	const cJSON *f;
	cJSON_ArrayForEach(f, flags)
	{
		size_t i = 0;
		while (i < sizeof(names) / sizeof(names[0]) &&
		       !(cJSON_IsString(f) && strcmp(f->valuestring, names[i].name) == 0))
			i++;
		if (i == sizeof(names) / sizeof(names[0]))
			return vms_fail(err, -EBADMSG, "sidecar: %s.flags: unknown flag", what);
		*out |= names[i].bit;
	}
	return 0;
}

static int parse_chunks(struct vms_model *m, const cJSON *chunks, uint64_t image_size,
			struct vms_error *err)
{
	if (!cJSON_IsArray(chunks))
		return vms_fail(err, -EBADMSG, "sidecar: chunks: expected an array");
	struct where w;
	size_t i = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, chunks)
	{
		uint64_t gpa, pages, len;
		uint32_t flags;
		int rc;
		if (!cJSON_IsObject(c))
			return vms_fail(err, -EBADMSG, "sidecar: chunks[%zu]: expected an object",
					i);
		rc = get_u64(cJSON_GetObjectItemCaseSensitive(c, "gpa"),
			     at(&w, "chunks[%zu].gpa", i), &gpa, err);
		if (!rc)
			rc = get_u64(cJSON_GetObjectItemCaseSensitive(c, "pages"),
				     at(&w, "chunks[%zu].pages", i), &pages, err);
		if (!rc)
			rc = parse_chunk_flags(cJSON_GetObjectItemCaseSensitive(c, "flags"),
					       at(&w, "chunks[%zu]", i), &flags, err);
		if (rc)
			return rc;
		/* raw_offset names the offset in the *original* saved state's raw memory; in a
		 * flat image the file offset is the GPA (other-formats.md §9), so it is not
		 * used here. */
		if (vms_mul_overflow(pages, VMS_PAGE_SIZE, &len) ||
		    vms_range_outside(gpa, len, image_size))
			return vms_fail(err, -EBADMSG,
					"sidecar: chunks[%zu]: GPA %#" PRIx64 " + %" PRIu64
					" pages lies outside the image (size %#" PRIx64 ")",
					i, gpa, pages, image_size);
		rc = vms_model_add_chunk(m, gpa, pages, gpa, flags, err);
		if (rc)
			return rc;
		i++;
	}
	return 0;
}

static int name_to_arch(const char *s, enum vms_arch *out)
{
	for (int a = VMS_ARCH_UNKNOWN; a <= VMS_ARCH_ARM64; a++)
		if (strcmp(s, vms_arch_name((enum vms_arch)a)) == 0) {
			*out = (enum vms_arch)a;
			return 0;
		}
	return -EBADMSG;
}

static int name_to_paging(const char *s, enum vms_paging *out)
{
	for (int p = VMS_PAGING_INVALID; p <= VMS_PAGING_LONG5; p++)
		if (strcmp(s, vms_paging_name((enum vms_paging)p)) == 0) {
			*out = (enum vms_paging)p;
			return 0;
		}
	return -EBADMSG;
}

static int parse_registers(struct vms_model *m, uint32_t vp, uint8_t vtl, const cJSON *regs,
			   struct vms_error *err)
{
	if (!cJSON_IsObject(regs))
		return vms_fail(err, -EBADMSG,
				"sidecar: vps[%u] vtl %u: registers: expected an "
				"object",
				vp, vtl);
	struct vms_reg_bank *bank;
	int rc = vms_model_bank(m, vp, vtl, &bank, err);
	if (rc)
		return rc;
	const cJSON *r;
	cJSON_ArrayForEach(r, regs)
	{
		enum vms_reg id;
		uint64_t lo, hi;
		if (!r->string || vms_reg_from_name(r->string, &id) != 0)
			return vms_fail(err, -EBADMSG,
					"sidecar: vps[%u].registers: unknown register "
					"\"%.32s\"",
					vp, r->string ? r->string : "");
		unsigned digits = vms_reg_width(id) / 4;
		if (!cJSON_IsString(r) || parse_hex(r->valuestring, digits, &lo, &hi) != 0)
			return vms_fail(err, -EBADMSG,
					"sidecar: vps[%u].registers.%s: expected a "
					"0x-prefixed hex string of at most %u digits",
					vp, r->string, digits);
		vms_bank_set(bank, id, lo, hi);
	}
	return 0;
}

/* "banks": [{"vtl": N, "registers": {...}}] for VTLs other than the active one. */
static int parse_banks(struct vms_model *m, uint32_t vp, const cJSON *banks, struct vms_error *err)
{
	if (!banks)
		return 0;
	if (!cJSON_IsArray(banks))
		return vms_fail(err, -EBADMSG, "sidecar: vps[%u].banks: expected an array", vp);
	struct where w;
	const cJSON *b;
	cJSON_ArrayForEach(b, banks)
	{
		uint32_t vtl = 0;
		if (!cJSON_IsObject(b))
			return vms_fail(err, -EBADMSG, "sidecar: vps[%u].banks: expected objects",
					vp);
		int rc =
			get_u32_max(cJSON_GetObjectItemCaseSensitive(b, "vtl"),
				    at(&w, "vps[%u].banks[].vtl", vp), VMS_MAX_VTLS - 1, &vtl, err);
		if (!rc)
			rc = parse_registers(m, vp, (uint8_t)vtl,
					     cJSON_GetObjectItemCaseSensitive(b, "registers"), err);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_vp(struct vms_model *m, uint32_t i, const cJSON *v, struct vms_error *err)
{
	struct vms_vp_state *vp = &m->vps[i];
	struct where w;
	uint32_t u = 0;
	int rc;
	if (!cJSON_IsObject(v))
		return vms_fail(err, -EBADMSG, "sidecar: vps[%u]: expected an object", i);
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(v, "index");
	if (idx) {
		rc = get_u32_max(idx, at(&w, "vps[%u].index", i), UINT32_MAX, &u, err);
		if (rc)
			return rc;
		if (u != i)
			return vms_fail(err, -EBADMSG,
					"sidecar: vps[%u].index is %u: VPs must be "
					"listed in order",
					i, u);
	}
	vp->hv_index = i;
	const cJSON *hv = cJSON_GetObjectItemCaseSensitive(v, "hv_index");
	if (hv &&
	    (rc = get_u32_max(hv, at(&w, "vps[%u].hv_index", i), UINT32_MAX, &vp->hv_index, err)))
		return rc;
	const cJSON *arch = cJSON_GetObjectItemCaseSensitive(v, "arch");
	if (arch && (!cJSON_IsString(arch) || name_to_arch(arch->valuestring, &vp->arch)))
		return vms_fail(err, -EBADMSG, "sidecar: vps[%u].arch: not x86, x64 or arm64", i);
	const cJSON *pg = cJSON_GetObjectItemCaseSensitive(v, "paging_mode");
	if (pg && (!cJSON_IsString(pg) || name_to_paging(pg->valuestring, &vp->paging)))
		return vms_fail(err, -EBADMSG, "sidecar: vps[%u].paging_mode: unknown mode", i);
	uint32_t vtl = 0;
	const cJSON *jv = cJSON_GetObjectItemCaseSensitive(v, "vtl");
	if (jv && (rc = get_u32_max(jv, at(&w, "vps[%u].vtl", i), VMS_MAX_VTLS - 1, &vtl, err)))
		return rc;
	vp->active_vtl = (uint8_t)vtl;
	const cJSON *regs = cJSON_GetObjectItemCaseSensitive(v, "registers");
	if (regs && (rc = parse_registers(m, i, (uint8_t)vtl, regs, err)))
		return rc;
	return parse_banks(m, i, cJSON_GetObjectItemCaseSensitive(v, "banks"), err);
}

static int parse_vps(struct vms_model *m, const cJSON *vps, struct vms_error *err)
{
	if (!cJSON_IsArray(vps))
		return vms_fail(err, -EBADMSG, "sidecar: vps: expected an array");
	/* Count first, capped, before allocating (STYLE.md rule 13). */
	uint32_t limit = m->opts ? m->opts->max_vps : 4096u;
	uint32_t n = 0;
	const cJSON *v;
	cJSON_ArrayForEach(v, vps)
	{
		if (n >= limit)
			return vms_fail(err, -EFBIG, "sidecar: vps: more than %u VPs (max_vps)",
					limit);
		n++;
	}
	if (n == 0)
		return 0;
	int rc = vms_model_alloc_vps(m, n, err);
	if (rc)
		return rc;
	uint32_t i = 0;
	cJSON_ArrayForEach(v, vps)
	{
		rc = parse_vp(m, i++, v, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_guest(struct vms_model *m, const cJSON *guest, struct vms_error *err)
{
	if (!guest)
		return 0;
	if (!cJSON_IsObject(guest))
		return vms_fail(err, -EBADMSG, "sidecar: guest: expected an object");
	const cJSON *os = cJSON_GetObjectItemCaseSensitive(guest, "os_id");
	if (os && !cJSON_IsNull(os)) {
		int rc = get_u64(os, "guest.os_id", &m->guest_os_id[0], err);
		if (rc)
			return rc;
		m->guest_os_id_mask |= 1u;
	}
	const cJSON *vtls = cJSON_GetObjectItemCaseSensitive(guest, "enabled_vtls");
	if (vtls) {
		if (!cJSON_IsArray(vtls))
			return vms_fail(err, -EBADMSG,
					"sidecar: guest.enabled_vtls: expected an "
					"array");
		const cJSON *t;
		cJSON_ArrayForEach(t, vtls)
		{
			uint32_t vtl = 0;
			int rc =
				get_u32_max(t, "guest.enabled_vtls[]", VMS_MAX_VTLS - 1, &vtl, err);
			if (rc)
				return rc;
			m->guest_vtl_mask |= 1u << vtl;
		}
	}
	return 0;
}

int vms_raw_default_chunks(struct vms_model *m, uint64_t image_size, struct vms_error *err)
{
	uint64_t pages = image_size / VMS_PAGE_SIZE;
	if (image_size % VMS_PAGE_SIZE)
		vms_model_warn(m,
			       "raw: image size %#" PRIx64 " is not a multiple of the page size; "
			       "the last %" PRIu64 " bytes are not guest memory",
			       image_size, image_size % VMS_PAGE_SIZE);
	if (pages == 0)
		return 0;
	return vms_model_add_chunk(m, 0, pages, 0, 0, err);
}

int vms_raw_sidecar_sniff(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')
			continue;
		return buf[i] == '{';
	}
	return 0;
}

int vms_raw_sidecar_parse(struct vms_model *m, const uint8_t *buf, size_t len, uint64_t image_size,
			  struct vms_error *err)
{
	if (len > VMS_RAW_SIDECAR_MAX)
		return vms_fail(err, -EFBIG, "sidecar: %zu bytes exceed the %u-byte cap", len,
				VMS_RAW_SIDECAR_MAX);
	const char *stop = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts((const char *)buf, len, &stop, 0);
	if (!root) {
		size_t off = stop && stop >= (const char *)buf && stop <= (const char *)buf + len
				     ? (size_t)(stop - (const char *)buf)
				     : 0;
		return vms_fail(err, -EBADMSG, "sidecar: not valid JSON (stopped near byte %zu)",
				off);
	}
	int rc = 0;
	if (!cJSON_IsObject(root)) {
		rc = vms_fail(err, -EBADMSG, "sidecar: the document is not a JSON object");
		goto out;
	}
	rc = check_schema(root, err);
	if (rc)
		goto out;
	const cJSON *chunks = cJSON_GetObjectItemCaseSensitive(root, "chunks");
	rc = chunks ? parse_chunks(m, chunks, image_size, err)
		    : vms_raw_default_chunks(m, image_size, err);
	if (rc)
		goto out;
	const cJSON *vps = cJSON_GetObjectItemCaseSensitive(root, "vps");
	if (vps && (rc = parse_vps(m, vps, err)))
		goto out;
	rc = parse_guest(m, cJSON_GetObjectItemCaseSensitive(root, "guest"), err);
	if (rc)
		goto out;
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
	if (cJSON_IsString(fmt))
		rc = vms_model_add_prop(m, "sidecar.format", fmt->valuestring);
	if (rc)
		rc = vms_fail(err, rc, "sidecar: cannot record properties");
out:
	cJSON_Delete(root);
	return rc;
}
