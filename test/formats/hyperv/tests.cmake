# Hyper-V tests.
# --- memory decoding (LZ77, tokens, .bin) ---
vms_add_test(test_lz77 formats/hyperv/test_lz77.c)
vms_add_test(test_lz77_bounds formats/hyperv/test_lz77_bounds.c)
vms_add_test(test_ramblock formats/hyperv/test_ramblock.c)
vms_add_test(test_bin formats/hyperv/test_bin.c)
vms_add_test(test_bin_backend formats/hyperv/test_bin_backend.c)
# --- container (HyperVStorage, replay log) ---
vms_add_test(test_hvs_fixtures formats/hyperv/test_hvs_fixtures.c)
vms_add_test(test_hvs_roundtrip formats/hyperv/test_hvs_roundtrip.c)
vms_add_test(test_hvs_damage formats/hyperv/test_hvs_damage.c)
vms_add_test(test_hvs_replay formats/hyperv/test_hvs_replay.c)
# --- saved-state schema, partition_state, vmrs backend ---
vms_add_test(test_partition_state formats/hyperv/test_partition_state.c)
vms_add_test(test_vmrs_open formats/hyperv/test_vmrs_open.c)
# --- legacy .bin + .vsv pair ---
vms_add_test(test_legacy_pair formats/hyperv/test_legacy_pair.c cli/cli_run.c)
if(TARGET vmsavedstate_cli)
	add_dependencies(test_legacy_pair vmsavedstate_cli)
endif()
# The demo saved state of scripts/run.sh and the benchmarks.
add_executable(vms_make_demo support/vms_make_demo.c)
target_link_libraries(vms_make_demo PRIVATE vms_test_support)
