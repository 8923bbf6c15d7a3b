/* cmd/listen.c: stream an account's incoming messages as JSON lines,
 * losing none and printing none twice, across drops, restarts, bad input,
 * a full disk and other listens of the same account.
 *
 * Wiring only: the account's mailbox (lib/mailbox) keeps every message;
 * the process holding the account's lock is the holder (lib/holder: the
 * socket, storing), any other follows the mailbox (lib/follow) and takes
 * over when the holder goes; either way a consumer (lib/consumer) prints
 * the stored rows after its cursor. This file owns the options, the
 * filters, the printing and when to stop. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "../lib/consumer.h"
#include "../lib/follow.h"
#include "../lib/frame.h"
#include "../lib/holder.h"
#include "../lib/lock.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include "../lib/mailbox.h"
#include "../lib/url.h"
#include "../lib/xalloc.h"

static const struct opt listen_opts[] = {
	{ "type", 't', "TYPE", "print only frames of this type (frame or message type; repeatable)",
	    "singleChat|system|ping|pong|text|iconMenus|image|audio|video|systemNotice", NULL },
	{ "from", 0, "USER_ID", "print only messages from this sender", NULL, NULL },
	{ "count", 'n', "N", "stop after printing N frames (exit 1 if --idle or --timeout stop it first)", NULL, NULL },
	{ "idle", 0, "SECS", "stop when nothing was printed for SECS", NULL, NULL },
	{ "timeout", 0, "SECS", "stop after SECS in all", NULL, NULL },
	{ "heartbeat", 0, "SECS", "send {\"type\":\"ping\"} every SECS; 0 turns it off", NULL, "25" },
	{ "heartbeats", 0, NULL, "also print the server's pings and the answers to ours", NULL, NULL },
	{ "backoff-max", 0, "SECS", "longest wait between reconnects", NULL, "30" },
	{ "no-reconnect", 0, NULL, "exit 4 when the connection drops instead of reconnecting", NULL, NULL },
	{ "no-offline", 0, NULL, "do not fetch the messages that arrived while offline", NULL, NULL },
	{ "no-dedupe", 0, NULL, "with --no-store, keep duplicates (same id, type and actionType)", NULL, NULL },
	{ "max-frame", 0, "BYTES", "skip messages larger than BYTES", NULL, "16777216" },
	{ "consumer", 0, "NAME", "read the mailbox as consumer NAME, with a cursor of its own", NULL, "default" },
	{ "new", 0, NULL, "start the consumer after the last stored message", NULL, NULL },
	{ "keep", 0, "DAYS", "as the holder, delete stored messages older than DAYS", NULL, "90" },
	{ "no-store", 0, NULL, "as the holder, store nothing: print messages as they come", NULL, NULL },
	{ "tips", 0, NULL, "also print the tips the server pushes on every connect", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

/* Pruning runs at the start of a holder and then this often. */
#define PRUNE_EVERY_US (3600LL * LOOP_US_PER_SEC)

enum stop_reason { RUNNING, STOP_COUNT, STOP_IDLE, STOP_TIMEOUT, STOP_SIGNAL, STOP_PIPE, STOP_FATAL };

struct listen {
	struct session *s;
	struct loop *lp;
	struct err *e;

	/* options */
	const char *const *types;
	int ntypes;
	const char *from;	/* NULL, or from_buf */
	char from_buf[24];	/* --from as a frame says it: "7", not "007" */
	long count, keep_days;
	double idle, timeout;
	int heartbeats, tips, dedupe, no_store, no_offline, at_end;
	const char *consumer_name;
	struct holder_opts ho;

	/* the account's files */
	char *mb_path, *holder_path, *consumer_path;
	long self_id;

	/* state */
	enum stop_reason stop;
	int code;
	int up;			/* a link of ours was accepted at least once */
	int output_lost;	/* a write failed: acknowledge nothing more */
	long printed, printed_then;
	int64_t last_print;	/* updated once per loop turn, not per frame */

