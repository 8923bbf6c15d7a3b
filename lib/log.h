/* lib/log.h: messages on stderr, and keeping secrets out of them.
 *
 * log_init() once, from the dispatcher, with the command's name: every line
 * then reads "chatctl: <command>: ...". log_warn() is for a problem that
 * does not stop the command (a skipped frame, a retry); -q silences it.
 * log_debug(level, ...) prints only with at least that many -v.
 * Fatal errors do not come through here: they travel in struct err to main.
 *
 * Nothing that reaches stderr may carry a token: pass URLs through
 * log_redact_url() and never log a header or body that holds one. */
#ifndef CHATCTL_LOG_H
#define CHATCTL_LOG_H

#include <stddef.h>

void log_init(const char *cmd, int verbose, int quiet);
int log_verbosity(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "chatctl: <cmd>: <text>" and a newline on stderr (cmd may be NULL), with
 * every control character in text written as \xNN: what a server says
 * can never rewrite the terminal or break a one-line error. */
void log_line(const char *cmd, const char *text);
/* log_line()'s escaping of s into out (size > 0): cut short rather than
 * overflow, NUL-terminated; returns the length written. */
size_t log_escape(const char *s, char *out, size_t size);
void log_debug(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An lws log emitter (lws_set_log_level's second argument): each line as
 * "chatctl: <command>: lws: ...", tokens redacted. Which levels reach it is
 * the caller's choice, made with lws_set_log_level. */
void log_lws(int level, const char *line);

/* What a frame or body looks like in a warning: at most size - 1 bytes of
 * p[0..len) on one line, control bytes as '?', "..." when cut; returns out. */
char *log_preview(const char *p, size_t len, char *out, size_t size);

/* Copy url into out (size n) with the value of every "token=" query
 * parameter replaced by "<redacted>"; returns out. */
char *log_redact_url(const char *url, char *out, size_t n);

#endif
