/* serve/crypto.h: hashes, tokens and ids for chatctl serve.
 *
 * Passwords are kept the way the real server keeps them, as the lowercase
 * hex SHA-256 of the plain text (api §1.7). Tokens are JWT-shaped
 * (base64url header.payload.signature, HS256) so that clients treat them
 * exactly as they treat the real server's; serve only ever verifies its own.
 *
 * Nothing here allocates except crypto_jwt_sign(), whose result the
 * caller frees. Every export is crypto_*, so that none of these generic
 * names (hex_encode, uuid_v4, ...) can meet a namesake from lib/. */
#ifndef SERVE_CRYPTO_H
#define SERVE_CRYPTO_H

#include <stddef.h>

#include <jv.h>

#define SECRET_LEN 32

/* Fill p with n bytes from the kernel's random source; aborts if it fails,
 * since every id and token would then be predictable. */
void crypto_random_bytes(void *p, size_t n);

/* out gets 64 lowercase hex digits and a NUL. */
void crypto_sha256_hex(const char *s, char out[65]);

/* out gets a random RFC 4122 version 4 uuid (36 characters and a NUL). */
void crypto_uuid_v4(char out[37]);

/* Lowercase hex of n bytes into out (2n+1 bytes); returns out. */
char *crypto_hex_encode(const unsigned char *p, size_t n, char *out);
/* Decode exactly 2n hex digits from s into p; 0 on success, -1 if malformed. */
int crypto_hex_decode(const char *s, unsigned char *p, size_t n);

/* Sign payload (consumed; an object) with key: returns the token, which
 * the caller frees. */
char *crypto_jwt_sign(const unsigned char key[SECRET_LEN], jv payload);

/* Verify token against key. Returns the payload object, or an invalid jv
 * (without message) for anything malformed or forged. */
jv crypto_jwt_verify(const unsigned char key[SECRET_LEN], const char *token);

#endif
