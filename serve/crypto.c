/* serve/crypto.c: see crypto.h. SHA-256 and HMAC come from OpenSSL's
 * libcrypto, which lws already pulls in for TLS; base64url is small enough
 * to write out, and doing so keeps the JWT rules (no padding) in view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "crypto.h"
#include "../lib/json.h"
#include "../lib/xalloc.h"

void
crypto_random_bytes(void *p, size_t n)
{
	unsigned char *c = p;

	while (n > 0) {
		ssize_t r = getrandom(c, n, 0);

		if (r < 0) {
			perror("chatctl: serve: getrandom");
			abort();
		}
		c += r;
		n -= (size_t)r;
	}
}

char *
crypto_hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
crypto_hex_decode(const char *s, unsigned char *p, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void
crypto_sha256_hex(const char *s, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)s, strlen(s), md);
	crypto_hex_encode(md, sizeof md, out);
}

void
crypto_uuid_v4(char out[37])
{
	unsigned char b[16];
	char hex[33];

	crypto_random_bytes(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);	/* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	crypto_hex_encode(b, sizeof b, hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
	    hex + 16, hex + 20);
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Append the unpadded base64url form of p[0..n) to b. */
static void
b64url_add(struct buf *b, const unsigned char *p, size_t n)
{
	char q[4];
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		q[0] = b64url[p[i] >> 2];
		q[1] = b64url[(p[i] & 3) << 4 | p[i + 1] >> 4];
		q[2] = b64url[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		q[3] = b64url[p[i + 2] & 63];
		buf_add(b, q, 4);
	}
	if (n - i == 1) {
		q[0] = b64url[p[i] >> 2];
		q[1] = b64url[(p[i] & 3) << 4];
		buf_add(b, q, 2);
	} else if (n - i == 2) {
		q[0] = b64url[p[i] >> 2];
		q[1] = b64url[(p[i] & 3) << 4 | p[i + 1] >> 4];
		q[2] = b64url[(p[i + 1] & 15) << 2];
		buf_add(b, q, 3);
	}
}

/* Decode unpadded base64url s[0..n) into b; -1 on a character outside the
 * alphabet or an impossible length. */
static int
b64url_decode(struct buf *b, const char *s, size_t n)
{
	unsigned acc = 0;
	int bits = 0;
	size_t i;

	if (n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		const char *c = s[i] ? strchr(b64url, s[i]) : NULL;
		unsigned char byte;

		if (c == NULL)
			return -1;
		acc = acc << 6 | (unsigned)(c - b64url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			byte = (unsigned char)(acc >> bits);
			buf_add(b, &byte, 1);
		}
	}
	return 0;
}

static void
hmac_sha256(const unsigned char key[SECRET_LEN], const char *msg, size_t n,
    unsigned char out[32])
{
	unsigned int outlen = 32;

	HMAC(EVP_sha256(), key, SECRET_LEN, (const unsigned char *)msg, n, out, &outlen);
}

char *
crypto_jwt_sign(const unsigned char key[SECRET_LEN], jv payload)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	struct buf b = BUF_INIT;
	unsigned char mac[32];
	jv text = jv_dump_string(payload, 0);

	b64url_add(&b, (const unsigned char *)header, sizeof header - 1);
	buf_adds(&b, ".");
	b64url_add(&b, (const unsigned char *)jv_string_value(text),
	    strlen(jv_string_value(text)));
	jv_free(text);
	hmac_sha256(key, b.buf, b.len, mac);
	buf_adds(&b, ".");
	b64url_add(&b, mac, sizeof mac);
	return buf_detach(&b);
}

jv
crypto_jwt_verify(const unsigned char key[SECRET_LEN], const char *token)
{
	const char *dot1 = strchr(token, '.'), *dot2;
	struct buf sig = BUF_INIT, body = BUF_INIT;
	unsigned char mac[32];
	jv payload = jv_invalid();

	if (dot1 == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL)
		return payload;
	hmac_sha256(key, token, (size_t)(dot2 - token), mac);
	/* The signature compares as text, as jws does: decoding would take
	 * any value of the two bits base64url leaves unused in the last
	 * character, and accept tokens that were never signed. */
	b64url_add(&sig, mac, sizeof mac);
	if (strlen(dot2 + 1) != sig.len || CRYPTO_memcmp(dot2 + 1, sig.buf, sig.len) != 0)
		goto out;
	if (b64url_decode(&body, dot1 + 1, (size_t)(dot2 - dot1 - 1)) < 0 || body.len == 0)
		goto out;
	jv_free(payload);
	payload = json_parse(body.buf, body.len);
	if (jv_get_kind(payload) != JV_KIND_OBJECT) {
		jv_free(payload);
		payload = jv_invalid();
	}
out:
	buf_release(&sig);
	buf_release(&body);
	return payload;
}
