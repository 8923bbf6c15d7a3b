/* Frame scanning for listen (lib/frame.c). */
#include <stdlib.h>

#include "../../lib/frame.h"
#include "../../lib/xalloc.h"
#include "unit.h"

static int
scan(const char *s, struct frame_info *fi)
{
	return frame_scan(s, strlen(s), fi);
}

/* One real frame of each kind, as the real server sent it (api/observed.md);
 * user 2 (bob001) is the receiver. */
static const char welcome[] =
    "{\"type\":\"system\",\"data\":\"欢迎您访问我们的系统！\",\"timestamp\":1795392071048}";
static const char tip[] =
    "{\"type\":\"singleChat\",\"data\":{\"id\":\"1a15fc72-f92d-4a3c-8ee0-578a12b338d6\",\"from_name\":\"修改密码\","
    "\"from_id\":\"redirect-setPassword-2\",\"to_id\":2,\"chatType\":\"single\",\"type\":\"text\","
    "\"data\":{\"data\":\"您可以点击这里，修改密码\",\"dataType\":false,\"otherData\":null},"
    "\"redirect\":{\"url\":\"/pages/setpageInfo/setpageInfo\",\"type\":\"navigateTo\"},\"options\":{},"
    "\"create_time\":1795392071049,\"isremove\":0,\"group\":{},\"msgidKey\":\"redirect-setPassword-2\"},"
    "\"timestamp\":1795392071069}";
static const char request[] =
    "{\"type\":\"singleChat\",\"data\":{\"id\":\"8b055761-6db9-411e-95ce-53759c53fa3e\",\"from_name\":\"好友申请提醒\","
    "\"from_id\":\"redirect-applyFriend-1\",\"to_id\":2,\"chatType\":\"single\",\"type\":\"text\","
    "\"data\":{\"data\":\"用户[alice01]申请添加您为好友，请尽快处理\",\"dataType\":false,\"otherData\":null},"
    "\"redirect\":{\"url\":\"/pages/applyMyfriend/applyMyfriend\",\"type\":\"navigateTo\"},\"options\":{},"
    "\"create_time\":1795392072446,\"isremove\":0,\"msgidKey\":\"redirect-applyFriend-1\"},\"timestamp\":1795392072451}";
static const char friendship[] =
    "{\"type\":\"singleChat\",\"data\":{\"id\":\"97ce7146-a3c3-4d7f-aafe-2418c79ab9bc\",\"from_name\":\"Alice-remark\","
    "\"from_id\":1,\"to_id\":2,\"chatType\":\"single\",\"type\":\"systemNotice\","
    "\"data\":{\"data\":\"我们已经是好友了，可以开始聊天了\",\"dataType\":false,\"otherData\":null},\"options\":{},"
    "\"create_time\":1795392074301,\"isremove\":0},\"timestamp\":1795392074303}";
static const char chat[] =
    "{\"type\":\"singleChat\",\"data\":{\"id\":\"cf8ff507-7450-4d10-b001-128461d32465\",\"from_name\":\"Alice-remark\","
    "\"from_id\":1,\"to_id\":2,\"chatType\":\"single\",\"type\":\"text\",\"data\":\"{\\\"data\\\":\\\"hello bob\\\"}\","
    "\"options\":{\"k\":1},\"create_time\":1795392075456,\"isremove\":0},\"timestamp\":1795392075460}";
static const char revoke[] =
    "{\"type\":\"singleChat\",\"data\":{\"id\":\"cf8ff507-7450-4d10-b001-128461d32465\",\"from_id\":1,\"to_id\":2,"
    "\"chatType\":\"single\",\"type\":\"systemNotice\",\"actionType\":\"revoke\",\"data\":\"Alice撤回了一条消息\"},"
    "\"timestamp\":1795392075999}";
static const char group_notice[] =
    "{\"type\":\"singleChat\",\"data\":{\"id\":\"g-1\",\"from_id\":1,\"to_id\":5,\"chatType\":\"group\","
    "\"type\":\"systemNotice\",\"data\":\"alice01 创建了群聊\",\"group\":{\"id\":5}},\"timestamp\":1}";
