#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "frame.h"
#include "utf8.h"

/* What a byte means inside a string: the loop that skips plain bytes is
 * where listen spends its scanning time. */
enum { C_PLAIN, C_QUOTE, C_ESCAPE, C_CONTROL, C_HIGH };

static const unsigned char str_class[256] = {
	[0x00 ... 0x1f] = C_CONTROL,
	['"'] = C_QUOTE,
	['\\'] = C_ESCAPE,
	[0x80 ... 0xff] = C_HIGH,
};

/* Where a value is: which of its keys are fields. */
enum at { AT_NONE, AT_TOP, AT_DATA };

struct scan {
	const unsigned char *p, *end;
	struct frame_info *fi;	/* NULL: only check */
	int depth;
	int slow;		/* a needed key or value holds an escape */
	int newline;
	const char *why;	/* set where the text first fails */
};

static int
fail(struct scan *s, const char *why)
{
	if (s->why == NULL)
		s->why = why;
	return -1;
}

static void
white(struct scan *s)
{
	for (; s->p < s->end; s->p++) {
		switch (*s->p) {
		case ' ':
		case '\t':
			break;
		case '\n':
		case '\r':
			s->newline = 1;
			break;
		default:
			return;
		}
	}
}

static int
hex4(const unsigned char *p, const unsigned char *end, unsigned *cp)
{
	int i;

	if (end - p < 4)
		return -1;
	*cp = 0;
	for (i = 0; i < 4; i++) {
		unsigned c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		*cp = *cp << 4 | d;
	}
	return 0;
}

/* An escape, s->p at its backslash (and left there when it is bad). A \u
 * escape of a surrogate must be the first half of a pair: libjq aborts on
 * a lone one. */
static int
escape(struct scan *s)
{
	const unsigned char *p = s->p + 1;
	unsigned cp, lo;

	if (p == s->end)
		return fail(s, "unfinished string");
	switch (*p) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		s->p = p + 1;
		return 0;
	case 'u':
		break;
	default:
		return fail(s, "invalid escape");
	}
	if (hex4(p + 1, s->end, &cp) != 0)
		return fail(s, "invalid \\u escape");
	p += 5;
	if (cp >= 0xd800 && cp <= 0xdfff) {
		if (cp > 0xdbff || s->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
		    hex4(p + 2, s->end, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
			return fail(s, "\\u escape of a lone surrogate");
		p += 6;
	}
	s->p = p;
	return 0;
}

/* A string, s->p at its opening quote. Its bytes between the quotes are
 * [*start, s->p - 1) after; *esc says whether they hold an escape. */
static int
string(struct scan *s, const unsigned char **start, int *esc)
{
	size_t n;

	*esc = 0;
	*start = ++s->p;
	for (;;) {
		while (s->p < s->end && str_class[*s->p] == C_PLAIN)
			s->p++;
		if (s->p == s->end)
			return fail(s, "unfinished string");
		switch (str_class[*s->p]) {
		case C_QUOTE:
			s->p++;
			return 0;
		case C_ESCAPE:
			*esc = 1;
			if (escape(s) != 0)
				return -1;
			break;
		case C_CONTROL:
			return fail(s, "raw control character in a string");
		default:
			if ((n = utf8_len(s->p, (size_t)(s->end - s->p))) == 0)
				return fail(s, "invalid UTF-8");
			s->p += n;
			break;
		}
	}
}

static int
digits(struct scan *s)
{
	if (s->p == s->end || *s->p < '0' || *s->p > '9')
		return fail(s, "invalid number");
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
number(struct scan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (digits(s) != 0)
		return -1;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (digits(s) != 0)
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (digits(s) != 0)
			return -1;
	}
	return 0;
}

static int
literal(struct scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "invalid literal");
	s->p += n;
	return 0;
}

/* Everything found under "data", for a "data" key seen again. */
static void
forget_data(struct frame_info *fi)
{
	fi->text[0] = fi->id[0] = fi->dtype[0] = fi->action[0] = '\0';
	fi->from[0] = fi->to[0] = fi->chat[0] = fi->ctime[0] = '\0';
}

#define IS(k, n, lit) ((n) == sizeof lit - 1 && memcmp((k), lit, sizeof lit - 1) == 0)

/* The buffer for the value of key k in an object at `at`, emptied (the
 * last value wins), or NULL. *sub is where the value sits if an object. */
