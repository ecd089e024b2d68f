/* Small synthetic saved states, one per format, made with the test writers (vmrs_builder,
 * partition_state_builder, hv_bin_builder, raw_builder, qemu_builder) plus a hand-made LiME
 * image, and the regions of each that hold headers and metadata. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "formats/hyperv/bin_container.h"
#include "formats/hyperv/partition_state.h"
#include "formats/raw/raw_builder.h"
#include "hardening/hard_samples.h"
#include "formats/hyperv/hv_schema.h"
#include "support/hv_bin_builder.h"
#include "support/hvs_writer.h"
#include "support/partition_state_builder.h"
#include "support/qemu_builder.h"
#include "support/ramblock_encode.h"
#include "support/vmrs_builder.h"

#define MIB (1u << 20)
#define PAGE 4096u
/* bytes of each memory value that get dense corruption: the first tokens */
#define VALUE_HEAD 256u

/* Guest page p: a few pages of every encoding, then zeros (fill runs), so files stay small
 * while the decoders see fill, LZ77 and raw pages. */
static void mixed_page(uint64_t p, uint8_t *page)
{
	memset(page, 0, PAGE);
	switch (p % 8) {
	case 0: /* incompressible: raw token */
		for (unsigned i = 0; i < PAGE; i++)
			page[i] = (uint8_t)((p * 2654435761u + i * 40503u) >> 7 ^ i * 13u);
		break;
	case 1: /* text: LZ77 */
		for (unsigned i = 0; i < PAGE; i++)
			page[i] = (uint8_t) "hostile input hardening "[(i + p) % 24];
		break;
	case 2: /* one repeated u64: fill token */
		for (unsigned i = 0; i < PAGE; i += 8)
			vms_put_le64(page + i, 0x0123456789abcdefull ^ p);
		break;
	default:
		break;
	}
	if (p >= 8)
		memset(page, 0, PAGE);
}

static void vmrs_page(void *ctx, uint64_t raw_page, uint8_t *page)
{
	(void)ctx;
	mixed_page(raw_page, page);
}

static void add_region(struct hard_sample *s, unsigned src, uint64_t off, uint64_t len)
{
	cr_assert_lt(s->region_count, HARD_MAX_REGIONS);
	if (off >= s->src_len[src])
		return;
	if (len > s->src_len[src] - off)
		len = s->src_len[src] - off;
	s->regions[s->region_count++] = (struct hard_region){src, off, len};
}

/* Two ranges with a hole, two x64 VPs (one long-mode, one with paging off). With `replay`,
 * one pending replay-log entry rewrites 16 bytes of the partition_state value (with the same
 * bytes, so the state stays valid: what matters is that the file is never written). */
static void build_vmrs(struct hard_sample *s, bool replay)
{
	static struct vms_reg_bank banks[2];
	psb_bank_pattern(&banks[0], VMS_ARCH_X64, 7);
	psb_bank_pattern(&banks[1], VMS_ARCH_X86, 8);
	struct psb_vp_desc vps[2] = {
		{.hv_index = 0, .vtl_count = 1, .banks = {&banks[0]}, .runnable_vtl = -1},
		{.hv_index = 1, .vtl_count = 1, .banks = {&banks[1]}, .runnable_vtl = -1},
	};
	size_t ps_len;
	uint8_t *ps = psb_build(HV_VENDOR_INTEL, 0x1234, vps, 2, &ps_len);
	static const struct vmrs_range ranges[] = {
		{.gpa = 0, .pages = 16, .mbp_start = 0},
		{.gpa = 0x100000, .pages = 16, .mbp_start = 16},
	};
	struct vmrs_desc d;
	vmrs_desc_init(&d);
	d.ranges = ranges;
	d.range_count = 2;
	d.partition_state = ps;
	d.partition_state_len = ps_len;
	d.page_fn = vmrs_page;
	struct vmrs_layout l;
	cr_assert_eq(vmrs_build_mem(&d, &s->src[0], &s->src_len[0], &l), 0);
	if (replay) {
		static uint8_t patch[16];
		memcpy(patch, s->src[0] + l.ps_value_off, sizeof(patch));
		const struct vmrs_log_entry e = {l.ps_value_off, patch, sizeof(patch), true};
		d.log = &e;
		d.log_count = 1;
		const size_t len0 = s->src_len[0];
		free(s->src[0]);
		vmrs_layout_free(&l);
		cr_assert_eq(vmrs_build_mem(&d, &s->src[0], &s->src_len[0], &l), 0);
		cr_assert_eq(s->src_len[0], len0, "the replay log moved the layout");
	}
	free(ps);
	s->format = "hyperv-vmrs";
	s->file_name[0] = "hard.vmrs";
	/* everything but the tail of the one RamBlock value */
	uint64_t b_off = l.block_value_off[0], b_len = l.block_value_len[0];
	add_region(s, 0, 0, b_off + VALUE_HEAD);
	add_region(s, 0, b_off + b_len, s->src_len[0]);
	s->meta_end = s->src_len[0];
	vmrs_layout_free(&l);
}

