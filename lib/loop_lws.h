/* lib/loop_lws.h: for the lib/ modules that drive lws connections on a loop
 * (lib/ws.c), and for them only: cmd/ never sees lws.
 *
 * The loop's context has one protocol, LOOP_PROTOCOL. Every lws connection
 * made on it carries a struct loop_lws_user as its opaque user data (set
 * through lws_client_connect_info.opaque_user_data); the protocol callback
 * hands each callback to user->cb. A connection whose user data is NULL
 * (its owner is gone) gets no callbacks. */
#ifndef CHATCTL_LOOP_LWS_H
#define CHATCTL_LOOP_LWS_H

#include <libwebsockets.h>

#include "loop.h"

#define LOOP_PROTOCOL "chatctl"

struct loop_lws_user {
	int (*cb)(void *owner, struct lws *wsi, enum lws_callback_reasons reason, void *in, size_t len);
	void *owner;
};

/* Borrowed; valid until loop_free(). */
struct lws_context *loop_context(struct loop *lp);

/* What every link on the loop asks lws for, WebSocket or HTTP: host:port
 * and path, Host and Origin the bare host, TLS when tls (with no check of
 * the server's certificate when insecure), callbacks to u, the connection
 * in *pwsi. The caller adds what is its own (method, flags). */
void loop_client_info(struct loop *lp, struct lws_client_connect_info *i, const char *host,
    int port, const char *path, int tls, int insecure, struct loop_lws_user *u, struct lws **pwsi);

/* lws 4.1.6 gives up on a name it cannot resolve without a word: why a
 * connection to host could not even start, in the resolver's words. */
void loop_unreachable(const char *host, char *why, size_t size);

/* lws says only "SSL err 1" of a certificate it refuses: OpenSSL's
 * verdict, from LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION's
 * store and ok, says what it was. Leaves why alone when it has a word or
 * the chain is fine. */
void loop_tls_verdict(void *store, size_t ok, char *why, size_t size);

/* 1 if an error text is about TLS: a certificate problem does not heal by
 * trying again. */
int loop_tls_failure(const char *why);

#endif
