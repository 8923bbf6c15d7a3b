#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "json.h"
#include "xalloc.h"

/* The helpers every --jq program may use (chatctl-frames(7)): jq
 * definitions compiled in front of the program, so that its own
 * definitions win, and jq drops the ones it does not call. text decodes a
 * message's JSON-in-a-string only when it is one whole string literal:
 * libjq 1.6 leaks what it read of an unfinished one (issue 10). */
static const char helpers[] =
	"def _chatctl_unwrap:\n"
	"  if type == \"object\" then .data\n"
	"  elif type == \"string\" then\n"
	"    ((capture(\"^\\\\{\\\"data\\\":(?<s>\\\"(?:[^\\\"\\\\\\\\[:cntrl:]]|\\\\\\\\[\\\"\\\\\\\\/bfnrt]|\\\\\\\\u[0-9a-fA-F]{4})*\\\")[,}]\") | .s | try fromjson catch null) // .)\n"
	"  else . end;\n"
	"def kind:\n"
	"  if type != \"object\" then \"other\"\n"
	"  elif .type == \"ping\" then \"ping\"\n"
	"  elif .type == \"pong\" then \"pong\"\n"
	"  elif .type == \"system\" then \"welcome\"\n"
	"  elif .type == null and (.msg == \"fail\" or .msg == \"force_logout\") then \"rejection\"\n"
	"  elif .type != \"singleChat\" or (.data | type) != \"object\" then \"other\"\n"
	"  elif (.data.from_id | type) == \"string\" and (.data.from_id | startswith(\"redirect-applyFriend-\")) then \"request\"\n"
	"  elif (.data.from_id | type) == \"string\" and (.data.from_id | startswith(\"redirect-\")) then \"tip\"\n"
	"  elif .data.actionType == \"revoke\" then \"revoke\"\n"
	"  elif .data.type == \"systemNotice\" and .data.chatType == \"group\" then \"group_notice\"\n"
	"  elif .data.type == \"systemNotice\" and (.data.data | _chatctl_unwrap) == \"我们已经是好友了，可以开始聊天了\" then \"friendship\"\n"
	"  elif .data.from_id == 0 then \"other\"\n"
	"  else \"message\" end;\n"
	"def text:\n"
	"  if type != \"object\" then null\n"
	"  elif .type == \"singleChat\" then (.data | if type == \"object\" then .data | _chatctl_unwrap else null end)\n"
	"  elif (.data | type) == \"string\" then .data\n"
	"  else null end;\n"
	"def sender:\n"
	"  if type == \"object\" and .type == \"singleChat\" and (.data | type) == \"object\" then\n"
	"    .data.from_id\n"
	"    | if type == \"string\" then (capture(\"^(redirect-applyFriend-)?(?<n>[0-9]{1,15})$\") | .n | tonumber) // null\n"
	"      elif type == \"number\" and . > 0 then .\n"
	"      else null end\n"
	"  else null end;\n"
	"def reply_to:\n"
	"  if kind != \"message\" then null\n"
	"  elif .data.chatType == \"group\" then {to: .data.to_id, group: true}\n"
	"  else {to: sender, group: false} end;\n";

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
	char *text;
	int ok;

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
	text = xasprintf("%s%s", helpers, program);
	/* jq_compile_args consumes its args and returns nonzero on success. */
	ok = jq_compile_args(o->jq, text, jv_object());
	free(text);
	if (!ok) {
		/* Say what is wrong with the program as the user wrote it,
		 * without the helpers in front (jq quotes the whole text). */
		o->jq_error[0] = '\0';
		jq_compile_args(o->jq, program, jv_object());
		err_set(e, EX_USAGE, "invalid --jq program: %s",
		    o->jq_error[0] ? o->jq_error : "does not compile");
		jq_teardown(&o->jq);
		return EX_USAGE;
	}
	/* On the user's text: the helpers are only definitions. */
	o->path = xmalloc(sizeof *o->path);
	if (frame_path_parse(program, o->path) != 0) {
		free(o->path);
		o->path = NULL;
	}
	return EX_OK;
}

/* s[0..n) as jq 1.6 writes a string (jv_print.c, jvp_dump_string): \"
 * and \\, the short escapes of \b \t \r \n \f, \u00XX for the other
 * control characters and DEL, every other character as it is. Runs of
 * plain bytes are copied at once. */
static void
dump_string(struct buf *b, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *end = s + n, *run;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	buf_add(b, "\"", 1);
	while (s < end) {
		for (run = s; s < end && *s >= 0x20 && *s != 0x7f && *s != '"' && *s != '\\'; s++)
			;
		buf_add(b, run, (size_t)(s - run));
		if (s == end)
			break;
		switch (*s) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\b': buf_add(b, "\\b", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\f': buf_add(b, "\\f", 2); break;
		default:
			esc[4] = hex[*s >> 4];
			esc[5] = hex[*s & 0xf];
			buf_add(b, esc, 6);
			break;
		}
		s++;
	}
	buf_add(b, "\"", 1);
}

