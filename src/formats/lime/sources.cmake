# LiME backend sources (owned by this area): LiME memory images, read back from exports.
list(APPEND VMS_LIB_SOURCES
	src/formats/lime/lime_backend.c
)
