/* Export throughput (other-formats.md Part B) from a compressed Hyper-V .vmrs made by
 * vms_make_demo: for each format, (1) the virtual-file path, vms_export_read of the whole
 * output in 1 MiB pieces (what the FUSE files do), and (2) the streaming writer to a file in
 * the directory of OUT, fsync included. Each with a fresh handle (cold decoded-block cache).
 *   bench_export FILE.vmrs OUTDIR [RUNS] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <export/export.h>

#define PIECE (1u << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static vms_handle *open_src(const char *path)
{
	vms_handle *h = NULL;
	struct vms_error err = {0};
	if (vms_open(path, NULL, &h, &err) != 0) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		exit(2);
	}
	return h;
}

/* Seconds to read the whole output through vms_export_read. */
static double run_read(const char *src, enum vms_export_format f, uint64_t *size)
{
	vms_handle *h = open_src(src);
	struct vms_export_plan *p;
	uint8_t *buf = malloc(PIECE);
	if (!buf || vms_export_plan(h, f, NULL, &p, NULL) != 0)
		exit(2);
	*size = vms_export_size(p);
	double t0 = now();
	for (uint64_t off = 0; off < *size; off += PIECE) {
		size_t done;
		if (vms_export_read(h, p, off, buf, PIECE, &done, NULL) != 0)
			exit(2);
	}
	double t = now() - t0;
	vms_export_plan_free(p);
	free(buf);
	vms_close(h);
	return t;
}

/* Seconds to write the output to a file (sparse holes, fsync). */
static double run_write(const char *src, enum vms_export_format f, const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/bench_export.out", dir);
	vms_handle *h = open_src(src);
	struct vms_export_plan *p;
	struct vms_error err = {0};
	if (vms_export_plan(h, f, NULL, &p, &err) != 0)
		exit(2);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		exit(2);
	double t0 = now();
	if (vms_export_write_fd(h, p, fd, NULL, &err) != 0 || fsync(fd) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(2);
	}
	double t = now() - t0;
	close(fd);
	unlink(path);
	vms_export_plan_free(p);
	vms_close(h);
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE.vmrs OUTDIR [RUNS]\n", argv[0]);
		return 1;
	}
	int runs = argc > 3 ? atoi(argv[3]) : 3;
	for (int f = VMS_EXPORT_RAW; f <= VMS_EXPORT_ELF; f++) {
		double best_r = 1e30, best_w = 1e30;
		uint64_t size = 0;
		for (int r = 0; r < runs; r++) {
			double t = run_read(argv[1], (enum vms_export_format)f, &size);
			best_r = t < best_r ? t : best_r;
			t = run_write(argv[1], (enum vms_export_format)f, argv[2]);
			best_w = t < best_w ? t : best_w;
		}
		printf("%-5s %8.1f MiB  read %6.2f GB/s  write+fsync %6.2f GB/s  (best of %d)\n",
		       vms_export_format_name((enum vms_export_format)f), (double)size / (1 << 20),
		       (double)size / best_r / 1e9, (double)size / best_w / 1e9, runs);
	}
	return 0;
}
