/* vms_locate(): find a VM's or snapshot's saved-state files in a folder copied from a Hyper-V
 * host, without WMI, by reading the .vmcx configurations (hyperv-format §1, §7.6 item 12).
 *
 * Best effort, by the host's layout [G: Hyper-V 2016+ conventions, not in the sources]:
 *   Virtual Machines/<VM GUID>.vmcx + <VM GUID>.vmrs          (configuration version > 5.0)
 *   Snapshots/<snapshot GUID>.vmcx + <snapshot GUID>.vmrs
 *   <VM or snapshot GUID>.bin + .vsv, anywhere below           (legacy, version <= 5.0)
 * A VM is matched by name (ASCII case-insensitive, as Hyper-V names are) or GUID; a
 * snapshot is a configuration whose logical_id is its VM's GUID. File names are compared
 * case-insensitively, since copies from Windows may change case. */
#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/io_fd.h"
#include "core/locate.h"

#define LOCATE_MAX_DEPTH 8u	   /* Virtual Machines/<GUID>/... is depth 2 */
#define LOCATE_MAX_ENTRIES 200000u /* directory entries examined per walk */
#define LOCATE_PATH_MAX 4096u
#define GUID_TEXT_LEN 36u /* 8-4-4-4-12 hex digits and hyphens */

struct walk {
	unsigned entries;
	/* return true to stop the walk */
	bool (*visit)(struct walk *w, const char *path, const char *name);
	void *ctx;
};

/* Depth-first over regular files below `dir`; directories are entered only when they are
 * real directories (lstat), so symlink loops cannot trap the walk. */
static bool walk_dir(struct walk *w, const char *dir, unsigned depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool stop = false;
	if (!d)
		return false;
	while (!stop && (de = readdir(d)) != NULL) {
		char path[LOCATE_PATH_MAX];
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->entries > LOCATE_MAX_ENTRIES)
			break;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth + 1 < LOCATE_MAX_DEPTH)
				stop = walk_dir(w, path, depth + 1);
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			stop = w->visit(w, path, de->d_name);
		}
	}
	closedir(d);
	return stop;
}