	struct mailbox *mb;
	struct lock *holder_lock;	/* held: we are the holder */
	struct holder *holder;
	struct follow *follow;
	struct consumer *consumer;
	struct loop_timer *t_idle, *t_timeout, *t_stdout, *t_pump, *t_prune, *t_ack;
};

static void
stop(struct listen *l, enum stop_reason why, int code)
{
	if (l->stop != RUNNING)
		return;
	l->stop = why;
	l->code = code;
	if (l->holder)
		holder_stop(l->holder);	/* the loop ends when the link has closed */
	else
		loop_quit(l->lp);
}

/* The filters, on what the frame says of itself. */
static int
wanted(struct listen *l, const char *type, const char *dtype, const char *from)
{
	int i;

	if (l->ntypes) {
		for (i = 0; i < l->ntypes; i++)
			if (strcmp(l->types[i], type) == 0 || strcmp(l->types[i], dtype) == 0)
				break;
		if (i == l->ntypes)
			return 0;
	}
	return !l->from || strcmp(l->from, from) == 0;
}

/* One line on stdout (or one per jq result); 1 when something was printed.
 * text has passed frame_check(): newline is what it said. */
static int
print_frame(struct listen *l, const char *text, size_t len, int newline)
{
	struct err je = { 0, "" };

	if (output_emit_text(&l->s->out, text, len, newline, &je) != EX_OK) {
		log_warn("%s; frame skipped", je.msg);
		return 0;
	}
	if (l->s->out.results == 0)
		return 0;
	l->printed++;
	return 1;
}

static int
count_reached(struct listen *l)
{
	if (!l->count || l->printed < l->count)
		return 0;
	stop(l, STOP_COUNT, EX_OK);
	return 1;
}

/* The consumer's sink: a stored row, filtered and printed. A row the
 * holder did not check as it stored it is checked now: a store written by
 * an older chatctl may hold a frame that only a laxer scanner took. */
static int
sink(void *arg, const struct mailbox_row *r)
{
	struct listen *l = arg;
	struct frame_info fi;
	int bad;

	if (l->stop != RUNNING)
		return CONSUMER_LAST;
	/* What send kept is history, not mail: a bot that answered its own
	 * answers would never stop. */
	if (r->outgoing)
		return CONSUMER_SKIP;
	fi.newline = r->newline;
	if (l->from)
		bad = frame_scan(r->frame, r->len, &fi) != 0;
	else
		bad = !r->checked && frame_check(r->frame, r->len, &fi.newline, NULL, NULL) != 0;
	if (bad) {
		log_warn("message %lld in the mailbox is not JSON; skipped", (long long)r->seq);
		return CONSUMER_SKIP;
	}
	if (l->from ? !wanted(l, fi.type, fi.dtype, fi.from) : !wanted(l, r->type, r->dtype, ""))
		return CONSUMER_SKIP;
	if (!print_frame(l, r->frame, r->len, fi.newline))
		return CONSUMER_SKIP;
	return count_reached(l) ? CONSUMER_LAST : CONSUMER_TAKEN;
}

/* A message that is not in the mailbox: --no-store, or a failed commit. */
static void
on_message(void *arg, const char *text, size_t len, const struct frame_info *fi)
{
	struct listen *l = arg;

	/* Once the mailbox failed, printing is all that is left to do with a
	 * message the server has already forgotten. */
	if ((l->stop == RUNNING || (l->stop == STOP_FATAL && l->code == EX_IO)) &&
	    wanted(l, fi->type, fi->dtype, fi->from) && print_frame(l, text, len, fi->newline))
		count_reached(l);
}

/* Heartbeats, the welcome and the tips: printed only when asked for. */
static void
on_live(void *arg, const char *text, size_t len, const struct frame_info *fi, enum frame_kind kind)
{
	struct listen *l = arg;

	if ((kind == FRAME_PING || kind == FRAME_PONG) && !l->heartbeats)
		return;
	if (kind == FRAME_TIP && !l->tips)
		return;
	/* The welcome marks a (re)connection, not a message. */
	if (kind == FRAME_WELCOME && !l->ntypes)
		return;
	on_message(l, text, len, fi);
}

