/* serve/ws.h: the WebSocket side of serve (api §4): /ws?token=, pings,
 * pushes, and what the test hooks do to sockets.
 *
 * Every accepted or pending socket is a struct conn, created by
 * ws_open() from the lws callback and freed by ws_closed(). Frames are
 * never written outside the WRITEABLE callback: each conn has a queue, and
 * ws_writeable() drains it while the socket takes more. Ordinary frames
 * are queued in order and never dropped while the socket lives; the push
 * hook instead builds its frames as the socket takes them, so a slow
 * reader never makes serve buffer more than one batch.
 *
 * A user is online iff store's user->conn is set, which happens when a
 * socket is accepted. A second accepted socket for the same user sends
 * {"msg":"force_logout",...} to the older one and closes it without a
 * status (the first real server version, api §4.3). */
#ifndef SERVE_WS_H
#define SERVE_WS_H

#include <stddef.h>

struct lws;
struct lws_context;
struct user;
struct conn;

void ws_init(struct lws_context *ctx, double ping_interval, int tips);
void ws_shutdown(void);

/* lws callbacks, called from server.c once the upgrade to /ws has been
 * answered. ws_established() sets *pc to the new conn, which ws_closed()
 * frees; ws_writeable() returns -1 when the socket is to be closed. */
void ws_established(struct lws *wsi, struct conn **pc);
void ws_receive(struct conn *c, const void *in, size_t len);
int ws_writeable(struct conn *c);
void ws_closed(struct conn *c);

/* A singleChat frame carrying record (JSON text) to u, who is online. */
void ws_push(struct user *u, const char *record);

long ws_open_count(void);

/* Test hooks. Each returns 0, or -1 when the user has no socket. */
enum inject_kind { INJ_TEXT, INJ_BINARY, INJ_FRAGMENTED, INJ_OVERSIZED };
int ws_inject(long uid, enum inject_kind kind, const char *body, size_t len,
    int fragments, size_t size);
int ws_drop(long uid);
int ws_close(long uid, int code);
int ws_silence(long uid);
int ws_push_bulk(long uid, long count, long size);

#endif
