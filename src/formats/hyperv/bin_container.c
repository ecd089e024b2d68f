/* Legacy .bin keyed container parser: hyperv-format.md §6.2 (all [V: raf-test_file.bin] unless
 * tagged) with the §6.2 reader rules [G]: every offset and size checked against the file,
 * names NUL-terminated inside the used table, no duplicate blocks, no gaps unless asked. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "core/error.h"
#include "formats/hyperv/bin_container.h"

#define NAME_PREFIX "RamBlock/"
#define NAME_PREFIX_LEN (sizeof(NAME_PREFIX) - 1)
/* Keeps span << 20 (the raw size in bytes) far from overflow: 4 PiB of guest RAM. */
#define MAX_BLOCK_NUMBER 0xFFFFFFFFull
/* Cap on the index and name-table reads when the options give none. */
#define DEFAULT_MAX_ALLOC (256ull << 20)

int hv_bin_parse_header(const uint8_t *buf, size_t len, struct hv_bin_header *hdr,
			struct vms_error *err)
{
	if (len < HV_BIN_HEADER_LEN)
		return vms_fail(err, -EBADMSG, ".bin header at 0: %zu bytes, needs %u", len,
				HV_BIN_HEADER_LEN);
	const uint32_t sig = vms_le32(buf);
	if (sig != HV_BIN_SIGNATURE)
		return vms_fail(err, -EBADMSG,
				".bin header at 0: signature %#010" PRIx32 ", expected %#010x", sig,
				HV_BIN_SIGNATURE);
	hdr->version = vms_le32(buf + HV_BIN_OFF_VERSION);
	hdr->unknown8 = vms_le32(buf + HV_BIN_OFF_UNKNOWN8);
	hdr->index_cap = vms_le32(buf + HV_BIN_OFF_INDEX_CAP);
	hdr->index_off = vms_le64(buf + HV_BIN_OFF_INDEX);
	hdr->names_off = vms_le64(buf + HV_BIN_OFF_NAMES);
	hdr->names_cap = vms_le32(buf + HV_BIN_OFF_NAMES_CAP);
	hdr->names_used = vms_le32(buf + HV_BIN_OFF_NAMES_USED);
	return 0;
}

static int read_at(const struct vms_io *io, uint64_t off, void *buf, size_t len, const char *what,
		   struct vms_error *err)
{
	if (vms_range_outside(off, len, io->size))
		return vms_fail(err, -EBADMSG,
				".bin %s at file offset %#" PRIx64 ": %zu bytes overrun the file "
				"(%" PRIu64 " bytes)",
				what, off, len, io->size);
	const int rc = io->pread(io->ctx, buf, len, off);
	if (rc < 0)
		return vms_fail(err, -EIO, ".bin %s at file offset %#" PRIx64 ": read failed (%d)",
				what, off, rc);
	return 0;
}

/* Parses "RamBlock/<decimal>/" (name_len bytes, NUL included and already checked).
 * Returns 1 with *number on a match, 0 for a name outside the RamBlock/ family, -1 for a
 * RamBlock/ name whose number is malformed. */
static int parse_block_name(const char *name, size_t name_len, uint64_t *number)
{
	const size_t text_len = name_len - 1;
	if (text_len < NAME_PREFIX_LEN || memcmp(name, NAME_PREFIX, NAME_PREFIX_LEN) != 0)
		return 0;
	const char *d = name + NAME_PREFIX_LEN;
	const char *const end = name + text_len - 1; /* the closing '/' */
	if (end <= d || *end != '/')
		return -1;
	if (*d == '0' && end - d > 1)
		return -1; /* leading zero: a second spelling of one number */
	uint64_t v = 0;
	for (; d < end; d++) {
		if (*d < '0' || *d > '9')
			return -1;
		v = v * 10 + (uint64_t)(*d - '0');
		if (v > MAX_BLOCK_NUMBER)
			return -1;
	}
	*number = v;
	return 1;
}

static int cmp_block(const void *a, const void *b)
{
	const struct hv_bin_block *x = a, *y = b;
	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot; /* stable messages for duplicates */
}