static void
on_up(void *arg)
{
	struct listen *l = arg;

	l->up = 1;
	lock_note(l->holder_lock, "up");
}

static void pump(struct listen *l);

static void
on_fatal(void *arg, const struct err *fe)
{
	struct listen *l = arg;
	struct err se = { 0, "" };

	/* Stopped as asked, the close may bring news; only a message that
	 * could not be stored still changes the outcome. */
	if (l->stop != RUNNING && fe->code != EX_IO)
		return;
	/* What came before the end is printed, as if the turn had ended first:
	 * the writer may not have committed it yet. Its failure outranks this
	 * news, and came through here already. */
	if (fe->code != EX_IO && l->holder) {
		if (holder_settle(l->holder, &se) == EX_OK)
			pump(l);
		if (l->stop != RUNNING)
			return;
	}
	err_set(l->e, fe->code, "%s", fe->msg);
	l->stop = STOP_FATAL;
	l->code = fe->code;
}

/* The holder just stored these: its consumer takes them from memory
 * rather than read them back, when it is caught up. */
static void
on_stored(void *arg, const struct mailbox_row *rows, size_t n)
{
	struct listen *l = arg;

	if (l->consumer == NULL)
		return;
	if (l->stop == RUNNING)
		consumer_offer(l->consumer, rows, n);
	consumer_limit(l->consumer, rows[n - 1].seq);
}

static void
on_end(void *arg)
{
	struct listen *l = arg;

	loop_quit(l->lp);
}

/* A holder that stores acknowledges what a turn printed in its writer's
 * next job (save_cursor), with the messages that came meanwhile: so a
 * kill -9 still repeats at worst the lines of its last few milliseconds,
 * and a flood costs one commit a job, not two (the cursor's own commit
 * took some 5-8 % of listen's time). In a flood the next turn comes from the
 * socket; this timer makes one when nothing more arrives. Not sooner: at
 * 1 ms it fired between the flood's turns, each a commit of its own, and
 * listen stored 10-20 % fewer frames a second than with no deferring. */
#define ACK_DEFER_US 50000

/* The consumer's cursor: through the holder's writer when there is one,
 * so that the two connections never wait for each other's locks. */
static int
save_cursor(void *arg, const char *name, int64_t seq, struct err *e)
{
	struct listen *l = arg;

	if (l->holder && l->ho.mb) {
		holder_cursor(l->holder, name, seq);
		return EX_OK;
	}
	return mailbox_cursor_set(l->mb, name, seq, e);
}

static void
ack(struct listen *l)
{
	struct err ce = { 0, "" };

	if (consumer_ack(l->consumer, &ce) != EX_OK) {
		err_set(l->e, EX_IO, "%s", ce.msg);
		l->stop = RUNNING;
		stop(l, STOP_FATAL, EX_IO);
	}
}

/* Rows were pumped, and written out: pump runs only inside a turn, which
 * flushes before it ends, and once a flush failed nothing is acknowledged
 * again. */
static int
ack_due(const struct listen *l)
{
	return l->consumer && !l->output_lost && consumer_unacked(l->consumer);
}

/* Write out what was printed; acknowledge it only once it is out. */
static void
flush_and_ack(struct listen *l)
{
	if (l->output_lost)
		return;		/* what was pumped since the last ack is not out */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		l->output_lost = 1;
		if (errno == EPIPE) {
			l->e->msg[0] = '\0';
			stop(l, STOP_PIPE, EX_OK);
		} else if (l->stop == RUNNING || l->stop == STOP_COUNT) {
			/* A lost line outranks having reached --count. */
			err_set(l->e, EX_IO, "cannot write to standard output: %s", strerror(errno));
			l->stop = RUNNING;
			stop(l, STOP_FATAL, EX_IO);
		}
		clearerr(stdout);
		return;
	}
	if (!ack_due(l))
		return;
	if (l->holder)
		loop_timer_set(l->t_ack, ACK_DEFER_US);
	else
		ack(l);
}

