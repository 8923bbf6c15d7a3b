/* serve/params.h: request parameters and their validation, the way the
 * real server's egg-valparams sees them (api §1.2, §1.5).
 *
 * Parameters are one jv object: query string, then body, then route
 * parameters, each later one winning. Form and query values are strings;
 * JSON bodies keep their types, which is what lets handlers echo a value
 * in the type it arrived in.
 *
 * params_validate() checks rules in the order an endpoint declares them
 * and returns NULL, or the first failure's message (the caller frees it)
 * in the library's zh-cn wording. */
#ifndef SERVE_PARAMS_H
#define SERVE_PARAMS_H

#include <stddef.h>

#include <jv.h>

enum rule_type { R_STRING, R_INT, R_ENUM };

struct rule {
	const char *name;
	const char *desc;		/* the Chinese description in messages */
	enum rule_type type;
	int required;
	long min, max;			/* string length, or int minimum (max unused) */
	const char *const *values;	/* R_ENUM, NULL-terminated */
};

/* Parse application/x-www-form-urlencoded text into an object of strings
 * (a repeated name keeps its first value). Returns the object. */
jv params_form_parse(const char *s, size_t len);

/* Decode %XX escapes (and '+' as a space when plus is set) of s[0..n)
 * into a new string; NULL for a malformed escape. Caller frees.
 * lws_urldecode() will not do: it always reads '+' as a space (options
 * follow decodeURIComponent, which keeps it), and it accepts a truncated
 * escape at the end ("50%", "%4") that decodeURIComponent rejects. */
char *params_url_decode(const char *s, size_t n, int plus);

/* Missing means absent, null or "" (borrows v). */
int params_missing(jv v);

/* The value of name in params (borrowed) as an integer: 1 and *out set
 * when it is a JSON integer or a string of digits, else 0. */
int params_long(jv params, const char *name, long *out);

/* The value as text: a string as is, anything else as JSON. Caller frees;
 * NULL when absent. */
char *params_text(jv params, const char *name);

char *params_validate(jv params, const struct rule *rules);

#endif
