# CLI golden tests: run the built vmsavedstate binary on a synthetic raw image + sidecar.
if(TARGET vmsavedstate_cli)
	vms_add_test(test_cli cli/test_cli.c cli/cli_run.c formats/raw/raw_builder.c)
	add_dependencies(test_cli vmsavedstate_cli)
	vms_add_test(test_cli_apply_replay cli/test_cli_apply_replay.c cli/cli_run.c)
	add_dependencies(test_cli_apply_replay vmsavedstate_cli)
endif()
# The render library's digest, compiled in directly (the render target links the shared
# library, the tests the static one).
vms_add_test(test_render_sha256 cli/test_render_sha256.c
	${PROJECT_SOURCE_DIR}/src/render/sha256.c)
