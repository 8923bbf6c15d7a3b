#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "utf8.h"

static const char *log_cmd = "";
static int log_verbose, log_quiet;

void
log_init(const char *cmd, int verbose, int quiet)
{
	log_cmd = cmd;
	log_verbose = verbose;
	log_quiet = quiet;
}

int
log_verbosity(void)
{
	return log_verbose;
}

/* Server text (a refusal, a close reason, lws's words) must not drive the
 * terminal: C0 controls, DEL, the C1 controls (U+0080-U+009F, which some
 * terminals obey) and bytes that are not UTF-8 are written as \xNN. Other
 * UTF-8 passes, so that the server's Chinese stays readable. */
size_t
log_escape(const char *s, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, u;

	while (*p && n + 9 < size) {
		u = *p < 0x80 ? 1 : utf8_len(p, strnlen((const char *)p, 4));
		if (u == 0 || *p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] <= 0x9f)) {
			u = u ? u : 1;
			while (u--)
				n += (size_t)snprintf(out + n, size - n, "\\x%02x", *p++);
		} else {
			while (u--)
				out[n++] = (char)*p++;
		}
	}
	out[n] = '\0';
	return n;
}

void
log_line(const char *cmd, const char *text)
{
	char out[8192];

	log_escape(text, out, sizeof out);
	/* One write per line, so lines from concurrent processes stay whole. */
	fprintf(stderr, "chatctl: %s%s%s\n", cmd ? cmd : "", cmd && *cmd ? ": " : "", out);
}

static void
emit(const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof line, fmt, ap);
	log_line(log_cmd, line);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	if (log_quiet)
		return;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

void
log_debug(int level, const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < level)
		return;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

char *
log_redact_url(const char *url, char *out, size_t n)
{
	const char *p = url;
	size_t o = 0;

	if (n == 0)
		return out;
	while (*p && o + 1 < n) {
		int at_param = (p == url || p[-1] == '?' || p[-1] == '&');

		if (at_param && strncmp(p, "token=", 6) == 0) {
			const char *r = "token=<redacted>";

			while (*r && o + 1 < n)
				out[o++] = *r++;
			p += 6;
			while (*p && *p != '&' && *p != '#')
				p++;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

void
log_lws(int level, const char *line)
{
	char out[2048];
	size_t n;

	(void)level;
	log_redact_url(line, out, sizeof out);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
		out[--n] = '\0';
	memmove(out + 5, out, n + 1 < sizeof out - 5 ? n + 1 : sizeof out - 6);
	memcpy(out, "lws: ", 5);
	out[sizeof out - 1] = '\0';
	log_line(log_cmd, out);
}

char *
log_preview(const char *p, size_t len, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < size; i++)
		out[o++] = (p[i] >= 0x20 && p[i] != 0x7f) || (p[i] & 0x80) ? p[i] : '?';
	if (i < len) {
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = '\0';
	return out;
}
