/* Fuzz target: the URLs a client builds and what it lets reach stderr:
 * lib/url.c (url_encode, url_ws), lib/config.c's config_check_url,
 * lib/proxy.c's no_proxy matching, and lib/log.c's token redaction,
 * escaping and preview.
 *
 * Input: "BASE\nTOKEN\nREST": BASE a server URL, TOKEN a token, REST any
 * text (a log line, a no_proxy list). Any part may be missing. */
#include "../../lib/config.h"
#include "../../lib/log.h"
#include "../../lib/proxy.h"
#include "../../lib/url.h"
#include "fuzz.h"

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* url_encode keeps RFC 3986's unreserved characters and writes the rest
 * as %XX: check that, and decode it back to s[0..n). */
static void
check_encode(const char *s, size_t n, const char *enc)
{
	size_t i = 0, o = 0;

	for (; enc[i]; o++) {
		unsigned char c = (unsigned char)enc[i];

		FUZZ_CHECK(o < n);
		if (c == '%') {
			int hi = hexval(enc[i + 1]), lo = hi < 0 ? -1 : hexval(enc[i + 2]);

			FUZZ_CHECK(hi >= 0 && lo >= 0);
			FUZZ_CHECK((unsigned char)s[o] == (hi << 4 | lo));
			i += 3;
		} else {
			FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || strchr("-._~", c));
			FUZZ_CHECK(s[o] == (char)c);
			i++;
		}
	}
	FUZZ_CHECK(o == n);
}

/* Every "token=" that starts a parameter in out (redacted) is followed by
 * "<redacted>", or by as much of it as fitted. */
static void
check_redacted(const char *out)
{
	static const char r[] = "<redacted>";
	const char *p;

	for (p = out; (p = strstr(p, "token=")) != NULL; p++) {
		size_t rest;

		if (!(p == out || p[-1] == '?' || p[-1] == '&'))
			continue;
		rest = strlen(p + 6);
		FUZZ_CHECK(strncmp(p + 6, r, rest < sizeof r - 1 ? rest : sizeof r - 1) == 0);
	}
}

static void
check_redact(const char *s)
{
	static const size_t sizes[] = { 1, 2, 7, 17, 64, 4096 };
	char out[4096];
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		memset(out, 'x', sizeof out);
		log_redact_url(s, out, sizes[i]);
		FUZZ_CHECK(memchr(out, '\0', sizes[i]) != NULL);
		check_redacted(out);
	}
}

static void
check_escape(const char *s)
{
	static const size_t sizes[] = { 1, 9, 10, 11, 19, 64, 8192 };
	static char out[8192];
	size_t i, k, n;

	for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		n = log_escape(s, out, sizes[i]);
		FUZZ_CHECK(n < sizes[i] && out[n] == '\0' && strlen(out) == n);
		for (k = 0; k < n; k++) {
			unsigned char c = (unsigned char)out[k];

			/* No C0 control, no DEL, no C1 control in UTF-8. */
			FUZZ_CHECK(c >= 0x20 && c != 0x7f);
			FUZZ_CHECK(!(c == 0xc2 && k + 1 < n && (unsigned char)out[k + 1] >= 0x80 &&
			    (unsigned char)out[k + 1] <= 0x9f));
		}
		/* Nothing is cut when it all fits. */
		if (strlen(s) * 8 + 1 < sizes[i])
			FUZZ_CHECK(strlen(s) <= n);
	}
}

static void
check_preview(const char *p, size_t len)
{
	static const size_t sizes[] = { 5, 6, 40, 200 };
	char out[200];
	size_t i, k;

	for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		log_preview(p, len, out, sizes[i]);
		FUZZ_CHECK(memchr(out, '\0', sizes[i]) != NULL);
		for (k = 0; out[k]; k++)
			FUZZ_CHECK((unsigned char)out[k] >= 0x20 && out[k] != 0x7f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *all = data;
	size_t all_size = size;
	char *base = fuzz_field(&data, &size, '\n');
	char *token = fuzz_field(&data, &size, '\n');
	char *rest = fuzz_str(data, size);
	char *line = fuzz_str(all, all_size);
	char *enc, *ws;
	struct err e;
	size_t tn = strlen(token);

	enc = url_encode(token, tn);
	check_encode(token, tn, enc);

	ws = url_ws(base, token);
	FUZZ_CHECK((ws != NULL) == (strncmp(base, "http://", 7) == 0 || strncmp(base, "https://", 8) == 0));
	if (config_check_url(base, &e) == EX_OK)
		FUZZ_CHECK(ws != NULL);
	if (ws) {
		char out[8192], *clean;
		size_t wn = strlen(ws), en = strlen(enc);

		FUZZ_CHECK(strncmp(ws, "ws://", 5) == 0 || strncmp(ws, "wss://", 6) == 0);
		FUZZ_CHECK(wn >= en + 10 && strcmp(ws + wn - en, enc) == 0);
		FUZZ_CHECK(strncmp(ws + wn - en - 10, "/ws?token=", 10) == 0);
		/* The redacted URL ends in the redaction and holds no token,
		 * unless the rest of the URL spells it too. */
		log_redact_url(ws, out, sizeof out);
		if (wn + 16 < sizeof out) {
			FUZZ_CHECK(strlen(out) >= 16 &&
			    strcmp(out + strlen(out) - 16, "token=<redacted>") == 0);
			clean = malloc(wn - en + 11);
			memcpy(clean, ws, wn - en);
			strcpy(clean + wn - en, "<redacted>");
			if (en >= 4 && strstr(clean, enc) == NULL)
				FUZZ_CHECK(strstr(out, enc) == NULL);
			free(clean);
		}
		check_redacted(out);
		free(ws);
	}
	free(enc);

	check_redact(line);
	check_escape(line);
	check_preview((const char *)all, all_size);
	if (proxy_excluded(base, rest))
		FUZZ_CHECK(rest[0] != '\0');
	proxy_excluded(rest, token);

	free(base);
	free(token);
	free(rest);
	free(line);
	return 0;
}
