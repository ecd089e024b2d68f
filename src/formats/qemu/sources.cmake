# qemu backend sources (owned by this area): ELF core, kdump-compressed, migration stream.
list(APPEND VMS_LIB_SOURCES
	src/formats/qemu/qemu_notes.c
	src/formats/qemu/qemu_elf.c
	src/formats/qemu/qemu_kdump.c
	src/formats/qemu/qemu_mig_desc.c
	src/formats/qemu/qemu_mig_stream.c
	src/formats/qemu/qemu_mig_cpu.c
	src/formats/qemu/qemu_migration.c
)
