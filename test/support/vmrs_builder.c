/* Streaming writer of synthetic .vmrs files (hyperv-format.md §2.2-§2.10 container, §3
 * schema, §4 RamBlocks). Layout: header copies at 0 and 0x1000, root object table at 0x2000,
 * replay log at 0x3000 (0x4000 bytes), then file objects and key tables in creation order,
 * then overflow object tables. Parents are written before children, so every key entry can
 * name its parent's (table, offset) at once and nothing needs a second pass. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/crc32.h"
#include "support/vmrs_builder.h"

#define VB_ALIGN 4096u
#define VB_HDR_LEN 46u
#define VB_OBJTAB_OFF 0x2000u
#define VB_OBJTAB_CAP 227u
#define VB_OBJENT_LEN 18u
#define VB_REPLAY_OFF 0x3000u
#define VB_REPLAY_SIZE 0x4000u
#define VB_REPLAY_HDR_AREA 0x1000u
#define VB_REPLAY_HDR_LEN 34u
#define VB_REPLAY_ENT_LEN 28u
#define VB_DATA_OFF (VB_REPLAY_OFF + VB_REPLAY_SIZE)
#define VB_KT_SIZE 4096u
#define VB_KT_HDR 10u
#define VB_KE_HDR 21u
#define VB_FILE_THRESHOLD 2048u
#define VB_MIB (1u << 20)

struct sink {
	int fd;
	uint8_t *mem;
	size_t len, cap;
};

struct objent {
	uint8_t type;
	uint64_t off;
	uint32_t size;
	uint8_t flags;
};

struct keyref {
	uint16_t table;
	uint32_t off;
};

struct pending_off {
	uint64_t *dst;
	uint32_t rel; /* offset inside the current key table */
};

