/* Fuzz the HyperVStorage container reader (hyperv-format §2): open with each flag set, walk
 * every key, check the tree and lookups agree, read every value. Seeds come from
 * test/support/hvs_writer.c (VMS_WRITE_FUZZ_SEEDS=dir test_hvs_roundtrip). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "formats/hyperv/hvs_container.h"

#define MAX_INPUT (4u << 20)

static void walk(const struct hvs_container *c)
{
	static uint8_t buf[4096];
	char path[1024];
	for (uint32_t i = 0; i < hvs_key_count(c); i++) {
		const struct hvs_key *k = hvs_key_at(c, i);
		if (k->parent != HVS_NO_KEY &&
		    (k->parent >= i || hvs_key_at(c, k->parent)->type != VMS_KEY_NODE))
			abort();   /* depth-first order: parents come first and are nodes */
		bool plain = true; /* names with '/' or empty ones cannot round-trip a path */
		for (uint32_t a = i; a != HVS_NO_KEY; a = hvs_key_at(c, a)->parent)
			plain &= hvs_key_at(c, a)->name[0] && !strchr(hvs_key_at(c, a)->name, '/');
		uint32_t j;
		if (plain && hvs_key_path(c, i, path, sizeof(path)) > 0 &&
		    hvs_find(c, path, &j, NULL) == 0 && j != i)
			abort(); /* an unambiguous path resolves to exactly this key */
		size_t len = k->data_len < sizeof(buf) ? (size_t)k->data_len : sizeof(buf);
		if (hvs_read_value(c, k, 0, buf, len, NULL) == 0 && k->data_len > len)
			hvs_read_value(c, k, k->data_len - len, buf, len, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t flag_sets[3] = {0, VMS_OPEN_STRICT, VMS_OPEN_IGNORE_REPLAY_LOG};
	if (size > MAX_INPUT)
		return 0;
	struct vms_io io;
	vms_io_mem_init(&io, data, size, "fuzz");
	for (int f = 0; f < 3; f++) {
		struct vms_open_opts o;
		vms_open_opts_init(&o);
		o.flags = flag_sets[f];
		o.max_alloc = 64u << 20;
		struct hvs_container *c = NULL;
		if (hvs_open(&io, &o, NULL, &c, NULL) == 0)
			walk(c);
		hvs_close(c);
	}
	return 0;
}
