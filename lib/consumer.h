/* lib/consumer.h: one named reader of a mailbox, with a cursor that moves
 * only past what was written out.
 *
 *	struct consumer *c;
 *	code = consumer_open(mb, lockpath, &opts, &c, e);   EX_IO when another
 *					process reads as this consumer
 *	each loop turn, after the holder committed (or a follower saw a change):
 *		r = consumer_pump(c, e);	rows after the cursor → sink
 *		if (fflush(out) == 0) consumer_ack(c, e);
 *	consumer_close(c);		(acknowledges nothing by itself)
 *
 * The sink decides what a row becomes (a printed line, later a job); it
 * returns CONSUMER_SKIP (filtered out: the cursor passes it, the row
 * stays in the mailbox), CONSUMER_TAKEN, or CONSUMER_LAST (taken, and
 * nothing more is wanted: --count reached). A row that pump handed over
 * is acknowledged only by consumer_ack, after the caller flushed: a failed
 * write, or a kill before the ack, repeats those rows in the next run,
 * never loses them. The mailbox and the sink's state are borrowed; the
 * consumer lock (lib/lock) and the cursor are the consumer's own. */
#ifndef CHATCTL_CONSUMER_H
#define CHATCTL_CONSUMER_H

#include <stdint.h>

#include "err.h"
#include "mailbox.h"

enum { CONSUMER_SKIP, CONSUMER_TAKEN, CONSUMER_LAST };

struct consumer_opts {
	const char *name;	/* the cursor's name */
	int at_end;		/* --new: start after the last stored row */
	long batch;		/* rows per pump at most; more wait for the next turn */
	int (*sink)(void *arg, const struct mailbox_row *r);
	void *arg;
	/* How consumer_ack writes the cursor, when not mailbox_cursor_set on
	 * the consumer's mailbox (a holder's goes with its next commit). */
	int (*save)(void *arg, const char *name, int64_t seq, struct err *e);
};

struct consumer;

/* EX_IO when the consumer is in use by another process (naming it and
 * its pid when known) or the mailbox fails. */
int consumer_open(struct mailbox *mb, const char *lock_path, const struct consumer_opts *o,
    struct consumer **c, struct err *e);

/* Hand the rows after the cursor to the sink, at most batch of them.
 * Returns 1 when rows may remain (call again next turn), 0 when caught up
 * or the sink said CONSUMER_LAST, -1 on a mailbox error. */
int consumer_pump(struct consumer *c, struct err *e);

/* Pump no row past upto until told otherwise (the default: no limit).
 * The holder sets it to what its writer reported stored: its writer
 * commits while the loop runs, and a pump that read what the writer had
 * just committed would read back what consumer_offer() was about to hand
 * over from memory. */
void consumer_limit(struct consumer *c, int64_t upto);

/* Rows the caller has in memory, just stored (the holder's own): handed
 * to the sink as a pump would, when they are the very next rows after
 * what was pumped (else the pump reads them in turn). Returns how many
 * were taken by the consumer. */
size_t consumer_offer(struct consumer *c, const struct mailbox_row *rows, size_t n);

/* Everything pumped so far was written out: move the cursor past it. */
int consumer_ack(struct consumer *c, struct err *e);

/* Whether anything pumped is not acknowledged yet (consumer_ack would
 * write). */
int consumer_unacked(const struct consumer *c);

/* 1 once the sink returned CONSUMER_LAST. */
int consumer_done(const struct consumer *c);

void consumer_close(struct consumer *c);

#endif
