/* Microsoft-compatible API over libvmsavedstate: the names, types and semantics of
 * VmSavedStateDump.h / VmSavedStateDumpDefs.h (vmsavedstatedumpprovider.dll), for porting
 * existing tools to Linux. Reference: docs/hyperv-format.md §7.
 *
 * Windows type names and HRESULTs live only in this header and src/core/compat_dumpprovider.c
 * (STYLE.md rule 5). New code should prefer the native API in vmsavedstate.h, which reports
 * precise error codes and messages and takes 64-bit lengths.
 *
 * Build-time choices (define before including):
 *  - VMSAVEDSTATEDUMP_OLD_REGISTER_ABI: the old register ABI of the MSDOC pages and SDKs up
 *    to 10.0.19041 (§7.4): VIRTUAL_PROCESSOR_REGISTER is the 24-byte
 *    {Architecture; RegisterValue; RegisterId} struct, the register ids are REGISTER_ID_X86 /
 *    REGISTER_ID_X64 with Low/High halves, and GetRegisterValue takes 3 arguments. Without
 *    it: the new SDK ABI (16-byte union, REGISTER_ID, 4-argument GetRegisterValue).
 *  - VMSAVEDSTATEDUMP_OLD_GVA_SIGNATURE: GuestVirtualAddressToPhysicalAddress without the
 *    fifth `unmappedRegionSize` parameter (old headers, §7.6 item 9).
 *  - VMSAVEDSTATEDUMP_OLD_SDK: both of the above.
 *  - VMSAVEDSTATEDUMP_HAVE_WINDOWS_TYPES: the basic Windows types (UINT32, BOOL, HRESULT,
 *    WCHAR, ...) come from elsewhere; this header then defines only its own types.
 *  - VMSAVEDSTATEDUMP_NO_LOCALFREE: do not define the LocalFree() macro.
 * Both ABIs are exported by the one library, under different symbol names (GetRegisterValue
 * and GetRegisterValueOldAbi; GuestVirtualAddressToPhysicalAddress and
 * GuestVirtualAddressToPhysicalAddressOldAbi); the macros above pick the declarations.
 *
 * Strings: LPCWSTR is UTF-16 (char16_t), as on Windows; write literals as u"...". Paths are
 * converted to UTF-8 for Linux (surrogate pairs decoded; unpaired surrogates rejected with
 * E_INVALIDARG). Backslashes are not translated: pass Linux paths.
 *
 * Thread safety: as the native API (queries, reads and translations are safe concurrently on
 * one handle; Force*, ApplyGuestMemoryFix and ReleaseSavedStateFiles are not).
 * Hostile input: as the native API; never reads outside the files, never writes to them
 * (except ApplyPendingSavedStateFileReplayLog).
 */
#ifndef VMSAVEDSTATEDUMP_H
#define VMSAVEDSTATEDUMP_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <uchar.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef VMSAVEDSTATEDUMP_OLD_SDK
#ifndef VMSAVEDSTATEDUMP_OLD_REGISTER_ABI
#define VMSAVEDSTATEDUMP_OLD_REGISTER_ABI
#endif
#ifndef VMSAVEDSTATEDUMP_OLD_GVA_SIGNATURE
#define VMSAVEDSTATEDUMP_OLD_GVA_SIGNATURE
#endif
#endif

#if defined(__GNUC__)
#define VMSAVEDSTATEDUMP_API __attribute__((visibility("default")))
#define VMSAVEDSTATEDUMP_EXT __extension__
#else
#define VMSAVEDSTATEDUMP_API
#define VMSAVEDSTATEDUMP_EXT
#endif

/* ---- basic Windows types (§7.2) ---- */
#ifndef VMSAVEDSTATEDUMP_HAVE_WINDOWS_TYPES
typedef int32_t HRESULT;
typedef uint8_t UINT8;
typedef uint16_t UINT16;
typedef uint32_t UINT32;
typedef uint64_t UINT64;
typedef uint32_t DWORD;
typedef uint32_t ULONG; /* 32 bits, as on Windows (LLP64) */
typedef int BOOL;
typedef void VOID;
typedef void *PVOID;
typedef void *LPVOID;
typedef void *HANDLE;
typedef void *HLOCAL;
typedef const char *LPCSTR;
typedef char16_t WCHAR;
typedef const WCHAR *LPCWSTR;
typedef WCHAR *LPWSTR;
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef WINAPI
#define WINAPI /* stdcall on 32-bit Windows; nothing on Linux */
#endif
#ifndef CALLBACK
#define CALLBACK
#endif

/* ---- HRESULTs (§7.5) ---- */
#ifndef SUCCEEDED
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#endif
#ifndef FACILITY_WIN32
#define FACILITY_WIN32 7
#endif
#ifndef HRESULT_FROM_WIN32
/** Win32 error code -> HRESULT (0x8007xxxx), as winerror.h defines it. */
#define HRESULT_FROM_WIN32(x)                                                                      \
	((HRESULT)(x) <= 0                                                                         \
		 ? (HRESULT)(x)                                                                    \
		 : (HRESULT)(((uint32_t)(x)&0x0000FFFFu) | (FACILITY_WIN32 << 16) | 0x80000000u))
#endif
#ifndef ERROR_FILE_NOT_FOUND
#define ERROR_FILE_NOT_FOUND 2L
#endif
#ifndef ERROR_ACCESS_DENIED
#define ERROR_ACCESS_DENIED 5L
#endif
#ifndef ERROR_READ_FAULT
#define ERROR_READ_FAULT 30L
#endif
#ifndef ERROR_HANDLE_EOF
#define ERROR_HANDLE_EOF 38L
#endif
#ifndef ERROR_NOT_SUPPORTED
#define ERROR_NOT_SUPPORTED 50L
#endif
#ifndef ERROR_FILE_TOO_LARGE
#define ERROR_FILE_TOO_LARGE 223L
#endif
#ifndef ERROR_INVALID_ADDRESS
#define ERROR_INVALID_ADDRESS 487L
#endif
#ifndef ERROR_NO_UNICODE_TRANSLATION
#define ERROR_NO_UNICODE_TRANSLATION 1113L
#endif
#ifndef ERROR_FILE_CORRUPT
#define ERROR_FILE_CORRUPT 1392L
#endif

