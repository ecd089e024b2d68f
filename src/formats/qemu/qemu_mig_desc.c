/* The vmdesc JSON at the end of a migration stream (qemu-formats §3): it records, for every
 * FULL section, each field's name and the bytes actually written, so device sections can be
 * skipped without knowing the devices, and the CPU fields can be located by name. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/checked.h"
#include "formats/qemu/qemu_mig.h"

#define VMDESC_TAIL_MAX (16u << 20) /* QEMU's analyzer looks at the last 10 MiB */
#define VMDESC_KEY "{\"page_size\""
#define QEMU_VM_VMDESCRIPTION 0x06u
#define DESC_MAX_DEPTH 16
#define FIELD_MAX_BYTES (1ull << 32)

struct mig_desc {
	cJSON *root;
	const cJSON *next; /* next device in stream order */
};

void mig_desc_free(struct mig_desc *d)
{
	if (!d)
		return;
	cJSON_Delete(d->root);
	free(d);
}

int mig_desc_load(struct vms_model *m, const struct vms_io *io, uint64_t base,
		  struct mig_desc **out, struct vms_error *err)
{
	uint64_t size = io->size - base;
	uint64_t tail = size < VMDESC_TAIL_MAX ? size : VMDESC_TAIL_MAX;
	uint64_t tail_off = io->size - tail;
	char *buf = vms_model_alloc(m, tail + 1, "qemu-migration: vmdesc", err);
	if (!buf)
		return err ? err->code : -ENOMEM;
	int rc = vms_io_read(io, tail_off, buf, (size_t)tail, "qemu-migration: vmdesc", err);
	if (rc)
		goto fail;
	/* the file ends with 0x06, be32 n, JSON[n]: find the last `{"page_size"` whose
	 * 5-byte prefix agrees with the distance to the end (qemu-formats §3) */
	size_t klen = strlen(VMDESC_KEY);
	rc = -ENOTSUP;
	for (size_t i = (size_t)tail; i-- > 5;) {
		if (tail - i < klen || memcmp(buf + i, VMDESC_KEY, klen) != 0)
			continue;
		const uint8_t *h = (const uint8_t *)buf + i - 5;
		uint32_t n =
			(uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
		if (h[0] != QEMU_VM_VMDESCRIPTION || n != tail - i)
			continue;
		struct mig_desc *d = calloc(1, sizeof(*d));
		if (!d) {
			rc = vms_fail(err, -ENOMEM, "qemu-migration: vmdesc");
			goto fail;
		}
		d->root = cJSON_ParseWithLength(buf + i, n);
		const cJSON *devs = cJSON_GetObjectItemCaseSensitive(d->root, "devices");
		if (!cJSON_IsArray(devs)) {
			mig_desc_free(d);
			rc = vms_fail(err, -EBADMSG,
				      "qemu-migration: vmdesc JSON at file offset %#" PRIx64
				      " is malformed or has no devices",
				      tail_off + i);
			goto fail;
		}
		d->next = devs->child;
		*out = d;
		free(buf);
		return 0;
	}
	vms_fail(err, rc,
		 "qemu-migration: no vmdesc JSON at the end of the stream (suppress-vmdesc or "
		 "postcopy streams are not supported)");
fail:
	free(buf);
	return rc;
}

static int num(const cJSON *o, const char *key, uint64_t dflt, uint64_t *out)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!j) {
		*out = dflt;
		return 0;
	}
	if (!cJSON_IsNumber(j) || j->valuedouble < 0 || j->valuedouble > (double)FIELD_MAX_BYTES)
		return -EBADMSG;
	*out = (uint64_t)j->valuedouble;
	return 0;
}

