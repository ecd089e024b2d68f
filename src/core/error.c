/* The one table of error codes and their names (STYLE.md rule 8). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

struct code_entry {
	int code;
	const char *name;
	const char *text;
};

static const struct code_entry code_table[] = {
	{0, "OK", "OK: success"},
	{-EINVAL, "EINVAL", "EINVAL: invalid argument"},
	{-ENOMEM, "ENOMEM", "ENOMEM: out of memory"},
	{-EIO, "EIO", "EIO: input/output error"},
	{-EBADMSG, "EBADMSG", "EBADMSG: malformed input"},
	{-ENOTSUP, "ENOTSUP", "ENOTSUP: unsupported version or feature"},
	{-EPROTONOSUPPORT, "EPROTONOSUPPORT", "EPROTONOSUPPORT: format not recognised"},
	{-EFAULT, "EFAULT", "EFAULT: address not mapped or not present"},
	{-ERANGE, "ERANGE", "ERANGE: index out of range"},
	{-EFBIG, "EFBIG", "EFBIG: input exceeds the configured limits"},
	{-ENOENT, "ENOENT", "ENOENT: no such file or item"},
	{-ENODATA, "ENODATA", "ENODATA: the saved state holds no such data"},
	{-ENXIO, "ENXIO", "ENXIO: no data past this offset"},
	{-EACCES, "EACCES", "EACCES: permission denied"},
	{-EISDIR, "EISDIR", "EISDIR: is a directory"},
	{-ENOSPC, "ENOSPC", "ENOSPC: no space left on device"},
};

static const struct code_entry *find_code(int code)
{
	for (size_t i = 0; i < sizeof(code_table) / sizeof(code_table[0]); i++)
		if (code_table[i].code == code)
			return &code_table[i];
	return NULL;
}

VMS_API const char *vms_strerror(int code)
{
	const struct code_entry *e = find_code(code);
	return e ? e->text : "unknown error";
}

VMS_API const char *vms_errname(int code)
{
	const struct code_entry *e = find_code(code);
	return e ? e->name : "EUNKNOWN";
}

int vms_fail(struct vms_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

int vms_fail_prefix(struct vms_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	char prefix[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* Shift the old message right and put "prefix: " in front; the tail may be cut. */
	size_t pl = strlen(prefix) + 2;
	size_t cap = sizeof(err->msg);
	err->msg[cap - 1] = '\0';
	memmove(err->msg + pl, err->msg, cap - pl - 1);
	memcpy(err->msg, prefix, pl - 2);
	err->msg[pl - 2] = ':';
	err->msg[pl - 1] = ' ';
	err->msg[cap - 1] = '\0';
	if (err->code == 0)
		err->code = code;
	return err->code;
}