/* Past this depth a value is left to libjq's printer, which strips what
 * lies deeper than 256 levels. */
#define DUMP_DEPTH 128

/* v (borrowed) as jq 1.6 prints it compactly (jv_dump_term, no flags),
 * into b: libjq's jv_dump_string grows a jv string a token at a time, 15 %
 * of a --jq listen. Objects go in jv_object_iter's order, as jq's own.
 * A number other than an integer of at most 15 digits, which jq writes
 * with its own dtoa, is formatted by libjq. -1 when v is too deep. */
static int
dump_jv(struct buf *b, jv v, int depth)
{
	char num[24];
	double d;
	int i, n, first, r = 0;

	if (depth > DUMP_DEPTH)
		return -1;
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:
		buf_add(b, "null", 4);
		break;
	case JV_KIND_TRUE:
		buf_add(b, "true", 4);
		break;
	case JV_KIND_FALSE:
		buf_add(b, "false", 5);
		break;
	case JV_KIND_NUMBER:
		d = jv_number_value(v);
		if (d > -1e15 && d < 1e15 && d == (double)(long long)d && (d != 0 || !signbit(d))) {
			n = snprintf(num, sizeof num, "%lld", (long long)d);
			buf_add(b, num, (size_t)n);
		} else {
			jv s = jv_dump_string(jv_copy(v), 0);

			buf_adds(b, jv_string_value(s));
			jv_free(s);
		}
		break;
	case JV_KIND_STRING:
		dump_string(b, (const unsigned char *)jv_string_value(v),
		    (size_t)jv_string_length_bytes(jv_copy(v)));
		break;
	case JV_KIND_ARRAY:
		buf_add(b, "[", 1);
		n = jv_array_length(jv_copy(v));
		for (i = 0; i < n && r == 0; i++) {
			jv e = jv_array_get(jv_copy(v), i);

			if (i)
				buf_add(b, ",", 1);
			r = dump_jv(b, e, depth + 1);
			jv_free(e);
		}
		buf_add(b, "]", 1);
		break;
	case JV_KIND_OBJECT:
		buf_add(b, "{", 1);
		first = 1;
		for (i = jv_object_iter(v); jv_object_iter_valid(v, i) && r == 0; i = jv_object_iter_next(v, i)) {
			jv k = jv_object_iter_key(v, i), e = jv_object_iter_value(v, i);

			if (!first)
				buf_add(b, ",", 1);
			dump_string(b, (const unsigned char *)jv_string_value(k),
			    (size_t)jv_string_length_bytes(jv_copy(k)));
			buf_add(b, ":", 1);
			r = dump_jv(b, e, depth + 1);
			jv_free(k);
			jv_free(e);
			first = 0;
		}
		buf_add(b, "}", 1);
		break;
	default:
		return -1;
	}
	return r;
}

