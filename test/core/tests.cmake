# Core tests (one executable per source).
vms_add_test(test_crc32 core/test_crc32.c)
vms_add_test(test_bytes core/test_bytes.c)
vms_add_test(test_block_cache core/test_block_cache.c)
vms_add_test(test_model core/test_model.c)
vms_add_test(test_io core/test_io.c)
vms_add_test(test_physmem core/test_physmem.c)
vms_add_test(test_segments core/test_segments.c)
# page walks
vms_add_test(test_translate_long core/test_translate_long.c)
vms_add_test(test_translate_x86 core/test_translate_x86.c)
vms_add_test(test_translate_arm64 core/test_translate_arm64.c)
vms_add_test(test_translate_cache core/test_translate_cache.c)
vms_add_test(test_translate_seeds core/test_translate_seeds.c)
