/* `vmsavedstate info`: a summary of a saved state; with --json, the layout.json document
 * itself (fuse-and-cli.md §6.2). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <render/render.h>

#include "cli.h"

static void print_vp(vms_handle *h, uint32_t vp)
{
	enum vms_arch arch = VMS_ARCH_UNKNOWN;
	enum vms_paging pg = VMS_PAGING_INVALID;
	uint8_t vtl = 0;
	uint32_t hv = vp, mask = 0;
	bool kernel = false;
	(void)vms_vp_arch(h, vp, &arch);
	(void)vms_vp_paging(h, vp, &pg);
	(void)vms_vp_active_vtl(h, vp, &vtl);
	(void)vms_vp_enabled_vtls(h, vp, &mask);
	(void)vms_vp_hv_index(h, vp, &hv);
	int in_k = vms_vp_in_kernel(h, vp, &kernel);
	printf("  vp %u: arch %s, paging %s, vtl %u (banks %#x), hv index %u%s\n", vp,
	       vms_arch_name(arch), vms_paging_name(pg), vtl, mask, hv,
	       in_k	? ""
	       : kernel ? ", kernel mode"
			: ", user mode");
}

static void print_chunks(vms_handle *h, bool verbose)
{
	size_t n = vms_chunk_list(h, NULL, 0);
	struct vms_chunk *c = calloc(n ? n : 1, sizeof(*c));
	uint64_t pages = 0;
	if (!c)
		return;
	n = vms_chunk_list(h, c, n) < n ? 0 : n;
	for (size_t i = 0; i < n; i++)
		pages += c[i].pages;
	printf("chunks:       %zu (%" PRIu64 " pages)\n", n, pages);
	for (size_t i = 0; verbose && i < n; i++) {
		char g[19], r[19];
		printf("  gpa %s  pages %-10" PRIu64 " raw %s\n", cli_hex64(g, c[i].gpa),
		       c[i].pages, cli_hex64(r, c[i].raw_off));
	}
	free(c);
}

static void print_properties(vms_handle *h, bool verbose)
{
	int n = vms_property_get(h, 0, NULL, NULL);
	for (int i = 0; i < n; i++) {
		const char *k, *v;
		if (vms_property_get(h, (size_t)i, &k, &v) != 0)
			continue;
		if (strcmp(k, "warning") == 0)
			printf("warning:      %s\n", v);
		else if (verbose)
			printf("property:     %s = %s\n", k, v);
	}
}

static int info_text(const struct cli_args *a, vms_handle *h)
{
	char x[19];
	size_t ns = vms_source_count(h);
	for (size_t i = 0; i < ns; i++) {
		const char *name;
		uint64_t size;
		if (vms_source_get(h, i, &name, &size) == 0)
			printf("file:         %s (%" PRIu64 " bytes)\n", name, size);
	}
	printf("format:       %s\n", vms_format_name(h));
	printf("page size:    %u\n", vms_page_size(h));
	printf("raw size:     %s (%" PRIu64 " bytes)\n", cli_hex64(x, vms_raw_size(h)),
	       vms_raw_size(h));
	printf("gpa end:      %s\n", cli_hex64(x, vms_gpa_end(h)));
	print_chunks(h, a->verbose);
	printf("replay log:   %u pending entries (%s)\n", vms_replay_pending(h),
	       a->replay_ignored ? "ignored" : "overlay");
	uint32_t nvp = vms_vp_count(h);
	printf("vps:          %u\n", nvp);
	for (uint32_t v = 0; v < nvp; v++)
		print_vp(h, v);
	print_properties(h, a->verbose);
	return fflush(stdout) == 0 ? CLI_OK : cli_error(a, CLI_OPEN, -EIO, "cannot write stdout");
}

int cmd_info(const struct cli_args *a)
{
	vms_handle *h;
	int rc = cli_open(a, 0, &h);
	if (rc)
		return rc;
	if (a->json) {
		struct vms_render_opts o = {
			.tool_name = "vmsavedstate",
			.tool_version = VMS_VERSION_STRING,
			.full_source_path = true,
			.hash_sources = a->sha256,
			.source_paths = a->paths,
			.source_path_count = a->npaths,
			.replay_ignored = a->replay_ignored,
		};
		rc = cli_emit(a, vms_render_layout_json(h, &o));
	} else {
		rc = info_text(a, h);
	}
	vms_close(h);
	return rc;
}
