/* Translate a guest-virtual range through one VP's page tables and hex-dump it.
 *   dump_virtual SAVEDSTATE VP GVA LEN
 * Each page is translated with vms_gva_to_gpa (printing the mapping) and read with
 * vms_read_gpa; an unmapped page is reported with the reason and skipped. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <vmsavedstate/vmsavedstate.h>

#define PAGE 4096u
#define MAX_LEN (1u << 20)

static void hexdump(uint64_t gva, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 16) {
		printf("%016" PRIx64 ":", gva + i);
		for (size_t k = i; k < i + 16 && k < n; k++)
			printf(" %02x", b[k]);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s SAVEDSTATE VP GVA LEN\n", argv[0]);
		return 1;
	}
	uint32_t vp = (uint32_t)strtoul(argv[2], NULL, 0);
	uint64_t gva = strtoull(argv[3], NULL, 0), len = strtoull(argv[4], NULL, 0);
	if (len > MAX_LEN) {
		fprintf(stderr, "LEN is limited to %u bytes\n", MAX_LEN);
		return 1;
	}
	vms_handle *h = NULL;
	struct vms_error err = {0};
	if (vms_open(argv[1], NULL, &h, &err) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], err.msg);
		return 2;
	}
	int status = 0;
	uint8_t page[PAGE];
	while (len > 0) {
		uint64_t in_page = PAGE - (gva & (PAGE - 1));
		size_t n = (size_t)(len < in_page ? len : in_page);
		uint64_t gpa, done;
		int rc = vms_gva_to_gpa(h, vp, gva, &gpa, NULL, &err);
		if (rc == 0)
			rc = vms_read_gpa(h, gpa, page, n, 0, &done, &err);
		if (rc == 0) {
			printf("gva %#" PRIx64 " -> gpa %#" PRIx64 " (%zu bytes)\n", gva, gpa, n);
			hexdump(gva, page, n);
		} else {
			printf("gva %#" PRIx64 ": %s (%s)\n", gva, vms_strerror(rc), err.msg);
			status = 3;
		}
		gva += n;
		len -= n;
	}
	vms_close(h);
	return status;
}
