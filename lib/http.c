#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "loop_lws.h"

/* A request is one lws client connection: on the loop http_attach() gave
 * when it does not block, else on a loop of the handle's own, made for the
 * first URL's scheme, host and port (the proxy and whether TLS is set up
 * are decided per loop: lib/loop.h) and made again only for another one.
 * Each request has a connection of its own. lws 4.1.6 can
 * hand an idle keep-alive connection on to a new request (LCCSCF_PIPELINE),
 * but the connection it hands over is killed a moment later under the new
 * request: tried, a listen's second offline fetch hung every time, and a
 * batch failed at its second message when its first request was not
 * marked. So a batch pays a connect per message: 5,000 messages (every
 * record stored) took 1.75-2.13 s here, against 1.48-2.25 s over curl's
 * one connection. */
struct http {
	struct http_opts o;
	struct loop *own;	/* the handle's own loop, or NULL */
	char *where;		/* "scheme://host:port" it was made for */
	struct loop *ext;	/* the loop http_attach() gave, or NULL */
	struct loop *lp;	/* the request's: own or ext */
	struct loop_lws_user user;
	struct loop_timer *t_connect, *t_total;	/* the request's, on lp */
	int blocking;		/* http_request(): quit the loop when done */
	/* the request under way */
	struct lws *wsi;
	struct http_resp *resp;
	const char *method;
	unsigned char *body;	/* LWS_PRE bytes of room, then the body */
	size_t body_len;
	char *token;
	char *urlbuf;
	const char *host;	/* in urlbuf */
	char *path;
	int port, tls;
	char hosthdr[300];	/* host[:port], as curl sends it */
	char shown[1024];
	int64_t t0;
	int done, code, sent, sized;
	char why[1100];
	char tls_why[300];
};

static void release_request(struct http *h);

struct http *
http_new(const struct http_opts *o)
{
	struct http *h = xcalloc(1, sizeof *h);

	h->o = *o;
	if (h->o.max_body == 0)
		h->o.max_body = 8 << 20;
	return h;
}

static void
free_timers(struct http *h)
{
	loop_timer_free(h->t_connect);
	loop_timer_free(h->t_total);
	h->t_connect = h->t_total = NULL;
}

/* Hand the request's connection back to lws, which calls nothing of ours
 * about it from now on; closed unless lws is closing it anyway. */
static void
let_go(struct http *h, int close_it)
{
	if (h->wsi == NULL)
		return;
	lws_set_opaque_user_data(h->wsi, NULL);
	if (close_it)
		lws_set_timeout(h->wsi, 1, LWS_TO_KILL_ASYNC);
	h->wsi = NULL;
}

/* Forget the request under way, if any. */
static void
abandon(struct http *h)
{
	let_go(h, 1);
	free_timers(h);
	release_request(h);
}

static void
drop_own(struct http *h)
{
	loop_free(h->own);
	h->own = NULL;
	free(h->where);
	h->where = NULL;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	abandon(h);
	drop_own(h);
	free(h);
}

void
http_attach(struct http *h, struct loop *lp)
{
	if (h->lp && h->lp == h->ext) {
		abandon(h);
		h->lp = NULL;
	}
	h->ext = lp;
}

void
http_resp_release(struct http_resp *r)
{
	buf_release(&r->body);
	r->status = 0;
	r->unsent = 0;
}

/* End the request under way with code (EX_OK, or EX_* with h->why), once,
 * and close its connection unless lws is closing it anyway. */
static void
finish(struct http *h, int code, int close_it)
{
	if (h->done)
		return;
	h->done = 1;
	h->code = code;
	/* Timers may be freed from their own callback (lib/loop.h). */
	free_timers(h);
	let_go(h, close_it);
	if (h->blocking)
		loop_quit(h->lp);
}

/* The request failed: with why, and its connection closed (by lws when
 * called back on the connection, which then returns -1). */
static void
fail(struct http *h, int code, const char *fmt, const char *detail, int in_callback)
{
	if (h->done)
		return;
	snprintf(h->why, sizeof h->why, fmt, detail);
	finish(h, code, !in_callback);
}

static int
add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	    (const unsigned char *)value, (int)strlen(value), p, end);
}

static int
on_headers(struct http *h, struct lws *wsi, unsigned char **p, unsigned char *end)
{
	char n[32];

	/* Connected: from here on the server may see the request. */
	h->sent = 1;
	loop_timer_cancel(h->t_connect);
	if (add_header(wsi, "accept:", "application/json", p, end) ||
	    add_header(wsi, "user-agent:", "chatctl/" CHATCTL_VERSION, p, end) ||
	    (h->token && add_header(wsi, "token:", h->token, p, end)))
		return -1;
	if (h->body == NULL)
		return 0;
	snprintf(n, sizeof n, "%zu", h->body_len);
	if (add_header(wsi, "content-type:", "application/json", p, end) ||
	    add_header(wsi, "content-length:", n, p, end))
		return -1;
	lws_client_http_body_pending(wsi, 1);
	lws_callback_on_writable(wsi);
	return 0;
}

