/* Error reporting inside the library: fill the caller's struct vms_error and return the
 * code (STYLE.md rule 9). Codes come from the table in error.c. */
#ifndef VMS_CORE_ERROR_H
#define VMS_CORE_ERROR_H

#include <errno.h>

#include <vmsavedstate/vmsavedstate.h>

/** Fill `err` (may be NULL) with `code` and a formatted message; return `code`. */
int vms_fail(struct vms_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Prefix err->msg with "what: " (for adding context on the way up); return err->code or
 *  `code` when err is NULL. */
int vms_fail_prefix(struct vms_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define VMS_RETURN_IF(cond, err, code, ...)                                                        \
	do {                                                                                       \
		if (cond)                                                                          \
			return vms_fail((err), (code), __VA_ARGS__);                               \
	} while (0)

#endif
