/* Fuzz target: --jq programs that are plain paths, answered without libjq
 * (lib/frame.c frame_path_*, lib/json.c output_emit_text), differentially.
 * On every input that passes frame_check(), each program below, with and
 * without -r, prints through output_emit_text() exactly the bytes libjq
 * prints for the parsed value through output_emit(), returns the same
 * code and says the same error; and the value itself, printed by
 * lib/json.c's own printer (output_emit() with no program, which those
 * results go through too), is what libjq's jv_dump_string() prints. */
#include <jv.h>

#include "../../lib/frame.h"
#include "../../lib/json.h"
#include "fuzz.h"

/* Short keys too, which mutations spell more often than "data". */
static const char *const programs[] = {
	".data.id", ".type", ".data", ".data.data", ".a", ".a.b", ".data.data.data",
};

#define NPROG (sizeof programs / sizeof programs[0])

/* Compiled once: libjq takes longer to compile a program than to run it. */
static struct output outs[NPROG][2];
/* No program: lib/json.c's own printer, which the reference above uses. */
static struct output plain;

struct result {
	char *out;
	size_t len;
	int code;
	struct err e;
};

static void
run(struct output *o, const char *text, size_t len, int fast, struct result *r)
{
	FILE *fp = open_memstream(&r->out, &r->len);

	FUZZ_CHECK(fp != NULL);
	memset(&r->e, 0, sizeof r->e);
	o->fp = fp;
	if (fast)
		r->code = output_emit_text(o, text, len, 0, &r->e);
	else
		r->code = output_emit(o, jv_parse_sized(text, (int)len), &r->e);
	o->fp = NULL;
	fclose(fp);
}

/* At exit, before the leak check: libjq keeps a jq_state's stack by a
 * pointer to its end, which LeakSanitizer does not count as one. */
static void
release(void)
{
	size_t i;

	for (i = 0; i < NPROG; i++) {
		output_release(&outs[i][0]);
		output_release(&outs[i][1]);
	}
	output_release(&plain);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *text = (const char *)data;
	struct result fast, jq;
	size_t i, raw;

	if (!ready) {
		for (i = 0; i < NPROG; i++)
			for (raw = 0; raw < 2; raw++) {
				struct err e;

				FUZZ_CHECK(output_init(&outs[i][raw], stdout, programs[i], (int)raw, 0, &e) == EX_OK);
				FUZZ_CHECK(outs[i][raw].path != NULL);
			}
		FUZZ_CHECK(output_init(&plain, stdout, NULL, 0, 0, &(struct err){ 0, "" }) == EX_OK);
		atexit(release);
		ready = 1;
	}
	if (size > 1 << 16 || frame_check(text, size, NULL, NULL, NULL) != 0)
		return 0;
	/* The whole value, built without libjq's parser, dumps as parsed. */
	{
		jv a = jv_dump_string(json_checked(text, size), 0);
		jv b = jv_dump_string(jv_parse_sized(text, (int)size), 0);

		if (strcmp(jv_string_value(a), jv_string_value(b)) != 0) {
			fprintf(stderr, "built %s, parsed %s\n", jv_string_value(a), jv_string_value(b));
			FUZZ_CHECK(!"json_checked and jv_parse_sized differ");
		}
		jv_free(a);
		jv_free(b);
	}
	/* ... and lib/json.c prints it as libjq's own printer does. */
	{
		jv d = jv_dump_string(jv_parse_sized(text, (int)size), 0);

		run(&plain, text, size, 0, &jq);
		if (jq.len != strlen(jv_string_value(d)) + 1 ||
		    memcmp(jq.out, jv_string_value(d), jq.len - 1) != 0) {
			fprintf(stderr, "printed [%.*s], libjq [%s]\n", (int)jq.len, jq.out, jv_string_value(d));
			FUZZ_CHECK(!"lib/json.c's printer and libjq's differ");
		}
		free(jq.out);
		jv_free(d);
	}
	for (i = 0; i < NPROG; i++)
		for (raw = 0; raw < 2; raw++) {
			run(&outs[i][raw], text, size, 1, &fast);
			run(&outs[i][raw], text, size, 0, &jq);
			if (fast.code != jq.code || strcmp(fast.e.msg, jq.e.msg) != 0 ||
			    fast.len != jq.len || memcmp(fast.out, jq.out, jq.len) != 0) {
				fprintf(stderr, "%s%s: fast %d \"%s\" [%.*s], libjq %d \"%s\" [%.*s]\n",
				    programs[i], raw ? " -r" : "", fast.code, fast.e.msg, (int)fast.len,
				    fast.out, jq.code, jq.e.msg, (int)jq.len, jq.out);
				FUZZ_CHECK(!"the fast path and libjq differ");
			}
			free(fast.out);
			free(jq.out);
		}
	return 0;
}
