/* --jq programs that are plain paths, answered without libjq (lib/frame.c
 * frame_path_*, lib/json.c output_emit_text): every program on every frame
 * below prints the same bytes, returns the same code and says the same
 * error as libjq does on the parsed frame. */
#include <stdlib.h>

#include "../../lib/frame.h"
#include "../../lib/json.h"
#include "unit.h"

static const char *const frames[] = {
	"{\"type\":\"singleChat\",\"data\":{\"id\":\"cf8ff507\",\"from_id\":1,\"to_id\":2,"
	    "\"type\":\"text\",\"data\":\"{\\\"data\\\":\\\"hello bob\\\"}\",\"create_time\":1795392075456},"
	    "\"timestamp\":1795392075460}",
	"{\"type\":\"system\",\"data\":\"欢迎您访问我们的系统！\",\"timestamp\":1795392071048}",
	"{\"msg\":\"fail\",\"data\":\"Token 不合法\"}",
	/* escapes */
	"{\"data\":{\"id\":\"a\\/b\\u00e9\\u001f\\n\\t\\r\\b\\f\\\"\\\\\\ud83d\\ude00\\u0000\\u007f\\u0041 x\"}}",
	"{\"data\":{\"id\":\"\\u2028\\uffff\\ue000\\u0080\\u07ff\\u0800\\udbff\\udfff\"}}",
	"{\"data\":{\"id\":\"a\x7f b\"}}",
	"{\"data\":{\"id\":\"中文é😀 \xef\xbb\xbf\"}}",
	/* numbers */
	"{\"data\":{\"id\":0}}",
	"{\"data\":{\"id\":-1}}",
	"{\"data\":{\"id\":1.5}}",
	"{\"data\":{\"id\":1e3}}",
	"{\"data\":{\"id\":1E+2}}",
	"{\"data\":{\"id\":-0}}",
	"{\"data\":{\"id\":0.0}}",
	"{\"data\":{\"id\":-0.5e-3}}",
	"{\"data\":{\"id\":123456789012345}}",
	"{\"data\":{\"id\":-999999999999999}}",
	"{\"data\":{\"id\":1234567890123456}}",
	"{\"data\":{\"id\":9007199254740993}}",
	"{\"data\":{\"id\":12345678901234567}}",
	"{\"data\":{\"id\":12345678901234567890}}",
	"{\"data\":{\"id\":1e400}}",
	"{\"data\":{\"id\":-1e400}}",
	"{\"data\":{\"id\":100000000000000}}",
	/* literals */
	"{\"data\":{\"id\":true}}",
	"{\"data\":{\"id\":false}}",
	"{\"data\":{\"id\":null}}",
	/* absent, null on the way */
	"{\"data\":{}}",
	"{}",
	"{\"data\":null}",
	"null",
	" \n null \r\n",
	/* not an object on the way: jq's error */
	"{\"data\":\"str\"}",
	"{\"data\":1}",
	"{\"data\":[1]}",
	"{\"data\":true}",
	"{\"data\":false}",
	"[]",
	"\"x\"",
	"1",
	"true",
	/* repeated keys: the last wins */
	"{\"data\":{\"id\":1},\"data\":{\"id\":2}}",
	"{\"data\":{\"id\":1,\"id\":\"x\"}}",
	"{\"data\":{\"id\":1},\"data\":null}",
	"{\"data\":\"s\",\"data\":{\"id\":3}}",
	"{\"data\":{\"id\":3},\"data\":\"s\"}",
	"{\"data\":{\"id\":3},\"data\":{}}",
	"{\"data\":{\"id\":{}},\"data\":{\"id\":4}}",
	"{\"type\":\"pi\",\"type\":\"ng\"}",
	/* objects and arrays as the answer */
	"{\"data\":{\"id\":{\"a\":1}}}",
	"{\"data\":{\"id\":[1,\"2\",{\"3\":null}]}}",
	"{\"data\":{\"id\":{}}}",
	/* empty strings and keys */
	"{\"data\":{\"id\":\"\"}}",
	"{\"\":1,\"data\":{\"\":2,\"id\":\"\"}}",
	/* escaped keys */
	"{\"data\":{\"\\u0069d\":5}}",
	"{\"d\\u0061ta\":{\"id\":1}}",
	"{\"data\":{\"id\":1,\"i\\\"d\":2}}",
	/* white space, and what looks like structure inside strings */
	"  {\n \"data\" :\t{ \"id\" : \"x\" } , \"type\" : \"t\" }  ",
	"{\"a\":\"}{\\\"\",\"data\":{\"x\":\"]\",\"id\":\"y\\\\\"}}",
	"{\"a\":[[[{\"id\":1}]],{\"data\":{\"id\":0}}],\"data\":{\"id\":2}}",
	"{\"data\":{\"i\":1,\"idx\":2,\"id\":3,\"id2\":4}}",
	"{\"data\":{\"data\":{\"data\":{\"id\":\"deep\"}}}}",
	"{\"x\":{\"data\":{\"id\":\"not here\"}}}",
};

