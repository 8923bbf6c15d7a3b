/* Fuzz target: lib/api.c's api_decode(), the REST answer (HTTP status and
 * body) turned into data or an exit code with its message.
 *
 * Input: "STATUS BODY", e.g. "400 {\"msg\":\"fail\",\"data\":\"x\"}"; up to
 * three leading digits are the status (200 without them), one space is
 * skipped, the rest is the body, which need not end in a NUL. */
#include <jv.h>

#include "../../lib/api.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[64], *body;
	struct err e;
	long status = 0;
	size_t i;
	jv d = jv_invalid();
	int code;

	for (i = 0; i < size && i < 3 && data[i] >= '0' && data[i] <= '9'; i++)
		status = status * 10 + (data[i] - '0');
	if (i == 0)
		status = 200;
	if (i < size && data[i] == ' ')
		i++;
	/* A heap copy of exactly the body's size, so that ASan sees any read
	 * past its end. */
	body = malloc(size - i ? size - i : 1);
	memcpy(body, data + i, size - i);

	memset(msg, 'x', sizeof msg);
	memset(&e, 0, sizeof e);
	code = api_decode(status, body, size - i, &d, msg, sizeof msg, &e);
	FUZZ_CHECK(code == EX_OK || code == EX_NO || code == EX_AUTH || code == EX_PROTO);
	if (code == EX_OK) {
		/* Success is an envelope that says "ok", with HTTP 200, only. */
		FUZZ_CHECK(status == 200);
		FUZZ_CHECK(jv_is_valid(d));
		jv_free(d);
	} else {
		FUZZ_CHECK(jv_get_kind(d) == JV_KIND_INVALID);
		FUZZ_CHECK(e.code == code);
		FUZZ_CHECK(memchr(e.msg, '\0', sizeof e.msg) != NULL && e.msg[0] != '\0');
		/* A 5xx is never the server's plain refusal. */
		FUZZ_CHECK(!(status >= 500 && code == EX_NO));
	}
	/* msg is either untouched or holds a string that fits. */
	FUZZ_CHECK(memchr(msg, '\0', sizeof msg) != NULL || msg[0] == 'x');
	/* Without a message buffer, the same answer. */
	{
		struct err e2;
		jv d2 = jv_invalid();

		memset(&e2, 0, sizeof e2);
		FUZZ_CHECK(api_decode(status, body, size - i, &d2, NULL, 0, &e2) == code);
		FUZZ_CHECK(strcmp(e.msg, e2.msg) == 0);
		jv_free(d2);
	}
	free(body);
	return 0;
}
