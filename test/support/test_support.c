/* Fixture paths and temporary files for the tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/test_support.h"

const char *vms_test_fixture(const char *rel)
{
	static __thread char path[4096];
	const char *dir = getenv("VMS_FIXTURES_DIR");
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : VMS_FIXTURES_DIR, rel);
	return access(path, R_OK) == 0 ? path : NULL;
}

char *vms_test_write_temp(const char *name, const void *data, size_t len)
{
	char dir_tmpl[] = "/tmp/vms-test-XXXXXX";
	if (!mkdtemp(dir_tmpl))
		abort();
	size_t plen = strlen(dir_tmpl) + strlen(name) + 2;
	char *path = malloc(plen);
	if (!path)
		abort();
	snprintf(path, plen, "%s/%s", dir_tmpl, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
	return path;
}

uint8_t *vms_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0) {
		fclose(f);
		return NULL;
	}
	long n = ftell(f);
	rewind(f);
	uint8_t *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

uint64_t vms_test_file_digest(const char *path)
{
	size_t len = 0;
	uint8_t *buf = vms_test_read_file(path, &len);
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; buf && i < len; i++) {
		h ^= buf[i];
		h *= 1099511628211ull;
	}
	free(buf);
	return buf ? h : 0;
}
