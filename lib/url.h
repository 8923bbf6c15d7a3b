/* lib/url.h: URLs built from the server's base URL.
 * Every function returns a new string the caller frees. Encoding keeps
 * RFC 3986's unreserved characters and makes everything else %XX (upper
 * case), which decodeURIComponent reads back. */
#ifndef CHATCTL_URL_H
#define CHATCTL_URL_H

#include <stddef.h>

char *url_encode(const char *s, size_t len);

/* http(s)://host[:port][/prefix] -> ws(s)://host[:port][/prefix]/ws?token=<encoded>.
 * NULL when base is not http:// or https://. */
char *url_ws(const char *base, const char *token);

#endif
