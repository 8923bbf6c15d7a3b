#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proxy.h"
#include "ws.h"
#include "xalloc.h"

#define OUTQ 16
#define STABLE_SECS 10

struct ws {
	struct ws_opts o;
	struct ws_handlers h;
	struct lws_context *ctx;
	struct lws *wsi;
	char *urlbuf;		/* lws_parse_uri cuts it in pieces */
	char *path;
	const char *host;
	int port, ssl;
	char shown[512];	/* the URL with the token redacted */

	lws_sorted_usec_list_t sul_connect, sul_heartbeat, sul_watchdog,
		sul_stable, sul_closing;
	int attempts;		/* drops since the last stable link */
	int live;		/* a connection attempt or link exists */
	int ever_up;
	int up;			/* established and not yet closed */
	int stopping, stop_code, done;
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
}

static double
backoff_secs(struct ws *w)
{
	double base = 1, jitter;
	int i;

	for (i = 0; i < w->attempts && base < w->o.backoff_max; i++)
		base *= 2;
	if (base > w->o.backoff_max)
		base = w->o.backoff_max;
	/* +-25 %, so that many clients dropped at once do not return at once. */
	jitter = 0.75 + 0.5 * ((double)random() / RAND_MAX);
	return base * jitter;
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
		w->done = 1;
		return;
	}
	if (!w->h.on_close(w->h.arg, code, why, !w->o.reconnect) || !w->o.reconnect) {
		w->done = 1;
		return;
	}
	delay = backoff_secs(w);
	w->attempts++;
	log_warn("%s; reconnecting in %.1f s", why, delay);
	lws_sul_schedule(w->ctx, 0, &w->sul_connect, connect_cb, (lws_usec_t)(delay * LWS_US_PER_SEC));
}

static void
stable_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *w = lws_container_of(sul, struct ws, sul_stable);

	w->attempts = 0;
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
	w->done = 1;
}

