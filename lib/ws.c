#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "log.h"
#include "loop_lws.h"
#include "ws.h"
#include "xalloc.h"

#define OUTQ 16
#define STABLE_SECS 10

struct ws {
	struct ws_opts o;
	struct ws_handlers h;
	struct loop *lp;
	struct lws_context *ctx;	/* the loop's */
	struct loop_lws_user user;	/* how the loop's callback finds us */
	struct lws *wsi;
	char *urlbuf;		/* lws_parse_uri cuts it in pieces */
	char *path;
	const char *host;
	int port, ssl;
	char shown[512];	/* the URL with the token redacted */

	lws_sorted_usec_list_t sul_connect, sul_heartbeat, sul_watchdog,
		sul_stable, sul_closing, sul_handshake;
	struct backoff backoff;	/* reset once a link has stayed up */
	int live;		/* a connection attempt or link exists */
	int ever_up;
	int up;			/* established and not yet closed */
	int stopping, stop_code, ended;
	int rx_seen;		/* anything arrived since the last watchdog tick */
	int quiet_ticks;

	struct buf msg;		/* a message being reassembled */
	size_t msg_size;
	int msg_binary, skipping;

	char *outq[OUTQ];
	size_t outlen[OUTQ];
	int out_head, out_n;

	int close_code;
	char close_reason[128];
	int final;		/* EX_* when this failure ends the link */
	char tls_why[128];	/* why the server's certificate failed */
};

static void connect_cb(lws_sorted_usec_list_t *sul);

static void
outq_clear(struct ws *w)
{
	while (w->out_n > 0) {
		free(w->outq[w->out_head]);
		w->out_head = (w->out_head + 1) % OUTQ;
		w->out_n--;
	}
}

static void
cancel_link_timers(struct ws *w)
{
	lws_sul_cancel(&w->sul_heartbeat);
	lws_sul_cancel(&w->sul_watchdog);
	lws_sul_cancel(&w->sul_stable);
	lws_sul_cancel(&w->sul_handshake);
}

/* No reconnect follows: tell the owner, once. */
static void
end(struct ws *w)
{
	if (w->ended)
		return;
	w->ended = 1;
	if (w->h.on_end)
		w->h.on_end(w->h.arg);
}

/* The link is gone (or never came): ask the handler, then reconnect. */
static void
link_down(struct ws *w, int code, const char *why)
{
	double delay;

	if (!w->live)
		return;		/* already reported for this attempt */
	w->live = 0;
	w->wsi = NULL;
	w->up = 0;
	cancel_link_timers(w);
	outq_clear(w);
	buf_reset(&w->msg);
	w->skipping = 0;
	if (w->stopping) {
		end(w);
		return;
	}
	if (!w->h.on_close(w->h.arg, code, why, w->final) || !w->o.reconnect || w->final) {
		end(w);
		return;
	}
	delay = backoff_next(&w->backoff);
	log_warn("%s; reconnecting in %.1f s", why, delay);
	lws_sul_schedule(w->ctx, 0, &w->sul_connect, connect_cb, (lws_usec_t)(delay * LWS_US_PER_SEC));
}

static void
stable_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *w = lws_container_of(sul, struct ws, sul_stable);

	backoff_reset(&w->backoff);
}

static void
heartbeat_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *w = lws_container_of(sul, struct ws, sul_heartbeat);

	if (!w->up)
		return;
	ws_send(w, w->o.heartbeat_text, strlen(w->o.heartbeat_text));
	lws_sul_schedule(w->ctx, 0, &w->sul_heartbeat, heartbeat_cb,
	    (lws_usec_t)(w->o.heartbeat * LWS_US_PER_SEC));
}

/* Nothing at all for twice the heartbeat, not even the answer to our own
 * ping: the peer or the path to it is dead, whatever TCP believes. The
 * watchdog ticks every half heartbeat and counts quiet ticks, so that a
 * frame costs a flag, not a clock read: dead after 4 quiet ticks, that is
 * between 2 and 2.5 heartbeats of silence. */
#define QUIET_TICKS 4