static char *
field(struct frame_info *fi, enum at at, const unsigned char *k, size_t n, size_t *size, enum at *sub)
{
	char *dst = NULL;

#define FIELD(f) (*size = sizeof fi->f, dst = fi->f)
	if (at == AT_TOP) {
		if (IS(k, n, "type"))
			FIELD(type);
		else if (IS(k, n, "msg"))
			FIELD(msg);
		else if (IS(k, n, "data")) {
			forget_data(fi);
			*sub = AT_DATA;
			FIELD(text);
		}
	} else if (n >= 2) {
		switch (k[0]) {
		case 'i':
			if (IS(k, n, "id"))
				FIELD(id);
			break;
		case 't':
			if (IS(k, n, "type"))
				FIELD(dtype);
			else if (IS(k, n, "to_id"))
				FIELD(to);
			break;
		case 'a':
			if (IS(k, n, "actionType"))
				FIELD(action);
			break;
		case 'f':
			if (IS(k, n, "from_id"))
				FIELD(from);
			break;
		case 'c':
			if (IS(k, n, "chatType"))
				FIELD(chat);
			else if (IS(k, n, "create_time"))
				FIELD(ctime);
			break;
		}
	}
#undef FIELD
	if (dst)
		dst[0] = '\0';
	return dst;
}

static void
put(struct scan *s, char *dst, size_t size, const unsigned char *v, size_t n, int esc)
{
	if (esc) {
		s->slow = 1;
		return;
	}
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static int value(struct scan *s, enum at at, char *dst, size_t size);

static int
object(struct scan *s, enum at at)
{
	const unsigned char *k;
	size_t size = 0;
	enum at sub;
	char *dst;
	int esc;

	if (++s->depth > FRAME_MAX_DEPTH)
		return fail(s, "nested too deep");
	s->p++;
	white(s);
	if (s->p < s->end && *s->p == '}')
		goto close;
	for (;;) {
		if (s->p == s->end || *s->p != '"')
			return fail(s, "expected a key");
		if (string(s, &k, &esc) != 0)
			return -1;
		dst = NULL;
		sub = AT_NONE;
		/* An escaped key may spell a needed one: libjq decides. */
		if (at != AT_NONE && esc)
			s->slow = 1;
		else if (at != AT_NONE)
			dst = field(s->fi, at, k, (size_t)(s->p - 1 - k), &size, &sub);
		white(s);
		if (s->p == s->end || *s->p != ':')
			return fail(s, "expected ':'");
		s->p++;
		white(s);
		if (value(s, sub, dst, size) != 0)
			return -1;
		white(s);
		if (s->p < s->end && *s->p == '}')
			goto close;
		if (s->p == s->end || *s->p != ',')
			return fail(s, "expected ',' or '}'");
		s->p++;
		white(s);
	}
close:
	s->p++;
	s->depth--;
	return 0;
}

static int
array(struct scan *s)
{
	if (++s->depth > FRAME_MAX_DEPTH)
		return fail(s, "nested too deep");
	s->p++;
	white(s);
	if (s->p < s->end && *s->p == ']')
		goto close;
	for (;;) {
		if (value(s, AT_NONE, NULL, 0) != 0)
			return -1;
		white(s);
		if (s->p < s->end && *s->p == ']')
			goto close;
		if (s->p == s->end || *s->p != ',')
			return fail(s, "expected ',' or ']'");
		s->p++;
		white(s);
	}
close:
	s->p++;
	s->depth--;
	return 0;
}

/* One value; a string or number goes to dst when there is one. */
static int
value(struct scan *s, enum at at, char *dst, size_t size)
{
	const unsigned char *v;
	int esc;

	if (s->p == s->end)
		return fail(s, "unexpected end");
	switch (*s->p) {
	case '{':
		return object(s, at);
	case '[':
		return array(s);
	case '"':
		if (string(s, &v, &esc) != 0)
			return -1;
		if (dst)
			put(s, dst, size, v, (size_t)(s->p - 1 - v), esc);
		return 0;
	case 't':
		return literal(s, "true", 4);
	case 'f':
		return literal(s, "false", 5);
	case 'n':
		return literal(s, "null", 4);
	default:
		if (*s->p != '-' && (*s->p < '0' || *s->p > '9'))
			return fail(s, "unexpected character");
		v = s->p;
		if (number(s) != 0)
			return -1;
		if (dst)
			put(s, dst, size, v, (size_t)(s->p - v), 0);
		return 0;
	}
}

static int
run(struct scan *s, const char *text, size_t len, struct frame_info *fi)
{
	memset(s, 0, sizeof *s);
	s->p = (const unsigned char *)text;
	s->end = s->p + len;
	s->fi = fi;
	white(s);
	if (value(s, fi ? AT_TOP : AT_NONE, NULL, 0) != 0)
		return -1;
	white(s);
	if (s->p != s->end)
		return fail(s, "text after the value");
	return 0;
}

int
frame_check(const char *text, size_t len, int *newline, size_t *at, const char **why)
{
	struct scan s;
	int r = run(&s, text, len, NULL);

	if (newline)
		*newline = s.newline;
	if (at)
		*at = (size_t)(s.p - (const unsigned char *)text);
	if (why)
		*why = s.why;
	return r;
}

int
frame_scan_fast(const char *text, size_t len, struct frame_info *fi)
{
	struct scan s;

	memset(fi, 0, sizeof *fi);
	if (run(&s, text, len, fi) != 0)
		return -1;
	fi->newline = s.newline;
	return s.slow;
}

static void
copy_jv(jv v, char *dst, size_t size)
{
	if (jv_get_kind(v) == JV_KIND_STRING) {
		snprintf(dst, size, "%s", jv_string_value(v));
	} else if (jv_get_kind(v) == JV_KIND_NUMBER) {
		jv s = jv_dump_string(jv_copy(v), 0);

		snprintf(dst, size, "%s", jv_string_value(s));
		jv_free(s);
	}
	jv_free(v);
}

static jv
get(jv o, const char *key)
{
	return jv_object_get(jv_copy(o), jv_string(key));
}

/* The slow path: libjq decodes what the fast one would have to. Only text
 * that passed the check comes here, so libjq never sees what it mishandles. */
void
frame_scan_jq(const char *text, size_t len, struct frame_info *fi)
{
	jv v = jv_parse_sized(text, (int)len), d;
	int newline = fi->newline;

	memset(fi, 0, sizeof *fi);
	fi->newline = newline;
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		copy_jv(get(v, "type"), fi->type, sizeof fi->type);
		copy_jv(get(v, "msg"), fi->msg, sizeof fi->msg);
		d = get(v, "data");
		if (jv_get_kind(d) == JV_KIND_STRING || jv_get_kind(d) == JV_KIND_NUMBER) {
			copy_jv(jv_copy(d), fi->text, sizeof fi->text);
		} else if (jv_get_kind(d) == JV_KIND_OBJECT) {
			copy_jv(get(d, "id"), fi->id, sizeof fi->id);
			copy_jv(get(d, "type"), fi->dtype, sizeof fi->dtype);
			copy_jv(get(d, "actionType"), fi->action, sizeof fi->action);
			copy_jv(get(d, "from_id"), fi->from, sizeof fi->from);
			copy_jv(get(d, "to_id"), fi->to, sizeof fi->to);
			copy_jv(get(d, "chatType"), fi->chat, sizeof fi->chat);
			copy_jv(get(d, "create_time"), fi->ctime, sizeof fi->ctime);
		}
		jv_free(d);
	}
	jv_free(v);
}

