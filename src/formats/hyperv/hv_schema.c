/* Saved-state schema: configuration version, old/new key names, RamMemoryBlock metadata and
 * the GPA <-> raw memory map (hyperv-format.md §3.1-§3.5, §9 q9). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "formats/hyperv/hv_schema.h"

/* Guest page numbers beyond 2^52 would overflow a 64-bit GPA. */
#define HV_MAX_PAGE_INDEX (1ull << 52)

int hv_rmb_parse(const uint8_t *buf, size_t len, const char *what, struct hv_rmb *out,
		 struct vms_error *err)
{
	if (len != HV_RMB_LEN)
		return vms_fail(err, -EBADMSG, "%s: metadata value is %zu bytes, expected %u", what,
				len, HV_RMB_LEN);
	out->version = vms_le32(buf);
	if (out->version != HV_RMB_VERSION)
		return vms_fail(err, -ENOTSUP,
				"%s: RamMemoryBlock struct version %" PRIu32
				" (only version 3 is documented, §3.3)",
				what, out->version);
	out->flags = vms_le32(buf + HV_RMB_OFF_FLAGS);
	out->pages = vms_le64(buf + HV_RMB_OFF_PAGES);
	out->mbp_start = vms_le64(buf + HV_RMB_OFF_MBP_START);
	out->gpa_index = vms_le64(buf + HV_RMB_OFF_GPA_INDEX);
	out->vnode = vms_le32(buf + HV_RMB_OFF_VNODE);
	out->ksr_block_id = vms_le64(buf + HV_RMB_OFF_KSR);
	uint64_t gpa_end, mbp_end;
	if (vms_add_overflow(out->gpa_index, out->pages, &gpa_end) || gpa_end > HV_MAX_PAGE_INDEX ||
	    vms_add_overflow(out->mbp_start, out->pages, &mbp_end) || mbp_end > HV_MAX_PAGE_INDEX)
		return vms_fail(err, -EBADMSG,
				"%s: range of %#" PRIx64 " pages at guest page %#" PRIx64
				" / raw page %#" PRIx64 " overflows 64-bit addresses",
				what, out->pages, out->gpa_index, out->mbp_start);
	return 0;
}

uint32_t hv_rmb_chunk_flags(uint32_t f)
{
	return ((f & HV_RMB_FLAG_HOT_ADDED) ? VMS_CHUNK_HOT_ADDED : 0) |
	       ((f & HV_RMB_FLAG_VTL2) ? VMS_CHUNK_VTL2 : 0) |
	       ((f & HV_RMB_FLAG_SGX) ? VMS_CHUNK_SGX : 0);
}

static int read_int_key(const struct hvs_container *c, const char *path, bool *found, uint64_t *v,
			struct vms_error *err)
{
	uint32_t idx;
	int rc = hvs_find(c, path, &idx, err);
	*found = false;
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	const struct hvs_key *k = hvs_key_at(c, idx);
	if (k->type != VMS_KEY_INT && k->type != VMS_KEY_UINT)
		return vms_fail(err, -EBADMSG,
				"%s: version key at file offset %#" PRIx64 " is not an integer",
				path, k->entry_file_off);
	*found = true;
	*v = k->u64;
	return 0;
}

int hv_schema_detect(const struct hvs_container *c, bool prefer_old, struct vms_model *m,
		     struct hv_schema *s, struct vms_error *err)
{
	/* The root-level "VmVersion" is a guess for the old scheme, which drops the
	 * "savedstate/" prefix from its partition_state path (§3.1) [G]. */
	static const char *const keys[] = {"savedstate/VmVersion",
					   "configuration/properties/version", "VmVersion"};
	memset(s, 0, sizeof(*s));
	uint64_t v = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !s->version_key; i++) {
		bool found;
		int rc = read_int_key(c, keys[i], &found, &v, err);
		if (rc < 0)
			return rc;
		if (found)
			s->version_key = keys[i];
	}
	if (s->version_key) {
		if (v > UINT32_MAX || v <= HV_VM_VERSION_REJECT_MAX)
			return vms_fail(err, -ENOTSUP,
					"%s: configuration version %#" PRIx64 " is not supported "
					"(1.0 and older, §3.1)",
					s->version_key, v);
		s->vm_version = (uint32_t)v;
		s->old_scheme = s->vm_version <= HV_VM_VERSION_OLD_MAX;
		vms_model_add_propf(m, "hyperv.vm_version", "%u.%u (%#x, from /%s)",
				    s->vm_version >> 8, s->vm_version & 0xff, s->vm_version,
				    s->version_key);
	} else {
		/* A container without either key (a .vsv, §6.3, or a synthetic file): guess
		 * the scheme from the file role [G]. */
		s->old_scheme = prefer_old;
	}
	vms_model_add_prop(m, "hyperv.key_scheme", s->old_scheme ? "old (<= 5.0)" : "new (> 5.0)");
	return 0;
}

/* Old-scheme names such as "RamBlock/12/" (§3.1: how their slashes map onto HyperVStorage
 * nodes is unknown) [G]. Tried in order:
 *  1. one root-level key whose name is the whole string, slashes included (the .bin stores
 *     its names this way, §6.2);
 *  2. nested keys: node "RamBlock", value key "12" (the trailing slash dropped);
 *  3. nested keys ending in an empty name: node "RamBlock", node "12", value key "".
 * Candidate 2 can be a node (the parent of 3): then only its ""-named child is taken. */
