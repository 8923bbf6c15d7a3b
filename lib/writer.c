#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"
#include "xalloc.h"

/* A job being filled waits for the thread; past this it is the turns
 * that wait, so that memory stays flat when the disk is slower than the
 * link. */
#define FILL_MAX_BYTES (1 << 20)
#define FILL_MAX_MSGS 4096
/* The thread's page cache: a job's pages, twice over. */
#define WRITER_CACHE_KIB (2 * (FILL_MAX_BYTES >> 10))

/* A message in a job: as put, but for its frame and strings, which are in
 * the job's bytes (at offsets: the bytes move as they grow). */
struct jmsg {
	struct mailbox_msg m;	/* its pointers are stale */
	size_t at, str[4];
	int64_t seq;		/* once stored; 0: a duplicate */
};

struct cursor {
	char *name;
	int64_t seq;
};

struct job {
	struct buf bytes;
	struct jmsg *msgs;
	size_t n, max;
	struct cursor *cursors;
	size_t ncursors;
	int64_t prune_before;	/* 0: no prune */
	struct writer_result res;
	struct mailbox_row *rows;	/* what it stored, once committed */
	size_t nrows;
};

struct writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* the thread: a job queued or stop; the owner: a job done */
	enum { W_IDLE, W_QUEUED, W_DONE } state;
	int stop;
	struct mailbox *mb;	/* the thread's */
	void (*wake)(void *arg);
	void *arg;
	struct job jobs[3];
	/* fill: the owner's; run: the thread's while queued; done: the
	 * owner's, its news and rows good until the next call */
	struct job *fill, *run, *done;
	int failed;		/* a job failed: nothing more is stored */
	int handed;		/* its frames were handed back: drop them next call */
};

static int
job_empty(const struct job *j)
{
	return j->n == 0 && j->ncursors == 0 && j->prune_before == 0;
}

static void
job_clear(struct job *j)
{
	size_t i;

	buf_reset(&j->bytes);
	j->n = 0;
	for (i = 0; i < j->ncursors; i++)
		free(j->cursors[i].name);
	j->ncursors = 0;
	j->prune_before = 0;
	j->nrows = 0;
	memset(&j->res, 0, sizeof j->res);
}

static void
job_release(struct job *j)
{
	job_clear(j);
	buf_release(&j->bytes);
	free(j->msgs);
	free(j->cursors);
	free(j->rows);
}

/* --- the thread --- */

static void
msg_of(const struct job *j, const struct jmsg *jm, struct mailbox_msg *m)
{
	const char *b = j->bytes.buf;

	*m = jm->m;
	m->frame = b + jm->at;
	m->type = b + jm->str[0];
	m->dtype = b + jm->str[1];
	m->id = b + jm->str[2];
	m->action = b + jm->str[3];
}

/* What a committed job stored, as a reader of the mailbox would get it
 * (but for received_ms: the commit's time, not the put's). */
static void
job_rows(struct job *j)
{
	int64_t now = mailbox_now_ms();
	struct mailbox_msg m;
	struct mailbox_row *r;
	size_t i;

	j->rows = xrealloc(j->rows, (j->n ? j->n : 1) * sizeof *j->rows);
	for (i = 0; i < j->n; i++) {
		if (j->msgs[i].seq == 0)
			continue;
		msg_of(j, &j->msgs[i], &m);
		r = &j->rows[j->nrows++];
		r->seq = j->msgs[i].seq;
		r->received_ms = now;
		r->time_ms = m.time_ms;
		r->frame = m.frame;
		r->len = m.len;
		r->type = m.type;
		r->dtype = m.dtype;
		r->peer = m.peer;
		r->group = m.group;
		r->outgoing = m.outgoing;
		r->checked = m.checked;
		r->newline = m.newline;
	}
}

/* One transaction: the messages and the cursors; the prune before it, in
 * one of its own, as the holder always pruned between turns. */
static void
job_run(struct mailbox *mb, struct job *j)
{
	struct writer_result *r = &j->res;
	struct mailbox_msg m;
	size_t i;
	int p;

	r->code = EX_OK;
	if (j->prune_before)
		mailbox_prune(mb, j->prune_before, &r->pruned, &r->prune_err);
	if (j->n == 0 && j->ncursors == 0)
		return;
	if ((r->code = mailbox_begin(mb, &r->err)) != EX_OK)
		return;
	for (i = 0; i < j->n; i++) {
		msg_of(j, &j->msgs[i], &m);
		j->msgs[i].seq = 0;
		if ((p = mailbox_put(mb, &m, &j->msgs[i].seq, &r->err)) < 0)
			goto fail;
		r->duplicates += p == 0;
	}
	for (i = 0; i < j->ncursors; i++)
		if (mailbox_cursor_set(mb, j->cursors[i].name, j->cursors[i].seq, &r->err) != EX_OK)
			goto fail;
	if ((r->code = mailbox_commit(mb, &r->err)) == EX_OK)	/* rolls back when it fails */
		job_rows(j);
	return;
fail:
	r->code = EX_IO;
	mailbox_rollback(mb);
}

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	struct job *j;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->state != W_QUEUED && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->state != W_QUEUED)
			break;
		j = w->run;	/* the owner leaves it alone until W_DONE */
		pthread_mutex_unlock(&w->lock);
		job_run(w->mb, j);
		pthread_mutex_lock(&w->lock);
		if (j->res.code != EX_OK)
			w->failed = 1;
		w->state = W_DONE;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		w->wake(w->arg);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* --- the owner --- */