#ifndef S_OK
#define S_OK ((HRESULT)0)
#endif
#ifndef E_NOTIMPL
#define E_NOTIMPL ((HRESULT)0x80004001u)
#endif
#ifndef E_FAIL
#define E_FAIL ((HRESULT)0x80004005u)
#endif
#ifndef E_ACCESSDENIED
#define E_ACCESSDENIED ((HRESULT)0x80070005u)
#endif
#ifndef E_OUTOFMEMORY
#define E_OUTOFMEMORY ((HRESULT)0x8007000Eu)
#endif
#ifndef E_INVALIDARG
#define E_INVALIDARG ((HRESULT)0x80070057u)
#endif

/* Facility 0x37 (VM saved-state dump) codes, winerror.h values [C: WERR, WRES]. */
#define VM_SAVED_STATE_DUMP_E_PARTITION_STATE_NOT_FOUND ((HRESULT)0xC0370500u)
#define VM_SAVED_STATE_DUMP_E_GUEST_MEMORY_NOT_FOUND ((HRESULT)0xC0370501u)
#define VM_SAVED_STATE_DUMP_E_NO_VP_FOUND_IN_PARTITION_STATE ((HRESULT)0xC0370502u)
#define VM_SAVED_STATE_DUMP_E_NESTED_VIRTUALIZATION_NOT_SUPPORTED ((HRESULT)0xC0370503u)
#define VM_SAVED_STATE_DUMP_E_WINDOWS_KERNEL_IMAGE_NOT_FOUND ((HRESULT)0xC0370504u)
#define VM_SAVED_STATE_DUMP_E_VA_NOT_MAPPED ((HRESULT)0xC0370505u)
#define VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE ((HRESULT)0xC0370506u)
#define VM_SAVED_STATE_DUMP_E_VP_VTL_NOT_ENABLED ((HRESULT)0xC0370509u)
/* Old names of the same values (old headers) */
#define VM_SAVED_STATE_DUMP_E_PXE_NOT_PRESENT VM_SAVED_STATE_DUMP_E_VA_NOT_MAPPED
#define VM_SAVED_STATE_DUMP_E_PDPTE_NOT_PRESENT VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE
#define VM_SAVED_STATE_DUMP_E_PDE_NOT_PRESENT ((HRESULT)0xC0370507u)
#define VM_SAVED_STATE_DUMP_E_PTE_NOT_PRESENT ((HRESULT)0xC0370508u)

/* ---- dump-provider types (§7.2) ---- */
typedef void *VM_SAVED_STATE_DUMP_HANDLE;
typedef UINT64 GUEST_VIRTUAL_ADDRESS;
typedef UINT64 GUEST_PHYSICAL_ADDRESS;

/** One range of saved guest-physical memory, in pages of MemoryChunkPageSize bytes. */
typedef struct GPA_MEMORY_CHUNK {
	UINT64 GuestPhysicalStartPageIndex;
	UINT64 PageCount;
} GPA_MEMORY_CHUNK;

/* ---- enumerations (§7.3), with the documented numeric values ---- */
typedef enum PAGING_MODE {
	Paging_Invalid = 0,
	Paging_NonPaged = 1,
	Paging_32Bit = 2,
	Paging_Pae = 3,
	Paging_Long = 4, /* also reported for 5-level (LA57) paging */
	Paging_Armv8 = 5,
} PAGING_MODE;

typedef enum VIRTUAL_PROCESSOR_ARCH {
	Arch_Unknown = 0,
	Arch_Unkown = 0, /* spelling of the old headers */
	Arch_x86 = 1,
	Arch_x64 = 2,
	Arch_Armv8 = 3,
} VIRTUAL_PROCESSOR_ARCH;

/* API vendor codes; they differ from the on-disk prolog codes (§7.3). */
typedef enum VIRTUAL_PROCESSOR_VENDOR {
	ProcessorVendor_Unknown = 0,
	ProcessorVendor_Amd = 1,
	ProcessorVendor_Intel = 2,
	ProcessorVendor_Hygon = 3,
	ProcessorVendor_Arm = 4,
} VIRTUAL_PROCESSOR_VENDOR;

typedef enum GUEST_OS_VENDOR {
	GuestOsVendorUndefined = 0x0000,
	GuestOsVendorMicrosoft = 0x0001,
	GuestOsVendorHPE = 0x0002,
	GuestOsVendorLANCOM = 0x0200,
} GUEST_OS_VENDOR;

typedef enum GUEST_OS_MICROSOFT_IDS {
	GuestOsMicrosoftUndefined = 0x00,
	GuestOsMicrosoftMSDOS = 0x01,
	GuestOsMicrosoftWindows3x = 0x02,
	GuestOsMicrosoftWindows9x = 0x03,
	GuestOsMicrosoftWindowsNT = 0x04,
	GuestOsMicrosoftWindowsCE = 0x05,
} GUEST_OS_MICROSOFT_IDS;

typedef enum GUEST_OS_OPENSOURCE_IDS {
	GuestOsOpenSourceUndefined = 0x00,
	GuestOsOpenSourceLinux = 0x01,
	GuestOsOpenSourceFreeBSD = 0x02,
	GuestOsOpenSourceXen = 0x03,
	GuestOsOpenSourceIllumos = 0x04,
} GUEST_OS_OPENSOURCE_IDS;

