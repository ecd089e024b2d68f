/* Ground truth recorded from a running QEMU by test/qemu/qemu_fixtures.py, and the checks
 * that compare an opened saved state against it (docs/formats/qemu.md "Tests"). */
#ifndef VMS_TEST_QEMU_TRUTH_H
#define VMS_TEST_QEMU_TRUTH_H

#include <stdbool.h>
#include <stdint.h>

#include <vmsavedstate/vmsavedstate.h>

/** Directory of the fixtures for `guest` ("lm64", "pae", "x86"). Fails the current test
 *  with a clear message when the fixtures are missing, or skips it when VMS_SKIP_QEMU=1;
 *  returns NULL then (the caller returns). */
const char *qemu_truth_dir(const char *guest);

/** What to compare: not every format saves every register or every byte. */
struct qemu_check {
	const char *file;   /**< file inside the guest's fixture directory */
	bool all_regs;	    /**< compare DRx, EFER and the rest (migration streams) */
	bool phys_complete; /**< all RAM and the BIOS present: compare pmemsave ranges */
};

/** Open `dir/check->file` and assert registers, translations and reads against truth.json.
 *  Returns the number of comparisons made (for the measurement line). */
unsigned qemu_truth_check(const char *dir, const struct qemu_check *check);

#endif
