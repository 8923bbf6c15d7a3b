#include <pthread.h>
#include <stdlib.h>

#include "checkpoint.h"
#include "xalloc.h"

/* The checkpointer: a thread with a connection of its own, so that the
 * holder does not wait for the disk. A checkpoint copies the WAL into the
 * database and ends with two fsyncs; done by the committing thread, as
 * SQLite does by default, they stalled listen for 40 % of a flood. Once
 * the WAL holds CKPT_PAGES pages, a commit wakes the thread, which copies
 * and syncs what is there. But the WAL starts over only when a checkpoint
 * has copied all of it, which the thread, racing the commits, never
 * quite does: so once its pass is done, the next commit checkpoints the
 * little that came meanwhile itself. Past four times CKPT_PAGES (a thread
 * that cannot keep up), commits checkpoint themselves, as SQLite would. */
#define CKPT_PAGES 4096

struct checkpointer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	sqlite3 *db;
	int pages;		/* CKPT_PAGES, or a test's */
	enum { CKPT_IDLE, CKPT_WANTED, CKPT_DONE } state;
	int stop;
};

static void *
checkpointer_run(void *arg)
{
	struct checkpointer *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->state != CKPT_WANTED && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stop)
			break;
		pthread_mutex_unlock(&c->lock);
		/* Busy or failing: the commits go on asking, and past the
		 * hard limit they checkpoint themselves. */
		sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->lock);
		c->state = CKPT_DONE;
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* sqlite3_wal_hook: after each commit, with the WAL's size in pages. */
static int
checkpointer_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct checkpointer *c = arg;
	int self = pages >= 4 * c->pages;	/* the hard limit */

	if (pages < c->pages)
		return SQLITE_OK;
	pthread_mutex_lock(&c->lock);
	if (c->state == CKPT_IDLE) {
		c->state = CKPT_WANTED;
		pthread_cond_signal(&c->wake);
	} else if (c->state == CKPT_DONE) {
		c->state = CKPT_IDLE;
		self = 1;
	}
	pthread_mutex_unlock(&c->lock);
	if (self)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

struct checkpointer *
checkpointer_start(sqlite3 *db, const char *path, int pages)
{
	struct checkpointer *c = xcalloc(1, sizeof *c);

	c->pages = pages > 0 ? pages : CKPT_PAGES;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return NULL;	/* SQLite's own checkpoints go on */
	}
	sqlite3_busy_timeout(c->db, 5000);
	/* A connection that has read nothing does not know the file is in WAL
	 * mode, and its checkpoints would do nothing. */
	if (sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL; SELECT count(*) FROM sqlite_schema;", NULL,
	    NULL, NULL) != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (pthread_create(&c->thread, NULL, checkpointer_run, c) != 0) {
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	sqlite3_wal_hook(db, checkpointer_hook, c);	/* replaces wal_autocheckpoint */
	return c;
}

void
checkpointer_stop(struct checkpointer *c, sqlite3 *db)
{
	if (c == NULL)
		return;
	sqlite3_wal_hook(db, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->stop = 1;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	free(c);
}