static void
watchdog_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *w = lws_container_of(sul, struct ws, sul_watchdog);

	if (!w->up)
		return;
	if (w->rx_seen) {
		w->rx_seen = 0;
		w->quiet_ticks = 0;
	} else if (++w->quiet_ticks >= QUIET_TICKS) {
		ws_hangup(w, "no traffic for twice the heartbeat: the link is dead");
		return;
	}
	lws_sul_schedule(w->ctx, 0, &w->sul_watchdog, watchdog_cb,
	    (lws_usec_t)(w->o.heartbeat / 2 * LWS_US_PER_SEC));
}

static void
closing_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *w = lws_container_of(sul, struct ws, sul_closing);

	/* The peer did not finish the closing handshake in time. */
	end(w);
}

static void
on_rx(struct ws *w, struct lws *wsi, const char *in, size_t len)
{
	int first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);

	w->rx_seen = 1;
	if (first && final && w->msg.len == 0 && !w->skipping) {
		/* The common case: a whole message in one piece, no copy. */
		if (len > w->o.max_frame)
			w->h.on_skip(w->h.arg, len);
		else
			w->h.on_message(w->h.arg, in, len, lws_frame_is_binary(wsi));
		return;
	}
	if (first) {
		buf_reset(&w->msg);
		w->msg_size = 0;
		w->skipping = 0;
		w->msg_binary = lws_frame_is_binary(wsi);
	}
	w->msg_size += len;
	if (!w->skipping && w->msg_size > w->o.max_frame) {
		/* Stop collecting; let the rest of it go by. */
		w->skipping = 1;
		buf_release(&w->msg);
	}
	if (!w->skipping)
		buf_add(&w->msg, in, len);
	if (final) {
		if (w->skipping)
			w->h.on_skip(w->h.arg, w->msg_size);
		else
			w->h.on_message(w->h.arg, w->msg.buf ? w->msg.buf : "", w->msg.len, w->msg_binary);
		buf_reset(&w->msg);
		w->skipping = 0;
		w->msg_size = 0;
	}
}

static void
on_connect_error(struct ws *w, struct lws *wsi, const char *in)
{
	unsigned status = wsi ? lws_http_client_http_response(wsi) : 0;
	char why[1200];

	snprintf(why, sizeof why, "cannot connect to %s: %s", w->shown,
	    in ? in : "connection failed");
	if (status >= 400 && status < 500 && status != 408 && status != 429) {
		/* The real server answers 404 to an upgrade on any path but
		 * /ws: the URL is wrong, and stays wrong however often we ask. */
		w->final = EX_PROTO;
		snprintf(why, sizeof why, "the server answered the WebSocket upgrade of %s with "
		    "HTTP %u%s", w->shown, status,
		    status == 404 ? ": no WebSocket there (check the server URL)" : "");
	} else if (!w->ever_up && (w->tls_why[0] || loop_tls_failure(why))) {
		/* A certificate problem does not heal by retrying. */
		w->final = EX_NET;
		snprintf(why, sizeof why, "TLS failure connecting to %s: %s (use --cacert FILE "
		    "to trust its certificate, or --insecure)", w->shown,
		    w->tls_why[0] ? w->tls_why : in ? in : "handshake failed");
	}
	link_down(w, WS_CLOSE_ABNORMAL, why);
}

static void
on_established(struct ws *w)
{
	lws_sul_cancel(&w->sul_handshake);
	w->up = 1;
	w->ever_up = 1;
	w->close_code = 0;
	w->close_reason[0] = '\0';
	w->rx_seen = 0;
	w->quiet_ticks = 0;
	log_debug(1, "connected to %s", w->shown);
	lws_sul_schedule(w->ctx, 0, &w->sul_stable, stable_cb, STABLE_SECS * LWS_US_PER_SEC);
	if (w->o.heartbeat > 0) {
		lws_sul_schedule(w->ctx, 0, &w->sul_heartbeat, heartbeat_cb,
		    (lws_usec_t)(w->o.heartbeat * LWS_US_PER_SEC));
		lws_sul_schedule(w->ctx, 0, &w->sul_watchdog, watchdog_cb,
		    (lws_usec_t)(w->o.heartbeat / 2 * LWS_US_PER_SEC));
	}
	if (w->h.on_open)
		w->h.on_open(w->h.arg);
}