static int
on_receive(struct http *h, const char *in, size_t len)
{
	if (h->resp->body.len + len > h->o.max_body) {
		snprintf(h->why, sizeof h->why, "the answer from %s is larger than %zu bytes "
		    "(--max-response)", h->shown, h->o.max_body);
		finish(h, EX_PROTO, 0);
		return -1;
	}
	buf_add(&h->resp->body, in, len);
	return 0;
}

static int
callback(void *owner, struct lws *wsi, enum lws_callback_reasons reason, void *in, size_t len)
{
	struct http *h = owner;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fail(h, EX_NET, "%s", h->tls_why[0] ? h->tls_why : in ? (const char *)in :
		    "connection failed", 1);
		return 0;
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		loop_tls_verdict(in, len, h->tls_why, sizeof h->tls_why);
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return on_headers(h, wsi, in, (unsigned char *)*(char **)in + len);
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		lws_client_http_body_pending(wsi, 0);
		if (lws_write(wsi, h->body + LWS_PRE, h->body_len, LWS_WRITE_HTTP_FINAL) != (int)h->body_len) {
			fail(h, EX_NET, "%s", "the connection failed while sending", 1);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		h->resp->status = (long)lws_http_client_http_response(wsi);
		/* Without a length the answer ends where the connection does. */
		h->sized = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 ||
		    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		return on_receive(h, in, len);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
		char b[LWS_PRE + 16384], *p = b + LWS_PRE;
		int n = (int)sizeof b - LWS_PRE;

		return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
	}
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		finish(h, EX_OK, 1);
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		if (h->resp->status && !h->sized)
			finish(h, EX_OK, 0);
		else
			fail(h, EX_NET, "%s", h->resp->status ? "the connection closed in the middle of "
			    "the answer" : "the connection closed before an answer", 1);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, NULL, in, len);
	}
}

static void
connect_timeout_cb(void *arg)
{
	struct http *h = arg;
	char why[64];

	snprintf(why, sizeof why, "%g", loop_connect_timeout(h->lp));
	fail(h, EX_NET, "no connection within %s s", why, 0);
}

static void
total_timeout_cb(void *arg)
{
	struct http *h = arg;
	char why[64];

	snprintf(why, sizeof why, "%g", h->o.max_time);
	fail(h, EX_NET, "no whole answer within %s s", why, 0);
}

/* The request's loop: the attached one for a request that does not block,
 * else our own, the one made already when it is for the same place. */
static int
choose_loop(struct http *h, const char *prot, struct err *e)
{
	char *where;
	struct loop_opts lo = { NULL, h->o.cacert, h->o.connect_timeout };

	if (h->ext && !h->blocking) {
		h->lp = h->ext;
		return EX_OK;
	}
	where = xasprintf("%s://%s:%d", prot, h->host, h->port);
	if (h->own && strcmp(h->where, where) == 0) {
		free(where);
		h->lp = h->own;
		return EX_OK;
	}
	drop_own(h);
	lo.url = where;
	if ((h->own = loop_new(&lo, e)) == NULL) {
		free(where);
		return e->code;
	}
	h->where = where;
	h->lp = h->own;
	return EX_OK;
}

