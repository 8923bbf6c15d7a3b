#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "json.h"

static void
on_jq_error(void *arg, jv msg)
{
	struct output *o = arg;

	/* The callback owns msg. A compile error comes first, then a summary
	 * ("jq: 1 compile error"): keep the first, it says what is wrong. */
	if (o->jq_error[0]) {
		jv_free(msg);
		return;
	}
	if (jv_get_kind(msg) == JV_KIND_STRING) {
		snprintf(o->jq_error, sizeof o->jq_error, "%s", jv_string_value(msg));
	} else {
		jv s = jv_dump_string(jv_copy(msg), 0);

		snprintf(o->jq_error, sizeof o->jq_error, "%s", jv_string_value(s));
		jv_free(s);
	}
	jv_free(msg);
}

int
output_init(struct output *o, FILE *fp, const char *program, int raw, int pretty, struct err *e)
{
	memset(o, 0, sizeof *o);
	o->fp = fp;
	o->raw = raw;
	o->pretty = pretty >= 0 ? pretty : isatty(fileno(fp));
	if (program == NULL)
		return EX_OK;
	o->jq = jq_init();
	if (o->jq == NULL)
		return err_set(e, EX_USAGE, "cannot start jq");
	jq_set_error_cb(o->jq, on_jq_error, o);
	/* jq_compile_args consumes its args and returns nonzero on success. */
	if (!jq_compile_args(o->jq, program, jv_object())) {
		err_set(e, EX_USAGE, "invalid --jq program: %s",
		    o->jq_error[0] ? o->jq_error : "does not compile");
		jq_teardown(&o->jq);
		return EX_USAGE;
	}
	return EX_OK;
}

static void
print_value(struct output *o, jv v)
{
	if (o->raw && jv_get_kind(v) == JV_KIND_STRING) {
		fwrite(jv_string_value(v), 1, (size_t)jv_string_length_bytes(jv_copy(v)), o->fp);
		jv_free(v);
	} else {
		jv_dumpf(v, o->fp, o->pretty ? JV_PRINT_PRETTY | JV_PRINT_INDENT_FLAGS(2) : 0);
	}
	putc('\n', o->fp);
}

int
output_emit(struct output *o, jv v, struct err *e)
{
	jv r;

	o->results = 0;
	if (o->jq == NULL) {
		print_value(o, v);
		o->results = 1;
		return EX_OK;
	}
	o->jq_error[0] = '\0';
	jq_start(o->jq, v, 0);	/* consumes v */
	while (jv_is_valid(r = jq_next(o->jq))) {
		print_value(o, r);
		o->results++;
	}
	if (jv_invalid_has_msg(jv_copy(r))) {
		jv msg = jv_invalid_get_msg(r);	/* consumes r */

		if (jv_get_kind(msg) == JV_KIND_STRING) {
			err_set(e, EX_USAGE, "--jq: %s", jv_string_value(msg));
		} else {
			jv s = jv_dump_string(msg, 0);

			err_set(e, EX_USAGE, "--jq: %s (not a string)", jv_string_value(s));
			msg = s;
		}
		jv_free(msg);
		return EX_USAGE;
	}
	jv_free(r);
	return EX_OK;
}

void
output_release(struct output *o)
{
	if (o->jq)
		jq_teardown(&o->jq);
}

void
json_print_line(FILE *fp, jv v)
{
	jv_dumpf(v, fp, 0);
	putc('\n', fp);
}

jv
json_parse(const char *text, size_t len)
{
	const char *why;
	size_t at, i, line = 1, col = 1;

	if (frame_check(text, len, NULL, &at, &why) == 0)
		return jv_parse_sized(text, (int)len);
	for (i = 0; i < at; i++, col++)
		if (text[i] == '\n') {
			line++;
			col = 0;
		}
	return jv_invalid_with_msg(jv_string_fmt("%s at line %zu, column %zu", why, line, col));
}

void
json_print_text(FILE *fp, const char *text, size_t len, int newline)
{
	const char *p = text, *end = text + len, *q;

	if (!newline) {
		fwrite_unlocked(text, 1, len, fp);
	} else {
		/* CR and LF are white space here: no string holds one raw. */
		for (; p < end; p = q + 1) {
			for (q = p; q < end && *q != '\n' && *q != '\r'; q++)
				;
			fwrite_unlocked(p, 1, (size_t)(q - p), fp);
		}
	}
	putc_unlocked('\n', fp);
}
