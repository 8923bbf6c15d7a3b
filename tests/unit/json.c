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

int
main(void)
{
	struct output o;
	struct err e;
	char *s;
	int code;

	test_checked();

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
