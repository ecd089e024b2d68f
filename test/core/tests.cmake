# Core tests (one executable per source).
vms_add_test(test_crc32 core/test_crc32.c)
vms_add_test(test_bytes core/test_bytes.c)
vms_add_test(test_block_cache core/test_block_cache.c)
vms_add_test(test_model core/test_model.c)
vms_add_test(test_io core/test_io.c)
# page walks
