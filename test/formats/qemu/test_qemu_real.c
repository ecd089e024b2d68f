/* Saved states written by Debian's QEMU 7.2 for our own bare-metal guests (long mode with
 * 4 KiB/2 MiB/1 GiB pages, 32-bit PAE, 32-bit with 4 MiB pages; 2 vCPUs each), compared
 * with QEMU's own answers for the same stopped VM (test/qemu/qemu_fixtures.py). */
#include <criterion/criterion.h>

#include "support/qemu_truth.h"

static void check(const char *guest, const char *file, bool all_regs, bool phys_complete)
{
	const char *dir = qemu_truth_dir(guest);
	if (!dir)
		return;
	struct qemu_check c = {file, all_regs, phys_complete};
	unsigned n = qemu_truth_check(dir, &c);
	cr_log_info("%s/%s: %u comparisons with QEMU", guest, file, n);
	cr_assert_gt(n, 100u);
}

#define REAL(fmt, file, all_regs, complete)                                                        \
	Test(qemu_real, fmt##_lm64)                                                                \
	{                                                                                          \
		check("lm64", file, all_regs, complete);                                           \
	}                                                                                          \
	Test(qemu_real, fmt##_pae)                                                                 \
	{                                                                                          \
		check("pae", file, all_regs, complete);                                            \
	}                                                                                          \
	Test(qemu_real, fmt##_x86)                                                                 \
	{                                                                                          \
		check("x86", file, all_regs, complete);                                            \
	}

REAL(elf, "dump.elf", false, true)
REAL(elf_paging, "dump-paging.elf", false, false)
REAL(kdump, "dump.kdump", false, true)
REAL(migration, "stream.mig", true, true)
REAL(libvirt, "save.libvirt", true, true)
