/* cmd/listen.c: hold the WebSocket open and print every incoming message as
 * one JSON line, across drops, restarts and bad input, without losing or
 * duplicating a message and without fighting another login.
 *
 * The connection itself (reconnects, backoff, heartbeat, dead peers,
 * reassembly) is lib/ws.c; this file decides what a frame means: print it,
 * answer it, drop it as a duplicate, or stop. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "../lib/frame.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include "../lib/offline.h"
#include "../lib/seen.h"
#include "../lib/url.h"
#include "../lib/ws.h"

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
	{ "no-dedupe", 0, NULL, "keep duplicates (same id, type and actionType)", NULL, NULL },
	{ "max-frame", 0, "BYTES", "skip messages larger than BYTES", NULL, "16777216" },
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

/* The window is a number for seen_init() and text for the description. */
#define DEDUPE_WINDOW 8192
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)

enum stop_reason { RUNNING, STOP_COUNT, STOP_IDLE, STOP_TIMEOUT, STOP_SIGNAL, STOP_PIPE, STOP_FATAL };

struct listen {
	struct session *s;
	struct loop *lp;
	struct ws *ws;
	struct err *e;

	/* options */
	const char *const *types;
	int ntypes;
	const char *from;
	long count;
	double idle, timeout;
	int heartbeats, dedupe, reconnect;

	/* state */
	enum stop_reason stop;
	int code;
	long printed, printed_then;
	int64_t last_print;	/* updated once per loop turn, not per frame */
	struct seen seen;

	struct loop_timer *t_idle, *t_timeout, *t_stdout;
	struct offline *offline;	/* NULL with --no-offline */
};

static void
stop(struct listen *l, enum stop_reason why, int code)
{
	if (l->stop != RUNNING)
		return;
	l->stop = why;
	l->code = code;
	ws_stop(l->ws, WS_CLOSE_NORMAL);
}

static int
wanted(struct listen *l, const struct frame_info *fi, enum frame_kind kind)
{
	int i;

	if (l->ntypes) {
		for (i = 0; i < l->ntypes; i++)
			if (strcmp(l->types[i], fi->type) == 0 || strcmp(l->types[i], fi->dtype) == 0)
				break;
		if (i == l->ntypes)
			return 0;
	} else if (kind == FRAME_WELCOME) {
		/* The welcome marks a (re)connection, not a message. */
		return 0;
	}
	if (l->from && strcmp(l->from, fi->from) != 0)
		return 0;
	return 1;
}

static void
print_frame(struct listen *l, const char *text, size_t len, const struct frame_info *fi)
{
	struct err je = { 0, "" };

	if (l->s->out.jq) {
		jv v = jv_parse_sized(text, (int)len);

		if (output_emit(&l->s->out, v, &je) != EX_OK) {
			log_warn("%s; frame skipped", je.msg);
			return;
		}
		if (l->s->out.results == 0)
			return;
	} else if (fi->newline) {
		/* A raw newline would split the line: re-encode this one. */
		json_print_line(stdout, jv_parse_sized(text, (int)len));
	} else {
		fwrite_unlocked(text, 1, len, stdout);
		putc_unlocked('\n', stdout);
	}
	l->printed++;
	if (l->count && l->printed >= l->count)
		stop(l, STOP_COUNT, EX_OK);
}

/* A frame that ends the run: the server said no, or another login won. */
static void
fatal_frame(struct listen *l, const struct frame_info *fi, enum frame_kind kind)
{
	if (kind == FRAME_REJECTION)
		/* The real server accepts the upgrade, then says no like this. */
		err_set(l->e, EX_AUTH, "the server refused the connection: %s; log in again with 'chatctl login'",
		    fi->text[0] ? fi->text : "no reason given");
	else
		err_set(l->e, EX_AUTH, "session taken over by another login: %s",
		    fi->text[0] ? fi->text : "force_logout");
	stop(l, STOP_FATAL, EX_AUTH);
}

static void
on_message(void *arg, const char *text, size_t len, int binary)
{
	struct listen *l = arg;
	struct frame_info fi;
	enum frame_kind kind;
	char pv[100];

	if (l->stop != RUNNING)
		return;
	if (binary) {
		log_warn("skipped a binary frame of %zu bytes", len);
		return;
	}
	if (frame_scan(text, len, &fi) != 0) {
		log_warn("skipped a frame that is not JSON: %s", log_preview(text, len, pv, sizeof pv));
		return;
	}
	switch ((kind = frame_classify(&fi, 0))) {
	case FRAME_REJECTION:
	case FRAME_FORCE_LOGOUT:
		fatal_frame(l, &fi, kind);
		return;
	case FRAME_PING:
		ws_send(l->ws, FRAME_PONG_TEXT, sizeof FRAME_PONG_TEXT - 1);
		/* fall through */
	case FRAME_PONG:
		if (!l->heartbeats)
			return;
		break;
	case FRAME_WELCOME:
		/* Only now is the socket registered with the server: an offline
		 * fetch before this would leave the messages queued. */
		log_debug(1, "accepted: %s", fi.text);
		if (l->offline)
			offline_request(l->offline);
		break;
	default:
		break;
	}
	if (!wanted(l, &fi, kind))
		return;
	if (l->dedupe && fi.id[0] && seen_add(&l->seen, frame_key(&fi))) {
		log_debug(1, "dropped a duplicate of message %s", fi.id);
		return;
	}
	print_frame(l, text, len, &fi);
}

