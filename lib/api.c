#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "json.h"
#include "backoff.h"
#include "log.h"
#include "xalloc.h"

/* The server reports these with HTTP 400 like any refusal (api §1.6, §3.2);
 * they are about who you are, so they mean "log in again": exit 3. */
static const char *const auth_messages[] = {
	"您没有权限访问即时通讯接口",		/* no token */
	"Token 令牌不合法！",			/* forged, superseded or logged out */
	"Token已过期！请重新获取令牌",		/* expired (unreachable today) */
	"当前用户不存在或者已被禁用",		/* user gone or disabled */
	"您没有权限访问，请先注册或登录",	/* visitor token on a user route */
	"账号不存在或者被禁用",			/* login: unknown or disabled account */
	"账户或密码错误",			/* login: wrong password */
	NULL
};

int
api_is_auth_message(const char *text)
{
	const char *const *m;

	for (m = auth_messages; *m; m++)
		if (strcmp(text, *m) == 0)
			return 1;
	return 0;
}

int
api_retryable(long status, int unsent)
{
	return unsent || status == 502 || status == 503 || status == 504;
}

/* The failure text of an envelope: a string as is, anything else as JSON. */
static void
data_text(jv data, char *out, size_t n)
{
	if (jv_get_kind(data) == JV_KIND_STRING) {
		snprintf(out, n, "%s", jv_string_value(data));
	} else {
		jv s = jv_dump_string(jv_copy(data), 0);

		snprintf(out, n, "%s", jv_string_value(s));
		jv_free(s);
	}
}

int
api_decode(long status, const char *body, size_t len, jv *data,
    char *msgbuf, size_t msgsize, struct err *e)
{
	char text[512] = "";
	jv doc, msg, d;
	int code;

	doc = json_parse(body ? body : "", len);
	if (jv_get_kind(doc) != JV_KIND_OBJECT) {
		jv_free(doc);
		if (status >= 500)
			return err_set(e, EX_PROTO, "server error (HTTP %ld)", status);
		return err_set(e, EX_PROTO, "unexpected answer (HTTP %ld): not the server's JSON envelope", status);
	}
	msg = jv_object_get(jv_copy(doc), jv_string("msg"));
	d = jv_object_get(doc, jv_string("data"));
	if (jv_get_kind(msg) != JV_KIND_STRING) {
		jv_free(msg);
		jv_free(d);
		if (status >= 500)
			return err_set(e, EX_PROTO, "server error (HTTP %ld)", status);
		return err_set(e, EX_PROTO, "unexpected answer (HTTP %ld): not the server's JSON envelope", status);
	}
	if (!jv_is_valid(d)) {
		jv_free(d);
		d = jv_null();
	}
	if (strcmp(jv_string_value(msg), "ok") == 0 && status == 200) {
		jv_free(msg);
		*data = d;
		return EX_OK;
	}
	data_text(d, text, sizeof text);
	if (msgbuf)
		snprintf(msgbuf, msgsize, "%s", text);
	if (strcmp(jv_string_value(msg), "fail") != 0) {
		code = err_set(e, EX_PROTO, "unexpected answer (HTTP %ld): msg '%s'", status, jv_string_value(msg));
	} else if (api_is_auth_message(text)) {
		code = err_set(e, EX_AUTH, "%s (HTTP %ld); log in again with 'chatctl login'", text, status);
	} else if (status >= 500) {
		/* The latest real server dies with a null dereference on a forged
		 * or malformed token (api §7 item 1): that is a rejected token. */
		if (strstr(text, "Cannot read propert") && strstr(text, "of null"))
			code = err_set(e, EX_AUTH, "token rejected: server error (HTTP %ld): %s; "
			    "log in again with 'chatctl login'", status, text);
		else
			code = err_set(e, EX_PROTO, "server error (HTTP %ld): %s", status, text);
	} else {
		code = err_set(e, EX_NO, "%s (HTTP %ld)", text, status);
	}
	jv_free(msg);
	jv_free(d);
	return code;
}

static void
sleep_secs(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* The body as JSON text (consumes body), or NULL for none. */
static char *
body_text(jv body)
{
	char *text = NULL;

	if (jv_is_valid(body)) {
		jv s = jv_dump_string(body, 0);

		text = xstrdup(jv_string_value(s));
		jv_free(s);
	} else {
		jv_free(body);
	}
	return text;
}

static int
decode(const struct http_resp *r, jv *data, struct api_reply *rep, struct err *e)
{
	char msg[512] = "";
	int code;

	code = api_decode(r->status, r->body.buf, r->body.len, data, msg, sizeof msg, e);
	if (rep) {
		rep->status = r->status;
		snprintf(rep->msg, sizeof rep->msg, "%s", msg);
	}
	return code;
}

/* A one-shot command's retries are few and each is announced: no jitter,
 * so the user reads 0.5 s, 1 s, 2 s ... up to 8 s. */
int
api_call(struct api *a, const char *method, const char *path, jv body, jv *data,
    struct api_reply *rep, struct err *e)
{
	struct http_resp r = HTTP_RESP_INIT;
	char *url = xasprintf("%s%s", a->server, path);
	char *text = body_text(body);
	struct backoff b;
	double delay;
	int code, attempt;

	backoff_init(&b, 0.5, 8, 0);
	if (rep) {
		rep->status = 0;
		rep->msg[0] = '\0';
	}
	for (attempt = 0; ; attempt++) {
		code = http_request(a->http, method, url, a->token, text, &r, e);
		if (code == EX_OK)
			code = decode(&r, data, rep, e);
		if (code == EX_OK || attempt >= a->retries || !api_retryable(r.status, r.unsent))
			break;
		delay = backoff_next(&b);
		log_warn("%s; retrying in %.1f s (%d of %d)", e->msg, delay, attempt + 1, a->retries);
		sleep_secs(delay);
	}
	http_resp_release(&r);
	free(text);
	free(url);
	return code;
}

int
api_start(struct api *a, const char *method, const char *path, jv body, struct err *e)
{
	api_release(a);
	a->pending_url = xasprintf("%s%s", a->server, path);
	a->pending_body = body_text(body);
	a->busy = 1;
	return http_start(a->http, method, a->pending_url, a->token, a->pending_body, &a->pending, e);
}

int
api_poll(struct api *a, int *done, jv *data, struct api_reply *rep, struct err *e)
{
	int code;

	*done = 0;
	if (!a->busy)
		return err_set(e, EX_NET, "no request under way");
	code = http_poll(a->http, done, e);
	if (!*done)
		return EX_OK;
	a->busy = 0;
	if (code == EX_OK)
		code = decode(&a->pending, data, rep, e);
	else if (rep)
		rep->status = 0, rep->msg[0] = '\0';
	return code;
}

void
api_release(struct api *a)
{
	http_resp_release(&a->pending);
	free(a->pending_url);
	free(a->pending_body);
	a->pending_url = a->pending_body = NULL;
	a->busy = 0;
}