/** HV_GUEST_OS_ID as a union (§7.3). Bit-field layout is the GCC/Clang little-endian one. */
typedef union GUEST_OS_INFO {
	UINT64 AsUINT64;
	VMSAVEDSTATEDUMP_EXT struct {
		UINT64 BuildNumber : 16;
		UINT64 ServiceVersion : 8;
		UINT64 MinorVersion : 8;
		UINT64 MajorVersion : 8;
		UINT64 OsId : 8;
		UINT64 VendorId : 16;
	} ClosedSource;
	VMSAVEDSTATEDUMP_EXT struct {
		UINT64 VendorSpecific1 : 16;
		UINT64 Version : 32;
		UINT64 VendorSpecific2 : 8;
		UINT64 OsId : 7;
		UINT64 IsOpenSource : 1;
	} OpenSource;
} GUEST_OS_INFO;

/* ---- registers, old ABI (§7.4): always declared for GetRegisterValueOldAbi ---- */

/** The old in/out register record (24 bytes on x86-64): the caller fills Architecture and
 *  RegisterId (a REGISTER_ID_X86 or REGISTER_ID_X64 value), the call fills RegisterValue. */
typedef struct VIRTUAL_PROCESSOR_REGISTER_OLD_ABI {
	VIRTUAL_PROCESSOR_ARCH Architecture;
	UINT64 RegisterValue;
	VMSAVEDSTATEDUMP_EXT union {
		UINT32 RegisterId_x86;
		UINT32 RegisterId_x64;
		DWORD RegisterId;
	};
} VIRTUAL_PROCESSOR_REGISTER_OLD_ABI;

/* ---- registers, new ABI (§7.4): always declared for GetRegisterValue ---- */

/** The new 16-byte register value. Segment and table layouts follow the SDK: a segment is
 *  {Base, Limit, Selector, Attributes}; a table register is {Limit, pad, Base} (limit first,
 *  unlike the on-disk layout). FpControlStatus and XmmControlStatus are FXSAVE bytes 0-15
 *  and 16-31. 64-bit and narrower values are zero-extended to 128 bits. */
typedef union VIRTUAL_PROCESSOR_REGISTER_NEW_ABI {
	UINT64 Reg64;
	UINT32 Reg32;
	UINT16 Reg16;
	UINT8 Reg8;
	struct {
		UINT64 Low64;
		UINT64 High64;
	} Reg128;
	union {
		struct {
			UINT64 Base;
			UINT32 Limit;
			UINT16 Selector;
			VMSAVEDSTATEDUMP_EXT union {
				UINT16 Attributes;
				VMSAVEDSTATEDUMP_EXT struct {
					UINT16 SegmentType : 4;
					UINT16 NonSystemSegment : 1;
					UINT16 DescriptorPrivilegeLevel : 2;
					UINT16 Present : 1;
					UINT16 Reserved : 4;
					UINT16 Available : 1;
					UINT16 Long : 1;
					UINT16 Default : 1;
					UINT16 Granularity : 1;
				};
			};
		} Segment;
		struct {
			UINT16 Limit;
			UINT64 Base; /* at offset 8 by natural alignment */
		} Table;
		struct {
			UINT16 FpControl;
			UINT16 FpStatus;
			UINT8 FpTag;
			UINT8 Reserved;
			UINT16 LastFpOp;
			VMSAVEDSTATEDUMP_EXT union {
				UINT64 LastFpRip;
				VMSAVEDSTATEDUMP_EXT struct {
					UINT32 LastFpEip;
					UINT16 LastFpCs;
				};
			};
		} FpControlStatus;
		struct {
			VMSAVEDSTATEDUMP_EXT union {
				UINT64 LastFpRdp;
				VMSAVEDSTATEDUMP_EXT struct {
					UINT32 LastFpDp;
					UINT16 LastFpDs;
				};
			};
			UINT32 XmmStatusControl;
			UINT32 XmmStatusControlMask;
		} XmmControlStatus;
	} X64;
} VIRTUAL_PROCESSOR_REGISTER_NEW_ABI;

#ifdef VMSAVEDSTATEDUMP_OLD_REGISTER_ABI

typedef VIRTUAL_PROCESSOR_REGISTER_OLD_ABI VIRTUAL_PROCESSOR_REGISTER;

/** Old x86 register ids (§7.4); Low/High are the 64-bit halves of 128-bit values. */
typedef enum REGISTER_ID_X86 {
	X86_RegisterEax = 0,
	X86_RegisterEcx,
	X86_RegisterEdx,
	X86_RegisterEbx,
	X86_RegisterEsp,
	X86_RegisterEbp,
	X86_RegisterEsi,
	X86_RegisterEdi,
	X86_RegisterEip,
	X86_RegisterEFlags,
	X86_RegisterLowXmm0, /* 10 */
	X86_RegisterHighXmm0,
	X86_RegisterLowXmm1,
	X86_RegisterHighXmm1,
	X86_RegisterLowXmm2,
	X86_RegisterHighXmm2,
	X86_RegisterLowXmm3,
	X86_RegisterHighXmm3,
	X86_RegisterLowXmm4,
	X86_RegisterHighXmm4,
	X86_RegisterLowXmm5,
	X86_RegisterHighXmm5,
	X86_RegisterLowXmm6,
	X86_RegisterHighXmm6,
	X86_RegisterLowXmm7,
	X86_RegisterHighXmm7,
	X86_RegisterLowXmm8,
	X86_RegisterHighXmm8,
	X86_RegisterLowXmm9,
	X86_RegisterHighXmm9,
	X86_RegisterLowXmm10,
	X86_RegisterHighXmm10,
	X86_RegisterLowXmm11,
	X86_RegisterHighXmm11,
	X86_RegisterLowXmm12,
	X86_RegisterHighXmm12,
	X86_RegisterLowXmm13,
	X86_RegisterHighXmm13,
	X86_RegisterLowXmm14,
	X86_RegisterHighXmm14,
	X86_RegisterLowXmm15,
	X86_RegisterHighXmm15, /* 41 */
	X86_RegisterLowXmmControlStatus,
	X86_RegisterHighXmmControlStatus,
	X86_RegisterLowFpControlStatus,
	X86_RegisterHighFpControlStatus,
	X86_RegisterCr0, /* 46 */
	X86_RegisterCr2,
	X86_RegisterCr3,
	X86_RegisterCr4,
	X86_RegisterCr8,
	X86_RegisterEfer,
	X86_RegisterDr0, /* 52 */
	X86_RegisterDr1,
	X86_RegisterDr2,
	X86_RegisterDr3,
	X86_RegisterDr6,
	X86_RegisterDr7,
	X86_RegisterBaseGs, /* 58 */
	X86_RegisterBaseFs,
	X86_RegisterSegCs,
	X86_RegisterSegDs,
	X86_RegisterSegEs,
	X86_RegisterSegFs,
	X86_RegisterSegGs,
	X86_RegisterSegSs,
	X86_RegisterTr,
	X86_RegisterLdtr,
	X86_RegisterBaseIdtr,
	X86_RegisterLimitIdtr,
	X86_RegisterBaseGdtr,
	X86_RegisterLimitGdtr,
	X86_RegisterCount, /* 72 */
} REGISTER_ID_X86;

