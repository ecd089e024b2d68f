# vmsavedstatefs tests: pure helpers, then real mounts of synthetic raw images.
if(TARGET vms_fs_core)
	vms_add_test(test_fs_vmem_fold fs/test_fs_vmem_fold.c LIBS vms_fs_core)
	vms_add_test(test_fs_mount fs/test_fs_mount.c fs/fs_test_image.c fs/fs_test_mount.c
		LIBS vms_render)
	target_compile_definitions(test_fs_mount PRIVATE
		VMS_FS_DAEMON="$<TARGET_FILE:vmsavedstatefs>")
	add_dependencies(test_fs_mount vmsavedstatefs)
	# each test mounts its own daemon on its own mountpoint, so --jobs 2 is safe
	set_tests_properties(test_fs_mount PROPERTIES TIMEOUT 900 ENVIRONMENT
		"LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/fs/lsan.supp:fast_unwind_on_malloc=0")
	vms_add_test(test_fs_formats fs/test_fs_formats.c fs/fs_test_mount.c)
	target_compile_definitions(test_fs_formats PRIVATE
		VMS_FS_DAEMON="$<TARGET_FILE:vmsavedstatefs>"
		VMS_MAKE_DEMO="$<TARGET_FILE:vms_make_demo>"
		VMS_CLI="$<TARGET_FILE:vmsavedstate_cli>")
	add_dependencies(test_fs_formats vmsavedstatefs vms_make_demo vmsavedstate_cli)
	vms_add_test(test_fs_qemu fs/test_fs_qemu.c fs/fs_test_mount.c)
	target_compile_definitions(test_fs_qemu PRIVATE
		VMS_FS_DAEMON="$<TARGET_FILE:vmsavedstatefs>"
		VMS_QEMU_FIXTURES="${VMS_QEMU_FIXTURES}")
	add_dependencies(test_fs_qemu vmsavedstatefs)
	set_tests_properties(test_fs_qemu PROPERTIES FIXTURES_REQUIRED qemu_fx)
endif()
