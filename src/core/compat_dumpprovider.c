/* Microsoft-compatible dump-provider API (vmsavedstatedump.h) over the native API: UTF-16
 * paths, HRESULTs, UINT32 lengths and both register ABIs. docs/hyperv-format.md §7.
 * The only source file where Windows types and HRESULTs appear (STYLE.md rule 5). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <vmsavedstate/vmsavedstate.h>
#include <vmsavedstate/vmsavedstatedump.h>

#include "core/compat_internal.h"

/* The header maps Microsoft's names onto the *NewAbi / *OldAbi symbols; this file also
 * exports the new-ABI functions under Microsoft's own names, for callers using dlsym(). */
#undef GetRegisterValue
#undef GuestVirtualAddressToPhysicalAddress
#undef LocalFree

#define COMPAT_PATH_MAX 4096u
#define COMPAT_LOCATE_ENV "VMSAVEDSTATE_LOCATE_DIR"
#define COMPAT_RAW_FORMAT "raw" /* the headerless flat-image backend */

/* UTF-16 code-unit ranges (RFC 2781 §2) */
#define UTF16_HI_FIRST 0xD800u
#define UTF16_LO_FIRST 0xDC00u
#define UTF16_LO_LAST 0xDFFFu
#define UNICODE_MAX 0x10FFFFu

/* Register ids of the two ABIs (§7.4) that are not in the new-ABI REGISTER_ID enum this file
 * sees. Old x86 ids from Eip on equal the old x64 ids minus 8. */
#define OLD_X86_FIRST_SHIFTED 8u
#define OLD_X86_SHIFT 8u
#define OLD_X86_COUNT 72u
#define OLD_X64_RIP 16u
#define OLD_X64_RFLAGS 17u
#define OLD_X64_LOW_XMM0 18u
#define OLD_X64_LOW_XMM_CS 50u
#define OLD_X64_LOW_FP_CS 52u
#define OLD_X64_CR0 54u
#define OLD_X64_DR0 60u
#define OLD_X64_BASE_GS 66u
#define OLD_X64_COUNT 80u

/* What a compat handle adds to the native one. */
struct compat_handle {
	vms_handle *h;
	uint32_t vp_count;
	/* per VP: the last ForceActiveVirtualTrustLevel named a VTL the VP lacks (§7.7) */
	bool *vtl_disabled;
};

/* ---- errors ------------------------------------------------------------------------ */

struct hr_entry {
	int code;
	HRESULT hr;
};

/* §7.5: the DLL documents little beyond S_OK, so codes map to the closest Win32 error;
 * -ENODATA and -EFAULT depend on the call (vms_compat_hresult). */
static const struct hr_entry hr_table[] = {
	{0, S_OK},
	{-EINVAL, E_INVALIDARG},
	{-ERANGE, E_INVALIDARG}, /* [G] §7.5: bad VpId or register id */
	{-ENOMEM, E_OUTOFMEMORY},
	{-ENOENT, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)},
	{-EBADMSG, HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT)},
	{-EPROTONOSUPPORT, HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT)}, /* [S: CRASH] random input */
	{-EIO, HRESULT_FROM_WIN32(ERROR_READ_FAULT)},
	{-ENOTSUP, HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED)},
	{-EFBIG, HRESULT_FROM_WIN32(ERROR_FILE_TOO_LARGE)},
	{-EACCES, E_ACCESSDENIED},
	{-EPERM, E_ACCESSDENIED},
	{-EFAULT, HRESULT_FROM_WIN32(ERROR_INVALID_ADDRESS)},
	{-EILSEQ, HRESULT_FROM_WIN32(ERROR_NO_UNICODE_TRANSLATION)},
	{-ENODATA, VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE},
};

HRESULT vms_compat_hresult(int code, enum vms_compat_ctx ctx)
{
	if (code == -ENODATA && ctx == VMS_COMPAT_LOAD)
		return VM_SAVED_STATE_DUMP_E_PARTITION_STATE_NOT_FOUND;
	if (code == -ENODATA && ctx == VMS_COMPAT_VTL)
		return VM_SAVED_STATE_DUMP_E_VP_VTL_NOT_ENABLED;
	if (code == -EFAULT && ctx == VMS_COMPAT_GVA)
		return VM_SAVED_STATE_DUMP_E_VA_NOT_MAPPED;
	for (size_t i = 0; i < sizeof(hr_table) / sizeof(hr_table[0]); i++)
		if (hr_table[i].code == code)
			return hr_table[i].hr;
	return E_FAIL;
}

/* ---- UTF-16 <-> UTF-8 ---------------------------------------------------------------- */

static size_t utf8_put(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

int vms_compat_utf16_to_utf8(const WCHAR *in, char *out, size_t cap)
{
	size_t len = 0;
	if (!in || !out || cap == 0)
		return -EINVAL;
	/* every unit yields at least one byte, so the output bound also bounds the input walk */
	for (size_t i = 0; in[i] != 0; i++) {
		uint32_t cp = in[i];
		if (cp >= UTF16_HI_FIRST && cp <= UTF16_LO_LAST) {
			uint32_t lo = in[i + 1]; /* in[i] != 0, so in[i + 1] is readable */
			if (cp >= UTF16_LO_FIRST || lo < UTF16_LO_FIRST || lo > UTF16_LO_LAST)
				return -EINVAL; /* unpaired surrogate: no UTF-8 form */
			cp = 0x10000u + ((cp - UTF16_HI_FIRST) << 10) + (lo - UTF16_LO_FIRST);
			i++;
		}
		char enc[4];
		size_t n = utf8_put(cp, enc);
		if (cap - 1 - len < n)
			return -EINVAL;
		memcpy(out + len, enc, n);
		len += n;
	}
	out[len] = '\0';
	return 0;
}

/* Decode one UTF-8 sequence at s (NUL-terminated); returns its length or 0 when invalid. */
static size_t utf8_get(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t min;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		n = 2, min = 0x80, *cp = s[0] & 0x1Fu;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3, min = 0x800, *cp = s[0] & 0x0Fu;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4, min = 0x10000, *cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		*cp = (*cp << 6) | (s[k] & 0x3Fu);
	}
	if (*cp < min || *cp > UNICODE_MAX || (*cp >= UTF16_HI_FIRST && *cp <= UTF16_LO_LAST))
		return 0;
	return n;
}

