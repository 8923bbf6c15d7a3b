/* lib/follow.h: a listen that is not the holder follows the mailbox.
 *
 * A second listen of an account on this machine never opens a second
 * socket (the server would hand it the deliveries and starve the first,
 * observed.md section L): it polls the mailbox for rows the holder
 * committed and, on the same poll, tries the holder lock, so that it
 * takes over the socket the moment the holder exits or is killed.
 *
 *	f = follow_new(loop, mb, holder_lock_path, &handlers);
 *	... on_change(arg): rows may be waiting: pump the consumer
 *	... on_lock(arg, lock): the lock is ours now (and the caller's to
 *	    release): become the holder; the follow has stopped polling
 *	follow_free(f);
 *
 * The poll runs every FOLLOW_POLL_US, so a committed row is seen within
 * that (PRAGMA data_version costs no read of the database). A mailbox or
 * lock file that fails is reported once through on_error (EX_IO with the
 * path, lib/mailbox.h and lib/lock.h), and the poll stops. The loop and
 * the mailbox are borrowed; the path is copied. */
#ifndef CHATCTL_FOLLOW_H
#define CHATCTL_FOLLOW_H

#include "lock.h"
#include "loop.h"
#include "mailbox.h"

#define FOLLOW_POLL_US (25 * 1000)

struct follow_handlers {
	void *arg;
	void (*on_change)(void *arg);
	void (*on_lock)(void *arg, struct lock *k);
	void (*on_error)(void *arg, const struct err *e);
};

struct follow;

struct follow *follow_new(struct loop *lp, struct mailbox *mb, const char *lock_path,
    const struct follow_handlers *h);
/* 1 once the holder was seen connected (its lock note says "up"). */
int follow_holder_up(const struct follow *f);
void follow_free(struct follow *f);

#endif
