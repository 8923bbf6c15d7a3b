/* lib/holder.h: the process that holds the account's WebSocket.
 *
 * The holder owns the link (lib/ws), answers the server's pings, asks for
 * the offline messages after each welcome (lib/offline), tells the fatal
 * frames apart (lib/frame's frame_classify) and stores every message in
 * the mailbox, byte for byte, before anyone reads it: one transaction per
 * loop turn, opened by the turn's first message and committed by
 * holder_commit(), which the owner calls once per turn before its
 * consumers read. Heartbeats, the welcome and the tips are not messages:
 * they go to on_live, never into the mailbox.
 *
 *	struct holder *h = holder_new(loop, &opts, &handlers, e);
 *	holder_start(h);
 *	each turn: code = holder_commit(h, e);	then consumers pump
 *	holder_stop(h);		close handshake; messages still arriving until
 *				the server's close frame are stored
 *	holder_free(h);		before the loop
 *
 * Without a mailbox (--no-store), on_message gets each message as it
 * arrives instead, after the in-memory dedupe (lib/seen) when o.dedupe.
 * When a commit fails (a full disk), the turn's messages are handed to
 * on_message so the owner can still print them, and the commit's error
 * (EX_IO) is returned: the owner stops, nothing is dropped silently.
 *
 * Handlers run in the loop; text passed to them is borrowed for the call.
 * The loop, the api and the mailbox are borrowed. */
#ifndef CHATCTL_HOLDER_H
#define CHATCTL_HOLDER_H

#include <stddef.h>

#include "api.h"
#include "err.h"
#include "frame.h"
#include "loop.h"
#include "mailbox.h"
#include "ws.h"

struct holder_opts {
	struct ws_opts ws;	/* ws.heartbeat_text is set by the holder */
	struct api *api;	/* for the offline fetch; NULL: --no-offline */
	struct mailbox *mb;	/* NULL: --no-store */
	long self_id;		/* the account's user id, to know the tips */
	const char *auth_hint;	/* said after a rejection: what to do (as api's) */
	int dedupe;		/* without a mailbox: drop repeated keys */
};

struct holder_handlers {
	void *arg;
	/* A frame that is not stored: welcome, ping, pong, tip. */
	void (*on_live)(void *arg, const char *text, size_t len, const struct frame_info *fi,
	    enum frame_kind kind);
	/* A message not in the mailbox (--no-store, or a failed commit). */
	void (*on_message)(void *arg, const char *text, size_t len, const struct frame_info *fi);
	/* The server accepted the link (its welcome came). */
	void (*on_up)(void *arg);
	/* The run cannot go on: rejected, taken over, or the link is gone
	 * for good. e->code is EX_AUTH or EX_NET. The link is being closed. */
	void (*on_fatal)(void *arg, const struct err *e);
	/* The link is over: nothing is called after this. */
	void (*on_end)(void *arg);
};

struct holder;

struct holder *holder_new(struct loop *lp, const struct holder_opts *o, const struct holder_handlers *h,
    struct err *e);
void holder_start(struct holder *h);
int holder_commit(struct holder *h, struct err *e);
void holder_stop(struct holder *h);
void holder_free(struct holder *h);

#endif