struct writer *
writer_start(const char *path, int ckpt_pages, void (*wake)(void *arg), void *arg, struct err *e)
{
	struct writer *w = xcalloc(1, sizeof *w);

	if (mailbox_open(path, &w->mb, e) != EX_OK) {
		free(w);
		return NULL;
	}
	mailbox_checkpoint_behind(w->mb, ckpt_pages);
	mailbox_cache(w->mb, WRITER_CACHE_KIB);
	w->wake = wake;
	w->arg = arg;
	w->fill = &w->jobs[0];
	w->run = &w->jobs[1];
	w->done = &w->jobs[2];
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, writer_run, w) != 0) {
		err_set(e, EX_IO, "%s: cannot start a thread to store messages", path);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		mailbox_close(w->mb);
		free(w);
		return NULL;
	}
	return w;
}

static size_t
add_str(struct buf *b, const char *s)
{
	size_t at = b->len;

	buf_add(b, s, strlen(s) + 1);
	return at;
}

void
writer_put(struct writer *w, const struct mailbox_msg *m)
{
	struct job *j = w->fill;
	struct jmsg *jm;

	if (j->n == j->max) {
		j->max = j->max ? j->max * 2 : 256;
		j->msgs = xrealloc(j->msgs, j->max * sizeof *j->msgs);
	}
	jm = &j->msgs[j->n++];
	jm->m = *m;
	jm->at = j->bytes.len;
	buf_add(&j->bytes, m->frame, m->len);
	buf_add(&j->bytes, "", 1);
	jm->str[0] = add_str(&j->bytes, m->type);
	jm->str[1] = add_str(&j->bytes, m->dtype);
	jm->str[2] = add_str(&j->bytes, m->id);
	jm->str[3] = add_str(&j->bytes, m->action);
}

void
writer_cursor(struct writer *w, const char *name, int64_t seq)
{
	struct job *j = w->fill;
	size_t i;

	for (i = 0; i < j->ncursors; i++)
		if (strcmp(j->cursors[i].name, name) == 0) {
			j->cursors[i].seq = seq;
			return;
		}
	j->cursors = xrealloc(j->cursors, (j->ncursors + 1) * sizeof *j->cursors);
	j->cursors[j->ncursors].name = xstrdup(name);
	j->cursors[j->ncursors++].seq = seq;
}

void
writer_prune(struct writer *w, int64_t before_ms)
{
	w->fill->prune_before = before_ms;
}

/* Under the lock, with a job done: its result to *res. A failed job also
 * hands back the job being filled, which will never run. */
static void
take(struct writer *w, struct writer_result *res)
{
	struct job *t = w->done;

	w->done = w->run;
	w->run = t;
	*res = w->done->res;
	res->done = 1;
	w->state = W_IDLE;
	if (res->code == EX_OK)
		return;
	res->nframes = w->done->n + w->fill->n;
	w->handed = 1;
}

/* Under the lock, with the thread idle: the filled job goes to it. */
static void
give(struct writer *w)
{
	struct job *t;

	job_clear(w->run);
	t = w->run;
	w->run = w->fill;
	w->fill = t;
	w->state = W_QUEUED;
	pthread_cond_broadcast(&w->cond);
}

/* What a failure handed back was the owner's to print until now. */
static void
forget_handed(struct writer *w)
{
	if (!w->handed)
		return;
	w->handed = 0;
	job_clear(w->done);
	job_clear(w->fill);
}

static int
too_full(const struct job *j)
{
	return j->bytes.len >= FILL_MAX_BYTES || j->n >= FILL_MAX_MSGS;
}

void
writer_submit(struct writer *w, struct writer_result *res)
{
	memset(res, 0, sizeof *res);
	pthread_mutex_lock(&w->lock);
	forget_handed(w);
	if (w->state == W_QUEUED && too_full(w->fill))
		while (w->state != W_DONE)
			pthread_cond_wait(&w->cond, &w->lock);
	if (w->state == W_DONE)
		take(w, res);
	if (w->state == W_IDLE && !w->failed && !job_empty(w->fill))
		give(w);
	pthread_mutex_unlock(&w->lock);
}

void
writer_wait(struct writer *w, struct writer_result *res)
{
	memset(res, 0, sizeof *res);
	pthread_mutex_lock(&w->lock);
	forget_handed(w);
	if (w->state == W_IDLE && !w->failed && !job_empty(w->fill))
		give(w);
	while (w->state == W_QUEUED)
		pthread_cond_wait(&w->cond, &w->lock);
	if (w->state == W_DONE)
		take(w, res);
	pthread_mutex_unlock(&w->lock);
}

const char *
writer_frame(const struct writer *w, size_t i, size_t *len)
{
	const struct job *j = w->done;

	if (i >= j->n) {
		i -= j->n;
		j = w->fill;
	}
	*len = j->msgs[i].m.len;
	return j->bytes.buf + j->msgs[i].at;
}

void
writer_stop(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	mailbox_close(w->mb);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	job_release(&w->jobs[0]);
	job_release(&w->jobs[1]);
	job_release(&w->jobs[2]);
	free(w);
}

size_t
writer_rows(const struct writer *w, const struct mailbox_row **rows)
{
	*rows = w->done->rows;
	return w->done->res.code == EX_OK ? w->done->nrows : 0;
}
