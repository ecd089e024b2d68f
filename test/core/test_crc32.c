/* CRC-32 against known check values (hyperv-format §12 item 1). */
#include <criterion/criterion.h>
#include <string.h>

#include "core/crc32.h"

Test(crc32, check_value_of_123456789)
{
	cr_assert_eq(vms_crc32(0, "123456789", 9), 0xCBF43926u);
}

Test(crc32, empty_input_is_zero)
{
	cr_assert_eq(vms_crc32(0, "", 0), 0u);
}

Test(crc32, incremental_equals_one_shot)
{
	const char *s = "The quick brown fox jumps over the lazy dog";
	size_t n = strlen(s);
	uint32_t one = vms_crc32(0, s, n);
	uint32_t two = vms_crc32(vms_crc32(0, s, 10), s + 10, n - 10);
	cr_assert_eq(one, 0x414FA339u);
	cr_assert_eq(two, one);
}
