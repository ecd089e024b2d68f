# raw backend fuzz harnesses: the JSON sidecar of a flat image.
vms_add_fuzzer(fuzz_sidecar fuzz_sidecar.c)
