/* JSON output and --jq (lib/json.c). */
#include <stdlib.h>

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

int
main(void)
{
	struct output o;
	struct err e;
	char *s;
	int code;

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
