#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"
#include "log.h"

struct http {
	CURL *curl;
	CURLM *multi;		/* only for http_start()/http_poll() */
	struct http_opts o;
	char errbuf[CURL_ERROR_SIZE];
	int too_big;		/* the answer passed o.max_body */
	/* the request under way */
	struct curl_slist *hdr;
	char *tokhdr;
	char *body;
	char shown[1024];
	const char *method;
	struct http_resp *resp;
};

static void release_request(struct http *h);

/* A server must not be able to make us buffer without end: past max_body
 * the transfer stops (a short count is CURLE_WRITE_ERROR to curl). */
static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http *h = arg;

	if (h->resp->body.len + size * n > h->o.max_body) {
		h->too_big = 1;
		return 0;
	}
	buf_add(&h->resp->body, p, size * n);
	return size * n;
}

struct http *
http_new(const struct http_opts *o)
{
	static int curl_ready;
	struct http *h = xcalloc(1, sizeof *h);

	/* Once per program, before the first handle (libcurl's rule). */
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		atexit(curl_global_cleanup);
		curl_ready = 1;
	}
	h->curl = curl_easy_init();
	if (h->curl == NULL) {
		/* Only out of memory makes curl_easy_init fail. */
		fprintf(stderr, "chatctl: out of memory (curl_easy_init)\n");
		abort();
	}
	h->o = *o;
	if (h->o.max_body == 0)
		h->o.max_body = 8 << 20;
	curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->o.max_body);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "chatctl/" CHATCTL_VERSION);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (o->connect_timeout > 0)
		curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_timeout * 1000));
	if (o->max_time > 0)
		curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)(o->max_time * 1000));
	if (o->cacert)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, o->cacert);
	if (o->insecure) {
		curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return h;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	if (h->multi) {
		/* A request still under way (listen stopped meanwhile). */
		if (h->resp) {
			curl_multi_remove_handle(h->multi, h->curl);
			release_request(h);
		}
		curl_multi_cleanup(h->multi);
	}
	curl_easy_cleanup(h->curl);
	free(h);
}

void
http_resp_release(struct http_resp *r)
{
	buf_release(&r->body);
	r->status = 0;
	r->unsent = 0;
}

/* The curl failures after which the server cannot have seen the request. */
static int
nothing_sent(CURL *curl, CURLcode rc)
{
	long connected = 0;

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return 1;
	case CURLE_OPERATION_TIMEDOUT:
		/* A timeout before the connection was up sent nothing. */
		curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &connected);
		return connected == 0;
	default:
		return 0;
	}
}

static int
is_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		return 1;
	default:
		return 0;
	}
}

/* Set up one request on the easy handle; the header list and copies live
 * in h until finish() frees them. */
static void
prepare(struct http *h, const char *method, const char *url,
    const char *token, const char *body, struct http_resp *r)
{
	buf_reset(&r->body);
	r->status = 0;
	r->unsent = 0;
	h->errbuf[0] = '\0';
	h->method = method;
	h->resp = r;
	h->hdr = curl_slist_append(NULL, "Accept: application/json");
	/* No "Expect: 100-continue" round trip for larger bodies. */
	h->hdr = curl_slist_append(h->hdr, "Expect:");
	if (body)
		h->hdr = curl_slist_append(h->hdr, "Content-Type: application/json");
	if (token) {
		h->tokhdr = xasprintf("token: %s", token);
		h->hdr = curl_slist_append(h->hdr, h->tokhdr);
	}
	h->body = xstrdup(body ? body : "");
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->hdr);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	h->too_big = 0;
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, h->body);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(h->body));
	}
	log_redact_url(url, h->shown, sizeof h->shown);
	log_debug(2, "%s %s%s", method, h->shown, token ? " (token: <redacted>)" : "");
}

/* Free what prepare() made. */
static void
release_request(struct http *h)
{
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h->hdr);
	h->hdr = NULL;
	if (h->tokhdr) {
		explicit_bzero(h->tokhdr, strlen(h->tokhdr));
		free(h->tokhdr);
		h->tokhdr = NULL;
	}
	free(h->body);
	h->body = NULL;
	h->resp = NULL;
}

/* Turn curl's result into ours, and free what prepare() made. */
static int
finish(struct http *h, CURLcode rc, struct err *e)
{
	struct http_resp *r = h->resp;
	const char *why;

	release_request(h);
	curl_easy_getinfo(h->curl, CURLINFO_TOTAL_TIME, &r->seconds);
	if (rc != CURLE_OK) {
		why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
		r->unsent = nothing_sent(h->curl, rc);
		log_debug(1, "%s %s failed after %.1f ms: %s", h->method, h->shown, r->seconds * 1000, why);
		if (h->too_big || rc == CURLE_FILESIZE_EXCEEDED)
			return err_set(e, EX_PROTO, "the answer from %s is larger than %zu bytes "
			    "(--max-response)", h->shown, h->o.max_body);
		if (is_tls_error(rc))
			return err_set(e, EX_NET, "TLS failure talking to %s: %s "
			    "(use --cacert FILE to trust its certificate, or --insecure)", h->shown, why);
		if (rc == CURLE_OPERATION_TIMEDOUT)
			return err_set(e, EX_NET, "timed out talking to %s: %s", h->shown, why);
		return err_set(e, EX_NET, "cannot reach %s: %s", h->shown, why);
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	log_debug(1, "%s %s -> %ld (%zu bytes, %.1f ms)", h->method, h->shown, r->status,
	    r->body.len, r->seconds * 1000);
	return EX_OK;
}

int
http_request(struct http *h, const char *method, const char *url,
    const char *token, const char *body, struct http_resp *r, struct err *e)
{
	prepare(h, method, url, token, body, r);
	return finish(h, curl_easy_perform(h->curl), e);
}

int
http_start(struct http *h, const char *method, const char *url,
    const char *token, const char *body, struct http_resp *r, struct err *e)
{
	(void)e;
	if (h->multi == NULL)
		h->multi = curl_multi_init();
	prepare(h, method, url, token, body, r);
	curl_multi_add_handle(h->multi, h->curl);
	return EX_OK;
}

int
http_poll(struct http *h, int *done, struct err *e)
{
	CURLMsg *m;
	int running, left;

	*done = 0;
	if (h->resp == NULL)
		return err_set(e, EX_NET, "no request under way");
	curl_multi_perform(h->multi, &running);
	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (m->msg == CURLMSG_DONE && m->easy_handle == h->curl) {
			CURLcode rc = m->data.result;

			curl_multi_remove_handle(h->multi, h->curl);
			*done = 1;
			return finish(h, rc, e);
		}
	}
	return EX_OK;
}
