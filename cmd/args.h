/* cmd/args.h: a command line read through the option tables of cmd/cmd.h.
 *
 *	struct table t;
 *	table_build(&t, c, 0);		(globals, then c's options, for getopt_long)
 *	args_init(&a, c);
 *	while ((ret = getopt_long(argc, argv, t.shorts, t.lo, NULL)) != -1) {
 *		i = table_index(&t, ret);
 *		if (!t.isglobal[i]) args_add(&a, t.rows[i] - c->opts, optarg);
 *	}
 *	... c->run() reads a with arg_has(), arg_get(), arg_all() ...
 *	args_release(&a);
 *
 * Values are borrowed from argv; struct args owns only its arrays.
 * parse_long() and parse_secs() read the numbers in options and operands
 * the same way for every command, with one message for a bad one. */
#ifndef CHATCTL_ARGS_H
#define CHATCTL_ARGS_H

#include <getopt.h>

#include "../lib/err.h"

struct command;
struct opt;

/* The command's own options as parsed: for each row of command->opts, how
 * often it was given and its values in order. Strings point into argv. */
struct args {
	const struct command *cmd;
	int *count;
	const char ***values;
	int argc;		/* operands, options removed */
	char **argv;
};

void args_init(struct args *a, const struct command *c);
void args_add(struct args *a, int row, const char *value);
void args_release(struct args *a);

/* How often the option was given; its last value, else its .dflt, else
 * NULL; all its values in order (*n of them, no default). */
int arg_has(const struct args *a, const char *name);
const char *arg_get(const struct args *a, const char *name);
const char *const *arg_all(const struct args *a, const char *name, int *n);

/* Parse a whole decimal number in [min, max] for an option or operand;
 * EX_USAGE with a message naming what, else EX_OK. */
int parse_long(const char *s, long min, long max, const char *what, long *out, struct err *e);
int parse_secs(const char *s, const char *what, double *out, struct err *e);

/* A user or group id as a command line gives one: digits, a whole number
 * from 1 to 2^53 - 1 (ids travel as JSON numbers), or for a user @NAME,
 * which this only checks the form of (*out is 0): session_user_id()
 * resolves it. what is the option ("--from"), or NULL for an operand;
 * EX_USAGE with a message naming the valid forms, else EX_OK. */
enum id_kind { ID_USER, ID_GROUP };
int parse_id(const char *s, enum id_kind kind, const char *what, long *out, struct err *e);

/* Warn on stderr once for each value of option name that is not one of
 * its .values, listing them: for a filter on what the server sends, which
 * may add types (so the value still filters), where a typo would
 * otherwise just match nothing. */
void arg_warn_unknown(const struct args *a, const char *name);

/* The rows of an option table, up to the NULL row. */
int opts_count(const struct opt *o);

/* Keys for options without a short letter start here, past any char. */
#define LONG_KEY 256

/* Hidden introspection for completions and tests (git's --list-cmds). */
#define K_LIST_COMMANDS (LONG_KEY + 1000)
#define K_LIST_OPTIONS (LONG_KEY + 1001)
#define K_LIST_DEFAULTS (LONG_KEY + 1002)

/* One parsing table: the globals first, then the command's options. */
struct table {
	const struct opt *rows[128];
	int isglobal[128];
	int n;
	struct option lo[131];
	char shorts[300];
};

/* With c, the globals that apply to it (global_applies), c's options,
 * --list-options and --list-defaults;
 * c NULL: the globals and --list-commands, for the words before the
 * command. stop_at_operand leaves the command word and what follows it to
 * the command's own parse. */
void table_build(struct table *t, const struct command *c, int stop_at_operand);

/* The row of what getopt_long returned (any key the table gave it; a
 * key it did not give is a bug and aborts). */
int table_index(const struct table *t, int key);

#endif
