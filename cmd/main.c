/* cmd/main.c: argv[0], global options, dispatch; the one place that prints
 * a command's error. */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <jv.h>

#include "cmd.h"
#include "../lib/log.h"
#include "../lib/ws.h"

#ifndef CHATCTL_VERSION
#define CHATCTL_VERSION "0.1.0"
#endif
#ifndef JQ_PKG_VERSION
#define JQ_PKG_VERSION "1.6"
#endif

enum { G_SERVER, G_PROFILE, G_CONFIG, G_JQ, G_RAW, G_COMPACT, G_PRETTY,
	G_VERBOSE, G_QUIET, G_CONNECT_TIMEOUT, G_MAX_TIME, G_MAX_RESPONSE, G_CACERT,
	G_INSECURE, G_HELP, G_VERSION, G_NGLOBAL };

const struct opt global_opts[] = {
	[G_SERVER] = { "server", 's', "URL", "server base URL (env CHATCTL_SERVER; default)", NULL,
	    CONFIG_DEFAULT_SERVER },
	[G_PROFILE] = { "profile", 'p', "NAME",
	    "credentials profile (env CHATCTL_PROFILE; default '" CONFIG_DEFAULT_PROFILE "')", NULL, NULL },
	[G_CONFIG] = { "config", 0, "DIR", "configuration directory (env CHATCTL_CONFIG_DIR)", NULL, NULL },
	[G_JQ] = { "jq", 0, "EXPR", "run a jq program on the output and print each result", NULL, NULL },
	[G_RAW] = { "raw-output", 'r', NULL, "print string results without quotes", NULL, NULL },
	[G_COMPACT] = { "compact", 'c', NULL, "print compact JSON (the default when not on a terminal)", NULL, NULL },
	[G_PRETTY] = { "pretty", 0, NULL, "print indented JSON (the default on a terminal)", NULL, NULL },
	[G_VERBOSE] = { "verbose", 'v', NULL, "log requests, connection events and timings (repeatable)", NULL, NULL },
	[G_QUIET] = { "quiet", 'q', NULL, "say nothing on stderr but fatal errors", NULL, NULL },
	[G_CONNECT_TIMEOUT] = { "connect-timeout", 0, "SECS", "give up connecting after SECS", NULL, "10" },
	[G_MAX_TIME] = { "max-time", 0, "SECS", "give up a request after SECS (default; 0 for no limit)", NULL, "30" },
	[G_MAX_RESPONSE] = { "max-response", 0, "BYTES", "refuse an answer larger than BYTES (exit 5)", NULL,
	    "8388608" },
	[G_CACERT] = { "cacert", 0, "FILE", "trust the CA certificates in FILE", NULL, NULL },
	[G_INSECURE] = { "insecure", 0, NULL, "do not verify the server's TLS certificate", NULL, NULL },
	[G_HELP] = { "help", 'h', NULL, "show help and exit", NULL, NULL },
	[G_VERSION] = { "version", 0, NULL, "print the versions of chatctl and its libraries", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

int
global_applies(int g, const struct command *c)
{
	if (c == NULL || (c->setup & SETUP_SESSION))
		return 1;
	return g == G_VERBOSE || g == G_QUIET || g == G_HELP || g == G_VERSION;
}

/* The help of o and its default (see struct opt). */
static void
print_help(FILE *fp, const struct opt *o)
{
	const char *slot = NULL;

	if (o->dflt && !(slot = strstr(o->help, "default;")))
		slot = strstr(o->help, "default)");
	if (slot) {
		slot += strlen("default");
		fprintf(fp, "%.*s %s%s\n", (int)(slot - o->help), o->help, o->dflt, slot);
	} else if (o->dflt) {
		fprintf(fp, "%s (default %s)\n", o->help, o->dflt);
	} else {
		fprintf(fp, "%s\n", o->help);
	}
}

static void
print_opt(FILE *fp, const struct opt *o)
{
	char left[64];

	if (o->key)
		snprintf(left, sizeof left, "-%c, --%s%s%s", o->key, o->name,
		    o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof left, "    --%s%s%s", o->name,
		    o->arg ? " " : "", o->arg ? o->arg : "");
	fprintf(fp, "  %-28s ", left);
	print_help(fp, o);
}

static void
print_opts(FILE *fp, const struct opt *o)
{
	for (; o && o->name; o++)
		print_opt(fp, o);
}

/* The global options that mean something to c (all of them: c NULL). */
static void
print_globals(FILE *fp, const struct command *c)
{
	int i;

	for (i = 0; i < G_NGLOBAL; i++)
		if (global_applies(i, c))
			print_opt(fp, &global_opts[i]);
}

static void
usage_main(FILE *fp)
{
	const struct command *const *c;

	fprintf(fp, "usage: chatctl [OPTIONS] COMMAND [ARGS...]\n\n"
	    "A command-line client for the chat server: log in, send messages,\n"
	    "handle friend requests, and stream incoming messages as JSON lines.\n\n"
	    "commands:\n");
	for (c = commands; *c; c++)
		fprintf(fp, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(fp, "\nglobal options (before or after the command):\n");
	print_globals(fp, NULL);
	fprintf(fp, "\nenvironment: CHATCTL_SERVER, CHATCTL_PROFILE, CHATCTL_CONFIG_DIR, CHATCTL_TOKEN,\n"
	    "CHATCTL_PASSWORD (login), XDG_CONFIG_HOME\n"
	    "exit codes: 0 ok, 1 refused, 2 usage, 3 auth, 4 network, 5 protocol, 6 local I/O\n"
	    "'chatctl help COMMAND' or 'chatctl COMMAND --help' shows a command's options;\n"
	    "man chatctl has the whole story.\n");
}

static void
usage_cmd(FILE *fp, const struct command *c)
{
	fprintf(fp, "usage: chatctl %s %s\n\n%s\n", c->name, c->synopsis, c->summary);
	if (c->description)
		fprintf(fp, "\n%s\n", c->description);
	if (opts_count(c->opts)) {
		fprintf(fp, "\noptions:\n");
		print_opts(fp, c->opts);
	}
	fprintf(fp, "\nglobal options:\n");
	print_globals(fp, c);
}

static int
usage_error(const char *cmd, const char *fmt, const char *what)
{
	fprintf(stderr, "chatctl: %s%s", cmd ? cmd : "", cmd ? ": " : "");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\ntry 'chatctl %s%s--help'\n", cmd ? cmd : "", cmd ? " " : "");
	return EX_USAGE;
}

static void
print_version(void)
{
	const char *jqfile = "libjq";
	Dl_info di;

	/* libjq 1.6 has no version call: name the package we built against
	 * and the library file the loader actually gave us. */
	if (dladdr((void *)jv_parse, &di) && di.dli_fname) {
		const char *slash = strrchr(di.dli_fname, '/');
		jqfile = slash ? slash + 1 : di.dli_fname;
	}
	printf("chatctl %s\n", CHATCTL_VERSION);
	printf("libwebsockets %s (%s)\n", ws_version(), OpenSSL_version(OPENSSL_VERSION));
	printf("libjq %s (%s)\n", JQ_PKG_VERSION, jqfile);
}

/* Apply one global option. Returns -1 to go on, else an exit code. */
static int
set_global(struct globals *g, int which, const char *val, const struct command *c, struct err *e)
{
	switch (which) {
	case G_SERVER: g->server = val; break;
	case G_PROFILE: g->profile = val; break;
	case G_CONFIG: g->config_dir = val; break;
	case G_JQ: g->jq = val; break;
	case G_RAW: g->raw = 1; break;
	case G_COMPACT: g->pretty = 0; break;
	case G_PRETTY: g->pretty = 1; break;
	case G_VERBOSE: g->verbose++; break;
	case G_QUIET: g->quiet = 1; break;
	case G_CONNECT_TIMEOUT:
		if (parse_secs(val, "--connect-timeout", &g->connect_timeout, e))
			return EX_USAGE;
		break;
	case G_MAX_TIME:
		if (parse_secs(val, "--max-time", &g->max_time, e))
			return EX_USAGE;
		break;
	case G_MAX_RESPONSE:
		if (parse_long(val, 1, 1L << 40, "--max-response", &g->max_response, e))
			return EX_USAGE;
		break;
	case G_CACERT: g->cacert = val; break;
	case G_INSECURE: g->insecure = 1; break;
	case G_HELP:
		if (c)
			usage_cmd(stdout, c);
		else
			usage_main(stdout);
		return EX_OK;
	case G_VERSION:
		print_version();
		return EX_OK;
	}
	return -1;
}

/* The globals start at their defaults, --server's aside: that one is
 * config_load()'s last resort, after CHATCTL_SERVER and the profile. */
static void
globals_init(struct globals *g)
{
	struct err e;
	int i;

	memset(g, 0, sizeof *g);
	g->pretty = -1;
	for (i = 0; i < G_NGLOBAL; i++) {
		if (global_opts[i].dflt == NULL || i == G_SERVER)
			continue;
		if (set_global(g, i, global_opts[i].dflt, NULL, &e) >= 0) {
			/* A default that does not parse is a bug. */
			fprintf(stderr, "chatctl: internal error: --%s default: %s\n", global_opts[i].name, e.msg);
			abort();
		}
	}
}

static int
bad_option(const char *cmd, int ret, int optopt_, const char *word)
{
	char shortopt[3] = { '-', (char)optopt_, 0 };
	/* getopt_long reports a long option by its short letter when it has
	 * one: name what was typed. */
	const char *what = optopt_ && strncmp(word, "--", 2) != 0 ? shortopt : word;

	if (ret == ':')
		return usage_error(cmd, "option '%s' needs a value", what);
	return usage_error(cmd, "unknown option '%s'", what);
}

/* Finish: flush stdout and turn a write error into the documented code.
 * A reader that went away (EPIPE, "| head -1") is not an error. */
static int
finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return code;
		fprintf(stderr, "chatctl: cannot write to standard output: %s\n", strerror(errno));
		return code ? code : EX_IO;
	}
	return code;
}

/* --list-options: the command's options, then the globals, one a line;
 * --list-defaults: those that have a default, as "--name VALUE". */
static void
list_option(const struct opt *o, int defaults)
{
	if (!defaults)
		printf("--%s\n", o->name);
	else if (o->dflt)
		printf("--%s %s\n", o->name, o->dflt);
}

static void
list_options(const struct command *c, int defaults)
{
	const struct opt *o;
	int i;

	for (o = c->opts; o && o->name; o++)
		list_option(o, defaults);
	for (i = 0; i < G_NGLOBAL; i++)
		if (global_applies(i, c))
			list_option(&global_opts[i], defaults);
}

/* The command's check, the session its .setup asks for, run(), and the
 * session closed again (see struct command). */
static int
run_setup(const struct command *c, const struct globals *g, const struct args *a, struct err *e)
{
	struct session s = { .g = g };
	int code;

	if (c->check && (code = c->check(a, e)) != EX_OK)
		return code;
	if (!(c->setup & SETUP_SESSION))
		return c->run(&s, a, e);
	if ((code = session_open(&s, g, c->setup, e)) == EX_OK)
		code = c->run(&s, a, e);
	session_close(&s);
	return code;
}

static int
run_command(const struct command *c, struct globals *g, int argc, char **argv)
{
	struct table t;
	struct args a;
	struct err e = { 0, "" };
	int ret, i, code;

	table_build(&t, c, c->options_first);
	args_init(&a, c);
	optind = 0;
	opterr = 0;
	while ((ret = getopt_long(argc, argv, t.shorts, t.lo, NULL)) != -1) {
		if (ret == K_LIST_OPTIONS || ret == K_LIST_DEFAULTS) {
			list_options(c, ret == K_LIST_DEFAULTS);
			code = EX_OK;
			goto out;
		}
		if (ret == '?' || ret == ':') {
			code = bad_option(c->name, ret, optopt, argv[optind - 1]);
			goto out;
		}
		i = table_index(&t, ret);
		if (t.isglobal[i]) {
			code = set_global(g, (int)(t.rows[i] - global_opts), optarg, c, &e);
			if (code >= 0)
				goto out;
		} else {
			args_add(&a, (int)(t.rows[i] - c->opts), optarg);
		}
	}
	a.argc = argc - optind;
	a.argv = argv + optind;
	if (a.argc < c->min_args) {
		code = usage_error(c->name, "missing argument: %s", c->synopsis);
		goto out;
	}
	if (c->max_args >= 0 && a.argc > c->max_args) {
		code = usage_error(c->name, "unexpected argument '%s'", a.argv[c->max_args]);
		goto out;
	}
	log_init(c->name, g->verbose, g->quiet);
	code = run_setup(c, g, &a, &e);
out:
	code = finish(code);
	if (code != EX_OK && e.msg[0]) {
		log_line(c->name, e.msg);
		if (code == EX_USAGE)
			fprintf(stderr, "try 'chatctl %s --help'\n", c->name);
	}
	args_release(&a);
	return code;
}

int
main(int argc, char **argv)
{
	struct globals g;
	const struct command *c = NULL;
	const char *name = strrchr(argv[0], '/');
	struct table t;
	struct err e = { 0, "" };
	int ret, i, code;

	/* The token is in memory: a crash must not write it into a core file. */
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	/* A closed pipe must be an EPIPE we can see, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	/* Backoff jitter (lib/backoff.c): apart from other clients' jitter. */
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	globals_init(&g);
	name = name ? name + 1 : argv[0];

	/* Multi-call: chatctl-send, or a link named just "send". */
	if (strncmp(name, "chatctl-", 8) == 0) {
		if ((c = command_find(name + 8)) == NULL)
			return usage_error(NULL, "unknown command '%s'", name + 8);
	} else
		c = command_find(name);
	if (c)
		return run_command(c, &g, argc, argv);

	table_build(&t, NULL, 1);
	optind = 0;
	opterr = 0;
	while ((ret = getopt_long(argc, argv, t.shorts, t.lo, NULL)) != -1) {
		if (ret == K_LIST_COMMANDS) {
			const struct command *const *p;

			for (p = commands; *p; p++)
				printf("%s\n", (*p)->name);
			return finish(EX_OK);
		}
		if (ret == '?' || ret == ':')
			return bad_option(NULL, ret, optopt, argv[optind - 1]);
		i = table_index(&t, ret);
		code = set_global(&g, (int)(t.rows[i] - global_opts), optarg, NULL, &e);
		if (code >= 0) {
			if (code && e.msg[0])
				usage_error(NULL, "%s", e.msg);
			return finish(code);
		}
	}
	if (optind >= argc) {
		usage_main(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		if (optind + 1 >= argc) {
			usage_main(stdout);
			return finish(EX_OK);
		}
		if ((c = command_find(argv[optind + 1])) == NULL)
			return usage_error(NULL, "unknown command '%s'", argv[optind + 1]);
		usage_cmd(stdout, c);
		return finish(EX_OK);
	}
	if ((c = command_find(argv[optind])) == NULL)
		return usage_error(NULL, "unknown command '%s'", argv[optind]);
	return run_command(c, &g, argc - optind, argv + optind);
}
