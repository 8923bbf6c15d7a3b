/* lib/http.h: HTTP through libwebsockets' client, one handle for every
 * request of a process (lib/http.c says why not libcurl).
 *
 *	struct http *h = http_new(&opts);
 *	struct http_resp r = HTTP_RESP_INIT;
 *	code = http_request(h, "POST", url, token, json, &r, e);
 *	... r.status, r.body ...
 *	http_resp_release(&r);
 *	http_free(h);
 *
 * http_request() returns EX_OK when an HTTP answer arrived, whatever its
 * status; EX_NET when none did, with *e saying why.
 * r->unsent is set when the failure proves the request never reached the
 * server (resolve or connect failed), which is what makes a retry safe.
 * The token goes in the "token" header and is never logged. */
#ifndef CHATCTL_HTTP_H
#define CHATCTL_HTTP_H

#include "err.h"
#include "xalloc.h"

struct http_opts {
	double connect_timeout;	/* seconds, 0 for 10 */
	double max_time;	/* seconds, 0 for none */
	const char *cacert;	/* borrowed, or NULL */
	int insecure;
	size_t max_body;	/* a bigger answer fails with EX_PROTO; 0: 8 MiB */
};

struct http_resp {
	long status;
	struct buf body;
	int unsent;
	double seconds;
};
#define HTTP_RESP_INIT { 0, BUF_INIT, 0, 0 }

struct http;

struct http *http_new(const struct http_opts *o);
void http_free(struct http *h);
int http_request(struct http *h, const char *method, const char *url,
    const char *token, const char *body, struct http_resp *r, struct err *e);
void http_resp_release(struct http_resp *r);

/* The same request without blocking, for an event loop that must keep
 * serving a WebSocket meanwhile: http_start() sends, then call http_poll()
 * (which never blocks) until it sets *done; its result then means what
 * http_request()'s would. One request at a time per handle. */
int http_start(struct http *h, const char *method, const char *url,
    const char *token, const char *body, struct http_resp *r, struct err *e);
int http_poll(struct http *h, int *done, struct err *e);

/* Make http_start()'s requests on lp, a loop its owner runs (listen's),
 * rather than on one of the handle's own: one lws context and one TLS
 * set-up per process, and http_poll() need not service anything. NULL
 * takes them back, and must come before lp is freed: a request still
 * under way there is abandoned. http_request() keeps a loop of its own:
 * it runs its loop, which must not be lp, from inside lp's callbacks. */
struct loop;
void http_attach(struct http *h, struct loop *lp);

#endif
