/* lib/holder.h: the process that holds the account's WebSocket.
 *
 * The holder owns the link (lib/ws), answers the server's pings, asks for
 * the offline messages after each welcome (lib/offline), tells the fatal
 * frames apart (lib/frame's frame_classify) and stores every message in
 * the mailbox, byte for byte, before anyone reads it. The storing is done
 * by a thread (lib/writer), one transaction per job: holder_commit(),
 * which the owner calls once per turn, hands it the turns' messages since
 * the last job when it is idle, and the loop goes on reading meanwhile.
 * A consumer reads a message once its job is committed: the thread wakes
 * the loop then, and the next turn's consumers find it. The consumer's
 * cursor (holder_cursor) and pruning (holder_prune) go through the same
 * thread, so that the holder's connections never wait for each other.
 * Heartbeats, the welcome and the tips are not messages: they go to
 * on_live, never into the mailbox.
 *
 *	struct holder *h = holder_new(loop, &opts, &handlers, e);
 *	holder_start(h);
 *	each turn: holder_commit(h, e);		then consumers pump
 *	holder_stop(h);		close handshake; messages still arriving until
 *				the server's close frame are stored
 *	holder_settle(h, e);	everything received is committed: before free
 *	holder_free(h);		before the loop
 *
 * Without a mailbox (--no-store), on_message gets each message as it
 * arrives instead, after the in-memory dedupe (lib/seen) when o.dedupe.
 * When a job fails (a full disk), its messages and all received since are
 * handed to on_message so the owner can still print them, on_fatal gets
 * the error (EX_IO, even after another end) and commit or settle returns
 * it: the owner stops, nothing is dropped silently.
 *
 * Handlers run in the loop; text passed to them is borrowed for the call.
 * The loop, the api and the mailbox are borrowed; the mailbox only names
 * the file the thread opens. */
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
	/* A job was committed: what it stored, in seq order, borrowed for the
	 * call (lib/writer.h writer_rows). May be NULL. */
	void (*on_stored)(void *arg, const struct mailbox_row *rows, size_t n);
};

struct holder;

struct holder *holder_new(struct loop *lp, const struct holder_opts *o, const struct holder_handlers *h,
    struct err *e);
void holder_start(struct holder *h);
int holder_commit(struct holder *h, struct err *e);
int holder_settle(struct holder *h, struct err *e);
void holder_cursor(struct holder *h, const char *name, int64_t seq);
void holder_prune(struct holder *h, int64_t before_ms);
void holder_stop(struct holder *h);
void holder_free(struct holder *h);

#endif
