/* QEMU migration streams (`migrate "exec:cat > FILE"`) and libvirt `virsh save` files that
 * wrap one: qemu-formats §§1-5 and §8, docs/formats/qemu.md "Migration stream". Raw memory
 * is the RAM blocks in stream order; the GPA map is rebuilt from the machine type (§5). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "formats/qemu/qemu_internal.h"
#include "formats/qemu/qemu_mig.h"

#define LV_MAGIC_SAVE "LibvirtQemudSave"
#define LV_MAGIC_PART "LibvirtQemudPart"
#define LV_HDR_LEN 92u
#define LV_VERSION_MAX 2u
#define LV_XML_MAX (16u << 20)
#define GIB (1ull << 30)
#define FOUR_GIB (4ull << 30)
/* below-4G split points (hw/i386/pc_piix.c, pc_q35.c; qemu-formats §5) */
#define Q35_LOWMEM 0xb0000000ull
#define Q35_LOWMEM_BIG 0x80000000ull
#define PIIX_LOWMEM 0xe0000000ull
#define PIIX_LOWMEM_BIG 0xc0000000ull
#define VGA_HOLE_START 0xa0000ull
#define VGA_HOLE_END 0xc0000ull

struct mig_ctx {
	struct vms_io io;
	struct mig_stream s;
};

static int mig_probe(const uint8_t *head, size_t len)
{
	if (len >= 8 && memcmp(head, "QEVM\0\0\0\3", 8) == 0)
		return 90;
	if (len >= 16 &&
	    (memcmp(head, LV_MAGIC_SAVE, 16) == 0 || memcmp(head, LV_MAGIC_PART, 16) == 0))
		return 90;
	return 0;
}

/* libvirt header (qemu-formats §8): host byte order, so accept either. */
static int libvirt_header(struct vms_model *m, struct mig_ctx *c, struct vms_error *err)
{
	uint8_t h[LV_HDR_LEN];
	int rc = vms_io_read(&c->io, 0, h, sizeof(h), "qemu-migration: libvirt header", err);
	if (rc)
		return rc;
	bool swap = vms_le32(h + 16) > LV_VERSION_MAX;
	uint32_t f[5];
	for (int i = 0; i < 5; i++) {
		uint32_t v = vms_le32(h + 16 + 4 * i);
		f[i] = swap ? __builtin_bswap32(v) : v;
	}
	uint32_t version = f[0], data_len = f[1], format = f[3];
	VMS_RETURN_IF(version == 0 || version > LV_VERSION_MAX, err, -ENOTSUP,
		      "qemu-migration: libvirt header version %u", version);
	VMS_RETURN_IF(format != 0, err, -ENOTSUP,
		      "qemu-migration: libvirt save image format %u (compressed); decompress "
		      "the stream first",
		      format);
	VMS_RETURN_IF(vms_range_outside(LV_HDR_LEN, data_len, c->io.size), err, -EBADMSG,
		      "qemu-migration: libvirt data of %u bytes overruns the file", data_len);
	if (memcmp(h, LV_MAGIC_PART, 16) == 0)
		vms_model_warn(m, "qemu-migration: libvirt save marked incomplete (%s)",
			       LV_MAGIC_PART);
	c->s.base = LV_HDR_LEN + (uint64_t)data_len;
	/* the machine type from the domain XML: <type ... machine='pc-q35-7.2'> */
	size_t n = data_len < LV_XML_MAX ? data_len : LV_XML_MAX;
	char *xml = vms_model_alloc(m, (uint64_t)n + 1, "qemu-migration: libvirt XML", err);
	if (!xml)
		return err ? err->code : -ENOMEM;
	rc = vms_io_read(&c->io, LV_HDR_LEN, xml, n, "qemu-migration: libvirt XML", err);
	if (!rc) {
		xml[n] = 0;
		const char *p = strstr(xml, "machine=");
		if (p && (p[8] == '\'' || p[8] == '"')) {
			const char *e = strchr(p + 9, p[8]);
			if (e && e - (p + 9) < (ptrdiff_t)sizeof(c->s.machine))
				snprintf(c->s.machine, sizeof(c->s.machine), "%.*s",
					 (int)(e - (p + 9)), p + 9);
		}
		vms_model_add_prop(m, "qemu.libvirt", "yes");
	}
	free(xml);
	return rc;
}

