/* cmd/cmd.h: the command table and what the dispatcher hands a command.
 *
 * Each command is declared in its own cmd/<name>.c as a const struct command
 * and listed once in cmd/commands.c. That one list drives dispatch,
 * --help, --list-commands/--list-options (completions) and the man-page
 * checks in tests/, so a command or option cannot exist in one and not the
 * others.
 *
 * The dispatcher (cmd/main.c) parses the global options and the command's
 * own options (before or after the command word, with cmd/args.h), checks
 * the operand count, answers --help, then calls run(). run() returns an
 * EX_* code; on failure it fills *e, and main prints
 * "chatctl: <command>: <e->msg>". */
#ifndef CHATCTL_CMD_H
#define CHATCTL_CMD_H

#include "../lib/err.h"
#include "args.h"

/* One row of an option table; a table ends with a row whose name is NULL. */
struct opt {
	const char *name;	/* long name without "--" */
	int key;		/* short letter, or 0 */
	const char *arg;	/* argument name ("N", "JSON"), or NULL for a flag */
	const char *help;
	const char *values;	/* fixed set of values, "a|b|c", for completions */
};

/* The global options, after flag parsing (environment and profile values are
 * resolved later by lib/config.c, since only some commands need them). */
struct globals {
	const char *server;	/* -s/--server, or NULL */
	const char *profile;	/* -p/--profile, or NULL */
	const char *config_dir;	/* --config, or NULL */
	const char *jq;		/* --jq program, or NULL */
	const char *cacert;	/* --cacert FILE, or NULL */
	int raw;		/* -r */
	int pretty;		/* 1 --pretty, 0 --compact, -1 pretty on a TTY */
	int verbose;		/* -v count */
	int quiet;		/* -q */
	int insecure;		/* --insecure */
	double connect_timeout;	/* seconds */
	double max_time;	/* seconds; 0 means no limit */
};

struct command {
	const char *name;
	const char *synopsis;	/* what follows "chatctl <name> " in usage */
	const char *summary;	/* one line, lowercase, no full stop */
	const char *description;	/* a paragraph for --help, or NULL */
	const struct opt *opts;
	int min_args, max_args;	/* operand count; max -1 means no limit */
	int (*run)(const struct globals *g, const struct args *a, struct err *e);
};

extern const struct opt global_opts[];	/* cmd/main.c */

/* cmd/commands.c: the table, NULL-terminated, and the command of a name
 * (NULL when there is none). */
extern const struct command *const commands[];
const struct command *command_find(const char *name);

/* What most commands open first (cmd/session.c): the resolved configuration,
 * the output (--jq compiled here, before any network traffic), and one
 * HTTP handle. */
#include "../lib/api.h"
#include "../lib/config.h"
#include "../lib/json.h"

enum {
	SESSION_TOKEN = 1,	/* fail with EX_AUTH when not logged in */
	SESSION_COMPACT = 2,	/* NDJSON output: never pretty */
	SESSION_NO_HTTP = 4	/* no server calls (whoami) */
};

struct session {
	const struct globals *g;
	struct config cfg;
	struct output out;
	struct http *http;
	struct api api;
};

int session_open(struct session *s, const struct globals *g, int flags, struct err *e);
void session_close(struct session *s);

extern const struct command cmd_login, cmd_logout, cmd_whoami, cmd_listen,
	cmd_send, cmd_isfriend, cmd_apply, cmd_serve;

#endif