static void
on_skip(void *arg, size_t len)
{
	(void)arg;
	log_warn("skipped a frame of %zu bytes (over --max-frame)", len);
}

static int
on_close(void *arg, int code, const char *why, int final)
{
	struct listen *l = arg;

	log_debug(1, "closed with code %d", code);
	if (l->stop != RUNNING)
		return 0;
	if (!l->reconnect || final) {
		err_set(l->e, EX_NET, "%s", why);
		l->stop = STOP_FATAL;
		l->code = EX_NET;
		return 0;
	}
	return 1;
}

static void
on_end(void *arg)
{
	struct listen *l = arg;

	loop_quit(l->lp);
}

static void
on_turn(void *arg)
{
	struct listen *l = arg;

	if (l->printed != l->printed_then) {
		l->printed_then = l->printed;
		l->last_print = loop_now();
	}
	if (loop_signal() && l->stop == RUNNING) {
		log_debug(1, "caught signal %d: closing", loop_signal());
		stop(l, STOP_SIGNAL, EX_OK);
	}
	/* Never hold a line back while the loop waits for the network. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE) {
			l->e->msg[0] = '\0';
			stop(l, STOP_PIPE, EX_OK);
		} else if (l->stop == RUNNING || l->stop == STOP_COUNT) {
			/* A lost line outranks having reached --count. */
			err_set(l->e, EX_IO, "cannot write to standard output: %s", strerror(errno));
			l->stop = STOP_FATAL;
			l->code = EX_IO;
			ws_stop(l->ws, WS_CLOSE_NORMAL);
		}
		clearerr(stdout);
	}
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

/* The latest server's only takeover signal (api §4.3): reconnecting
 * would only kick the other login, forever. */
static void
on_denied(void *arg, const struct err *fe)
{
	struct listen *l = arg;

	err_set(l->e, EX_AUTH, "token rejected while fetching offline messages (another login "
	    "took this session over, or it was logged out): %s", fe->msg);
	stop(l, STOP_FATAL, EX_AUTH);
}

/* --- stops on time --- */

static void
idle_cb(void *arg)
{
	struct listen *l = arg;
	int64_t limit = (int64_t)(l->idle * LOOP_US_PER_SEC);
	int64_t quiet = loop_now() - l->last_print;

	if (quiet >= limit) {
		log_debug(1, "nothing printed for %.1f s: stopping", l->idle);
		if (l->count)
			err_set(l->e, EX_NO, "idle for %g s after %ld of %ld frames", l->idle, l->printed, l->count);
		stop(l, STOP_IDLE, l->count ? EX_NO : EX_OK);
		return;
	}
	loop_timer_set(l->t_idle, limit - quiet);
}

static void
timeout_cb(void *arg)
{
	struct listen *l = arg;

	log_debug(1, "--timeout reached: stopping");
	if (l->count)
		err_set(l->e, EX_NO, "timed out after %g s with %ld of %ld frames", l->timeout, l->printed, l->count);
	stop(l, STOP_TIMEOUT, l->count ? EX_NO : EX_OK);
}

static int
parse_options(struct listen *l, const struct args *a, struct ws_opts *wo, struct err *e)
{
	long maxf;
	int code;

	l->types = arg_all(a, "type", &l->ntypes);
	l->from = arg_get(a, "from");
	if (l->from && l->from[0] == '\0')
		return err_set(e, EX_USAGE, "empty --from");
	if (arg_get(a, "count") && (code = parse_long(arg_get(a, "count"), 1, LONG_MAX, "--count", &l->count, e)))
		return code;
	if (arg_get(a, "idle") && (code = parse_secs(arg_get(a, "idle"), "--idle", &l->idle, e)))
		return code;
	if (arg_get(a, "timeout") && (code = parse_secs(arg_get(a, "timeout"), "--timeout", &l->timeout, e)))
		return code;
	if ((code = parse_secs(arg_get(a, "heartbeat"), "--heartbeat", &wo->heartbeat, e)))
		return code;
	if ((code = parse_secs(arg_get(a, "backoff-max"), "--backoff-max", &wo->backoff_max, e)))
		return code;
	if (wo->backoff_max < 1)
		return err_set(e, EX_USAGE, "invalid --backoff-max '%s': at least 1 second", arg_get(a, "backoff-max"));
	if ((code = parse_long(arg_get(a, "max-frame"), 1, 1L << 30, "--max-frame", &maxf, e)))
		return code;
	if ((arg_get(a, "idle") && l->idle <= 0) || (arg_get(a, "timeout") && l->timeout <= 0))
		return err_set(e, EX_USAGE, "--idle and --timeout take a number of seconds above 0");
	wo->max_frame = (size_t)maxf;
	wo->heartbeat_text = FRAME_PING_TEXT;
	l->heartbeats = arg_has(a, "heartbeats");
	l->dedupe = !arg_has(a, "no-dedupe");
	l->reconnect = !arg_has(a, "no-reconnect");
	wo->reconnect = l->reconnect;
	return EX_OK;
}

