/* lib/err.h: exit codes and the error that carries one to main.
 *
 * lib/ never prints an error and never exits: a function that fails fills
 * *e with err_set() and returns the exit code it chose, which travels up to
 * cmd/main.c, the one place that prints "chatctl: <command>: <msg>".
 * An empty msg means "already reported" (or nothing worth saying, as for
 * a quiet "not a friend"). struct err is plain data owned by its caller. */
#ifndef CHATCTL_ERR_H
#define CHATCTL_ERR_H

#include <stdarg.h>

/* The table of DESIGN.md "Exit codes"; documented in chatctl(1). */
enum {
	EX_OK = 0,	/* success */
	EX_NO = 1,	/* the server said no; isfriend: not a friend */
	EX_USAGE = 2,	/* bad option, argument, --options JSON or --jq */
	EX_AUTH = 3,	/* not logged in, token rejected, account disabled */
	EX_NET = 4,	/* resolve, connect, TLS, timeout */
	EX_PROTO = 5,	/* 5xx, or a body that is not the envelope */
	EX_IO = 6	/* config or credentials unreadable, unwritable, too open */
};

struct err {
	int code;
	char msg[1024];
};

/* Fill e (which may be NULL) and return code, so that callers can write
 * "return err_set(e, EX_IO, "cannot read '%s': %s", path, strerror(errno));" */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int err_vset(struct err *e, int code, const char *fmt, va_list ap);

#endif