static void
pump(struct listen *l)
{
	struct err pe = { 0, "" };
	int r;

	if (!l->consumer || l->stop != RUNNING)
		return;
	if ((r = consumer_pump(l->consumer, &pe)) < 0) {
		err_set(l->e, EX_IO, "%s", pe.msg);
		stop(l, STOP_FATAL, EX_IO);
	} else if (r == 1) {
		loop_timer_set(l->t_pump, 0);	/* more waiting: next turn */
	}
}

static void
on_turn(void *arg)
{
	struct listen *l = arg;
	struct err ce = { 0, "" };

	if (ack_due(l))
		ack(l);
	if (l->holder)
		holder_commit(l->holder, &ce);	/* a failure came through on_fatal */
	pump(l);
	flush_and_ack(l);
	if (l->printed != l->printed_then) {
		l->printed_then = l->printed;
		l->last_print = loop_now();
	}
	if (loop_signal() && l->stop == RUNNING) {
		log_debug(1, "caught signal %d: closing", loop_signal());
		stop(l, STOP_SIGNAL, EX_OK);
	}
}

static void
next_turn(void *arg)
{
	(void)arg;	/* the turn it ends does the work */
}

/* A reader that went away ("listen | head -1") is only seen when we next
 * write, and the next message may be hours off: look now and then. A pipe
 * whose reader closed polls as POLLERR on our end. */
#define STDOUT_CHECK_US (200 * 1000)

static void
stdout_cb(void *arg)
{
	struct listen *l = arg;
	struct pollfd p = { STDOUT_FILENO, 0, 0 };

	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP))) {
		log_debug(1, "standard output was closed: stopping");
		l->e->msg[0] = '\0';
		stop(l, STOP_PIPE, EX_OK);
		return;
	}
	loop_timer_set(l->t_stdout, STDOUT_CHECK_US);
}

/* --- stops on time --- */

/* "Nothing new" and "the server is down" must not look alike to cron. */
static int
never_connected(struct listen *l, const char *what, double secs)
{
	if (l->up || (l->follow && follow_holder_up(l->follow)))
		return 0;
	err_set(l->e, EX_NET, "%s %g s without a connection to %s", what, secs, l->s->cfg.server);
	stop(l, STOP_FATAL, EX_NET);
	return 1;
}

static void
idle_cb(void *arg)
{
	struct listen *l = arg;
	int64_t limit = (int64_t)(l->idle * LOOP_US_PER_SEC);
	int64_t quiet = loop_now() - l->last_print;

	if (quiet < limit) {
		loop_timer_set(l->t_idle, limit - quiet);
		return;
	}
	log_debug(1, "nothing printed for %.1f s: stopping", l->idle);
	if (never_connected(l, "idle for", l->idle))
		return;
	if (l->count)
		err_set(l->e, EX_NO, "idle for %g s after %ld of %ld frames", l->idle, l->printed, l->count);
	stop(l, STOP_IDLE, l->count ? EX_NO : EX_OK);
}

static void
timeout_cb(void *arg)
{
	struct listen *l = arg;

	log_debug(1, "--timeout reached: stopping");
	if (never_connected(l, "timed out after", l->timeout))
		return;
	if (l->count)
		err_set(l->e, EX_NO, "timed out after %g s with %ld of %ld frames", l->timeout, l->printed, l->count);
	stop(l, STOP_TIMEOUT, l->count ? EX_NO : EX_OK);
}

static void
prune_cb(void *arg)
{
	struct listen *l = arg;

	holder_prune(l->holder, mailbox_now_ms() - l->keep_days * 86400 * 1000LL);
	loop_timer_set(l->t_prune, PRUNE_EVERY_US);
}

/* --- options --- */