/* Decodes one used index entry into `blk` (or counts it as another key). */
static int parse_entry(struct hv_bin_index *idx, const uint8_t *e, uint32_t slot, const char *names,
		       uint64_t file_size, struct vms_error *err)
{
	const uint64_t entry_off = idx->hdr.index_off + (uint64_t)slot * HV_BIN_ENTRY_LEN;
	const uint32_t name_off = vms_le32(e + HV_BIN_ENTRY_NAME_OFF);
	const uint16_t name_len = vms_le16(e + HV_BIN_ENTRY_NAME_LEN);
	const uint32_t alloc = vms_le32(e + HV_BIN_ENTRY_ALLOC);
	const uint32_t size = vms_le32(e + HV_BIN_ENTRY_SIZE);
	const uint64_t data_off = vms_le64(e + HV_BIN_ENTRY_DATA);

	if (name_len == 0 || vms_range_outside(name_off, name_len, idx->hdr.names_used))
		return vms_fail(err, -EBADMSG,
				".bin index entry %" PRIu32 " at file offset %#" PRIx64
				": name [%#" PRIx32 ", +%u) outside the used name table (%" PRIu32
				" bytes)",
				slot, entry_off, name_off, name_len, idx->hdr.names_used);
	const char *name = names + name_off;
	if (memchr(name, '\0', name_len) != name + name_len - 1)
		return vms_fail(err, -EBADMSG,
				".bin index entry %" PRIu32 " at file offset %#" PRIx64
				": name at table offset %#" PRIx32
				" is not NUL-terminated at its length %u",
				slot, entry_off, name_off, name_len);
	if (e[HV_BIN_ENTRY_TYPE] != 1 || e[HV_BIN_ENTRY_FLAGS] != 1)
		idx->odd_entry_bytes++;

	uint64_t number;
	const int kind = parse_block_name(name, name_len, &number);
	if (kind < 0)
		return vms_fail(err, -EBADMSG,
				".bin index entry %" PRIu32 " at file offset %#" PRIx64
				": bad block number in name \"%.40s\"",
				slot, entry_off, name);
	if (kind == 0) {
		if (idx->other_keys++ == 0)
			snprintf(idx->first_other, sizeof(idx->first_other), "%s", name);
		return 0;
	}
	if (alloc < size)
		return vms_fail(err, -EBADMSG,
				".bin index entry %" PRIu32 " (%s) at file offset %#" PRIx64
				": allocated size %" PRIu32 " below data size %" PRIu32,
				slot, name, entry_off, alloc, size);
	if (vms_range_outside(data_off, size, file_size))
		return vms_fail(err, -EBADMSG,
				".bin index entry %" PRIu32 " (%s) at file offset %#" PRIx64
				": data [%#" PRIx64 ", +%#" PRIx32 ") outside the file (%" PRIu64
				" bytes)",
				slot, name, entry_off, data_off, size, file_size);
	struct hv_bin_block *b = &idx->blocks[idx->block_count++];
	b->number = number;
	b->file_off = data_off;
	b->len = size;
	b->slot = slot;
	return 0;
}

static int check_numbering(struct hv_bin_index *idx, bool zero_missing, struct vms_error *err)
{
	qsort(idx->blocks, idx->block_count, sizeof(idx->blocks[0]), cmp_block);
	for (size_t i = 0; i < idx->block_count; i++) {
		const struct hv_bin_block *b = &idx->blocks[i];
		if (i > 0 && b[-1].number == b->number)
			return vms_fail(err, -EBADMSG,
					".bin index entries %" PRIu32 " and %" PRIu32
					": duplicate RamBlock/%" PRIu64 "/",
					b[-1].slot, b->slot, b->number);
		if (!zero_missing && b->number != i)
			return vms_fail(
				err, -EBADMSG,
				".bin index: RamBlock/%zu/ missing (next is RamBlock/%" PRIu64
				"/ in entry %" PRIu32 "); VMS_OPEN_ZERO_MISSING reads gaps "
				"as zeros",
				i, b->number, b->slot);
	}
	idx->block_span = idx->block_count ? idx->blocks[idx->block_count - 1].number + 1 : 0;
	return 0;
}

int hv_bin_open(const struct vms_io *io, const struct vms_open_opts *opts,
		struct hv_bin_index **out, struct vms_error *err)
{
	if (!io || !io->pread || !out)
		return vms_fail(err, -EINVAL, ".bin open: NULL argument");
	*out = NULL;
	const uint64_t max_alloc = opts && opts->max_alloc ? opts->max_alloc : DEFAULT_MAX_ALLOC;
	const bool zero_missing = opts && (opts->flags & VMS_OPEN_ZERO_MISSING);
	uint8_t head[HV_BIN_HEADER_LEN];
	uint8_t *index = NULL;
	char *names = NULL;
	int rc;

