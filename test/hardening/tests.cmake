# Hostile-input and fault-injection tests across every format, through the public API
# (STYLE.md rule 23): unpleasant I/O, corruption and truncation sweeps, caps, read-only.
set(VMS_HARD_SUPPORT hardening/hard_samples.c hardening/hard_walk.c
	support/qemu_builder.c formats/raw/raw_builder.c)
function(vms_add_hard_test name)
	vms_add_test(${name} hardening/${name}.c ${VMS_HARD_SUPPORT} LIBS ZLIB::ZLIB)
endfunction()

vms_add_hard_test(test_hard_io)
vms_add_hard_test(test_hard_corrupt)
vms_add_hard_test(test_hard_caps)
vms_add_hard_test(test_hard_readonly)
vms_add_hard_test(test_hard_regress)
