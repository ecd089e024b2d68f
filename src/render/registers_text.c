/* Register listings for vp/N/registers (text, fuse-and-cli.md §4.1), registers.json, the
 * CLI's `regs` command and the "registers" objects of layout.json. Values are always hex:
 * "0x" + 16 digits, or 32 digits for 128-bit registers (fuse-and-cli.md §6.4, §7.3). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

/* "0x" + 32 hex digits + NUL */
#define HEX128_LEN 35

const char *vms_render_hex64(char *buf, uint64_t v)
{
	snprintf(buf, 19, "0x%016" PRIx64, v);
	return buf;
}

static const char *hex_value(char buf[HEX128_LEN], enum vms_reg reg, const struct vms_reg_value *v)
{
	if (vms_reg_width(reg) > 64)
		snprintf(buf, HEX128_LEN, "0x%016" PRIx64 "%016" PRIx64, v->hi, v->lo);
	else
		snprintf(buf, HEX128_LEN, "0x%016" PRIx64, v->lo);
	return buf;
}

/* Resolve `vtl` (-1: active) and check the VP has that bank. */
static int pick_vtl(vms_handle *h, uint32_t vp, int vtl, uint8_t *out)
{
	uint8_t active;
	uint32_t mask = 0;
	int rc = vms_vp_active_vtl(h, vp, &active);
	if (rc)
		return rc;
	if (vtl < 0) {
		*out = active;
		return 0;
	}
	if (vtl > 15)
		return -ERANGE;
	rc = vms_vp_enabled_vtls(h, vp, &mask);
	if (rc)
		return rc;
	if (!(mask & (1u << vtl)))
		return -ENODATA;
	*out = (uint8_t)vtl;
	return 0;
}

/* Calls `emit` for every register the bank holds, in enum order. */
typedef int (*reg_emit_fn)(void *ctx, enum vms_reg reg, const struct vms_reg_value *v);

static int for_each_register(vms_handle *h, uint32_t vp, uint8_t vtl, reg_emit_fn emit, void *ctx)
{
	enum vms_arch arch = VMS_ARCH_UNKNOWN;
	int rc = vms_vp_arch(h, vp, &arch);
	if (rc)
		return rc;
	int count = 0;
	for (int r = 0; r < VMS_REG_COUNT; r++) {
		struct vms_reg_value v;
		enum vms_reg reg = (enum vms_reg)r;
		if (arch != VMS_ARCH_UNKNOWN && !vms_reg_in_arch(reg, arch))
			continue;
		rc = vms_vp_get_register_vtl(h, vp, vtl, reg, &v, NULL);
		if (rc == -ENODATA || rc == -ERANGE)
			continue; /* not saved for this VP / not a register of this build */
		if (rc)
			return rc;
		rc = emit(ctx, reg, &v);
		if (rc)
			return rc;
		count++;
	}
	return count;
}

/* ---- text ---- */

struct text_buf {
	char *p;
	size_t len, cap;
};

static int text_emit(void *ctx, enum vms_reg reg, const struct vms_reg_value *v)
{
	struct text_buf *t = ctx;
	char hex[HEX128_LEN];
	const char *name = vms_reg_name(reg);
	size_t need = strlen(name) + 1 + HEX128_LEN + 1;
	if (t->cap - t->len < need) {
		size_t ncap = (t->cap ? t->cap * 2 : 4096) + need;
		char *np = realloc(t->p, ncap);
		if (!np)
			return -ENOMEM;
		t->p = np;
		t->cap = ncap;
	}
	int n = snprintf(t->p + t->len, t->cap - t->len, "%s %s\n", name, hex_value(hex, reg, v));
	t->len += (size_t)n;
	return 0;
}

char *vms_render_registers_text(vms_handle *h, uint32_t vp, int vtl, int *rc_out)
{
	struct text_buf t = {calloc(1, 1), 0, 1};
	uint8_t bank;
	int rc = t.p ? pick_vtl(h, vp, vtl, &bank) : -ENOMEM;
	if (rc == 0)
		rc = for_each_register(h, vp, bank, text_emit, &t);
	if (rc_out)
		*rc_out = rc < 0 ? rc : 0;
	if (rc < 0) {
		free(t.p);
		return NULL;
	}
	return t.p;
}

/* ---- JSON ---- */

static int json_emit(void *ctx, enum vms_reg reg, const struct vms_reg_value *v)
{
	char hex[HEX128_LEN];
	return cJSON_AddStringToObject(ctx, vms_reg_name(reg), hex_value(hex, reg, v)) ? 0
										       : -ENOMEM;
}

int vms_render_add_registers(struct cJSON *parent, vms_handle *h, uint32_t vp, int vtl)
{
	uint8_t bank;
	int rc = pick_vtl(h, vp, vtl, &bank);
	if (rc)
		return rc;
	cJSON *regs = cJSON_AddObjectToObject(parent, "registers");
	if (!regs)
		return -ENOMEM;
	return for_each_register(h, vp, bank, json_emit, regs);
}

char *vms_render_registers_json(vms_handle *h, uint32_t vp, int vtl, int *rc_out)
{
	cJSON *root = cJSON_CreateObject();
	char *out = NULL;
	enum vms_arch arch = VMS_ARCH_UNKNOWN;
	uint8_t bank = 0;
	int rc = root ? pick_vtl(h, vp, vtl, &bank) : -ENOMEM;
	if (rc == 0)
		rc = vms_vp_arch(h, vp, &arch);
	if (rc == 0 && (!cJSON_AddNumberToObject(root, "index", vp) ||
			!cJSON_AddNumberToObject(root, "vtl", bank) ||
			!cJSON_AddStringToObject(root, "arch", vms_arch_name(arch))))
		rc = -ENOMEM;
	if (rc == 0)
		rc = vms_render_add_registers(root, h, vp, bank);
	if (rc >= 0) {
		char *s = cJSON_Print(root);
		size_t n = s ? strlen(s) : 0;
		out = s ? malloc(n + 2) : NULL;
		if (out) {
			memcpy(out, s, n);
			memcpy(out + n, "\n", 2);
		}
		cJSON_free(s);
		rc = out ? 0 : -ENOMEM;
	}
	cJSON_Delete(root);
	if (rc_out)
		*rc_out = rc < 0 ? rc : 0;
	return rc < 0 ? NULL : out;
}