/** Old x64 register ids (§7.4): from Rip on, each value is the x86 value + 8. */
typedef enum REGISTER_ID_X64 {
	X64_RegisterRax = 0,
	X64_RegisterRcx,
	X64_RegisterRdx,
	X64_RegisterRbx,
	X64_RegisterRsp,
	X64_RegisterRbp,
	X64_RegisterRsi,
	X64_RegisterRdi,
	X64_RegisterR8,
	X64_RegisterR9,
	X64_RegisterR10,
	X64_RegisterR11,
	X64_RegisterR12,
	X64_RegisterR13,
	X64_RegisterR14,
	X64_RegisterR15,
	X64_RegisterRip, /* 16 */
	X64_RegisterRFlags,
	X64_RegisterLowXmm0, /* 18 */
	X64_RegisterHighXmm0,
	X64_RegisterLowXmm1,
	X64_RegisterHighXmm1,
	X64_RegisterLowXmm2,
	X64_RegisterHighXmm2,
	X64_RegisterLowXmm3,
	X64_RegisterHighXmm3,
	X64_RegisterLowXmm4,
	X64_RegisterHighXmm4,
	X64_RegisterLowXmm5,
	X64_RegisterHighXmm5,
	X64_RegisterLowXmm6,
	X64_RegisterHighXmm6,
	X64_RegisterLowXmm7,
	X64_RegisterHighXmm7,
	X64_RegisterLowXmm8,
	X64_RegisterHighXmm8,
	X64_RegisterLowXmm9,
	X64_RegisterHighXmm9,
	X64_RegisterLowXmm10,
	X64_RegisterHighXmm10,
	X64_RegisterLowXmm11,
	X64_RegisterHighXmm11,
	X64_RegisterLowXmm12,
	X64_RegisterHighXmm12,
	X64_RegisterLowXmm13,
	X64_RegisterHighXmm13,
	X64_RegisterLowXmm14,
	X64_RegisterHighXmm14,
	X64_RegisterLowXmm15,
	X64_RegisterHighXmm15, /* 49 */
	X64_RegisterLowXmmControlStatus,
	X64_RegisterHighXmmControlStatus,
	X64_RegisterLowFpControlStatus,
	X64_RegisterHighFpControlStatus,
	X64_RegisterCr0, /* 54 */
	X64_RegisterCr2,
	X64_RegisterCr3,
	X64_RegisterCr4,
	X64_RegisterCr8,
	X64_RegisterEfer,
	X64_RegisterDr0, /* 60 */
	X64_RegisterDr1,
	X64_RegisterDr2,
	X64_RegisterDr3,
	X64_RegisterDr6,
	X64_RegisterDr7,
	X64_RegisterBaseGs, /* 66 */
	X64_RegisterBaseFs,
	X64_RegisterSegCs,
	X64_RegisterSegDs,
	X64_RegisterSegEs,
	X64_RegisterSegFs,
	X64_RegisterSegGs,
	X64_RegisterSegSs,
	X64_RegisterTr,
	X64_RegisterLdtr,
	X64_RegisterBaseIdtr,
	X64_RegisterLimitIdtr,
	X64_RegisterBaseGdtr,
	X64_RegisterLimitGdtr,
	X64_RegisterCount, /* 80 */
} REGISTER_ID_X64;

#else /* new register ABI */

typedef VIRTUAL_PROCESSOR_REGISTER_NEW_ABI VIRTUAL_PROCESSOR_REGISTER;