static const struct mig_block *find_block(const struct mig_stream *s, const char *name)
{
	for (size_t i = 0; i < s->block_count; i++)
		if (strcmp(s->blocks[i].name, name) == 0)
			return &s->blocks[i];
	return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int add_range(struct vms_model *m, uint64_t gpa, uint64_t len, uint64_t raw,
		     struct vms_error *err)
{
	if (len == 0)
		return 0;
	return vms_model_add_chunk(m, gpa, len / VMS_PAGE_SIZE, raw, 0, err);
}

/* GPA map of a PC machine (qemu-formats §5): pc.ram below and above 4 GiB, minus the VGA
 * window when a VGA device exists, and the BIOS just below 4 GiB. */
static int gpa_map(struct vms_model *m, const struct mig_stream *s, struct vms_error *err)
{
	const struct mig_block *ram = find_block(s, "pc.ram");
	bool q35 = strstr(s->machine, "q35") != NULL;
	bool vga = false;
	for (size_t i = 0; i < s->block_count; i++)
		vga = vga || ends_with(s->blocks[i].name, "vga.vram");
	if (!ram) {
		vms_model_warn(m, "qemu-migration: no pc.ram block (machine %s): raw memory only",
			       s->machine);
		return 0;
	}
	uint64_t lowmem = q35 ? (ram->len >= Q35_LOWMEM ? Q35_LOWMEM_BIG : Q35_LOWMEM)
			      : (ram->len >= PIIX_LOWMEM ? PIIX_LOWMEM_BIG : PIIX_LOWMEM);
	uint64_t below = ram->len < lowmem ? ram->len : lowmem;
	int rc;
	if (vga && below > VGA_HOLE_END) {
		rc = add_range(m, 0, VGA_HOLE_START, ram->raw_off, err);
		if (!rc)
			rc = add_range(m, VGA_HOLE_END, below - VGA_HOLE_END,
				       ram->raw_off + VGA_HOLE_END, err);
	} else {
		rc = add_range(m, 0, below, ram->raw_off, err);
	}
	if (!rc)
		rc = add_range(m, FOUR_GIB, ram->len - below, ram->raw_off + below, err);
	const struct mig_block *bios = find_block(s, "pc.bios");
	if (!rc && bios && bios->len <= GIB)
		rc = add_range(m, FOUR_GIB - bios->len, bios->len, bios->raw_off, err);
	vms_model_add_propf(m, "qemu.gpa_map",
			    "%s: pc.ram below 4G %#" PRIx64 ", above %#" PRIx64 "%s%s",
			    q35 ? "q35" : "i440fx", below, ram->len - below,
			    vga ? ", VGA window excluded" : "", bios ? ", pc.bios below 4G" : "");
	return rc;
}

static int mig_open(struct vms_model *m, void **ctx, struct vms_error *err)
{
	VMS_RETURN_IF(m->io_count < 1, err, -EINVAL, "qemu-migration: no input");
	struct mig_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return vms_fail(err, -ENOMEM, "qemu-migration: cannot allocate the context");
	c->io = m->ios[0];
	c->s.io = &c->io;
	uint8_t head[16] = {0};
	int rc = vms_io_read(&c->io, 0, head, c->io.size < 16 ? (size_t)c->io.size : 16,
			     "qemu-migration: header", err);
	if (!rc && memcmp(head, "LibvirtQemud", 12) == 0)
		rc = libvirt_header(m, c, err);
	char lv_machine[MIG_IDSTR_MAX];
	snprintf(lv_machine, sizeof(lv_machine), "%s", c->s.machine);
	if (!rc)
		rc = mig_stream_parse(m, &c->s, err);
	if (!rc && lv_machine[0] && strcmp(lv_machine, c->s.machine) != 0)
		vms_model_warn(m, "qemu-migration: libvirt XML says %s, the stream %s", lv_machine,
			       c->s.machine);
	if (!rc)
		rc = mig_cpus_to_model(m, &c->s, err);
	if (!rc)
		rc = gpa_map(m, &c->s, err);
	if (rc) {
		mig_stream_free(&c->s);
		free(c);
		return rc;
	}
	const struct mig_block *last = c->s.block_count ? &c->s.blocks[c->s.block_count - 1] : NULL;
	m->raw_size = last ? last->raw_off + last->len : 0;
	m->block_size = VMS_PAGE_SIZE;
	snprintf(m->format_name, sizeof(m->format_name), "qemu-migration");
	vms_model_add_prop(m, "qemu.machine", c->s.machine);
	for (size_t i = 0; i < c->s.block_count; i++)
		vms_model_add_propf(m, "qemu.ram_block", "%s raw %#" PRIx64 " +%#" PRIx64,
				    c->s.blocks[i].name, c->s.blocks[i].raw_off,
				    c->s.blocks[i].len);
	*ctx = c;
	return 0;
}

static void mig_close(void *ctx)
{
	struct mig_ctx *c = ctx;
	if (!c)
		return;
	mig_stream_free(&c->s);
	free(c);
}

static int mig_read_block(void *ctx, uint64_t index, uint8_t *dst, struct vms_error *err)
{
	const struct mig_ctx *c = ctx;
	uint64_t raw = index * VMS_PAGE_SIZE;
	const struct mig_block *b = NULL;
	for (size_t i = 0; i < c->s.block_count && !b; i++)
		if (raw >= c->s.blocks[i].raw_off &&
		    raw - c->s.blocks[i].raw_off < c->s.blocks[i].len)
			b = &c->s.blocks[i];
	VMS_RETURN_IF(!b, err, -EIO, "qemu-migration: raw page %" PRIu64 " in no RAM block", index);
	uint64_t e = b->pages[(raw - b->raw_off) / VMS_PAGE_SIZE], off = e >> 2;
	switch (e & 3u) {
	case MIG_PAGE_NONE:
		memset(dst, 0, VMS_PAGE_SIZE);
		return 0;
	case MIG_PAGE_FILL:
		memset(dst, (int)(off & 0xffu), VMS_PAGE_SIZE);
		return 0;
	case MIG_PAGE_RAW:
		return vms_io_read(&c->io, off, dst, VMS_PAGE_SIZE, "qemu-migration: page", err);
	default: {
		uint8_t lenb[4], src[2 * VMS_PAGE_SIZE];
		int rc = vms_io_read(&c->io, off, lenb, 4, "qemu-migration: compressed page", err);
		uint32_t n = (uint32_t)lenb[0] << 24 | (uint32_t)lenb[1] << 16 |
			     (uint32_t)lenb[2] << 8 | lenb[3];
		if (!rc && n > sizeof(src))
			rc = vms_fail(err, -EBADMSG, "qemu-migration: compressed page too long");
		if (!rc)
			rc = vms_io_read(&c->io, off + 4, src, n, "qemu-migration: compressed page",
					 err);
		if (rc)
			return rc;
		uLongf out_len = VMS_PAGE_SIZE;
		int zrc = uncompress(dst, &out_len, src, n);
		VMS_RETURN_IF(zrc != Z_OK || out_len != VMS_PAGE_SIZE, err, -EBADMSG,
			      "qemu-migration: compressed page at file offset %#" PRIx64
			      ": zlib error %d or %lu bytes",
			      off, zrc, (unsigned long)out_len);
		return 0;
	}
	}
}

const struct vms_backend_ops vms_backend_qemu_migration = {
	.name = "qemu-migration",
	.probe = mig_probe,
	.open = mig_open,
	.close = mig_close,
	.read_block = mig_read_block,
};
