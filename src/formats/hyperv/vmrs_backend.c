/* The "hyperv-vmrs" backend: a HyperVStorage saved state (.vmrs), or a legacy .bin + .vsv
 * pair (hyperv-format.md §3, §5, §6.3). Memory comes from RamBlock values decoded on demand;
 * CPU state from partition_state; the key tree is exported for `vmsavedstate keys`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "formats/hyperv/bin_container.h"
#include "formats/hyperv/hv_schema.h"
#include "formats/hyperv/partition_state.h"
#include "formats/hyperv/ramblock_decode.h"

#define HVS_SIGNATURE 0x01282014u /* §2.1 */
#define NO_SAVED_MEMORY "no saved memory in this file"

struct vmrs_ctx {
	struct hvs_container *c;
	struct hv_schema s;
	/* memory from the container: key index of each RamBlock, HVS_NO_KEY when absent */
	uint32_t *block_keys;
	uint64_t block_count;
	/* memory from a legacy .bin (pair mode) */
	const struct vms_io *bin_io;
	struct hv_bin_index *bin;
	bool zero_missing;
};

static int vmrs_probe(const uint8_t *head, size_t len)
{
	/* .vmcx files share the signature; their open fails with -ENODATA. */
	return len >= 4 && vms_le32(head) == HVS_SIGNATURE ? 80 : 0;
}

static void vmrs_close(void *p)
{
	struct vmrs_ctx *x = p;
	if (!x)
		return;
	hvs_close(x->c);
	hv_bin_free(x->bin);
	free(x->block_keys);
	free(x);
}

