/* The SHA-256 behind layout.json's provenance digests, against FIPS 180-4 example vectors,
 * including inputs fed in odd pieces and lengths around the padding boundary. */
#include <criterion/criterion.h>
#include <string.h>

#include "render/sha256.h"

static void expect(const char *msg, size_t piece, const char *want)
{
	struct vms_sha256 s;
	char hex[65];
	size_t len = strlen(msg);
	vms_sha256_init(&s);
	for (size_t off = 0; off < len; off += piece)
		vms_sha256_update(&s, msg + off, len - off < piece ? len - off : piece);
	vms_sha256_final_hex(&s, hex);
	cr_assert_str_eq(hex, want, "len %zu piece %zu", len, piece);
}

Test(render_sha256, fips_180_4_vectors)
{
	for (size_t piece = 1; piece <= 64; piece *= 4) {
		expect("abc", piece,
		       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		expect("", piece,
		       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		expect("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", piece,
		       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
}
