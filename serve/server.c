/* serve/server.c: the lws context, the one protocol callback that REST and
 * WebSocket share, and the event loop. REST requests are turned into
 * struct request for routes.c (or hooks.c) and the answer is written from
 * the WRITEABLE callback; sockets are handed to sockets.c. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "hooks.h"
#include "routes.h"
#include "server.h"
#include "sockets.h"
#include "state.h"
#include "store.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/xalloc.h"

/* Per connection: one HTTP transaction at a time, or one socket. */
struct pss {
	struct request *rq;
	struct response *rs;
	struct conn *conn;
};

static struct lws_context *context;
static volatile sig_atomic_t stopping;
static int test_hooks;

/* Connections open now (the accepted ones lws made a wsi for, each marked
 * with &conns as its opaque user data) and how many may be. */
static struct {
	long open, max;
	int refusing;		/* the refusal has been logged */
} conns;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	/* Wake the poll() lws sleeps in; it only writes to an eventfd. */
	if (context)
		lws_cancel_service(context);
}

static void
transaction_free(struct pss *pss)
{
	if (pss->rq) {
		request_free(pss->rq);
		free(pss->rq);
	}
	if (pss->rs) {
		response_free(pss->rs);
		free(pss->rs);
	}
	pss->rq = NULL;
	pss->rs = NULL;
}

static int
header(struct lws *wsi, enum lws_token_indexes h, char *buf, int len)
{
	int n = lws_hdr_total_length(wsi, h);

	if (n <= 0 || n >= len)
		return 0;
	return lws_hdr_copy(wsi, buf, len, h) > 0;
}

/* Start a transaction from the parsed request line and headers. */
static struct request *
request_begin(struct lws *wsi, const char *path)
{
	struct request *rq = xcalloc(1, sizeof *rq);
	char buf[16384], *uri;
	int i, n, ulen;

	switch (lws_http_get_uri_and_method(wsi, &uri, &ulen)) {
	case LWSHUMETH_GET: rq->method = M_GET; break;
	case LWSHUMETH_POST: rq->method = M_POST; break;
	default: rq->method = M_OTHER; break;
	}
	rq->path = xstrdup(path && *path ? path : "/");
	rq->query = jv_object();
	rq->body = jv_object();
	/* lws has split and decoded the query into name=value fragments. */
	for (i = 0; lws_hdr_copy_fragment(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
		char *eq = strchr(buf, '=');

		if (eq)
			*eq++ = '\0';
		if (buf[0] && !jv_object_has(jv_copy(rq->query), jv_string(buf)))
			rq->query = jv_object_set(rq->query, jv_string(buf), jv_string(eq ? eq : ""));
	}
	n = lws_hdr_custom_length(wsi, "token:", 6);
	if (n > 0 && n < (int)sizeof buf && lws_hdr_custom_copy(wsi, buf, sizeof buf, "token:", 6) > 0)
		rq->token = xstrdup(buf);
	if (header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, buf, sizeof buf)) {
		rq->is_json = strcasestr(buf, "json") != NULL;
		rq->is_form = strcasestr(buf, "application/x-www-form-urlencoded") != NULL;
	}
	/* As node's parser: chunked is the one transfer coding a request may
	 * have, and never beside a Content-Length (that is how requests are
	 * smuggled past a proxy). lws hands chunked bytes over undecoded. */
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
		if (header(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING, buf, sizeof buf) &&
		    strcasecmp(buf, "chunked") == 0 &&
		    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
			rq->chunked = 1;
		else
			rq->bad_framing = 1;
	}
	return rq;
}

/* egg's body parser takes 100 KiB of JSON or form (config.bodyParser
 * jsonLimit and formLimit) and answers more with 413. The test hooks take
 * more: a benchmark's or a hostile reply's body. */
#define BODY_CAP (100 * 1024)
#define HOOK_BODY_CAP (16 << 20)

static size_t
body_cap(const struct request *rq)
{
	return test_hooks && strncmp(rq->path, "/__test/", 8) == 0 ? HOOK_BODY_CAP : BODY_CAP;
}