/* The loop, its timers and the link; NULL with *e set on failure. */
static struct ws *
connect_link(struct listen *l, const struct globals *g, const struct args *a, struct ws_opts *wo,
    const char *url, struct err *e)
{
	struct loop_opts lo = { url, g->cacert, g->connect_timeout };
	struct ws_handlers wh = { l, NULL, on_message, on_skip, on_close, on_end };

	if ((l->lp = loop_new(&lo, e)) == NULL)
		return NULL;
	if (!arg_has(a, "no-offline"))
		l->offline = offline_new(l->lp, &l->s->api, on_denied, l);
	l->t_idle = loop_timer_new(l->lp, idle_cb, l);
	l->t_timeout = loop_timer_new(l->lp, timeout_cb, l);
	l->t_stdout = loop_timer_new(l->lp, stdout_cb, l);
	loop_on_turn(l->lp, on_turn, l);
	wo->url = url;
	wo->insecure = g->insecure;
	return ws_new(l->lp, wo, &wh, e);
}

static int
listen_check(const struct args *a, struct err *e)
{
	struct listen l;
	struct ws_opts wo;

	memset(&l, 0, sizeof l);
	memset(&wo, 0, sizeof wo);
	return parse_options(&l, a, &wo, e);
}

static int
listen_run(struct session *s, const struct args *a, struct err *e)
{
	const struct globals *g = s->g;
	struct listen l;
	struct ws_opts wo;
	char *url = NULL;
	int code;

	memset(&l, 0, sizeof l);
	memset(&wo, 0, sizeof wo);
	if ((code = parse_options(&l, a, &wo, e)) != EX_OK)
		return code;
	l.s = s;
	l.e = e;
	url = url_ws(s->cfg.server, s->cfg.token);
	if ((l.ws = connect_link(&l, g, a, &wo, url, e)) == NULL) {
		code = e->code;
		goto out;
	}
	seen_init(&l.seen, DEDUPE_WINDOW);
	/* Lines go out once per loop turn (on_turn), not once per frame. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	loop_catch_signals(l.lp);

	l.last_print = loop_now();
	if (l.idle > 0)
		loop_timer_set(l.t_idle, (int64_t)(l.idle * LOOP_US_PER_SEC));
	if (l.timeout > 0)
		loop_timer_set(l.t_timeout, (int64_t)(l.timeout * LOOP_US_PER_SEC));
	loop_timer_set(l.t_stdout, STDOUT_CHECK_US);
	ws_start(l.ws);
	loop_run(l.lp);
	on_turn(&l);

	code = l.code;
	if (l.stop == RUNNING && code == EX_OK)
		code = err_set(e, EX_NET, "the connection ended");
out:
	if (l.lp) {
		ws_free(l.ws);
		offline_free(l.offline);
		loop_timer_free(l.t_idle);
		loop_timer_free(l.t_timeout);
		loop_timer_free(l.t_stdout);
		loop_free(l.lp);
	}
	seen_release(&l.seen);
	free(url);
	return code;
}

const struct command cmd_listen = {
	.name = "listen",
	.synopsis = "[--type TYPE]... [--from USER_ID] [--count N] [--idle SECS] [--timeout SECS] [--heartbeat SECS] [--heartbeats] [--backoff-max SECS] [--no-reconnect] [--no-offline] [--no-dedupe] [--max-frame BYTES]",
	.summary = "stream incoming messages, one JSON line each",
	.description =
	    "Holds the WebSocket open and prints every incoming frame as one compact JSON\n"
	    "line, byte for byte as received. After each (re)connection it asks the server for\n"
	    "the messages that arrived while offline. Heartbeats are answered, not printed; the\n"
	    "welcome frame ({\"type\":\"system\"}) is printed only with --type system. Frames\n"
	    "that are not JSON, binary frames and frames over --max-frame are reported on\n"
	    "stderr and skipped. A drop is followed by a reconnect (1 s doubling to\n"
	    "--backoff-max, +-25 %); a rejected token, a force_logout frame or a takeover seen\n"
	    "by the offline fetch ends it with exit 3. Duplicates (same id, type and\n"
	    "actionType) are dropped over at least the last " TEXT(DEDUPE_WINDOW) " messages. SIGINT and SIGTERM close\n"
	    "the connection and exit 0, as does a closed standard output.",
	.opts = listen_opts,
	.min_args = 0, .max_args = 0,
	.setup = SETUP_SESSION | SETUP_TOKEN | SETUP_COMPACT,
	.check = listen_check,
	.run = listen_run,
};