/* Two RamBlocks, the second a raw-only encoding, in a .bin with a small index. */
static void build_bin(struct hard_sample *s)
{
	uint8_t *mem = malloc(2 * MIB);
	cr_assert_not_null(mem);
	for (uint64_t p = 0; p < 512; p++)
		mixed_page(p % 256, mem + p * PAGE);
	struct hv_tokbuf vals[2] = {{0}, {0}};
	cr_assert_eq(hv_ramblock_encode(mem, NULL, &vals[0], NULL), 0);
	struct hv_ramblock_enc_opts fills = {.merge_fills = true};
	cr_assert_eq(hv_ramblock_encode(mem + MIB, &fills, &vals[1], NULL), 0);
	struct hv_bin_entry_spec e[2] = {
		{"RamBlock/1/", vals[1].p, (uint32_t)vals[1].len},
		{"RamBlock/0/", vals[0].p, (uint32_t)vals[0].len},
	};
	struct hv_tokbuf out = {0};
	struct hv_bin_layout l;
	cr_assert_eq(hv_bin_build(e, 2, 8, &out, &l), 0);
	s->src[0] = out.p;
	s->src_len[0] = out.len;
	s->format = "hyperv-bin";
	s->file_name[0] = "hard.bin";
	add_region(s, 0, 0, PAGE);
	for (unsigned i = 0; i < 2; i++)
		add_region(s, 0, l.entry_data_off[i], VALUE_HEAD);
	add_region(s, 0, l.index_off, s->src_len[0]);
	s->meta_end = s->src_len[0];
	hv_tokbuf_free(&vals[0]);
	hv_tokbuf_free(&vals[1]);
	free(mem);
}

/* The .bin above plus a .vsv (HyperVStorage, configuration version 5.0, old-scheme nested
 * names as test_legacy_pair.c writes them): two x86 VPs and one range over both blocks. */
static void build_bin_vsv(struct hard_sample *s)
{
	build_bin(s);
	static struct vms_reg_bank banks[2];
	struct psb_vp_desc vps[2];
	for (unsigned v = 0; v < 2; v++) {
		psb_bank_pattern(&banks[v], VMS_ARCH_X86, 40 + v);
		vps[v] = (struct psb_vp_desc){
			.hv_index = v, .vtl_count = 1, .banks = {&banks[v]}, .runnable_vtl = -1};
	}
	size_t ps_len;
	uint8_t *ps = psb_build(HV_VENDOR_INTEL, 0, vps, 2, &ps_len);
	struct hvs_writer *w = hvs_writer_new(NULL);
	hvs_w_int(w, hvs_w_node_path(w, "configuration/properties"), "version", 0x500);
	hvs_w_array(w, hvs_w_node_path(w, "savedVM"), "partition_state", ps, ps_len);
	uint8_t v[HV_RMB_LEN] = {0};
	vms_put_le32(v, HV_RMB_VERSION);
	vms_put_le64(v + HV_RMB_OFF_PAGES, 512);
	hvs_w_array(w, hvs_w_node_path(w, "RamMemoryBlock"), "0", v, sizeof(v));
	struct hvs_image img;
	cr_assert_eq(hvs_writer_build(w, &img), 0);
	s->src_count = 2;
	s->src_len[1] = img.len;
	s->src[1] = malloc(img.len);
	cr_assert_not_null(s->src[1]);
	memcpy(s->src[1], img.buf, img.len);
	hvs_image_free(&img);
	hvs_writer_free(w);
	free(ps);
	s->format = "hyperv-bin+vsv";
	s->file_name[1] = "hard.vsv";
	add_region(s, 1, 0, s->src_len[1]);
}