static int
parse_filters(struct listen *l, const struct args *a, struct err *e)
{
	long from;
	int code;

	l->types = arg_all(a, "type", &l->ntypes);
	if (arg_get(a, "from")) {
		if ((code = session_user_id(l->s, arg_get(a, "from"), "--from", &from, e)))
			return code;
		snprintf(l->from_buf, sizeof l->from_buf, "%ld", from);
		l->from = l->from_buf;
	}
	if (arg_get(a, "count") && (code = parse_long(arg_get(a, "count"), 1, LONG_MAX, "--count", &l->count, e)))
		return code;
	if (arg_get(a, "idle") && (code = parse_secs(arg_get(a, "idle"), "--idle", &l->idle, e)))
		return code;
	if (arg_get(a, "timeout") && (code = parse_secs(arg_get(a, "timeout"), "--timeout", &l->timeout, e)))
		return code;
	if ((arg_get(a, "idle") && l->idle <= 0) || (arg_get(a, "timeout") && l->timeout <= 0))
		return err_set(e, EX_USAGE, "--idle and --timeout take a number of seconds above 0");
	l->heartbeats = arg_has(a, "heartbeats");
	l->tips = arg_has(a, "tips");
	return EX_OK;
}

static int
parse_options(struct listen *l, const struct args *a, struct err *e)
{
	struct ws_opts *wo = &l->ho.ws;
	long maxf;
	int code;

	if ((code = parse_filters(l, a, e)))
		return code;
	if ((code = parse_secs(arg_get(a, "heartbeat"), "--heartbeat", &wo->heartbeat, e)))
		return code;
	if ((code = parse_secs(arg_get(a, "backoff-max"), "--backoff-max", &wo->backoff_max, e)))
		return code;
	if (wo->backoff_max < 1)
		return err_set(e, EX_USAGE, "invalid --backoff-max '%s': at least 1 second", arg_get(a, "backoff-max"));
	if ((code = parse_long(arg_get(a, "max-frame"), 1, 1L << 30, "--max-frame", &maxf, e)))
		return code;
	/* --keep, else the profile's "keep_days", else 90 */
	if ((code = parse_long(arg_get(a, "keep"), 1, CRED_KEEP_MAX_DAYS, "--keep", &l->keep_days, e)))
		return code;
	if (!arg_has(a, "keep") && l->s && l->s->cfg.cred.keep_days)	/* l->s: not when checking */
		l->keep_days = l->s->cfg.cred.keep_days;
	l->consumer_name = arg_get(a, "consumer");
	if (!config_valid_profile(l->consumer_name))
		return err_set(e, EX_USAGE, "invalid consumer name '%s': use letters, digits, '.', '_' and '-'",
		    l->consumer_name);
	wo->max_frame = (size_t)maxf;
	wo->reconnect = !arg_has(a, "no-reconnect");
	l->dedupe = !arg_has(a, "no-dedupe");
	l->no_store = arg_has(a, "no-store");
	l->at_end = arg_has(a, "new");
	return EX_OK;
}

static int
listen_check(const struct args *a, struct err *e)
{
	struct listen l;

	memset(&l, 0, sizeof l);
	return parse_options(&l, a, e);
}

/* --- holder or follower --- */

static int
become_holder(struct listen *l)
{
	struct holder_handlers hh = { l, on_live, on_message, on_up, on_fatal, on_end, on_stored };

	lock_note(l->holder_lock, "connecting");
	l->ho.mb = l->no_store ? NULL : l->mb;
	/* What is stored already is pumped; what the writer stores from now on
	 * comes through on_stored. */
	if (l->ho.mb) {
		int64_t last;

		if (mailbox_last_seq(l->mb, &last, l->e) != EX_OK)
			return l->e->code;
		consumer_limit(l->consumer, last);
	}
	l->ho.self_id = l->self_id;
	l->ho.dedupe = l->dedupe;
	if ((l->holder = holder_new(l->lp, &l->ho, &hh, l->e)) == NULL)
		return l->e->code;
	if (l->ho.mb) {
		l->t_prune = loop_timer_new(l->lp, prune_cb, l);
		loop_timer_set(l->t_prune, 0);
	}
	log_debug(1, "holding the socket for %s", l->mb_path);
	holder_start(l->holder);
	return EX_OK;
}

