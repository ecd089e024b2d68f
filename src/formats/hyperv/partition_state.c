/* partition_state: envelope, chunk walk, VP/VTL nesting and derived processor state
 * (hyperv-format.md §5.1-§5.5, §5.9-§5.11). Register layouts live in partition_state_x64.c
 * and partition_state_arm64.c.
 *
 * Two passes over the chunk stream: the first validates the framing (prolog first, every
 * chunk inside the stream, an epilog at the end) and counts VP markers, so the VP array is
 * allocated once with a count checked against max_vps; the second fills the banks. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/checked.h"
#include "formats/hyperv/partition_state.h"

#define ENCRYPTED_HINT " (damaged, or an encrypted saved state?)"
#define PS_MAX_STATS 32u

struct ps_chunk {
	uint32_t id;
	uint32_t data_len;
	const uint8_t *data;
	size_t off; /* of the chunk header, from the start of the blob */
};

struct ps_cursor {
	const uint8_t *blob;
	size_t end;
	size_t pos;
};

/* Chunk ids seen but not decoded, for `info --verbose` (§5.2: "keep them"). */
struct ps_stat {
	uint32_t id;
	uint32_t count;
	size_t first_off;
};

struct ps_stats {
	struct ps_stat s[PS_MAX_STATS];
	unsigned n;
	uint32_t overflow;
};

struct ps_scan {
	uint32_t vendor;
	uint32_t vp_markers;
	uint64_t bank_bound; /* upper bound on (VP, VTL) banks */
	size_t stream_end;   /* one past the epilog */
};

static const struct {
	uint32_t id;
	const char *name;
} chunk_names[] = {
	{HV_PS_PROLOG, "PROLOG"},
	{HV_PS_CPUID_DATA, "PROCESSOR_CPUID_DATA"},
	{HV_PS_OS_ID, "OS_ID"},
	{HV_PS_HYPERCALL_MSR, "HYPERCALL_MSR"},
	{HV_PS_REF_TSC, "REFERENCE_TSC"},
	{HV_PS_PARTITION_VTL, "PARTITION_VTL"},
	{HV_PS_PARTITION_VSM_CONFIG, "PARTITION_VSM_CONFIG"},
	{HV_PS_VP_INDICES, "VP_INDICES"},
	{HV_PS_VP, "VP"},
	{HV_PS_VP_CORE, "VP_CORE"},
	{HV_PS_VP_GP, "VP_GP_REGISTERS"},
	{HV_PS_VP_FP, "VP_FP_REGISTERS"},
	{HV_PS_VP_CONTROL, "VP_VTL_CONTROL_REGISTERS"},
	{HV_PS_VP_DEBUG, "VP_DEBUG_REGISTERS"},
	{HV_PS_VP_SEGMENT, "VP_SEGMENT_REGISTERS"},
	{HV_PS_VP_TABLE, "VP_TABLE_REGISTERS"},
	{HV_PS_VP_VIRTUAL_MSRS, "VP_VIRTUAL_MSRS"},
	{HV_PS_VP_PAT_MTRR, "VP_PAT_MTRR"},
	{HV_PS_VP_XSAVE_CONTROL, "VP_XSAVE_CONTROL_REGISTERS"},
	{HV_PS_VP_XSAVE_AVX, "VP_XSAVE_AVX_REGISTERS"},
	{HV_PS_VP_XSAVE_STATE, "VP_XSAVE_STATE"},
	{HV_PS_VP_APIC, "VP_SYNIC_APIC_STATE"},
	{HV_PS_VP_SYNIC_MSRS, "VP_SYNIC_MSRS"},
	{HV_PS_VP_SYNIC_TIMERS, "VP_SYNIC_TIMERS"},
	{HV_PS_VP_VTL_CONTROL_PAGE, "VP_VTL_CONTROL_PAGE"},
	{HV_PS_VP_VTL, "VP_VTL"},
	{HV_PS_VP_NESTED_BASE, "VP_NESTED_BASE"},
	{HV_PS_VP_NESTED_VMCS, "VP_NESTED_CURRENT_VMCS"},
	{HV_PS_EPILOG, "EPILOG"},
};

const char *hv_ps_chunk_name(uint32_t id)
{
	for (size_t i = 0; i < sizeof(chunk_names) / sizeof(chunk_names[0]); i++)
		if (chunk_names[i].id == id)
			return chunk_names[i].name;
	return NULL;
}

static const char *chunk_label(uint32_t id)
{
	const char *n = hv_ps_chunk_name(id);
	return n ? n : "unknown";
}

