/* cmd/cmd.h: the command table and what the dispatcher hands a command.
 *
 * Each command is declared in its own cmd/<name>.c as a const struct command
 * and listed once in cmd/commands.c. That one list drives dispatch,
 * --help, --list-commands/--list-options (completions), --list-defaults and
 * the man-page checks in tests/, so a command, option or default cannot
 * exist in one and not the others.
 *
 * The dispatcher (cmd/main.c) parses the global options and the command's
 * own options (before or after the command word, with cmd/args.h), checks
 * the operand count, answers --help, then calls run(). run() returns an
 * EX_* code; on failure it fills *e, and main prints
 * "chatctl: <command>: <e->msg>". */
#ifndef CHATCTL_CMD_H
#define CHATCTL_CMD_H

#include "../lib/api.h"
#include "../lib/config.h"
#include "../lib/err.h"
#include "../lib/json.h"
#include "args.h"

/* One row of an option table; a table ends with a row whose name is NULL.
 *
 * dflt is the one place a default is written: arg_get() returns it when the
 * option was not given, --help prints it, --list-defaults lists it for the
 * man-page check in tests/docs.bats. --help puts it after a bare "default"
 * in the help's parentheses ("(env CHATCTL_SERVER; default)", "(default; 0
 * never)"), else adds " (default X)" at the end of the help. */
struct opt {
	const char *name;	/* long name without "--" */
	int key;		/* short letter, or 0 */
	const char *arg;	/* argument name ("N", "JSON"), or NULL for a flag */
	const char *help;
	const char *values;	/* fixed set of values, "a|b|c", for completions */
	const char *dflt;	/* the value when not given, as typed, or NULL */
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
	long max_response;	/* bytes of a REST answer at most */
};

/* What a command runs in (cmd/session.c): the globals, and when its .setup
 * says SETUP_SESSION, the resolved configuration, the output (--jq compiled
 * here, before any network traffic) and one HTTP handle. */
struct session {
	const struct globals *g;	/* always set */
	struct config cfg;
	struct output out;
	struct http *http;
	struct api api;
	char auth_hint[600];	/* what to do about a refused token (config_login_hint) */
};

/* A command's .setup: what run_command opens before run() and closes after
 * it, as git's RUN_SETUP. */
enum {
	SETUP_SESSION = 1,	/* open the session; without it only s->g is set */
	SETUP_TOKEN = 2,	/* fail with EX_AUTH when not logged in */
	SETUP_COMPACT = 4,	/* NDJSON output: never pretty */
	SETUP_NO_HTTP = 8	/* no server calls (whoami) */
};

/* The dispatcher calls check() (when set), opens what .setup asks for, calls
 * run() and closes it again, so no run() opens or closes a session itself.
 * check() is for the commands whose command line can be wrong in ways
 * getopt cannot see: it runs before the session opens, so that a wrong
 * command line is a usage error (exit 2) even where nobody is logged in or
 * the profile is broken. check() keeps nothing: run() reads the command
 * line again with the same function, which then cannot fail. serve needs no session (.setup 0);
 * login opens one without a token, since it makes the token. */
struct command {
	const char *name;
	const char *synopsis;	/* what follows "chatctl <name> " in usage */
	const char *summary;	/* one line, lowercase, no full stop */
	const char *description;	/* a paragraph for --help, or NULL */
	const struct opt *opts;
	int min_args, max_args;	/* operand count; max -1 means no limit */
	int options_first;	/* options end at the first operand: the words after
				 * it are text (send's message), never options */
	int setup;		/* SETUP_* */
	int (*check)(const struct args *a, struct err *e);	/* or NULL */
	int (*run)(struct session *s, const struct args *a, struct err *e);
};

extern const struct opt global_opts[];	/* cmd/main.c */

/* Whether global option g (its row in global_opts) means anything to c:
 * a command without a session (serve, which is no client) takes only
 * those about chatctl itself (-v, -q, -h, --version), so that its --help,
 * --list-options and parsing leave out a server, profile, output or
 * request option it would ignore. c NULL: the words before the command. */
int global_applies(int g, const struct command *c);

/* cmd/commands.c: the table, NULL-terminated, and the command of a name
 * (NULL when there is none). */
extern const struct command *const commands[];
const struct command *command_find(const char *name);

/* Fills *s as flags (SETUP_*) ask; session_close() after it whatever it
 * returned. */
int session_open(struct session *s, const struct globals *g, int flags, struct err *e);
void session_close(struct session *s);

/* The session's REST API, its HTTP handle opened on first use: a command
 * with SETUP_NO_HTTP (history) opens it only to resolve an @NAME. */
struct api *session_api(struct session *s);

/* A user id from the command line: parse_id(), and an @NAME resolved with
 * the server (lib/people.h: one request for a friend, two for another
 * user). s NULL: only check the form, as a command's check() does. */
int session_user_id(struct session *s, const char *arg, const char *what, long *out, struct err *e);

/* The path of the mailbox of the account s speaks for:
 * config_state_file(config_account(), ".db"). It may not exist yet. *path
 * is the caller's to free. EX_AUTH when the account cannot be told (no
 * user record, a token whose user id cannot be read), EX_IO without HOME. */
int session_mailbox_path(struct session *s, char **path, struct err *e);

extern const struct command cmd_login, cmd_logout, cmd_whoami, cmd_listen,
	cmd_send, cmd_isfriend, cmd_friends, cmd_user, cmd_apply, cmd_history, cmd_serve;

#endif
