/* A program built against the installed library only: checks the version and opens an
 * in-memory image that no backend but raw accepts. */
#include <stdio.h>
#include <string.h>

#include <vmsavedstate/vmsavedstate.h>

int main(void)
{
	if (strcmp(vms_version(), VMS_VERSION_STRING) != 0) {
		fprintf(stderr, "version mismatch: %s vs %s\n", vms_version(), VMS_VERSION_STRING);
		return 1;
	}
	static unsigned char image[8192];
	struct vms_io io;
	vms_io_mem_init(&io, image, sizeof(image), "image");
	vms_handle *h = NULL;
	struct vms_error err;
	if (vms_open_io(&io, 1, NULL, &h, &err) != 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		return 1;
	}
	printf("consumer: %s, %s, raw size %llu\n", vms_version(), vms_format_name(h),
	       (unsigned long long)vms_raw_size(h));
	vms_close(h);
	return 0;
}
