/* lib/checkpoint.h: SQLite checkpoints in a thread of their own, for a
 * long-lived writer of a WAL database (the mailbox's holder), so that its
 * commits seldom wait for the disk.
 *
 *	c = checkpointer_start(db, path, 0);	NULL: it could not start, and
 *						SQLite's own checkpoints go on
 *	... commits on db ...
 *	checkpointer_stop(c, db);		before db is closed
 *
 * The thread has a connection of its own to path; db, the writer's, gets a
 * WAL hook (replacing wal_autocheckpoint) and stays the caller's. pages is
 * the WAL size that wakes the thread (0: 4096 pages; tests use less). */
#ifndef CHATCTL_CHECKPOINT_H
#define CHATCTL_CHECKPOINT_H

#include <sqlite3.h>

struct checkpointer;

struct checkpointer *checkpointer_start(sqlite3 *db, const char *path, int pages);
void checkpointer_stop(struct checkpointer *c, sqlite3 *db);

#endif
