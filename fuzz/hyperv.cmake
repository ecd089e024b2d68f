# Hyper-V fuzz harnesses.
# --- memory decoding (LZ77, tokens, .bin) ---
# --- container (HyperVStorage, replay log) ---
vms_add_fuzzer(fuzz_hvs_open fuzz_hvs_open.c)
# --- saved-state schema, partition_state, vmrs backend ---
vms_add_fuzzer(fuzz_partition_state fuzz_partition_state.c)
vms_add_fuzzer(fuzz_vmrs_open fuzz_vmrs_open.c)
