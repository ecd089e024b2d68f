/* Runs the programs of examples/ on a raw image + layout.json sidecar made here, and checks
 * their output against what the image holds. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "export/export_source.h"

static char *run(const char *cmd, int *status)
{
	char full[4096];
	snprintf(full, sizeof(full), "%s 2>/dev/null", cmd);
	FILE *p = popen(full, "r");
	cr_assert(p);
	size_t cap = 1 << 20, len = 0, n;
	char *out = malloc(cap);
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0)
		len += n;
	out[len] = 0;
	int st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

Test(examples, print_registers)
{
	char *img = es_write_raw("ex.img", 4 * 4096);
	char cmd[4096], want[128];
	snprintf(cmd, sizeof(cmd), "%s '%s'", EXAMPLE_PRINT_REGISTERS, img);
	int st;
	char *out = run(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "format raw, 2 VPs"), "%s", out);
	cr_assert(strstr(out, "vp 1: arch x64, paging long"), "%s", out);
	snprintf(want, sizeof(want), "rax                  0x%016" PRIx64, es_reg(1, VMS_REG_RAX));
	cr_assert(strstr(out, want), "missing '%s' in:\n%s", want, out);
	free(out);
	free(img);
}

Test(examples, dump_virtual)
{
	char *img = es_write_raw("ex.img", 4 * 4096);
	char cmd[4096], want[128];
	/* 32 bytes straddling the two mapped pages, then an unmapped page */
	snprintf(cmd, sizeof(cmd), "%s '%s' 0 %#llx 32", EXAMPLE_DUMP_VIRTUAL, img,
		 (unsigned long long)(ES_GVA + 4096 - 16));
	int st;
	char *out = run(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	snprintf(want, sizeof(want), "-> gpa %#llx (16 bytes)",
		 (unsigned long long)(ES_GVA_GPA0 + 4096 - 16));
	cr_assert(strstr(out, want), "missing '%s' in:\n%s", want, out);
	snprintf(want, sizeof(want), "0000000000400ff0: %02x %02x", es_byte(ES_GVA_GPA0 + 4080),
		 es_byte(ES_GVA_GPA0 + 4081));
	cr_assert(strstr(out, want), "missing '%s' in:\n%s", want, out);
	free(out);
	snprintf(cmd, sizeof(cmd), "%s '%s' 0 %#llx 16", EXAMPLE_DUMP_VIRTUAL, img,
		 (unsigned long long)(ES_GVA + 2 * 4096));
	out = run(cmd, &st);
	cr_assert_eq(st, 3, "unmapped page: exit 3\n%s", out);
	cr_assert(strstr(out, "EFAULT"), "%s", out);
	free(out);
	free(img);
}

Test(examples, stream_physmem)
{
	char *img = es_write_raw("ex.img", 4 * 4096);
	vms_handle *h = es_open(img);
	size_t n = vms_chunk_list(h, NULL, 0);
	struct vms_chunk c[8];
	cr_assert_eq(vms_chunk_list(h, c, 8), n);
	uint64_t total = 0, sum = 14695981039346656037ull;
	uint8_t page[4096];
	for (size_t i = 0; i < n; i++)
		for (uint64_t p = 0; p < c[i].pages; p++) {
			uint64_t done;
			cr_assert_eq(
				vms_read_gpa(h, c[i].gpa + p * 4096, page, 4096, 0, &done, NULL),
				0);
			for (int k = 0; k < 4096; k++)
				sum = (sum ^ page[k]) * 1099511628211ull;
			total += 4096;
		}
	vms_close(h);
	char cmd[4096], want[128];
	snprintf(cmd, sizeof(cmd), "%s -c '%s'", EXAMPLE_STREAM_PHYSMEM, img);
	int st;
	char *out = run(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	snprintf(want, sizeof(want), "%" PRIu64 " bytes fnv1a64 %016" PRIx64, total, sum);
	cr_assert(strstr(out, want), "missing '%s' in:\n%s", want, out);
	free(out);
	snprintf(cmd, sizeof(cmd), "%s '%s' | wc -c", EXAMPLE_STREAM_PHYSMEM, img);
	out = run(cmd, &st);
	cr_assert_eq(strtoull(out, NULL, 10), total);
	free(out);
	free(img);
}
