/* vp/N/vmem geometry and address folding (fuse-and-cli.md §4.3): pure functions of
 * src/fs/fs_memory.c, tested without a mount. */
#include <criterion/criterion.h>
#include <errno.h>

#include "fs.h"

#define HALF48 0x800000000000ull

Test(fs_vmem_fold, long_mode_is_48_bits_folded)
{
	unsigned bits = 0;
	bool fold = false;
	cr_assert(vms_fs_vmem_geometry(VMS_PAGING_LONG, 0, &bits, &fold));
	cr_assert_eq(bits, 48);
	cr_assert(fold);
	cr_assert(vms_fs_vmem_geometry(VMS_PAGING_LONG5, 0, &bits, &fold));
	cr_assert_eq(bits, 57);
	cr_assert(fold);
	cr_assert(vms_fs_vmem_geometry(VMS_PAGING_PAE, 0, &bits, &fold));
	cr_assert_eq(bits, 32);
	cr_assert_not(fold);
	cr_assert_not(vms_fs_vmem_geometry(VMS_PAGING_INVALID, 0, &bits, &fold));
}

Test(fs_vmem_fold, paging_off_covers_guest_memory)
{
	unsigned bits = 0;
	bool fold = true;
	cr_assert(vms_fs_vmem_geometry(VMS_PAGING_NONE, 0x10000, &bits, &fold));
	cr_assert_eq(bits, 32);
	cr_assert_not(fold);
	cr_assert(vms_fs_vmem_geometry(VMS_PAGING_NONE, 0x100000001ull, &bits, &fold));
	cr_assert_eq(bits, 33);
	cr_assert(vms_fs_vmem_geometry(VMS_PAGING_NONE, UINT64_MAX, &bits, &fold));
	cr_assert_eq(bits, 52, "identity files stop at 2^52");
}

Test(fs_vmem_fold, offsets_map_to_canonical_addresses)
{
	cr_assert_eq(vms_fs_vmem_to_gva(0x400000, 48, true), 0x400000);
	cr_assert_eq(vms_fs_vmem_to_gva(HALF48 - 1, 48, true), 0x00007fffffffffffull);
	cr_assert_eq(vms_fs_vmem_to_gva(HALF48, 48, true), 0xffff800000000000ull);
	cr_assert_eq(vms_fs_vmem_to_gva((1ull << 48) - 0x1000, 48, true), 0xfffffffffffff000ull);
	cr_assert_eq(vms_fs_vmem_to_gva(1ull << 56, 57, true), 0xff00000000000000ull);
	cr_assert_eq(vms_fs_vmem_to_gva(0x80000000, 32, false), 0x80000000);
}

Test(fs_vmem_fold, canonical_addresses_round_trip)
{
	const uint64_t gvas[] = {0,
				 0x1000,
				 0x00007ffffffff000ull,
				 0xffff800000000000ull,
				 0xfffff80012345678ull,
				 0xfffffffffffff000ull};
	for (size_t i = 0; i < sizeof gvas / sizeof gvas[0]; i++) {
		uint64_t off = 0;
		cr_assert(vms_fs_gva_to_vmem(gvas[i], 48, true, &off), "gva %#lx",
			  (unsigned long)gvas[i]);
		cr_assert_lt(off, 1ull << 48);
		cr_assert_eq(vms_fs_vmem_to_gva(off, 48, true), gvas[i]);
	}
}

Test(fs_vmem_fold, non_canonical_addresses_have_no_offset)
{
	uint64_t off = 0;
	cr_assert_not(vms_fs_gva_to_vmem(0x0000800000000000ull, 48, true, &off));
	cr_assert_not(vms_fs_gva_to_vmem(0xfff0000000000000ull, 48, true, &off));
	cr_assert_not(vms_fs_gva_to_vmem(0x100000000ull, 32, false, &off));
	cr_assert(vms_fs_gva_to_vmem(0xffffffffull, 32, false, &off));
	cr_assert_eq(off, 0xffffffffull);
}

Test(fs_errno, library_codes_become_reader_errors)
{
	cr_assert_eq(vms_fs_errno(-EBADMSG), EIO);
	cr_assert_eq(vms_fs_errno(-EFAULT), EIO);
	cr_assert_eq(vms_fs_errno(-EIO), EIO);
	cr_assert_eq(vms_fs_errno(-ENODATA), EIO);
	cr_assert_eq(vms_fs_errno(-ENOMEM), ENOMEM);
	cr_assert_eq(vms_fs_errno(-ENXIO), ENXIO);
	cr_assert_eq(vms_fs_errno(-EROFS), EROFS);
}
