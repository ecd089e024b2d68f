/* Stream all guest-physical memory chunk by chunk, in 1 MiB pieces, to stdout (or just
 * checksum it with -c), the way an exporter or an indexer would.
 *   stream_physmem [-c] SAVEDSTATE > memory.bin
 * Only chunk bytes are produced, in GPA order; the chunk map goes to stderr. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmsavedstate/vmsavedstate.h>

#define PIECE (1u << 20)

int main(int argc, char **argv)
{
	int checksum_only = argc == 3 && strcmp(argv[1], "-c") == 0;
	if (argc != 2 + checksum_only) {
		fprintf(stderr, "usage: %s [-c] SAVEDSTATE\n", argv[0]);
		return 1;
	}
	const char *path = argv[1 + checksum_only];
	vms_handle *h = NULL;
	struct vms_error err = {0};
	if (vms_open(path, NULL, &h, &err) != 0) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		return 2;
	}
	size_t n = vms_chunk_list(h, NULL, 0);
	struct vms_chunk *chunks = calloc(n ? n : 1, sizeof(*chunks));
	uint8_t *buf = malloc(PIECE);
	if (!chunks || !buf)
		return 2;
	vms_chunk_list(h, chunks, n);
	uint64_t total = 0, sum = 14695981039346656037ull; /* FNV-1a 64 */
	int status = 0;
	for (size_t i = 0; i < n && !status; i++) {
		uint64_t len = chunks[i].pages * vms_page_size(h);
		fprintf(stderr, "chunk %zu: gpa %#" PRIx64 " +%#" PRIx64 "\n", i, chunks[i].gpa,
			len);
		for (uint64_t off = 0; off < len && !status; off += PIECE) {
			uint64_t want = len - off < PIECE ? len - off : PIECE, done;
			if (vms_read_gpa(h, chunks[i].gpa + off, buf, want, 0, &done, &err) != 0 ||
			    done != want) {
				fprintf(stderr, "%s: %s\n", path, err.msg);
				status = 2;
				break;
			}
			if (checksum_only)
				for (uint64_t k = 0; k < want; k++)
					sum = (sum ^ buf[k]) * 1099511628211ull;
			else if (fwrite(buf, 1, want, stdout) != want)
				status = 2;
			total += want;
		}
	}
	if (checksum_only && !status)
		printf("%" PRIu64 " bytes fnv1a64 %016" PRIx64 "\n", total, sum);
	free(buf);
	free(chunks);
	vms_close(h);
	return status;
}
