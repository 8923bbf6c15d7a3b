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

#endif
