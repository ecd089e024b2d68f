/* Expectations shared by the page-walk tests (Criterion only). Each test file has its own
 * `regs` and `rd` and calls ok()/fault(), which pass them here. */
#ifndef VMS_TEST_TRANSLATE_EXPECT_H
#define VMS_TEST_TRANSLATE_EXPECT_H

#include <criterion/criterion.h>
#include <inttypes.h>

#include "core/translate.h"

/* Translate and require success with the exact GPA and page size. */
static inline struct vms_xlate_info xlate_expect_ok(const struct vms_xlate_regs *regs,
						    const struct vms_pt_reader *rd, uint64_t gva,
						    uint64_t want_gpa, uint64_t want_size)
{
	struct vms_xlate_info info;
	struct vms_error err = {0};
	uint64_t gpa = 0;
	int rc = vms_translate(regs, rd, gva, &gpa, &info, &err);
	cr_assert_eq(rc, 0, "gva %#" PRIx64 ": rc %d: %s", gva, rc, err.msg);
	cr_assert_eq(gpa, want_gpa, "gva %#" PRIx64 " -> %#" PRIx64 ", want %#" PRIx64, gva, gpa,
		     want_gpa);
	cr_assert_eq(info.page_size, want_size, "page size %#" PRIx64, info.page_size);
	cr_assert_eq(info.unmapped_len, 0);
	return info;
}

/* Translate and require -EFAULT with the exact unmapped length and level, the output left
 * alone and a message; returns the error. */
static inline struct vms_error xlate_expect_fault(const struct vms_xlate_regs *regs,
						  const struct vms_pt_reader *rd, uint64_t gva,
						  uint64_t want_len, int want_level)
{
	struct vms_xlate_info info;
	struct vms_error err = {0};
	uint64_t gpa = 0xdead;
	int rc = vms_translate(regs, rd, gva, &gpa, &info, &err);
	cr_assert_eq(rc, -EFAULT, "gva %#" PRIx64 ": rc %d (gpa %#" PRIx64 ")", gva, rc, gpa);
	cr_assert_eq(gpa, 0xdead, "gpa written on failure");
	cr_assert_eq(info.unmapped_len, want_len,
		     "gva %#" PRIx64 ": unmapped_len %#" PRIx64 ", want %#" PRIx64 " (%s)", gva,
		     info.unmapped_len, want_len, err.msg);
	cr_assert_eq(info.level, want_level, "level %d, want %d (%s)", info.level, want_level,
		     err.msg);
	cr_assert_eq(err.code, -EFAULT);
	cr_assert(err.msg[0], "empty message");
	return err;
}

#define ok(gva, want_gpa, want_size) xlate_expect_ok(&regs, &rd, gva, want_gpa, want_size)
#define fault(gva, want_len, want_level) xlate_expect_fault(&regs, &rd, gva, want_len, want_level)

#endif
