/* JSON output and --jq (lib/json.c). */
#include <stdlib.h>

#include "../../lib/frame.h"
#include "../../lib/json.h"
#include "unit.h"

/* Run one value through an output and return what it printed. */
static char *
emit(const char *program, int raw, int pretty, const char *input, int *code)
{
	struct output o;
	struct err e;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	*code = output_init(&o, fp, program, raw, pretty, &e);
	if (*code == EX_OK)
		*code = output_emit(&o, jv_parse(input), &e);
	output_release(&o);
	fclose(fp);
	return text;
}

/* json_checked() builds what jv_parse_sized() parses: the same dump,
 * key order, duplicates, escapes and numbers included. */
static void
test_checked(void)
{
	static const char *const texts[] = {
		"{}", "[]", " [ ] ", "{\"b\":1,\"a\":2,\"b\":3}", "{\"a\":{\"a\":{\"a\":[1,[2,[3]]]}}}",
		"\"\\u00e9\\ud83d\\ude00\\/\\\"\\\\\\b\\f\\n\\r\\t\\u0000x\"", "\"\xe4\xbd\xa0\"",
		"0", "-0", "1.5", "1e2", "1E-2", "-1.25e+3", "12345678901234567890", "1e400", "-1e400",
		"4.9e-324", "1e-400", "0.1", "3.141592653589793238462643383279", "123456789012345.6",
		"true", "false", "null", "\t{\"k\\u0041\":[true,false,null,\"\"]}\r\n",
		"{\"type\":\"singleChat\",\"data\":{\"id\":\"u1\",\"from_id\":2,\"data\":\"{\\\"a\\\":1}\"}}",
	};
	size_t i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		size_t len = strlen(texts[i]);
		jv a, b;

		if (strcmp(texts[i], "\"\\u00e9\\ud83d\\ude00\\/\\\"\\\\\\b\\f\\n\\r\\t\\u0000x\"") == 0)
			CHECK_INT(jv_string_length_bytes(json_checked(texts[i], len)), 16);
		CHECK(frame_check(texts[i], len, NULL, NULL, NULL) == 0);
		a = jv_dump_string(json_checked(texts[i], len), 0);
		b = jv_dump_string(jv_parse_sized(texts[i], (int)len), 0);
		if (strcmp(jv_string_value(a), jv_string_value(b)) != 0)
			fprintf(stderr, "%s: built %s, parsed %s\n", texts[i], jv_string_value(a), jv_string_value(b));
		CHECK_STR(jv_string_value(a), jv_string_value(b));
		jv_free(a);
		jv_free(b);
	}
}

/* What libjq's own printer writes for every result of program on input:
 * the reference for lib/json.c's printer. */
static char *
jq_reference(const char *program, const char *input)
{
	jq_state *jq = jq_init();
	struct buf b = BUF_INIT;
	jv r;

	if (!jq_compile(jq, program)) {
		jq_teardown(&jq);
		return xstrdup("(does not compile)");
	}
	jq_start(jq, jv_parse(input), 0);
	while (jv_is_valid(r = jq_next(jq))) {
		jv s = jv_dump_string(r, 0);

		buf_adds(&b, jv_string_value(s));
		buf_add(&b, "\n", 1);
		jv_free(s);
	}
	jv_free(r);
	jq_teardown(&jq);
	return buf_detach(&b);
}

/* The printer writes what jv_dump_string writes, byte for byte: numbers
 * of every form, strings of every escape, key order after deletes and
 * rehashes, empty containers, and nesting below, at and past the depth
 * where it hands over to libjq (and past jq's own 256 levels). */
