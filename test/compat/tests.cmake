# Microsoft-compatible layer (vmsavedstatedump.h) and vms_locate.
vms_add_test(test_compat_units compat/test_compat_units.c)
vms_add_test(test_locate compat/test_locate.c)
vms_add_test(test_compat_sidecar compat/test_compat_sidecar.c)
vms_add_test(test_compat_vmrs compat/test_compat_vmrs.c)

# A consumer written against Microsoft's API only, linked to the shared library like a ported
# tool, run on the real raf-test_file.bin: once with the new SDK ABI, once with the old one.
foreach(abi IN ITEMS new_abi old_abi)
	add_executable(compat_msapi_${abi} compat/compat_msapi_program.c)
	target_link_libraries(compat_msapi_${abi} PRIVATE vmsavedstate)
	if(abi STREQUAL "old_abi")
		target_compile_definitions(compat_msapi_${abi} PRIVATE VMSAVEDSTATEDUMP_OLD_SDK)
	endif()
	add_test(NAME compat_msapi_${abi}
		COMMAND compat_msapi_${abi} ${VMS_FIXTURES_DIR}/hyperv/raf-test_file.bin)
	set_tests_properties(compat_msapi_${abi} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
endforeach()
