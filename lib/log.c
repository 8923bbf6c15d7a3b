#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

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

static void
emit(const char *fmt, va_list ap)
{
	char line[2048];

	/* One write per line, so lines from concurrent processes stay whole. */
	vsnprintf(line, sizeof line, fmt, ap);
	fprintf(stderr, "chatctl: %s%s%s\n", log_cmd, *log_cmd ? ": " : "", line);
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
	fprintf(stderr, "chatctl: %s%slws: %s\n", log_cmd, *log_cmd ? ": " : "", out);
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
