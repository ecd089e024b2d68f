/* Write the fuzz seeds for the QEMU harnesses from the synthetic builders:
 *   cc -I test -I src test/qemu/make_seeds.c test/support/qemu_builder.c -lz -o make_seeds
 *   ./make_seeds fuzz/corpus
 * Besides each whole file, a few truncations are written (short seeds reach early checks). */
#include <stdio.h>
#include <stdlib.h>

#include "support/qemu_builder.h"

static void save(const char *dir, const char *harness, const char *name, const uint8_t *b,
		 size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", dir, harness, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	size_t len;
	uint8_t *b = qb_elf(&len);
	save(argv[1], "fuzz_qemu_elf", "synthetic.elf", b, len);
	save(argv[1], "fuzz_qemu_elf", "headers-only.elf", b, 1024);
	free(b);
	for (int flat = 0; flat < 2; flat++) {
		b = qb_kdump(flat, &len);
		save(argv[1], "fuzz_qemu_kdump", flat ? "flattened.kdump" : "plain.kdump", b, len);
		free(b);
	}
	b = qb_migration(&len);
	save(argv[1], "fuzz_qemu_migration", "stream.mig", b, len);
	free(b);
	for (int swap = 0; swap < 2; swap++) {
		b = qb_libvirt(swap, &len);
		save(argv[1], "fuzz_qemu_migration", swap ? "libvirt-be.save" : "libvirt.save", b,
		     len);
		free(b);
	}
	return 0;
}