static const char *const programs[] = {
	".data.id", ".type", ".msg", ".data", ".data.data", ".data.data.data.id", ".timestamp",
	".data.id.x", ".a", ".x", ".end", ".if", "._", ".A_9",
};

struct result {
	char *out;
	size_t len;		/* out may hold a NUL (-r of "\u0000") */
	int code;
	char msg[512];
};

/* text through an output with program: by output_emit_text() when fast,
 * else by libjq on the parsed value. */
static void
run(const char *program, int raw, const char *text, int fast, struct result *r)
{
	struct output o;
	struct err e = { 0, "" };
	FILE *fp = open_memstream(&r->out, &r->len);

	r->code = output_init(&o, fp, program, raw, 0, &e);
	if (r->code == EX_OK && fast)
		r->code = output_emit_text(&o, text, strlen(text), 0, &e);
	else if (r->code == EX_OK)
		r->code = output_emit(&o, json_parse(text, strlen(text)), &e);
	snprintf(r->msg, sizeof r->msg, "%s", r->code ? e.msg : "");
	output_release(&o);
	fclose(fp);
}

static void
same_as_jq(const char *program, int raw, const char *text)
{
	struct result fast, jq;

	run(program, raw, text, 1, &fast);
	run(program, raw, text, 0, &jq);
	CHECK_INT(fast.code, jq.code);
	CHECK_STR(fast.msg, jq.msg);
	CHECK_STR(fast.out, jq.out);
	CHECK(fast.len == jq.len && memcmp(fast.out, jq.out, jq.len) == 0);
	if (fast.len != jq.len || memcmp(fast.out, jq.out, jq.len) != 0 || strcmp(fast.msg, jq.msg) != 0)
		fprintf(stderr, "  program %s%s on %s\n", program, raw ? " -r" : "", text);
	free(fast.out);
	free(jq.out);
}

static enum frame_path_answer
answer(const char *program, const char *text, char *got, size_t size)
{
	struct frame_path fp;
	enum frame_path_answer a;
	const char *v = NULL;
	size_t n = 0;

	if (frame_path_parse(program, &fp) != 0)
		return (enum frame_path_answer)-1;
	a = frame_path_find(&fp, text, strlen(text), &v, &n);
	snprintf(got, size, "%.*s", a == FRAME_PATH_SCALAR ? (int)n : 0, v ? v : "");
	return a;
}

