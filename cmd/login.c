/* cmd/login.c: authenticate and store the token for a profile.
 * The password never comes from a flag: flags show in ps(1). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "../lib/lock.h"
#include "../lib/xalloc.h"

static const struct opt login_opts[] = {
	{ "username", 0, "NAME", "the account to log in (default: the profile's last one)", NULL, NULL },
	{ "password-stdin", 0, NULL, "read the password from the first line of standard input", NULL, NULL },
	{ "print-token", 0, NULL, "print only the token instead of the user record", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Read one line from fd into buf (NUL-terminated, newline removed). */
static int
read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	char ch;
	ssize_t r;

	while (n + 1 < size && (r = read(fd, &ch, 1)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (ch == '\n')
			break;
		buf[n++] = ch;
	}
	buf[n] = '\0';
	chomp(buf);
	return 0;
}

/* Ask on the terminal; echo off for secrets. As getpass(3) does, echo goes
 * off (and type-ahead is dropped) before the prompt shows, so nothing typed
 * after the prompt can appear. -1 when there is no terminal. */
static int
prompt_tty(const char *prompt, int secret, char *buf, size_t size)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC), rc, restore = 0;

	if (fd < 0)
		return -1;
	if (secret && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	rc = write(fd, prompt, strlen(prompt)) < 0 ? -1 : read_line(fd, buf, size);
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
		if (write(fd, "\n", 1) < 0)
			rc = -1;
	}
	close(fd);
	return rc;
}

static int
get_password(const struct args *a, char *pw, size_t size, struct err *e)
{
	const char *env = getenv("CHATCTL_PASSWORD");

	if (arg_has(a, "password-stdin")) {
		if (read_line(STDIN_FILENO, pw, size) != 0)
			return err_set(e, EX_IO, "cannot read the password from standard input: %s", strerror(errno));
	} else if (env && *env) {
		snprintf(pw, size, "%s", env);
	} else if (!isatty(STDIN_FILENO) || prompt_tty("password: ", 1, pw, size) != 0) {
		return err_set(e, EX_USAGE, "no password: use --password-stdin, set CHATCTL_PASSWORD, "
		    "or run on a terminal");
	}
	if (pw[0] == '\0')
		return err_set(e, EX_USAGE, "empty password");
	return EX_OK;
}

static int
lock_profile(struct session *s, struct lock **lk, struct err *e)
{
	char *path = xasprintf("%s.lock", s->cfg.cred_path);
	int r = lock_wait(path, s->g->max_time > 0 ? s->g->max_time : 30, lk, e);

	free(path);
	if (r == 0)
		return err_set(e, EX_IO, "another login of profile '%s' is under way", s->cfg.profile);
	return r < 0 ? e->code : EX_OK;
}

static int
login_run(struct session *s, const struct args *a, struct err *e)
{
	struct cred c;
	char user[256] = "", pw[256] = "";
	jv data = jv_invalid(), token, body, stored;
	struct lock *lk = NULL;
	int code;

	if (arg_get(a, "username")) {
		snprintf(user, sizeof user, "%s", arg_get(a, "username"));
	} else {
		if (jv_get_kind(s->cfg.cred.user) == JV_KIND_OBJECT) {
			jv u = jv_object_get(jv_copy(s->cfg.cred.user), jv_string("username"));

			if (jv_get_kind(u) == JV_KIND_STRING)
				snprintf(user, sizeof user, "%s", jv_string_value(u));
			jv_free(u);
		}
		if (!user[0] && (!isatty(STDIN_FILENO) || prompt_tty("username: ", 0, user, sizeof user) != 0 || !user[0])) {
			code = err_set(e, EX_USAGE, "no username: use --username NAME");
			goto out;
		}
	}
	if ((code = get_password(a, pw, sizeof pw, e)) != EX_OK)
		goto out;

	/* Two logins of one profile at once: the server keeps only the token
	 * it gave last, so the one stored must be that one. One at a time. */
	if ((code = lock_profile(s, &lk, e)) != EX_OK) {
		explicit_bzero(pw, sizeof pw);
		goto out;
	}
	body = jv_object();
	body = jv_object_set(body, jv_string("username"), jv_string(user));
	body = jv_object_set(body, jv_string("password"), jv_string(pw));
	explicit_bzero(pw, sizeof pw);
	s->api.token = NULL;	/* logging in needs no token, and must not leak the old one */
	s->api.auth_hint = NULL;	/* a refused login is not cured by logging in again */
	code = api_call(&s->api, "POST", "/api/loginChat", body, &data, NULL, e);
	if (code != EX_OK)
		goto out;
	token = jv_object_get(jv_copy(data), jv_string("token"));
	if (jv_get_kind(data) != JV_KIND_OBJECT || jv_get_kind(token) != JV_KIND_STRING) {
		jv_free(token);
		code = err_set(e, EX_PROTO, "the login answer carries no token");
		goto out;
	}
	if (!config_token_ok(jv_string_value(token))) {
		/* It goes into a header and a URL later: never store one that
		 * could carry a second header or break the line. */
		jv_free(token);
		code = err_set(e, EX_PROTO, "the login answer's token is not printable ASCII without "
		    "spaces; nothing was stored");
		goto out;
	}
	stored = jv_object_delete(jv_object_delete(jv_copy(data), jv_string("token")), jv_string("password"));
	cred_init(&c);
	c.server = s->cfg.server;
	c.token = (char *)jv_string_value(token);
	c.user = stored;
	/* A setting of the profile outlives the login it was made under. */
	c.keep_days = s->cfg.cred.keep_days;
	code = cred_save(s->cfg.cred_path, &c, e);
	if (code == EX_OK) {
		if (arg_has(a, "print-token"))
			printf("%s\n", jv_string_value(token));
		else
			code = output_emit(&s->out, jv_copy(stored), e);
	}
	jv_free(stored);
	jv_free(token);
out:
	lock_release(lk);
	explicit_bzero(pw, sizeof pw);
	jv_free(data);
	return code;
}

const struct command cmd_login = {
	.name = "login",
	.synopsis = "[--username NAME] [--password-stdin] [--print-token]",
	.summary = "log in and store the token for a profile",
	.description =
	    "The password comes from the first line of standard input with --password-stdin,\n"
	    "else from CHATCTL_PASSWORD, else from a prompt on the terminal; never from a flag.\n"
	    "The token is stored in the profile's credentials file (mode 0600) with the server\n"
	    "URL and the user record, which is printed (without the token).",
	.opts = login_opts,
	.min_args = 0, .max_args = 0,
	.setup = SETUP_SESSION,	/* no SETUP_TOKEN: login makes the token */
	.run = login_run,
};
