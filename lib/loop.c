#include <ctype.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "log.h"
#include "loop_lws.h"
#include "proxy.h"
#include "xalloc.h"

struct turn {
	void (*cb)(void *arg);
	void *arg;
};

struct loop {
	struct lws_context *ctx;
	struct turn *turns;
	size_t nturns;
	int quit;
	char proxy[300];	/* "host:port", or "" for direct */
	double connect_timeout;	/* seconds */
};

struct loop_timer {
	lws_sorted_usec_list_t sul;	/* first: the sul callback casts back */
	struct loop *lp;
	void (*cb)(void *arg);
	void *arg;
};

struct loop_watch {
	struct loop_lws_user user;
	struct lws *wsi;	/* NULL once lws closed it */
	void (*cb)(void *arg, int hup);
	void *arg;
};

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct loop_lws_user *u = lws_get_opaque_user_data(wsi);

	if (u == NULL || u->cb == NULL)
		return 0;
	/* The one reason whose news is in user: the X509_STORE_CTX. */
	if (reason == LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION)
		in = user;
	return u->cb(u->owner, wsi, reason, in, len);
}

static const struct lws_protocols protocols[] = {
	{ LOOP_PROTOCOL, callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Whether url is one for TLS: wss:// or https://. */
static int
url_tls(const char *url)
{
	return strncmp(url, "wss://", 6) == 0 || strncmp(url, "https://", 8) == 0;
}

/* Decide the proxy for url the way curl would (lib/proxy.h), and say it in
 * the context options. 0 when decided, else an EX_* code. */
static int
choose_proxy(struct loop *lp, const char *url, struct lws_context_creation_info *info,
    char *addr, size_t addrsize, struct err *e)
{
	char *copy = xstrdup(url);
	const char *prot = NULL, *host = NULL, *path = NULL;
	struct proxy px;
	int port, r;

	if (lws_parse_uri(copy, &prot, &host, &port, &path) || !*host) {
		/* lib/ws.c says what is wrong with the URL. */
		free(copy);
		return EX_OK;
	}
	r = proxy_for(url_tls(url) ? "https" : "http", host, &px, e);
	if (r == 1 && strcmp(px.scheme, "http") != 0)
		r = err_set(e, EX_NET, "the proxy in %s (%s://%s:%d) cannot carry the %s: "
		    "libwebsockets here tunnels only through http:// proxies (HTTP CONNECT); "
		    "set no_proxy=%s to connect directly", px.from, px.scheme, px.host, px.port,
		    prot[0] == 'w' ? "WebSocket" : "request", host);
	else if (r == 1) {
		snprintf(addr, addrsize, "%s%s%s", px.auth, px.auth[0] ? "@" : "", px.host);
		info->http_proxy_address = addr;
		info->http_proxy_port = (unsigned)px.port;
		snprintf(lp->proxy, sizeof lp->proxy, "%s:%d", px.host, px.port);
		log_debug(1, "connecting through the proxy %s:%d (from %s)", px.host, px.port, px.from);
		r = EX_OK;
	} else if (r == -1) {
		r = e->code;
	}
	explicit_bzero(&px, sizeof px);
	free(copy);
	return r;
}

struct loop *
loop_new(const struct loop_opts *o, struct err *e)
{
	struct lws_context_creation_info info;
	struct loop *lp = xcalloc(1, sizeof *lp);
	char proxy_addr[520];
	char *saved_proxy = NULL;

	/* lws's errors are ours to explain (a refused connect is routine
	 * while reconnecting): its own lines only with -vv. */
	lws_set_log_level(log_verbosity() >= 3 ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO :
	    log_verbosity() >= 2 ? LLL_ERR | LLL_WARN : 0, log_lws);
	memset(&info, 0, sizeof info);
	lp->connect_timeout = o->connect_timeout > 0 ? o->connect_timeout : 10;
	if (o->url && choose_proxy(lp, o->url, &info, proxy_addr, sizeof proxy_addr, e)) {
		free(lp);
		return NULL;
	}
	if (lp->proxy[0] == '\0') {
		/* lws would read http_proxy by itself, ignoring no_proxy: hide it
		 * while the context is made, so that "direct" means direct. */
		if (getenv("http_proxy"))
			saved_proxy = xstrdup(getenv("http_proxy"));
		unsetenv("http_proxy");
	}
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	/* Setting TLS up reads the whole CA store (30 ms here), which a plain
	 * http:// or ws:// process has no use for. */
	info.options = o->url == NULL || url_tls(o->url) ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
	info.user = lp;
	info.fd_limit_per_thread = 16;
	/* Big reads: a burst of small frames costs few syscalls. */
	info.pt_serv_buf_size = 256 * 1024;
	info.connect_timeout_secs = o->connect_timeout > 0 ? (unsigned)(o->connect_timeout + 0.999) : 10;
	info.timeout_secs = info.connect_timeout_secs;
	info.client_ssl_ca_filepath = o->cacert;
	lp->ctx = lws_create_context(&info);
	explicit_bzero(proxy_addr, sizeof proxy_addr);
	if (saved_proxy) {
		setenv("http_proxy", saved_proxy, 1);
		free(saved_proxy);
	}
	if (lp->ctx == NULL) {
		err_set(e, EX_NET, "cannot set up the network client%s%s%s", o->cacert ? " (is '" : "",
		    o->cacert ? o->cacert : "", o->cacert ? "' a readable CA file?)" : "");
		free(lp);
		return NULL;
	}
	return lp;
}

void
loop_run(struct loop *lp)
{
	size_t i;

	lp->quit = 0;
	while (!lp->quit) {
		if (lws_service(lp->ctx, 0) < 0)
			break;
		for (i = 0; i < lp->nturns; i++)
			lp->turns[i].cb(lp->turns[i].arg);
	}
}

void
loop_poll(struct loop *lp)
{
	/* A negative timeout: service what is ready, never wait. */
	lws_service(lp->ctx, -1);
}

void
loop_quit(struct loop *lp)
{
	lp->quit = 1;
	lws_cancel_service(lp->ctx);
}

void
loop_wake(struct loop *lp)
{
	if (lp && lp->ctx)
		lws_cancel_service(lp->ctx);
}

static volatile sig_atomic_t caught;
static struct loop *signal_loop;

static void
on_signal(int sig)
{
	caught = sig;
	loop_wake(signal_loop);
}

void
loop_catch_signals(struct loop *lp)
{
	struct sigaction sa;

	signal_loop = lp;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
loop_signal(void)
{
	return caught;
}

void
loop_free(struct loop *lp)
{
	if (lp == NULL)
		return;
	if (signal_loop == lp) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal_loop = NULL;
	}
	lws_context_destroy(lp->ctx);
	free(lp->turns);
	free(lp);
}

double
loop_connect_timeout(const struct loop *lp)
{
	return lp->connect_timeout;
}

const char *
loop_proxy(const struct loop *lp)
{
	return lp->proxy[0] ? lp->proxy : NULL;
}

struct lws_context *
loop_context(struct loop *lp)
{
	return lp->ctx;
}

static void
timer_cb(lws_sorted_usec_list_t *sul)
{
	struct loop_timer *t = (struct loop_timer *)sul;
	struct lws_context *ctx = t->lp->ctx;	/* the callback may free t */

	t->cb(t->arg);
	/* lws runs ripe timers just before it waits: without a wake, what
	 * the timer did (loop_quit, output for the on-turn flush) would wait
	 * for the next event, which may be hours off. */
	lws_cancel_service(ctx);
}

struct loop_timer *
loop_timer_new(struct loop *lp, void (*cb)(void *arg), void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof *t);

	t->lp = lp;
	t->cb = cb;
	t->arg = arg;
	return t;
}

void
loop_timer_set(struct loop_timer *t, int64_t usecs)
{
	lws_sul_schedule(t->lp->ctx, 0, &t->sul, timer_cb, usecs);
}

void
loop_timer_cancel(struct loop_timer *t)
{
	lws_sul_cancel(&t->sul);
}

void
loop_timer_free(struct loop_timer *t)
{
	if (t == NULL)
		return;
	lws_sul_cancel(&t->sul);
	free(t);
}

void
loop_on_turn(struct loop *lp, void (*cb)(void *arg), void *arg)
{
	lp->turns = xrealloc(lp->turns, (lp->nturns + 1) * sizeof *lp->turns);
	lp->turns[lp->nturns].cb = cb;
	lp->turns[lp->nturns].arg = arg;
	lp->nturns++;
}

static int
watch_cb(void *owner, struct lws *wsi, enum lws_callback_reasons reason, void *in, size_t len)
{
	struct loop_watch *w = owner;

	(void)wsi;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		w->cb(w->arg, 0);
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		w->wsi = NULL;
		w->cb(w->arg, 1);
		break;
	default:
		break;
	}
	return 0;
}

