/* Writes the benchmark evidence: a raw flat image of SIZE MiB of non-repeating bytes
 * (file offset == GPA) plus its layout.json sidecar with one chunk, so physmem of the mount
 * and the plain file hold the same bytes.
 * usage: bench_fs_image PATH SIZE_MIB */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s PATH SIZE_MIB\n", argv[0]);
		return 2;
	}
	const uint64_t mib = strtoull(argv[2], NULL, 0);
	FILE *f = fopen(argv[1], "wb");
	static uint64_t block[1 << 17]; /* 1 MiB */
	uint64_t x = 0x243f6a8885a308d3ull;
	if (!f)
		return 1;
	for (uint64_t m = 0; m < mib; m++) {
		for (size_t i = 0; i < sizeof block / sizeof block[0]; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			block[i] = x;
		}
		if (fwrite(block, sizeof block, 1, f) != 1)
			return 1;
	}
	if (fclose(f) != 0)
		return 1;
	char side[4096];
	snprintf(side, sizeof side, "%s.layout.json", argv[1]);
	f = fopen(side, "w");
	if (!f)
		return 1;
	fprintf(f,
		"{\"schema\": \"vmsavedstate-layout\", \"schema_version\": 1, \"page_size\": "
		"4096,\n"
		" \"chunks\": [{\"gpa\": \"0x0\", \"pages\": %" PRIu64
		", \"raw_offset\": \"0x0\"}],\n"
		" \"vps\": [{\"index\": 0, \"arch\": \"x64\", \"registers\": {\"rip\": "
		"\"0x0\"}}]}\n",
		mib * 256);
	return fclose(f) != 0;
}
