/* lib/loop.h: the one event loop of a process: one lws context, no
 * threads, every timer an lws_sul.
 *
 *	struct loop *lp = loop_new(&opts, e);
 *	struct loop_timer *t = loop_timer_new(lp, cb, arg);
 *	loop_timer_set(t, usecs);	(again to re-arm, loop_timer_cancel to stop)
 *	loop_on_turn(lp, turn_cb, arg);	after every turn, in registration order
 *	loop_watch(lp, fd, watch_cb, arg);	fd readable or hung up
 *	loop_catch_signals(lp);		SIGINT/SIGTERM: a flag and a wake
 *	loop_run(lp);			until loop_quit()
 *	loop_timer_free(t); loop_unwatch(w); loop_free(lp);
 *
 * Links (lib/ws.h) live on a loop; so can anything that only needs timers
 * (a follower, a job). Callbacks run inside loop_run(), never from a signal
 * handler: a handler sets a flag and calls loop_wake(), which is
 * async-signal-safe, and an on-turn callback acts on the flag. loop_wake()
 * is also the one call another thread may make (lws_cancel_service(), a
 * write to lws's own pipe): lib/writer's thread wakes the loop with it
 * when a job is done.
 *
 * The loop also takes the decisions lws 4.1.6 makes per context rather than
 * per connection: which proxy its links go through (from the environment,
 * as curl decides, for o.url), whether TLS is set up at all (only for an
 * https:// or wss:// URL, or none: it reads the whole CA store, some 30 ms),
 * the CA file, the connect timeout.
 *
 * Ownership: the caller owns the loop, its timers and its watches and frees
 * timers and watches before the loop. loop_new() returns NULL with *e set
 * (EX_USAGE for an unparsable proxy variable, EX_NET for a proxy lws cannot
 * use or a context lws cannot make). */
#ifndef CHATCTL_LOOP_H
#define CHATCTL_LOOP_H

#include <stdint.h>

#include "err.h"

struct loop_opts {
	const char *url;	/* the URL the loop's links go to, or NULL */
	const char *cacert;	/* CA file for TLS links, or NULL */
	double connect_timeout;	/* seconds; 0 means 10 */
};

struct loop;
struct loop_timer;
struct loop_watch;

struct loop *loop_new(const struct loop_opts *o, struct err *e);
void loop_run(struct loop *lp);
/* One turn's worth of ready work, without waiting and without the on-turn
 * callbacks: for a loop driven from inside another one. */
void loop_poll(struct loop *lp);
void loop_quit(struct loop *lp);
void loop_wake(struct loop *lp);
void loop_free(struct loop *lp);

/* SIGINT and SIGTERM: the handler only notes which came and wakes the
 * loop; an on-turn callback asks loop_signal() (0 while none came) and
 * acts. For the one loop of a process; loop_free() restores the default
 * handlers. */
void loop_catch_signals(struct loop *lp);
int loop_signal(void);

/* The proxy the loop's links go through, "host:port", or NULL for direct. */
const char *loop_proxy(const struct loop *lp);

/* o.connect_timeout, or its default: links bound their handshake by it. */
double loop_connect_timeout(const struct loop *lp);

/* A timer fires once per loop_timer_set(); its callback may set it again,
 * or free it (and whatever holds it). */
struct loop_timer *loop_timer_new(struct loop *lp, void (*cb)(void *arg), void *arg);
void loop_timer_set(struct loop_timer *t, int64_t usecs);
void loop_timer_cancel(struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);

void loop_on_turn(struct loop *lp, void (*cb)(void *arg), void *arg);

/* cb(arg, hup) when fd is readable (hup 0) or hung up or in error (hup 1).
 * After a hang-up the watch is ended: cb is not called again, but the
 * caller still frees it. The fd stays the caller's to close. NULL when lws
 * cannot adopt the fd. */
struct loop_watch *loop_watch(struct loop *lp, int fd, void (*cb)(void *arg, int hup), void *arg);
void loop_unwatch(struct loop_watch *w);

/* Microseconds on a monotonic clock. */
int64_t loop_now(void);

#define LOOP_US_PER_SEC 1000000

#endif
