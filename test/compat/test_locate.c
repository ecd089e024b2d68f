/* vms_locate(): finding saved-state files in a folder copied from a Hyper-V host, with a fake
 * configuration reader (matching rules), synthetic .vmcx files from the container writer, the
 * real dissect-test.vmcx, and the LocateSavedStateFiles* compatibility calls. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compat_internal.h"
#include "core/error.h"
#include "core/locate.h"
#include "support/hvs_writer.h"
#include "support/test_support.h"

#define VM_A "AAAAAAAA-1111-2222-3333-444444444444"
#define SNAP_B "BBBBBBBB-1111-2222-3333-444444444444"
#define VM_C "CCCCCCCC-1111-2222-3333-444444444444"
#define VM_D "DDDDDDDD-1111-2222-3333-444444444444"
#define VM_E "EEEEEEEE-1111-2222-3333-444444444444"
#define VM_F "FFFFFFFF-1111-2222-3333-444444444444"

static char root[256];

static void mkdirs(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0700);
			*p = '/';
		}
	mkdir(path, 0700);
}

static void touch(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "create %s", path);
	fputs("x", f);
	fclose(f);
}

static void make_root(void)
{
	snprintf(root, sizeof(root), "/tmp/vms-locate-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
}

/* Fake configurations, chosen by the .vmcx file name. */
static int fake_reader(const char *path, struct vms_vm_config *cfg, struct vms_error *err)
{
	const char *base = strrchr(path, '/') + 1;
	memset(cfg, 0, sizeof(*cfg));
	if (strncasecmp(base, VM_A, 36) == 0) {
		strcpy(cfg->name, "Web Server");
		strcpy(cfg->global_id, VM_A);
		strcpy(cfg->logical_id, VM_A);
		strcpy(cfg->type_id, "Virtual Machines");
	} else if (strncasecmp(base, SNAP_B, 36) == 0) {
		strcpy(cfg->name, "Before update");
		strcpy(cfg->global_id, SNAP_B);
		strcpy(cfg->logical_id, VM_A);
		strcpy(cfg->type_id, "Snapshot");
	} else if (strncasecmp(base, VM_C, 36) == 0) {
		strcpy(cfg->name, "Legacy");
		strcpy(cfg->global_id, "{" VM_C "}");
	} else if (strncasecmp(base, VM_D, 36) == 0) {
		strcpy(cfg->name, "web server"); /* same name as VM_A, other VM */
		strcpy(cfg->global_id, VM_D);
	} else if (strncasecmp(base, VM_E, 36) == 0) {
		strcpy(cfg->name, "Powered Off");
		strcpy(cfg->global_id, VM_E);
	} else if (strncasecmp(base, VM_F, 36) == 0) {
		strcpy(cfg->name, "Referenced");
		strcpy(cfg->global_id, VM_F);
		strcpy(cfg->refs[0], "D:\\Hyper-V\\State\\Saved.VMRS");
		cfg->ref_count = 1;
	} else {
		return vms_fail(err, -EBADMSG, "corrupt");
	}
	return 0;
}

static void standard_tree(void)
{
	make_root();
	mkdirs("Hyper-V/Virtual Machines/" VM_C);
	mkdirs("Hyper-V/Snapshots");
	mkdirs("elsewhere/State");
	touch("Hyper-V/Virtual Machines/" VM_A ".vmcx");
	touch("Hyper-V/Virtual Machines/" VM_A ".vmrs");
	touch("Hyper-V/Snapshots/" SNAP_B ".vmcx");
	touch("Hyper-V/Snapshots/" SNAP_B ".VMRS");
	touch("Hyper-V/Virtual Machines/" VM_C ".vmcx");
	touch("Hyper-V/Virtual Machines/" VM_C "/" VM_C ".bin");
	touch("Hyper-V/Virtual Machines/" VM_C "/" VM_C ".vsv");
	touch("Hyper-V/Virtual Machines/" VM_E ".vmcx");
	touch("Hyper-V/Virtual Machines/" VM_F ".vmcx");
	touch("elsewhere/State/saved.vmrs");
	touch("Hyper-V/Virtual Machines/broken.vmcx");
}