static int read_stored_block(const struct vmrs_ctx *x, uint64_t index, uint8_t **buf, size_t *len,
			     uint64_t *file_off, struct vms_error *err)
{
	uint64_t off;
	uint32_t n;
	if (x->bin) {
		int rc = hv_bin_block(x->bin, index, &off, &n);
		if (rc < 0)
			return rc == -ENOENT || rc == -ERANGE ? -ENOENT : rc;
	} else {
		if (index >= x->block_count || x->block_keys[index] == HVS_NO_KEY)
			return -ENOENT;
		const struct hvs_key *k = hvs_key_at(x->c, x->block_keys[index]);
		off = k->data_file_off;
		n = k->data_len > HV_RAMBLOCK_MAX_STORED ? UINT32_MAX : (uint32_t)k->data_len;
	}
	/* The file decides n: cap it before allocating, for the .bin's u32 sizes too. */
	if (n > HV_RAMBLOCK_MAX_STORED)
		return vms_fail(err, -EBADMSG,
				"stored value at file offset %#" PRIx64
				" is larger than the %u-byte cap of a RamBlock",
				off, HV_RAMBLOCK_MAX_STORED);
	*file_off = off;
	*len = n;
	*buf = malloc(n ? n : 1);
	if (!*buf)
		return vms_fail(err, -ENOMEM, "cannot allocate %" PRIu32 " bytes", n);
	int rc = x->bin ? vms_io_read(x->bin_io, off, *buf, n, "RamBlock value", err)
			: hvs_read_value(x->c, hvs_key_at(x->c, x->block_keys[index]), 0, *buf, n,
					 err);
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

static int vmrs_read_block(void *p, uint64_t index, uint8_t *dst, struct vms_error *err)
{
	const struct vmrs_ctx *x = p;
	char name[64];
	hv_schema_ram_block_name(&x->s, index, name, sizeof(name));
	if (x->bin)
		snprintf(name, sizeof(name), "RamBlock/%" PRIu64 "/ of the .bin", index);
	uint8_t *buf = NULL;
	size_t len = 0;
	uint64_t off = 0;
	int rc = read_stored_block(x, index, &buf, &len, &off, err);
	if (rc == -ENOENT) {
		/* Only blocks outside every range can be absent after open (or any block with
		 * ZERO_MISSING): they hold no guest page, so zeros are what they mean. */
		memset(dst, 0, HV_RAMBLOCK_SIZE);
		return 0;
	}
	if (rc < 0)
		return vms_fail_prefix(err, rc, "%s", name);
	rc = hv_ramblock_decode(buf, len, dst, err);
	free(buf);
	if (rc < 0)
		return vms_fail_prefix(err, rc,
				       "%s at file offset %#" PRIx64 " (damaged, or an "
				       "encrypted saved state?)",
				       name, off);
	return 0;
}

static int vmrs_read_key(void *p, const struct vms_model_key *key, uint64_t off, void *buf,
			 size_t len, struct vms_error *err)
{
	const struct vmrs_ctx *x = p;
	uint64_t file_off;
	if (vms_range_outside(off, len, key->data_len) ||
	    vms_add_overflow(key->data_file_off, off, &file_off))
		return vms_fail(err, -ERANGE,
				"key %s: [%#" PRIx64 ", +%#zx) outside its %" PRIu64 "-byte value",
				key->name, off, len, key->data_len);
	return hvs_read_file(x->c, file_off, buf, len, err);
}

/* Does block `i` exist in the memory source? */
static bool block_exists(const struct vmrs_ctx *x, uint64_t i, uint32_t *key)
{
	if (x->bin) {
		uint64_t off;
		uint32_t n;
		return hv_bin_block(x->bin, i, &off, &n) == 0;
	}
	*key = hv_schema_ram_block(x->c, &x->s, i);
	return *key != HVS_NO_KEY;
}

/* Every RamBlock a range needs must exist (§3.5 [G]); ZERO_MISSING reads them as zeros. */
static int check_blocks(struct vmrs_ctx *x, struct vms_model *m, struct vms_error *err)
{
	uint64_t missing = 0;
	for (size_t ci = 0; ci < m->chunk_count; ci++) {
		const struct vms_chunk *ch = &m->chunks[ci];
		uint64_t first = ch->raw_off >> HV_BLOCK_SHIFT;
		uint64_t last = (ch->raw_off + ch->pages * VMS_PAGE_SIZE - 1) >> HV_BLOCK_SHIFT;
		for (uint64_t b = first; b <= last; b++) {
			uint32_t key = HVS_NO_KEY;
			if (block_exists(x, b, &key)) {
				if (!x->bin)
					x->block_keys[b] = key;
				continue;
			}
			char name[64], where[96] = "";
			hv_schema_ram_block_name(&x->s, b, name, sizeof(name));
			if (x->bin)
				snprintf(where, sizeof(where),
					 " from the .bin (it holds %" PRIu64
					 " RamBlocks; the .vsv describes more memory)",
					 x->bin->block_span);
			if (!x->zero_missing)
				return vms_fail(
					err, -EBADMSG,
					"%s is missing%s but the range at GPA %#" PRIx64
					" needs it (VMS_OPEN_ZERO_MISSING reads it as zeros)",
					name, where, ch->gpa);
			if (missing++ == 0)
				vms_model_warn(m, "hyperv: %s missing, read as zeros", name);
		}
	}
	if (missing > 1)
		vms_model_warn(m, "hyperv: %" PRIu64 " RamBlocks missing in total", missing);
	return 0;
}

static int map_memory(struct vmrs_ctx *x, struct vms_model *m, uint64_t *ranges,
		      struct vms_error *err)
{
	uint64_t block_end;
	int rc = hv_schema_map_memory(x->c, &x->s, m, ranges, &block_end, err);
	if (rc < 0)
		return rc;
	if (*ranges == 0 && x->bin) {
		/* §6.3: a .bin without metadata gives identity-mapped memory (an assumption). */
		block_end = x->bin->block_span;
		rc = vms_model_add_chunk(m, 0, block_end * HV_PAGES_PER_BLOCK, 0, 0, err);
		if (rc < 0)
			return rc;
		vms_model_warn(m,
			       "hyperv: no RamMemoryBlock metadata in the .vsv; assuming "
			       "identity GPA mapping of the .bin's %" PRIu64 " blocks",
			       block_end);
	} else if (*ranges == 0) {
		return 0;
	}
	if (x->bin)
		vms_model_add_prop(m, "hyperv.gpa_map",
				   *ranges ? "RamMemoryBlock metadata of the .vsv"
					   : "identity (assumed: the .vsv has no RamMemoryBlock "
					     "metadata)");
	/* The raw view ends after the last needed block, or after the last contiguous stored
	 * block if more exist (raf-test_file.bin: both 252, §3.4; §9 q6 is open). */
	uint64_t count = block_end, bytes;
	uint32_t key;
	while (count < (UINT64_MAX >> HV_BLOCK_SHIFT) && block_exists(x, count, &key))
		count++;
	if (count > block_end)
		vms_model_warn(m, "hyperv: %" PRIu64 " RamBlocks after the last mapped range",
			       count - block_end);
	if (!x->bin) {
		if (vms_mul_overflow(count, sizeof(uint32_t), &bytes))
			bytes = UINT64_MAX;
		x->block_keys = vms_model_alloc(m, bytes, "hyperv: RamBlock index", err);
		if (!x->block_keys)
			return err ? err->code : -ENOMEM;
		x->block_count = count;
		for (uint64_t b = 0; b < count; b++)
			x->block_keys[b] = HVS_NO_KEY;
		for (uint64_t b = block_end; b < count; b++)
			x->block_keys[b] = hv_schema_ram_block(x->c, &x->s, b);
	}
	m->raw_size = count << HV_BLOCK_SHIFT;
	m->block_size = HV_RAMBLOCK_SIZE;
	vms_model_add_propf(m, "hyperv.ram_ranges", "%" PRIu64, *ranges);
	vms_model_add_propf(m, "hyperv.ram_blocks", "%" PRIu64, count);
	return check_blocks(x, m, err);
}

static int parse_cpu(struct vmrs_ctx *x, struct vms_model *m, uint32_t key, struct vms_error *err)
{
	const struct hvs_key *k = hvs_key_at(x->c, key);
	if (k->type != VMS_KEY_ARRAY && k->type != VMS_KEY_FILE)
		return vms_fail(err, -EBADMSG,
				"partition_state: key at file offset %#" PRIx64 " is not an array",
				k->entry_file_off);
	uint8_t *blob = vms_model_alloc(m, k->data_len, "partition_state value", err);
	if (!blob)
		return err ? err->code : -ENOMEM;
	int rc = hvs_read_value(x->c, k, 0, blob, (size_t)k->data_len, err);
	if (rc == 0)
		rc = hv_partition_state_parse(blob, (size_t)k->data_len, m, err);
	free(blob);
	if (rc < 0)
		return vms_fail_prefix(err, rc, "value at file offset %#" PRIx64, k->data_file_off);
	vms_model_add_propf(m, "partition_state.size", "%" PRIu64, k->data_len);
	return 0;
}

/* Sort the sources: one HyperVStorage container, optionally one .bin (either order). */
static int pick_sources(struct vms_model *m, const struct vms_io **hvs, const struct vms_io **bin,
			struct vms_error *err)
{
	*hvs = *bin = NULL;
	if (m->io_count < 1 || m->io_count > 2)
		return vms_fail(err, -EINVAL,
				"hyperv-vmrs: %zu sources; expected a .vmrs, or a "
				".bin and its .vsv",
				m->io_count);
	for (size_t i = 0; i < m->io_count; i++) {
		uint8_t sig[4];
		int rc = vms_io_read(&m->ios[i], 0, sig, sizeof(sig), "signature", err);
		if (rc < 0)
			return rc;
		const uint32_t v = vms_le32(sig);
		const char *name = m->ios[i].name ? m->ios[i].name : "source";
		const struct vms_io **slot = v == HVS_SIGNATURE	     ? hvs
					     : v == HV_BIN_SIGNATURE ? bin
								     : NULL;
		if (!slot)
			return vms_fail(err, -ENOTSUP,
					"%s: signature %#010" PRIx32 " is neither a "
					"HyperVStorage container (%#010x) nor a .bin (§6.3)",
					name, v, HVS_SIGNATURE);
		if (*slot)
			return vms_fail(err, -EINVAL,
					"%s and %s are both %s; expected a .bin and its .vsv",
					(*slot)->name ? (*slot)->name : "source", name,
					slot == hvs ? "HyperVStorage containers" : ".bin files");
		*slot = &m->ios[i];
	}
	if (!*hvs)
		return vms_fail(err, -ENOTSUP,
				"hyperv-vmrs: a .bin needs its .vsv "
				"(HyperVStorage) partner");
	return 0;
}

static int vmrs_open_ctx(struct vmrs_ctx *x, struct vms_model *m, struct vms_error *err)
{
	const struct vms_io *hvs_io, *bin_io;
	int rc = pick_sources(m, &hvs_io, &bin_io, err);
	if (rc < 0)
		return rc;
	const uint32_t flags = m->opts ? m->opts->flags : 0;
	x->zero_missing = flags & VMS_OPEN_ZERO_MISSING;
	rc = hvs_open(hvs_io, m->opts, m, &x->c, err);
	if (rc == 0)
		rc = hvs_export_keys(x->c, m, err);
	if (rc == 0)
		rc = hv_schema_detect(x->c, bin_io != NULL, m, &x->s, err);
	if (rc < 0)
		return rc;
	m->replay_pending = hvs_replay_pending(x->c);
	hv_schema_report_unknown_keys(x->c, m);
	if (flags & VMS_OPEN_METADATA_ONLY)
		return 0;
	if (bin_io) {
		x->bin_io = bin_io;
		rc = hv_bin_open(bin_io, m->opts, &x->bin, err);
		if (rc < 0)
			return vms_fail_prefix(err, rc, ".bin");
		snprintf(m->format_name, sizeof(m->format_name), "hyperv-bin+vsv");
		vms_model_add_propf(m, "hyperv.bin.header_version", "%#x", x->bin->hdr.version);
		/* §6.2: the .bin's header word +4 is probably the configuration version [G] */
		if (x->s.vm_version && x->bin->hdr.version != x->s.vm_version)
			vms_model_warn(m,
				       "hyperv: the .bin's header version %#x differs from the "
				       ".vsv's configuration version %#x: not a pair?",
				       x->bin->hdr.version, x->s.vm_version);
	}
	uint64_t ranges;
	rc = map_memory(x, m, &ranges, err);
	if (rc < 0)
		return rc;
	uint32_t ps = hv_schema_partition_state(x->c, &x->s);
	if (m->raw_size == 0)
		return vms_fail(
			err, -ENODATA,
			NO_SAVED_MEMORY " (no %s and %s: the VM was "
					"not saved; a metadata-only open still reads its key tree)",
			x->s.old_scheme ? "RamMemoryBlock/0/" : "savedstate/RamMemoryBlock0",
			ps == HVS_NO_KEY ? "no partition_state" : "a partition_state");
	if (ps == HVS_NO_KEY) {
		vms_model_warn(m, "hyperv: no partition_state key: memory only, no CPU state");
		return 0;
	}
	return parse_cpu(x, m, ps, err);
}

static int vmrs_open(struct vms_model *m, void **ctx, struct vms_error *err)
{
	struct vmrs_ctx *x = calloc(1, sizeof(*x));
	if (!x)
		return vms_fail(err, -ENOMEM, "hyperv-vmrs: cannot allocate the context");
	int rc = vmrs_open_ctx(x, m, err);
	if (rc < 0) {
		vmrs_close(x);
		return rc;
	}
	*ctx = x;
	return 0;
}

const struct vms_backend_ops vms_backend_hyperv_vmrs = {
	.name = "hyperv-vmrs",
	.probe = vmrs_probe,
	.open = vmrs_open,
	.close = vmrs_close,
	.read_block = vmrs_read_block,
	.read_key = vmrs_read_key,
};
