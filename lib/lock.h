/* lib/lock.h: exclusive locks that die with their process.
 *
 *	struct lock *k;
 *	r = lock_try(path, &k, e);	1 taken, 0 held by another process, -1 error
 *	...
 *	lock_release(k);		(or exit, or kill -9: the kernel lets go)
 *
 * flock(2) on a file of its own (created 0600, parents 0700), never on the
 * database: SQLite's fcntl locks vanish when a process closes any fd of
 * the file, flock's only when the last fd of this open file goes. The fd
 * is O_CLOEXEC, so a child can never keep a dead holder's lock alive. The
 * file is left in place (removing it would race with the next taker).
 * The holder writes its pid into the file for people reading it; nothing
 * trusts that pid. Errors are EX_IO with the path. */
#ifndef CHATCTL_LOCK_H
#define CHATCTL_LOCK_H

#include <stddef.h>

#include "err.h"

struct lock;

int lock_try(const char *path, struct lock **k, struct err *e);
void lock_release(struct lock *k);

/* lock_try() again every 10 ms for up to secs seconds: 1 taken, 0 still
 * held by another process then, -1 error. */
int lock_wait(const char *path, double secs, struct lock **k, struct err *e);

/* Rewrite the file as "<pid> <word>\n", for others to read (the holder
 * says "connecting" or "up"). */
void lock_note(struct lock *k, const char *word);

/* The word of path's note into buf; 0, or -1 when there is none. */
int lock_note_read(const char *path, char *buf, size_t size);

/* The pid written by whoever holds path, or 0 when unknown. It takes no
 * lock (a peek must never make a lock_try elsewhere fail), so after a
 * kill -9 it is the dead holder's pid until someone takes the lock again:
 * for messages only. */
long lock_owner(const char *path);

#endif
