/* gdb as an oracle for the ELF export: batch-run gdb on an exported core and compare
 * `info registers` per thread with the source (other-formats.md §11.5). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/export_source.h"

#define GDB_PATH "/usr/bin/gdb"

/* Run gdb in batch mode on `core` and return its output (malloc'd). */
static char *gdb_registers(const char *core, unsigned threads)
{
	char cmd[4096];
	int n = snprintf(cmd, sizeof(cmd), "%s -batch -nx -c '%s'", GDB_PATH, core);
	for (unsigned t = 1; t <= threads; t++)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n,
			      " -ex 'thread %u' -ex 'echo @@thread %u\\n' -ex 'info registers'"
			      " -ex 'info registers fs_base gs_base'",
			      t, t);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " 2>&1");
	FILE *p = popen(cmd, "r");
	cr_assert(p);
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	while ((n = (int)fread(out + len, 1, cap - len - 1, p)) > 0)
		len += (size_t)n;
	out[len] = 0;
	pclose(p);
	return out;
}

/* Value gdb printed for register `name` in the section of thread `t`. */
static bool gdb_value(const char *out, unsigned t, const char *name, unsigned long long *v)
{
	char mark[32];
	snprintf(mark, sizeof(mark), "@@thread %u\n", t);
	const char *s = strstr(out, mark);
	if (!s)
		return false;
	s += strlen(mark);
	const char *end = strstr(s, "@@thread");
	size_t nl = strlen(name);
	for (const char *l = s; l && *l && (!end || l < end);
	     l = strchr(l, '\n'), l = l ? l + 1 : l)
		if (strncmp(l, name, nl) == 0 && l[nl] == ' ')
			return sscanf(l + nl, " %llx", v) == 1;
	return false;
}

void es_expect_gdb_matches(const char *src_path)
{
	if (access(GDB_PATH, X_OK) != 0) {
		cr_skip_test("%s absent", GDB_PATH);
		return;
	}
	vms_handle *src = es_open(src_path);
	char *core = es_temp_path("core.elf");
	cr_assert_eq(es_export(src, 3 /* VMS_EXPORT_ELF */, core, false, 0, 0), 0);
	char *out = gdb_registers(core, vms_vp_count(src));
	static const struct {
		const char *gdb;
		enum vms_reg reg;
		unsigned long long mask;
	} regs[] = {
		{"rax", VMS_REG_RAX, ~0ull},	     {"rbx", VMS_REG_RBX, ~0ull},
		{"rcx", VMS_REG_RCX, ~0ull},	     {"rdx", VMS_REG_RDX, ~0ull},
		{"rsi", VMS_REG_RSI, ~0ull},	     {"rdi", VMS_REG_RDI, ~0ull},
		{"rbp", VMS_REG_RBP, ~0ull},	     {"rsp", VMS_REG_RSP, ~0ull},
		{"r8", VMS_REG_R8, ~0ull},	     {"r9", VMS_REG_R9, ~0ull},
		{"r10", VMS_REG_R10, ~0ull},	     {"r11", VMS_REG_R11, ~0ull},
		{"r12", VMS_REG_R12, ~0ull},	     {"r13", VMS_REG_R13, ~0ull},
		{"r14", VMS_REG_R14, ~0ull},	     {"r15", VMS_REG_R15, ~0ull},
		{"rip", VMS_REG_RIP, ~0ull},	     {"eflags", VMS_REG_RFLAGS, 0xffffffffull},
		{"cs", VMS_REG_CS, 0xffff},	     {"ss", VMS_REG_SS, 0xffff},
		{"ds", VMS_REG_DS, 0xffff},	     {"es", VMS_REG_ES, 0xffff},
		{"fs", VMS_REG_FS, 0xffff},	     {"gs", VMS_REG_GS, 0xffff},
		{"fs_base", VMS_REG_FS_BASE, ~0ull}, {"gs_base", VMS_REG_GS_BASE, ~0ull},
	};
	unsigned checked = 0;
	for (uint32_t vp = 0; vp < vms_vp_count(src); vp++) {
		for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
			struct vms_reg_value want;
			unsigned long long got;
			cr_assert_eq(vms_vp_get_register(src, vp, regs[i].reg, &want, NULL), 0);
			cr_assert(gdb_value(out, vp + 1, regs[i].gdb, &got),
				  "gdb printed no %s for thread %u:\n%s", regs[i].gdb, vp + 1, out);
			cr_assert_eq(got & regs[i].mask, want.lo & regs[i].mask,
				     "thread %u %s: gdb %#llx, source %#llx", vp + 1, regs[i].gdb,
				     got, (unsigned long long)want.lo);
			checked++;
		}
	}
	cr_assert_eq(checked, vms_vp_count(src) * sizeof(regs) / sizeof(regs[0]));
	free(out);
	free(core);
	vms_close(src);
}