static void build_raw(struct hard_sample *s)
{
	s->src_count = 2;
	s->src[0] = rb_image();
	s->src_len[0] = RB_IMAGE_SIZE;
	const char *side = rb_sidecar();
	s->src_len[1] = strlen(side);
	s->src[1] = malloc(s->src_len[1]);
	cr_assert_not_null(s->src[1]);
	memcpy(s->src[1], side, s->src_len[1]);
	s->format = "raw";
	s->file_name[0] = "hard.raw";
	s->file_name[1] = "hard.raw.layout.json";
	/* the page tables are the image's metadata; the sidecar is all metadata */
	add_region(s, 0, RB_CR3, 4 * PAGE);
	add_region(s, 1, 0, s->src_len[1]);
	s->meta_end = s->src_len[0];
}

/* Two ranges, the second ending inside a page (LiME's partial pages). */
static void build_lime(struct hard_sample *s)
{
	static const uint64_t r[2][2] = {{0x1000, 0x2fff}, {0x10000, 0x107ff}};
	size_t len = 2 * 32 + 0x2000 + 0x800;
	uint8_t *b = calloc(1, len), *p = b;
	cr_assert_not_null(b);
	for (unsigned i = 0; i < 2; i++) {
		vms_put_le32(p, 0x4C694D45u);
		vms_put_le32(p + 4, 1);
		vms_put_le64(p + 8, r[i][0]);
		vms_put_le64(p + 16, r[i][1]);
		p += 32;
		for (uint64_t k = 0; k <= r[i][1] - r[i][0]; k++)
			*p++ = (uint8_t)(k * 7 + i);
	}
	s->src[0] = b;
	s->src_len[0] = len;
	s->format = "lime";
	s->file_name[0] = "hard.lime";
	add_region(s, 0, 0, 32);
	add_region(s, 0, 32 + 0x2000, 32);
	s->meta_end = len;
}

void hard_sample_build(enum hard_kind kind, struct hard_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->src_count = 1;
	switch (kind) {
	case HARD_VMRS:
		s->name = "vmrs";
		build_vmrs(s, false);
		return;
	case HARD_BIN_VSV:
		s->name = "bin+vsv";
		build_bin_vsv(s);
		return;
	case HARD_VMRS_REPLAY:
		s->name = "vmrs-replay";
		build_vmrs(s, true);
		return;
	case HARD_BIN:
		s->name = "bin";
		build_bin(s);
		return;
	case HARD_RAW:
		s->name = "raw";
		build_raw(s);
		return;
	case HARD_LIME:
		s->name = "lime";
		build_lime(s);
		return;
	case HARD_QEMU_ELF:
		s->name = "qemu-elf";
		s->format = "qemu-elf";
		s->file_name[0] = "hard.elf";
		s->src[0] = qb_elf(&s->src_len[0]);
		break;
	case HARD_QEMU_KDUMP:
		s->name = "qemu-kdump";
		s->format = "qemu-kdump";
		s->file_name[0] = "hard.kdump";
		s->src[0] = qb_kdump(0, &s->src_len[0]);
		break;
	case HARD_QEMU_KDUMP_FLAT:
		s->name = "qemu-kdump-flat";
		s->format = "qemu-kdump";
		s->file_name[0] = "hard.flat.kdump";
		s->src[0] = qb_kdump(1, &s->src_len[0]);
		break;
	case HARD_QEMU_MIGRATION:
		s->name = "qemu-migration";
		s->format = "qemu-migration";
		s->file_name[0] = "hard.mig";
		s->src[0] = qb_migration(&s->src_len[0]);
		break;
	case HARD_QEMU_LIBVIRT:
		s->name = "qemu-libvirt";
		s->format = "qemu-migration";
		s->file_name[0] = "hard.save";
		s->src[0] = qb_libvirt(1, &s->src_len[0]);
		break;
	case HARD_KIND_COUNT:
	default:
		cr_assert_fail("bad sample kind %d", (int)kind);
	}
	cr_assert_not_null(s->src[0]);
	/* the QEMU samples are a few pages: all of it is fair game */
	add_region(s, 0, 0, s->src_len[0]);
	s->meta_end = s->src_len[0];
}

void hard_sample_free(struct hard_sample *s)
{
	for (unsigned i = 0; i < HARD_MAX_SRC; i++)
		free(s->src[i]);
	memset(s, 0, sizeof(*s));
}
