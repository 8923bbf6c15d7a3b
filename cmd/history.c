/* cmd/history.c: print what the account's mailbox holds, oldest first, one
 * frame per line. Read-only and offline: no request, no cursor moves, and a
 * mailbox that does not exist yet is not created (it is just empty). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "../lib/frame.h"
#include "../lib/log.h"
#include "../lib/mailbox.h"

static const struct opt history_opts[] = {
	{ "with", 0, "USER_ID", "only the single chat with this user, both directions", NULL, NULL },
	{ "group", 0, "GROUP_ID", "only the messages of this group", NULL, NULL },
	{ "since", 0, "T", "only messages from T on (30s, 15m, 2h, 7d ago; YYYY-MM-DD[THH:MM[:SS]][Z]; @SECONDS)",
	    NULL, NULL },
	{ "until", 0, "T", "only messages before T (same forms as --since)", NULL, NULL },
	{ "limit", 'n', "N", "only the newest N of them, still oldest first (default; 0 for all)", NULL, "0" },
	{ "type", 't', "TYPE", "only this frame or message type (repeatable)",
	    "singleChat|text|iconMenus|image|audio|video|systemNotice", NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

#define WHEN_FORMS "a duration ago (30s, 15m, 2h, 7d), a date YYYY-MM-DD, a local time " \
	"YYYY-MM-DDTHH:MM[:SS] (UTC with a trailing Z) or @SECONDS since the epoch"

/* "30s", "15m", "2h", "7d": that long before now. */
static int
when_ago(const char *s, int64_t now, int64_t *ms)
{
	static const struct { char unit; int64_t ms; } units[] = {
		{ 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 }
	};
	size_t n = strspn(s, "0123456789"), i;
	long long v;

	if (n == 0 || n > 9 || s[n] == '\0' || s[n + 1] != '\0')
		return 0;
	v = strtoll(s, NULL, 10);
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (s[n] == units[i].unit) {
			*ms = now - v * units[i].ms;
			return 1;
		}
	return 0;
}

/* "@SECONDS", with an optional fraction (kept to the millisecond) so that a
 * message's own create_time can be named exactly. */
static int
when_epoch(const char *s, int64_t *ms)
{
	size_t n, f = 0, i;
	int64_t frac = 0, scale = 100;

	if (*s++ != '@' || (n = strspn(s, "0123456789")) == 0 || n > 12)
		return 0;
	if (s[n] == '.') {
		f = strspn(s + n + 1, "0123456789");
		if (f == 0 || s[n + 1 + f] != '\0')
			return 0;
	} else if (s[n] != '\0') {
		return 0;
	}
	for (i = 0; i < f && i < 3; i++, scale /= 10)
		frac += (s[n + 1 + i] - '0') * scale;
	*ms = strtoll(s, NULL, 10) * 1000 + frac;
	return 1;
}

/* Exactly n digits at p, as a number, or -1. */
static int
digits(const char *p, int n)
{
	int v = 0;

	while (n--) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	return v;
}

/* The fields of "YYYY-MM-DD[THH:MM[:SS]]" (len 10, 16 or 19) in *tm, or 0. */
static int
date_fields(const char *s, size_t len, struct tm *tm)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;

	if ((len != 10 && len != 16 && len != 19) || s[4] != '-' || s[7] != '-' ||
	    (len > 10 && (s[10] != 'T' || s[13] != ':')) || (len > 16 && s[16] != ':'))
		return 0;
	y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	if (len > 10)
		h = digits(s + 11, 2), mi = digits(s + 14, 2);
	if (len > 16)
		sec = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return 0;
	*tm = (struct tm){ .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = sec, .tm_isdst = -1 };
	return 1;
}

/* "YYYY-MM-DD" (local midnight), "YYYY-MM-DDTHH:MM[:SS]" (local time), the
 * latter with a trailing "Z" for UTC. */
static int
when_date(const char *s, int64_t *ms)
{
	size_t len = strlen(s);
	int utc = len > 10 && s[len - 1] == 'Z', mday, mon;
	struct tm tm;
	time_t t;

	if (!date_fields(s, len - utc, &tm) || (utc && len - 1 == 10))
		return 0;
	mday = tm.tm_mday, mon = tm.tm_mon;
	t = utc ? timegm(&tm) : mktime(&tm);
	/* Both roll 2024-02-30 over into March: refuse it instead. */
	if (tm.tm_mday != mday || tm.tm_mon != mon)
		return 0;
	*ms = (int64_t)t * 1000;
	return 1;
}