static void
test_parse(void)
{
	static const char *const not_paths[] = {
		"", ".", "..", ".data.", ".data..id", "data", ". data", ".data .id", ".data | .id",
		".data.id ", " .data", ".[\"data\"]", ".\"data\"", ".data?", ".data[]", ".1", ".data.1a",
		".a-b", ".é", "$__loc__", ".a.b.c.d.e.f.g.h.i",
		".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct frame_path fp;
	size_t i;

	CHECK_INT(frame_path_parse(".data.id", &fp), 0);
	CHECK_INT(fp.n, 2);
	CHECK_STR(fp.key[0], "data");
	CHECK_INT(fp.len[1], 2);
	CHECK_INT(frame_path_parse(".a.b.c.d.e.f.g.h", &fp), 0);
	CHECK_INT(frame_path_parse("._9.A_z", &fp), 0);
	for (i = 0; i < sizeof not_paths / sizeof not_paths[0]; i++)
		CHECK_INT(frame_path_parse(not_paths[i], &fp), -1);
}

/* What the walk answers itself, so that the table above does not pass by
 * handing everything to libjq. want: the scalar's text, when one. */
static void
test_answers(void)
{
	static const struct {
		const char *program, *text;
		enum frame_path_answer a;
		const char *want;
	} cases[] = {
		{ ".data.id", NULL, FRAME_PATH_SCALAR, "\"cf8ff507\"" },
		{ ".data.data", NULL, FRAME_PATH_SCALAR, "\"{\\\"data\\\":\\\"hello bob\\\"}\"" },
		{ ".data.from_id", NULL, FRAME_PATH_SCALAR, "1" },
		{ ".msg", NULL, FRAME_PATH_NULL, "" },
		{ ".data.id", "{\"data\":null}", FRAME_PATH_NULL, "" },
		{ ".data.id", "null", FRAME_PATH_NULL, "" },
		{ ".data.id", "{\"data\":{\"id\":1},\"data\":{\"id\":2}}", FRAME_PATH_SCALAR, "2" },
		{ ".data.id", "{\"data\":{\"id\":3},\"data\":{}}", FRAME_PATH_NULL, "" },
		{ ".data.id", "{\"data\":\"s\",\"data\":{\"id\":3}}", FRAME_PATH_SCALAR, "3" },
		{ ".data.id", "{\"data\":{\"id\":3},\"data\":\"s\"}", FRAME_PATH_JQ, "" },
		{ ".data.id", "{\"data\":{\"id\":[]}}", FRAME_PATH_JQ, "" },
		{ ".data.id", "{\"data\":{\"\\u0069d\":5}}", FRAME_PATH_JQ, "" },
		{ ".data.id", "[]", FRAME_PATH_JQ, "" },
		{ ".data.id", "{\"a\":\"}{\\\"\",\"data\":{\"x\":\"]\",\"id\":\"y\\\\\"}}", FRAME_PATH_SCALAR,
		    "\"y\\\\\"" },
		{ ".data.id", "{\"data\":{\"id\":true }}", FRAME_PATH_SCALAR, "true" },
		{ ".data.id", "{\"data\":{\"id\":-1.5e+3}}", FRAME_PATH_SCALAR, "-1.5e+3" },
	};
	char got[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK_INT(answer(cases[i].program, cases[i].text ? cases[i].text : frames[0], got, sizeof got),
		    cases[i].a);
		CHECK_STR(got, cases[i].want);
	}
}

static void
test_decode(void)
{
	static const char s[] = "\"a\\/\\u00e9\\ud83d\\ude00\\u0000\\n\\\"\"";
	char out[sizeof s];
	size_t n = frame_string_decode(s, sizeof s - 1, out);

	CHECK_INT(n, 1 + 1 + 2 + 4 + 1 + 1 + 1);
	CHECK(memcmp(out, "a/\xc3\xa9\xf0\x9f\x98\x80\0\n\"", n) == 0);
}

int
main(void)
{
	size_t i, j;

	test_parse();
	test_answers();
	test_decode();
	for (i = 0; i < sizeof programs / sizeof programs[0]; i++)
		for (j = 0; j < sizeof frames / sizeof frames[0]; j++) {
			same_as_jq(programs[i], 0, frames[j]);
			same_as_jq(programs[i], 1, frames[j]);
		}
	return unit_done();
}
