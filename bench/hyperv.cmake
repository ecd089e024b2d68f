# Hyper-V benchmarks.
# Plain LZ77 / RamBlock decoding (results: bench/README.md, "Plain LZ77 / RamBlock decoding").
# The compressor and the OS-like page generator are the test-support sources, compiled in here
# so the benchmark builds without BUILD_TESTING.
add_executable(bench_lz77 bench_lz77.c
	${PROJECT_SOURCE_DIR}/test/support/lz77_compress.c
	${PROJECT_SOURCE_DIR}/test/support/oslike_memory.c)
target_link_libraries(bench_lz77 PRIVATE vmsavedstate_static Threads::Threads PkgConfig::CJSON)
target_include_directories(bench_lz77 PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/test)
target_compile_definitions(bench_lz77 PRIVATE _GNU_SOURCE
	VMS_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/../shared/fixtures")