/* The whole request is in: answer it (or not, for the hang hook). */
static void
request_end(struct lws *wsi, struct pss *pss)
{
	struct request *rq = pss->rq;
	struct response *rs = xcalloc(1, sizeof *rs);
	int hook = test_hooks && strncmp(rq->path, "/__test/", 8) == 0;

	pss->rs = rs;
	/* lws 4.1 does not know chunked request bodies: to it this one never
	 * ends, and it would swallow the connection's next request as more of
	 * it. So the answer closes the connection, as HTTP allows any time. */
	rs->close = rq->chunked;
	if (rq->bad_framing) {
		/* What node answers before the application sees anything. */
		rs->status = 400;
		rs->close = 1;
		lws_callback_on_writable(wsi);
		return;
	}
	if (rq->too_large) {
		rs->status = 413;
		buf_adds(&rs->body, "{\"message\":\"request entity too large\"}");
		lws_callback_on_writable(wsi);
		return;
	}
	request_parse_body(rq);
	if (hook)
		hooks_handle(rq, rs);
	else {
		hooks_count(rq->path, 0);
		if (!hooks_intercept(rs))
			routes_handle(rq, rs);
	}
	log_debug(1, "%s %s -> %d%s", rq->method == M_GET ? "GET" : rq->method == M_POST ? "POST" : "?",
	    rq->path, rs->status, rs->hang ? " (hung)" : "");
	if (rs->hang) {
		/* Held until the client gives up or serve stops. */
		lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
		return;
	}
	lws_callback_on_writable(wsi);
}

static int
response_write(struct lws *wsi, struct pss *pss)
{
	struct response *rs = pss->rs;
	unsigned char *buf, *start, *p, *end;
	size_t cap;
	int n, last;

	if (rs == NULL || rs->hang)
		return 0;
	cap = LWS_PRE + 1024 + rs->body.len;
	buf = xmalloc(cap);
	start = p = buf + LWS_PRE;
	end = buf + LWS_PRE + 1024;
	if (lws_add_http_common_headers(wsi, (unsigned)rs->status,
	    rs->ctype ? rs->ctype : "application/json; charset=utf-8",
	    rs->body.len, &p, end) ||
	    (rs->close && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
	    (const unsigned char *)"close", 5, &p, end)) ||
	    lws_finalize_http_header(wsi, &p, end)) {
		free(buf);
		return -1;
	}
	/* HTTP/1.1 only (ALPN offers nothing else): headers and body can go
	 * out in one write. */
	memcpy(p, rs->body.buf ? rs->body.buf : "", rs->body.len);
	p += rs->body.len;
	n = lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL);
	free(buf);
	last = rs->close;
	transaction_free(pss);
	if (n < 0 || last)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* An upgrade to anything but /ws is refused like the real server does:
 * a bare 404 and the connection closed (observed F5). */