static void
on_change(void *arg)
{
	pump(arg);
}

/* The holder went away: its lock is ours, and so is the socket. */
static void
on_lock(void *arg, struct lock *k)
{
	struct listen *l = arg;

	log_debug(1, "the holder is gone: taking over the socket");
	l->holder_lock = k;
	l->follow = (follow_free(l->follow), NULL);
	if (l->stop == RUNNING && become_holder(l) != EX_OK)
		stop(l, STOP_FATAL, l->e->code);
}

static void
on_follow_error(void *arg, const struct err *fe)
{
	struct listen *l = arg;

	err_set(l->e, EX_IO, "%s", fe->msg);
	stop(l, STOP_FATAL, EX_IO);
}

static int
account_paths(struct listen *l, struct err *e)
{
	char *acct, *consumer;

	if ((acct = config_account(&l->s->cfg, &l->self_id, e)) == NULL)
		return e->code;
	consumer = xasprintf(".consumer.%s", l->consumer_name);
	/* All three fail alike: only a missing HOME makes them fail. */
	l->mb_path = config_state_file(acct, ".db", e);
	l->holder_path = config_state_file(acct, ".holder", e);
	l->consumer_path = config_state_file(acct, consumer, e);
	free(consumer);
	free(acct);
	return l->consumer_path ? EX_OK : e->code;
}

/* The mailbox, the consumer, and the holder lock if it is free. */
static int
open_account(struct listen *l, struct err *e)
{
	struct consumer_opts co = { l->consumer_name, l->at_end, 0, sink, l, save_cursor };
	struct follow_handlers fh = { l, on_change, on_lock, on_follow_error };
	int r;

	if (account_paths(l, e) != EX_OK)
		return e->code;
	if ((r = lock_try(l->holder_path, &l->holder_lock, e)) < 0)
		return e->code;
	if (r == 1 && l->no_store)
		return become_holder(l);
	if (mailbox_open(l->mb_path, &l->mb, e) != EX_OK)
		return e->code;
	if (consumer_open(l->mb, l->consumer_path, &co, &l->consumer, e) != EX_OK)
		return e->code;
	if (r == 1)
		return become_holder(l);
	log_debug(1, "another process holds the socket (pid %ld): following %s",
	    lock_owner(l->holder_path), l->mb_path);
	l->follow = follow_new(l->lp, l->mb, l->holder_path, &fh);
	return EX_OK;
}

static char outbuf[1 << 16];

static int
start(struct listen *l, char *url, struct err *e)
{
	const struct globals *g = l->s->g;
	struct loop_opts lo = { url, g->cacert, g->connect_timeout };

	if ((l->lp = loop_new(&lo, e)) == NULL)
		return e->code;
	l->ho.ws.url = url;
	l->ho.ws.insecure = g->insecure;
	l->ho.api = l->no_offline ? NULL : &l->s->api;
	l->ho.auth_hint = l->s->auth_hint;
	l->t_idle = loop_timer_new(l->lp, idle_cb, l);
	l->t_timeout = loop_timer_new(l->lp, timeout_cb, l);
	l->t_stdout = loop_timer_new(l->lp, stdout_cb, l);
	l->t_pump = loop_timer_new(l->lp, next_turn, l);
	l->t_ack = loop_timer_new(l->lp, next_turn, l);
	loop_on_turn(l->lp, on_turn, l);
	if (open_account(l, e) != EX_OK)
		return e->code;
	/* Lines go out once per loop turn (on_turn), not once per frame. The
	 * buffer is ours: given NULL, glibc ignores the size and uses 4 KiB. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	loop_catch_signals(l->lp);
	l->last_print = loop_now();
	if (l->idle > 0)
		loop_timer_set(l->t_idle, (int64_t)(l->idle * LOOP_US_PER_SEC));
	if (l->timeout > 0)
		loop_timer_set(l->t_timeout, (int64_t)(l->timeout * LOOP_US_PER_SEC));
	loop_timer_set(l->t_stdout, STDOUT_CHECK_US);
	loop_timer_set(l->t_pump, 0);	/* what is already stored */
	return EX_OK;
}