int vms_compat_utf8_to_utf16(const char *in, WCHAR **out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t units = 0;
	*out = NULL;
	for (size_t i = 0; s[i];) {
		uint32_t cp;
		size_t n = utf8_get(s + i, &cp);
		if (n == 0)
			return -EILSEQ;
		units += cp >= 0x10000 ? 2 : 1;
		i += n;
	}
	WCHAR *w = calloc(units + 1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	size_t j = 0;
	for (size_t i = 0; s[i];) {
		uint32_t cp = 0;
		i += utf8_get(s + i, &cp);
		if (cp >= 0x10000) {
			w[j++] = (WCHAR)(UTF16_HI_FIRST + ((cp - 0x10000) >> 10));
			w[j++] = (WCHAR)(UTF16_LO_FIRST + ((cp - 0x10000) & 0x3FF));
		} else {
			w[j++] = (WCHAR)cp;
		}
	}
	*out = w;
	return 0;
}

/* ---- registers ------------------------------------------------------------------------ */

enum reg_pack {
	PACK_PLAIN,   /* one native register, zero-extended to 128 bits */
	PACK_SEGMENT, /* selector, base, limit, attributes -> {Base, Limit, Selector, Attributes} */
	PACK_TABLE,   /* base, limit -> {Limit, pad, Base} */
};

/* Map a new-ABI REGISTER_ID (§7.4) to the native register it is read from. */
static bool new_abi_lookup(DWORD id, enum vms_reg *reg, enum reg_pack *pack, bool *arm64)
{
	static const enum vms_reg x64_from_cr0[] = {
		VMS_REG_CR0,	   VMS_REG_CR2,	      VMS_REG_CR3, VMS_REG_CR4,	 VMS_REG_CR8,
		VMS_REG_EFER,	   VMS_REG_DR0,	      VMS_REG_DR1, VMS_REG_DR2,	 VMS_REG_DR3,
		VMS_REG_DR6,	   VMS_REG_DR7,	      VMS_REG_ES,  VMS_REG_CS,	 VMS_REG_SS,
		VMS_REG_DS,	   VMS_REG_FS,	      VMS_REG_GS,  VMS_REG_LDTR, VMS_REG_TR,
		VMS_REG_IDTR_BASE, VMS_REG_GDTR_BASE,
	};
	/* ARM64 ids from XFp (96) to CntvCtlEl0 (157), skipping Q0..Q31 (102..133) */
	static const enum vms_reg arm64_from_fp[] = {
		VMS_REG_ARM64_FP,     VMS_REG_ARM64_LR,	    VMS_REG_ARM64_PC,
		VMS_REG_ARM64_SP_EL0, VMS_REG_ARM64_SP_EL1, VMS_REG_ARM64_CPSR,
	};
	static const enum vms_reg arm64_from_fpsr[] = {
		VMS_REG_ARM64_FPSR,	      VMS_REG_ARM64_FPCR,
		VMS_REG_ARM64_ESR_EL1,	      VMS_REG_ARM64_SPSR_EL1,
		VMS_REG_ARM64_FAR_EL1,	      VMS_REG_ARM64_PAR_EL1,
		VMS_REG_ARM64_ELR_EL1,	      VMS_REG_ARM64_TTBR0_EL1,
		VMS_REG_ARM64_TTBR1_EL1,      VMS_REG_ARM64_VBAR_EL1,
		VMS_REG_ARM64_SCTLR_EL1,      VMS_REG_ARM64_ACTLR_EL1,
		VMS_REG_ARM64_TCR_EL1,	      VMS_REG_ARM64_MAIR_EL1,
		VMS_REG_ARM64_AMAIR_EL1,      VMS_REG_ARM64_TPIDR_EL0,
		VMS_REG_ARM64_TPIDRRO_EL0,    VMS_REG_ARM64_TPIDR_EL1,
		VMS_REG_ARM64_CONTEXTIDR_EL1, VMS_REG_ARM64_CPACR_EL1,
		VMS_REG_ARM64_CSSELR_EL1,     VMS_REG_ARM64_CNTKCTL_EL1,
		VMS_REG_ARM64_CNTV_CVAL_EL0,  VMS_REG_ARM64_CNTV_CTL_EL0,
	};
	*pack = PACK_PLAIN;
	*arm64 = id >= ARM64_RegisterX0;
	if (id <= X64_RegisterRFlags) /* GP order matches the native enum (§5.6) */
		*reg = (enum vms_reg)(VMS_REG_RAX + id);
	else if (id <= X64_RegisterXmm15)
		*reg = (enum vms_reg)(VMS_REG_XMM0 + (id - X64_RegisterXmm0));
	else if (id <= X64_RegisterFpMmx7)
		*reg = (enum vms_reg)(VMS_REG_ST0 + (id - X64_RegisterFpMmx0));
	else if (id == X64_RegisterFpControlStatus)
		*reg = VMS_REG_FP_CONTROL_STATUS;
	else if (id == X64_RegisterXmmControlStatus)
		*reg = VMS_REG_XMM_CONTROL_STATUS;
	else if (id <= X64_RegisterGdtr) {
		*reg = x64_from_cr0[id - X64_RegisterCr0];
		if (id >= X64_RegisterIdtr)
			*pack = PACK_TABLE;
		else if (id >= X64_RegisterEs)
			*pack = PACK_SEGMENT;
	} else if (id == X64_RegisterMax)
		return false;
	else if (id <= ARM64_RegisterX28)
		*reg = (enum vms_reg)(VMS_REG_ARM64_X0 + (id - ARM64_RegisterX0));
	else if (id <= ARM64_RegisterCpsr)
		*reg = arm64_from_fp[id - ARM64_RegisterXFp];
	else if (id <= ARM64_RegisterQ31)
		*reg = (enum vms_reg)(VMS_REG_ARM64_Q0 + (id - ARM64_RegisterQ0));
	else if (id < ARM64_RegisterMax)
		*reg = arm64_from_fpsr[id - ARM64_RegisterFpStatus];
	else
		return false;
	return true;
}

static HRESULT get_reg(vms_compat_reg_get_fn get, void *ctx, enum vms_reg reg,
		       struct vms_reg_value *v)
{
	int rc = get(ctx, reg, v);
	if (rc < 0)
		return vms_compat_hresult(rc, VMS_COMPAT_VP_STATE);
	if (vms_reg_width(reg) <= 64)
		v->hi = 0; /* zero-extension, whatever the source left there */
	return S_OK;
}

HRESULT vms_compat_read_new(vms_compat_reg_get_fn get, void *ctx, enum vms_arch arch,
			    DWORD register_id, VIRTUAL_PROCESSOR_REGISTER_NEW_ABI *out)
{
	enum vms_reg reg;
	enum reg_pack pack;
	bool arm64;
	struct vms_reg_value v[4];
	HRESULT hr;

	if (!out || !new_abi_lookup(register_id, &reg, &pack, &arm64))
		return E_INVALIDARG;
	/* an id of the other architecture family is a caller error (§7.4: x86 VPs use X64 ids) */
	if (arch != VMS_ARCH_UNKNOWN && arm64 != (arch == VMS_ARCH_ARM64))
		return E_INVALIDARG;
	memset(out, 0, sizeof(*out));
	switch (pack) {
	case PACK_PLAIN:
		hr = get_reg(get, ctx, reg, &v[0]);
		if (FAILED(hr))
			return hr;
		out->Reg128.Low64 = v[0].lo;
		out->Reg128.High64 = v[0].hi;
		return S_OK;
	case PACK_SEGMENT: /* native order: selector, base, limit, attributes */
		for (int k = 0; k < 4; k++) {
			hr = get_reg(get, ctx, (enum vms_reg)(reg + k), &v[k]);
			if (FAILED(hr))
				return hr;
		}
		out->X64.Segment.Base = v[1].lo;
		out->X64.Segment.Limit = (UINT32)v[2].lo;
		out->X64.Segment.Selector = (UINT16)v[0].lo;
		out->X64.Segment.Attributes = (UINT16)v[3].lo;
		return S_OK;
	case PACK_TABLE: /* native order: base, limit; the API puts the limit first */
		for (int k = 0; k < 2; k++) {
			hr = get_reg(get, ctx, (enum vms_reg)(reg + k), &v[k]);
			if (FAILED(hr))
				return hr;
		}
		out->X64.Table.Limit = (UINT16)v[1].lo;
		out->X64.Table.Base = v[0].lo;
		return S_OK;
	}
	return E_INVALIDARG;
}

/* Map an old-ABI x64 id (§7.4) to a native register and the 64-bit half to return. */
static bool old_x64_lookup(uint32_t id, enum vms_reg *reg, bool *high)
{
	static const enum vms_reg from_base_gs[] = {
		VMS_REG_GS_BASE,   VMS_REG_FS_BASE,    VMS_REG_CS,	  VMS_REG_DS,
		VMS_REG_ES,	   VMS_REG_FS,	       VMS_REG_GS,	  VMS_REG_SS,
		VMS_REG_TR,	   VMS_REG_LDTR,       VMS_REG_IDTR_BASE, VMS_REG_IDTR_LIMIT,
		VMS_REG_GDTR_BASE, VMS_REG_GDTR_LIMIT,
	};
	static const enum vms_reg from_cr0[] = {
		VMS_REG_CR0, VMS_REG_CR2, VMS_REG_CR3, VMS_REG_CR4, VMS_REG_CR8, VMS_REG_EFER,
		VMS_REG_DR0, VMS_REG_DR1, VMS_REG_DR2, VMS_REG_DR3, VMS_REG_DR6, VMS_REG_DR7,
	};
	*high = false;
	if (id < OLD_X64_LOW_XMM0) {
		*reg = (enum vms_reg)(VMS_REG_RAX + id); /* Rax..R15, Rip, RFlags */
	} else if (id < OLD_X64_LOW_XMM_CS) {
		*reg = (enum vms_reg)(VMS_REG_XMM0 + (id - OLD_X64_LOW_XMM0) / 2);
		*high = (id - OLD_X64_LOW_XMM0) % 2;
	} else if (id < OLD_X64_LOW_FP_CS) {
		*reg = VMS_REG_XMM_CONTROL_STATUS;
		*high = id - OLD_X64_LOW_XMM_CS;
	} else if (id < OLD_X64_CR0) {
		*reg = VMS_REG_FP_CONTROL_STATUS;
		*high = id - OLD_X64_LOW_FP_CS;
	} else if (id < OLD_X64_BASE_GS) {
		*reg = from_cr0[id - OLD_X64_CR0];
	} else if (id < OLD_X64_COUNT) {
		*reg = from_base_gs[id - OLD_X64_BASE_GS];
	} else {
		return false;
	}
	return true;
}

HRESULT vms_compat_read_old(vms_compat_reg_get_fn get, void *ctx,
			    VIRTUAL_PROCESSOR_REGISTER_OLD_ABI *reg)
{
	uint32_t id;
	enum vms_reg native;
	bool high;
	struct vms_reg_value v;

	if (!reg)
		return E_INVALIDARG;
	id = reg->RegisterId;
	if (reg->Architecture == Arch_x86) {
		if (id >= OLD_X86_COUNT)
			return E_INVALIDARG;
		if (id >= OLD_X86_FIRST_SHIFTED)
			id += OLD_X86_SHIFT; /* Eip (8) is x64 Rip (16), and so on */
	} else if (reg->Architecture != Arch_x64) {
		return E_INVALIDARG; /* the old ABI knows only x86 and x64 */
	}
	if (!old_x64_lookup(id, &native, &high))
		return E_INVALIDARG;
	HRESULT hr = get_reg(get, ctx, native, &v);
	if (FAILED(hr))
		return hr;
	/* 32-bit registers are the low halves of the saved 64-bit ones (§5.7); the value is
	 * returned as saved, not truncated */
	reg->RegisterValue = high ? v.hi : v.lo;
	return S_OK;
}

/* ---- handles ---------------------------------------------------------------------------- */

struct vp_reg_ctx {
	const vms_handle *h;
	uint32_t vp;
};

static int vp_reg_get(void *ctx, enum vms_reg reg, struct vms_reg_value *value)
{
	const struct vp_reg_ctx *c = ctx;
	return vms_vp_get_register(c->h, c->vp, reg, value, NULL);
}

static struct compat_handle *as_compat(VM_SAVED_STATE_DUMP_HANDLE handle)
{
	return handle;
}

static HRESULT open_paths(const char *const *paths, size_t count, VM_SAVED_STATE_DUMP_HANDLE *out)
{
	vms_handle *h = NULL;
	struct compat_handle *c;
	int rc = vms_open_files(paths, count, NULL, &h, NULL);
	if (rc < 0)
		return vms_compat_hresult(rc, VMS_COMPAT_LOAD);
	/* The raw backend bids on any bytes (it has no magic). A bare image without a sidecar
	 * is no saved state: refuse it as the DLL refuses random input [S: CRASH]. */
	if (strcmp(vms_format_name(h), COMPAT_RAW_FORMAT) == 0 && vms_vp_count(h) == 0) {
		vms_close(h);
		return HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto err_close;
	c->h = h;
	c->vp_count = vms_vp_count(h);
	/* vp_count is bounded by the open option max_vps */
	c->vtl_disabled = calloc(c->vp_count ? c->vp_count : 1, sizeof(*c->vtl_disabled));
	if (!c->vtl_disabled)
		goto err_free;
	*out = c;
	return S_OK;

err_free:
	free(c);
err_close:
	vms_close(h);
	return E_OUTOFMEMORY;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
LoadSavedStateFile(LPCWSTR VmrsFile, VM_SAVED_STATE_DUMP_HANDLE *VmSavedStateDumpHandle)
{
	char path[COMPAT_PATH_MAX];
	const char *paths[1] = {path};
	if (!VmSavedStateDumpHandle)
		return E_INVALIDARG;
	*VmSavedStateDumpHandle = NULL;
	if (vms_compat_utf16_to_utf8(VmrsFile, path, sizeof(path)) < 0)
		return E_INVALIDARG;
	return open_paths(paths, 1, VmSavedStateDumpHandle);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI LoadSavedStateFiles(
	LPCWSTR BinFile, LPCWSTR VsvFile, VM_SAVED_STATE_DUMP_HANDLE *VmSavedStateDumpHandle)
{
	char bin[COMPAT_PATH_MAX], vsv[COMPAT_PATH_MAX];
	const char *paths[2] = {bin, vsv};
	if (!VmSavedStateDumpHandle)
		return E_INVALIDARG;
	*VmSavedStateDumpHandle = NULL;
	if (vms_compat_utf16_to_utf8(BinFile, bin, sizeof(bin)) < 0)
		return E_INVALIDARG;
	if (!VsvFile || VsvFile[0] == 0) /* extension: the .bin alone */
		return open_paths(paths, 1, VmSavedStateDumpHandle);
	if (vms_compat_utf16_to_utf8(VsvFile, vsv, sizeof(vsv)) < 0)
		return E_INVALIDARG;
	return open_paths(paths, 2, VmSavedStateDumpHandle);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
ReleaseSavedStateFiles(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c)
		return E_INVALIDARG;
	vms_close(c->h);
	free(c->vtl_disabled);
	free(c);
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI ApplyPendingSavedStateFileReplayLog(LPCWSTR VmrsFile)
{
	char path[COMPAT_PATH_MAX];
	if (vms_compat_utf16_to_utf8(VmrsFile, path, sizeof(path)) < 0)
		return E_INVALIDARG;
	return vms_compat_hresult(vms_replay_log_apply(path, NULL, NULL), VMS_COMPAT_GENERAL);
}

/* ---- description ------------------------------------------------------------------------ */

VMSAVEDSTATEDUMP_API HRESULT WINAPI GetVpCount(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle,
					       UINT32 *VpCount)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || !VpCount)
		return E_INVALIDARG;
	*VpCount = vms_vp_count(c->h);
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetArchitecture(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		VIRTUAL_PROCESSOR_ARCH *Architecture)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	enum vms_arch arch;
	if (!c || !Architecture)
		return E_INVALIDARG;
	int rc = vms_vp_arch(c->h, VpId, &arch);
	if (rc < 0)
		return vms_compat_hresult(rc, VMS_COMPAT_VP_STATE);
	*Architecture = (VIRTUAL_PROCESSOR_ARCH)arch; /* same numbering (vmsavedstate.h) */
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GetPagingMode(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle,
						  UINT32 VpId, PAGING_MODE *PagingMode)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	enum vms_paging mode;
	if (!c || !PagingMode)
		return E_INVALIDARG;
	int rc = vms_vp_paging(c->h, VpId, &mode);
	if (rc < 0)
		return vms_compat_hresult(rc, VMS_COMPAT_VP_STATE);
	/* §5.10: PAGING_MODE has no 5-level value; report long mode */
	*PagingMode = mode == VMS_PAGING_LONG5 ? Paging_Long : (PAGING_MODE)mode;
	return S_OK;
}

/* ---- memory ------------------------------------------------------------------------------ */

VMSAVEDSTATEDUMP_API HRESULT WINAPI GetGuestPhysicalMemoryChunks(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT64 *MemoryChunkPageSize,
	GPA_MEMORY_CHUNK *MemoryChunks, UINT64 *MemoryChunkCount)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || !MemoryChunkPageSize || !MemoryChunkCount)
		return E_INVALIDARG;
	const uint32_t page = vms_page_size(c->h);
	const size_t total = vms_chunk_list(c->h, NULL, 0);
	*MemoryChunkPageSize = page;
	/* §7.6 item 3: capacity in, needed count out, E_OUTOFMEMORY when short [S: LEECH] */
	if (*MemoryChunkCount < total || (total > 0 && !MemoryChunks)) {
		*MemoryChunkCount = total;
		return E_OUTOFMEMORY;
	}
	*MemoryChunkCount = total;
	if (total == 0)
		return S_OK;
	/* the native list has no offset parameter; total is bounded by opts.max_chunks, and
	 * the handle already holds that many chunks */
	struct vms_chunk *chunks = calloc(total, sizeof(*chunks));
	if (!chunks)
		return E_OUTOFMEMORY;
	vms_chunk_list(c->h, chunks, total);
	for (size_t i = 0; i < total; i++) {
		MemoryChunks[i].GuestPhysicalStartPageIndex = chunks[i].gpa / page;
		MemoryChunks[i].PageCount = chunks[i].pages;
	}
	free(chunks);
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GetGuestRawSavedMemorySize(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT64 *GuestRawSavedMemorySize)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || !GuestRawSavedMemorySize)
		return E_INVALIDARG;
	*GuestRawSavedMemorySize = vms_raw_size(c->h);
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GuestPhysicalAddressToRawSavedMemoryOffset(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, GUEST_PHYSICAL_ADDRESS PhysicalAddress,
	UINT64 *RawSavedMemoryOffset)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || !RawSavedMemoryOffset)
		return E_INVALIDARG;
	return vms_compat_hresult(vms_gpa_to_raw(c->h, PhysicalAddress, RawSavedMemoryOffset, NULL),
				  VMS_COMPAT_GENERAL);
}

