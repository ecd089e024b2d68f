# qemu backend sources (owned by this area).