int
frame_scan(const char *text, size_t len, struct frame_info *fi)
{
	int r = frame_scan_fast(text, len, fi);

	if (r > 0)
		frame_scan_jq(text, len, fi);
	return r < 0 ? -1 : 0;
}

static int
ident(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && c >= '0' && c <= '9');
}

int
frame_path_parse(const char *program, struct frame_path *fp)
{
	const char *p = program, *k;
	size_t n;

	memset(fp, 0, sizeof *fp);
	do {
		if (*p++ != '.' || !ident((unsigned char)*p, 1))
			return -1;
		for (k = p; ident((unsigned char)*p, 0); p++)
			;
		n = (size_t)(p - k);
		if (fp->n == FRAME_PATH_STEPS || n >= FRAME_PATH_KEY)
			return -1;
		memcpy(fp->key[fp->n], k, n);
		fp->len[fp->n++] = n;
	} while (*p);
	return 0;
}

/* A walk along a path in checked text: frame_check() has seen every byte,
 * so this only skips, as fast as it can, to the values the path names. */
struct walk {
	const struct frame_path *fp;
	const unsigned char *end;
	enum frame_path_answer a;
	const unsigned char *v;
	size_t n;
	int unsure;		/* an escaped key where a step looks, anywhere */
};

static const unsigned char *
skip_white(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Past the string whose text starts at p, after its opening quote. */
static const unsigned char *
skip_string(const unsigned char *p, const unsigned char *end, int *esc)
{
	for (; p < end && *p != '"'; p++)
		if (*p == '\\' && p + 1 < end) {
			*esc = 1;
			p++;	/* the escaped byte, which may be a quote */
		}
	return p < end ? p + 1 : end;
}

static const unsigned char *
skip_value(const unsigned char *p, const unsigned char *end)
{
	int depth = 0, esc;

	if (p < end && *p != '"' && *p != '{' && *p != '[') {
		/* A number or a literal. */
		while (p < end && (ident(*p, 0) || *p == '-' || *p == '+' || *p == '.'))
			p++;
		return p;
	}
	do {
		if (p == end)
			return p;
		if (*p == '"') {
			p = skip_string(p + 1, end, &esc);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	} while (depth > 0);
	return p;
}

static const unsigned char *walk_object(struct walk *w, const unsigned char *p, int i);

/* The value at p is a member step i names. A key seen again replaces what
 * an earlier one gave, as in jq. */
static const unsigned char *
walk_step(struct walk *w, const unsigned char *p, int i)
{
	const unsigned char *q;
	int last = i + 1 == w->fp->n;

	w->a = FRAME_PATH_NULL;
	if (!last && *p == '{')
		return walk_object(w, p, i + 1);
	q = skip_value(p, w->end);
	if (*p == '{' || *p == '[' || (!last && *p != 'n')) {
		w->a = FRAME_PATH_JQ;
	} else if (last) {
		w->a = FRAME_PATH_SCALAR;
		w->v = p;
		w->n = (size_t)(q - p);
	}
	return q;
}

/* The object at p, for step i of the path; returns where it ends. */
static const unsigned char *
walk_object(struct walk *w, const unsigned char *p, int i)
{
	const unsigned char *k, *end = w->end;
	size_t n = w->fp->len[i];
	int esc, match;

	p = skip_white(p + 1, end);
	if (p < end && *p == '}')
		return p + 1;
	while (p < end) {
		esc = 0;
		k = p + 1;
		p = skip_string(k, end, &esc);
		match = !esc && (size_t)(p - 1 - k) == n && memcmp(k, w->fp->key[i], n) == 0;
		/* An escaped key may spell the step's: libjq decides. */
		w->unsure |= esc;
		p = skip_white(skip_white(p, end) + 1, end);	/* the ':' */
		if (match)
			p = walk_step(w, p, i);
		else
			p = skip_value(p, end);
		p = skip_white(p, end);
		if (p == end || *p != ',')
			break;
		p = skip_white(p + 1, end);
	}
	return p < end ? p + 1 : end;
}

enum frame_path_answer
frame_path_find(const struct frame_path *fp, const char *text, size_t len, const char **v, size_t *n)
{
	struct walk w = { fp, (const unsigned char *)text + len, FRAME_PATH_NULL, NULL, 0, 0 };
	const unsigned char *p = skip_white((const unsigned char *)text, w.end);

	/* null | .a is null; a path into anything else but an object is an
	 * error that libjq words. */
	if (p < w.end && *p == '{')
		walk_object(&w, p, 0);
	else if (p == w.end || *p != 'n')
		return FRAME_PATH_JQ;
	if (w.unsure)
		return FRAME_PATH_JQ;
	*v = (const char *)w.v;
	*n = w.n;
	return w.a;
}

static size_t
utf8_put(unsigned cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t
frame_string_decode(const char *s, size_t n, char *out)
{
	const unsigned char *p = (const unsigned char *)s + 1, *end = (const unsigned char *)s + n - 1;
	unsigned char *o = (unsigned char *)out;
	unsigned cp, lo;

	while (p < end) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		switch (p[1]) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			/* Checked: four hex digits, a surrogate only as a pair. */
			hex4(p + 2, end, &cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				hex4(p + 8, end, &lo);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			o += utf8_put(cp, o);
			p += 6;
			continue;
		default:	/* " \ / */
			*o++ = p[1];
			break;
		}
		p += 2;
	}
	return (size_t)(o - (unsigned char *)out);
}

uint64_t
frame_key(const struct frame_info *fi)
{
	const char *parts[3] = { fi->id, fi->dtype, fi->action };
	uint64_t h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < 3; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		for (; *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
		/* A separator, so ("ab","c") and ("a","bc") differ. */
		h ^= 0xff;
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

/* A tip's sender is "redirect-<kind>-<receiver's id>" (api §4.4). */
static int
is_tip(const char *from, long self_id)
{
	static const char pre[] = "redirect-", apply[] = "redirect-applyFriend-";
	const char *dash;
	char *end;
	long id;

	if (strncmp(from, pre, sizeof pre - 1) != 0 || strncmp(from, apply, sizeof apply - 1) == 0)
		return 0;
	if ((dash = strrchr(from, '-')) == NULL || dash < from + sizeof pre)
		return 0;
	if (self_id <= 0)
		return 1;
	id = strtol(dash + 1, &end, 10);
	return *end == '\0' && end != dash + 1 && id == self_id;
}

enum frame_kind
frame_classify(const struct frame_info *fi, long self_id)
{
	if (fi->type[0] == '\0') {
		if (strcmp(fi->msg, "fail") == 0)
			return FRAME_REJECTION;
		if (strcmp(fi->msg, "force_logout") == 0)
			return FRAME_FORCE_LOGOUT;
		return FRAME_MESSAGE;
	}
	if (strcmp(fi->type, "ping") == 0)
		return FRAME_PING;
	if (strcmp(fi->type, "pong") == 0)
		return FRAME_PONG;
	if (strcmp(fi->type, "system") == 0)
		return FRAME_WELCOME;
	if (strcmp(fi->type, "singleChat") == 0 && is_tip(fi->from, self_id))
		return FRAME_TIP;
	return FRAME_MESSAGE;
}
