#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "url.h"
#include "xalloc.h"

char *
url_encode(const char *s, size_t len)
{
	/* The handle argument is ignored by libcurl since 7.82. */
	char *enc = curl_easy_escape(NULL, s, (int)len);
	char *out;

	if (enc == NULL) {
		fprintf(stderr, "chatctl: out of memory (curl_easy_escape)\n");
		abort();
	}
	out = xstrdup(enc);
	curl_free(enc);
	return out;
}

char *
url_ws(const char *base, const char *token)
{
	const char *rest, *scheme;
	size_t n;
	char *tok, *url;

	if (strncmp(base, "http://", 7) == 0) {
		scheme = "ws://";
		rest = base + 7;
	} else if (strncmp(base, "https://", 8) == 0) {
		scheme = "wss://";
		rest = base + 8;
	} else {
		return NULL;
	}
	n = strlen(rest);
	while (n > 0 && rest[n - 1] == '/')
		n--;
	tok = url_encode(token, strlen(token));
	url = xasprintf("%s%.*s/ws?token=%s", scheme, (int)n, rest, tok);
	free(tok);
	return url;
}
