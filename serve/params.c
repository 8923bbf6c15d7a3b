/* serve/params.c: see params.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "../lib/xalloc.h"

static int
hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
params_url_decode(const char *s, size_t n, int plus)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < n ? hexdigit((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < n ? hexdigit((unsigned char)s[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus)
			*o++ = ' ';
		else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

jv
params_form_parse(const char *s, size_t len)
{
	jv o = jv_object();
	size_t i = 0;

	while (i < len) {
		size_t end = i, eq;
		char *k, *v;

		while (end < len && s[end] != '&')
			end++;
		for (eq = i; eq < end && s[eq] != '='; eq++)
			;
		k = params_url_decode(s + i, eq - i, 1);
		v = eq < end ? params_url_decode(s + eq + 1, end - eq - 1, 1) : xstrdup("");
		if (k && v && k[0] &&
		    !jv_object_has(jv_copy(o), jv_string(k)))
			o = jv_object_set(o, jv_string(k), jv_string(v));
		free(k);
		free(v);
		i = end + 1;
	}
	return o;
}

int
params_missing(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		return 1;
	case JV_KIND_STRING:
		return jv_string_value(v)[0] == '\0';
	default:
		return 0;
	}
}

/* A whole decimal number, optionally signed, that fits a long. */
static int
text_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!*s || isspace((unsigned char)*s))
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || errno)
		return 0;
	*out = v;
	return 1;
}

int
params_long(jv params, const char *name, long *out)
{
	jv v = jv_object_get(jv_copy(params), jv_string(name));
	int ok = 0;

	/* Not jv_is_integer(): libjq 1.6 limits it to the range of int. */
	if (jv_get_kind(v) == JV_KIND_NUMBER && jv_number_value(v) > -1e15 &&
	    jv_number_value(v) < 1e15 && jv_number_value(v) == (double)(long)jv_number_value(v)) {
		*out = (long)jv_number_value(v);
		ok = 1;
	} else if (jv_get_kind(v) == JV_KIND_STRING)
		ok = text_long(jv_string_value(v), out);
	jv_free(v);
	return ok;
}

char *
params_text(jv params, const char *name)
{
	jv v = jv_object_get(jv_copy(params), jv_string(name));
	char *s = NULL;

	if (jv_get_kind(v) == JV_KIND_STRING)
		s = xstrdup(jv_string_value(v));
	else if (jv_is_valid(v)) {
		jv t = jv_dump_string(jv_copy(v), 0);

		s = xstrdup(jv_string_value(t));
		jv_free(t);
	}
	jv_free(v);
	return s;
}

/* Length as JavaScript counts it: UTF-16 code units. */
static long
js_length(const char *s)
{
	long n = 0;
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		n += *p >= 0xf0 ? 2 : 1;
	}
	return n;
}

/* A refusal names the value it refused, as the real server's validator
 * does, but never more than ECHO_MAX bytes of it (cut where a UTF-8
 * character starts): an answer must not grow with what was sent. */
#define ECHO_MAX 100

static char *
echo_cut(const char *text)
{
	size_t n = strlen(text);

	if (n <= ECHO_MAX)
		return xstrdup(text);
	n = ECHO_MAX;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	return xasprintf("%.*s...", (int)n, text);
}

char *
params_validate(jv params, const struct rule *rules)
{
	const struct rule *r;

	for (r = rules; r->name; r++) {
		jv v = jv_object_get(jv_copy(params), jv_string(r->name));
		char *text, *shown, *msg = NULL;
		long n;

		if (params_missing(v)) {
			jv_free(v);
			if (r->required)
				return xasprintf("%s不能为空", r->desc);
			continue;
		}
		/* The value as the message shows it. */
		if (jv_get_kind(v) == JV_KIND_STRING)
			text = xstrdup(jv_string_value(v));
		else {
			jv t = jv_dump_string(jv_copy(v), 0);

			text = xstrdup(jv_string_value(t));
			jv_free(t);
		}
		shown = echo_cut(text);
		switch (r->type) {
		case R_STRING:
			/* Objects pass as they are: sendmessage's data may be one. */
			if (jv_get_kind(v) != JV_KIND_OBJECT && jv_get_kind(v) != JV_KIND_ARRAY &&
			    (r->min || r->max) &&
			    (js_length(text) < r->min || js_length(text) > r->max))
				msg = xasprintf("%s 的长度 必须 在 %ld 和 %ld 之间", r->desc, r->min, r->max);
			break;
		case R_INT:
			if (!params_long(params, r->name, &n))
				msg = xasprintf("%s 的值 `%s` 的类型不是 `int`", r->desc, shown);
			else if (n < r->min)
				msg = xasprintf("%s 的数值 必须 在 %ld 和 10000000000000000 之间", r->desc, r->min);
			break;
		case R_ENUM: {
			const char *const *e;
			struct buf b = BUF_INIT;

			for (e = r->values; *e; e++)
				if (jv_get_kind(v) == JV_KIND_STRING && strcmp(text, *e) == 0)
					break;
			if (*e)
				break;
			for (e = r->values; *e; e++)
				buf_printf(&b, "%s`%s`", e == r->values ? "" : "、", *e);
			msg = xasprintf("%s 的值 `%s` 必须在 [%s] 中", r->desc, shown, b.buf);
			buf_release(&b);
			break;
		}
		}
		free(shown);
		free(text);
		jv_free(v);
		if (msg)
			return msg;
	}
	return NULL;
}