static const char ping[] = "{\"type\":\"ping\"}";
static const char pong[] = "{\"type\":\"pong\",\"timestamp\":1795392115909}";
static const char rejection[] = "{\"msg\":\"fail\",\"data\":\"Token 不合法\"}";
static const char force_logout[] = "{\"msg\":\"force_logout\",\"data\":\"你的账号在其他设备登录\"}";

static enum frame_kind
kind_of(const char *text, long self_id)
{
	struct frame_info fi;

	if (frame_scan(text, strlen(text), &fi) != 0)
		return (enum frame_kind)-1;
	return frame_classify(&fi, self_id);
}

static void
test_classify_observed_frames(void)
{
	CHECK_INT(kind_of(welcome, 2), FRAME_WELCOME);
	CHECK_INT(kind_of(tip, 2), FRAME_TIP);
	CHECK_INT(kind_of(request, 2), FRAME_MESSAGE);
	CHECK_INT(kind_of(friendship, 2), FRAME_MESSAGE);
	CHECK_INT(kind_of(chat, 2), FRAME_MESSAGE);
	CHECK_INT(kind_of(revoke, 2), FRAME_MESSAGE);
	CHECK_INT(kind_of(group_notice, 2), FRAME_MESSAGE);
	CHECK_INT(kind_of(ping, 2), FRAME_PING);
	CHECK_INT(kind_of(pong, 2), FRAME_PONG);
	CHECK_INT(kind_of(rejection, 2), FRAME_REJECTION);
	CHECK_INT(kind_of(force_logout, 2), FRAME_FORCE_LOGOUT);
	CHECK_INT(kind_of(FRAME_PING_TEXT, 0), FRAME_PING);
	CHECK_INT(kind_of(FRAME_PONG_TEXT, 0), FRAME_PONG);
}

static void
test_classify_tips_rule(void)
{
	/* Another user's tip is not mine: a message (someone forwarding it). */
	CHECK_INT(kind_of(tip, 3), FRAME_MESSAGE);
	/* Receiver unknown: any redirect- sender but a friend request. */
	CHECK_INT(kind_of(tip, 0), FRAME_TIP);
	CHECK_INT(kind_of(request, 0), FRAME_MESSAGE);
	/* A friend request from the receiver's own id is still a request. */
	CHECK_INT(kind_of(request, 1), FRAME_MESSAGE);
	CHECK_INT(kind_of("{\"type\":\"singleChat\",\"data\":{\"from_id\":\"redirect-friendsList-12\"}}", 12), FRAME_TIP);
	CHECK_INT(kind_of("{\"type\":\"singleChat\",\"data\":{\"from_id\":\"redirect-friendsList-12\"}}", 1), FRAME_MESSAGE);
	CHECK_INT(kind_of("{\"type\":\"singleChat\",\"data\":{\"from_id\":\"redirect-x-12x\"}}", 12), FRAME_MESSAGE);
	CHECK_INT(kind_of("{\"type\":\"singleChat\",\"data\":{\"from_id\":\"redirect-\"}}", 0), FRAME_MESSAGE);
	CHECK_INT(kind_of("{\"type\":\"singleChat\",\"data\":{\"from_id\":\"redirect-12\"}}", 12), FRAME_MESSAGE);
	/* Only a singleChat frame can be a tip. */
	CHECK_INT(kind_of("{\"type\":\"other\",\"data\":{\"from_id\":\"redirect-search-2\"}}", 2), FRAME_MESSAGE);
	/* No type and no known msg: nobody's signal, a message. */
	CHECK_INT(kind_of("{\"msg\":\"ok\",\"data\":1}", 2), FRAME_MESSAGE);
}