static void
print_value(struct output *o, jv v)
{
	if (o->raw && jv_get_kind(v) == JV_KIND_STRING) {
		fwrite(jv_string_value(v), 1, (size_t)jv_string_length_bytes(jv_copy(v)), o->fp);
		jv_free(v);
	} else if (!o->pretty && dump_jv(&o->out, v, 0) == 0) {
		fwrite_unlocked(o->out.buf, 1, o->out.len, o->fp);
		jv_free(v);
	} else {
		/* jv_dumpf writes a token at a time, each fwrite taking the
		 * stream's lock: built as one string, a result is one write. */
		jv s = jv_dump_string(v, o->pretty ? JV_PRINT_PRETTY | JV_PRINT_INDENT_FLAGS(2) : 0);

		fwrite_unlocked(jv_string_value(s), 1, (size_t)jv_string_length_bytes(jv_copy(s)), o->fp);
		jv_free(s);
	}
	buf_reset(&o->out);
	putc_unlocked('\n', o->fp);
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

/* A string of checked text, with its quotes, as print_value() prints it. */
static void
print_string(struct output *o, const char *v, size_t n)
{
	size_t m;

	/* Most strings come as jq writes them. */
	if (!memchr(v, '\\', n) && !memchr(v, 0x7f, n)) {
		if (o->raw)
			fwrite_unlocked(v + 1, 1, n - 2, o->fp);
		else
			fwrite_unlocked(v, 1, n, o->fp);
		return;
	}
	if (o->bufsize < n) {
		o->bufsize = n;
		o->buf = xrealloc(o->buf, n);
	}
	m = frame_string_decode(v, n, o->buf);
	if (o->raw)
		fwrite_unlocked(o->buf, 1, m, o->fp);
	else {
		dump_string(&o->out, (const unsigned char *)o->buf, m);
		fwrite_unlocked(o->out.buf, 1, o->out.len, o->fp);
		buf_reset(&o->out);
	}
}

/* Whether jq 1.6 prints the number v[0..n) as it is written: an integer
 * of at most 15 digits is a double exactly, and jvp_dtoa_fmt writes it
 * without an exponent. -0, 1.0, 1e2 and longer integers libjq rewrites. */
static int
as_written(const char *v, size_t n)
{
	size_t i = v[0] == '-';

	if (n == i || n - i > 15 || (v[i] == '0' && (n > 1 || i)))
		return 0;
	for (; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	return 1;
}

/* The answer of a plain path, without libjq: -1 when it takes libjq. */
static int
print_path(struct output *o, const char *text, size_t len)
{
	const char *v;
	size_t n;

	switch (frame_path_find(o->path, text, len, &v, &n)) {
	case FRAME_PATH_NULL:
		v = "null";
		n = 4;
		break;
	case FRAME_PATH_SCALAR:
		if (*v == '"') {
			print_string(o, v, n);
			putc_unlocked('\n', o->fp);
			return 0;
		}
		if (*v != 't' && *v != 'f' && *v != 'n' && !as_written(v, n))
			return -1;
		break;
	default:
		return -1;
	}
	fwrite_unlocked(v, 1, n, o->fp);
	putc_unlocked('\n', o->fp);
	return 0;
}

int
output_emit_text(struct output *o, const char *text, size_t len, int newline, struct err *e)
{
	o->results = 1;
	if (o->jq == NULL) {
		json_print_text(o->fp, text, len, newline);
		return EX_OK;
	}
	if (o->path && print_path(o, text, len) == 0)
		return EX_OK;
	return output_emit(o, json_checked(text, len), e);
}

int
output_each(void *arg, jv v, struct err *e)
{
	return output_emit(arg, v, e);
}

void
output_release(struct output *o)
{
	if (o->jq)
		jq_teardown(&o->jq);
	free(o->path);
	free(o->buf);
	buf_release(&o->out);
	o->path = NULL;
	o->buf = NULL;
	o->bufsize = 0;
}

void
json_print_line(FILE *fp, jv v)
{
	jv_dumpf(v, fp, 0);
	putc('\n', fp);
}

/* json_checked(): a walk over text frame_check() passed, so it needs no
 * error paths: the bytes are where strict JSON puts them. */
struct build {
	const char *p, *end;
	char *tmp;		/* decoded strings, numbers as C strings */
	size_t cap;
};

static void
build_ws(struct build *b)
{
	while (b->p < b->end && (*b->p == ' ' || *b->p == '\t' || *b->p == '\n' || *b->p == '\r'))
		b->p++;
}

static char *
build_room(struct build *b, size_t n)
{
	if (b->cap < n + 1) {
		b->cap = n + 1;
		b->tmp = xrealloc(b->tmp, b->cap);
	}
	return b->tmp;
}

static jv
build_string(struct build *b)
{
	const char *s = b->p, *q = s + 1;
	int escapes = 0;
	size_t n;
	char *t;

	while (*q != '"') {
		if (*q == '\\') {
			escapes = 1;
			q++;
		}
		q++;
	}
	b->p = q + 1;
	if (!escapes)
		return jv_string_sized(s + 1, (int)(q - s - 1));
	t = build_room(b, (size_t)(b->p - s));
	n = frame_string_decode(s, (size_t)(b->p - s), t);
	return jv_string_sized(t, (int)n);
}

/* strtod rounds correctly, as jq 1.6's own (David Gay's) does: the same
 * double for every number. */
static jv
build_number(struct build *b)
{
	const char *s = b->p;
	char *t;

	while (b->p < b->end && strchr("+-.0123456789eE", *b->p) != NULL && *b->p != '\0')
		b->p++;
	t = build_room(b, (size_t)(b->p - s));
	memcpy(t, s, (size_t)(b->p - s));
	t[b->p - s] = '\0';
	return jv_number(strtod(t, NULL));
}

static jv
build_value(struct build *b)
{
	jv v;

	build_ws(b);
	switch (*b->p) {
	case '{':
		v = jv_object();
		b->p++;
		build_ws(b);
		if (*b->p == '}') {
			b->p++;
			return v;
		}
		for (;;) {
			jv k;

			build_ws(b);
			k = build_string(b);
			build_ws(b);
			b->p++;		/* : */
			v = jv_object_set(v, k, build_value(b));
			build_ws(b);
			if (*b->p++ == '}')
				return v;
		}
	case '[':
		v = jv_array();
		b->p++;
		build_ws(b);
		if (*b->p == ']') {
			b->p++;
			return v;
		}
		for (;;) {
			v = jv_array_append(v, build_value(b));
			build_ws(b);
			if (*b->p++ == ']')
				return v;
		}
	case '"':
		return build_string(b);
	case 't':
		b->p += 4;
		return jv_true();
	case 'f':
		b->p += 5;
		return jv_false();
	case 'n':
		b->p += 4;
		return jv_null();
	default:
		return build_number(b);
	}
}

jv
json_checked(const char *text, size_t len)
{
	struct build b = { text, text + len, NULL, 0 };
	jv v = build_value(&b);

	free(b.tmp);
	return v;
}

jv
json_parse(const char *text, size_t len)
{
	const char *why;
	size_t at, i, line = 1, col = 1;

	if (frame_check(text, len, NULL, &at, &why) == 0)
		return json_checked(text, len);
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
