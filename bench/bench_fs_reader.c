/* Reader for the FUSE benchmark: "seq FILE BLOCK" reads FILE start to end in BLOCK-byte
 * reads and prints MiB/s; "rand FILE SECONDS THREADS" does random 4 KiB preads (aligned,
 * uniform over the file) and prints reads/s. Results go to bench/README.md. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct rand_arg {
	const char *path;
	double seconds;
	uint64_t size;
	uint64_t seed;
	uint64_t reads;
};

static void *rand_main(void *p)
{
	struct rand_arg *a = p;
	char buf[4096];
	int fd = open(a->path, O_RDONLY);
	if (fd < 0)
		return NULL;
	const uint64_t pages = a->size / 4096;
	const double end = now() + a->seconds;
	uint64_t x = a->seed | 1;
	while (now() < end) {
		for (int i = 0; i < 64; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (pread(fd, buf, sizeof buf, (off_t)((x % pages) * 4096)) != sizeof buf) {
				close(fd);
				return NULL;
			}
			a->reads++;
		}
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "seq") == 0) {
		size_t block = strtoul(argv[3], NULL, 0);
		char *buf = malloc(block);
		int fd = open(argv[2], O_RDONLY);
		if (!buf || fd < 0) {
			perror(argv[2]);
			return 1;
		}
		uint64_t total = 0;
		double t0 = now();
		for (;;) {
			ssize_t n = read(fd, buf, block);
			if (n < 0) {
				perror("read");
				return 1;
			}
			if (n == 0)
				break;
			total += (uint64_t)n;
		}
		double dt = now() - t0;
		printf("%.1f MiB/s (%llu bytes in %.3f s)\n", (double)total / dt / 1048576.0,
		       (unsigned long long)total, dt);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "rand") == 0) {
		struct stat st;
		if (stat(argv[2], &st) != 0) {
			perror(argv[2]);
			return 1;
		}
		int threads = atoi(argv[4]);
		if (threads < 1 || threads > 64)
			threads = 1;
		pthread_t t[64];
		struct rand_arg a[64];
		for (int i = 0; i < threads; i++) {
			a[i] = (struct rand_arg){argv[2], atof(argv[3]), (uint64_t)st.st_size,
						 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1), 0};
			pthread_create(&t[i], NULL, rand_main, &a[i]);
		}
		uint64_t reads = 0;
		for (int i = 0; i < threads; i++) {
			pthread_join(t[i], NULL);
			reads += a[i].reads;
		}
		printf("%.0f reads/s (%d threads)\n", (double)reads / atof(argv[3]), threads);
		return 0;
	}
	fprintf(stderr, "usage: %s seq FILE BLOCK | rand FILE SECONDS THREADS\n", argv[0]);
	return 2;
}
