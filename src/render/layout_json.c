/* The layout.json document (docs/layout-json.md; fuse-and-cli.md §6): one function builds
 * the cJSON tree from the public API, one prints it (STYLE.md rule 15). Key order is fixed
 * and nothing depends on time, so identical inputs give identical bytes. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"
#include "render/sha256.h"

#define LAYOUT_SCHEMA "vmsavedstate-layout"
#define LAYOUT_SCHEMA_VERSION 1
#define LAYOUT_VOLATILITY_MANIFEST 1
/* HV_GUEST_OS_ID fields (hyperv-format.md §7.3 GUEST_OS_INFO) [C] */
#define OSID_OPEN_SOURCE (1ull << 63)
#define OSID_OPEN_OS_SHIFT 56
#define OSID_OPEN_OS_MASK 0x7fu
#define OSID_MS_VENDOR_SHIFT 48
#define OSID_VENDOR_MICROSOFT 1u
#define OSID_OPEN_LINUX 1u
#define OSID_OPEN_FREEBSD 2u

/* cJSON's Add* helpers return NULL on allocation failure; one flag collects them. */
struct build {
	vms_handle *h;
	const struct vms_render_opts *o;
	bool oom;
};

static cJSON *chk(struct build *b, cJSON *item)
{
	if (!item)
		b->oom = true;
	return item;
}

static void add_hex(struct build *b, cJSON *obj, const char *key, uint64_t v)
{
	char hex[19];
	chk(b, cJSON_AddStringToObject(obj, key, vms_render_hex64(hex, v)));
}

static void add_num(struct build *b, cJSON *obj, const char *key, uint64_t v)
{
	chk(b, cJSON_AddNumberToObject(obj, key, (double)v));
}

static void add_str(struct build *b, cJSON *obj, const char *key, const char *s)
{
	chk(b, s ? cJSON_AddStringToObject(obj, key, s) : cJSON_AddNullToObject(obj, key));
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path;
}

static void add_vtl_list(struct build *b, cJSON *obj, const char *key, uint32_t mask)
{
	cJSON *arr = chk(b, cJSON_AddArrayToObject(obj, key));
	for (unsigned t = 0; arr && t < 32; t++)
		if (mask & (1u << t) && !cJSON_AddItemToArray(arr, chk(b, cJSON_CreateNumber(t))))
			b->oom = true;
}

static void add_tool(struct build *b, cJSON *root)
{
	cJSON *tool = chk(b, cJSON_AddObjectToObject(root, "tool"));
	if (!tool)
		return;
	add_str(b, tool, "name", b->o->tool_name ? b->o->tool_name : "vmsavedstate");
	add_str(b, tool, "version", b->o->tool_version ? b->o->tool_version : vms_version());
	add_str(b, tool, "library", vms_version());
}

static void add_sources(struct build *b, cJSON *root)
{
	size_t n = vms_source_count(b->h);
	const char *name = NULL;
	uint64_t size = 0;
	cJSON *src = chk(b, cJSON_AddObjectToObject(root, "source"));
	if (src && n > 0 && vms_source_get(b->h, 0, &name, &size) == 0) {
		add_str(b, src, "path", b->o->full_source_path ? name : base_name(name));
		add_num(b, src, "size", size);
	}
	cJSON *arr = chk(b, cJSON_AddArrayToObject(root, "sources"));
	for (size_t i = 0; arr && i < n; i++) {
		if (vms_source_get(b->h, i, &name, &size) != 0)
			continue;
		cJSON *s = chk(b, cJSON_CreateObject());
		if (!s || !cJSON_AddItemToArray(arr, s)) {
			b->oom = true;
			return;
		}
		char hex[65], digest[72];
		const char *path = i < b->o->source_path_count && b->o->source_paths
					   ? b->o->source_paths[i]
					   : NULL;
		bool hashed = b->o->hash_sources && path && vms_sha256_file(path, hex) == 0;
		if (hashed)
			snprintf(digest, sizeof(digest), "%s", hex);
		add_str(b, s, "name", base_name(name));
		add_num(b, s, "size", size);
		add_str(b, s, "sha256", hashed ? digest : NULL);
		add_str(b, s, "format", vms_format_name(b->h));
	}
}