/** New register ids: one enum for x64 (also used for x86 VPs) and ARM64 (§7.4). */
typedef enum REGISTER_ID {
	X64_RegisterRax = 0,
	X64_RegisterRcx,
	X64_RegisterRdx,
	X64_RegisterRbx,
	X64_RegisterRsp,
	X64_RegisterRbp,
	X64_RegisterRsi,
	X64_RegisterRdi,
	X64_RegisterR8,
	X64_RegisterR9,
	X64_RegisterR10,
	X64_RegisterR11,
	X64_RegisterR12,
	X64_RegisterR13,
	X64_RegisterR14,
	X64_RegisterR15,
	X64_RegisterRip, /* 16 */
	X64_RegisterRFlags,
	X64_RegisterXmm0, /* 18, full 128 bits */
	X64_RegisterXmm1,
	X64_RegisterXmm2,
	X64_RegisterXmm3,
	X64_RegisterXmm4,
	X64_RegisterXmm5,
	X64_RegisterXmm6,
	X64_RegisterXmm7,
	X64_RegisterXmm8,
	X64_RegisterXmm9,
	X64_RegisterXmm10,
	X64_RegisterXmm11,
	X64_RegisterXmm12,
	X64_RegisterXmm13,
	X64_RegisterXmm14,
	X64_RegisterXmm15,
	X64_RegisterFpMmx0, /* 34 */
	X64_RegisterFpMmx1,
	X64_RegisterFpMmx2,
	X64_RegisterFpMmx3,
	X64_RegisterFpMmx4,
	X64_RegisterFpMmx5,
	X64_RegisterFpMmx6,
	X64_RegisterFpMmx7,
	X64_RegisterFpControlStatus, /* 42 */
	X64_RegisterXmmControlStatus,
	X64_RegisterCr0, /* 44 */
	X64_RegisterCr2,
	X64_RegisterCr3,
	X64_RegisterCr4,
	X64_RegisterCr8,
	X64_RegisterEfer,
	X64_RegisterDr0, /* 50 */
	X64_RegisterDr1,
	X64_RegisterDr2,
	X64_RegisterDr3,
	X64_RegisterDr6,
	X64_RegisterDr7,
	X64_RegisterEs, /* 56 */
	X64_RegisterCs,
	X64_RegisterSs,
	X64_RegisterDs,
	X64_RegisterFs,
	X64_RegisterGs,
	X64_RegisterLdtr,
	X64_RegisterTr,
	X64_RegisterIdtr, /* 64 */
	X64_RegisterGdtr,
	X64_RegisterMax, /* 66 */
	ARM64_RegisterX0 = 67,
	ARM64_RegisterX1,
	ARM64_RegisterX2,
	ARM64_RegisterX3,
	ARM64_RegisterX4,
	ARM64_RegisterX5,
	ARM64_RegisterX6,
	ARM64_RegisterX7,
	ARM64_RegisterX8,
	ARM64_RegisterX9,
	ARM64_RegisterX10,
	ARM64_RegisterX11,
	ARM64_RegisterX12,
	ARM64_RegisterX13,
	ARM64_RegisterX14,
	ARM64_RegisterX15,
	ARM64_RegisterX16,
	ARM64_RegisterX17,
	ARM64_RegisterX18,
	ARM64_RegisterX19,
	ARM64_RegisterX20,
	ARM64_RegisterX21,
	ARM64_RegisterX22,
	ARM64_RegisterX23,
	ARM64_RegisterX24,
	ARM64_RegisterX25,
	ARM64_RegisterX26,
	ARM64_RegisterX27,
	ARM64_RegisterX28, /* 95 */
	ARM64_RegisterXFp,
	ARM64_RegisterXLr,
	ARM64_RegisterPc,
	ARM64_RegisterSpEl0,
	ARM64_RegisterSpEl1,
	ARM64_RegisterCpsr, /* 101 */
	ARM64_RegisterQ0,   /* 102 */
	ARM64_RegisterQ1,
	ARM64_RegisterQ2,
	ARM64_RegisterQ3,
	ARM64_RegisterQ4,
	ARM64_RegisterQ5,
	ARM64_RegisterQ6,
	ARM64_RegisterQ7,
	ARM64_RegisterQ8,
	ARM64_RegisterQ9,
	ARM64_RegisterQ10,
	ARM64_RegisterQ11,
	ARM64_RegisterQ12,
	ARM64_RegisterQ13,
	ARM64_RegisterQ14,
	ARM64_RegisterQ15,
	ARM64_RegisterQ16,
	ARM64_RegisterQ17,
	ARM64_RegisterQ18,
	ARM64_RegisterQ19,
	ARM64_RegisterQ20,
	ARM64_RegisterQ21,
	ARM64_RegisterQ22,
	ARM64_RegisterQ23,
	ARM64_RegisterQ24,
	ARM64_RegisterQ25,
	ARM64_RegisterQ26,
	ARM64_RegisterQ27,
	ARM64_RegisterQ28,
	ARM64_RegisterQ29,
	ARM64_RegisterQ30,
	ARM64_RegisterQ31,	/* 133 */
	ARM64_RegisterFpStatus, /* 134 */
	ARM64_RegisterFpControl,
	ARM64_RegisterEsrEl1, /* 136 */
	ARM64_RegisterSpsrEl1,
	ARM64_RegisterFarEl1,
	ARM64_RegisterParEl1,
	ARM64_RegisterElrEl1,
	ARM64_RegisterTtbr0El1,
	ARM64_RegisterTtbr1El1,
	ARM64_RegisterVbarEl1,
	ARM64_RegisterSctlrEl1,
	ARM64_RegisterActlrEl1,
	ARM64_RegisterTcrEl1,
	ARM64_RegisterMairEl1,
	ARM64_RegisterAmairEl1,
	ARM64_RegisterTpidrEl0,
	ARM64_RegisterTpidrroEl0,
	ARM64_RegisterTpidrEl1,
	ARM64_RegisterContextIdrEl1,
	ARM64_RegisterCpacrEl1,
	ARM64_RegisterCsselrEl1,
	ARM64_RegisterCntkctlEl1,
	ARM64_RegisterCntvCvalEl0,
	ARM64_RegisterCntvCtlEl0, /* 157 */
	ARM64_RegisterMax,	  /* 158 */
} REGISTER_ID;

#endif /* VMSAVEDSTATEDUMP_OLD_REGISTER_ABI */

/* ---- symbol-provider types (§7.2; the functions are not implemented) ---- */
typedef struct DOS_IMAGE_INFO {
	LPCSTR PdbName;
	GUEST_VIRTUAL_ADDRESS ImageBaseAddress;
	DWORD ImageSize;
	UINT32 Timestamp;
} DOS_IMAGE_INFO, *PDOS_IMAGE_INFO;

typedef struct MODULE_INFO {
	LPCSTR ProcessImageName;
	DOS_IMAGE_INFO Image;
} MODULE_INFO, *PMODULE_INFO;

typedef BOOL(CALLBACK *FOUND_IMAGE_CALLBACK)(PVOID Context, PDOS_IMAGE_INFO ImageInfo);
typedef void(CALLBACK *GUEST_SYMBOLS_PROVIDER_DEBUG_INFO_CALLBACK)(LPCSTR InfoMessage);

