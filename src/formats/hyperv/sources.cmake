# Hyper-V backends: HyperVStorage container (.vmrs/.vmcx/.vsv), RamBlock decoding, legacy .bin.
# --- memory decoding (LZ77, tokens, .bin) ---
list(APPEND VMS_LIB_SOURCES
	src/formats/hyperv/lz77_plain.c
	src/formats/hyperv/ramblock_decode.c
	src/formats/hyperv/bin_container.c
	src/formats/hyperv/bin_backend.c
)
# The LZ77 inner loop gains ~6-8 % from -O3 over the default -O2 (bench/README.md).
set_source_files_properties(src/formats/hyperv/lz77_plain.c PROPERTIES
	COMPILE_OPTIONS "$<$<NOT:$<CONFIG:Debug>>:-O3>")
# --- container (HyperVStorage, replay log) ---
list(APPEND VMS_LIB_SOURCES
	src/formats/hyperv/hvs_header.c
	src/formats/hyperv/hvs_replay.c
	src/formats/hyperv/hvs_objtab.c
	src/formats/hyperv/hvs_keytab.c
	src/formats/hyperv/hvs_string.c
	src/formats/hyperv/hvs_tree.c
	src/formats/hyperv/hvs_open.c
	src/formats/hyperv/hv_config_locate.c
	src/formats/hyperv/hvs_replay_apply.c
)
# --- saved-state schema, partition_state, vmrs backend ---
list(APPEND VMS_LIB_SOURCES
	src/formats/hyperv/partition_state.c
	src/formats/hyperv/partition_state_x64.c
	src/formats/hyperv/partition_state_arm64.c
	src/formats/hyperv/hv_schema.c
	src/formats/hyperv/vmrs_backend.c
)