struct wr {
	struct sink s;
	uint64_t data_off;
	struct objent *obj;
	size_t obj_n, obj_cap;
	uint8_t kt[VB_KT_SIZE];
	uint32_t kt_used;
	uint16_t kt_index;
	uint32_t last_off, last_covered;
	struct pending_off pend[64];
	unsigned pend_n;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static void sink_pwrite(struct sink *s, uint64_t off, const void *p, size_t n)
{
	if (s->fd >= 0) {
		const uint8_t *b = p;
		while (n) {
			ssize_t w = pwrite(s->fd, b, n, (off_t)off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				abort();
			b += w, off += (uint64_t)w, n -= (size_t)w;
		}
		return;
	}
	if (off + n > s->cap) {
		size_t ncap = s->cap ? s->cap : (1u << 16);
		while (ncap < off + n)
			ncap *= 2;
		s->mem = xrealloc(s->mem, ncap);
		memset(s->mem + s->cap, 0, ncap - s->cap);
		s->cap = ncap;
	}
	memcpy(s->mem + off, p, n);
	if (off + n > s->len)
		s->len = off + n;
}

static void add_obj(struct wr *w, uint8_t type, uint64_t off, uint32_t size, uint8_t flags)
{
	if (w->obj_n == w->obj_cap) {
		w->obj_cap = w->obj_cap ? w->obj_cap * 2 : 256;
		w->obj = xrealloc(w->obj, w->obj_cap * sizeof(*w->obj));
	}
	w->obj[w->obj_n++] = (struct objent){type, off, size, flags};
}

static uint64_t write_fileobj(struct wr *w, const void *data, size_t len)
{
	static const uint8_t zeros[VB_ALIGN];
	uint64_t off = w->data_off;
	size_t aligned = (len + VB_ALIGN - 1) / VB_ALIGN * VB_ALIGN;
	sink_pwrite(&w->s, off, data, len);
	if (aligned > len)
		sink_pwrite(&w->s, off + len, zeros, aligned - len);
	add_obj(w, 3, off, (uint32_t)aligned, 0);
	w->data_off += aligned;
	return off;
}

static void entry_crc(uint8_t *e, uint32_t covered)
{
	vms_put_le32(e + 12, 0);
	vms_put_le32(e + 12, vms_crc32(0, e, covered));
}

static void kt_flush(struct wr *w)
{
	if (w->kt_used == VB_KT_HDR)
		return;
	uint32_t r = VB_KT_SIZE - w->kt_used;
	if (r > VB_KE_HDR) {
		uint8_t *f = w->kt + w->kt_used;
		memset(f, 0, r);
		f[0] = 1; /* Free */
		vms_put_le32(f + 2, r);
	} else if (r > 0) {
		/* §2.6 tail slack: folded into the previous entry, whose CRC covers its size */
		uint8_t *e = w->kt + w->last_off;
		memset(w->kt + w->kt_used, 0, r);
		vms_put_le32(e + 2, vms_le32(e + 2) + r);
		entry_crc(e, w->last_covered);
	}
	vms_put_le16(w->kt, 2);
	vms_put_le16(w->kt + 2, w->kt_index);
	vms_put_le16(w->kt + 4, 1);
	vms_put_le32(w->kt + 6, 0);
	vms_put_le32(w->kt + 6, vms_crc32(0, w->kt, VB_KT_HDR));
	uint64_t off = w->data_off;
	sink_pwrite(&w->s, off, w->kt, VB_KT_SIZE);
	add_obj(w, 2, off, VB_KT_SIZE, 1);
	w->data_off += VB_KT_SIZE;
	for (unsigned i = 0; i < w->pend_n; i++)
		*w->pend[i].dst = off + w->pend[i].rel;
	w->pend_n = 0;
	w->kt_index++;
	w->kt_used = VB_KT_HDR;
	memset(w->kt, 0, sizeof(w->kt));
}

/* Append a key entry; `value_off` (may be NULL) receives the file offset of value byte
 * `value_mark` once the table is written. */
static struct keyref add_entry(struct wr *w, struct keyref parent, uint8_t type, uint8_t flags,
			       const char *name, const void *value, uint32_t vlen, uint32_t seq,
			       uint64_t *value_off, uint32_t value_mark)
{
	uint32_t nlen = (uint32_t)strlen(name) + 1;
	uint32_t e = VB_KE_HDR + nlen + vlen;
	if (e > VB_KT_SIZE - VB_KT_HDR || nlen > 255)
		abort();
	if (w->kt_used + e > VB_KT_SIZE || w->pend_n == 64)
		kt_flush(w);
	uint8_t *p = w->kt + w->kt_used;
	p[0] = type;
	p[1] = flags;
	vms_put_le32(p + 2, e);
	vms_put_le16(p + 6, parent.table);
	vms_put_le32(p + 8, parent.off);
	vms_put_le32(p + 16, seq);
	p[20] = (uint8_t)nlen;
	memcpy(p + VB_KE_HDR, name, nlen);
	if (vlen)
		memcpy(p + VB_KE_HDR + nlen, value, vlen);
	entry_crc(p, e);
	struct keyref ref = {w->kt_index, w->kt_used};
	if (value_off)
		w->pend[w->pend_n++] =
			(struct pending_off){value_off, w->kt_used + VB_KE_HDR + nlen + value_mark};
	w->last_off = w->kt_used;
	w->last_covered = e;
	w->kt_used += e;
	return ref;
}

static struct keyref add_node(struct wr *w, struct keyref parent, const char *name, uint32_t seq,
			      uint32_t children)
{
	uint8_t v[12] = {0};
	vms_put_le32(v + 8, children + 1);
	return add_entry(w, parent, 9, 0, name, v, sizeof(v), seq, NULL, 0);
}

static void add_int(struct wr *w, struct keyref parent, const char *name, uint32_t seq, int64_t val)
{
	uint8_t v[8];
	vms_put_le64(v, (uint64_t)val);
	add_entry(w, parent, 3, 0, name, v, 8, seq, NULL, 0);
}

/* Array: inline below the threshold, else a file object (§2.7). *value_off gets where the
 * bytes are. */
static void add_array(struct wr *w, struct keyref parent, const char *name, uint32_t seq,
		      const void *data, size_t len, uint64_t *value_off)
{
	uint8_t v[12];
	if (len >= VB_FILE_THRESHOLD) {
		uint64_t off = write_fileobj(w, data, len);
		vms_put_le32(v, (uint32_t)len);
		vms_put_le64(v + 4, off);
		add_entry(w, parent, 7, 1, name, v, 12, seq, NULL, 0);
		if (value_off)
			*value_off = off;
		return;
	}
	uint8_t *buf = xrealloc(NULL, len + 4);
	vms_put_le32(buf, (uint32_t)len);
	memcpy(buf + 4, data, len);
	add_entry(w, parent, 7, 0, name, buf, (uint32_t)len + 4, seq, value_off, 4);
	free(buf);
}

void vmrs_page_default(void *ctx, uint64_t raw_page, uint8_t *page)
{
	(void)ctx;
	for (unsigned i = 0; i < 4096; i += 8)
		vms_put_le64(page + i, raw_page << 12 | i);
}

void vmrs_desc_init(struct vmrs_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->vm_version = 0x0900;
	d->config_version = 0x0900;
	d->rmb_version = 3;
	d->rmb_len = 48;
}

void vmrs_layout_free(struct vmrs_layout *l)
{
	if (!l)
		return;
	free(l->rmb_value_off);
	free(l->block_value_off);
	free(l->block_value_len);
	memset(l, 0, sizeof(*l));
}

static bool skipped(const struct vmrs_desc *d, uint64_t b)
{
	for (size_t i = 0; i < d->skip_count; i++)
		if (d->skip_blocks[i] == b)
			return true;
	return false;
}

static uint64_t blocks_needed(const struct vmrs_desc *d)
{
	uint64_t end = 0;
	for (size_t i = 0; i < d->range_count; i++)
		if (d->ranges[i].mbp_start + d->ranges[i].pages > end)
			end = d->ranges[i].mbp_start + d->ranges[i].pages;
	end = (end + 255) / 256;
	return d->block_count > end ? d->block_count : end;
}

static int encode_block(const struct vmrs_desc *d, uint64_t b, uint8_t *block, struct hv_tokbuf *tb)
{
	if (d->raw)
		memcpy(block, d->raw + b * VB_MIB, VB_MIB);
	else
		for (unsigned p = 0; p < 256; p++)
			(d->page_fn ? d->page_fn : vmrs_page_default)(d->page_ctx, b * 256 + p,
								      block + p * 4096);
	tb->len = 0;
	if (d->block_mode == VMRS_BLOCK_RAW) {
		hv_tokbuf_put(tb, block, VB_MIB);
		return 0;
	}
	struct hv_ramblock_enc_opts o = {0};
	o.merge_fills = true;
	if (d->block_mode == VMRS_BLOCK_MIXED)
		o.pages = d->page_enc;
	if (hv_ramblock_encode(block, &o, tb, NULL) != 0) {
		fprintf(stderr, "vmrs_builder: RamBlock%" PRIu64 " cannot be encoded as asked\n",
			b);
		return -1;
	}
	return 0;
}

static void write_rmbs(struct wr *w, const struct vmrs_desc *d, struct keyref ss, uint32_t *seq,
		       struct vmrs_layout *l)
{
	for (size_t i = 0; i < d->range_count; i++) {
		uint8_t v[64] = {0};
		const struct vmrs_range *r = &d->ranges[i];
		vms_put_le32(v, d->rmb_version);
		vms_put_le32(v + 4, r->flags);
		vms_put_le64(v + 8, r->pages);
		vms_put_le64(v + 16, r->mbp_start);
		vms_put_le64(v + 24, r->gpa / 4096);
		char name[48];
		if (d->old_names)
			snprintf(name, sizeof(name), "RamMemoryBlock/%zu/", i);
		else
			snprintf(name, sizeof(name), "RamMemoryBlock%zu", i);
		add_array(w, ss, name, (*seq)++, v, d->rmb_len < 64 ? d->rmb_len : 64,
			  &l->rmb_value_off[i]);
	}
}

static int write_blocks(struct wr *w, const struct vmrs_desc *d, struct keyref ss, uint32_t *seq,
			struct vmrs_layout *l)
{
	uint8_t *block = xrealloc(NULL, VB_MIB);
	struct hv_tokbuf tb;
	hv_tokbuf_init(&tb);
	int rc = 0;
	for (uint64_t b = 0; b < l->block_count && rc == 0; b++) {
		if (skipped(d, b))
			continue;
		rc = encode_block(d, b, block, &tb);
		if (rc)
			break;
		char name[48];
		if (d->old_names)
			snprintf(name, sizeof(name), "RamBlock/%" PRIu64 "/", b);
		else
			snprintf(name, sizeof(name), "RamBlock%" PRIu64, b);
		add_array(w, ss, name, (*seq)++, tb.p, tb.len, &l->block_value_off[b]);
		l->block_value_len[b] = (uint32_t)tb.len;
		l->stored_ram_bytes += tb.len;
	}
	hv_tokbuf_free(&tb);
	free(block);
	return rc;
}

static void write_keys_and_data(struct wr *w, const struct vmrs_desc *d, struct vmrs_layout *l,
				int *rc)
{
	const struct keyref root = {0, 0};
	uint32_t top = 1;
	if (d->config_version) {
		struct keyref cfg = add_node(w, root, "configuration", top++, 1);
		struct keyref props = add_node(w, cfg, "properties", 1, 1);
		add_int(w, props, "version", 1, d->config_version);
	}
	if (d->no_savedstate)
		return;
	uint64_t blocks = l->block_count - 0;
	uint32_t written = 0;
	for (uint64_t b = 0; b < blocks; b++)
		written += !skipped(d, b);
	uint32_t children = (d->vm_version && !d->old_names) + (d->partition_state != NULL) +
			    (uint32_t)d->range_count + written + d->unknown_memory_key;
	struct keyref ss = root;
	uint32_t seq = top;
	if (!d->old_names) {
		ss = add_node(w, root, "savedstate", top++, children);
		seq = 1;
		if (d->vm_version)
			add_int(w, ss, "VmVersion", seq++, d->vm_version);
	}
	if (d->partition_state) {
		struct keyref svm = add_node(w, ss, "savedVM", seq++, 1);
		add_array(w, svm, "partition_state", 1, d->partition_state, d->partition_state_len,
			  &l->ps_value_off);
	}
	write_rmbs(w, d, ss, &seq, l);
	*rc = write_blocks(w, d, ss, &seq, l);
	if (d->unknown_memory_key) {
		uint8_t v[16] = {1};
		add_array(w, ss, "RamVtlInfo0", seq++, v, sizeof(v), NULL);
	}
}

static void objent_bytes(uint8_t *p, const struct objent *o)
{
	memset(p, 0, VB_OBJENT_LEN);
	p[0] = o->type;
	vms_put_le64(p + 5, o->off);
	vms_put_le32(p + 13, o->size);
	p[17] = o->flags;
	vms_put_le32(p + 1, vms_crc32(0, p, VB_OBJENT_LEN));
}

static void write_object_tables(struct wr *w)
{
	const uint32_t per = VB_OBJTAB_CAP - 1;
	size_t tables = w->obj_n ? (w->obj_n + per - 1) / per : 1;
	uint8_t t[VB_ALIGN];
	for (size_t k = 0; k < tables; k++) {
		memset(t, 0, sizeof(t));
		vms_put_le32(t, 0x01110001u);
		vms_put_le32(t + 4, VB_OBJTAB_CAP);
		for (uint32_t s = 0; s < per && k * per + s < w->obj_n; s++)
			objent_bytes(t + 8 + s * VB_OBJENT_LEN, &w->obj[k * per + s]);
		if (k + 1 < tables) {
			struct objent chain = {1, w->data_off + k * VB_ALIGN, VB_ALIGN, 1};
			objent_bytes(t + 8 + per * VB_OBJENT_LEN, &chain);
		}
		uint64_t off = k == 0 ? VB_OBJTAB_OFF : w->data_off + (k - 1) * VB_ALIGN;
		sink_pwrite(&w->s, off, t, sizeof(t));
	}
	if (tables > 1)
		w->data_off += (tables - 1) * VB_ALIGN;
}

static void write_replay_log(struct wr *w, const struct vmrs_desc *d)
{
	uint8_t h[VB_REPLAY_HDR_LEN] = {0};
	uint32_t pending = 0, data_pos = VB_REPLAY_HDR_AREA;
	const uint32_t max = (VB_REPLAY_HDR_AREA - VB_REPLAY_HDR_LEN) / VB_REPLAY_ENT_LEN;
	for (size_t i = 0; i < d->log_count && i < max; i++) {
		const struct vmrs_log_entry *le = &d->log[i];
		if (data_pos + le->len > VB_REPLAY_SIZE)
			abort();
		uint8_t e[VB_REPLAY_ENT_LEN] = {0};
		vms_put_le64(e, le->dest_off);
		vms_put_le32(e + 8, le->len);
		vms_put_le64(e + 12, data_pos);
		vms_put_le32(e + 24, vms_crc32(0, le->data, le->len));
		vms_put_le32(e + 20, vms_crc32(0, e, sizeof(e)));
		sink_pwrite(&w->s, VB_REPLAY_OFF + VB_REPLAY_HDR_LEN + i * VB_REPLAY_ENT_LEN, e,
			    sizeof(e));
		sink_pwrite(&w->s, VB_REPLAY_OFF + data_pos, le->data, le->len);
		data_pos += le->len;
		pending += le->pending;
	}
	vms_put_le32(h, 0x01110003u);
	vms_put_le32(h + 8, pending);
	vms_put_le32(h + 13, max);
	vms_put_le32(h + 4, vms_crc32(0, h, sizeof(h)));
	sink_pwrite(&w->s, VB_REPLAY_OFF, h, sizeof(h));
	static const uint8_t zero = 0;
	sink_pwrite(&w->s, VB_REPLAY_OFF + VB_REPLAY_SIZE - 1, &zero, 1);
}

static void write_headers(struct wr *w)
{
	for (unsigned copy = 0; copy < 2; copy++) {
		uint8_t h[VB_HDR_LEN] = {0};
		vms_put_le32(h, 0x01282014u);
		vms_put_le16(h + 8, (uint16_t)(2 - copy));
		vms_put_le32(h + 10, 0x0400);
		vms_put_le32(h + 22, VB_ALIGN);
		vms_put_le64(h + 26, VB_REPLAY_OFF);
		vms_put_le64(h + 34, VB_REPLAY_SIZE);
		vms_put_le32(h + 42, VB_REPLAY_HDR_AREA);
		vms_put_le32(h + 4, vms_crc32(0, h, sizeof(h)));
		sink_pwrite(&w->s, copy * VB_ALIGN, h, sizeof(h));
	}
}

static int build(const struct vmrs_desc *d, struct sink *s, struct vmrs_layout *out)
{
	struct wr *w = xrealloc(NULL, sizeof(*w));
	memset(w, 0, sizeof(*w));
	w->s = *s;
	w->data_off = VB_DATA_OFF;
	w->kt_index = 1;
	w->kt_used = VB_KT_HDR;
	struct vmrs_layout l = {0};
	l.block_count = d->no_savedstate ? 0 : blocks_needed(d);
	l.rmb_value_off = calloc(d->range_count + 1, sizeof(uint64_t));
	l.block_value_off = calloc(l.block_count + 1, sizeof(uint64_t));
	l.block_value_len = calloc(l.block_count + 1, sizeof(uint32_t));
	if (!l.rmb_value_off || !l.block_value_off || !l.block_value_len)
		abort();
	int rc = 0;
	write_keys_and_data(w, d, &l, &rc);
	kt_flush(w);
	write_object_tables(w);
	write_replay_log(w, d);
	write_headers(w);
	l.file_len = w->data_off;
	*s = w->s;
	free(w->obj);
	free(w);
	if (out)
		*out = l;
	else
		vmrs_layout_free(&l);
	return rc;
}

int vmrs_build_mem(const struct vmrs_desc *d, uint8_t **buf, size_t *len,
		   struct vmrs_layout *layout)
{
	struct sink s = {.fd = -1};
	int rc = build(d, &s, layout);
	*buf = s.mem;
	*len = s.len;
	return rc;
}

int vmrs_build_file(const struct vmrs_desc *d, const char *path, struct vmrs_layout *layout)
{
	struct sink s = {.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
	if (s.fd < 0) {
		perror(path);
		return -1;
	}
	int rc = build(d, &s, layout);
	if (close(s.fd) != 0)
		rc = -1;
	return rc;
}
