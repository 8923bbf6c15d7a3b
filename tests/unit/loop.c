/* The event loop (lib/loop.c): timers, on-turn order, wake, fd watches. */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "../../lib/loop.h"
#include "unit.h"

struct state {
	struct loop *lp;
	struct loop_timer *t1, *t2, *never;
	char order[16];
	int n, turns_a, turns_b, out_of_order, reads, hups;
	int64_t t0, fired_at;
	int pipefd[2];
};

static void
note(struct state *s, char c)
{
	if (s->n + 1 < (int)sizeof s->order)
		s->order[s->n++] = c;
}

static void
t1_cb(void *arg)
{
	struct state *s = arg;

	note(s, '1');
	s->fired_at = loop_now();
}

static void
t2_cb(void *arg)
{
	struct state *s = arg;

	note(s, '2');
	loop_quit(s->lp);
}

static void
never_cb(void *arg)
{
	note(arg, 'X');
}

static void
turn_a(void *arg)
{
	struct state *s = arg;

	/* Registration order: a always runs before b in a turn. */
	if (++s->turns_a != s->turns_b + 1)
		s->out_of_order++;
}

static void
turn_b(void *arg)
{
	((struct state *)arg)->turns_b++;
}

static void
test_timers_and_turns(void)
{
	struct loop_opts o = { NULL, NULL, 0 };
	struct err e = { 0, "" };
	struct state s = { 0 };

	s.lp = loop_new(&o, &e);
	CHECK(s.lp != NULL);
	if (s.lp == NULL)
		return;
	s.t1 = loop_timer_new(s.lp, t1_cb, &s);
	s.t2 = loop_timer_new(s.lp, t2_cb, &s);
	s.never = loop_timer_new(s.lp, never_cb, &s);
	loop_on_turn(s.lp, turn_a, &s);
	loop_on_turn(s.lp, turn_b, &s);
	s.t0 = loop_now();
	loop_timer_set(s.t2, 60000);
	loop_timer_set(s.t1, 20000);
	loop_timer_set(s.never, 30000);
	loop_timer_cancel(s.never);
	loop_run(s.lp);
	s.order[s.n] = '\0';
	CHECK_STR(s.order, "12");
	CHECK(s.fired_at - s.t0 >= 20000);
	CHECK(loop_now() - s.t0 >= 60000);
	CHECK(s.turns_a >= 2 && s.turns_a == s.turns_b);
	CHECK_INT(s.out_of_order, 0);
	/* A re-armed timer fires once, at its new time. */
	s.n = 0;
	loop_timer_set(s.t1, 10000);
	loop_timer_set(s.t1, 20000);
	loop_timer_set(s.t2, 40000);
	loop_run(s.lp);
	s.order[s.n] = '\0';
	CHECK_STR(s.order, "12");
	loop_timer_free(s.t1);
	loop_timer_free(s.t2);
	loop_timer_free(s.never);
	loop_free(s.lp);
}

static void
on_fd(void *arg, int hup)
{
	struct state *s = arg;
	char b[64];

	if (hup) {
		s->hups++;
		loop_quit(s->lp);
	} else if (read(s->pipefd[0], b, sizeof b) > 0) {
		s->reads++;
		/* Now let the writer go: the watch must see the hang-up. */
		close(s->pipefd[1]);
	}
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static void
test_watch_reads_then_hangup(void)
{
	struct loop_opts o = { NULL, NULL, 0 };
	struct err e = { 0, "" };
	struct state s = { 0 };
	struct loop_watch *w;
	struct loop_timer *guard;
	int before;

	s.lp = loop_new(&o, &e);
	CHECK(s.lp != NULL);
	if (s.lp == NULL || pipe(s.pipefd) != 0)
		return;
	before = open_fds();
	w = loop_watch(s.lp, s.pipefd[0], on_fd, &s);
	CHECK(w != NULL);
	/* A bound, so that a broken watch fails the test instead of hanging it. */
	guard = loop_timer_new(s.lp, t2_cb, &s);
	loop_timer_set(guard, 5 * LOOP_US_PER_SEC);
	CHECK_INT(write(s.pipefd[1], "x", 1), 1);
	loop_run(s.lp);
	CHECK_INT(s.reads, 1);
	CHECK_INT(s.hups, 1);
	CHECK_INT(s.n, 0);	/* the guard did not fire */
	loop_unwatch(w);
	loop_timer_free(guard);
	/* The caller's fd is still open; lws's copy is gone. */
	CHECK(fcntl(s.pipefd[0], F_GETFD) != -1);
	CHECK_INT(open_fds(), before - 1);	/* minus the closed write end */
	close(s.pipefd[0]);
	loop_free(s.lp);
}

int
main(void)
{
	test_timers_and_turns();
	test_watch_reads_then_hangup();
	return unit_done();
}