static void expect_suffix(const char *path, const char *suffix)
{
	const size_t n = strlen(path), m = strlen(suffix);
	cr_expect(n >= m && strcmp(path + n - m, suffix) == 0, "'%s' should end with '%s'", path,
		  suffix);
}

Test(locate, vm_by_name_and_by_guid)
{
	struct vms_located out;
	struct vms_error err = {0};
	standard_tree();
	cr_assert_eq(vms_locate_with(root, "WEB SERVER", NULL, fake_reader, &out, &err), 0, "%s",
		     err.msg);
	expect_suffix(out.vmrs, "Virtual Machines/" VM_A ".vmrs");
	cr_expect_str_empty(out.bin);
	cr_expect_str_empty(out.vsv);
	cr_assert_eq(vms_locate_with(root, "{aaaaaaaa-1111-2222-3333-444444444444}", NULL,
				     fake_reader, &out, &err),
		     0, "%s", err.msg);
	expect_suffix(out.vmrs, VM_A ".vmrs");
}

Test(locate, snapshot_by_name_and_guid)
{
	struct vms_located out;
	struct vms_error err = {0};
	standard_tree();
	cr_assert_eq(vms_locate_with(root, "Web Server", "before update", fake_reader, &out, &err),
		     0, "%s", err.msg);
	expect_suffix(out.vmrs, "Snapshots/" SNAP_B ".VMRS");
	cr_assert_eq(vms_locate_with(root, VM_A, SNAP_B, fake_reader, &out, &err), 0, "%s",
		     err.msg);
	expect_suffix(out.vmrs, SNAP_B ".VMRS");
	/* a snapshot name is not a VM name */
	cr_expect_eq(vms_locate_with(root, "Before update", NULL, fake_reader, &out, &err),
		     -ENOENT);
	cr_expect_eq(vms_locate_with(root, "Web Server", "After update", fake_reader, &out, &err),
		     -ENOENT);
	cr_expect(strstr(err.msg, "After update") != NULL, "%s", err.msg);
}

Test(locate, legacy_bin_and_vsv)
{
	struct vms_located out;
	struct vms_error err = {0};
	standard_tree();
	cr_assert_eq(vms_locate_with(root, "legacy", NULL, fake_reader, &out, &err), 0, "%s",
		     err.msg);
	expect_suffix(out.bin, VM_C "/" VM_C ".bin");
	expect_suffix(out.vsv, VM_C "/" VM_C ".vsv");
	cr_expect_str_empty(out.vmrs);
}

Test(locate, reference_inside_the_configuration)
{
	struct vms_located out;
	struct vms_error err = {0};
	standard_tree();
	cr_assert_eq(vms_locate_with(root, "Referenced", NULL, fake_reader, &out, &err), 0, "%s",
		     err.msg);
	expect_suffix(out.vmrs, "elsewhere/State/saved.vmrs");
}

Test(locate, not_found_cases)
{
	struct vms_located out;
	struct vms_error err = {0};
	standard_tree();
	cr_expect_eq(vms_locate_with(root, "Powered Off", NULL, fake_reader, &out, &err), -ENOENT);
	cr_expect(strstr(err.msg, "no saved-state file") != NULL, "%s", err.msg);
	cr_expect_eq(vms_locate_with(root, "Nobody", NULL, fake_reader, &out, &err), -ENOENT);
	cr_expect(strstr(err.msg, "could not be read") != NULL, "broken.vmcx noted: %s", err.msg);
	cr_expect_eq(vms_locate_with("/nonexistent-dir", "x", NULL, fake_reader, &out, &err),
		     -ENOENT);
	cr_expect_eq(vms_locate_with(root, "", NULL, fake_reader, &out, &err), -EINVAL);
	cr_expect_eq(vms_locate_with(root, "x", "", fake_reader, &out, &err), -EINVAL);
	cr_expect_eq(vms_locate_with(NULL, "x", NULL, fake_reader, &out, &err), -EINVAL);
}

Test(locate, guid_without_configuration)
{
	struct vms_located out;
	struct vms_error err = {0};
	make_root();
	mkdirs("copy");
	touch("copy/" VM_D ".bin");
	touch("copy/" VM_D ".vsv");
	cr_assert_eq(vms_locate_with(root, VM_D, NULL, fake_reader, &out, &err), 0, "%s", err.msg);
	expect_suffix(out.bin, VM_D ".bin");
	expect_suffix(out.vsv, VM_D ".vsv");
}

