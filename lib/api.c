#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "json.h"
#include "backoff.h"
#include "log.h"
#include "xalloc.h"

/* Every message of the server that api/chat-api.md lists, with the English
 * that goes after it in our errors (the server speaks only Chinese), and
 * whether it is about who you are: the server reports those with HTTP 400
 * like any refusal (api §1.6, §3.2), yet they mean "log in again", exit 3.
 * A '*' in text stands for any words: the validation messages (api §1.5)
 * name the field and the values. */
static const struct {
	const char *text, *gloss;
	int auth;
} server_messages[] = {
	/* REST authentication (§1.6) and login (§3.2) */
	{ "您没有权限访问即时通讯接口", "no token: log in first", 1 },
	{ "Token 令牌不合法！", "token refused: replaced by a newer login, logged out, or forged", 1 },
	{ "Token已过期！请重新获取令牌", "token expired", 1 },
	{ "当前用户不存在或者已被禁用", "this user no longer exists or is disabled", 1 },
	{ "您没有权限访问，请先注册或登录", "a visitor may not do this: register or log in", 1 },
	{ "账号不存在或者被禁用", "no such account, or it is disabled", 1 },
	{ "账户或密码错误", "wrong user name or password", 1 },
	/* the WebSocket's rejections and takeover (§4.2, §4.3): never REST */
	{ "缺少 token 参数", "no token given", 0 },
	{ "Token 不合法", "token refused", 0 },
	{ "token 已过期", "token expired", 0 },
	{ "用户不存在", "no such user", 0 },
	{ "你已被管理员禁用", "this account was disabled by an administrator", 0 },
	{ "你的账号在其他设备登录", "your account logged in on another device", 0 },
	/* refusals (§1.4, §3, §5.4) */
	{ "404 错误", "no such API route: check the server URL", 0 },
	{ "登录失败", "login failed", 0 },
	{ "该账号已存在，请换一个账号注册", "this user name is taken: choose another", 0 },
	{ "不能添加自己为好友", "you cannot add yourself as a friend", 0 },
	{ "添加的好友不存在", "no such user, or the account is disabled", 0 },
	{ "您已经申请过了，请勿重复申请", "you have asked already: the request is pending or accepted", 0 },
	{ "申请不存在或已处理", "no such pending request: it may have been answered already", 0 },
	{ "系统异常，请稍后再试", "server error: try again later", 0 },
	{ "不是好友", "not a friend", 0 },
	{ "对方不存在或者被禁用，不能发消息", "the recipient does not exist or is disabled", 0 },
	{ "对方把你拉黑了，不能发消息", "the recipient has blocked you", 0 },
	{ "对方把你拉黑了，不能发送消息", "the recipient has blocked you", 0 },
	{ "系统把你们拉黑了，不能发消息", "the system has blocked messages between you", 0 },
	{ "系统把你们拉黑了，不能发送消息", "the system has blocked messages between you", 0 },
	{ "你们不是好友关系，对方设置成：先登录才能发消息",
	  "you are not friends, and the recipient takes messages only from registered users", 0 },
	{ "对方设置成：需要您先登录才能发消息", "the recipient takes messages only from registered users", 0 },
	{ "对方设置成：需要您先成为他的好友才能发消息", "the recipient takes messages only from friends", 0 },
	{ "在成为好友之前，对方只允许向他发一条消息",
	  "until you are friends, the recipient takes only one message from you", 0 },
	{ "群不存在或者已解散或者被封禁，无法发消息", "no such group, or it was dissolved or banned", 0 },
	{ "您不在群里，无法发消息", "you are not a member of this group", 0 },
	{ "消息超过5分钟，不能撤回", "a message older than 5 minutes cannot be revoked", 0 },
	{ "群不存在", "no such group", 0 },
	{ "你不在该群聊中，操作失败", "you are not a member of this group", 0 },
	/* validation (§1.5): "<field>...", the field named in Chinese */
	{ "*不能为空", "a required value is missing", 0 },
	{ "* 的长度 必须 在 * 和 * 之间", "too short or too long", 0 },
	{ "* 的值 `*` 的类型不是 `int`", "not a whole number", 0 },
	{ "* 的数值 必须 在 * 和 * 之间", "number out of range", 0 },
	{ "* 的值 `*` 必须在 * 中", "not one of the allowed values", 0 },
};

#define NMESSAGES (sizeof server_messages / sizeof server_messages[0])

int
api_is_auth_message(const char *text)
{
	size_t i;

	for (i = 0; i < NMESSAGES; i++)
		if (server_messages[i].auth && strcmp(text, server_messages[i].text) == 0)
			return 1;
	return 0;
}

char *
api_gloss(const char *text, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < NMESSAGES; i++)
		if (fnmatch(server_messages[i].text, text, 0) == 0) {
			snprintf(out, size, "%s (%s)", text, server_messages[i].gloss);
			return out;
		}
	snprintf(out, size, "%s", text);
	return out;
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
	char text[512] = "", said[1024];
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
	api_gloss(text, said, sizeof said);
	if (strcmp(jv_string_value(msg), "fail") != 0) {
		code = err_set(e, EX_PROTO, "unexpected answer (HTTP %ld): msg '%s'", status, jv_string_value(msg));
	} else if (api_is_auth_message(text)) {
		code = err_set(e, EX_AUTH, "%s (HTTP %ld)", said, status);
	} else if (status >= 500) {
		/* The latest real server dies with a null dereference on a forged
		 * or malformed token (api §7 item 1): that is a rejected token. */
		if (strstr(text, "Cannot read propert") && strstr(text, "of null"))
			code = err_set(e, EX_AUTH, "token rejected: server error (HTTP %ld): %s", status, text);
		else
			code = err_set(e, EX_PROTO, "server error (HTTP %ld): %s", status, text);
	} else {
		code = err_set(e, EX_NO, "%s (HTTP %ld)", said, status);
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
decode(const struct api *a, const struct http_resp *r, jv *data, struct api_reply *rep, struct err *e)
{
	char msg[512] = "";
	size_t n;
	int code;

	code = api_decode(r->status, r->body.buf, r->body.len, data, msg, sizeof msg, e);
	if (code == EX_AUTH && a->auth_hint && e) {
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof e->msg - n, "; %s", a->auth_hint);
	}
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
			code = decode(a, &r, data, rep, e);
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
		code = decode(a, &a->pending, data, rep, e);
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
