#include <stdlib.h>
#include <string.h>

#include "follow.h"
#include "xalloc.h"

struct follow {
	struct mailbox *mb;
	char *lock_path;
	struct follow_handlers h;
	struct loop_timer *t;
	int holder_up;
};

static void
poll_cb(void *arg)
{
	struct follow *f = arg;
	struct err e = { 0, "" };
	struct lock *k;
	char note[64];
	int r;

	if ((r = lock_try(f->lock_path, &k, &e)) == 1) {
		f->h.on_lock(f->h.arg, k);
		return;
	}
	if (r < 0 || (r = mailbox_changed(f->mb, &e)) < 0) {
		f->h.on_error(f->h.arg, &e);
		return;
	}
	if (r == 1)
		f->h.on_change(f->h.arg);
	if (!f->holder_up && lock_note_read(f->lock_path, note, sizeof note) == 0 &&
	    strcmp(note, "up") == 0)
		f->holder_up = 1;
	loop_timer_set(f->t, FOLLOW_POLL_US);
}

struct follow *
follow_new(struct loop *lp, struct mailbox *mb, const char *lock_path, const struct follow_handlers *h)
{
	struct follow *f = xcalloc(1, sizeof *f);

	f->mb = mb;
	f->lock_path = xstrdup(lock_path);
	f->h = *h;
	f->t = loop_timer_new(lp, poll_cb, f);
	loop_timer_set(f->t, FOLLOW_POLL_US);
	return f;
}

int
follow_holder_up(const struct follow *f)
{
	return f->holder_up;
}

void
follow_free(struct follow *f)
{
	if (f == NULL)
		return;
	loop_timer_free(f->t);
	free(f->lock_path);
	free(f);
}
