#include <stdlib.h>

#include "consumer.h"
#include "lock.h"
#include "xalloc.h"

struct consumer {
	struct mailbox *mb;
	struct consumer_opts o;
	char *name;
	struct lock *lock;
	int64_t cursor;		/* acknowledged: rows up to here are done */
	int64_t pumped;		/* handed to the sink, not yet acknowledged */
	int64_t upto;		/* pump no further (consumer_limit) */
	long n;			/* rows handed over by the current pump */
	int done;		/* the sink said CONSUMER_LAST */
};

/* Where a consumer seen for the first time (or told --new) starts. */
static int
start_cursor(struct consumer *c, struct err *e)
{
	int64_t seq;

	if (mailbox_cursor_get(c->mb, c->name, &seq, e) != EX_OK)
		return e->code;
	if (seq < 0 || c->o.at_end) {
		if (!c->o.at_end)
			seq = 0;
		else if (mailbox_last_seq(c->mb, &seq, e) != EX_OK)
			return e->code;
		/* Written now, so a --new consumer that prints nothing still
		 * starts from here next time. */
		if (mailbox_cursor_set(c->mb, c->name, seq, e) != EX_OK)
			return e->code;
	}
	c->cursor = c->pumped = seq;
	c->upto = INT64_MAX;
	return EX_OK;
}

int
consumer_open(struct mailbox *mb, const char *lock_path, const struct consumer_opts *o,
    struct consumer **out, struct err *e)
{
	struct consumer *c;
	long pid;
	int r;

	*out = NULL;
	c = xcalloc(1, sizeof *c);
	c->mb = mb;
	c->o = *o;
	c->name = xstrdup(o->name);
	c->o.name = c->name;
	if (c->o.batch <= 0)
		c->o.batch = 4096;
	if ((r = lock_try(lock_path, &c->lock, e)) <= 0) {
		if (r == 0 && (pid = lock_owner(lock_path)) > 0)
			err_set(e, EX_IO, "consumer '%s' is in use by process %ld; give this one "
			    "a name of its own with --consumer NAME", c->name, pid);
		else if (r == 0)
			err_set(e, EX_IO, "consumer '%s' is in use by another process; give this "
			    "one a name of its own with --consumer NAME", c->name);
		consumer_close(c);
		return e->code;
	}
	if (start_cursor(c, e) != EX_OK) {
		consumer_close(c);
		return e->code;
	}
	*out = c;
	return EX_OK;
}

static int
each_row(void *arg, const struct mailbox_row *r)
{
	struct consumer *c = arg;
	int v = c->o.sink(c->o.arg, r);

	c->pumped = r->seq;
	c->n++;
	if (v == CONSUMER_LAST) {
		c->done = 1;
		return 1;
	}
	return 0;
}

int
consumer_pump(struct consumer *c, struct err *e)
{
	if (c->done)
		return 0;
	c->n = 0;
	if (mailbox_read_upto(c->mb, c->pumped, c->upto, c->o.batch, each_row, c, e) != EX_OK)
		return -1;
	/* A full batch may have left rows behind; a short one has not. */
	return !c->done && c->n >= c->o.batch;
}

void
consumer_limit(struct consumer *c, int64_t upto)
{
	c->upto = upto;
}

size_t
consumer_offer(struct consumer *c, const struct mailbox_row *rows, size_t n)
{
	size_t i;

	if (c->done || n == 0 || rows[0].seq != c->pumped + 1)
		return 0;
	for (i = 0; i < n && !c->done; i++)
		each_row(c, &rows[i]);
	return i;
}

int
consumer_ack(struct consumer *c, struct err *e)
{
	if (c->pumped == c->cursor)
		return EX_OK;
	if ((c->o.save ? c->o.save(c->o.arg, c->name, c->pumped, e) :
	    mailbox_cursor_set(c->mb, c->name, c->pumped, e)) != EX_OK)
		return e->code;
	c->cursor = c->pumped;
	return EX_OK;
}

int
consumer_unacked(const struct consumer *c)
{
	return c->pumped != c->cursor;
}

int
consumer_done(const struct consumer *c)
{
	return c->done;
}

void
consumer_close(struct consumer *c)
{
	if (c == NULL)
		return;
	lock_release(c->lock);
	free(c->name);
	free(c);
}