/*
 * Error mapping used by every function below (the native code is in the native docs):
 *   -ENOENT -> HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)    -EBADMSG, -EPROTONOSUPPORT ->
 *   HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT)   -EINVAL, -ERANGE -> E_INVALIDARG
 *   -ENOMEM -> E_OUTOFMEMORY   -EIO -> HRESULT_FROM_WIN32(ERROR_READ_FAULT)
 *   -ENOTSUP -> HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED)
 *   -EFBIG -> HRESULT_FROM_WIN32(ERROR_FILE_TOO_LARGE)   -EACCES -> E_ACCESSDENIED
 *   -EFAULT -> HRESULT_FROM_WIN32(ERROR_INVALID_ADDRESS), except GVA translation:
 *              VM_SAVED_STATE_DUMP_E_VA_NOT_MAPPED
 *   -ENODATA -> VM_SAVED_STATE_DUMP_E_PARTITION_STATE_NOT_FOUND at load time,
 *               VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE for registers and VP state,
 *               VM_SAVED_STATE_DUMP_E_VP_VTL_NOT_ENABLED for VTL queries
 *   anything else -> E_FAIL.   NULL where a pointer is required -> E_INVALIDARG.
 */

/* ---- the 15 original functions (§7.6) ---- */

/** Apply the pending replay log of a .vmrs in place (the only call that writes), crash-safe.
 *  Loads nothing. @return S_OK (also when nothing was pending), or a mapped error. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI ApplyPendingSavedStateFileReplayLog(LPCWSTR VmrsFile);

/** Open a saved state (.vmrs; or any format the native library recognises) read-only. A
 *  file recognised only as a bare flat image (no magic, no layout.json sidecar) is refused
 *  with ERROR_FILE_CORRUPT, as the DLL refuses random input; with a sidecar it is accepted.
 *  @return S_OK; HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND); HRESULT_FROM_WIN32(
 *  ERROR_FILE_CORRUPT) for unrecognised or malformed input; VM_SAVED_STATE_DUMP_E_PARTITION_
 *  STATE_NOT_FOUND for a valid container without saved memory/CPU state (a running or
 *  powered-off VM's .vmrs). Release *VmSavedStateDumpHandle with ReleaseSavedStateFiles. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
LoadSavedStateFile(LPCWSTR VmrsFile, VM_SAVED_STATE_DUMP_HANDLE *VmSavedStateDumpHandle);

/** Open a legacy .bin + .vsv pair. Extension: VsvFile may be NULL or empty, to open the
 *  .bin alone (memory only, GetVpCount then reports 0). Codes as LoadSavedStateFile. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI LoadSavedStateFiles(
	LPCWSTR BinFile, LPCWSTR VsvFile, VM_SAVED_STATE_DUMP_HANDLE *VmSavedStateDumpHandle);

/**
 * Find a VM's (or one of its snapshots') saved-state files. There is no WMI on Linux: this
 * searches the directory named by the environment variable VMSAVEDSTATE_LOCATE_DIR (or the
 * current directory when unset) for .vmcx configurations, as vms_locate() does; see
 * LocateSavedStateFilesInDirectory to pass the directory explicitly.
 * @param VmName        VM name (case-insensitive) or GUID
 * @param SnapshotName  snapshot name or GUID; NULL for the VM's own saved state
 * Outputs: three newly allocated UTF-16 strings (each non-NULL on S_OK); unused ones are
 * empty, and all three are empty when nothing was found (S_OK, as the DLL documents).
 * Free each with LocalFree() (a macro for VmSavedStateDumpLocalFree) or free().
 * @return S_OK, E_INVALIDARG, E_OUTOFMEMORY, HRESULT_FROM_WIN32(ERROR_READ_FAULT).
 */
VMSAVEDSTATEDUMP_API HRESULT WINAPI LocateSavedStateFiles(LPCWSTR VmName, LPCWSTR SnapshotName,
							  LPWSTR *BinPath, LPWSTR *VsvPath,
							  LPWSTR *VmrsPath);

/** Release a handle from LoadSavedStateFile(s). NULL gives E_INVALIDARG. Not thread safe. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
ReleaseSavedStateFiles(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle);

/** Number of virtual processors (0 for a memory-only saved state such as a lone .bin). */
VMSAVEDSTATEDUMP_API HRESULT WINAPI GetVpCount(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle,
					       UINT32 *VpCount);

/** Architecture of VP `VpId` (0 .. GetVpCount-1). E_INVALIDARG for a bad VpId. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetArchitecture(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		VIRTUAL_PROCESSOR_ARCH *Architecture);

/** Paging mode of VP `VpId`; 5-level paging is reported as Paging_Long. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI GetPagingMode(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle,
						  UINT32 VpId, PAGING_MODE *PagingMode);

/**
 * The guest-physical memory ranges. *MemoryChunkCount is the capacity of MemoryChunks on
 * input (MemoryChunks may be NULL with a count of 0) and the number of chunks on output.
 * @return S_OK; E_OUTOFMEMORY when the capacity is too small (*MemoryChunkCount then holds
 *         the needed count and *MemoryChunkPageSize is set); E_INVALIDARG.
 */
VMSAVEDSTATEDUMP_API HRESULT WINAPI GetGuestPhysicalMemoryChunks(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT64 *MemoryChunkPageSize,
	GPA_MEMORY_CHUNK *MemoryChunks, UINT64 *MemoryChunkCount);

/** Size in bytes of the raw saved memory (all saved RAM, concatenated). */
VMSAVEDSTATEDUMP_API HRESULT WINAPI GetGuestRawSavedMemorySize(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT64 *GuestRawSavedMemorySize);

/** Raw saved-memory offset holding guest-physical `PhysicalAddress`.
 *  @return S_OK; HRESULT_FROM_WIN32(ERROR_INVALID_ADDRESS) when no chunk holds it. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI GuestPhysicalAddressToRawSavedMemoryOffset(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, GUEST_PHYSICAL_ADDRESS PhysicalAddress,
	UINT64 *RawSavedMemoryOffset);

/**
 * Read guest-physical memory. *BytesRead < BufferSize with S_OK means the end of guest
 * memory was reached. A hole (MMIO gap) inside guest memory fails with
 * HRESULT_FROM_WIN32(ERROR_INVALID_ADDRESS) and *BytesRead says how much was copied before
 * it. When BytesRead is NULL, a short read fails with HRESULT_FROM_WIN32(ERROR_HANDLE_EOF)
 * instead of passing silently.
 */
