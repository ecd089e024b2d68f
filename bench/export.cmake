# Export throughput (bench/README.md "## Export").
if(TARGET vms_export)
	add_executable(bench_export bench_export.c)
	target_link_libraries(bench_export PRIVATE vms_export)
	target_compile_definitions(bench_export PRIVATE _GNU_SOURCE)
endif()
