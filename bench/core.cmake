# Core benchmarks.
# physical reads
add_executable(bench_physread bench_physread.c)
target_link_libraries(bench_physread PRIVATE vmsavedstate_static Threads::Threads PkgConfig::CJSON)
target_include_directories(bench_physread PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(bench_physread PRIVATE _GNU_SOURCE)
# page walks
add_executable(bench_translate bench_translate.c)
target_link_libraries(bench_translate PRIVATE vmsavedstate_static Threads::Threads PkgConfig::CJSON)
target_include_directories(bench_translate PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/test)
target_compile_definitions(bench_translate PRIVATE _GNU_SOURCE)
