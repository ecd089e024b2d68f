/* Presentation shared by the vmsavedstate CLI and the vmsavedstatefs daemon: the layout.json
 * document (docs/layout-json.md, fuse-and-cli.md §6) and the per-VP register listings
 * (fuse-and-cli.md §4.1 vp/N/registers). Uses only the public API; cJSON stays in this
 * target so the library itself never depends on it (STYLE.md rule 1).
 *
 * Every function here is safe concurrently on one handle (it only queries the handle) and
 * returns a malloc'd NUL-terminated string that the caller releases with free(), or NULL
 * when memory runs out. Output is deterministic: fixed key order, no timestamps, and no
 * absolute paths unless the caller asks for them.
 */
#ifndef VMS_RENDER_H
#define VMS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

struct cJSON;

/** One range an exporter filled with zeros (holes it had to materialise). */
struct vms_render_range {
	uint64_t gpa;
	uint64_t len; /**< bytes */
};

/** What the caller knows beyond the handle. Zero-initialise, then set what applies. */
struct vms_render_opts {
	const char *tool_name;	  /**< "vmsavedstate" / "vmsavedstatefs"; NULL: "vmsavedstate" */
	const char *tool_version; /**< NULL: the library version */
	/** true: "source.path" is the name as given to the open call; false: its basename
	 *  (the deterministic choice for mounts and exports, fuse-and-cli.md §6.4). */
	bool full_source_path;
	/** Compute the SHA-256 of every source by reading it through `source_paths` (slow on
	 *  large files). NULL entries or hash=false render "sha256": null. */
	bool hash_sources;
	const char *const *source_paths; /**< filesystem paths, same order as vms_source_get */
	size_t source_path_count;
	/** true: omit the per-VP "registers" objects (summary views). */
	bool no_registers;
	/** How the replay log was treated at open: false "overlay", true "ignored". */
	bool replay_ignored;
	/** Reads of GPAs in holes return zeros (physmem, exports). */
	bool holes_zero_filled;
	/** Ranges an exporter filled with zeros; may be NULL. */
	const struct vms_render_range *zero_filled;
	size_t zero_filled_count;
	/** Volatility sidecar fields (fuse-and-cli.md §6.1): the exported raw file's name and
	 *  digest ("sha256:<hex>"); NULL renders null. */
	const char *raw_name;
	const char *raw_digest;
	/** vp/N/vmem address folding note for the mount (fuse-and-cli.md §4.3); NULL omits
	 *  the "vmem" object. */
	const char *vmem_fold;
};

/**
 * Render the layout.json document for `h` (pretty-printed, trailing newline).
 * @return malloc'd string, or NULL on allocation failure. Caller frees with free().
 */
char *vms_render_layout_json(vms_handle *h, const struct vms_render_opts *o);

/** The same document as a cJSON tree, for callers that add fields before printing.
 *  Release with cJSON_Delete(). NULL on allocation failure. */
struct cJSON *vms_render_layout_tree(vms_handle *h, const struct vms_render_opts *o);

/**
 * Registers of VP `vp` as text: one "name 0x%016llx" line per saved register in
 * enum vms_reg order (128-bit registers print 32 hex digits). Registers the saved state does
 * not hold are omitted.
 * @param vtl  VTL bank to read, or -1 for the VP's active VTL
 * @return malloc'd string ("" for a VP without register state), or NULL on allocation
 *         failure or a bad VP/VTL (`*rc_out`, if not NULL, receives -ENOMEM, -ERANGE or
 *         -ENODATA).
 */
char *vms_render_registers_text(vms_handle *h, uint32_t vp, int vtl, int *rc_out);

/** Registers of VP `vp` as a JSON object {"index", "vtl", "arch", "registers": {...}}
 *  with trailing newline. Same parameters and failures as vms_render_registers_text. */
char *vms_render_registers_json(vms_handle *h, uint32_t vp, int vtl, int *rc_out);

/** Add the "registers" object for (vp, vtl) to `parent`, values as hex strings.
 *  @return number of registers added, or -ENOMEM / -ERANGE / -ENODATA. */
int vms_render_add_registers(struct cJSON *parent, vms_handle *h, uint32_t vp, int vtl);

/** Format a 64-bit value as "0x" + 16 hex digits into `buf` (at least 19 bytes). */
const char *vms_render_hex64(char *buf, uint64_t v);

/** The container key tree as `{"keys": [{name, path, depth, type, value|size, crc_ok}]}` in
 *  depth-first order, with a trailing newline; malloc'd, NULL when out of memory. */
char *vms_render_keys_json(vms_handle *h);

/** "node", "int", "uint", "double", "bool", "string", "array", "file", "other". */
const char *vms_render_key_type_name(enum vms_key_type t);

#endif