/* Next chunk: 1 with *ch filled, 0 at the exact end of the stream, or -EBADMSG. */
static int ps_next(struct ps_cursor *c, struct ps_chunk *ch, struct vms_error *err)
{
	if (c->pos == c->end)
		return 0;
	if (c->end - c->pos < HV_PS_CHUNK_HDR_LEN)
		return vms_fail(err, -EBADMSG,
				"partition_state: %zu bytes at blob offset %#zx cannot hold a "
				"16-byte chunk header",
				c->end - c->pos, c->pos);
	const uint8_t *h = c->blob + c->pos;
	ch->id = vms_le32(h);
	ch->data_len = vms_le32(h + 4);
	ch->off = c->pos;
	if (ch->data_len > c->end - c->pos - HV_PS_CHUNK_HDR_LEN)
		return vms_fail(err, -EBADMSG,
				"partition_state: chunk %#010" PRIx32 " (%s) at blob offset %#zx: "
				"data_length %#" PRIx32 " overruns the stream end %#zx",
				ch->id, chunk_label(ch->id), ch->off, ch->data_len, c->end);
	ch->data = h + HV_PS_CHUNK_HDR_LEN;
	c->pos += HV_PS_CHUNK_HDR_LEN + (size_t)ch->data_len;
	return 1;
}

static int need_len(const struct ps_chunk *ch, uint32_t need, struct vms_error *err)
{
	if (ch->data_len >= need)
		return 0;
	return vms_fail(err, -EBADMSG,
			"partition_state: %s chunk at blob offset %#zx: data_length %" PRIu32
			" < %" PRIu32,
			chunk_label(ch->id), ch->off, ch->data_len, need);
}

static int read_envelope(const uint8_t *blob, size_t len, struct ps_cursor *c,
			 struct vms_error *err)
{
	if (len < HV_PS_ENVELOPE_LEN)
		return vms_fail(err, -EBADMSG,
				"partition_state: %zu bytes cannot hold the 24-byte envelope", len);
	uint64_t header_size = vms_le64(blob + 8);
	uint64_t total_size = vms_le64(blob + 16);
	uint64_t start;
	if (total_size > len)
		return vms_fail(err, -EBADMSG,
				"partition_state: envelope total_size %#" PRIx64
				" exceeds the value length %#zx" ENCRYPTED_HINT,
				total_size, len);
	if (vms_add_overflow(header_size, HV_PS_STREAM_SKIP, &start) || start > total_size)
		return vms_fail(err, -EBADMSG,
				"partition_state: envelope header_size %#" PRIx64
				" puts the chunk stream past total_size %#" PRIx64 ENCRYPTED_HINT,
				header_size, total_size);
	c->blob = blob;
	c->pos = (size_t)start;
	c->end = (size_t)total_size;
	return 0;
}