VMSAVEDSTATEDUMP_API HRESULT WINAPI ReadGuestPhysicalAddress(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, GUEST_PHYSICAL_ADDRESS PhysicalAddress,
	LPVOID Buffer, UINT32 BufferSize, UINT32 *BytesRead);

/** Read the raw saved memory; short read (S_OK, *BytesRead < BufferSize) at its end only.
 *  BytesRead NULL: as ReadGuestPhysicalAddress. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI ReadGuestRawSavedMemory(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT64 RawSavedMemoryOffset,
	LPVOID Buffer, UINT32 BufferSize, UINT32 *BytesRead);

/**
 * New-ABI register read (SDK 10.0.22621+): `registerId` is a REGISTER_ID; the value is
 * written to *registerValue, zero-extended to 16 bytes. Read from the VP's active VTL (or the
 * one forced with ForceActiveVirtualTrustLevel). x86 VPs use the X64 ids.
 * @return S_OK; E_INVALIDARG (bad VP, bad id, or an id of another architecture);
 *         VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE (the saved state lacks that register).
 */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetRegisterValueNewAbi(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId,
		       DWORD registerId, VIRTUAL_PROCESSOR_REGISTER_NEW_ABI *registerValue);

/** Old-ABI register read: the caller sets Register->Architecture (Arch_x86 or Arch_x64) and
 *  Register->RegisterId (a REGISTER_ID_X86 / _X64 value); RegisterValue receives the 64-bit
 *  value (Low/High halves for 128-bit registers; the selector for Seg*, Tr and Ldtr; the
 *  base for BaseFs/BaseGs). Codes as GetRegisterValueNewAbi. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetRegisterValueOldAbi(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		       VIRTUAL_PROCESSOR_REGISTER_OLD_ABI *Register);

/** Translate a guest-virtual address with VP `VpId`'s paging mode and page-table root.
 *  @param UnmappedRegionSize  optional: on VM_SAVED_STATE_DUMP_E_VA_NOT_MAPPED, the bytes
 *         from VirtualAddress to the next possibly mapped address; 0 on success.
 *  @return S_OK, VM_SAVED_STATE_DUMP_E_VA_NOT_MAPPED, E_INVALIDARG (bad VP),
 *          VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE (no register state). */
VMSAVEDSTATEDUMP_API HRESULT WINAPI GuestVirtualAddressToPhysicalAddressNewAbi(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
	const GUEST_VIRTUAL_ADDRESS VirtualAddress, GUEST_PHYSICAL_ADDRESS *PhysicalAddress,
	GUEST_VIRTUAL_ADDRESS *UnmappedRegionSize);

/** The 4-argument form of the old headers. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI GuestVirtualAddressToPhysicalAddressOldAbi(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
	const GUEST_VIRTUAL_ADDRESS VirtualAddress, GUEST_PHYSICAL_ADDRESS *PhysicalAddress);

/* Microsoft's names for the ABI chosen at build time. The exported symbols are the *NewAbi
 * and *OldAbi functions; these macros make source written for either SDK compile. */
#ifdef VMSAVEDSTATEDUMP_OLD_REGISTER_ABI
#define GetRegisterValue GetRegisterValueOldAbi
#else
#define GetRegisterValue GetRegisterValueNewAbi
#endif
#ifdef VMSAVEDSTATEDUMP_OLD_GVA_SIGNATURE
#define GuestVirtualAddressToPhysicalAddress GuestVirtualAddressToPhysicalAddressOldAbi
#else
#define GuestVirtualAddressToPhysicalAddress GuestVirtualAddressToPhysicalAddressNewAbi
#endif

/* ---- later additions (§7.7) ---- */

/** Override the architecture used for VP `VpId`. Not thread safe. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
ForceArchitecture(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		  VIRTUAL_PROCESSOR_ARCH Architecture);

/** Override the paging mode used for translation with VP `VpId`. Not thread safe. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI ForcePagingMode(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId, PAGING_MODE PagingMode);

/** Whether VP `VpId` was in kernel mode (x86/x64: CPL 0; ARM64: EL1). */
VMSAVEDSTATEDUMP_API HRESULT WINAPI InKernelSpace(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle,
						  UINT32 VpId, BOOL *InKernelSpace);

/** Budget in bytes of the decoded-memory-block cache; 0 drops the cache and disables it.
 *  Unlike the DLL (default 0) the default is the native one (256 MiB). */
VMSAVEDSTATEDUMP_API HRESULT WINAPI SetMemoryBlockCacheLimit(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT64 MemoryBlockCacheLimit);
VMSAVEDSTATEDUMP_API HRESULT WINAPI GetMemoryBlockCacheLimit(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT64 *MemoryBlockCacheLimit);

/** Overlay FixBufferSize bytes at guest-virtual VirtualAddress (translated now with VP
 *  VpId) on later reads. The file is never written. Not thread safe. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
ApplyGuestMemoryFix(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		    GUEST_VIRTUAL_ADDRESS VirtualAddress, LPVOID FixBuffer, UINT32 FixBufferSize);

/** Bitmap of VTLs enabled in the partition (bit n = VTL n). */
VMSAVEDSTATEDUMP_API HRESULT WINAPI GetGuestEnabledVirtualTrustLevels(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 *virtualTrustLevels);

