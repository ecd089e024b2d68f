# Core library sources (handle, I/O, cache, translation, API).
list(APPEND VMS_LIB_SOURCES
	src/core/error.c
	src/core/crc32.c
	src/core/model.c
	src/core/io_fd.c
	src/core/io_mem.c
	src/core/backend_registry.c
	src/core/block_cache.c
	src/core/prefetch.c
	src/core/handle.c
	src/core/physmem.c
	src/core/segments.c
	src/core/registers.c
	src/core/vp_api.c
	src/core/translate.c
	src/core/translate_x86_32.c
	src/core/translate_x86_pae.c
	src/core/translate_x86_64.c
	src/core/translate_arm64.c
	src/core/pt_cache.c
	src/core/translate_tlb.c
	src/core/compat_dumpprovider.c
	src/core/locate.c
)
