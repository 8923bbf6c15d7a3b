/* lib/ws.h: a WebSocket client that stays connected.
 *
 * One lws context, one event loop, no threads; every timer is an lws_sul.
 * The client connects, reassembles fragmented messages, sends a heartbeat
 * text frame every o.heartbeat seconds, calls the link dead when nothing at
 * all arrived for twice that, and after any drop reconnects with
 * exponential backoff (1 s doubling to o.backoff_max, +-25 % jitter, reset
 * once a link has stayed up) unless the handler says stop.
 *
 *	struct ws *w = ws_new(&opts, &handlers, e);
 *	ws_run(w);		returns after ws_stop(), or when the handler
 *				declines to reconnect
 *	ws_free(w);
 *
 * Handlers run inside the loop. Data passed to on_message is borrowed for
 * the duration of the call. ws_send() queues a text frame (copied);
 * frames are written only from lws's WRITEABLE callback, one per call. */
#ifndef CHATCTL_WS_H
#define CHATCTL_WS_H

#include <stddef.h>

#include <libwebsockets.h>

#include "err.h"

struct ws_opts {
	const char *url;	/* ws:// or wss://, borrowed */
	const char *cacert;	/* or NULL */
	int insecure;
	double connect_timeout;	/* seconds */
	double heartbeat;	/* seconds between heartbeat frames; 0 none */
	const char *heartbeat_text;	/* the heartbeat frame */
	double backoff_max;	/* seconds */
	int reconnect;		/* 0: a drop ends ws_run() */
	size_t max_frame;	/* bigger messages are skipped, not fatal */
};

struct ws_handlers {
	void *arg;
	void (*on_open)(void *arg);
	void (*on_message)(void *arg, const char *data, size_t len, int binary);
	/* A message over max_frame bytes was dropped; len is its size. */
	void (*on_skip)(void *arg, size_t len);
	/* The link went down: code is the peer's close code, 1005 for a
	 * close without status, 1006 when no close frame came. Return 1 to
	 * reconnect, 0 to end ws_run(). */
	int (*on_close)(void *arg, int code, const char *why);
	/* After every turn of the event loop, before it waits again. */
	void (*on_turn)(void *arg);
};

struct ws;

struct ws *ws_new(const struct ws_opts *o, const struct ws_handlers *h, struct err *e);
void ws_run(struct ws *w);
void ws_send(struct ws *w, const char *text, size_t len);
/* Close with code (1000 normally) and end ws_run() once closed. Safe to
 * call at any time, also with no link up. */
void ws_stop(struct ws *w, int code);
/* Drop the current link now; the usual reconnect follows. */
void ws_hangup(struct ws *w, const char *why);
/* Wake the loop from a signal handler. */
void ws_wake(struct ws *w);
/* Run cb after us microseconds, inside the loop; sul is the caller's. */
void ws_timer(struct ws *w, lws_sorted_usec_list_t *sul, sul_cb_t cb, lws_usec_t us);
void ws_free(struct ws *w);

#endif
