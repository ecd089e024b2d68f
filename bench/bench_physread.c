/* Physical-read throughput on the raw backend against plain pread of the same file, both
 * with the file in the page cache: the core's overhead per byte (target: within 10%).
 *   bench_physread [SIZE_MIB] [FILE]     (default 1024 MiB in /tmp) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vmsavedstate/vmsavedstate.h>

#define PIECE (1u << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int make_image(const char *path, uint64_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	uint8_t *buf = malloc(PIECE);
	if (!buf) {
		fclose(f);
		return -1;
	}
	for (uint64_t off = 0; off < size; off += PIECE) {
		for (size_t i = 0; i < PIECE; i += 8)
			memcpy(buf + i, &(uint64_t){off + i}, 8);
		if (fwrite(buf, 1, PIECE, f) != PIECE) {
			free(buf);
			fclose(f);
			return -1;
		}
	}
	free(buf);
	return fclose(f);
}

static double bench_pread(const char *path, uint64_t size, uint8_t *buf)
{
	int fd = open(path, O_RDONLY);
	double t = now();
	for (uint64_t off = 0; off < size; off += PIECE)
		if (pread(fd, buf, PIECE, (off_t)off) != PIECE)
			abort();
	t = now() - t;
	close(fd);
	return (double)size / t / 1e9;
}

static double bench_vms(vms_handle *h, uint64_t size, uint8_t *buf)
{
	double t = now();
	for (uint64_t gpa = 0; gpa < size; gpa += PIECE) {
		uint64_t done;
		if (vms_read_gpa(h, gpa, buf, PIECE, 0, &done, NULL) != 0 || done != PIECE)
			abort();
	}
	return (double)size / (now() - t) / 1e9;
}

static double bench_random_4k(vms_handle *h, uint64_t size, uint8_t *buf, unsigned count)
{
	uint64_t x = 88172645463325252ull;
	double t = now();
	for (unsigned i = 0; i < count; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t gpa = (x % (size / 4096)) * 4096;
		if (vms_read_gpa(h, gpa, buf, 4096, 0, NULL, NULL) != 0)
			abort();
	}
	return count / (now() - t);
}

int main(int argc, char **argv)
{
	uint64_t size = (argc > 1 ? strtoull(argv[1], NULL, 0) : 1024) << 20;
	const char *path = argc > 2 ? argv[2] : "/tmp/vms-bench-physread.raw";
	if (access(path, R_OK) != 0 && make_image(path, size) != 0) {
		perror(path);
		return 1;
	}
	uint8_t *buf = malloc(PIECE);
	vms_handle *h;
	struct vms_error err;
	if (!buf || vms_open(path, NULL, &h, &err) != 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		return 1;
	}
	bench_pread(path, size, buf); /* warm the page cache */
	double best_p = 0, best_v = 0;
	for (int r = 0; r < 5; r++) {
		double p = bench_pread(path, size, buf), v = bench_vms(h, size, buf);
		best_p = p > best_p ? p : best_p;
		best_v = v > best_v ? v : best_v;
	}
	printf("sequential 1 MiB reads of %llu MiB: pread %.2f GB/s, vms_read_gpa %.2f GB/s "
	       "(%.1f%% of pread)\n",
	       (unsigned long long)(size >> 20), best_p, best_v, 100.0 * best_v / best_p);
	printf("random 4 KiB vms_read_gpa: %.0f reads/s\n", bench_random_4k(h, size, buf, 500000));
	vms_close(h);
	free(buf);
	return 0;
}