Test(locate, ambiguous_name)
{
	struct vms_located out;
	struct vms_error err = {0};
	make_root();
	touch(VM_A ".vmcx");
	touch(VM_D ".vmcx");
	touch(VM_A ".vmrs");
	cr_expect_eq(vms_locate_with(root, "web server", NULL, fake_reader, &out, &err), -EINVAL);
	cr_expect(strstr(err.msg, "GUID") != NULL, "%s", err.msg);
	cr_expect_eq(vms_locate_with(root, VM_A, NULL, fake_reader, &out, &err), 0, "%s", err.msg);
}

Test(locate, symlinked_directory_loops_terminate)
{
	struct vms_located out;
	struct vms_error err = {0};
	char link[512];
	make_root();
	mkdirs("a");
	snprintf(link, sizeof(link), "%s/a/loop", root);
	cr_assert_eq(symlink(root, link), 0);
	cr_expect_eq(vms_locate_with(root, "Nobody", NULL, fake_reader, &out, &err), -ENOENT);
}

/* ---- the real reader over .vmcx containers ---- */

static void write_vmcx(const char *rel, const char *name, const char *global_id,
		       const char *logical_id, const char *type_id, const char *ref)
{
	char path[512];
	struct hvs_image img;
	struct hvs_writer *w = hvs_writer_new(NULL);
	const uint32_t props = hvs_w_node_path(w, "configuration/properties");
	hvs_w_string(w, props, "global_id", global_id);
	hvs_w_string(w, props, "name", name);
	hvs_w_string(w, props, "type_id", type_id);
	hvs_w_int(w, props, "version", 0x900);
	const uint32_t global = hvs_w_node_path(w, "configuration/settings/global");
	hvs_w_string(w, global, "logical_id", logical_id);
	if (ref) {
		const uint32_t dev = hvs_w_node_path(w, "configuration/_device_");
		hvs_w_string(w, dev, "StateFilePath", ref);
	}
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	cr_assert_eq(hvs_image_write_file(&img, path), 0);
	hvs_image_free(&img);
	hvs_writer_free(w);
}

Test(locate_vmcx, reads_synthetic_configurations)
{
	struct vms_located out;
	struct vms_error err = {0};
	struct vms_vm_config cfg;
	char path[512];
	make_root();
	mkdirs("Virtual Machines");
	mkdirs("Snapshots");
	write_vmcx("Virtual Machines/" VM_A ".vmcx", "Caf\xC3\xA9", VM_A, VM_A, "Virtual Machines",
		   "C:\\VMs\\" VM_A ".vmgs");
	write_vmcx("Snapshots/" SNAP_B ".vmcx", "Caf\xC3\xA9 - (1)", SNAP_B, VM_A, "Snapshot",
		   "C:\\VMs\\Snapshots\\" SNAP_B ".vmrs");
	touch("Virtual Machines/" VM_A ".vmrs");
	touch("Snapshots/" SNAP_B ".vmrs");

	snprintf(path, sizeof(path), "%s/Snapshots/" SNAP_B ".vmcx", root);
	cr_assert_eq(vms_locate_read_vmcx(path, &cfg, &err), 0, "%s", err.msg);
	cr_expect_str_eq(cfg.name, "Caf\xC3\xA9 - (1)");
	cr_expect_str_eq(cfg.global_id, SNAP_B);
	cr_expect_str_eq(cfg.logical_id, VM_A);
	cr_expect_eq(cfg.ref_count, 1, "the .vmgs reference is not a state file");

	cr_assert_eq(vms_locate(root, "caf\xC3\xA9", NULL, &out, &err), 0, "%s", err.msg);
	expect_suffix(out.vmrs, "Virtual Machines/" VM_A ".vmrs");
	cr_assert_eq(vms_locate(root, "Caf\xC3\xA9", "Caf\xC3\xA9 - (1)", &out, &err), 0, "%s",
		     err.msg);
	expect_suffix(out.vmrs, "Snapshots/" SNAP_B ".vmrs");
}

