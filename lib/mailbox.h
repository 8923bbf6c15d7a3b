/* lib/mailbox.h: one account's durable mailbox, an SQLite database (WAL).
 *
 * The real server forgets a message once it has pushed it (api §4.7), so
 * everything that reached this machine is kept here: what the holder
 * received, byte for byte, and what send sent (as the frame its recipient
 * got). Consumers read it in order of seq; history queries it.
 *
 *	struct mailbox *mb;
 *	if ((code = mailbox_open(path, &mb, e)) != EX_OK) return code;
 *	mailbox_begin(mb, e);			one write transaction per batch of puts
 *	r = mailbox_put(mb, &msg, &seq, e);	1 stored, 0 duplicate, -1 error
 *	mailbox_commit(mb, e);
 *	mailbox_read(mb, after_seq, limit, each, arg, e);
 *	mailbox_close(mb);
 *
 * A message is stored once: (id, dtype, action) is unique in the database
 * (data.type, not the frame's type: the Q&A auto-reply's systemNotice copy
 * shares its message's id and frame type, api §4.6),
 * so a frame pushed again in a later run or by another socket is a
 * duplicate (put returns 0). Frames with no id are never duplicates.
 * seq only grows, also across pruning (AUTOINCREMENT): a cursor stays
 * meaningful however old.
 *
 * Every error is EX_IO with the path in the message: a file that is not a
 * database or is corrupt (never recreated), one written by a newer chatctl
 * (PRAGMA user_version above ours), a full disk, a read-only file.
 * The database and its directory are created 0600 / 0700 whatever the
 * umask. One struct mailbox per thread; no lws dependency, so one-shot
 * commands link it cheaply. Strings passed in are copied; rows passed to
 * a callback are borrowed for the duration of the call only. */
#ifndef CHATCTL_MAILBOX_H
#define CHATCTL_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct mailbox;

/* One message to store. Strings may be "" (absent); none may be NULL. */
struct mailbox_msg {
	const char *frame;	/* the whole frame, as received */
	size_t len;
	const char *id;		/* data.id */
	const char *type;	/* frame type: singleChat, groupChat, systemNotice... */
	const char *action;	/* data.actionType ("revoke") */
	const char *dtype;	/* data.type: text, image, ... */
	long peer;		/* the other user of a single chat (sender of what we
				 * received, recipient of what we sent); 0 if none */
	long group;		/* the group of a group message; 0 if none */
	int outgoing;		/* 1 for what send stored */
	int64_t time_ms;	/* the message's own time (data.create_time), or 0
				 * when it has none (then: when it was stored) */
	int checked;		/* frame passed frame_check(): readers need not
				 * check it again */
	int newline;		/* when checked: it holds a raw CR or LF */
};

/* A stored message, as mailbox_read and mailbox_query hand it over. */
struct mailbox_row {
	int64_t seq;
	int64_t received_ms;	/* when it was stored */
	int64_t time_ms;
	const char *frame;
	size_t len;
	const char *type, *dtype;
	long peer, group;
	int outgoing;
	int checked, newline;	/* as put */
};

/* The callback for each row; return nonzero to stop (the read then
 * returns EX_OK having stopped early). It must not call mailbox_read on
 * the same mailbox; and a write from inside it (a cursor) may fail as
 * "database is locked" when another connection has committed since the
 * read began: write after the read returns. */
typedef int (*mailbox_each)(void *arg, const struct mailbox_row *r);

int mailbox_open(const char *path, struct mailbox **mb, struct err *e);
void mailbox_close(struct mailbox *mb);
const char *mailbox_path(const struct mailbox *mb);

/* Leave the WAL to a later checkpoint instead of copying it into the
 * database at close: for one-shot writers (send), which would otherwise
 * sync, checkpoint and delete the WAL and -shm at every close only to make
 * them again the next time (four fdatasyncs, some 2 ms a send). The WAL
 * is then checkpointed once it holds 64 pages, so that it stays short. */
void mailbox_lazy_close(struct mailbox *mb);

/* For a long-lived writer (the holder): checkpoints run in a thread of
 * their own, with a connection of its own, so that commits seldom wait
 * for the disk's fsyncs; stopped by mailbox_close. pages is the WAL size
 * that wakes the thread (0: 64 MiB worth; tests use less). Without it (or
 * when the thread cannot start), the committing thread checkpoints. */
void mailbox_checkpoint_behind(struct mailbox *mb, int pages);

/* Bound the connection's page cache to kib KiB (16 MiB by default, for
 * readers): a writer that writes each page once needs only a job's worth,
 * and every KiB of it ends up resident. */
void mailbox_cache(struct mailbox *mb, int kib);

/* A write transaction (BEGIN IMMEDIATE, waiting up to 5 s for another
 * writer). commit makes everything put since begin durable at once;
 * rollback forgets it, and the seqs its puts gave are given again. A
 * commit that fails (a full disk) rolls back before it returns. */
int mailbox_begin(struct mailbox *mb, struct err *e);
int mailbox_commit(struct mailbox *mb, struct err *e);
void mailbox_rollback(struct mailbox *mb);
int mailbox_in_transaction(const struct mailbox *mb);

/* Store m (inside a transaction); *seq gets its seq when stored. */
int mailbox_put(struct mailbox *mb, const struct mailbox_msg *m, int64_t *seq, struct err *e);

/* Rows with seq > after, in seq order, at most limit (0: all). */
int mailbox_read(struct mailbox *mb, int64_t after, long limit, mailbox_each each, void *arg,
    struct err *e);
/* The same, of the rows with seq <= upto only. */
int mailbox_read_upto(struct mailbox *mb, int64_t after, int64_t upto, long limit, mailbox_each each,
    void *arg, struct err *e);

/* The highest seq ever given (0 for a new mailbox). */
int mailbox_last_seq(struct mailbox *mb, int64_t *seq, struct err *e);

/* True (1) when another connection has committed since the last call: a
 * follower's cheap poll (PRAGMA data_version). 0 when not, -1 on error. */
int mailbox_changed(struct mailbox *mb, struct err *e);

/* Consumers' cursors, by name. A cursor never seen reads as -1. Setting
 * one outside a transaction is a transaction of its own. */
int mailbox_cursor_get(struct mailbox *mb, const char *name, int64_t *seq, struct err *e);
int mailbox_cursor_set(struct mailbox *mb, const char *name, int64_t seq, struct err *e);

/* history: rows matching every given filter, oldest first by time_ms then
 * seq; with limit, the newest limit of them (still printed oldest first). */
struct mailbox_query {
	long with;		/* peer, 0 for any */
	long group;		/* group, 0 for any */
	int64_t since_ms;	/* time_ms >= since_ms, 0 for any */
	int64_t until_ms;	/* time_ms < until_ms, 0 for any */
	long limit;		/* 0 for all */
	const char *const *types;	/* match type or dtype; NULL for any */
	int ntypes;
};

int mailbox_query(struct mailbox *mb, const struct mailbox_query *q, mailbox_each each, void *arg,
    struct err *e);

/* The mailbox's clock: milliseconds since the epoch, as time_ms and
 * received_ms hold them. */
int64_t mailbox_now_ms(void);

/* Delete messages received before before_ms; *n gets how many. */
int mailbox_prune(struct mailbox *mb, int64_t before_ms, long *n, struct err *e);

#endif
