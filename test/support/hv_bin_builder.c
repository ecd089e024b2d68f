/* Test-only .bin container writer: hyperv-format.md §6.2, mirroring raf-test_file.bin's
 * layout (header page, values padded to 4 KiB, index, name table at the end). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "formats/hyperv/bin_container.h"
#include "support/hv_bin_builder.h"

#define ALIGN 0x1000u
#define DEFAULT_INDEX_CAP 1024u

static void pad_to(struct hv_tokbuf *b, size_t base, size_t align)
{
	static const uint8_t zero[ALIGN];
	const size_t rel = b->len - base;
	if (rel % align)
		hv_tokbuf_put(b, zero, align - rel % align);
}

int hv_bin_build(const struct hv_bin_entry_spec *entries, size_t count, uint32_t index_cap,
		 struct hv_tokbuf *out, struct hv_bin_layout *layout)
{
	if (!index_cap)
		index_cap = DEFAULT_INDEX_CAP;
	if (index_cap < count)
		return -EINVAL;
	struct hv_bin_layout local;
	if (!layout)
		layout = &local;
	memset(layout, 0, sizeof(*layout));

	const size_t base = out->len;
	uint8_t hdr[HV_BIN_HEADER_LEN] = {0};
	hv_tokbuf_put(out, hdr, sizeof(hdr));
	pad_to(out, base, ALIGN);

	uint64_t *data_off = calloc(count ? count : 1, sizeof(*data_off));
	if (!data_off)
		abort();
	for (size_t i = 0; i < count; i++) {
		data_off[i] = out->len - base;
		if (i < 64)
			layout->entry_data_off[i] = data_off[i];
		hv_tokbuf_put(out, entries[i].data, entries[i].len);
		pad_to(out, base, ALIGN);
	}

	layout->index_off = out->len - base;
	uint32_t name_pos = 0;
	for (size_t i = 0; i < index_cap; i++) {
		uint8_t e[HV_BIN_ENTRY_LEN] = {0};
		if (i < count) {
			const size_t nlen = strlen(entries[i].name) + 1;
			vms_put_le32(e + HV_BIN_ENTRY_NAME_OFF, name_pos);
			vms_put_le16(e + HV_BIN_ENTRY_NAME_LEN, (uint16_t)nlen);
			e[HV_BIN_ENTRY_TYPE] = 1;
			e[HV_BIN_ENTRY_FLAGS] = 1;
			vms_put_le32(e + HV_BIN_ENTRY_ALLOC,
				     (entries[i].len + ALIGN - 1) / ALIGN * ALIGN);
			vms_put_le32(e + HV_BIN_ENTRY_SIZE, entries[i].len);
			vms_put_le64(e + HV_BIN_ENTRY_DATA, data_off[i]);
			name_pos += (uint32_t)nlen;
		}
		hv_tokbuf_put(out, e, sizeof(e));
	}
	pad_to(out, base, ALIGN);

	layout->names_off = out->len - base;
	for (size_t i = 0; i < count; i++)
		hv_tokbuf_put(out, entries[i].name, strlen(entries[i].name) + 1);
	pad_to(out, base, ALIGN);
	const uint32_t names_cap = (uint32_t)(out->len - base - layout->names_off);

	uint8_t *h = out->p + base;
	vms_put_le32(h, HV_BIN_SIGNATURE);
	vms_put_le32(h + HV_BIN_OFF_VERSION, 0x500);
	vms_put_le32(h + HV_BIN_OFF_UNKNOWN8, 1);
	vms_put_le32(h + HV_BIN_OFF_INDEX_CAP, index_cap);
	vms_put_le64(h + HV_BIN_OFF_INDEX, layout->index_off);
	vms_put_le64(h + HV_BIN_OFF_NAMES, layout->names_off);
	vms_put_le32(h + HV_BIN_OFF_NAMES_CAP, names_cap ? names_cap : ALIGN);
	vms_put_le32(h + HV_BIN_OFF_NAMES_USED, name_pos);
	if (!names_cap) {
		static const uint8_t zero[ALIGN];
		hv_tokbuf_put(out, zero, ALIGN);
	}
	free(data_off);
	return 0;
}

int hv_bin_build_memory(const uint8_t *mem, size_t block_count,
			const struct hv_ramblock_enc_opts *opts, const uint32_t *order,
			struct hv_tokbuf *out)
{
	struct hv_tokbuf *vals = calloc(block_count ? block_count : 1, sizeof(*vals));
	struct hv_bin_entry_spec *specs = calloc(block_count ? block_count : 1, sizeof(*specs));
	char(*names)[32] = calloc(block_count ? block_count : 1, sizeof(*names));
	if (!vals || !specs || !names)
		abort();
	int rc = 0;
	for (size_t i = 0; i < block_count && rc == 0; i++) {
		const size_t n = order ? order[i] : i;
		if (n >= block_count) {
			rc = -EINVAL;
			break;
		}
		rc = hv_ramblock_encode(mem + (n << 20), opts, &vals[i], NULL);
		snprintf(names[i], sizeof(names[i]), "RamBlock/%zu/", n);
		specs[i].name = names[i];
		specs[i].data = vals[i].p;
		specs[i].len = (uint32_t)vals[i].len;
	}
	if (rc == 0)
		rc = hv_bin_build(specs, block_count,
				  block_count > 1024 ? (uint32_t)block_count : 0, out, NULL);
	for (size_t i = 0; i < block_count; i++)
		hv_tokbuf_free(&vals[i]);
	free(vals);
	free(specs);
	free(names);
	return rc;
}
