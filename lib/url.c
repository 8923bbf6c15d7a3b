#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "xalloc.h"

char *
url_encode(const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(3 * len + 1), *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
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
