/* lib/utf8.h: the length of one well-formed UTF-8 sequence (RFC 3629:
 * shortest form, no surrogates, at most U+10FFFF), or 0. Shared by the
 * frame scanner, which refuses what is not, and the log, which escapes it. */
#ifndef CHATCTL_UTF8_H
#define CHATCTL_UTF8_H

#include <stddef.h>

/* p[0] is a byte >= 0x80; avail bytes may be read from p. */
static inline size_t
utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

#endif
