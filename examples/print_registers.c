/* Print the registers of every virtual processor of a saved state.
 *   print_registers SAVEDSTATE [SIDECAR]
 * Uses only the public API: open, VP count, arch/paging, and one vms_vp_get_register per
 * register id. Registers the saved state does not hold are skipped. */
#include <inttypes.h>
#include <stdio.h>

#include <vmsavedstate/vmsavedstate.h>

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s SAVEDSTATE [SIDECAR]\n", argv[0]);
		return 1;
	}
	vms_handle *h = NULL;
	struct vms_error err = {0};
	const char *const paths[] = {argv[1], argv[2]};
	if (vms_open_files(paths, (size_t)argc - 1, NULL, &h, &err) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], err.msg);
		return 2;
	}
	printf("format %s, %u VPs\n", vms_format_name(h), vms_vp_count(h));
	for (uint32_t vp = 0; vp < vms_vp_count(h); vp++) {
		enum vms_arch arch = VMS_ARCH_UNKNOWN;
		enum vms_paging paging = VMS_PAGING_INVALID;
		vms_vp_arch(h, vp, &arch);
		vms_vp_paging(h, vp, &paging);
		printf("vp %u: arch %s, paging %s\n", vp, vms_arch_name(arch),
		       vms_paging_name(paging));
		/* register ids are dense from 0; vms_reg_name() is NULL past the last one */
		for (int r = 0; vms_reg_name((enum vms_reg)r); r++) {
			struct vms_reg_value v;
			if (!vms_reg_in_arch((enum vms_reg)r, arch) ||
			    vms_vp_get_register(h, vp, (enum vms_reg)r, &v, NULL) != 0)
				continue;
			if (vms_reg_width((enum vms_reg)r) > 64)
				printf("  %-20s 0x%016" PRIx64 "%016" PRIx64 "\n",
				       vms_reg_name((enum vms_reg)r), v.hi, v.lo);
			else
				printf("  %-20s 0x%016" PRIx64 "\n", vms_reg_name((enum vms_reg)r),
				       v.lo);
		}
	}
	vms_close(h);
	return 0;
}