/* CPU fields we read, by vmdesc name (target/i386/machine.c vmstate_x86_cpu) */
static uint64_t *cpu_slot(struct mig_cpu_fields *c, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
		{"env.regs", offsetof(struct mig_cpu_fields, regs)},
		{"env.eip", offsetof(struct mig_cpu_fields, eip)},
		{"env.eflags", offsetof(struct mig_cpu_fields, eflags)},
		{"env.hflags", offsetof(struct mig_cpu_fields, hflags)},
		{"env.fpregs", offsetof(struct mig_cpu_fields, fpregs)},
		{"env.segs", offsetof(struct mig_cpu_fields, segs)},
		{"env.ldt", offsetof(struct mig_cpu_fields, ldt)},
		{"env.tr", offsetof(struct mig_cpu_fields, tr)},
		{"env.gdt", offsetof(struct mig_cpu_fields, gdt)},
		{"env.idt", offsetof(struct mig_cpu_fields, idt)},
		{"env.sysenter_cs", offsetof(struct mig_cpu_fields, sysenter_cs)},
		{"env.sysenter_esp", offsetof(struct mig_cpu_fields, sysenter_esp)},
		{"env.sysenter_eip", offsetof(struct mig_cpu_fields, sysenter_eip)},
		{"env.cr[0]", offsetof(struct mig_cpu_fields, cr0)},
		{"env.cr[2]", offsetof(struct mig_cpu_fields, cr2)},
		{"env.cr[3]", offsetof(struct mig_cpu_fields, cr3)},
		{"env.cr[4]", offsetof(struct mig_cpu_fields, cr4)},
		{"env.dr", offsetof(struct mig_cpu_fields, dr)},
		{"env.mxcsr", offsetof(struct mig_cpu_fields, mxcsr)},
		{"env.xmm_regs[0]", offsetof(struct mig_cpu_fields, xmm)},
		{"env.efer", offsetof(struct mig_cpu_fields, efer)},
		{"env.star", offsetof(struct mig_cpu_fields, star)},
		{"env.lstar", offsetof(struct mig_cpu_fields, lstar)},
		{"env.cstar", offsetof(struct mig_cpu_fields, cstar)},
		{"env.fmask", offsetof(struct mig_cpu_fields, fmask)},
		{"env.kernelgsbase", offsetof(struct mig_cpu_fields, kernelgsbase)},
		{"env.pat", offsetof(struct mig_cpu_fields, pat)},
		{"env.tsc", offsetof(struct mig_cpu_fields, tsc)},
		{"env.tsc_aux", offsetof(struct mig_cpu_fields, tsc_aux)},
		{"env.xcr0", offsetof(struct mig_cpu_fields, xcr0)},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].name, name) == 0)
			return (uint64_t *)(void *)((char *)c +
						    map[i].off); /* every field is a u64 */
	return NULL;
}

/* Bytes a vmsd description occupies in the stream: its fields, then the subsections it
 * lists, each `0x05, u8 len, name, be32 version` + body. `cpu` gets field offsets. */
static int vmsd_len(const cJSON *v, uint64_t off, int depth, struct mig_cpu_fields *cpu,
		    uint64_t *len)
{
	uint64_t total = 0;
	const cJSON *f;
	if (depth > DESC_MAX_DEPTH)
		return -EBADMSG;
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(v, "fields"))
	{
		uint64_t size, count, bytes;
		if (num(f, "size", 0, &size) || num(f, "array_len", 1, &count) ||
		    vms_mul_overflow(size, count, &bytes))
			return -EBADMSG;
		const char *name =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "name"));
		uint64_t *slot = cpu && name ? cpu_slot(cpu, name) : NULL;
		if (slot && *slot == 0)
			*slot = off + total;
		if (vms_add_overflow(total, bytes, &total))
			return -EBADMSG;
	}
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(v, "subsections"))
	{
		const char *name =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "vmsd_name"));
		uint64_t sub;
		if (!name || strlen(name) > 255)
			return -EBADMSG;
		uint64_t hdr = 1 + 1 + strlen(name) + 4;
		int rc = vmsd_len(f, off + total + hdr, depth + 1, NULL, &sub);
		if (rc)
			return rc;
		if (vms_add_overflow(total, hdr + sub, &total))
			return -EBADMSG;
	}
	*len = total;
	return 0;
}

int mig_desc_section(struct mig_desc *d, const char *name, uint32_t instance, uint64_t body_off,
		     uint64_t *body_len, struct mig_cpu_fields *cpu, bool *is_cpu,
		     struct vms_error *err)
{
	const cJSON *dev = d->next;
	VMS_RETURN_IF(!dev, err, -EBADMSG,
		      "qemu-migration: section %s at file offset %#" PRIx64 " has no vmdesc entry",
		      name, body_off);
	const char *dname = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dev, "name"));
	uint64_t dinst;
	VMS_RETURN_IF(!dname || strcmp(dname, name) != 0 || num(dev, "instance_id", 0, &dinst) ||
			      dinst != instance,
		      err, -EBADMSG,
		      "qemu-migration: section %s/%u at file offset %#" PRIx64
		      " does not match vmdesc entry %s",
		      name, instance, body_off, dname ? dname : "(unnamed)");
	d->next = dev->next;
	*is_cpu = strcmp(name, "cpu") == 0;
	if (*is_cpu) {
		memset(cpu, 0, sizeof(*cpu));
		cpu->instance = instance;
	}
	int rc = vmsd_len(dev, body_off, 0, *is_cpu ? cpu : NULL, body_len);
	VMS_RETURN_IF(rc, err, rc,
		      "qemu-migration: vmdesc entry for %s/%u has malformed field sizes", name,
		      instance);
	return 0;
}