/* Pass 1: framing only. */
static int ps_scan(struct ps_cursor c, struct ps_scan *s, struct vms_error *err)
{
	struct ps_chunk ch;
	size_t start = c.pos;
	int rc = ps_next(&c, &ch, err);
	if (rc < 0)
		return vms_fail(err, -EBADMSG,
				"partition_state: the first chunk at blob offset %#zx is not a "
				"valid prolog header" ENCRYPTED_HINT,
				start);
	if (rc == 0 || ch.id != HV_PS_PROLOG || ch.data_len < HV_PS_PROLOG_VENDOR_OFF + 4 ||
	    vms_le32(ch.data) != HV_PS_PROLOG_TAG)
		return vms_fail(err, -EBADMSG,
				"partition_state: the stream at blob offset %#zx does not start "
				"with a prolog chunk (id %#010" PRIx32 ", tag %#010" PRIx32
				")" ENCRYPTED_HINT,
				start, rc ? ch.id : 0,
				rc && ch.data_len >= 4 ? vms_le32(ch.data) : 0);
	s->vendor = vms_le32(ch.data + HV_PS_PROLOG_VENDOR_OFF);
	while ((rc = ps_next(&c, &ch, err)) == 1) {
		switch (ch.id) {
		case HV_PS_EPILOG:
			s->stream_end = c.pos;
			return 0;
		case HV_PS_PROLOG:
			return vms_fail(err, -EBADMSG,
					"partition_state: second prolog at blob offset %#zx",
					ch.off);
		case HV_PS_VP:
			rc = need_len(&ch, 4, err);
			s->vp_markers++;
			s->bank_bound++;
			break;
		case HV_PS_VP_VTL:
			rc = need_len(&ch, 1, err);
			s->bank_bound++;
			break;
		default:
			break;
		}
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	return vms_fail(err, -EBADMSG,
			"partition_state: the chunk stream ends at blob offset %#zx without an "
			"epilog (truncated?)",
			c.end);
}

static void stat_add(struct ps_stats *st, const struct ps_chunk *ch)
{
	for (unsigned i = 0; i < st->n; i++) {
		if (st->s[i].id == ch->id) {
			st->s[i].count++;
			return;
		}
	}
	if (st->n == PS_MAX_STATS) {
		st->overflow++;
		return;
	}
	st->s[st->n].id = ch->id;
	st->s[st->n].count = 1;
	st->s[st->n].first_off = ch->off;
	st->n++;
}

static void stat_report(struct vms_model *m, const struct ps_stats *st)
{
	for (unsigned i = 0; i < st->n; i++) {
		const char *name = hv_ps_chunk_name(st->s[i].id);
		vms_model_add_propf(
			m,
			name ? "partition_state.undecoded_chunk" : "partition_state.unknown_chunk",
			"%#010" PRIx32 " %s x%" PRIu32 " (first at blob offset %#zx)", st->s[i].id,
			name ? name : "?", st->s[i].count, st->s[i].first_off);
	}
	if (st->overflow)
		vms_model_add_propf(m, "partition_state.unknown_chunk",
				    "%" PRIu32 " more chunks of other ids", st->overflow);
}

static const char *vendor_name(uint32_t vendor)
{
	switch (vendor) {
	case HV_VENDOR_AMD:
		return "amd";
	case HV_VENDOR_INTEL:
		return "intel";
	case HV_VENDOR_HYGON:
		return "hygon";
	case HV_VENDOR_ARM:
		return "arm";
	default:
		return "unknown";
	}
}

/* State of pass 2. */
struct ps_fill {
	struct vms_model *m;
	bool arm64;
	int64_t vp;	       /* ordinal of the current VP, -1 before the first marker */
	uint8_t vtl;	       /* current VTL inside the VP (0 before any VpVtl marker) */
	uint8_t partition_vtl; /* last PartitionVtl before the VPs, for OsId */
	uint32_t partition_vtl_mask;
	uint32_t *runnable; /* per VP: VTLs whose control page says runnable */
	const uint8_t *vp_bitmap;
	size_t vp_bitmap_len;
	bool have_indices;
	uint32_t bsp;
	uint32_t bitmap_popcount;
	struct ps_stats stats;
};

static int fill_vp_indices(struct ps_fill *f, const struct ps_chunk *ch, struct vms_error *err)
{
	int rc = need_len(ch, HV_PS_VP_INDICES_MIN, err);
	if (rc < 0)
		return rc;
	f->have_indices = true;
	f->bsp = vms_le32(ch->data);
	f->vp_bitmap = ch->data + 4;
	f->vp_bitmap_len = ch->data_len - 4u;
	f->bitmap_popcount = 0;
	for (size_t i = 0; i < f->vp_bitmap_len; i++)
		f->bitmap_popcount += (uint32_t)__builtin_popcount(f->vp_bitmap[i]);
	return 0;
}

static int fill_vp_marker(struct ps_fill *f, const struct ps_chunk *ch)
{
	uint32_t hv_index = vms_le32(ch->data);
	f->vp++;
	f->vtl = 0;
	f->m->vps[f->vp].hv_index = hv_index;
	if (f->have_indices && (hv_index / 8 >= f->vp_bitmap_len ||
				!((f->vp_bitmap[hv_index / 8] >> (hv_index % 8)) & 1)))
		vms_model_warn(
			f->m,
			"partition_state: VP marker at blob offset %#zx names VP index %" PRIu32
			", absent from the VP_INDICES bitmap",
			ch->off, hv_index);
	return 0;
}

static int fill_vtl(const struct ps_chunk *ch, uint8_t *out, struct vms_error *err)
{
	int rc = need_len(ch, 1, err);
	if (rc < 0)
		return rc;
	if (ch->data[0] >= VMS_MAX_VTLS)
		return vms_fail(err, -EBADMSG,
				"partition_state: %s chunk at blob offset %#zx: VTL %u >= %u",
				chunk_label(ch->id), ch->off, ch->data[0], VMS_MAX_VTLS);
	*out = ch->data[0];
	return 0;
}

static int fill_registers(struct ps_fill *f, const struct ps_chunk *ch, struct vms_error *err)
{
	/* A cheap pre-test so unrelated chunks never allocate a bank. */
	bool is_reg =
		ch->id == HV_PS_VP_GP || ch->id == HV_PS_VP_CONTROL || ch->id == HV_PS_VP_TABLE ||
		ch->id == HV_PS_VP_FP ||
		(!f->arm64 && (ch->id == HV_PS_VP_DEBUG || ch->id == HV_PS_VP_SEGMENT ||
			       ch->id == HV_PS_VP_XSAVE_CONTROL ||
			       ch->id == HV_PS_VP_VIRTUAL_MSRS || ch->id == HV_PS_VP_PAT_MTRR));
	if (!is_reg)
		return 0;
	if (f->vp < 0)
		return vms_fail(err, -EBADMSG,
				"partition_state: register chunk %s at blob offset %#zx precedes "
				"every VP marker",
				chunk_label(ch->id), ch->off);
	struct vms_reg_bank *b;
	int rc = vms_model_bank(f->m, (uint32_t)f->vp, f->vtl, &b, err);
	if (rc < 0)
		return rc;
	if (f->arm64)
		return hv_ps_decode_arm64(ch->id, ch->data, ch->data_len, ch->off, b, err);
	return hv_ps_decode_x64(ch->id, ch->data, ch->data_len, ch->off, b, err);
}

static int fill_chunk(struct ps_fill *f, const struct ps_chunk *ch, struct vms_error *err)
{
	int rc;
	switch (ch->id) {
	case HV_PS_OS_ID: {
		rc = need_len(ch, 8, err);
		if (rc < 0)
			return rc;
		/* [G] §5.11: one OsId per VTL is unknown; before the VPs it belongs to the
		 * last PartitionVtl seen (VTL 0 in OpenVMM's order), inside a VP to its VTL. */
		uint8_t vtl = f->vp < 0 ? f->partition_vtl : f->vtl;
		f->m->guest_os_id[vtl] = vms_le64(ch->data);
		f->m->guest_os_id_mask |= 1u << vtl;
		return 0;
	}
	case HV_PS_PARTITION_VTL:
		rc = fill_vtl(ch, &f->partition_vtl, err);
		if (rc == 0)
			f->partition_vtl_mask |= 1u << f->partition_vtl;
		return rc;
	case HV_PS_VP_INDICES:
		return fill_vp_indices(f, ch, err);
	case HV_PS_VP:
		return fill_vp_marker(f, ch);
	case HV_PS_VP_VTL:
		if (f->vp < 0)
			return vms_fail(
				err, -EBADMSG,
				"partition_state: VP_VTL chunk at blob offset %#zx precedes "
				"every VP marker",
				ch->off);
		return fill_vtl(ch, &f->vtl, err);
	case HV_PS_VP_VTL_CONTROL_PAGE:
		rc = need_len(ch, HV_PS_VTL_RUNNABLE_OFF + 1, err);
		if (rc < 0 || f->vp < 0)
			return rc;
		/* [G] §5.9: the page belongs to the current VTL (VTL 0 before any VpVtl
		 * marker, OpenVMM's placement); a non-zero runnable byte marks it active. */
		if (ch->data[HV_PS_VTL_RUNNABLE_OFF])
			f->runnable[f->vp] |= 1u << f->vtl;
		return 0;
	default:
		break;
	}
	rc = fill_registers(f, ch, err);
	if (rc == 0)
		stat_add(&f->stats, ch);
	return rc < 0 ? rc : 0;
}

/* §5.10: vendor ARM => ARM64; otherwise x64 when EFER.LMA and CS.L, else x86 [G]. */
static enum vms_arch derive_arch(bool arm64, const struct vms_reg_bank *b)
{
	if (arm64)
		return VMS_ARCH_ARM64;
	if (!b || !vms_bank_has(b, VMS_REG_EFER) || !vms_bank_has(b, VMS_REG_CS_ATTR))
		return VMS_ARCH_UNKNOWN;
	if ((b->lo[VMS_REG_EFER] & HV_X64_EFER_LMA) && (b->lo[VMS_REG_CS_ATTR] & HV_X64_SEG_ATTR_L))
		return VMS_ARCH_X64;
	return VMS_ARCH_X86;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int finish_vps(struct ps_fill *f, struct vms_error *err)
{
	struct vms_model *m = f->m;
	uint32_t bank_union = 0;
	for (uint32_t v = 0; v < m->vp_count; v++) {
		struct vms_vp_state *vp = &m->vps[v];
		uint32_t runnable = f->runnable[v] & vp->vtl_mask;
		if (runnable)
			vp->active_vtl = (uint8_t)(31 - __builtin_clz(runnable));
		else if (vp->vtl_mask)
			vp->active_vtl = (uint8_t)__builtin_ctz(vp->vtl_mask);
		vp->arch = derive_arch(f->arm64, vp->banks[vp->active_vtl]);
		bank_union |= vp->vtl_mask;
	}
	m->guest_vtl_mask = f->partition_vtl_mask ? f->partition_vtl_mask : bank_union;
	if (m->vp_count > 1) {
		uint32_t *idx = vms_model_alloc(m, (uint64_t)m->vp_count * sizeof(*idx),
						"partition_state: VP index check", err);
		if (!idx)
			return err ? err->code : -ENOMEM;
		for (uint32_t v = 0; v < m->vp_count; v++)
			idx[v] = m->vps[v].hv_index;
		qsort(idx, m->vp_count, sizeof(*idx), cmp_u32);
		for (uint32_t v = 1; v < m->vp_count; v++) {
			if (idx[v] == idx[v - 1]) {
				uint32_t dup = idx[v];
				free(idx);
				return vms_fail(err, -EBADMSG,
						"partition_state: VP index %" PRIu32
						" has two VP markers",
						dup);
			}
		}
		free(idx);
	}
	if (f->have_indices && f->bitmap_popcount != m->vp_count)
		vms_model_warn(m,
			       "partition_state: VP_INDICES bitmap lists %" PRIu32
			       " VPs but the stream has %" PRIu32 " VP markers",
			       f->bitmap_popcount, m->vp_count);
	return 0;
}

static int check_bank_budget(const struct vms_model *m, const struct ps_scan *s,
			     struct vms_error *err)
{
	/* The banks are allocated one by one; bound their total by max_alloc so a stream of
	 * tiny VTL markers cannot demand gigabytes (STYLE.md rule 13). */
	uint64_t banks = s->bank_bound, bytes;
	uint64_t per_vp_max = (uint64_t)s->vp_markers * VMS_MAX_VTLS;
	if (banks > per_vp_max)
		banks = per_vp_max;
	uint64_t cap = m->opts && m->opts->max_alloc ? m->opts->max_alloc : UINT64_MAX;
	if (vms_mul_overflow(banks, sizeof(struct vms_reg_bank), &bytes) || bytes > cap)
		return vms_fail(err, -EFBIG,
				"partition_state: up to %" PRIu64 " register banks exceed the "
				"allocation cap (%" PRIu64 " bytes)",
				banks, cap);
	return 0;
}

int hv_partition_state_parse(const uint8_t *blob, size_t len, struct vms_model *m,
			     struct vms_error *err)
{
	struct ps_cursor c;
	struct ps_scan s = {0};
	int rc = read_envelope(blob, len, &c, err);
	if (rc == 0)
		rc = ps_scan(c, &s, err);
	if (rc == 0)
		rc = check_bank_budget(m, &s, err);
	if (rc == 0)
		rc = vms_model_alloc_vps(m, s.vp_markers, err);
	if (rc < 0)
		return rc;

	struct ps_fill f = {.m = m, .arm64 = s.vendor == HV_VENDOR_ARM, .vp = -1};
	f.runnable = vms_model_alloc(m, (uint64_t)(s.vp_markers ? s.vp_markers : 1) * 4,
				     "partition_state: VTL control flags", err);
	if (!f.runnable)
		return err ? err->code : -ENOMEM;
	c.end = s.stream_end;
	struct ps_chunk ch;
	(void)ps_next(&c, &ch, err); /* the prolog, checked by the scan */
	while (rc == 0 && ps_next(&c, &ch, err) == 1 && ch.id != HV_PS_EPILOG)
		rc = fill_chunk(&f, &ch, err);
	if (rc == 0)
		rc = finish_vps(&f, err);
	free(f.runnable);
	if (rc < 0)
		return rc;

	vms_model_add_propf(m, "partition_state.vendor", "%s (%#" PRIx32 ")", vendor_name(s.vendor),
			    s.vendor);
	if (s.vendor != HV_VENDOR_ARM && strcmp(vendor_name(s.vendor), "unknown") == 0)
		vms_model_warn(m,
			       "partition_state: unknown processor vendor %#" PRIx32
			       ", registers decoded with the x64 layouts",
			       s.vendor);
	if (f.have_indices)
		vms_model_add_propf(m, "partition_state.bsp_vp_index", "%" PRIu32, f.bsp);
	if (s.stream_end < len)
		vms_model_add_propf(m, "partition_state.trailing_bytes", "%zu", len - s.stream_end);
	stat_report(m, &f.stats);
	return 0;
}