static void add_chunks(struct build *b, cJSON *root, uint64_t *total_pages)
{
	size_t n = vms_chunk_list(b->h, NULL, 0);
	struct vms_chunk *c = calloc(n ? n : 1, sizeof(*c));
	cJSON *arr = chk(b, cJSON_AddArrayToObject(root, "chunks"));
	if (!c || !arr) {
		b->oom = true;
		free(c);
		return;
	}
	size_t got = vms_chunk_list(b->h, c, n);
	if (got < n)
		n = got; /* cannot shrink on an open handle; kept for safety */
	*total_pages = 0;
	for (size_t i = 0; i < n && !b->oom; i++) {
		cJSON *o = chk(b, cJSON_CreateObject());
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			b->oom = true;
			break;
		}
		add_hex(b, o, "gpa", c[i].gpa);
		add_num(b, o, "pages", c[i].pages);
		add_hex(b, o, "raw_offset", c[i].raw_off);
		if (c[i].flags) {
			cJSON *f = chk(b, cJSON_AddArrayToObject(o, "flags"));
			if (f && c[i].flags & VMS_CHUNK_HOT_ADDED)
				cJSON_AddItemToArray(f, chk(b, cJSON_CreateString("hot_added")));
			if (f && c[i].flags & VMS_CHUNK_VTL2)
				cJSON_AddItemToArray(f, chk(b, cJSON_CreateString("vtl2")));
			if (f && c[i].flags & VMS_CHUNK_SGX)
				cJSON_AddItemToArray(f, chk(b, cJSON_CreateString("sgx")));
		}
		*total_pages += c[i].pages;
	}
	free(c);
}

static void add_memory(struct build *b, cJSON *root, uint64_t total_pages)
{
	cJSON *mem = chk(b, cJSON_AddObjectToObject(root, "memory"));
	if (!mem)
		return;
	add_num(b, mem, "total_pages", total_pages);
	add_hex(b, mem, "gpa_end", vms_gpa_end(b->h));
	chk(b, cJSON_AddBoolToObject(mem, "holes_zero_filled", b->o->holes_zero_filled));
	cJSON *zf = chk(b, cJSON_AddArrayToObject(mem, "zero_filled"));
	for (size_t i = 0; zf && i < b->o->zero_filled_count && b->o->zero_filled; i++) {
		cJSON *r = chk(b, cJSON_CreateObject());
		if (!r || !cJSON_AddItemToArray(zf, r)) {
			b->oom = true;
			return;
		}
		add_hex(b, r, "gpa", b->o->zero_filled[i].gpa);
		add_num(b, r, "len", b->o->zero_filled[i].len);
	}
}

static void add_replay(struct build *b, cJSON *root)
{
	cJSON *r = chk(b, cJSON_AddObjectToObject(root, "replay_log"));
	if (!r)
		return;
	uint32_t pending = vms_replay_pending(b->h);
	chk(b, cJSON_AddBoolToObject(r, "present", pending > 0));
	add_num(b, r, "pending_entries", pending);
	add_str(b, r, "applied", b->o->replay_ignored ? "ignored" : "overlay");
}

static void add_vp(struct build *b, cJSON *arr, uint32_t vp)
{
	cJSON *o = chk(b, cJSON_CreateObject());
	if (!o || !cJSON_AddItemToArray(arr, o)) {
		b->oom = true;
		return;
	}
	uint32_t hv = vp, mask = 0;
	enum vms_arch arch = VMS_ARCH_UNKNOWN;
	enum vms_paging pg = VMS_PAGING_INVALID;
	uint8_t vtl = 0;
	bool kernel = false;
	(void)vms_vp_hv_index(b->h, vp, &hv);
	(void)vms_vp_arch(b->h, vp, &arch);
	(void)vms_vp_paging(b->h, vp, &pg);
	(void)vms_vp_active_vtl(b->h, vp, &vtl);
	(void)vms_vp_enabled_vtls(b->h, vp, &mask);
	add_num(b, o, "index", vp);
	add_num(b, o, "hv_index", hv);
	add_str(b, o, "arch", vms_arch_name(arch));
	add_str(b, o, "paging_mode", vms_paging_name(pg));
	add_num(b, o, "vtl", vtl);
	add_vtl_list(b, o, "enabled_vtls", mask);
	if (vms_vp_in_kernel(b->h, vp, &kernel) == 0)
		chk(b, cJSON_AddBoolToObject(o, "in_kernel", kernel));
	else
		chk(b, cJSON_AddNullToObject(o, "in_kernel"));
	if (b->o->no_registers)
		return;
	if (vms_render_add_registers(o, b->h, vp, -1) == -ENOMEM)
		b->oom = true;
	/* The other VTLs' banks, so a sidecar restores every bank (docs/layout-json.md). */
	if (!(mask & ~(1u << vtl)))
		return;
	cJSON *banks = chk(b, cJSON_AddArrayToObject(o, "banks"));
	for (unsigned t = 0; banks && t < 16; t++) {
		if (t == vtl || !(mask & (1u << t)))
			continue;
		cJSON *bank = chk(b, cJSON_CreateObject());
		if (!bank || !cJSON_AddItemToArray(banks, bank)) {
			b->oom = true;
			return;
		}
		add_num(b, bank, "vtl", t);
		if (vms_render_add_registers(bank, b->h, vp, (int)t) == -ENOMEM)
			b->oom = true;
	}
}

