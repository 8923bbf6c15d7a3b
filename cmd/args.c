/* cmd/args.c: the getopt_long table built from the option tables, and
 * what a command reads from its parsed command line (see args.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../lib/log.h"
#include "../lib/xalloc.h"

int
opts_count(const struct opt *o)
{
	int n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

void
args_init(struct args *a, const struct command *c)
{
	int nopts = opts_count(c->opts);

	memset(a, 0, sizeof *a);
	a->cmd = c;
	a->count = xcalloc((size_t)nopts + 1, sizeof *a->count);
	a->values = xcalloc((size_t)nopts + 1, sizeof *a->values);
}

void
args_add(struct args *a, int k, const char *value)
{
	a->values[k] = xrealloc(a->values[k], sizeof(char *) * ((size_t)a->count[k] + 1));
	a->values[k][a->count[k]++] = value;
}

void
args_release(struct args *a)
{
	int i, nopts = opts_count(a->cmd->opts);

	for (i = 0; i < nopts; i++)
		free(a->values[i]);
	free(a->values);
	free(a->count);
}

/* The row of the option called name in the command's table. */
static int
row_of(const struct args *a, const char *name)
{
	int i;

	for (i = 0; a->cmd->opts && a->cmd->opts[i].name; i++)
		if (strcmp(a->cmd->opts[i].name, name) == 0)
			return i;
	/* Asking for an option a command does not declare is a bug. */
	fprintf(stderr, "chatctl: internal error: %s has no option --%s\n", a->cmd->name, name);
	abort();
}

int
arg_has(const struct args *a, const char *name)
{
	return a->count[row_of(a, name)];
}

const char *
arg_get(const struct args *a, const char *name)
{
	int i = row_of(a, name);

	return a->count[i] ? a->values[i][a->count[i] - 1] : a->cmd->opts[i].dflt;
}

const char *const *
arg_all(const struct args *a, const char *name, int *n)
{
	int i = row_of(a, name);

	*n = a->count[i];
	return a->values[i];
}

int
parse_long(const char *s, long min, long max, const char *what, long *out, struct err *e)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < min || v > max) {
		if (max == LONG_MAX)
			return err_set(e, EX_USAGE, "invalid %s '%s': expected a whole number from %ld", what, s, min);
		return err_set(e, EX_USAGE, "invalid %s '%s': expected a whole number from %ld to %ld", what, s, min, max);
	}
	*out = v;
	return EX_OK;
}

int
parse_id(const char *s, enum id_kind kind, const char *what, long *out, struct err *e)
{
	const char *noun = kind == ID_USER ? "user" : "group";
	char *end;
	long v;

	if (kind == ID_USER && s[0] == '@' && s[1] != '\0') {
		*out = 0;
		return EX_OK;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno || v < 1 || v > JSON_MAX_SAFE_INT) {
		if (what)
			return err_set(e, EX_USAGE, "invalid %s '%s': expected a %s id, a whole number from 1 to %lld%s",
			    what, s, noun, (long long)JSON_MAX_SAFE_INT, kind == ID_USER ? ", or @NAME" : "");
		return err_set(e, EX_USAGE, "invalid %s id '%s': expected a whole number from 1 to %lld%s",
		    noun, s, (long long)JSON_MAX_SAFE_INT, kind == ID_USER ? ", or @NAME" : "");
	}
	*out = v;
	return EX_OK;
}

/* 1 if v is one of the words of values, "a|b|c". */
static int
in_values(const char *values, const char *v)
{
	size_t n = strlen(v);
	const char *p = values;

	for (;;) {
		if (strncmp(p, v, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return 1;
		if ((p = strchr(p, '|')) == NULL)
			return 0;
		p++;
	}
}

void
arg_warn_unknown(const struct args *a, const char *name)
{
	const char *known = a->cmd->opts[row_of(a, name)].values, *const *v;
	int i, j, n;

	v = arg_all(a, name, &n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && strcmp(v[j], v[i]) != 0; j++)
			;	/* said already */
		if (j == i && !in_values(known, v[i]))
			log_warn("--%s '%s' is none the server is known to send (%s); filtering on it "
			    "anyway, in case it is a new one", name, v[i], known);
	}
}

int
parse_secs(const char *s, const char *what, double *out, struct err *e)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno || !(v >= 0) || v > 1e7)
		return err_set(e, EX_USAGE, "invalid %s '%s': expected a number of seconds", what, s);
	*out = v;
	return EX_OK;
}

void
table_build(struct table *t, const struct command *c, int stop_at_operand)
{
	const struct opt *o;
	char *s = t->shorts;
	int i;

	t->n = 0;
	/* '+' stops at the command word; ':' reports a missing value apart. */
	if (stop_at_operand)
		*s++ = '+';
	*s++ = ':';
	for (o = global_opts; o->name; o++) {
		if (!global_applies((int)(o - global_opts), c))
			continue;
		t->rows[t->n] = o;
		t->isglobal[t->n++] = 1;
	}
	for (o = c ? c->opts : NULL; o && o->name; o++) {
		t->rows[t->n] = o;
		t->isglobal[t->n++] = 0;
	}
	for (i = 0; i < t->n; i++) {
		o = t->rows[i];
		t->lo[i].name = o->name;
		t->lo[i].has_arg = o->arg ? required_argument : no_argument;
		t->lo[i].flag = NULL;
		t->lo[i].val = o->key ? o->key : LONG_KEY + i;
		if (o->key) {
			*s++ = (char)o->key;
			if (o->arg)
				*s++ = ':';
		}
	}
	i = t->n;
	if (c) {
		t->lo[i++] = (struct option){ "list-options", no_argument, NULL, K_LIST_OPTIONS };
		t->lo[i++] = (struct option){ "list-defaults", no_argument, NULL, K_LIST_DEFAULTS };
	} else {
		t->lo[i++] = (struct option){ "list-commands", no_argument, NULL, K_LIST_COMMANDS };
	}
	t->lo[i] = (struct option){ NULL, 0, NULL, 0 };
	*s = '\0';
}

int
table_index(const struct table *t, int key)
{
	int i;

	if (key >= LONG_KEY && key < LONG_KEY + t->n)
		return key - LONG_KEY;
	for (i = 0; i < t->n; i++)
		if (t->rows[i]->key == key)
			return i;
	/* getopt_long only returns keys the table gave it: a bug, not input. */
	fprintf(stderr, "chatctl: internal error: option key %d is in no table\n", key);
	abort();
}
