# Hyper-V fuzz harnesses.
# --- memory decoding (LZ77, tokens, .bin) ---
vms_add_fuzzer(fuzz_lz77 fuzz_lz77.c)
vms_add_fuzzer(fuzz_ramblock fuzz_ramblock.c)
vms_add_fuzzer(fuzz_bin_open fuzz_bin_open.c)
# Seed writer (not a test): make_seeds_hvmem ${CMAKE_CURRENT_SOURCE_DIR}/corpus
add_executable(make_seeds_hvmem make_seeds_hvmem.c)
target_link_libraries(make_seeds_hvmem PRIVATE vms_test_support)
# --- container (HyperVStorage, replay log) ---
vms_add_fuzzer(fuzz_hvs_open fuzz_hvs_open.c)
# --- saved-state schema, partition_state, vmrs backend ---
vms_add_fuzzer(fuzz_partition_state fuzz_partition_state.c)
vms_add_fuzzer(fuzz_vmrs_open fuzz_vmrs_open.c)