/* Shared tail of the two read calls: short reads are S_OK only when the caller can see them. */
static HRESULT finish_read(int rc, uint64_t done, UINT32 want, UINT32 *BytesRead)
{
	if (BytesRead)
		*BytesRead = (UINT32)done; /* done <= want <= UINT32_MAX */
	if (rc < 0)
		return vms_compat_hresult(rc, VMS_COMPAT_GENERAL);
	if (done < want && !BytesRead)
		return HRESULT_FROM_WIN32(ERROR_HANDLE_EOF);
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI ReadGuestPhysicalAddress(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, GUEST_PHYSICAL_ADDRESS PhysicalAddress,
	LPVOID Buffer, UINT32 BufferSize, UINT32 *BytesRead)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	uint64_t done = 0;
	if (BytesRead)
		*BytesRead = 0;
	if (!c || (!Buffer && BufferSize))
		return E_INVALIDARG;
	int rc = vms_read_gpa(c->h, PhysicalAddress, Buffer, BufferSize, 0, &done, NULL);
	return finish_read(rc, done, BufferSize, BytesRead);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI ReadGuestRawSavedMemory(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT64 RawSavedMemoryOffset,
	LPVOID Buffer, UINT32 BufferSize, UINT32 *BytesRead)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	uint64_t done = 0;
	if (BytesRead)
		*BytesRead = 0;
	if (!c || (!Buffer && BufferSize))
		return E_INVALIDARG;
	int rc = vms_read_raw(c->h, RawSavedMemoryOffset, Buffer, BufferSize, &done, NULL);
	return finish_read(rc, done, BufferSize, BytesRead);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI SetMemoryBlockCacheLimit(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT64 MemoryBlockCacheLimit)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c)
		return E_INVALIDARG;
	vms_cache_set_limit(c->h, MemoryBlockCacheLimit);
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GetMemoryBlockCacheLimit(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT64 *MemoryBlockCacheLimit)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || !MemoryBlockCacheLimit)
		return E_INVALIDARG;
	*MemoryBlockCacheLimit = vms_cache_get_limit(c->h);
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
ApplyGuestMemoryFix(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		    GUEST_VIRTUAL_ADDRESS VirtualAddress, LPVOID FixBuffer, UINT32 FixBufferSize)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || (!FixBuffer && FixBufferSize))
		return E_INVALIDARG;
	int rc = vms_memory_fix(c->h, VpId, VirtualAddress, FixBuffer, FixBufferSize, NULL);
	return vms_compat_hresult(rc, VMS_COMPAT_GVA);
}

