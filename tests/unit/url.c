/* URL building (lib/url.c) and token redaction (lib/log.c). */
#include <stdlib.h>

#include "../../lib/log.h"
#include "../../lib/url.h"
#include "unit.h"

static void
check_ws(const char *base, const char *token, const char *want)
{
	char *got = url_ws(base, token);

	CHECK_STR(got, want);
	free(got);
}

int
main(void)
{
	char out[256];
	char *s;

	check_ws("http://127.0.0.1:7001", "abc", "ws://127.0.0.1:7001/ws?token=abc");
	check_ws("https://chat.example", "abc", "wss://chat.example/ws?token=abc");
	check_ws("http://h:1/prefix/", "abc", "ws://h:1/prefix/ws?token=abc");
	check_ws("http://h/a/b", "a.b-c_d~", "ws://h/a/b/ws?token=a.b-c_d~");
	check_ws("http://h", "a+b/c=d&e", "ws://h/ws?token=a%2Bb%2Fc%3Dd%26e");
	CHECK(url_ws("ftp://h", "x") == NULL);

	s = url_encode("{}", 2);
	CHECK_STR(s, "%7B%7D");
	free(s);
	s = url_encode("{\"k\":\"中\"}", strlen("{\"k\":\"中\"}"));
	CHECK_STR(s, "%7B%22k%22%3A%22%E4%B8%AD%22%7D");
	free(s);

	CHECK_STR(log_redact_url("ws://h/ws?token=secret", out, sizeof out), "ws://h/ws?token=<redacted>");
	CHECK_STR(log_redact_url("http://h/x?a=1&token=s&b=2", out, sizeof out), "http://h/x?a=1&token=<redacted>&b=2");
	CHECK_STR(log_redact_url("http://h/x?mytoken=s", out, sizeof out), "http://h/x?mytoken=s");
	CHECK_STR(log_redact_url("http://h/x", out, sizeof out), "http://h/x");
	log_redact_url("ws://h/ws?token=secret", out, 12);
	CHECK_STR(out, "ws://h/ws?t");
	return unit_done();
}
