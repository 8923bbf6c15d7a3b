/* serve/sockets.h: the WebSocket side of serve (api §4): /ws?token=, pings,
 * pushes, and what the test hooks do to sockets. Named sock_, not ws_:
 * lib/ws.h is the client's, and both end up in one binary.
 *
 * Every accepted or pending socket is a struct conn, created by
 * sock_established() from the lws callback and freed by sock_closed().
 * Frames are never written outside the WRITEABLE callback: each conn has a
 * queue, and sock_writeable() drains it while the socket takes more.
 * Ordinary frames are queued in order and never dropped while the socket
 * lives; the push hook instead builds its frames as the socket takes
 * them, so a slow reader never makes serve buffer more than one batch.
 *
 * A user is online iff store's user->conn is set, which happens when a
 * socket is accepted. A second accepted socket for the same user becomes
 * user->conn; what happens to the older one is the takeover mode
 * (api §4.3):
 *   SOCK_TAKEOVER_SILENT (the latest real server, the default): nothing;
 *	the older socket stays open, gets pings and no messages. When any
 *	socket of the user closes, the one user->conn names is closed too
 *	(without a status) and the user is offline: so an orphaned older
 *	socket's close takes the newer one down, and the newer one's close
 *	leaves the older open and starving.
 *   SOCK_TAKEOVER_FORCE_LOGOUT (the first real server version): the older
 *	gets {"msg":"force_logout",...} and a close without a status. */
#ifndef SERVE_SOCKETS_H
#define SERVE_SOCKETS_H

#include <stddef.h>

struct lws;
struct lws_context;
struct user;
struct conn;

enum sock_takeover { SOCK_TAKEOVER_SILENT, SOCK_TAKEOVER_FORCE_LOGOUT };

void sock_init(struct lws_context *ctx, double ping_interval, int tips, enum sock_takeover takeover);
void sock_shutdown(void);

/* lws callbacks, called from server.c once the upgrade to /ws has been
 * answered. sock_established() sets *pc to the new conn, which
 * sock_closed() frees; sock_writeable() returns -1 when the socket is to
 * be closed. */
void sock_established(struct lws *wsi, struct conn **pc);
void sock_receive(struct conn *c, const void *in, size_t len);
int sock_writeable(struct conn *c);
void sock_closed(struct conn *c);

/* A singleChat frame carrying record (JSON text) to u, who is online. */
void sock_push(struct user *u, const char *record);

long sock_open_count(void);

/* Test hooks. Each returns 0, or -1 when the user has no socket. */
enum inject_kind { INJ_TEXT, INJ_BINARY, INJ_FRAGMENTED, INJ_OVERSIZED };
int sock_inject(long uid, enum inject_kind kind, const char *body, size_t len,
    int fragments, size_t size);
int sock_drop(long uid);
int sock_close(long uid, int code);
int sock_silence(long uid);
int sock_push_bulk(long uid, long count, long size);

#endif
