/* Reads and SEEK_DATA/SEEK_HOLE for the memory files physmem, raw and vp/N/vmem, plus the
 * vmem address folding (fuse-and-cli.md §4.2-§4.4) and the library-code -> errno mapping.
 * Nothing here depends on FUSE, so the folding and seeking are unit-testable.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"

/* Bits of the VA spaces (fuse-and-cli.md §4.3): 4-level long mode and ARMv8 with 48-bit
 * TTBRx (T0SZ/T1SZ = 16), LA57, and 32-bit paging or PAE. */
#define VA_BITS_LONG 48u
#define VA_BITS_LONG5 57u
#define VA_BITS_32 32u
/* Paging off: GVA == GPA, so the file covers guest memory; at most 2^52 (x86 MAXPHYADDR). */
#define VA_BITS_IDENTITY_MAX 52u

/* A hole seek translates at most this many times, then answers conservatively: SEEK_DATA
 * says "data here" (reads return zeros) and SEEK_HOLE says "a hole starts here" (the next
 * SEEK_DATA returns the same offset, so no data is ever skipped). Bounds the time a
 * hostile page table can make one lseek take (STYLE.md rule 13). */
#define VMEM_SEEK_MAX_STEPS (1u << 20)

bool vms_fs_vmem_geometry(enum vms_paging mode, uint64_t gpa_end, unsigned *va_bits, bool *fold)
{
	switch (mode) {
	case VMS_PAGING_LONG:
	case VMS_PAGING_ARMV8:
		*va_bits = VA_BITS_LONG;
		*fold = true;
		return true;
	case VMS_PAGING_LONG5:
		*va_bits = VA_BITS_LONG5;
		*fold = true;
		return true;
	case VMS_PAGING_X86:
	case VMS_PAGING_PAE:
		*va_bits = VA_BITS_32;
		*fold = false;
		return true;
	case VMS_PAGING_NONE: {
		unsigned bits = VA_BITS_32;
		while (bits < VA_BITS_IDENTITY_MAX && (1ull << bits) < gpa_end)
			bits++;
		*va_bits = bits;
		*fold = false;
		return true;
	}
	case VMS_PAGING_INVALID:
		break;
	}
	return false;
}

uint64_t vms_fs_vmem_to_gva(uint64_t off, unsigned va_bits, bool fold)
{
	if (fold && (off >> (va_bits - 1)) & 1u)
		return off | ~((1ull << va_bits) - 1);
	return off;
}

bool vms_fs_gva_to_vmem(uint64_t gva, unsigned va_bits, bool fold, uint64_t *off)
{
	const uint64_t size = 1ull << va_bits;
	if (!fold) {
		if (gva >= size)
			return false;
		*off = gva;
		return true;
	}
	/* canonical: bits 63..va_bits-1 all equal */
	const uint64_t top = gva >> (va_bits - 1);
	if (top != 0 && top != (UINT64_MAX >> (va_bits - 1)))
		return false;
	*off = gva & (size - 1);
	return true;
}

int vms_fs_errno(int rc)
{
	switch (rc) {
	case -ENOMEM:
	case -ENOENT:
	case -ENXIO:
	case -EINVAL:
	case -EROFS:
		return -rc;
	default:
		/* EBADMSG (undecodable block), EFAULT (unmapped page in strict mode), ENODATA,
		 * ERANGE, EFBIG, ENOTSUP: to a reader all of them mean "these bytes cannot be
		 * produced", which is EIO (fuse-and-cli.md §2.4). EFAULT itself would claim the
		 * caller's buffer was bad. */
		return EIO;
	}
}

/* A failed request on a page-cached file must fail as a whole: the kernel zero-fills a short
 * reply (fuse_lowlevel.h, read), which would turn an error into zeros. It then retries the
 * range page by page, so the error still surfaces at the right offset. A direct_io file
 * may return the good prefix; the next read starts at the failure and gets the error. */
static int64_t read_result(const struct vms_fs_node *n, int rc, uint64_t done)
{
	if (rc == 0)
		return (int64_t)done;
	if (n->direct_io && done > 0)
		return (int64_t)done;
	return rc;
}