static const char *os_family(uint64_t os_id)
{
	if (os_id == 0)
		return NULL;
	if (os_id & OSID_OPEN_SOURCE) {
		unsigned os = (unsigned)(os_id >> OSID_OPEN_OS_SHIFT) & OSID_OPEN_OS_MASK;
		return os == OSID_OPEN_LINUX ? "linux" : os == OSID_OPEN_FREEBSD ? "freebsd" : NULL;
	}
	return (os_id >> OSID_MS_VENDOR_SHIFT) == OSID_VENDOR_MICROSOFT ? "windows" : NULL;
}

/* CR3 (x86) or TTBR1 (ARM64) of VP 0: the kernel DTB hint (fuse-and-cli.md §1). */
static bool dtb_hint(vms_handle *h, uint64_t *dtb)
{
	enum vms_arch arch = VMS_ARCH_UNKNOWN;
	struct vms_reg_value v;
	if (vms_vp_count(h) == 0 || vms_vp_arch(h, 0, &arch) != 0)
		return false;
	enum vms_reg reg = arch == VMS_ARCH_ARM64 ? VMS_REG_ARM64_TTBR1_EL1 : VMS_REG_CR3;
	if (vms_vp_get_register(h, 0, reg, &v, NULL) != 0)
		return false;
	*dtb = v.lo;
	return true;
}

static void add_guest(struct build *b, cJSON *root, uint64_t *os_id, bool *have_dtb, uint64_t *dtb)
{
	cJSON *g = chk(b, cJSON_AddObjectToObject(root, "guest"));
	uint32_t mask = 0;
	if (!g)
		return;
	(void)vms_guest_enabled_vtls(b->h, &mask);
	add_vtl_list(b, g, "enabled_vtls", mask);
	*os_id = 0;
	if (vms_guest_os_id(b->h, 0, os_id) == 0)
		add_hex(b, g, "os_id", *os_id);
	else
		chk(b, cJSON_AddNullToObject(g, "os_id"));
	add_str(b, g, "os_family", os_family(*os_id));
	add_num(b, g, "bsp", 0);
	*have_dtb = dtb_hint(b->h, dtb);
	if (*have_dtb)
		add_hex(b, g, "kernel_dtb_hint", *dtb);
	else
		chk(b, cJSON_AddNullToObject(g, "kernel_dtb_hint"));
}

static void add_properties(struct build *b, cJSON *root)
{
	cJSON *props = chk(b, cJSON_AddArrayToObject(root, "properties"));
	cJSON *warn = chk(b, cJSON_AddArrayToObject(root, "warnings"));
	int n = vms_property_get(b->h, 0, NULL, NULL);
	for (int i = 0; props && warn && i < n; i++) {
		const char *k, *v;
		if (vms_property_get(b->h, (size_t)i, &k, &v) != 0)
			continue;
		if (strcmp(k, "warning") == 0) {
			cJSON_AddItemToArray(warn, chk(b, cJSON_CreateString(v)));
			continue;
		}
		cJSON *p = chk(b, cJSON_CreateObject());
		if (!p || !cJSON_AddItemToArray(props, p)) {
			b->oom = true;
			return;
		}
		add_str(b, p, "key", k);
		add_str(b, p, "value", v);
	}
}