/* --since or --until T as milliseconds since the epoch. */
static int
parse_when(const char *s, const char *what, int64_t now, int64_t *ms, struct err *e)
{
	if (when_ago(s, now, ms) || when_epoch(s, ms) || when_date(s, ms))
		return EX_OK;
	return err_set(e, EX_USAGE, "invalid %s '%s': expected " WHEN_FORMS, what, s);
}

/* The command line as a query. *none is set when --until lies at or before
 * the epoch: nothing can match, and the query's 0 would mean "any". */
static int
history_args(struct session *s, const struct args *a, struct mailbox_query *q, int *none, struct err *e)
{
	int64_t now = mailbox_now_ms();
	int code, i;
	long v;

	memset(q, 0, sizeof *q);
	*none = 0;
	if (arg_has(a, "with") && arg_has(a, "group"))
		return err_set(e, EX_USAGE, "--with and --group do not go together");
	if (arg_has(a, "with") && (code = session_user_id(s, arg_get(a, "with"), "--with", &q->with, e)))
		return code;
	if (arg_has(a, "group") && (code = parse_id(arg_get(a, "group"), ID_GROUP, "--group", &q->group, e)))
		return code;
	if ((code = parse_long(arg_get(a, "limit"), 0, LONG_MAX, "--limit", &v, e)))
		return code;
	q->limit = v;
	if (arg_has(a, "since") && (code = parse_when(arg_get(a, "since"), "--since", now, &q->since_ms, e)))
		return code;
	if (arg_has(a, "until")) {
		if ((code = parse_when(arg_get(a, "until"), "--until", now, &q->until_ms, e)))
			return code;
		*none = q->until_ms <= 0;
	}
	q->types = arg_all(a, "type", &q->ntypes);
	for (i = 0; i < q->ntypes; i++)
		if (q->types[i][0] == '\0')
			return err_set(e, EX_USAGE, "empty --type");
	return EX_OK;
}

static int
history_check(const struct args *a, struct err *e)
{
	struct mailbox_query q;
	int none;

	return history_args(NULL, a, &q, &none, e);
}

/* One row: the frame byte for byte as stored, as listen prints it. A row
 * not checked as it was stored and not strict JSON (a store written by an
 * older chatctl) is reported and skipped, as listen does, so that one cannot hide the rest.
 * Stops the query once stdout is broken (a closed pipe): main reports it. */
static int
print_row(void *arg, const struct mailbox_row *r)
{
	struct session *s = arg;
	struct err je = { 0, "" };
	int newline = r->newline;

	if (!r->checked && frame_check(r->frame, r->len, &newline, NULL, NULL) != 0)
		log_warn("message %lld in the mailbox is not JSON; skipped", (long long)r->seq);
	else if (output_emit_text(&s->out, r->frame, r->len, newline, &je) != EX_OK)
		log_warn("%s; message skipped", je.msg);
	return ferror(stdout);
}

static int
history_run(struct session *s, const struct args *a, struct err *e)
{
	struct mailbox_query q;
	struct mailbox *mb;
	char *path;
	int code, none;

	if ((code = history_args(s, a, &q, &none, e)) != EX_OK)
		return code;
	arg_warn_unknown(a, "type");
	if ((code = session_mailbox_path(s, &path, e)) != EX_OK)
		return code;
	/* mailbox_open creates what is missing; history only reads. */
	if (none || (access(path, F_OK) != 0 && errno == ENOENT)) {
		log_debug(1, "%s: %s", path, none ? "nothing can match --until" : "no mailbox yet");
		free(path);
		return EX_OK;
	}
	code = mailbox_open(path, &mb, e);
	free(path);
	if (code != EX_OK)
		return code;
	code = mailbox_query(mb, &q, print_row, s, e);
	mailbox_close(mb);
	return code;
}

const struct command cmd_history = {
	.name = "history",
	.synopsis = "[--with USER_ID] [--group GROUP_ID] [--since T] [--until T] [--limit N] [--type TYPE]...",
	.summary = "print the messages kept in the mailbox, oldest first",
	.description =
	    "Prints what this account's mailbox holds, one frame per line: what listen\n"
	    "received, and what send sent (as the frame its recipient got). No request is\n"
	    "made: it works with the server down. --since is inclusive, --until exclusive;\n"
	    "T is a duration ago (30s, 15m, 2h, 7d), a date YYYY-MM-DD (local midnight), a\n"
	    "local time YYYY-MM-DDTHH:MM[:SS] (UTC with a trailing Z) or @SECONDS. --jq runs\n"
	    "on each frame, as for listen.",
	.opts = history_opts,
	.min_args = 0, .max_args = 0,
	.setup = SETUP_SESSION | SETUP_TOKEN | SETUP_COMPACT | SETUP_NO_HTTP,
	.check = history_check,
	.run = history_run,
};