/* Send the oldest queued frame; -1 closes the link. */
static int
on_writeable(struct ws *w, struct lws *wsi)
{
	size_t n;
	unsigned char *p;

	if (w->stopping) {
		lws_close_reason(wsi, (enum lws_close_status)w->stop_code, NULL, 0);
		return -1;
	}
	if (w->out_n == 0)
		return 0;
	n = w->outlen[w->out_head];
	p = xmalloc(LWS_PRE + n);
	memcpy(p + LWS_PRE, w->outq[w->out_head], n);
	if (lws_write(wsi, p + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n) {
		free(p);
		return -1;
	}
	free(p);
	free(w->outq[w->out_head]);
	w->out_head = (w->out_head + 1) % OUTQ;
	w->out_n--;
	if (w->out_n > 0)
		lws_callback_on_writable(wsi);
	return 0;
}

static void
on_peer_close(struct ws *w, const unsigned char *in, size_t len)
{
	if (len < 2) {
		w->close_code = WS_CLOSE_NO_STATUS;
		return;
	}
	w->close_code = (in[0] << 8) | in[1];
	snprintf(w->close_reason, sizeof w->close_reason, "%.*s",
	    (int)(len - 2 < 100 ? len - 2 : 100), (const char *)in + 2);
}

static void
on_closed(struct ws *w)
{
	char why[1200];

	if (w->close_code == 0)
		w->close_code = WS_CLOSE_ABNORMAL;
	if (w->close_code == WS_CLOSE_ABNORMAL)
		snprintf(why, sizeof why, "connection to %s lost (no close frame)", w->shown);
	else if (w->close_code == WS_CLOSE_NO_STATUS)
		snprintf(why, sizeof why, "server closed the connection without a status");
	else
		snprintf(why, sizeof why, "server closed the connection (code %d%s%s)",
		    w->close_code, w->close_reason[0] ? ": " : "", w->close_reason);
	link_down(w, w->close_code, why);
}

static int
callback(void *owner, struct lws *wsi, enum lws_callback_reasons reason, void *in, size_t len)
{
	struct ws *w = owner;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		on_connect_error(w, wsi, in);
		break;
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		loop_tls_verdict(in, len, w->tls_why, sizeof w->tls_why);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		on_established(w);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		on_rx(w, wsi, in, len);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		w->rx_seen = 1;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(w, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		on_peer_close(w, in, len);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		on_closed(w);
		break;
	default:
		break;
	}
	return 0;
}

/* lws bounds the TCP connect, not a server that accepts and then never
 * answers the upgrade: --connect-timeout covers the whole handshake. */
static void
handshake_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *w = lws_container_of(sul, struct ws, sul_handshake);
	char why[600];

	if (w->up || w->wsi == NULL)
		return;
	/* Not KILL_ASYNC: lws re-arms its own timeout for a client waiting
	 * for the upgrade's answer, and the async kill never comes. A sul
	 * callback is outside any wsi's callback, where a sync close is safe;
	 * lws calls no handler for a link it never established, so the drop
	 * is reported here. */
	lws_set_opaque_user_data(w->wsi, NULL);
	lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
	snprintf(why, sizeof why, "cannot connect to %s: no answer to the upgrade within %g s",
	    w->shown, loop_connect_timeout(w->lp));
	link_down(w, WS_CLOSE_ABNORMAL, why);
}

/* Why a connection could not even start. */
static const char *
early_failure(struct ws *w, char *why, size_t size)
{
	char what[300];

	loop_unreachable(w->host, what, sizeof what);
	snprintf(why, size, "cannot connect to %s: %s", w->shown, what);
	return why;
}

