# Core fuzz harnesses.
# page walks
vms_add_fuzzer(fuzz_translate fuzz_translate.c)
