#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred.h"
#include "json.h"
#include "xalloc.h"

#define CRED_MAX (1 << 20)

void
cred_init(struct cred *c)
{
	c->present = 0;
	c->server = c->token = NULL;
	c->keep_days = 0;
	c->user = jv_null();
}

void
cred_release(struct cred *c)
{
	free(c->server);
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	jv_free(c->user);
	cred_init(c);
}

static char *
get_string(jv obj, const char *key)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	char *s = NULL;

	if (jv_get_kind(v) == JV_KIND_STRING)
		s = xstrdup(jv_string_value(v));
	jv_free(v);
	return s;
}

/* As ssh does: a file in a directory that others may write to is only as
 * safe as that directory. The profiles directory and the configuration
 * directory above it must belong to us (or root) and be writable by no
 * one else. */
static int
check_dirs(const char *path, struct err *e)
{
	char *dir = xstrdup(path), *d = dirname(dir);
	struct stat st;
	int i, code = EX_OK;

	for (i = 0; i < 2 && code == EX_OK; i++, d = dirname(d)) {
		if (stat(d, &st) != 0)
			break;
		if (st.st_uid != geteuid() && st.st_uid != 0)
			code = err_set(e, EX_IO, "'%s' belongs to another user (uid %u): use a configuration "
			    "directory of your own (--config DIR)", d, (unsigned)st.st_uid);
		else if (st.st_mode & 022)
			code = err_set(e, EX_IO, "'%s' is writable by others (mode %04o): run 'chmod go-w %s'",
			    d, (unsigned)(st.st_mode & 07777), d);
	}
	free(dir);
	return code;
}

int
cred_load(const char *path, struct cred *c, struct err *e)
{
	struct buf b = BUF_INIT;
	struct stat st;
	char chunk[4096];
	ssize_t n;
	jv doc, keep;
	int fd;

	cred_init(c);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return EX_OK;
		return err_set(e, EX_IO, "cannot read '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		return err_set(e, EX_IO, "cannot read '%s': %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, EX_IO, "cannot read '%s': not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return err_set(e, EX_IO, "credentials '%s' are too open (mode %04o): "
		    "run 'chmod 600 %s'", path, (unsigned)(st.st_mode & 07777), path);
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		return err_set(e, EX_IO, "credentials '%s' belong to another user (uid %u): log in "
		    "again to make your own, after 'rm %s'", path, (unsigned)st.st_uid, path);
	}
	if (check_dirs(path, e) != EX_OK) {
		close(fd);
		return e->code;
	}
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		buf_add(&b, chunk, (size_t)n);
		if (b.len > CRED_MAX)
			break;
	}
	explicit_bzero(chunk, sizeof chunk);
	close(fd);
	if (n < 0 || b.len > CRED_MAX) {
		int code = err_set(e, EX_IO, "cannot read '%s': %s", path,
		    n < 0 ? strerror(errno) : "file too large");

		if (b.buf)
			explicit_bzero(b.buf, b.len);
		buf_release(&b);
		return code;
	}
	doc = json_parse(b.buf ? b.buf : "", b.len);
	if (b.buf)
		explicit_bzero(b.buf, b.len);
	buf_release(&b);
	if (jv_get_kind(doc) != JV_KIND_OBJECT) {
		jv_free(doc);
		return err_set(e, EX_IO, "invalid credentials file '%s': not a JSON object", path);
	}
	c->present = 1;
	c->server = get_string(doc, "server");
	c->token = get_string(doc, "token");
	c->user = jv_object_get(jv_copy(doc), jv_string("user"));
	if (!jv_is_valid(c->user)) {
		jv_free(c->user);
		c->user = jv_null();
	}
	keep = jv_object_get(doc, jv_string("keep_days"));
	if (jv_get_kind(keep) == JV_KIND_NUMBER && jv_number_value(keep) >= 1 &&
	    jv_number_value(keep) <= CRED_KEEP_MAX_DAYS && jv_number_value(keep) == (long)jv_number_value(keep))
		c->keep_days = (long)jv_number_value(keep);
	else if (jv_get_kind(keep) != JV_KIND_INVALID && jv_get_kind(keep) != JV_KIND_NULL) {
		jv_free(keep);
		return err_set(e, EX_IO, "invalid credentials file '%s': keep_days must be a whole number of "
		    "days from 1 to %ld", path, CRED_KEEP_MAX_DAYS);
	}
	jv_free(keep);
	return EX_OK;
}

int
cred_make_dirs(const char *dir, struct err *e)
{
	char *p = xstrdup(dir), *s;
	int code = EX_OK;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char save = *s;

			*s = '\0';
			if (mkdir(p, 0700) == 0)
				chmod(p, 0700);	/* a umask of 0700 would leave it 0000 */
			else if (errno != EEXIST) {
				code = err_set(e, EX_IO, "cannot create directory '%s': %s", p, strerror(errno));
				break;
			}
			*s = save;
			if (save == '\0')
				break;
		}
	}
	free(p);
	return code;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
cred_save(const char *path, const struct cred *c, struct err *e)
{
	char *dirbuf = xstrdup(path), *dir = dirname(dirbuf);
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	jv doc = jv_object();
	jv text;
	int fd = -1, dfd, code = EX_OK;

	if ((code = cred_make_dirs(dir, e)) != EX_OK)
		goto out;
	if (c->server)
		doc = jv_object_set(doc, jv_string("server"), jv_string(c->server));
	if (c->token)
		doc = jv_object_set(doc, jv_string("token"), jv_string(c->token));
	doc = jv_object_set(doc, jv_string("user"), jv_copy(c->user));
	if (c->keep_days)
		doc = jv_object_set(doc, jv_string("keep_days"), jv_number((double)c->keep_days));
	text = jv_dump_string(doc, JV_PRINT_PRETTY | JV_PRINT_INDENT_FLAGS(2));

	/* mkstemp creates the file 0600 with O_EXCL: never someone else's. */
	if ((fd = mkstemp(tmp)) < 0) {
		code = err_set(e, EX_IO, "cannot write '%s': %s", path, strerror(errno));
		jv_free(text);
		goto out;
	}
	if (write_all(fd, jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text))) != 0 ||
	    write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
		code = err_set(e, EX_IO, "cannot write '%s': %s", path, strerror(errno));
		jv_free(text);
		goto out;
	}
	jv_free(text);
	if (close(fd) != 0) {
		fd = -1;
		code = err_set(e, EX_IO, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		code = err_set(e, EX_IO, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	/* The rename itself must survive a crash too. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	if (fd >= 0)
		close(fd);
	if (code != EX_OK)
		unlink(tmp);
	free(tmp);
	free(dirbuf);
	return code;
}

int
cred_remove(const char *path, struct err *e)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return err_set(e, EX_IO, "cannot remove '%s': %s", path, strerror(errno));
	return EX_OK;
}
