/* Fuzz target: lib/frame.c, differentially. The strict scanner decides
 * what is JSON and reads the fields listen needs; two other parsers judge
 * it on the same input:
 *  - libjq, the fallback and the reference for what a field is: whatever
 *    the scanner accepts libjq parses, its fields are the ones libjq reads
 *    (strings equal, numbers equal as numbers), and libjq's own dump of the
 *    value scans to the same fields;
 *  - LEJP, the scanner it replaced: what LEJP rejects the scanner rejects
 *    too, but for LEJP's own limits (12 levels, long numbers, a top level
 *    that is not an object or array).
 * And: no crash, every field NUL-terminated, newline set exactly when a CR
 * or LF is in valid text. */
#include <float.h>
#include <math.h>

#include <libwebsockets.h>

#include <jv.h>

#include "../../lib/frame.h"
#include "fuzz.h"

#define TERMINATED(f) (memchr((f), '\0', sizeof(f)) != NULL)

static int
terminated(const struct frame_info *fi)
{
	return TERMINATED(fi->type) && TERMINATED(fi->msg) && TERMINATED(fi->text) &&
	    TERMINATED(fi->id) && TERMINATED(fi->dtype) && TERMINATED(fi->action) &&
	    TERMINATED(fi->from) && TERMINATED(fi->to) && TERMINATED(fi->chat) &&
	    TERMINATED(fi->ctime);
}

/* A field as the fast path copied it (raw text) and as libjq did: equal,
 * or the same number. A field cut at its buffer is compared as a prefix. */
static int
same(const char *fast, const char *jq, size_t size)
{
	char *e1, *e2;
	double a, b;

	if (strcmp(fast, jq) == 0)
		return 1;
	if (strlen(fast) == size - 1 || strlen(jq) == size - 1)
		return 1;	/* cut short: a number's forms differ in length */
	a = strtod(fast, &e1);
	b = strtod(jq, &e2);
	/* libjq prints a number too large for a double as DBL_MAX. */
	if (isinf(a))
		a = copysign(DBL_MAX, a);
	return *fast && *jq && !*e1 && !*e2 && (a == b || (a != a && b != b));
}

#define SAME(f) same(x->f, y->f, sizeof x->f)

static int
same_fields(const struct frame_info *x, const struct frame_info *y)
{
	return SAME(type) && SAME(msg) && SAME(text) && SAME(id) && SAME(dtype) &&
	    SAME(action) && SAME(from) && SAME(to) && SAME(chat) && SAME(ctime);
}

static signed char
lejp_cb(struct lejp_ctx *ctx, char reason)
{
	(void)ctx;
	(void)reason;
	return 0;
}

/* A number of 21 characters or more: LEJP takes no such number, and says
 * so in several ways (LEJP_REJECT_MP_C_OR_E_NEITHER, ..._INT_NO_FRAC). */
static int
long_number(const uint8_t *data, size_t size)
{
	size_t i, run = 0;

	for (i = 0; i < size; i++) {
		run = strchr("0123456789.eE+-", data[i]) && data[i] ? run + 1 : 0;
		if (run > 20)
			return 1;
	}
	return 0;
}

/* "{}" alone, which LEJP 4.1.6 refuses (LEJP_REJECT_MEMBERS_NO_CLOSE). */
static int
empty_object(const uint8_t *data, size_t size)
{
	size_t i;
	int braces = 0;

	for (i = 0; i < size; i++)
		if (data[i] == '{' || data[i] == '}')
			braces++;
		else if (!strchr(" \t\r\n", data[i]) || !data[i])
			return 0;
	return braces == 2;
}

/* LEJP's verdict: 0 JSON, 1 beyond LEJP's limits, -1 not JSON. */
static int
lejp_verdict(const uint8_t *data, size_t size)
{
	struct lejp_ctx ctx;
	size_t i = 0;
	int r;

	while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
		i++;
	if (i == size || (data[i] != '{' && data[i] != '['))
		return 1;
	lejp_construct(&ctx, lejp_cb, NULL, NULL, 0);
	r = lejp_parse(&ctx, data, (int)size);
	lejp_destruct(&ctx);
	if (r == LEJP_REJECT_STACK_OVERFLOW || r == LEJP_REJECT_MP_DELIM_ISTACK ||
	    r == LEJP_REJECT_NUM_TOO_LONG || (r < 0 && long_number(data, size)) ||
	    (r == LEJP_REJECT_MEMBERS_NO_CLOSE && empty_object(data, size)))
		return 1;
	if (r < 0)
		return -1;
	for (i = size - (size_t)r; i < size; i++)
		if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
			return -1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct frame_info fast, ref, again;
	int r, nl;
	jv v, dump;

	if (size > 1 << 16)
		return 0;
	r = frame_scan_fast(text, size, &fast);
	FUZZ_CHECK(r >= -1 && r <= 1 && terminated(&fast));
	FUZZ_CHECK((frame_check(text, size, &nl, NULL, NULL) == 0) == (r >= 0));
	FUZZ_CHECK(frame_key(&fast) != 0 && frame_classify(&fast, 2) <= FRAME_FORCE_LOGOUT);
	if (r < 0)
		return 0;
	FUZZ_CHECK(lejp_verdict(data, size) >= 0);
	FUZZ_CHECK(fast.newline == (memchr(data, '\n', size) || memchr(data, '\r', size)));
	FUZZ_CHECK(nl == fast.newline);

	/* Accepted: libjq must take it, and read the same fields. */
	v = jv_parse_sized(text, (int)size);
	FUZZ_CHECK(jv_is_valid(v));
	ref = fast;
	frame_scan_jq(text, size, &ref);
	FUZZ_CHECK(terminated(&ref));
	if (r == 0)
		FUZZ_CHECK(same_fields(&fast, &ref));

	/* libjq's own text of the value scans, to the same fields. */
	dump = jv_dump_string(v, 0);
	FUZZ_CHECK(frame_scan(jv_string_value(dump), (size_t)jv_string_length_bytes(jv_copy(dump)),
	    &again) == 0);
	FUZZ_CHECK(same_fields(&again, &ref));
	jv_free(dump);
	return 0;
}