/* A key seen again: the last value wins, as in jq, whatever its kind. */
static void
test_repeated_keys(void)
{
	struct frame_info fi;

	CHECK_INT(scan("{\"msg\":\"fa\",\"msg\":\"il\",\"data\":\"x\"}", &fi), 0);
	CHECK_STR(fi.msg, "il");
	CHECK(frame_classify(&fi, 0) != FRAME_REJECTION);
	CHECK_INT(scan("{\"type\":\"pi\",\"type\":\"ng\"}", &fi), 0);
	CHECK_STR(fi.type, "ng");
	CHECK(frame_classify(&fi, 0) == FRAME_MESSAGE);
	CHECK_INT(scan("{\"type\":\"ping\",\"type\":null}", &fi), 0);
	CHECK_STR(fi.type, "");
	CHECK_INT(scan("{\"data\":{\"id\":\"a\",\"from_id\":1},\"data\":{\"id\":\"b\"}}", &fi), 0);
	CHECK_STR(fi.id, "b");
	CHECK_STR(fi.from, "");
	CHECK_INT(scan("{\"data\":{\"id\":\"a\"},\"data\":\"now a string\"}", &fi), 0);
	CHECK_STR(fi.id, "");
	CHECK_STR(fi.text, "now a string");
	CHECK_INT(scan("{\"data\":{\"from_id\":1,\"from_id\":22}}", &fi), 0);
	CHECK_STR(fi.from, "22");
}

static int
bad(const char *s, size_t n, const char *why)
{
	struct frame_info fi;
	const char *w = NULL;
	size_t at;

	if (frame_scan(s, n, &fi) != -1 || frame_check(s, n, NULL, &at, &w) != -1 || w == NULL)
		return 0;
	if (strcmp(w, why) != 0) {
		fprintf(stderr, "%s: why is \"%s\", want \"%s\"\n", s, w, why);
		return 0;
	}
	return 1;
}
#define BAD(lit, why) CHECK(bad(lit, sizeof lit - 1, why))
#define GOOD(lit) CHECK(frame_scan(lit, sizeof lit - 1, &fi) == 0 && frame_check(lit, sizeof lit - 1, NULL, NULL, NULL) == 0)

/* What libjq 1.6 aborts on, leaks on or takes although it is not JSON
 * (issue 10): none of it passes. */