static int
start(struct http *h, const char *method, const char *url, const char *token,
    const char *body, struct http_resp *r, struct err *e)
{
	struct lws_client_connect_info i;
	const char *prot = NULL, *path = NULL;
	int code;

	buf_reset(&r->body);
	r->status = 0;
	r->unsent = 0;
	r->seconds = 0;
	abandon(h);
	h->resp = r;
	h->method = method;
	h->done = h->sent = h->sized = 0;
	h->code = EX_OK;
	h->why[0] = h->tls_why[0] = '\0';
	h->t0 = loop_now();
	log_redact_url(url, h->shown, sizeof h->shown);
	h->urlbuf = xstrdup(url);
	if (lws_parse_uri(h->urlbuf, &prot, &h->host, &h->port, &path) || !*h->host ||
	    (strcmp(prot, "http") != 0 && strcmp(prot, "https") != 0)) {
		h->resp = NULL;
		return err_set(e, EX_USAGE, "invalid URL '%s'", h->shown);
	}
	h->tls = strcmp(prot, "https") == 0;
	if ((code = choose_loop(h, prot, e)) != EX_OK) {
		h->resp = NULL;
		return code;
	}
	if (loop_proxy(h->lp))
		/* Every message about the request says which road it took. */
		snprintf(h->shown + strlen(h->shown), sizeof h->shown - strlen(h->shown),
		    " (through the proxy %s)", loop_proxy(h->lp));
	/* lws_parse_uri() cut the path's leading slash off. */
	h->path = xasprintf("/%s", path);
	if (h->port != (h->tls ? 443 : 80))
		snprintf(h->hosthdr, sizeof h->hosthdr, "%s:%d", h->host, h->port);
	else
		snprintf(h->hosthdr, sizeof h->hosthdr, "%s", h->host);
	if (token)
		h->token = xstrdup(token);
	if (body) {
		h->body_len = strlen(body);
		h->body = xmalloc(LWS_PRE + h->body_len + 1);
		memcpy(h->body + LWS_PRE, body, h->body_len + 1);
	}
	log_debug(2, "%s %s%s", method, h->shown, token ? " (token: <redacted>)" : "");

	loop_client_info(h->lp, &i, h->host, h->port, h->path, h->tls, h->o.insecure, &h->user, &h->wsi);
	i.host = h->hosthdr;
	i.origin = h->hosthdr;
	i.method = method;
	i.alpn = "http/1.1";
	i.ssl_connection |= LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
	h->user.cb = callback;
	h->user.owner = h;
	h->t_connect = loop_timer_new(h->lp, connect_timeout_cb, h);
	h->t_total = loop_timer_new(h->lp, total_timeout_cb, h);
	loop_timer_set(h->t_connect, (int64_t)(loop_connect_timeout(h->lp) * LOOP_US_PER_SEC));
	if (h->o.max_time > 0)
		loop_timer_set(h->t_total, (int64_t)(h->o.max_time * LOOP_US_PER_SEC));
	/* On an early failure lws may have called back with CONNECTION_ERROR
	 * already; finish() keeps the first word. */
	if (lws_client_connect_via_info(&i) == NULL && !h->done) {
		loop_unreachable(h->host, h->why, sizeof h->why);
		finish(h, EX_NET, 0);
	}
	return EX_OK;
}

/* Free what start() made. */
static void
release_request(struct http *h)
{
	if (h->token) {
		explicit_bzero(h->token, strlen(h->token));
		free(h->token);
		h->token = NULL;
	}
	free(h->body);
	h->body = NULL;
	h->body_len = 0;
	free(h->urlbuf);
	h->urlbuf = NULL;
	free(h->path);
	h->path = NULL;
	h->resp = NULL;
}

/* Turn the request's end into ours, and free what start() made. */
static int
result(struct http *h, struct err *e)
{
	struct http_resp *r = h->resp;
	int code = h->code;

	r->seconds = (double)(loop_now() - h->t0) / LOOP_US_PER_SEC;
	release_request(h);
	if (code == EX_OK) {
		log_debug(1, "%s %s -> %ld (%zu bytes, %.1f ms)", h->method, h->shown, r->status,
		    r->body.len, r->seconds * 1000);
		return EX_OK;
	}
	log_debug(1, "%s %s failed after %.1f ms: %s", h->method, h->shown, r->seconds * 1000, h->why);
	if (code == EX_PROTO)	/* the answer passed --max-response */
		return err_set(e, EX_PROTO, "%s", h->why);
	if (h->tls && (h->tls_why[0] || loop_tls_failure(h->why)))
		/* Not worth a retry: a certificate problem does not heal. */
		return err_set(e, EX_NET, "TLS failure talking to %s: %s "
		    "(use --cacert FILE to trust its certificate, or --insecure)", h->shown, h->why);
	/* Nothing went out before the connection was up. */
	r->unsent = !h->sent;
	if (strstr(h->why, " within "))
		return err_set(e, EX_NET, "timed out talking to %s: %s", h->shown, h->why);
	return err_set(e, EX_NET, "cannot reach %s: %s", h->shown, h->why);
}

int
http_request(struct http *h, const char *method, const char *url,
    const char *token, const char *body, struct http_resp *r, struct err *e)
{
	int code;

	/* On a loop of our own: the attached one is run by its owner, and
	 * must not be run from inside its own callbacks. */
	h->blocking = 1;
	if ((code = start(h, method, url, token, body, r, e)) == EX_OK) {
		if (!h->done)
			loop_run(h->lp);
		code = result(h, e);
	}
	h->blocking = 0;
	return code;
}

int
http_start(struct http *h, const char *method, const char *url,
    const char *token, const char *body, struct http_resp *r, struct err *e)
{
	return start(h, method, url, token, body, r, e);
}

int
http_poll(struct http *h, int *done, struct err *e)
{
	*done = 0;
	if (h->resp == NULL)
		return err_set(e, EX_NET, "no request under way");
	if (!h->done && h->lp == h->own)
		loop_poll(h->lp);
	if (!h->done)
		return EX_OK;
	*done = 1;
	return result(h, e);
}
