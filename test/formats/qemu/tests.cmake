# QEMU backends: unit tests on synthetic files, and tests against files that Debian's QEMU
# writes at test time for our own guests (docs/formats/qemu.md "Tests").
set(VMS_QEMU_FIXTURES ${PROJECT_BINARY_DIR}/qemu-fixtures)
find_package(Python3 COMPONENTS Interpreter)

# Boot the test guests once per build and record ground truth; the real-file tests need it.
add_test(NAME qemu_fixtures
	COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/test/qemu/qemu_fixtures.py
		${PROJECT_SOURCE_DIR} ${VMS_QEMU_FIXTURES})
set_tests_properties(qemu_fixtures PROPERTIES FIXTURES_SETUP qemu_fx TIMEOUT 600)

function(vms_add_qemu_test name)
	vms_add_test(${name} ${ARGN} support/qemu_truth.c)
	target_compile_definitions(${name} PRIVATE VMS_QEMU_FIXTURES="${VMS_QEMU_FIXTURES}")
	set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED qemu_fx)
endfunction()

vms_add_qemu_test(test_qemu_real formats/qemu/test_qemu_real.c)

vms_add_test(test_qemu_synthetic formats/qemu/test_qemu_synthetic.c support/qemu_builder.c)
