/* Fuzz target: serve/crypto.c's tokens. A token signed and verified with
 * one key gives back its payload; any text at all verified with another
 * key is refused (no token of that key was ever signed), and so is every
 * signed token with one character changed.
 *
 * Input: JSON for a payload (an object, else {"v": the text}); the input
 * is also verified as a token as it stands. */
#include <jv.h>

#include "../../serve/crypto.h"
#include "fuzz.h"

static unsigned char signing_key[SECRET_LEN], other_key[SECRET_LEN];

static int
same_json(jv a, jv b)
{
	jv ta = jv_dump_string(a, JV_PRINT_SORTED), tb = jv_dump_string(b, JV_PRINT_SORTED);
	int same = strcmp(jv_string_value(ta), jv_string_value(tb)) == 0;

	jv_free(ta);
	jv_free(tb);
	return same;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int keyed;
	char *s = fuzz_str(data, size), *tok;
	jv payload, got;
	size_t n, i;

	if (!keyed) {
		crypto_random_bytes(signing_key, sizeof signing_key);
		crypto_random_bytes(other_key, sizeof other_key);
		keyed = 1;
	}
	/* Nothing was ever signed with other_key. */
	got = crypto_jwt_verify(other_key, s);
	FUZZ_CHECK(jv_get_kind(got) == JV_KIND_INVALID && !jv_invalid_has_msg(jv_copy(got)));
	jv_free(got);

	payload = jv_parse(s);
	if (jv_get_kind(payload) != JV_KIND_OBJECT) {
		jv_free(payload);
		payload = jv_object_set(jv_object(), jv_string("v"), jv_string(s));
	}
	tok = crypto_jwt_sign(signing_key, jv_copy(payload));
	got = crypto_jwt_verify(signing_key, tok);
	FUZZ_CHECK(jv_get_kind(got) == JV_KIND_OBJECT);
	FUZZ_CHECK(same_json(got, jv_copy(payload)));

	/* One character changed: refused. Its place (counted from the end,
	 * where the signature is) and the new character come from the input. */
	n = strlen(tok);
	i = n - 1 - (size ? data[0] % n : 0);
	{
		char was = tok[i];

		tok[i] = size > 1 ? (char)data[1] : 'A';
		if (tok[i] == was)
			tok[i] = was == 'A' ? 'B' : 'A';
		got = crypto_jwt_verify(signing_key, tok);
		if (jv_is_valid(got))
			fprintf(stderr, "accepted with byte %zu of %zu changed from '%c': %s\n", i, n, was, tok);
		FUZZ_CHECK(!jv_is_valid(got));
		jv_free(got);
	}
	free(tok);
	jv_free(payload);
	free(s);
	return 0;
}