static uint32_t lookup_old(const struct hvs_container *c, const char *name)
{
	uint32_t k = hvs_child(c, HVS_NO_KEY, name, NULL);
	if (k != HVS_NO_KEY)
		return k;
	char path[96];
	snprintf(path, sizeof(path), "%s", name);
	size_t n = strlen(path);
	if (n && path[n - 1] == '/')
		path[n - 1] = 0;
	k = hvs_lookup(c, path);
	if (k != HVS_NO_KEY && hvs_key_at(c, k)->type == VMS_KEY_NODE)
		return hvs_child(c, k, "", NULL);
	return k;
}

uint32_t hv_schema_partition_state(const struct hvs_container *c, const struct hv_schema *s)
{
	if (s->old_scheme)
		return lookup_old(c, "savedVM/partition_state");
	return hvs_lookup(c, "savedstate/savedVM/partition_state");
}

uint32_t hv_schema_ram_meta(const struct hvs_container *c, const struct hv_schema *s, uint64_t i)
{
	char name[64];
	if (s->old_scheme) {
		snprintf(name, sizeof(name), "RamMemoryBlock/%" PRIu64 "/", i);
		return lookup_old(c, name);
	}
	snprintf(name, sizeof(name), "savedstate/RamMemoryBlock%" PRIu64, i);
	return hvs_lookup(c, name);
}

void hv_schema_ram_block_name(const struct hv_schema *s, uint64_t i, char *buf, size_t cap)
{
	if (s->old_scheme)
		snprintf(buf, cap, "RamBlock/%" PRIu64 "/", i);
	else
		snprintf(buf, cap, "savedstate/RamBlock%" PRIu64, i);
}

uint32_t hv_schema_ram_block(const struct hvs_container *c, const struct hv_schema *s, uint64_t i)
{
	char name[64];
	hv_schema_ram_block_name(s, i, name, sizeof(name));
	return s->old_scheme ? lookup_old(c, name) : hvs_lookup(c, name);
}

static int read_rmb(const struct hvs_container *c, const struct hv_schema *s, uint32_t key,
		    uint64_t i, struct hv_rmb *r, struct vms_error *err)
{
	const struct hvs_key *k = hvs_key_at(c, key);
	char what[64];
	snprintf(what, sizeof(what),
		 s->old_scheme ? "RamMemoryBlock/%" PRIu64 "/" : "RamMemoryBlock%" PRIu64, i);
	if (k->type != VMS_KEY_ARRAY && k->type != VMS_KEY_FILE)
		return vms_fail(err, -EBADMSG,
				"%s: key at file offset %#" PRIx64 " is not an array", what,
				k->entry_file_off);
	if (k->data_len != HV_RMB_LEN)
		return vms_fail(err, -EBADMSG,
				"%s: value at file offset %#" PRIx64 " is %" PRIu64
				" bytes, expected %u",
				what, k->data_file_off, k->data_len, HV_RMB_LEN);
	uint8_t buf[HV_RMB_LEN];
	int rc = hvs_read_value(c, k, 0, buf, sizeof(buf), err);
	if (rc < 0)
		return rc;
	return hv_rmb_parse(buf, sizeof(buf), what, r, err);
}

int hv_schema_map_memory(const struct hvs_container *c, const struct hv_schema *s,
			 struct vms_model *m, uint64_t *range_count, uint64_t *block_end,
			 struct vms_error *err)
{
	uint64_t raw_pages_end = 0, empty = 0;
	uint64_t i = 0;
	*range_count = 0;
	*block_end = 0;
	for (;; i++) {
		uint32_t key = hv_schema_ram_meta(c, s, i);
		if (key == HVS_NO_KEY)
			break;
		struct hv_rmb r;
		int rc = read_rmb(c, s, key, i, &r, err);
		if (rc < 0)
			return rc;
		if (r.pages == 0) {
			empty++;
			continue;
		}
		/* §3.4: always map through MbpIndexStart, never cumulative sums. */
		rc = vms_model_add_chunk(m, r.gpa_index * VMS_PAGE_SIZE, r.pages,
					 r.mbp_start * VMS_PAGE_SIZE, hv_rmb_chunk_flags(r.flags),
					 err);
		if (rc < 0)
			return rc;
		if (r.mbp_start + r.pages > raw_pages_end)
			raw_pages_end = r.mbp_start + r.pages;
	}
	if (empty)
		vms_model_warn(m, "hyperv: %" PRIu64 " RamMemoryBlock ranges with 0 pages skipped",
			       empty);
	*range_count = i;
	*block_end = (raw_pages_end + HV_PAGES_PER_BLOCK - 1) / HV_PAGES_PER_BLOCK;
	return 0;
}

/* Names VOL treats as memory related; their layouts are unknown (§3.2, §9 q9). */
static const char *const unknown_memory_prefixes[] = {
	"RamIndexStart", "RamVtlInfo", "StartPageIndex", "PageCount",
	"VtlInfoArray",	 "Iteration",  "partition_vsm",
};

void hv_schema_report_unknown_keys(const struct hvs_container *c, struct vms_model *m)
{
	size_t n = hvs_key_count(c), found = 0;
	char path[512];
	for (uint32_t i = 0; i < n; i++) {
		const char *name = hvs_key_at(c, i)->name;
		for (size_t p = 0; p < sizeof(unknown_memory_prefixes) / sizeof(char *); p++) {
			size_t plen = strlen(unknown_memory_prefixes[p]);
			if (strncmp(name, unknown_memory_prefixes[p], plen) != 0)
				continue;
			if (found++ < 64 && hvs_key_path(c, i, path, sizeof(path)) > 0)
				vms_model_add_prop(m, "hyperv.unknown_memory_key", path);
			break;
		}
	}
	if (found)
		vms_model_warn(m,
			       "hyperv: %zu memory-related keys of unknown meaning (§9 q9); "
			       "memory they describe may be missing from the map",
			       found);
}
