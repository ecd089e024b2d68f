# QEMU fuzz harnesses: ELF core, kdump, migration stream (seeds from test/qemu/make_seeds.c).
vms_add_fuzzer(fuzz_qemu_elf fuzz_qemu_elf.c fuzz_open_walk.c)
vms_add_fuzzer(fuzz_qemu_kdump fuzz_qemu_kdump.c fuzz_open_walk.c)
vms_add_fuzzer(fuzz_qemu_migration fuzz_qemu_migration.c fuzz_open_walk.c)
