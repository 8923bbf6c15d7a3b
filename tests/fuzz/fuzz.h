/* tests/fuzz/fuzz.h: what every fuzz target shares.
 *
 * Each tests/fuzz/<target>.c is one libFuzzer target (LLVMFuzzerTestOneInput)
 * that links only the objects it needs; `make fuzz` builds them with
 * clang's fuzzer, ASan and UBSan into build-fuzz/ and runs each for
 * FUZZ_TIME seconds. A target states its invariants with FUZZ_CHECK: a
 * broken one aborts, which libFuzzer reports as a crash and keeps the
 * input that caused it. */
#ifndef CHATCTL_FUZZ_H
#define CHATCTL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data[0..size) as a C string (cut at a NUL byte, if any); caller frees. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Split *data at the first sep: returns the part before it as a new C
 * string and moves *data and *size past the separator (to the end when
 * there is none). */
static inline char *
fuzz_field(const uint8_t **data, size_t *size, char sep)
{
	const uint8_t *end = memchr(*data, sep, *size);
	size_t n = end ? (size_t)(end - *data) : *size;
	char *s = fuzz_str(*data, n);

	*data += end ? n + 1 : n;
	*size -= end ? n + 1 : n;
	return s;
}

/* Whether s[0..n) is valid UTF-8 (what a jv string always holds). */
static inline int
fuzz_utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		int k = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 :
		    (*p & 0xf8) == 0xf0 ? 3 : -1;
		unsigned cp;

		if (k < 0 || end - p <= k)
			return 0;
		cp = k == 0 ? *p : *p & (0x3f >> k);
		for (int i = 1; i <= k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += k + 1;
	}
	return 1;
}

#endif