/* Volatility 3 PR #1969's sidecar fields under their own names (fuse-and-cli.md §6.1).
 * page_map_offset is a JSON integer there: physical addresses stay below 2^52, which a
 * double carries exactly. */
static void add_volatility(struct build *b, cJSON *root, uint64_t os_id, bool have_dtb,
			   uint64_t dtb)
{
	cJSON *v = chk(b, cJSON_AddObjectToObject(root, "volatility"));
	if (!v)
		return;
	enum vms_arch arch = VMS_ARCH_UNKNOWN;
	if (vms_vp_count(b->h) > 0)
		(void)vms_vp_arch(b->h, 0, &arch);
	add_num(b, v, "manifest_version", LAYOUT_VOLATILITY_MANIFEST);
	add_str(b, v, "raw_name", b->o->raw_name);
	add_num(b, v, "raw_size", vms_gpa_end(b->h));
	add_str(b, v, "raw_digest", b->o->raw_digest);
	cJSON *hints = chk(b, cJSON_AddObjectToObject(v, "analysis_hints"));
	if (hints) {
		add_str(b, hints, "os_family", os_family(os_id));
		add_str(b, hints, "architecture",
			arch == VMS_ARCH_UNKNOWN ? NULL : vms_arch_name(arch));
		if (have_dtb)
			add_num(b, hints, "page_map_offset", dtb);
		else
			chk(b, cJSON_AddNullToObject(hints, "page_map_offset"));
		chk(b, cJSON_AddNullToObject(hints, "kernel_virtual_offset"));
	}
	cJSON *compat = chk(b, cJSON_AddObjectToObject(v, "compatibility"));
	if (compat) {
		add_str(b, compat, "status", have_dtb ? "ok" : "partial");
		cJSON *reasons = chk(b, cJSON_AddArrayToObject(compat, "reasons"));
		if (reasons && !have_dtb)
			cJSON_AddItemToArray(
				reasons,
				chk(b, cJSON_CreateString("no CPU state: no page-table root")));
	}
}

struct cJSON *vms_render_layout_tree(vms_handle *h, const struct vms_render_opts *o)
{
	static const struct vms_render_opts defaults;
	struct build b = {h, o ? o : &defaults, false};
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return NULL;
	uint64_t total_pages = 0, os_id = 0, dtb = 0;
	bool have_dtb = false;
	add_str(&b, root, "schema", LAYOUT_SCHEMA);
	add_num(&b, root, "schema_version", LAYOUT_SCHEMA_VERSION);
	add_tool(&b, root);
	add_str(&b, root, "format", vms_format_name(h));
	add_sources(&b, root);
	add_num(&b, root, "page_size", vms_page_size(h));
	add_num(&b, root, "raw_size", vms_raw_size(h));
	add_num(&b, root, "vp_count", vms_vp_count(h));
	add_chunks(&b, root, &total_pages);
	add_memory(&b, root, total_pages);
	add_replay(&b, root);
	cJSON *vps = chk(&b, cJSON_AddArrayToObject(root, "vps"));
	for (uint32_t i = 0; vps && i < vms_vp_count(h) && !b.oom; i++)
		add_vp(&b, vps, i);
	add_guest(&b, root, &os_id, &have_dtb, &dtb);
	if (b.o->vmem_fold) {
		cJSON *vm = chk(&b, cJSON_AddObjectToObject(root, "vmem"));
		if (vm)
			add_str(&b, vm, "fold", b.o->vmem_fold);
	}
	add_properties(&b, root);
	add_volatility(&b, root, os_id, have_dtb, dtb);
	if (b.oom) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

char *vms_render_layout_json(vms_handle *h, const struct vms_render_opts *o)
{
	cJSON *root = vms_render_layout_tree(h, o);
	if (!root)
		return NULL;
	char *s = cJSON_Print(root);
	cJSON_Delete(root);
	if (!s)
		return NULL;
	/* Hand back plain malloc memory with a trailing newline: callers free() it. */
	size_t n = strlen(s);
	char *out = malloc(n + 2);
	if (out) {
		memcpy(out, s, n);
		memcpy(out + n, "\n", 2);
	}
	cJSON_free(s);
	return out;
}