static int
confirm_upgrade(struct lws *wsi)
{
	static const char not_found[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	char path[1024];
	unsigned char buf[LWS_PRE + sizeof not_found];

	if (!header(wsi, WSI_TOKEN_GET_URI, path, sizeof path))
		strcpy(path, "/");
	hooks_count(path, strcmp(path, "/ws") == 0);
	if (strcmp(path, "/ws") == 0)
		return 0;
	memcpy(buf + LWS_PRE, not_found, sizeof not_found - 1);
	lws_write(wsi, buf + LWS_PRE, sizeof not_found - 1, LWS_WRITE_HTTP_HEADERS);
	return -1;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pss *pss = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		/* Refused at once. Unbounded, every connection makes the next
		 * one cost more (lws keeps its timeouts in a sorted list: 20,000
		 * idle ones stalled serve for seconds), and at the open-files
		 * limit lws stops accepting, leaving new clients in the kernel's
		 * backlog with nobody to answer them. */
		if (conns.open >= conns.max) {
			if (!conns.refusing)
				log_warn("%ld connections open: refusing new ones until some close "
				    "(--max-connections)", conns.open);
			conns.refusing = 1;
			return 1;
		}
		/* One per accepted TCP connection: tests count them to see that a
		 * batch reuses one. */
		hooks_connection();
		return 0;
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		conns.open++;
		lws_set_opaque_user_data(wsi, &conns);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (lws_get_opaque_user_data(wsi) == &conns && --conns.open < conns.max)
			conns.refusing = 0;
		return 0;
	case LWS_CALLBACK_HTTP:
		transaction_free(pss);
		pss->rq = request_begin(wsi, in);
		/* A body of known length ends with HTTP_BODY_COMPLETION, a
		 * chunked one where its framing says; anything else is complete
		 * now. */
		if (pss->rq->chunked)
			return 0;
		if (!pss->rq->bad_framing && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
			char cl[32];

			if (!header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, cl, sizeof cl) || atol(cl) > 0)
				return 0;
		}
		request_end(wsi, pss);
		return 0;
	case LWS_CALLBACK_HTTP_BODY:
		/* Bytes after a chunked body's end are not read as a next
		 * request: the connection closes after this one's answer. */
		if (pss->rq == NULL || pss->rs)
			return 0;
		if (!pss->rq->chunked) {
			request_body_add(pss->rq, in, len, body_cap(pss->rq));
			return 0;
		}
		switch (request_body_chunked(pss->rq, in, len, body_cap(pss->rq))) {
		case -1:
			pss->rq->bad_framing = 1;
			/* fall through */
		case 1:
			request_end(wsi, pss);
		}
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (pss->rq && pss->rs == NULL)
			request_end(wsi, pss);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return response_write(wsi, pss);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (pss)
			transaction_free(pss);
		return 0;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return confirm_upgrade(wsi);
	case LWS_CALLBACK_ESTABLISHED:
		sock_established(wsi, &pss->conn);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (pss->conn)
			sock_receive(pss->conn, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return pss->conn ? sock_writeable(pss->conn) : 0;
	case LWS_CALLBACK_CLOSED:
		if (pss->conn)
			sock_closed(pss->conn);
		pss->conn = NULL;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{ "chat", callback, sizeof(struct pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};


/* The most connections the open-files limit leaves room for: lws's own
 * descriptors, stdio and the state file's take some. */
static long
fd_room(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return LONG_MAX;
	return rl.rlim_cur > 64 ? (long)rl.rlim_cur - 32 : (long)rl.rlim_cur / 2;
}

int
server_run(const struct server_opts *o, struct err *e)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;
	struct sigaction sa;
	char iface[256];
	int code = EX_OK, port, tls = o->tls_cert != NULL;
	const char *host = o->host;

	store_init();
	if (o->state && access(o->state, F_OK) == 0)
		code = state_load(o->state, e);
	else if (o->seed)
		code = state_load_seed(o->seed, e);
	if (code != EX_OK) {
		store_free();
		return code;
	}
	if (tls && (access(o->tls_cert, R_OK) < 0 || access(o->tls_key, R_OK) < 0)) {
		const char *f = access(o->tls_cert, R_OK) < 0 ? o->tls_cert : o->tls_key;

		store_free();
		return err_set(e, EX_IO, "cannot read '%s': %s", f, strerror(errno));
	}

	lws_set_log_level(o->verbose > 1 ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_USER :
	    o->verbose ? LLL_ERR | LLL_WARN : LLL_ERR, log_lws);
	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	/* "[::1]" names an IPv6 address; anything else is IPv4 or a name. */
	if (host[0] == '[') {
		snprintf(iface, sizeof iface, "%.*s", (int)strcspn(host + 1, "]"), host + 1);
	} else {
		snprintf(iface, sizeof iface, "%s", host);
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	}
	info.iface = strcmp(iface, "0.0.0.0") == 0 || strcmp(iface, "::") == 0 ? NULL : iface;
	info.port = o->port;
	info.protocols = protocols;
	info.max_http_header_data = 16384;
	info.keepalive_timeout = 60;
	info.timeout_secs = 30;
	if (tls) {
		info.ssl_cert_filepath = o->tls_cert;
		info.ssl_private_key_filepath = o->tls_key;
		/* One write per response relies on HTTP/1.1; do not offer h2. */
		info.alpn = "http/1.1";
	}
	context = lws_create_context(&info);
	if (context == NULL) {
		store_free();
		return err_set(e, EX_NET, "cannot listen on %s:%d%s", host, o->port,
		    tls ? " (or the TLS certificate and key are not usable)" : "");
	}
	vh = lws_get_vhost_by_name(context, "default");
	port = vh ? lws_get_vhost_listen_port(vh) : o->port;
	test_hooks = o->test_hooks;
	conns.max = o->max_connections;
	if (conns.max > fd_room()) {
		conns.max = fd_room();
		log_warn("--max-connections %ld is more than the open-files limit allows: %ld",
		    o->max_connections, conns.max);
	}
	hooks_init();
	sock_init(context, o->ping_interval, o->tips,
	    o->force_logout ? SOCK_TAKEOVER_FORCE_LOGOUT : SOCK_TAKEOVER_SILENT);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fprintf(stderr, "chatctl: serve: listening on %s://%s:%d\n", tls ? "https" : "http", host, port);
	fflush(stderr);
	if (o->state && state_save(o->state, e) != EX_OK) {
		code = EX_IO;
		goto out;
	}
	while (!stopping) {
		if (lws_service(context, 0) < 0)
			break;
		/* Once per turn of the loop, before any answer of this turn is
		 * written: a client that saw its answer finds it on disk. */
		if (store.dirty && o->state && state_save(o->state, e) != EX_OK)
			log_warn("%s", e->msg);
	}
out:
	sock_shutdown();
	lws_context_destroy(context);
	context = NULL;
	hooks_free();
	store_free();
	return code;
}