static bool has_suffix_ci(const char *s, const char *suffix)
{
	const size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* "{GUID}" or "GUID" -> canonical text in out[GUID_TEXT_LEN + 1]; false when not a GUID. */
static bool guid_norm(const char *s, char *out)
{
	size_t n = strlen(s);
	if (n == GUID_TEXT_LEN + 2 && s[0] == '{' && s[n - 1] == '}')
		s++, n -= 2;
	if (n != GUID_TEXT_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		const bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
		if (hyphen ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
		out[i] = (char)toupper((unsigned char)s[i]);
	}
	out[n] = '\0';
	return true;
}

static bool guid_eq(const char *a, const char *b)
{
	char x[GUID_TEXT_LEN + 1], y[GUID_TEXT_LEN + 1];
	return guid_norm(a, x) && guid_norm(b, y) && strcmp(x, y) == 0;
}

/* [G] a snapshot's configuration names its VM in logical_id and itself in global_id */
static bool config_is_snapshot(const struct vms_vm_config *cfg)
{
	for (const char *p = cfg->type_id; *p; p++)
		if (strncasecmp(p, "snapshot", 8) == 0)
			return true;
	return cfg->global_id[0] && cfg->logical_id[0] && !guid_eq(cfg->global_id, cfg->logical_id);
}

/* ---- finding a configuration ---- */

struct config_search {
	vms_config_reader_fn reader;
	const char *want;    /* name or GUID */
	const char *vm_guid; /* NULL: looking for a VM; else: a snapshot of this VM */
	struct vms_vm_config cfg, tmp;
	char path[LOCATE_PATH_MAX];
	unsigned matches;
	bool ambiguous;
	char other[LOCATE_PATH_MAX];
	unsigned unreadable;
};

static bool config_matches(const struct config_search *s, const struct vms_vm_config *cfg)
{
	const bool by_id = guid_eq(cfg->global_id, s->want) || strcasecmp(cfg->name, s->want) == 0;
	if (!by_id)
		return false;
	if (!s->vm_guid)
		return !config_is_snapshot(cfg);
	return config_is_snapshot(cfg) && guid_eq(cfg->logical_id, s->vm_guid);
}

static bool visit_config(struct walk *w, const char *path, const char *name)
{
	struct config_search *s = w->ctx;
	if (!has_suffix_ci(name, ".vmcx"))
		return false;
	if (s->reader(path, &s->tmp, NULL) < 0) {
		s->unreadable++; /* best effort: a damaged configuration is skipped */
		return false;
	}
	if (!config_matches(s, &s->tmp))
		return false;
	if (s->matches++ == 0) {
		s->cfg = s->tmp;
		snprintf(s->path, sizeof(s->path), "%s", path);
	} else if (!guid_eq(s->cfg.global_id, s->tmp.global_id)) {
		s->ambiguous = true; /* two different VMs share the name */
		snprintf(s->other, sizeof(s->other), "%s", path);
		return true;
	}
	return false;
}

/* ---- finding a file by name ---- */

struct file_search {
	const char *want;
	char path[LOCATE_PATH_MAX];
	bool found;
};

static bool visit_file(struct walk *w, const char *path, const char *name)
{
	struct file_search *s = w->ctx;
	if (strcasecmp(name, s->want) != 0)
		return false;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->found = true;
	return true;
}

/* Look for file `name` directly in `near` (the configuration's folder), then below `root`. */
static bool find_file(const char *root, const char *near, const char *name, char *out, size_t cap)
{
	struct file_search s = {.want = name};
	struct walk w = {.visit = visit_file, .ctx = &s};
	if (near) {
		walk_dir(&w, near, LOCATE_MAX_DEPTH - 1); /* this folder only */
		w.entries = 0;
	}
	if (!s.found)
		walk_dir(&w, root, 0);
	if (s.found)
		snprintf(out, cap, "%s", s.path);
	return s.found;
}

/* Fill `out` with the state files of configuration `guid` (cfg may be NULL: by GUID only). */
static void find_state(const char *root, const char *near, const struct vms_vm_config *cfg,
		       const char *guid, struct vms_located *out)
{
	static const char *const exts[] = {".vmrs", ".bin", ".vsv"};
	char *const slots[] = {out->vmrs, out->bin, out->vsv};
	char name[300];

	for (unsigned i = 0; cfg && i < cfg->ref_count; i++) {
		/* a host path such as C:\...\<GUID>.vmrs: keep the last component */
		const char *base = cfg->refs[i];
		for (const char *p = base; *p; p++)
			if (*p == '\\' || *p == '/')
				base = p + 1;
		for (unsigned e = 0; e < 3; e++)
			if (!slots[e][0] && has_suffix_ci(base, exts[e]))
				find_file(root, near, base, slots[e], sizeof(out->vmrs));
	}
	for (unsigned e = 0; guid[0] && e < 3; e++) {
		if (slots[e][0])
			continue;
		snprintf(name, sizeof(name), "%s%s", guid, exts[e]);
		find_file(root, near, name, slots[e], sizeof(out->vmrs));
	}
}

static int search_config(const char *dir, struct config_search *s, struct vms_error *err)
{
	struct walk w = {.visit = visit_config, .ctx = s};
	walk_dir(&w, dir, 0);
	if (s->ambiguous)
		return vms_fail(err, -EINVAL,
				"locate: '%s' names two configurations (%s, %s); pass "
				"the GUID",
				s->want, s->path, s->other);
	return s->matches ? 0 : -ENOENT;
}

static void dir_of(const char *path, char *out, size_t cap)
{
	snprintf(out, cap, "%s", path);
	char *slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
}

/* The configuration's GUID: global_id, else its file name (<GUID>.vmcx by convention). */
static void config_guid(const struct config_search *s, char *guid)
{
	char base[LOCATE_PATH_MAX];
	const char *slash = strrchr(s->path, '/');
	if (guid_norm(s->cfg.global_id, guid))
		return;
	snprintf(base, sizeof(base), "%s", slash ? slash + 1 : s->path);
	char *dot = strrchr(base, '.');
	if (dot)
		*dot = '\0';
	if (!guid_norm(base, guid))
		guid[0] = '\0';
}

int vms_locate_with(const char *dir, const char *vm, const char *snapshot,
		    vms_config_reader_fn reader, struct vms_located *out, struct vms_error *err)
{
	char guid[GUID_TEXT_LEN + 1] = "", near[LOCATE_PATH_MAX] = "", vm_guid[64] = "";
	struct stat st;
	int rc;

	if (!dir || !vm || !vm[0] || !out || !reader || (snapshot && !snapshot[0]))
		return vms_fail(err, -EINVAL, "locate: dir, vm and out are required");
	memset(out, 0, sizeof(*out));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return vms_fail(err, -ENOENT, "locate: '%s' is not a directory", dir);

	struct config_search *s = calloc(1, sizeof(*s));
	if (!s)
		return vms_fail(err, -ENOMEM, "locate: out of memory");
	s->reader = reader;
	s->want = vm;
	rc = search_config(dir, s, err);
	if (rc == 0) {
		/* the VM's own GUID, which its snapshots name in logical_id */
		snprintf(vm_guid, sizeof(vm_guid), "%s",
			 s->cfg.global_id[0] ? s->cfg.global_id : s->cfg.logical_id);
		dir_of(s->path, near, sizeof(near));
		config_guid(s, guid);
	} else if (rc == -ENOENT && guid_norm(vm, guid)) {
		snprintf(vm_guid, sizeof(vm_guid), "%s", guid); /* no configuration: by GUID */
	} else if (rc == -ENOENT) {
		rc = vms_fail(err, -ENOENT, "locate: no VM configuration named '%s' below %s%s", vm,
			      dir, s->unreadable ? " (some .vmcx files could not be read)" : "");
		goto out_free;
	} else {
		goto out_free;
	}

	if (snapshot) {
		const unsigned unreadable = s->unreadable;
		memset(s, 0, sizeof(*s));
		s->reader = reader;
		s->want = snapshot;
		s->vm_guid = vm_guid;
		s->unreadable = unreadable;
		guid[0] = near[0] = '\0';
		rc = search_config(dir, s, err);
		if (rc == 0) {
			dir_of(s->path, near, sizeof(near));
			config_guid(s, guid);
		} else if (rc == -ENOENT && guid_norm(snapshot, guid)) {
			rc = 0;
		} else if (rc == -ENOENT) {
			rc = vms_fail(err, -ENOENT, "locate: VM '%s' has no snapshot '%s' below %s",
				      vm, snapshot, dir);
			goto out_free;
		} else {
			goto out_free;
		}
	}

	find_state(dir, near[0] ? near : NULL, s->matches ? &s->cfg : NULL, guid, out);
	if (!out->vmrs[0] && !out->bin[0] && !out->vsv[0])
		rc = vms_fail(err, -ENOENT, "locate: %s '%s' has no saved-state file below %s",
			      snapshot ? "snapshot" : "VM", snapshot ? snapshot : vm, dir);
	else
		rc = 0;
out_free:
	free(s);
	return rc;
}

int vms_locate_read_vmcx(const char *path, struct vms_vm_config *cfg, struct vms_error *err)
{
	struct vms_io_fd f;
	struct vms_io io;
	int rc = vms_io_fd_open(&f, &io, path, err);
	if (rc < 0)
		return rc;
	rc = vms_hyperv_config_query(&io, cfg, err);
	vms_io_fd_close(&f);
	return rc;
}

VMS_API int vms_locate(const char *dir, const char *vm, const char *snapshot,
		       struct vms_located *out, struct vms_error *err)
{
	return vms_locate_with(dir, vm, snapshot, vms_locate_read_vmcx, out, err);
}