/** Guest OS id (HV_GUEST_OS_ID) reported for VTL `virtualTrustLevel`; 0 when unenlightened.
 *  VM_SAVED_STATE_DUMP_E_INVALID_VP_STATE when the saved state holds none. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetGuestOsInfo(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT8 virtualTrustLevel,
	       GUEST_OS_INFO *guestOsInfo);

/** VTL that VP `vpId` ran in at save time (after any ForceActiveVirtualTrustLevel). */
VMSAVEDSTATEDUMP_API HRESULT WINAPI GetActiveVirtualTrustLevel(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, UINT8 *virtualTrustLevel);

/** Bitmap of the VTLs that VP `vpId` has register state for. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI GetEnabledVirtualTrustLevels(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, UINT32 *virtualTrustLevels);

/** Read registers and translate as VTL `virtualTrustLevel` from now on.
 *  @return S_OK; VM_SAVED_STATE_DUMP_E_VP_VTL_NOT_ENABLED when the VP has no state for that
 *  VTL (the previous VTL stays in use, and IsActiveVirtualTrustLevelEnabled reports FALSE
 *  until a successful force); E_INVALIDARG. Not thread safe. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI ForceActiveVirtualTrustLevel(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, UINT8 virtualTrustLevel);

/** FALSE only after a ForceActiveVirtualTrustLevel to a VTL the VP lacks. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
IsActiveVirtualTrustLevelEnabled(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId,
				 BOOL *activeVirtualTrustLevelEnabled);

/** Nested virtualization state is not decoded: *enabled is always FALSE. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
IsNestedVirtualizationEnabled(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, BOOL *enabled);
VMSAVEDSTATEDUMP_API HRESULT WINAPI GetNestedVirtualizationMode(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, BOOL *enabled);
/** Always VM_SAVED_STATE_DUMP_E_NESTED_VIRTUALIZATION_NOT_SUPPORTED. */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
ForceNestedHostMode(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 vpId, BOOL hostMode,
		    BOOL *oldMode);

/* Symbol-provider family (§7.7): needs dbghelp and PDBs. Declared so that ported code
 * compiles; every one returns E_NOTIMPL (GetSavedStateSymbolProviderHandle returns NULL). */
VMSAVEDSTATEDUMP_API HRESULT WINAPI LoadSavedStateSymbolProvider(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, LPCWSTR UserSymbols, BOOL Force);
VMSAVEDSTATEDUMP_API HRESULT WINAPI
ReleaseSavedStateSymbolProvider(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle);
VMSAVEDSTATEDUMP_API HANDLE WINAPI
GetSavedStateSymbolProviderHandle(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle);
VMSAVEDSTATEDUMP_API HRESULT WINAPI
SetSavedStateSymbolProviderDebugInfoCallback(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle,
					     GUEST_SYMBOLS_PROVIDER_DEBUG_INFO_CALLBACK Callback);
VMSAVEDSTATEDUMP_API HRESULT WINAPI
LoadSavedStateModuleSymbols(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, LPCSTR ImageName,
			    LPCSTR ModuleName, GUEST_VIRTUAL_ADDRESS BaseAddress, DWORD SizeOfBase);
VMSAVEDSTATEDUMP_API HRESULT WINAPI LoadSavedStateModuleSymbolsEx(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, LPCSTR ImageName, UINT32 ImageTimestamp,
	LPCSTR ModuleName, GUEST_VIRTUAL_ADDRESS BaseAddress, DWORD SizeOfBase);
VMSAVEDSTATEDUMP_API HRESULT WINAPI ResolveSavedStateGlobalVariableAddress(
	VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId, LPCSTR GlobalName,
	GUEST_VIRTUAL_ADDRESS *VirtualAddress, ULONG *Size);
VMSAVEDSTATEDUMP_API HRESULT WINAPI
ReadSavedStateGlobalVariable(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
			     LPCSTR GlobalName, LPVOID Buffer, ULONG BufferSize);
VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetSavedStateSymbolTypeSize(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
			    LPCSTR TypeName, ULONG *Size);
VMSAVEDSTATEDUMP_API HRESULT WINAPI
FindSavedStateSymbolFieldInType(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
				LPCSTR TypeName, LPCWSTR FieldName, UINT32 *Offset, BOOL *Found);
VMSAVEDSTATEDUMP_API HRESULT WINAPI
GetSavedStateSymbolFieldInfo(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
			     LPCSTR TypeName, LPWSTR *TypeFieldInfoMap);
VMSAVEDSTATEDUMP_API HRESULT WINAPI
ScanMemoryForDosImages(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		       GUEST_VIRTUAL_ADDRESS StartAddress, GUEST_VIRTUAL_ADDRESS EndAddress,
		       PVOID CallbackContext, FOUND_IMAGE_CALLBACK FoundImageCallback,
		       GUEST_VIRTUAL_ADDRESS *StandaloneAddress, DWORD StandaloneAddressCount);
VMSAVEDSTATEDUMP_API HRESULT WINAPI
CallStackUnwind(VM_SAVED_STATE_DUMP_HANDLE VmSavedStateDumpHandle, UINT32 VpId,
		PMODULE_INFO ImageInfo, DWORD ImageInfoCount, UINT32 FrameCount, LPWSTR *CallStack);

/* ---- extensions (not in Microsoft's API) ---- */

/** LocateSavedStateFiles with an explicit search directory (UTF-16 path). */
VMSAVEDSTATEDUMP_API HRESULT WINAPI
LocateSavedStateFilesInDirectory(LPCWSTR Directory, LPCWSTR VmName, LPCWSTR SnapshotName,
				 LPWSTR *BinPath, LPWSTR *VsvPath, LPWSTR *VmrsPath);

/** Free a string returned by LocateSavedStateFiles*. Returns NULL (LocalFree's success
 *  value). NULL is accepted. */
VMSAVEDSTATEDUMP_API HLOCAL WINAPI VmSavedStateDumpLocalFree(HLOCAL Memory);

#if !defined(VMSAVEDSTATEDUMP_NO_LOCALFREE) && !defined(LocalFree)
#define LocalFree(p) VmSavedStateDumpLocalFree(p)
#endif

#ifdef __cplusplus
}
#endif
#endif