/* lws closes the descriptor it adopted when the watch ends, so it gets a
 * duplicate of its own: the caller's fd stays the caller's. */
struct loop_watch *
loop_watch(struct loop *lp, int fd, void (*cb)(void *arg, int hup), void *arg)
{
	struct loop_watch *w = xcalloc(1, sizeof *w);
	lws_sock_file_fd_type u;

	w->user.cb = watch_cb;
	w->user.owner = w;
	w->cb = cb;
	w->arg = arg;
	u.filefd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (u.filefd < 0) {
		free(w);
		return NULL;
	}
	w->wsi = lws_adopt_descriptor_vhost(lws_get_vhost_by_name(lp->ctx, "default"),
	    LWS_ADOPT_RAW_FILE_DESC, u, LOOP_PROTOCOL, NULL);
	if (w->wsi == NULL) {
		close(u.filefd);
		free(w);
		return NULL;
	}
	lws_set_opaque_user_data(w->wsi, &w->user);
	return w;
}

void
loop_unwatch(struct loop_watch *w)
{
	if (w == NULL)
		return;
	if (w->wsi) {
		/* No callback may reach w once it is freed. */
		lws_set_opaque_user_data(w->wsi, NULL);
		lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	free(w);
}

int64_t
loop_now(void)
{
	return (int64_t)lws_now_usecs();
}

void
loop_client_info(struct loop *lp, struct lws_client_connect_info *i, const char *host,
    int port, const char *path, int tls, int insecure, struct loop_lws_user *u, struct lws **pwsi)
{
	memset(i, 0, sizeof *i);
	i->context = lp->ctx;
	i->address = host;
	i->port = port;
	i->path = path;
	i->host = host;
	i->origin = host;
	i->local_protocol_name = LOOP_PROTOCOL;
	i->opaque_user_data = u;
	i->pwsi = pwsi;
	if (tls) {
		i->ssl_connection = LCCSCF_USE_SSL;
		if (insecure)
			i->ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			    LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
}

void
loop_unreachable(const char *host, char *why, size_t size)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	int r;

	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, NULL, &hints, &ai)) != 0)
		snprintf(why, size, "Could not resolve host: %s (%s)", host, gai_strerror(r));
	else
		snprintf(why, size, "cannot start a connection");
	if (ai)
		freeaddrinfo(ai);
}

void
loop_tls_verdict(void *store, size_t ok, char *why, size_t size)
{
	int err = X509_STORE_CTX_get_error(store);

	if (!ok && !why[0] && err != X509_V_OK)
		snprintf(why, size, "SSL certificate problem: %s", X509_verify_cert_error_string(err));
}

int
loop_tls_failure(const char *why)
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
