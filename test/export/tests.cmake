# Export tests (other-formats.md Part B) and the LiME reader that reopens LiME exports.
vms_add_test(test_export_roundtrip export/test_export_roundtrip.c export/export_source.c
	LIBS vms_export)
vms_add_test(test_lime_backend export/test_lime_backend.c)