static int64_t read_vmem(struct vms_fs *fs, const struct vms_fs_node *n, uint64_t off, uint8_t *buf,
			 size_t len, struct vms_error *err)
{
	const uint64_t size = 1ull << n->va_bits;
	const uint64_t half = n->fold ? size >> 1 : size;
	const uint64_t page = vms_page_size(fs->h) ? vms_page_size(fs->h) : 4096u;
	const uint32_t flags = (fs->cfg.vmem_eio ? 0 : VMS_READ_ZERO_UNMAPPED) |
			       (fs->cfg.holes_eio ? 0 : VMS_READ_ZERO_HOLES);
	size_t pos = 0;

	while (pos < len) {
		const uint64_t file_off = off + pos;
		/* the two canonical halves are not contiguous VAs: never cross the fold */
		const uint64_t seg_end = file_off < half ? half : size;
		const uint64_t want =
			seg_end - file_off < len - pos ? seg_end - file_off : len - pos;
		uint64_t done = 0;
		const uint64_t gva = vms_fs_vmem_to_gva(file_off, n->va_bits, n->fold);
		const int rc = vms_read_gva(fs->h, n->vp, gva, buf + pos, want, flags, &done, err);
		if (done > want)
			done = want;
		pos += done;
		if (rc == 0 && done == want)
			continue;
		/* EFAULT past the translation: a PTE (or, with paging off, the GVA itself) that
		 * points beyond guest memory. Unless strict, that page reads as zeros like an
		 * unmapped one, and the read resumes at the next page. */
		if ((rc == 0 || rc == -EFAULT) && !fs->cfg.vmem_eio) {
			const uint64_t at = off + pos;
			uint64_t fill = page - (at & (page - 1));
			if (fill > len - pos)
				fill = len - pos;
			memset(buf + pos, 0, fill);
			pos += fill;
			continue;
		}
		return read_result(n, rc ? rc : -EFAULT, pos);
	}
	return (int64_t)pos;
}

int64_t vms_fs_memory_read(struct vms_fs *fs, const struct vms_fs_node *n, uint64_t off, void *buf,
			   size_t len, struct vms_error *err)
{
	if (off >= n->size)
		return 0;
	if (len > n->size - off)
		len = n->size - off;

	uint64_t done = 0;
	int rc;
	switch (n->kind) {
	case VMS_FS_PHYSMEM:
		rc = vms_read_gpa(fs->h, off, buf, len, fs->cfg.holes_eio ? 0 : VMS_READ_ZERO_HOLES,
				  &done, err);
		return read_result(n, rc, done > len ? len : done);
	case VMS_FS_RAW:
		rc = vms_read_raw(fs->h, off, buf, len, &done, err);
		return read_result(n, rc, done > len ? len : done);
	case VMS_FS_VMEM:
		return read_vmem(fs, n, off, buf, len, err);
	case VMS_FS_EXPORT:
		return vms_fs_export_read(fs, n, off, buf, len, err);
	case VMS_FS_DIR:
	case VMS_FS_TEXT:
		break;
	}
	return -EINVAL;
}

static int seek_vmem(struct vms_fs *fs, const struct vms_fs_node *n, uint64_t off, bool want_data,
		     uint64_t *out)
{
	const uint64_t size = 1ull << n->va_bits;
	const uint64_t half = n->fold ? size >> 1 : size;
	const uint64_t page = vms_page_size(fs->h) ? vms_page_size(fs->h) : 4096u;
	uint64_t pos = off;

	for (unsigned step = 0; pos < size; step++) {
		if (step == VMEM_SEEK_MAX_STEPS) {
			*out = pos;
			return 0;
		}
		struct vms_xlate_info info;
		uint64_t gpa;
		memset(&info, 0, sizeof info);
		const uint64_t gva = vms_fs_vmem_to_gva(pos, n->va_bits, n->fold);
		const int rc = vms_gva_to_gpa(fs->h, n->vp, gva, &gpa, &info, NULL);
		/* only "not mapped" is a hole; a page table that cannot be read is data, so a
		 * read there reports the error instead of the seek hiding it */
		const bool mapped = rc != -EFAULT;
		if (mapped == want_data) {
			*out = pos;
			return 0;
		}
		const uint64_t limit = pos < half ? half : size;
		uint64_t next;
		if (mapped) {
			uint64_t span = page;
			if (rc == 0 && info.page_size >= page &&
			    (info.page_size & (info.page_size - 1)) == 0)
				span = info.page_size;
			next = (pos & ~(span - 1)) + span;
		} else {
			const uint64_t skip = info.unmapped_len ? info.unmapped_len : page;
			next = skip > limit - pos ? limit : pos + skip;
		}
		pos = next > limit ? limit : next;
	}
	if (want_data)
		return -ENXIO;
	*out = size;
	return 0;
}

int vms_fs_seek(struct vms_fs *fs, const struct vms_fs_node *n, uint64_t off, int whence,
		uint64_t *out)
{
	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return -EINVAL;
	if (off >= n->size)
		return -ENXIO;
	const bool want_data = whence == SEEK_DATA;

	switch (n->kind) {
	case VMS_FS_PHYSMEM: {
		uint64_t next;
		if (vms_gpa_seek(fs->h, off, want_data, &next) < 0 || next >= n->size) {
			if (want_data)
				return -ENXIO;
			next = n->size;
		}
		*out = next;
		return 0;
	}
	case VMS_FS_VMEM:
		return seek_vmem(fs, n, off, want_data, out);
	case VMS_FS_EXPORT:
		return vms_fs_export_seek(n, off, want_data, out);
	case VMS_FS_RAW:
	case VMS_FS_TEXT:
	case VMS_FS_DIR:
		/* dense files: data up to the end, then the implicit hole at EOF */
		*out = want_data ? off : n->size;
		return 0;
	}
	return -EINVAL;
}
