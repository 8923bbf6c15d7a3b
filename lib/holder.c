#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "holder.h"
#include "log.h"
#include "offline.h"
#include "seen.h"
#include "writer.h"
#include "xalloc.h"

/* lws drops every data frame that arrives once we have sent our close
 * frame, and the server forgets what it pushed: so a holder told to stop
 * first keeps reading until the link has been quiet this long and no
 * offline fetch is under way, for at most DRAIN_MAX_US, then closes. */
#define DRAIN_QUIET_US (50 * 1000)
#define DRAIN_MAX_US (2 * 1000 * 1000)

/* Without a mailbox, duplicates are dropped over at least this many keys. */
#define HOLDER_DEDUPE_WINDOW 8192

struct holder {
	struct loop *lp;
	struct holder_opts o;
	struct holder_handlers h;
	struct ws *ws;
	struct offline *offline;
	struct seen seen;
	struct writer *w;	/* the mailbox's, when o.mb */
	int stopping, failed;
	int up;			/* a link is open */
	int64_t last_rx;	/* loop_now() of the last frame */
	int64_t drain_end;
	struct loop_timer *t_drain;
	int unstored;		/* the mailbox failed: hand messages over as they come */
};

static void fatal(struct holder *h, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The run is over: tell the owner once, and close the link. */
static void
fatal(struct holder *h, int code, const char *fmt, ...)
{
	struct err e = { 0, "" };
	va_list ap;

	/* A message that could not be stored is news even after another end. */
	if (h->failed && code != EX_IO)
		return;
	h->failed = 1;
	va_start(ap, fmt);
	err_vset(&e, code, fmt, ap);
	va_end(ap);
	h->h.on_fatal(h->h.arg, &e);
	if (code == EX_IO)
		holder_stop(h);		/* what is in flight still gets printed */
	else {
		h->stopping = 1;	/* refused: nothing more will come */
		ws_stop(h->ws, WS_CLOSE_NORMAL);
	}
}

/* The mailbox's columns, from what the scan found. */
static void
to_msg(const char *text, size_t len, const struct frame_info *fi, struct mailbox_msg *m)
{
	long from = strtol(fi->from, NULL, 10), to = strtol(fi->to, NULL, 10);

	memset(m, 0, sizeof *m);
	m->frame = text;
	m->len = len;
	m->id = fi->id;
	m->type = fi->type;
	m->action = fi->action;
	m->dtype = fi->dtype;
	if (strcmp(fi->chat, "group") == 0)
		m->group = to;
	else
		m->peer = from;
	m->time_ms = fi->ctime[0] ? strtoll(fi->ctime, NULL, 10) : 0;
	if (m->time_ms < 0)
		m->time_ms = 0;
	m->checked = 1;		/* on_text scanned it */
	m->newline = fi->newline;
}

/* Into the writer's next job (lib/writer.h). */
static void
store(struct holder *h, const char *text, size_t len, const struct frame_info *fi)
{
	struct mailbox_msg m;

	to_msg(text, len, fi, &m);
	writer_put(h->w, &m);
}

static void
on_text(struct holder *h, const char *text, size_t len)
{
	struct frame_info fi;
	enum frame_kind kind;
	char pv[100], said[1024];

	if (frame_scan(text, len, &fi) != 0) {
		const char *why;
		size_t at;

		frame_check(text, len, NULL, &at, &why);
		log_warn("skipped a frame that is not JSON (%s at byte %zu): %s", why, at,
		    log_preview(text, len, pv, sizeof pv));
		return;
	}
	switch ((kind = frame_classify(&fi, h->o.self_id))) {
	case FRAME_REJECTION:
		/* The real server accepts the upgrade, then says no like this. */
		fatal(h, EX_AUTH, "the server refused the connection: %s%s%s",
		    fi.text[0] ? api_gloss(fi.text, said, sizeof said) : "no reason given",
		    h->o.auth_hint ? "; " : "", h->o.auth_hint ? h->o.auth_hint : "");
		return;
	case FRAME_FORCE_LOGOUT:
		fatal(h, EX_AUTH, "session taken over by another login: %s",
		    fi.text[0] ? api_gloss(fi.text, said, sizeof said) : "force_logout");
		return;
	case FRAME_PING:
		ws_send(h->ws, FRAME_PONG_TEXT, sizeof FRAME_PONG_TEXT - 1);
		break;
	case FRAME_WELCOME:
		/* Only now is the socket registered with the server: an offline
		 * fetch before this would leave the messages queued. */
		log_debug(1, "accepted: %s", fi.text);
		if (h->offline && !h->stopping)
			offline_request(h->offline);
		if (h->h.on_up)
			h->h.on_up(h->h.arg);
		break;
	case FRAME_MESSAGE:
		if (h->o.mb && !h->unstored)
			store(h, text, len, &fi);
		else if (!h->o.dedupe || !fi.id[0] || !seen_add(&h->seen, frame_key(&fi)))
			h->h.on_message(h->h.arg, text, len, &fi);
		else
			log_debug(1, "dropped a duplicate of message %s", fi.id);
		return;
	default:
		break;
	}
	h->h.on_live(h->h.arg, text, len, &fi, kind);
}

static void
on_open(void *arg)
{
	struct holder *h = arg;

	h->up = 1;
}

static void
on_message(void *arg, const char *text, size_t len, int binary)
{
	struct holder *h = arg;

	h->last_rx = loop_now();
	if (binary) {
		log_warn("skipped a binary frame of %zu bytes", len);
		return;
	}
	on_text(h, text, len);
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
	struct holder *h = arg;

	log_debug(1, "closed with code %d", code);
	h->up = 0;
	if (h->stopping || h->failed)
		return 0;
	if (!h->o.ws.reconnect || final) {
		fatal(h, final ? final : EX_NET, "%s", why);
		return 0;
	}
	return 1;
}

static void
on_end(void *arg)
{
	struct holder *h = arg;

	h->h.on_end(h->h.arg);
}

/* The latest server's only takeover signal (api §4.3): reconnecting
 * would only kick the other login, forever. */
static void
on_denied(void *arg, const struct err *fe)
{
	fatal(arg, EX_AUTH, "token rejected while fetching offline messages (another login "
	    "took this session over, or it was logged out): %s", fe->msg);
}

static void
drain_cb(void *arg)
{
	struct holder *h = arg;
	int64_t now = loop_now();

	if (h->up && now < h->drain_end &&
	    (now - h->last_rx < DRAIN_QUIET_US || (h->offline && offline_busy(h->offline)))) {
		loop_timer_set(h->t_drain, DRAIN_QUIET_US);
		return;
	}
	log_debug(1, "closing the link");
	ws_stop(h->ws, WS_CLOSE_NORMAL);
}

/* From the writer's thread: a job is done, let a turn take its news. */
static void
wake(void *arg)
{
	struct holder *h = arg;

	loop_wake(h->lp);
}

struct holder *
holder_new(struct loop *lp, const struct holder_opts *o, const struct holder_handlers *hh, struct err *e)
{
	struct holder *h = xcalloc(1, sizeof *h);
	struct ws_handlers wh = { h, on_open, on_message, on_skip, on_close, on_end };

	h->lp = lp;
	h->o = *o;
	h->h = *hh;
	h->o.ws.heartbeat_text = FRAME_PING_TEXT;
	seen_init(&h->seen, HOLDER_DEDUPE_WINDOW);	/* also for after a mailbox failure */
	if (o->api)
		h->offline = offline_new(lp, o->api, on_denied, h);
	h->t_drain = loop_timer_new(lp, drain_cb, h);
	if (o->mb && (h->w = writer_start(mailbox_path(o->mb), 0, wake, h, e)) == NULL) {
		holder_free(h);
		return NULL;
	}
	if ((h->ws = ws_new(lp, &h->o.ws, &wh, e)) == NULL) {
		holder_free(h);
		return NULL;
	}
	return h;
}

void
holder_start(struct holder *h)
{
	ws_start(h->ws);
}

/* A finished job's news. A failed one hands its messages over, in order
 * and before the news that ends the run; so does everything received
 * since, as it comes. */
static int
settled(struct holder *h, const struct writer_result *r, struct err *e)
{
	size_t i, len;
	const char *text;

	if (!r->done)
		return EX_OK;
	if (r->prune_err.code)
		log_warn("%s", r->prune_err.msg);
	else if (r->pruned)
		log_debug(1, "deleted %ld messages older than the --keep days", r->pruned);
	if (r->duplicates)
		log_debug(1, "dropped %ld duplicate messages", r->duplicates);
	if (r->code == EX_OK) {
		const struct mailbox_row *rows;

		if (h->h.on_stored && (len = writer_rows(h->w, &rows)) > 0)
			h->h.on_stored(h->h.arg, rows, len);
		return EX_OK;
	}
	h->unstored = 1;
	for (i = 0; i < r->nframes; i++) {
		struct frame_info fi;

		text = writer_frame(h->w, i, &len);
		if (frame_scan(text, len, &fi) == 0)
			h->h.on_message(h->h.arg, text, len, &fi);
	}
	err_set(e, EX_IO, "cannot store messages: %s", r->err.msg);
	fatal(h, EX_IO, "%s", e->msg);
	return EX_IO;
}

int
holder_commit(struct holder *h, struct err *e)
{
	struct writer_result r;

	if (h->w == NULL || h->unstored)
		return EX_OK;
	writer_submit(h->w, &r);
	return settled(h, &r, e);
}

int
holder_settle(struct holder *h, struct err *e)
{
	struct writer_result r;
	int code = EX_OK;

	if (h->w == NULL)
		return EX_OK;
	while (!h->unstored) {
		writer_wait(h->w, &r);
		if (settled(h, &r, e) != EX_OK)
			code = EX_IO;
		if (!r.done)
			break;
	}
	return code;
}

void
holder_cursor(struct holder *h, const char *name, int64_t seq)
{
	if (h->w && !h->unstored)
		writer_cursor(h->w, name, seq);
}

void
holder_prune(struct holder *h, int64_t before_ms)
{
	if (h->w && !h->unstored)
		writer_prune(h->w, before_ms);
}

void
holder_stop(struct holder *h)
{
	if (h->stopping)
		return;
	h->stopping = 1;
	if (!h->up) {
		ws_stop(h->ws, WS_CLOSE_NORMAL);
		return;
	}
	h->drain_end = loop_now() + DRAIN_MAX_US;
	loop_timer_set(h->t_drain, DRAIN_QUIET_US);
}

void
holder_free(struct holder *h)
{
	if (h == NULL)
		return;
	writer_stop(h->w);
	ws_free(h->ws);
	offline_free(h->offline);
	loop_timer_free(h->t_drain);
	seen_release(&h->seen);
	free(h);
}
