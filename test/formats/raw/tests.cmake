# raw backend tests: a synthetic flat image + layout.json sidecar built by raw_builder.c.
vms_add_test(test_raw_backend formats/raw/test_raw_backend.c formats/raw/raw_builder.c)
vms_add_test(test_raw_sidecar formats/raw/test_raw_sidecar.c formats/raw/raw_builder.c)
