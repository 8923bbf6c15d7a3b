/* lib/writer.h: the holder's mailbox writes, in a thread of their own.
 *
 * Storing a message (SQLite, the WAL's write) took half of a flooded
 * holder's time, all of it spent while the socket was not being read. The
 * writer takes a job (the messages of the turns since the last one, a
 * consumer's cursor, a prune) and commits it in one transaction on a
 * connection of its own, while the loop goes on reading: the turns fill
 * the next job meanwhile.
 *
 *	w = writer_start(path, ckpt_pages, wake, arg, e);
 *	writer_put(w, &msg);		copied into the job being filled
 *	writer_cursor(w, name, seq);	set in the same transaction
 *	writer_prune(w, before_ms);
 *	writer_submit(w, &res);		once a turn: the filled job goes to the
 *					thread when it is idle (else it goes on
 *					filling, and the call waits only when
 *					that job has grown past a bound);
 *					res: a job that finished meanwhile
 *	n = writer_rows(w, &rows);	what the job in res stored
 *	writer_wait(w, &res);		wait for the job under way, else submit
 *					the filled one and wait for it; res.done
 *					is 0 once nothing is left to commit
 *	writer_stop(w);
 *
 * The thread calls wake(arg) after each job, from the thread: it must be
 * thread-safe (the holder's is loop_wake). Results are taken only by the
 * owner's calls, in the order the jobs ran: a reader of the mailbox sees a
 * job's messages once its result came back (or earlier: they are
 * committed). When a job fails (a full disk), it is rolled back, every
 * later job fails unrun, and each failed job's frames are handed back in
 * the result, in order (writer_frame), so that the owner can still print
 * them: nothing put is ever dropped silently.
 *
 * Ownership: the writer copies what is put; frames handed back are the
 * writer's until the next call. Only the thread touches its connection;
 * only the owner calls these functions. */
#ifndef CHATCTL_WRITER_H
#define CHATCTL_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mailbox.h"

struct writer;

/* What a finished job did. code EX_OK: stored (duplicates: how many of
 * its messages were already there; pruned: how many went). Otherwise it
 * is EX_IO (the mailbox's only error: a full disk, a damaged file), err
 * says why naming the file, and nframes frames are handed back. writer_start
 * returns NULL with *e set (EX_IO) when the mailbox or the thread cannot
 * be had. */
struct writer_result {
	int done;		/* 0: no job finished */
	int code;
	struct err err;
	long duplicates, pruned;
	struct err prune_err;	/* code nonzero: the prune failed (the rest may be stored) */
	size_t nframes;
};

struct writer *writer_start(const char *path, int ckpt_pages, void (*wake)(void *arg), void *arg,
    struct err *e);
void writer_put(struct writer *w, const struct mailbox_msg *m);
void writer_cursor(struct writer *w, const char *name, int64_t seq);
void writer_prune(struct writer *w, int64_t before_ms);
void writer_submit(struct writer *w, struct writer_result *res);
void writer_wait(struct writer *w, struct writer_result *res);
const char *writer_frame(const struct writer *w, size_t i, size_t *len);
/* What the job whose result was just taken stored, in seq order (seqs
 * consecutive: a job is one transaction), as mailbox_read would hand it
 * over but for received_ms (the commit's time): for the holder's own
 * consumer, which need not read back what it just wrote. Good until the
 * next call. */
size_t writer_rows(const struct writer *w, const struct mailbox_row **rows);
/* Waits for the job under way; what was put and not submitted is dropped
 * (wait first). */
void writer_stop(struct writer *w);

#endif
