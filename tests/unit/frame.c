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

	/* JSON that is not an object, and nesting deeper than LEJP's stack. */
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
	/* The de-duplication window. */
	{
		struct seen sn;
		uint64_t k;

		seen_init(&sn, 100);
		CHECK_INT(seen_add(&sn, 42), 0);
		CHECK_INT(seen_add(&sn, 42), 1);
		for (k = 1000; k < 1099; k++)
			CHECK_INT(seen_add(&sn, k), 0);
		CHECK_INT(seen_add(&sn, 42), 1);	/* 100 keys later: still known */
		for (k = 2000; k < 2200; k++)
			seen_add(&sn, k);
		CHECK_INT(seen_add(&sn, 42), 0);	/* 300 keys later: forgotten */
		CHECK_INT(seen_add(&sn, 2199), 1);
		seen_release(&sn);
	}
	return unit_done();
}
