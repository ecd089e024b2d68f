# Export tests (other-formats.md Part B) and the LiME reader that reopens LiME exports.
vms_add_test(test_export_roundtrip export/test_export_roundtrip.c export/export_source.c
	LIBS vms_export)
vms_add_test(test_lime_backend export/test_lime_backend.c)
if(TARGET vmsavedstate_cli)
	vms_add_test(test_export_cli export/test_export_cli.c export/export_source.c
		export/export_gdb.c cli/cli_run.c LIBS vms_export)
	add_dependencies(test_export_cli vmsavedstate_cli)
endif()
# Exports of states written by Debian's QEMU, checked against QEMU's own ground truth.
if(COMMAND vms_add_qemu_test)
	vms_add_qemu_test(test_export_qemu export/test_export_qemu.c export/export_source.c
		export/export_gdb.c)
	target_link_libraries(test_export_qemu PRIVATE vms_export)
endif()
# The programs of examples/, run on an image made by the test.
if(TARGET example_print_registers)
	vms_add_test(test_examples export/test_examples.c export/export_source.c LIBS vms_export)
	target_compile_definitions(test_examples PRIVATE
		EXAMPLE_PRINT_REGISTERS="$<TARGET_FILE:example_print_registers>"
		EXAMPLE_DUMP_VIRTUAL="$<TARGET_FILE:example_dump_virtual>"
		EXAMPLE_STREAM_PHYSMEM="$<TARGET_FILE:example_stream_physmem>")
	add_dependencies(test_examples example_print_registers example_dump_virtual
		example_stream_physmem)
endif()
# The mount's core.elf and memory.lime on a real vmsavedstatefs mount.
if(TARGET vmsavedstatefs)
	vms_add_test(test_export_mount export/test_export_mount.c export/export_source.c
		fs/fs_test_mount.c LIBS vms_export)
	target_compile_definitions(test_export_mount PRIVATE
		VMS_FS_DAEMON="$<TARGET_FILE:vmsavedstatefs>")
	add_dependencies(test_export_mount vmsavedstatefs)
endif()
