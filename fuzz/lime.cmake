# LiME reader fuzz harness (seeds from test/export/make_lime_seeds.py).
vms_add_fuzzer(fuzz_lime_open fuzz_lime_open.c)