static void
test_strict(void)
{
	struct frame_info fi;
	struct buf b = BUF_INIT;
	int i, nl;

	BAD("[1,\n]", "unexpected character");
	BAD("[1,]", "unexpected character");
	BAD("{\"a\":1,}", "expected a key");
	BAD("{\"a\":\"\\ud800\"}", "\\u escape of a lone surrogate");
	BAD("{\"a\":\"\\ud800\"}\r", "\\u escape of a lone surrogate");
	BAD("\"\\udc00\\ud800\"", "\\u escape of a lone surrogate");
	BAD("\"\\ud800\\u0041\"", "\\u escape of a lone surrogate");
	BAD("\"\\ud800x\"", "\\u escape of a lone surrogate");
	BAD("[1}", "expected ',' or ']'");
	BAD("{\"a\":1]", "expected ',' or '}'");
	BAD("{\"a\":\"x\0y\"}", "raw control character in a string");
	BAD("\"\t\"", "raw control character in a string");
	BAD("\"\xff\"", "invalid UTF-8");
	BAD("\"\xc0\xaf\"", "invalid UTF-8");		/* overlong "/" */
	BAD("\"\xe0\x80\xaf\"", "invalid UTF-8");
	BAD("\"\xed\xa0\x80\"", "invalid UTF-8");	/* a surrogate */
	BAD("\"\xf4\x90\x80\x80\"", "invalid UTF-8");	/* past U+10FFFF */
	BAD("\"\xe4\xb8\"", "invalid UTF-8");		/* cut short */
	BAD("\"\xe4\xb8", "invalid UTF-8");
	BAD("\"\\x41\"", "invalid escape");
	BAD("\"\\u12G4\"", "invalid \\u escape");
	BAD("\"\\u12\"", "invalid \\u escape");
	BAD("01", "text after the value");
	BAD("-", "invalid number");
	BAD("1.", "invalid number");
	BAD("1e", "invalid number");
	BAD(".5", "unexpected character");
	BAD("+1", "unexpected character");
	BAD("nan", "invalid literal");
	BAD("NaN", "unexpected character");
	BAD("[1 2]", "expected ',' or ']'");
	BAD("{\"a\" 1}", "expected ':'");
	BAD("{a:1}", "expected a key");
	BAD("\"abc", "unfinished string");
	BAD("\"abc\\", "unfinished string");
	BAD("", "unexpected end");
	BAD("  \n", "unexpected end");
	BAD("[", "unexpected end");
	BAD("{\"a\":1}\v", "text after the value");

	GOOD("\"\\ud83d\\ude00\"");
	GOOD("\"\xf0\x9f\x98\x80 \xe4\xb8\xad \xc3\xa9 \xf4\x8f\xbf\xbf\"");
	GOOD("\"\\u0000\\\"\\\\\\/\\b\\f\\n\\r\\t\\uFFFF\"");
	GOOD("[0,-0,0.5,-1.25e+3,1E-2,1e400,123456789012345678901234567890]");
	GOOD("[true,false,null,{},[],\"\"]");
	GOOD(" \t\r\n{ \"a\" : [ 1 , 2 ] } \r\n");

	/* jq's depth limit is ours: 256 levels pass, 257 do not. */
	for (i = 0; i < FRAME_MAX_DEPTH; i++)
		buf_adds(&b, "[");
	for (i = 0; i < FRAME_MAX_DEPTH; i++)
		buf_adds(&b, "]");
	CHECK_INT(frame_scan(b.buf, b.len, &fi), 0);
	buf_release(&b);
	for (i = 0; i <= FRAME_MAX_DEPTH; i++)
		buf_adds(&b, "[");
	for (i = 0; i <= FRAME_MAX_DEPTH; i++)
		buf_adds(&b, "]");
	CHECK_INT(frame_check(b.buf, b.len, NULL, NULL, NULL), -1);
	buf_release(&b);

	/* The offset of the fault, for a message. */
	{
		size_t at;
		const char *why;

		CHECK_INT(frame_check("{\"a\":[1,]}", 11, &nl, &at, &why), -1);
		CHECK_INT(at, 8);
		CHECK_INT(frame_check("{\n}", 3, &nl, NULL, NULL), 0);
		CHECK(nl);
	}

	/* An escape in a needed key or value: libjq reads the field. */
	CHECK_INT(frame_scan_fast("{\"ty\\u0070e\":\"ping\"}", 20, &fi), 1);
	CHECK_INT(scan("{\"ty\\u0070e\":\"ping\"}", &fi), 0);
	CHECK_STR(fi.type, "ping");
	CHECK_INT(scan("{\"data\":{\"from_id\":\"redirect-\\u0061pplyFriend-3\"},\"type\":\"singleChat\"}", &fi), 0);
	CHECK_STR(fi.from, "redirect-applyFriend-3");
	CHECK_STR(fi.type, "singleChat");
	CHECK_INT(scan("{\"msg\":\"fail\",\"data\":\"\\ud83d\\ude00 \\\"x\\\"\"}", &fi), 0);
	CHECK_STR(fi.text, "\xf0\x9f\x98\x80 \"x\"");
	CHECK_STR(fi.msg, "fail");
	/* An escape anywhere else costs nothing. */
	{
		const char *t = "{\"x\":\"\\n\",\"data\":{\"data\":\"\\\"\"}}";

		CHECK_INT(frame_scan_fast(t, strlen(t), &fi), 0);
	}
}