static void
connect_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *w = lws_container_of(sul, struct ws, sul_connect);
	struct lws_client_connect_info i;
	char why[1200];

	loop_client_info(w->lp, &i, w->host, w->port, w->path, w->ssl, w->o.insecure, &w->user, &w->wsi);
	log_debug(1, "connecting to %s", w->shown);
	w->close_code = 0;
	w->tls_why[0] = '\0';
	w->live = 1;
	/* On an early failure lws may or may not have called us with
	 * CONNECTION_ERROR already; link_down() reports once either way. */
	if (lws_client_connect_via_info(&i) == NULL)
		link_down(w, WS_CLOSE_ABNORMAL, early_failure(w, why, sizeof why));
	else
		lws_sul_schedule(w->ctx, 0, &w->sul_handshake, handshake_cb,
		    (lws_usec_t)(loop_connect_timeout(w->lp) * LWS_US_PER_SEC));
}

struct ws *
ws_new(struct loop *lp, const struct ws_opts *o, const struct ws_handlers *h, struct err *e)
{
	struct ws *w = xcalloc(1, sizeof *w);
	const char *prot = NULL, *path = NULL;

	w->o = *o;
	w->h = *h;
	w->lp = lp;
	w->ctx = loop_context(lp);
	w->user.cb = callback;
	w->user.owner = w;
	backoff_init(&w->backoff, 1, o->backoff_max, 0.25);
	log_redact_url(o->url, w->shown, sizeof w->shown);
	w->urlbuf = xstrdup(o->url);
	if (lws_parse_uri(w->urlbuf, &prot, &w->host, &w->port, &path) ||
	    (strcmp(prot, "ws") != 0 && strcmp(prot, "wss") != 0) || !*w->host) {
		err_set(e, EX_USAGE, "invalid WebSocket URL '%s'", w->shown);
		ws_free(w);
		return NULL;
	}
	w->ssl = strcmp(prot, "wss") == 0;
	w->path = xasprintf("/%s", path);
	if (loop_proxy(lp))
		/* Every message about this link says which road it took. */
		snprintf(w->shown + strlen(w->shown), sizeof w->shown - strlen(w->shown),
		    " (through the proxy %s)", loop_proxy(lp));
	return w;
}

void
ws_start(struct ws *w)
{
	lws_sul_schedule(w->ctx, 0, &w->sul_connect, connect_cb, 1);
}

void
ws_send(struct ws *w, const char *text, size_t len)
{
	int tail;

	if (!w->up || w->stopping)
		return;
	if (w->out_n == OUTQ) {
		log_debug(1, "send queue full: dropping a frame");
		return;
	}
	tail = (w->out_head + w->out_n) % OUTQ;
	w->outq[tail] = xstrndup(text, len);
	w->outlen[tail] = len;
	w->out_n++;
	lws_callback_on_writable(w->wsi);
}

void
ws_stop(struct ws *w, int code)
{
	if (w->stopping)
		return;
	w->stopping = 1;
	w->stop_code = code;
	lws_sul_cancel(&w->sul_connect);
	if (w->up && w->wsi) {
		lws_callback_on_writable(w->wsi);
		lws_sul_schedule(w->ctx, 0, &w->sul_closing, closing_cb, 2 * LWS_US_PER_SEC);
	} else {
		end(w);
	}
}

void
ws_hangup(struct ws *w, const char *why)
{
	if (!w->up || w->wsi == NULL)
		return;
	log_warn("%s", why);
	/* No closing handshake with a peer that does not answer. */
	w->close_code = WS_CLOSE_ABNORMAL;
	lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void
ws_free(struct ws *w)
{
	if (w == NULL)
		return;
	lws_sul_cancel(&w->sul_connect);
	lws_sul_cancel(&w->sul_closing);
	cancel_link_timers(w);
	if (w->wsi) {
		/* A link still closing: no callback may reach w once it is freed. */
		lws_set_opaque_user_data(w->wsi, NULL);
		lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	outq_clear(w);
	buf_release(&w->msg);
	free(w->urlbuf);
	free(w->path);
	free(w);
}

const char *
ws_version(void)
{
	return lws_get_library_version();
}