static int
is_tls_failure(const char *why)
{
	static const char *const words[] = { "tls", "ssl", "certificate", "x509", NULL };
	const char *const *p;
	char low[256];
	size_t i;

	for (i = 0; why[i] && i + 1 < sizeof low; i++)
		low[i] = (char)tolower((unsigned char)why[i]);
	low[i] = '\0';
	for (p = words; *p; p++)
		if (strstr(low, *p))
			return 1;
	return 0;
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

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct ws *w = lws_context_user(lws_get_context(wsi));
	unsigned char *p;
	char why[1200];

	(void)user;
	if (w == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		snprintf(why, sizeof why, "cannot connect to %s: %s", w->shown,
		    in ? (const char *)in : "connection failed");
		if (!w->ever_up && is_tls_failure(why)) {
			/* A certificate problem does not heal by retrying. */
			w->o.reconnect = 0;
			snprintf(why, sizeof why, "TLS failure connecting to %s: %s (use --cacert FILE "
			    "to trust its certificate, or --insecure)", w->shown,
			    in ? (const char *)in : "handshake failed");
		}
		link_down(w, 1006, why);
		break;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
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
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		on_rx(w, wsi, in, len);
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		w->rx_seen = 1;
		break;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (w->stopping) {
			lws_close_reason(wsi, (enum lws_close_status)w->stop_code, NULL, 0);
			return -1;
		}
		if (w->out_n == 0)
			return 0;
		p = xmalloc(LWS_PRE + w->outlen[w->out_head]);
		memcpy(p + LWS_PRE, w->outq[w->out_head], w->outlen[w->out_head]);
		if (lws_write(wsi, p + LWS_PRE, w->outlen[w->out_head], LWS_WRITE_TEXT) <
		    (int)w->outlen[w->out_head]) {
			free(p);
			return -1;
		}
		free(p);
		free(w->outq[w->out_head]);
		w->out_head = (w->out_head + 1) % OUTQ;
		w->out_n--;
		if (w->out_n > 0)
			lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2) {
			const unsigned char *c = in;

			w->close_code = (c[0] << 8) | c[1];
			snprintf(w->close_reason, sizeof w->close_reason, "%.*s",
			    (int)(len - 2 < 100 ? len - 2 : 100), (const char *)in + 2);
		} else {
			w->close_code = 1005;
		}
		break;

	case LWS_CALLBACK_CLIENT_CLOSED:
		if (w->close_code == 0)
			w->close_code = 1006;
		if (w->close_code == 1006)
			snprintf(why, sizeof why, "connection to %s lost (no close frame)", w->shown);
		else if (w->close_code == 1005)
			snprintf(why, sizeof why, "server closed the connection without a status");
		else
			snprintf(why, sizeof why, "server closed the connection (code %d%s%s)",
			    w->close_code, w->close_reason[0] ? ": " : "", w->close_reason);
		link_down(w, w->close_code, why);
		break;

	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "chatctl", callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
connect_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *w = lws_container_of(sul, struct ws, sul_connect);
	struct lws_client_connect_info i;

	memset(&i, 0, sizeof i);
	i.context = w->ctx;
	i.address = w->host;
	i.port = w->port;
	i.path = w->path;
	i.host = w->host;
	i.origin = w->host;
	i.local_protocol_name = protocols[0].name;
	i.pwsi = &w->wsi;
	if (w->ssl) {
		i.ssl_connection = LCCSCF_USE_SSL;
		if (w->o.insecure)
			i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			    LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	log_debug(1, "connecting to %s", w->shown);
	w->close_code = 0;
	w->live = 1;
	/* On an early failure lws may or may not have called us with
	 * CONNECTION_ERROR already; link_down() reports once either way. */
	if (lws_client_connect_via_info(&i) == NULL)
		link_down(w, 1006, "cannot start a connection");
}

struct ws *
ws_new(const struct ws_opts *o, const struct ws_handlers *h, struct err *e)
{
	struct lws_context_creation_info info;
	struct ws *w = xcalloc(1, sizeof *w);
	const char *prot = NULL, *path = NULL;
	struct proxy px;
	char proxy_addr[520];
	char *saved_proxy = NULL;

	w->o = *o;
	w->h = *h;
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

	/* lws's errors are ours to explain (a refused connect is routine
	 * while reconnecting): its own lines only with -vv. */
	lws_set_log_level(log_verbosity() >= 3 ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO :
	    log_verbosity() >= 2 ? LLL_ERR | LLL_WARN : 0, log_lws);
	memset(&info, 0, sizeof info);
	switch (proxy_for(w->ssl ? "https" : "http", w->host, &px, e)) {
	case -1:
		ws_free(w);
		return NULL;
	case 1:
		if (strcmp(px.scheme, "http") != 0) {
			err_set(e, EX_NET, "the proxy in %s (%s://%s:%d) cannot carry the WebSocket: "
			    "libwebsockets here tunnels only through http:// proxies (HTTP CONNECT); "
			    "set no_proxy=%s to connect directly", px.from, px.scheme, px.host, px.port, w->host);
			ws_free(w);
			return NULL;
		}
		snprintf(proxy_addr, sizeof proxy_addr, "%s%s%s", px.auth, px.auth[0] ? "@" : "", px.host);
		info.http_proxy_address = proxy_addr;
		info.http_proxy_port = (unsigned)px.port;
		/* Every message about this link says which road it took. */
		snprintf(w->shown + strlen(w->shown), sizeof w->shown - strlen(w->shown),
		    " (through the proxy %s:%d)", px.host, px.port);
		log_debug(1, "connecting through the proxy %s:%d (from %s)", px.host, px.port, px.from);
		break;
	default:
		/* lws would read http_proxy by itself, ignoring no_proxy: hide it
		 * while the context is made, so that "direct" means direct. */
		if (getenv("http_proxy"))
			saved_proxy = xstrdup(getenv("http_proxy"));
		unsetenv("http_proxy");
		break;
	}
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = w;
	info.fd_limit_per_thread = 16;
	/* Big reads: a burst of small frames costs few syscalls. */
	info.pt_serv_buf_size = 256 * 1024;
	info.connect_timeout_secs = o->connect_timeout > 0 ? (unsigned)(o->connect_timeout + 0.999) : 10;
	info.timeout_secs = info.connect_timeout_secs;
	info.client_ssl_ca_filepath = o->cacert;
	w->ctx = lws_create_context(&info);
	explicit_bzero(proxy_addr, sizeof proxy_addr);
	if (saved_proxy) {
		setenv("http_proxy", saved_proxy, 1);
		free(saved_proxy);
	}
	if (w->ctx == NULL) {
		err_set(e, EX_NET, "cannot set up the WebSocket client%s%s%s", o->cacert ? " (is '" : "",
		    o->cacert ? o->cacert : "", o->cacert ? "' a readable CA file?)" : "");
		ws_free(w);
		return NULL;
	}
	srandom((unsigned)lws_now_usecs());
	return w;
}

void
ws_run(struct ws *w)
{
	lws_sul_schedule(w->ctx, 0, &w->sul_connect, connect_cb, 1);
	while (!w->done) {
		if (lws_service(w->ctx, 0) < 0)
			break;
		if (w->h.on_turn)
			w->h.on_turn(w->h.arg);
	}
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
		w->done = 1;
	}
}

void
ws_hangup(struct ws *w, const char *why)
{
	if (!w->up || w->wsi == NULL)
		return;
	log_warn("%s", why);
	/* No closing handshake with a peer that does not answer. */
	w->close_code = 1006;
	lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void
ws_wake(struct ws *w)
{
	if (w && w->ctx)
		lws_cancel_service(w->ctx);
}

void
ws_timer(struct ws *w, lws_sorted_usec_list_t *sul, sul_cb_t cb, lws_usec_t us)
{
	lws_sul_schedule(w->ctx, 0, sul, cb, us);
}

void
ws_free(struct ws *w)
{
	if (w == NULL)
		return;
	if (w->ctx) {
		lws_sul_cancel(&w->sul_connect);
		lws_sul_cancel(&w->sul_closing);
		cancel_link_timers(w);
		lws_context_destroy(w->ctx);
	}
	outq_clear(w);
	buf_release(&w->msg);
	free(w->urlbuf);
	free(w->path);
	free(w);
}