int
main(void)
{
	struct frame_info fi, fj;
	struct buf deep = BUF_INIT;
	int i;

	CHECK_INT(scan("{\"type\":\"singleChat\",\"data\":{\"id\":\"u-1\",\"from_id\":7,\"type\":\"text\","
	    "\"data\":{\"id\":\"inner\"}},\"timestamp\":1}", &fi), 0);
	CHECK_STR(fi.type, "singleChat");
	CHECK_STR(fi.id, "u-1");
	CHECK_STR(fi.from, "7");
	CHECK_STR(fi.dtype, "text");
	CHECK_STR(fi.action, "");
	CHECK(!fi.newline);

	CHECK_INT(scan("{\"type\":\"singleChat\",\"data\":{\"id\":\"u-1\",\"type\":\"systemNotice\","
	    "\"actionType\":\"revoke\",\"from_id\":\"redirect-applyFriend-3\"}}", &fj), 0);
	CHECK_STR(fj.action, "revoke");
	CHECK_STR(fj.from, "redirect-applyFriend-3");
	/* A revoke notice reuses the id of what it revokes: different keys. */
	CHECK(frame_key(&fi) != frame_key(&fj));
	CHECK_INT(scan("{\"data\":{\"type\":\"text\",\"id\":\"u-1\"},\"type\":\"singleChat\"}", &fj), 0);
	CHECK(frame_key(&fi) == frame_key(&fj));

	CHECK_INT(scan("{\"msg\":\"fail\",\"data\":\"Token 不合法\"}", &fi), 0);
	CHECK_STR(fi.msg, "fail");
	CHECK_STR(fi.text, "Token 不合法");
	CHECK_STR(fi.type, "");

	CHECK_INT(scan("{\"type\":\"ping\"}", &fi), 0);
	CHECK_STR(fi.type, "ping");
	CHECK_INT(scan("{\"a\":\"\\u4e2d\\n\",\"b\":[1,2,{\"c\":null}],\"d\":-1.5e3,\"e\":true}", &fi), 0);
	CHECK_INT(scan("{\"big\":123456789012345678901234567890}", &fi), 0);
	CHECK_INT(scan("  {\"a\":1}  \n", &fi), 0);
	CHECK(fi.newline);
	CHECK_INT(scan("{\n\"type\": \"x\"\n}", &fi), 0);
	CHECK(fi.newline);
	CHECK_STR(fi.type, "x");

	/* Not JSON. */
	CHECK_INT(scan("hello", &fi), -1);
	CHECK_INT(scan("", &fi), -1);
	CHECK_INT(scan("{\"a\":1", &fi), -1);
	CHECK_INT(scan("{\"a\":1}x", &fi), -1);
	CHECK_INT(scan("{\"a\":1}{\"b\":2}", &fi), -1);
	CHECK_INT(scan("{'a':1}", &fi), -1);
	CHECK_INT(scan("{\"a\":tru}", &fi), -1);
	CHECK_INT(scan("{\"a\":\"\x01\"}", &fi), -1);
	CHECK_INT(scan("ping", &fi), -1);

	test_strict();

	/* JSON that is not an object, and deep nesting. */
	CHECK_INT(scan("\"just a string\"", &fi), 0);
	CHECK_INT(scan("42", &fi), 0);
	CHECK_INT(scan("[1,2]", &fi), 0);
	for (i = 0; i < 40; i++)
		buf_adds(&deep, "{\"a\":");
	buf_adds(&deep, "{\"type\":\"deep\"}");
	for (i = 0; i < 40; i++)
		buf_adds(&deep, "}");
	CHECK_INT(frame_scan(deep.buf, deep.len, &fi), 0);
	buf_add(&deep, "}", 1);
	CHECK_INT(frame_scan(deep.buf, deep.len, &fi), -1);
	buf_release(&deep);

	/* Long fields are cut, never overflowed. */
	{
		struct buf b = BUF_INIT;

		buf_adds(&b, "{\"type\":\"");
		for (i = 0; i < 1000; i++)
			buf_adds(&b, "x");
		buf_adds(&b, "\"}");
		CHECK_INT(frame_scan(b.buf, b.len, &fi), 0);
		CHECK_INT(strlen(fi.type), sizeof fi.type - 1);
		buf_release(&b);
	}
	test_repeated_keys();
	test_classify_observed_frames();
	test_classify_tips_rule();
	return unit_done();
}