/* ---- registers and translation -------------------------------------------------------- */

VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetRegisterValueNewAbi(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId,
		       DWORD registerId, VIRTUAL_PROCESSOR_REGISTER_NEW_ABI *registerValue)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	enum vms_arch arch;
	if (!c || !registerValue)
		return E_INVALIDARG;
	int rc = vms_vp_arch(c->h, vpId, &arch);
	if (rc < 0)
		return vms_compat_hresult(rc, VMS_COMPAT_VP_STATE);
	struct vp_reg_ctx ctx = {c->h, vpId};
	return vms_compat_read_new(vp_reg_get, &ctx, arch, registerId, registerValue);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GetRegisterValue(VM_SAVED_STATE_DUMP_HANDLE, UINT32, DWORD,
						     VIRTUAL_PROCESSOR_REGISTER_NEW_ABI *);
VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetRegisterValue(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, DWORD registerId,
		 VIRTUAL_PROCESSOR_REGISTER_NEW_ABI *registerValue)
{
	return GetRegisterValueNewAbi(VmSavedStateDumpHandle, vpId, registerId, registerValue);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetRegisterValueOldAbi(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		       VIRTUAL_PROCESSOR_REGISTER_OLD_ABI *Register)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	enum vms_arch arch;
	if (!c || !Register)
		return E_INVALIDARG;
	int rc = vms_vp_arch(c->h, VpId, &arch); /* validates VpId before the lookup */
	if (rc < 0)
		return vms_compat_hresult(rc, VMS_COMPAT_VP_STATE);
	struct vp_reg_ctx ctx = {c->h, VpId};
	return vms_compat_read_old(vp_reg_get, &ctx, Register);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GuestVirtualAddressToPhysicalAddressNewAbi(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
	const GUEST_VIRTUAL_ADDRESS VirtualAddress, GUEST_PHYSICAL_ADDRESS *PhysicalAddress,
	GUEST_VIRTUAL_ADDRESS *UnmappedRegionSize)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	struct vms_xlate_info info = {0};
	if (UnmappedRegionSize)
		*UnmappedRegionSize = 0;
	if (!c || !PhysicalAddress)
		return E_INVALIDARG;
	int rc = vms_gva_to_gpa(c->h, VpId, VirtualAddress, PhysicalAddress, &info, NULL);
	if (rc == -EFAULT && UnmappedRegionSize)
		*UnmappedRegionSize = info.unmapped_len;
	if (rc == -ENODATA)
		return VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE;
	return vms_compat_hresult(rc, VMS_COMPAT_GVA);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GuestVirtualAddressToPhysicalAddress(
	VM_SAVED_STATE_DUMP_HANDLE, UINT32, const GUEST_VIRTUAL_ADDRESS, GUEST_PHYSICAL_ADDRESS *,
	GUEST_VIRTUAL_ADDRESS *);
VMSAVEDSTATEDUMP_API HRESULT WINAPI GuestVirtualAddressToPhysicalAddress(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
	const GUEST_VIRTUAL_ADDRESS VirtualAddress, GUEST_PHYSICAL_ADDRESS *PhysicalAddress,
	GUEST_VIRTUAL_ADDRESS *UnmappedRegionSize)
{
	return GuestVirtualAddressToPhysicalAddressNewAbi(
		VmSavedStateDumpHandle, VpId, VirtualAddress, PhysicalAddress, UnmappedRegionSize);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GuestVirtualAddressToPhysicalAddressOldAbi(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
	const GUEST_VIRTUAL_ADDRESS VirtualAddress, GUEST_PHYSICAL_ADDRESS *PhysicalAddress)
{
	return GuestVirtualAddressToPhysicalAddressNewAbi(VmSavedStateDumpHandle, VpId,
							  VirtualAddress, PhysicalAddress, NULL);
}

/* ---- per-VP state ----------------------------------------------------------------------- */

VMSAVEDSTATEDUMP_API HRESULT WINAPI
ForceArchitecture(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		  VIRTUAL_PROCESSOR_ARCH Architecture)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c)
		return E_INVALIDARG;
	return vms_compat_hresult(vms_vp_force_arch(c->h, VpId, (enum vms_arch)Architecture),
				  VMS_COMPAT_VP_STATE);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI ForcePagingMode(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId, PAGING_MODE PagingMode)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c)
		return E_INVALIDARG;
	return vms_compat_hresult(vms_vp_force_paging(c->h, VpId, (enum vms_paging)PagingMode),
				  VMS_COMPAT_VP_STATE);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI InKernelSpace(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle,
						  UINT32 VpId, BOOL *InKernelSpace)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	bool in_kernel;
	if (!c || !InKernelSpace)
		return E_INVALIDARG;
	int rc = vms_vp_in_kernel(c->h, VpId, &in_kernel);
	if (rc < 0)
		return vms_compat_hresult(rc, VMS_COMPAT_VP_STATE);
	*InKernelSpace = in_kernel ? TRUE : FALSE;
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GetGuestEnabledVirtualTrustLevels(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 *virtualTrustLevels)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || !virtualTrustLevels)
		return E_INVALIDARG;
	return vms_compat_hresult(vms_guest_enabled_vtls(c->h, virtualTrustLevels), VMS_COMPAT_VTL);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetGuestOsInfo(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT8 virtualTrustLevel,
	       GUEST_OS_INFO *guestOsInfo)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	uint64_t os_id;
	if (!c || !guestOsInfo)
		return E_INVALIDARG;
	int rc = vms_guest_os_id(c->h, virtualTrustLevel, &os_id);
	if (rc < 0)
		return vms_compat_hresult(rc, VMS_COMPAT_VP_STATE);
	guestOsInfo->AsUINT64 = os_id;
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GetActiveVirtualTrustLevel(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, UINT8 *virtualTrustLevel)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || !virtualTrustLevel)
		return E_INVALIDARG;
	return vms_compat_hresult(vms_vp_active_vtl(c->h, vpId, virtualTrustLevel),
				  VMS_COMPAT_VP_STATE);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GetEnabledVirtualTrustLevels(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, UINT32 *virtualTrustLevels)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || !virtualTrustLevels)
		return E_INVALIDARG;
	return vms_compat_hresult(vms_vp_enabled_vtls(c->h, vpId, virtualTrustLevels),
				  VMS_COMPAT_VP_STATE);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI ForceActiveVirtualTrustLevel(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, UINT8 virtualTrustLevel)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || vpId >= c->vp_count)
		return E_INVALIDARG;
	int rc = vms_vp_force_vtl(c->h, vpId, virtualTrustLevel);
	/* §7.7: a VTL without a register bank is "not enabled"; remember it for
	 * IsActiveVirtualTrustLevelEnabled. The native call left the previous VTL in use. */
	c->vtl_disabled[vpId] = rc == -ENODATA;
	return vms_compat_hresult(rc, VMS_COMPAT_VTL);
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
IsActiveVirtualTrustLevelEnabled(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId,
				 BOOL *activeVirtualTrustLevelEnabled)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || !activeVirtualTrustLevelEnabled || vpId >= c->vp_count)
		return E_INVALIDARG;
	*activeVirtualTrustLevelEnabled = c->vtl_disabled[vpId] ? FALSE : TRUE;
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
IsNestedVirtualizationEnabled(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, BOOL *enabled)
{
	if (!VmSavedStateDumpHandle || !enabled)
		return E_INVALIDARG;
	*enabled = FALSE; /* nested-state chunks are not decoded (§9 item 8) */
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI GetNestedVirtualizationMode(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, BOOL *enabled)
{
	struct compat_handle *c = as_compat(VmSavedStateDumpHandle);
	if (!c || !enabled || vpId >= c->vp_count)
		return E_INVALIDARG;
	*enabled = FALSE;
	return S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
ForceNestedHostMode(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, BOOL hostMode,
		    BOOL *oldMode)
{
	(void)vpId;
	(void)hostMode;
	if (!VmSavedStateDumpHandle)
		return E_INVALIDARG;
	if (oldMode)
		*oldMode = FALSE;
	return VM_SAVED_STATE_DUMP_E_NESTED_VIRTUALIZATION_NOT_SUPPORTED;
}

/* ---- locating saved-state files --------------------------------------------------------- */

VMSAVEDSTATEDUMP_API HLOCAL WINAPI VmSavedStateDumpLocalFree(HLOCAL Memory)
{
	free(Memory);
	return NULL;
}

static HRESULT locate_out(const char *path, LPWSTR *out)
{
	int rc = vms_compat_utf8_to_utf16(path, out);
	return rc < 0 ? vms_compat_hresult(rc, VMS_COMPAT_GENERAL) : S_OK;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
LocateSavedStateFilesInDirectory(LPCWSTR Directory, LPCWSTR VmName, LPCWSTR SnapshotName,
				 LPWSTR *BinPath, LPWSTR *VsvPath, LPWSTR *VmrsPath)
{
	char dir[COMPAT_PATH_MAX], vm[COMPAT_PATH_MAX], snap[COMPAT_PATH_MAX];
	struct vms_located *found;
	HRESULT hr;

	if (!BinPath || !VsvPath || !VmrsPath)
		return E_INVALIDARG;
	*BinPath = *VsvPath = *VmrsPath = NULL;
	if (vms_compat_utf16_to_utf8(Directory, dir, sizeof(dir)) < 0 ||
	    vms_compat_utf16_to_utf8(VmName, vm, sizeof(vm)) < 0 ||
	    (SnapshotName && vms_compat_utf16_to_utf8(SnapshotName, snap, sizeof(snap)) < 0))
		return E_INVALIDARG;
	found = calloc(1, sizeof(*found)); /* 12 KiB: keep it off the stack */
	if (!found)
		return E_OUTOFMEMORY;
	int rc = vms_locate(dir, vm, SnapshotName ? snap : NULL, found, NULL);
	if (rc == -ENOENT) {
		/* §7.6 item 12: nothing found gives three empty strings, not an error */
		memset(found, 0, sizeof(*found));
		rc = 0;
	}
	hr = vms_compat_hresult(rc, VMS_COMPAT_GENERAL);
	if (SUCCEEDED(hr))
		hr = locate_out(found->bin, BinPath);
	if (SUCCEEDED(hr))
		hr = locate_out(found->vsv, VsvPath);
	if (SUCCEEDED(hr))
		hr = locate_out(found->vmrs, VmrsPath);
	free(found);
	if (FAILED(hr)) {
		free(*BinPath);
		free(*VsvPath);
		free(*VmrsPath);
		*BinPath = *VsvPath = *VmrsPath = NULL;
	}
	return hr;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI LocateSavedStateFiles(LPCWSTR VmName, LPCWSTR SnapshotName,
							  LPWSTR *BinPath, LPWSTR *VsvPath,
							  LPWSTR *VmrsPath)
{
	/* no WMI on Linux: the search root comes from the environment, else "." (header doc) */
	const char *root = getenv(COMPAT_LOCATE_ENV);
	WCHAR *dir = NULL;
	if (vms_compat_utf8_to_utf16(root && root[0] ? root : ".", &dir) < 0) {
		if (BinPath && VsvPath && VmrsPath)
			*BinPath = *VsvPath = *VmrsPath = NULL;
		return E_INVALIDARG;
	}
	HRESULT hr = LocateSavedStateFilesInDirectory(dir, VmName, SnapshotName, BinPath, VsvPath,
						      VmrsPath);
	free(dir);
	return hr;
}

/* ---- symbol provider: not available on Linux (§7.7) ------------------------------------- */

VMSAVEDSTATEDUMP_API HRESULT WINAPI LoadSavedStateSymbolProvider(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, LPCWSTR UserSymbols, BOOL Force)
{
	(void)VmSavedStateDumpHandle, (void)UserSymbols, (void)Force;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
ReleaseSavedStateSymbolProvider(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle)
{
	(void)VmSavedStateDumpHandle;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HANDLE WINAPI
GetSavedStateSymbolProviderHandle(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle)
{
	(void)VmSavedStateDumpHandle;
	return NULL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
SetSavedStateSymbolProviderDebugInfoCallback(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle,
					     GUEST_SYMBOLS_PROVIDER_DEBUG_INFO_CALLBACK Callback)
{
	(void)VmSavedStateDumpHandle, (void)Callback;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
LoadSavedStateModuleSymbols(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, LPCSTR ImageName,
			    LPCSTR ModuleName, GUEST_VIRTUAL_ADDRESS BaseAddress, DWORD SizeOfBase)
{
	(void)VmSavedStateDumpHandle, (void)ImageName, (void)ModuleName, (void)BaseAddress,
		(void)SizeOfBase;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI LoadSavedStateModuleSymbolsEx(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, LPCSTR ImageName, UINT32 ImageTimestamp,
	LPCSTR ModuleName, GUEST_VIRTUAL_ADDRESS BaseAddress, DWORD SizeOfBase)
{
	(void)VmSavedStateDumpHandle, (void)ImageName, (void)ImageTimestamp, (void)ModuleName,
		(void)BaseAddress, (void)SizeOfBase;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI ResolveSavedStateGlobalVariableAddress(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId, LPCSTR GlobalName,
	GUEST_VIRTUAL_ADDRESS *VirtualAddress, ULONG *Size)
{
	(void)VmSavedStateDumpHandle, (void)VpId, (void)GlobalName, (void)VirtualAddress,
		(void)Size;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
ReadSavedStateGlobalVariable(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
			     LPCSTR GlobalName, LPVOID Buffer, ULONG BufferSize)
{
	(void)VmSavedStateDumpHandle, (void)VpId, (void)GlobalName, (void)Buffer, (void)BufferSize;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetSavedStateSymbolTypeSize(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
			    LPCSTR TypeName, ULONG *Size)
{
	(void)VmSavedStateDumpHandle, (void)VpId, (void)TypeName, (void)Size;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
FindSavedStateSymbolFieldInType(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
				LPCSTR TypeName, LPCWSTR FieldName, UINT32 *Offset, BOOL *Found)
{
	(void)VmSavedStateDumpHandle, (void)VpId, (void)TypeName, (void)FieldName, (void)Offset,
		(void)Found;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetSavedStateSymbolFieldInfo(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
			     LPCSTR TypeName, LPWSTR *TypeFieldInfoMap)
{
	(void)VmSavedStateDumpHandle, (void)VpId, (void)TypeName;
	if (TypeFieldInfoMap)
		*TypeFieldInfoMap = NULL;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
ScanMemoryForDosImages(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		       GUEST_VIRTUAL_ADDRESS StartAddress, GUEST_VIRTUAL_ADDRESS EndAddress,
		       PVOID CallbackContext, FOUND_IMAGE_CALLBACK FoundImageCallback,
		       GUEST_VIRTUAL_ADDRESS *StandaloneAddress, DWORD StandaloneAddressCount)
{
	(void)VmSavedStateDumpHandle, (void)VpId, (void)StartAddress, (void)EndAddress,
		(void)CallbackContext, (void)FoundImageCallback, (void)StandaloneAddress,
		(void)StandaloneAddressCount;
	return E_NOTIMPL;
}

VMSAVEDSTATEDUMP_API HRESULT WINAPI
CallStackUnwind(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		PMODULE_INFO ImageInfo, DWORD ImageInfoCount, UINT32 FrameCount, LPWSTR *CallStack)
{
	(void)VmSavedStateDumpHandle, (void)VpId, (void)ImageInfo, (void)ImageInfoCount,
		(void)FrameCount;
	if (CallStack)
		*CallStack = NULL;
	return E_NOTIMPL;
}
