/* The bounds-checked cursor and the overflow-checked helpers. */
#include <criterion/criterion.h>

#include "core/bytes.h"
#include "core/checked.h"

Test(bytes, little_endian_loads)
{
	const uint8_t b[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
	cr_assert_eq(vms_le16(b), 0x0201);
	cr_assert_eq(vms_le32(b), 0x04030201u);
	cr_assert_eq(vms_le64(b), 0x0807060504030201ull);
	uint8_t o[8];
	vms_put_le64(o, 0x0807060504030201ull);
	cr_assert_arr_eq(o, b, 8);
}

Test(bytes, cursor_refuses_to_overrun)
{
	const uint8_t b[6] = {1, 0, 0, 0, 2, 0};
	struct vms_rd r = vms_rd_init(b, sizeof(b));
	uint32_t v32;
	uint16_t v16;
	uint64_t v64;
	cr_assert_eq(vms_rd_u32le(&r, &v32), 0);
	cr_assert_eq(v32, 1u);
	cr_assert_eq(vms_rd_u64le(&r, &v64), -EBADMSG);
	cr_assert_eq(r.pos, 4u, "a failed read must not move the cursor");
	cr_assert_eq(vms_rd_u16le(&r, &v16), 0);
	cr_assert_eq(v16, 2);
	uint8_t v8;
	cr_assert_eq(vms_rd_u8(&r, &v8), -EBADMSG);
	cr_assert_eq(vms_rd_skip(&r, 1), -EBADMSG);
	cr_assert_eq(vms_rd_seek(&r, 7), -EBADMSG);
	cr_assert_eq(vms_rd_seek(&r, 6), 0);
}

Test(checked, overflow_is_detected)
{
	uint64_t out;
	cr_assert(vms_add_overflow(UINT64_MAX, 1, &out));
	cr_assert_not(vms_add_overflow(UINT64_MAX - 1, 1, &out));
	cr_assert(vms_mul_overflow(1ull << 32, 1ull << 32, &out));
	cr_assert(vms_range_outside(10, 5, 14));
	cr_assert_not(vms_range_outside(10, 4, 14));
	cr_assert(vms_range_outside(UINT64_MAX, 2, UINT64_MAX));
}
