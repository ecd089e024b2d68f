# raw backend sources (owned by this area): a flat physical image plus its JSON sidecar.
list(APPEND VMS_LIB_SOURCES
	src/formats/raw/raw_backend.c
	src/formats/raw/raw_sidecar.c
)
