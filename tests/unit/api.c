/* Envelope-to-exit-code mapping (lib/api.c), pinned case by case. */
#include <stdlib.h>

#include "../../lib/api.h"
#include "unit.h"

static int
decode(long status, const char *body, struct err *e, jv *data)
{
	*data = jv_invalid();
	e->msg[0] = '\0';
	return api_decode(status, body, strlen(body), data, NULL, 0, e);
}

int
main(void)
{
	struct err e;
	jv d;
	char msg[64];

	CHECK_INT(decode(200, "{\"msg\":\"ok\",\"data\":{\"id\":1}}", &e, &d), EX_OK);
	CHECK_INT(jv_get_kind(d), JV_KIND_OBJECT);
	jv_free(d);
	CHECK_INT(decode(200, "{\"msg\":\"ok\",\"data\":null}", &e, &d), EX_OK);
	CHECK_INT(jv_get_kind(d), JV_KIND_NULL);
	jv_free(d);
	CHECK_INT(decode(200, "{\"msg\":\"ok\"}", &e, &d), EX_OK);
	jv_free(d);

	/* Refusals: 400 and 422, and the HTTP-200 "404 错误". */
	CHECK_INT(decode(400, "{\"msg\":\"fail\",\"data\":\"不是好友\"}", &e, &d), EX_NO);
	CHECK(strstr(e.msg, "不是好友") != NULL);
	CHECK_INT(decode(422, "{\"msg\":\"fail\",\"data\":\"密码不能为空\"}", &e, &d), EX_NO);
	CHECK_INT(decode(200, "{\"msg\":\"fail\",\"data\":\"404 错误\"}", &e, &d), EX_NO);
	CHECK(strstr(e.msg, "404 错误") != NULL);
	CHECK_INT(decode(400, "{\"msg\":\"fail\",\"data\":[\"raw\",\"array\"]}", &e, &d), EX_NO);
	CHECK(strstr(e.msg, "[\"raw\",\"array\"]") != NULL);

	/* Authentication, reported by the server as 400. */
	CHECK_INT(decode(400, "{\"msg\":\"fail\",\"data\":\"您没有权限访问即时通讯接口\"}", &e, &d), EX_AUTH);
	CHECK_INT(decode(400, "{\"msg\":\"fail\",\"data\":\"Token 令牌不合法！\"}", &e, &d), EX_AUTH);
	CHECK_INT(decode(400, "{\"msg\":\"fail\",\"data\":\"当前用户不存在或者已被禁用\"}", &e, &d), EX_AUTH);
	CHECK_INT(decode(400, "{\"msg\":\"fail\",\"data\":\"您没有权限访问，请先注册或登录\"}", &e, &d), EX_AUTH);
	CHECK_INT(decode(400, "{\"msg\":\"fail\",\"data\":\"账户或密码错误\"}", &e, &d), EX_AUTH);
	CHECK_INT(decode(500, "{\"msg\":\"fail\",\"data\":\"Cannot read properties of null (reading 'id')\"}", &e, &d), EX_AUTH);

	/* Protocol: 5xx, and anything that is not the envelope. */
	CHECK_INT(decode(500, "{\"msg\":\"fail\",\"data\":\"Internal Server Error\"}", &e, &d), EX_PROTO);
	CHECK(strstr(e.msg, "HTTP 500") != NULL);
	CHECK_INT(decode(502, "<html>Bad Gateway</html>", &e, &d), EX_PROTO);
	CHECK_INT(decode(200, "not json", &e, &d), EX_PROTO);
	CHECK_INT(decode(200, "[1,2]", &e, &d), EX_PROTO);
	CHECK_INT(decode(200, "{\"message\":\"x\"}", &e, &d), EX_PROTO);
	CHECK_INT(decode(400, "{\"msg\":\"weird\",\"data\":1}", &e, &d), EX_PROTO);
	CHECK_INT(decode(400, "", &e, &d), EX_PROTO);
	CHECK_INT(decode(201, "{\"msg\":\"ok\",\"data\":1}", &e, &d), EX_PROTO);

	/* The server's text reaches the caller. */
	CHECK_INT(api_decode(400, "{\"msg\":\"fail\",\"data\":\"x y\"}", 27, &d, msg, sizeof msg, &e), EX_NO);
	CHECK_STR(msg, "x y");

	/* Every listed message gets its English; validation by its shape. */
	{
		char out[512];

		CHECK_STR(api_gloss("账户或密码错误", out, sizeof out), "账户或密码错误 (wrong user name or password)");
		CHECK_STR(api_gloss("您不在群里，无法发消息", out, sizeof out),
		    "您不在群里，无法发消息 (you are not a member of this group)");
		CHECK_STR(api_gloss("404 错误", out, sizeof out), "404 错误 (no such API route: check the server URL)");
		CHECK_STR(api_gloss("账号不能为空", out, sizeof out), "账号不能为空 (a required value is missing)");
		CHECK_STR(api_gloss("密码 的长度 必须 在 6 和 20 之间", out, sizeof out),
		    "密码 的长度 必须 在 6 和 20 之间 (too short or too long)");
		CHECK_STR(api_gloss("朋友id 的值 `x` 的类型不是 `int`", out, sizeof out),
		    "朋友id 的值 `x` 的类型不是 `int` (not a whole number)");
		CHECK_STR(api_gloss("朋友id 的数值 必须 在 1 和 10000000000000000 之间", out, sizeof out),
		    "朋友id 的数值 必须 在 1 和 10000000000000000 之间 (number out of range)");
		CHECK_STR(api_gloss("处理状态 的值 `yes` 必须在 [`pending`,`refuse`,`agree`,`ignore`] 中", out, sizeof out),
		    "处理状态 的值 `yes` 必须在 [`pending`,`refuse`,`agree`,`ignore`] 中 (not one of the allowed values)");
		CHECK_STR(api_gloss("something new", out, sizeof out), "something new");
		CHECK_STR(api_gloss("不是好友吗", out, sizeof out), "不是好友吗");
		CHECK_INT(decode(400, "{\"msg\":\"fail\",\"data\":\"不是好友\"}", &e, &d), EX_NO);
		CHECK_STR(e.msg, "不是好友 (not a friend) (HTTP 400)");
	}

	CHECK(api_retryable(0, 1));
	CHECK(api_retryable(503, 0));
	CHECK(api_retryable(502, 0));
	CHECK(api_retryable(504, 0));
	CHECK(!api_retryable(500, 0));
	CHECK(!api_retryable(400, 0));
	CHECK(!api_retryable(0, 0));
	return unit_done();
}
