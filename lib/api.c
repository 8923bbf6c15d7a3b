#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
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

	doc = jv_parse_sized(body ? body : "", (int)len);
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
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

int
api_call(struct api *a, const char *method, const char *path, jv body, jv *data, struct err *e)
{
	struct http_resp r = HTTP_RESP_INIT;
	char *url = xasprintf("%s%s", a->server, path);
	char *text = NULL;
	long delay = 500;
	int code, attempt;

	if (jv_is_valid(body)) {
		jv s = jv_dump_string(body, 0);

		text = xstrdup(jv_string_value(s));
		jv_free(s);
	} else {
		jv_free(body);
	}
	a->last_msg[0] = '\0';
	for (attempt = 0; ; attempt++) {
		code = http_request(a->http, method, url, a->token, text, &r, e);
		a->last_status = r.status;
		if (code == EX_OK)
			code = api_decode(r.status, r.body.buf, r.body.len, data,
			    a->last_msg, sizeof a->last_msg, e);
		if (code == EX_OK || attempt >= a->retries || !api_retryable(r.status, r.unsent))
			break;
		log_warn("%s; retrying in %.1f s (%d of %d)", e->msg, delay / 1000.0,
		    attempt + 1, a->retries);
		sleep_ms(delay);
		delay = delay * 2 > 8000 ? 8000 : delay * 2;
	}
	http_resp_release(&r);
	free(text);
	free(url);
	return code;
}