static void
test_printer_is_jqs(void)
{
	static const char *const cases[][2] = {
		{ ".", "[0, -0, 1, -1, 999999999999999, -999999999999999, 1000000000000000, 1e15,"
		    " 1e16, 1e17, 123456789012345678, 0.1, 1.5, -1e-7, 1.5e300, 3.0, 100000000000000000000]" },
		{ "[nan, infinite, -infinite, 1/3, 2/3*3, -0.0, 0 * -1]", "null" },
		{ ".", "[\"\", \"a\\\"b\\\\c/d\", \"\\u0000\\u0001\\u001f\\u007f\\b\\f\\n\\r\\t\","
		    " \"\\u00e9\\u4e2d\\ud83d\\ude00\", \"\\u2028\\u2029\", \"plain text with spaces\"]" },
		{ ".", "{\"\\u0000k\\\"\": {\"\": []}, \"e\": {}, \"a\": [[], {}, [[]]], \"n\": null,"
		    " \"t\": true, \"f\": false}" },
		{ "del(.b) | .d = 4 | .a = 9", "{\"a\": 1, \"b\": 2, \"c\": 3}" },
		{ "reduce range(40) as $i ({}; .[\"k\\($i)\"] = $i) | del(.k3, .k17) | .k3 = 0", "null" },
		{ "{id: .data.id, type}, [.data.from_id, .timestamp], .data", "{\"type\": \"singleChat\","
		    " \"data\": {\"id\": \"m1\", \"from_id\": 1, \"to_id\": 2, \"data\": \"{\\\"x\\\":1}\","
		    " \"create_time\": 1700000000000}, \"timestamp\": 1700000000123}" },
		{ "reduce range(127) as $i (0; [.])", "null" },
		{ "reduce range(128) as $i (0; {a: .})", "null" },
		{ "reduce range(129) as $i (0; [.])", "null" },
		{ "reduce range(255) as $i (\"s\"; [.])", "null" },
		{ "reduce range(256) as $i (0; [.])", "null" },
		{ "reduce range(300) as $i (0; {a: .})", "null" },
		{ "[limit(5; repeat(1.25))], [range(5) | . * 1e14], [range(3) | . - 1e15]", "null" },
	};
	size_t i;
	char *got, *want;
	int code;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = emit(cases[i][0], 0, 0, cases[i][1], &code);
		want = jq_reference(cases[i][0], cases[i][1]);
		CHECK_INT(code, EX_OK);
		CHECK_STR(got, want);
		free(got);
		free(want);
	}
	/* Without a program too: the one-shot commands' output. */
	got = emit(NULL, 0, 0, cases[0][1], &code);
	want = jq_reference(".", cases[0][1]);
	CHECK_STR(got, want);
	free(got);
	free(want);
}

int
main(void)
{
	struct output o;
	struct err e;
	char *s;
	int code;

	test_checked();
	test_printer_is_jqs();

	s = emit(NULL, 0, 0, "{\"b\":1,\"a\":\"中\"}", &code);
	CHECK_INT(code, EX_OK);
	CHECK_STR(s, "{\"b\":1,\"a\":\"中\"}\n");	/* key order kept, UTF-8 as is */
	free(s);
	s = emit(NULL, 0, 1, "{\"a\":[1]}", &code);
	CHECK_STR(s, "{\n  \"a\": [\n    1\n  ]\n}\n");
	free(s);
	s = emit(".a", 0, 0, "{\"a\":\"x\"}", &code);
	CHECK_STR(s, "\"x\"\n");
	free(s);
	s = emit(".a", 1, 0, "{\"a\":\"x\"}", &code);
	CHECK_STR(s, "x\n");
	free(s);
	s = emit(".[]", 1, 0, "[1,\"two\",null]", &code);
	CHECK_STR(s, "1\ntwo\nnull\n");
	free(s);
	s = emit("select(.a == 2)", 0, 0, "{\"a\":1}", &code);
	CHECK_INT(code, EX_OK);
	CHECK_STR(s, "");
	free(s);
	s = emit(".a.b", 0, 0, "{\"a\":\"str\"}", &code);
	CHECK_INT(code, EX_USAGE);	/* a runtime error in the program */
	free(s);

	CHECK_INT(output_init(&o, stdout, ".[", 0, 0, &e), EX_USAGE);
	CHECK(strstr(e.msg, "invalid --jq program") != NULL);
	output_release(&o);
	CHECK_INT(output_init(&o, stdout, "nosuchfunction", 0, 0, &e), EX_USAGE);
	output_release(&o);
	return unit_done();
}
