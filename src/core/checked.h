/* Overflow-checked arithmetic for every value that comes from a file or a caller
 * (STYLE.md rule 12). Each returns true when the result overflowed. */
#ifndef VMS_CORE_CHECKED_H
#define VMS_CORE_CHECKED_H

#include <stdbool.h>
#include <stdint.h>

static inline bool vms_add_overflow(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_add_overflow(a, b, out);
}

static inline bool vms_mul_overflow(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

/** True when [off, off + len) does not fit inside [0, limit). */
static inline bool vms_range_outside(uint64_t off, uint64_t len, uint64_t limit)
{
	uint64_t end;
	return vms_add_overflow(off, len, &end) || end > limit;
}

#endif
