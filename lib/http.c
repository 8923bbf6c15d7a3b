#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"
#include "log.h"

struct http {
	CURL *curl;
	struct http_opts o;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

struct http *
http_new(const struct http_opts *o)
{
	struct http *h = xcalloc(1, sizeof *h);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h->curl = curl_easy_init();
	if (h->curl == NULL) {
		/* Only out of memory makes curl_easy_init fail. */
		fprintf(stderr, "chatctl: out of memory (curl_easy_init)\n");
		abort();
	}
	h->o = *o;
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
	curl_easy_cleanup(h->curl);
	free(h);
	curl_global_cleanup();
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

int
http_request(struct http *h, const char *method, const char *url,
    const char *token, const char *body, struct http_resp *r, struct err *e)
{
	struct curl_slist *hdr = NULL;
	char shown[1024];
	CURLcode rc;
	char *tokhdr = NULL;
	const char *why;

	buf_reset(&r->body);
	r->status = 0;
	r->unsent = 0;
	h->errbuf[0] = '\0';
	hdr = curl_slist_append(hdr, "Accept: application/json");
	/* No "Expect: 100-continue" round trip for larger bodies. */
	hdr = curl_slist_append(hdr, "Expect:");
	if (body)
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (token) {
		tokhdr = xasprintf("token: %s", token);
		hdr = curl_slist_append(hdr, tokhdr);
	}
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &r->body);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, body ? (long)strlen(body) : 0L);
	}
	log_redact_url(url, shown, sizeof shown);
	log_debug(2, "%s %s%s", method, shown, token ? " (token: <redacted>)" : "");

	rc = curl_easy_perform(h->curl);

	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	if (tokhdr) {
		explicit_bzero(tokhdr, strlen(tokhdr));
		free(tokhdr);
	}
	curl_easy_getinfo(h->curl, CURLINFO_TOTAL_TIME, &r->seconds);
	if (rc != CURLE_OK) {
		why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
		r->unsent = nothing_sent(h->curl, rc);
		log_debug(1, "%s %s failed after %.1f ms: %s", method, shown, r->seconds * 1000, why);
		if (is_tls_error(rc))
			return err_set(e, EX_NET, "TLS failure talking to %s: %s "
			    "(use --cacert FILE to trust its certificate, or --insecure)", shown, why);
		if (rc == CURLE_OPERATION_TIMEDOUT)
			return err_set(e, EX_NET, "timed out talking to %s: %s", shown, why);
		return err_set(e, EX_NET, "cannot reach %s: %s", shown, why);
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	log_debug(1, "%s %s -> %ld (%zu bytes, %.1f ms)", method, shown, r->status,
	    r->body.len, r->seconds * 1000);
	return EX_OK;
}