	struct hv_bin_index *idx = calloc(1, sizeof(*idx));
	if (!idx)
		return vms_fail(err, -ENOMEM, ".bin open: out of memory");
	if ((rc = read_at(io, 0, head, sizeof(head), "header", err)) != 0 ||
	    (rc = hv_bin_parse_header(head, sizeof(head), &idx->hdr, err)) != 0)
		goto fail;

	const struct hv_bin_header *h = &idx->hdr;
	const uint64_t index_len = (uint64_t)h->index_cap * HV_BIN_ENTRY_LEN;
	if (vms_range_outside(h->index_off, index_len, io->size)) {
		rc = vms_fail(err, -EBADMSG,
			      ".bin header: index at %#" PRIx64 " with %" PRIu32
			      " entries of 24 bytes overruns the file (%" PRIu64 " bytes)",
			      h->index_off, h->index_cap, io->size);
		goto fail;
	}
	if (h->names_used > h->names_cap ||
	    vms_range_outside(h->names_off, h->names_used, io->size)) {
		rc = vms_fail(err, -EBADMSG,
			      ".bin header: name table at %#" PRIx64 " uses %" PRIu32 " of %" PRIu32
			      " bytes: beyond its capacity or the file (%" PRIu64 " bytes)",
			      h->names_off, h->names_used, h->names_cap, io->size);
		goto fail;
	}
	if (index_len > max_alloc || h->names_used > max_alloc) {
		rc = vms_fail(err, -EFBIG,
			      ".bin header: index (%" PRIu64 " bytes) or name table (%" PRIu32
			      " bytes) exceeds the allocation cap %" PRIu64,
			      index_len, h->names_used, max_alloc);
		goto fail;
	}

	index = malloc(index_len ? index_len : 1);
	names = malloc(h->names_used ? h->names_used : 1);
	idx->blocks = calloc(h->index_cap ? h->index_cap : 1, sizeof(*idx->blocks));
	if (!index || !names || !idx->blocks) {
		rc = vms_fail(err, -ENOMEM, ".bin open: out of memory for %" PRIu32 " entries",
			      h->index_cap);
		goto fail;
	}
	if ((rc = read_at(io, h->index_off, index, index_len, "index", err)) != 0 ||
	    (rc = read_at(io, h->names_off, names, h->names_used, "name table", err)) != 0)
		goto fail;

	static const uint8_t empty_entry[HV_BIN_ENTRY_LEN];
	for (uint32_t slot = 0; slot < h->index_cap; slot++) {
		const uint8_t *e = index + (size_t)slot * HV_BIN_ENTRY_LEN;
		if (!memcmp(e, empty_entry, HV_BIN_ENTRY_LEN))
			continue; /* unused slots are all-zero [V] */
		idx->used_slots++;
		if ((rc = parse_entry(idx, e, slot, names, io->size, err)) != 0)
			goto fail;
	}
	if (idx->block_count == 0) {
		rc = vms_fail(err, -ENODATA,
			      ".bin index at %#" PRIx64 ": no RamBlock/N/ entries "
			      "among %" PRIu32 " used slots",
			      h->index_off, idx->used_slots);
		goto fail;
	}
	if ((rc = check_numbering(idx, zero_missing, err)) != 0)
		goto fail;

	free(index);
	free(names);
	*out = idx;
	return 0;
fail:
	free(index);
	free(names);
	hv_bin_free(idx);
	return rc;
}

int hv_bin_block(const struct hv_bin_index *idx, uint64_t number, uint64_t *file_off, uint32_t *len)
{
	if (number >= idx->block_span)
		return -ERANGE;
	size_t lo = 0, hi = idx->block_count;
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		if (idx->blocks[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == idx->block_count || idx->blocks[lo].number != number)
		return -ENOENT;
	*file_off = idx->blocks[lo].file_off;
	*len = idx->blocks[lo].len;
	return 0;
}

void hv_bin_free(struct hv_bin_index *idx)
{
	if (!idx)
		return;
	free(idx->blocks);
	free(idx);
}