Test(locate_vmcx, real_dissect_test_configuration)
{
	VMS_REQUIRE_FIXTURE(vmcx, "hyperv/dissect-test.vmcx");
	struct vms_vm_config cfg;
	struct vms_located out;
	struct vms_error err = {0};
	char link[512];
	cr_assert_eq(vms_locate_read_vmcx(vmcx, &cfg, &err), 0, "%s", err.msg);
	/* values read off the fixture's key tree (§10) */
	cr_expect_str_eq(cfg.name, "Other Location");
	cr_expect_str_eq(cfg.global_id, "282874FC-59D6-4F30-BC04-5FDD909C82E0");
	cr_expect_str_eq(cfg.logical_id, "282874FC-59D6-4F30-BC04-5FDD909C82E0");
	cr_expect_str_eq(cfg.type_id, "Virtual Machines");
	cr_expect_eq(cfg.ref_count, 0);

	/* the fixture is linked, never copied, into a host-like folder */
	make_root();
	mkdirs("Virtual Machines");
	snprintf(link, sizeof(link),
		 "%s/Virtual Machines/282874FC-59D6-4F30-BC04-5FDD909C82E0.vmcx", root);
	cr_assert_eq(symlink(vmcx, link), 0);
	cr_expect_eq(vms_locate(root, "Other Location", NULL, &out, &err), -ENOENT);
	touch("Virtual Machines/282874fc-59d6-4f30-bc04-5fdd909c82e0.vmrs");
	cr_assert_eq(vms_locate(root, "other location", NULL, &out, &err), 0, "%s", err.msg);
	expect_suffix(out.vmrs, "282874fc-59d6-4f30-bc04-5fdd909c82e0.vmrs");
}

/* ---- LocateSavedStateFiles* ---- */

static char *narrow(const WCHAR *w)
{
	static char buf[1024];
	cr_assert_eq(vms_compat_utf16_to_utf8(w, buf, sizeof(buf)), 0);
	return buf;
}

Test(locate_compat, utf16_outputs_and_empty_strings_when_not_found)
{
	LPWSTR bin, vsv, vmrs;
	WCHAR *wroot = NULL;
	make_root();
	mkdirs("Virtual Machines");
	write_vmcx("Virtual Machines/" VM_A ".vmcx", "Web", VM_A, VM_A, "Virtual Machines", NULL);
	touch("Virtual Machines/" VM_A ".vmrs");
	cr_assert_eq(vms_compat_utf8_to_utf16(root, &wroot), 0);

	cr_assert_eq(LocateSavedStateFilesInDirectory(wroot, u"web", NULL, &bin, &vsv, &vmrs),
		     S_OK);
	cr_assert(bin && vsv && vmrs);
	cr_expect_eq(bin[0], 0);
	cr_expect_eq(vsv[0], 0);
	expect_suffix(narrow(vmrs), VM_A ".vmrs");
	LocalFree(bin);
	LocalFree(vsv);
	LocalFree(vmrs);

	/* nothing found: S_OK with three empty strings (§7.6 item 12) */
	cr_assert_eq(LocateSavedStateFilesInDirectory(wroot, u"nobody", NULL, &bin, &vsv, &vmrs),
		     S_OK);
	cr_expect(bin[0] == 0 && vsv[0] == 0 && vmrs[0] == 0);
	LocalFree(bin);
	LocalFree(vsv);
	LocalFree(vmrs);

	/* the environment names the directory for Microsoft's signature */
	cr_assert_eq(setenv("VMSAVEDSTATE_LOCATE_DIR", root, 1), 0);
	cr_assert_eq(LocateSavedStateFiles(u"Web", NULL, &bin, &vsv, &vmrs), S_OK);
	expect_suffix(narrow(vmrs), VM_A ".vmrs");
	LocalFree(bin);
	LocalFree(vsv);
	LocalFree(vmrs);

	cr_expect_eq(LocateSavedStateFiles(NULL, NULL, &bin, &vsv, &vmrs), E_INVALIDARG);
	cr_expect_eq(LocateSavedStateFiles(u"Web", NULL, NULL, &vsv, &vmrs), E_INVALIDARG);
	free(wroot);
}