static void
finish(struct listen *l)
{
	if (l->lp) {
		holder_free(l->holder);
		follow_free(l->follow);
		loop_timer_free(l->t_idle);
		loop_timer_free(l->t_timeout);
		loop_timer_free(l->t_stdout);
		loop_timer_free(l->t_pump);
		loop_timer_free(l->t_ack);
		loop_timer_free(l->t_prune);
		loop_free(l->lp);
	}
	consumer_close(l->consumer);
	mailbox_close(l->mb);
	lock_release(l->holder_lock);
	free(l->mb_path);
	free(l->holder_path);
	free(l->consumer_path);
}

/* Everything received is committed (or, when the disk failed, handed
 * over): before the last turn pumps, and after its ack. */
static void
settle(struct listen *l)
{
	struct err se = { 0, "" };

	if (l->holder)
		holder_settle(l->holder, &se);	/* a failure came through on_fatal */
}

static int
listen_run(struct session *s, const struct args *a, struct err *e)
{
	struct listen l;
	char *url;
	int code;

	memset(&l, 0, sizeof l);
	l.s = s;	/* first: --from @NAME asks the server */
	if ((code = parse_options(&l, a, e)) != EX_OK)
		return code;
	arg_warn_unknown(a, "type");
	l.e = e;
	l.no_offline = arg_has(a, "no-offline");
	url = url_ws(s->cfg.server, s->cfg.token);
	if ((code = start(&l, url, e)) == EX_OK) {
		loop_run(l.lp);
		settle(&l);
		on_turn(&l);
		if (ack_due(&l))
			ack(&l);
		settle(&l);
		code = l.code;
		if (l.stop == RUNNING && code == EX_OK)
			code = err_set(e, EX_NET, "the connection ended");
	}
	finish(&l);
	free(url);
	return code;
}

const struct command cmd_listen = {
	.name = "listen",
	.synopsis = "[--type TYPE]... [--from USER_ID] [--count N] [--idle SECS] [--timeout SECS] [--consumer NAME] [--new] [--keep DAYS] [--no-store] [--tips] [--heartbeat SECS] [--heartbeats] [--backoff-max SECS] [--no-reconnect] [--no-offline] [--no-dedupe] [--max-frame BYTES]",
	.summary = "stream incoming messages, one JSON line each",
	.description =
	    "Holds the WebSocket open and prints every incoming message as one compact JSON\n"
	    "line, byte for byte as received. Every message is first kept in the account's\n"
	    "mailbox (see MAILBOX in chatctl-listen(1)): a run prints what its consumer\n"
	    "(--consumer, default 'default') has not printed yet, then new messages as they\n"
	    "come, each once; --count leaves the rest for the next run. A second listen of\n"
	    "the same account follows the first one's mailbox instead of opening a second\n"
	    "socket, and takes the socket over when the first one ends. After each\n"
	    "(re)connection it asks the server for the messages that arrived while offline.\n"
	    "Heartbeats, the welcome frame and the connect tips are not messages: they are\n"
	    "printed only with --heartbeats, --type system and --tips. Frames that are not\n"
	    "JSON, binary frames and frames over --max-frame are reported on stderr and\n"
	    "skipped. A drop is followed by a reconnect (1 s doubling to --backoff-max,\n"
	    "+-25 %); a rejected token, a force_logout frame or a takeover seen by the\n"
	    "offline fetch ends it with exit 3; --idle or --timeout with no connection\n"
	    "accepted in the meantime exits 4. SIGINT and SIGTERM close the connection and\n"
	    "exit 0, as does a closed standard output.",
	.opts = listen_opts,
	.min_args = 0, .max_args = 0,
	.setup = SETUP_SESSION | SETUP_TOKEN | SETUP_COMPACT,
	.check = listen_check,
	.run = listen_run,
};
