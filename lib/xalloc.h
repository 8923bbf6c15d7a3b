/* lib/xalloc.h: allocation that cannot fail.
 * Running out of memory is not something chatctl can recover from, so these
 * print one line and abort instead of returning NULL: call sites stay clean.
 * Everything they return is the caller's to free(). */
#ifndef CHATCTL_XALLOC_H
#define CHATCTL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer; buf is always NUL-terminated once anything has
 * been added. buf_release() frees it and leaves an empty buffer. */
struct buf {
	char *buf;
	size_t len, cap;
};
#define BUF_INIT { NULL, 0, 0 }
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_reset(struct buf *b);	/* len = 0, keeps the memory */
void buf_release(struct buf *b);
char *buf_detach(struct buf *b);	/* caller frees; never NULL */

#endif
