/* lib/ws.h: a WebSocket link that stays connected, on a loop (lib/loop.h).
 *
 * The link connects, reassembles fragmented messages, sends a heartbeat
 * text frame every o.heartbeat seconds, calls itself dead when nothing at
 * all arrived for twice that, and after any drop reconnects with
 * lib/backoff's delay (1 s doubling to o.backoff_max, +-25 % jitter, reset
 * once a link has stayed up) unless the handler says stop.
 *
 *	struct ws *w = ws_new(loop, &opts, &handlers, e);
 *	ws_start(w);		connects on the loop's next turn
 *	loop_run(loop);		on_end() tells the owner the link is over
 *	ws_free(w);		before loop_free()
 *
 * Handlers run inside the loop. Data passed to on_message is borrowed for
 * the duration of the call. ws_send() queues a text frame (copied);
 * frames are written only from lws's WRITEABLE callback, one per call.
 * The proxy, CA file and connect timeout are the loop's (loop_opts).
 *
 * Two connect failures are final (on_close's final): a certificate that
 * does not verify before any link came up (EX_NET; OpenSSL's verdict, else
 * lws's error text naming TLS, SSL, a certificate or X509), and an upgrade
 * answered with a 4xx status but 408 and 429 (EX_PROTO: the real server
 * answers 404 on any path but /ws). */
#ifndef CHATCTL_WS_H
#define CHATCTL_WS_H

#include <stddef.h>

#include "err.h"
#include "loop.h"

/* Close codes (RFC 6455 7.4.1). */
enum {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_NO_STATUS = 1005,	/* a close frame without a code */
	WS_CLOSE_ABNORMAL = 1006	/* no close frame at all */
};

struct ws_opts {
	const char *url;	/* ws:// or wss://, borrowed */
	int insecure;
	double heartbeat;	/* seconds between heartbeat frames; 0 none */
	const char *heartbeat_text;	/* the heartbeat frame */
	double backoff_max;	/* seconds */
	int reconnect;		/* 0: a drop ends the link */
	size_t max_frame;	/* bigger messages are skipped, not fatal */
};

struct ws_handlers {
	void *arg;
	void (*on_open)(void *arg);
	void (*on_message)(void *arg, const char *data, size_t len, int binary);
	/* A message over max_frame bytes was dropped; len is its size. */
	void (*on_skip)(void *arg, size_t len);
	/* The link went down: code is the peer's close code, WS_CLOSE_NO_STATUS
	 * for a close without status, WS_CLOSE_ABNORMAL when no close frame
	 * came. Return 1 to reconnect, 0 to end the link. When final is set
	 * (to the EX_* code the failure calls for) no reconnect will follow
	 * whatever it returns: retrying cannot mend it. */
	int (*on_close)(void *arg, int code, const char *why, int final);
	/* The link is over (stopped, or no reconnect follows a drop): no
	 * handler is called after this one. */
	void (*on_end)(void *arg);
};

struct ws;

struct ws *ws_new(struct loop *lp, const struct ws_opts *o, const struct ws_handlers *h, struct err *e);
void ws_start(struct ws *w);
void ws_send(struct ws *w, const char *text, size_t len);
/* Close with code (WS_CLOSE_NORMAL normally); on_end follows once closed.
 * Safe to call at any time, also with no link up. */
void ws_stop(struct ws *w, int code);
/* Drop the current link now; the usual reconnect follows. */
void ws_hangup(struct ws *w, const char *why);
void ws_free(struct ws *w);

/* The libwebsockets version in use, for --version. */
const char *ws_version(void);

#endif
