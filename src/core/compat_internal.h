/* Pure helpers of the Microsoft-compatible layer (compat_dumpprovider.c), visible to its unit
 * tests only: not exported from the shared library, not installed. Part of that layer, so
 * Windows types may appear here (STYLE.md rule 5). */
#ifndef VMS_CORE_COMPAT_INTERNAL_H
#define VMS_CORE_COMPAT_INTERNAL_H

#include <stddef.h>

#include <vmsavedstate/vmsavedstate.h>
#include <vmsavedstate/vmsavedstatedump.h>

/** Contexts in which a native code maps to a different HRESULT (docs §7.5). */
enum vms_compat_ctx {
	VMS_COMPAT_GENERAL,
	VMS_COMPAT_LOAD,     /* -ENODATA: no partition state */
	VMS_COMPAT_VP_STATE, /* -ENODATA: register or VP state missing */
	VMS_COMPAT_GVA,	     /* -EFAULT: VA not mapped */
	VMS_COMPAT_VTL,	     /* -ENODATA: VTL not enabled */
};

/** The one native-code -> HRESULT table. */
HRESULT vms_compat_hresult(int code, enum vms_compat_ctx ctx);

/** NUL-terminated UTF-16 -> UTF-8 into out[cap]. @return 0; -EINVAL (NULL, unpaired
 *  surrogate, or longer than cap - 1 bytes). */
int vms_compat_utf16_to_utf8(const WCHAR *in, char *out, size_t cap);

/** UTF-8 -> newly malloc'd NUL-terminated UTF-16. @return 0; -EILSEQ (invalid UTF-8:
 *  overlong, surrogate, > U+10FFFF, truncated); -ENOMEM. */
int vms_compat_utf8_to_utf16(const char *in, WCHAR **out);

/** Register source for the packing helpers: fetch native register `reg`. */
typedef int (*vms_compat_reg_get_fn)(void *ctx, enum vms_reg reg, struct vms_reg_value *value);

/** New-ABI read: map `register_id` (REGISTER_ID) and pack it for a VP of `arch`. */
HRESULT vms_compat_read_new(vms_compat_reg_get_fn get, void *ctx, enum vms_arch arch,
			    DWORD register_id, VIRTUAL_PROCESSOR_REGISTER_NEW_ABI *out);

/** Old-ABI read: reg->Architecture and reg->RegisterId in, reg->RegisterValue out. */
HRESULT vms_compat_read_old(vms_compat_reg_get_fn get, void *ctx,
			    VIRTUAL_PROCESSOR_REGISTER_OLD_ABI *reg);

#endif
