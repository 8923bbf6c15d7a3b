#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "config.h"
#include "json.h"
#include "xalloc.h"

int
config_valid_profile(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > 64 || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

int
config_check_url(const char *url, struct err *e)
{
	const char *host;

	if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else
		return err_set(e, EX_USAGE, "invalid server URL '%s': expected http://HOST[:PORT][/PREFIX] or https://...", url);
	if (*host == '\0' || *host == '/' || *host == ':' || strpbrk(url, " \t\r\n?#"))
		return err_set(e, EX_USAGE, "invalid server URL '%s': expected http://HOST[:PORT][/PREFIX] or https://...", url);
	return EX_OK;
}

static const char *
nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

char *
config_dir(const char *flag, struct err *e)
{
	const char *s;

	if ((s = nonempty(flag)) || (s = nonempty(getenv("CHATCTL_CONFIG_DIR"))))
		return xstrdup(s);
	if ((s = nonempty(getenv("XDG_CONFIG_HOME"))))
		return xasprintf("%s/chatctl", s);
	if ((s = nonempty(getenv("HOME"))))
		return xasprintf("%s/.config/chatctl", s);
	err_set(e, EX_IO, "cannot find the configuration directory: set HOME or CHATCTL_CONFIG_DIR");
	return NULL;
}

/* The base URL without trailing slashes, so paths can be appended. */
static char *
trim_url(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return xstrndup(url, n);
}

/* The stored server (NULL: from before servers were stored) and the one
 * in use, ignoring trailing slashes as trim_url() does. */
static int
same_server(const char *stored, const char *server)
{
	char *t;
	int same;

	if (stored == NULL)
		return 1;
	t = trim_url(stored);
	same = strcmp(t, server) == 0;
	free(t);
	return same;
}

int
config_token_ok(const char *t)
{
	size_t n;

	for (n = 0; t[n]; n++)
		if (t[n] <= ' ' || t[n] > '~')
			return 0;
	return n > 0 && n <= 8192;
}

int
config_load(const struct config_in *in, struct config *c, struct err *e)
{
	const char *s;
	int code;

	memset(c, 0, sizeof *c);
	cred_init(&c->cred);
	if ((c->dir = config_dir(in->dir, e)) == NULL)
		return EX_IO;
	if (!(s = nonempty(in->profile)) && !(s = nonempty(getenv("CHATCTL_PROFILE"))))
		s = CONFIG_DEFAULT_PROFILE;
	if (!config_valid_profile(s))
		return err_set(e, EX_USAGE, "invalid profile name '%s': use letters, digits, '.', '_' and '-'", s);
	c->profile = xstrdup(s);
	c->cred_path = xasprintf("%s/profiles/%s.json", c->dir, c->profile);
	if ((code = cred_load(c->cred_path, &c->cred, e)) != EX_OK)
		return code;

	if ((s = nonempty(in->server)))
		c->server_from = "flag";
	else if ((s = nonempty(getenv("CHATCTL_SERVER"))))
		c->server_from = "environment";
	else if ((s = nonempty(c->cred.server)))
		c->server_from = "profile";
	else {
		s = CONFIG_DEFAULT_SERVER;
		c->server_from = "default";
	}
	if ((code = config_check_url(s, e)) != EX_OK)
		return code;
	c->server = trim_url(s);

	if ((s = nonempty(getenv("CHATCTL_TOKEN")))) {
		c->token_from = "environment";
	} else if ((s = nonempty(c->cred.token))) {
		c->token_from = "profile";
	} else
		return EX_OK;
	if (!config_token_ok(s)) {
		if (strcmp(c->token_from, "environment") == 0)
			return err_set(e, EX_PROTO, "CHATCTL_TOKEN is not printable ASCII without spaces");
		/* A stored one: as if not logged in, so that login still mends it. */
		c->token_from = NULL;
		return EX_OK;
	}
	if (strcmp(c->token_from, "profile") == 0 && !same_server(c->cred.server, c->server)) {
		/* A profile's token goes only to the server that issued it. */
		c->token_from = NULL;
		c->token_server = c->cred.server;
		return EX_OK;
	}
	c->token = xstrdup(s);
	return EX_OK;
}

char *
config_login_hint(const struct config *c, int rejected, char *out, size_t size)
{
	char cmd[512];
	int dp = strcmp(c->profile, CONFIG_DEFAULT_PROFILE) == 0;
	int ds = strcmp(c->server, CONFIG_DEFAULT_SERVER) == 0;

	if (rejected && c->token_from && strcmp(c->token_from, "environment") == 0) {
		snprintf(out, size, "the token came from CHATCTL_TOKEN, which wins over any login: "
		    "set a valid token there, or unset it to use the login of profile '%s'", c->profile);
		return out;
	}
	snprintf(cmd, sizeof cmd, "chatctl%s%s%s%s login", dp ? "" : " -p ", dp ? "" : c->profile,
	    ds ? "" : " -s ", ds ? "" : c->server);
	snprintf(out, size, rejected ? "log in again with '%s'" : "run '%s'", cmd);
	return out;
}

void
config_release(struct config *c)
{
	free(c->dir);
	free(c->profile);
	free(c->cred_path);
	free(c->server);
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	cred_release(&c->cred);
	memset(c, 0, sizeof *c);
	c->cred.user = jv_null();
}

char *
config_state_dir(struct err *e)
{
	const char *s;

	if ((s = nonempty(getenv("XDG_STATE_HOME"))))
		return xasprintf("%s/chatctl", s);
	if ((s = nonempty(getenv("HOME"))))
		return xasprintf("%s/.local/state/chatctl", s);
	err_set(e, EX_IO, "cannot find the state directory: set HOME or XDG_STATE_HOME");
	return NULL;
}

char *
config_state_file(const char *account, const char *suffix, struct err *e)
{
	char *dir = config_state_dir(e), *path;

	if (dir == NULL)
		return NULL;
	path = xasprintf("%s/%s%s", dir, account, suffix);
	free(dir);
	return path;
}

/* The key is a file name: bytes outside [A-Za-z0-9.-] become '_'. lower
 * is for the host, whose case means nothing (a path's does). */
static void
account_add(struct buf *b, const char *s, size_t n, int lower)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch >= 'A' && ch <= 'Z') {
			if (lower)
				ch = (char)(ch - 'A' + 'a');
		} else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
			ch = '_';
		buf_add(b, &ch, 1);
	}
}

/* "<scheme>_<host>_<port>[_<path>]" of a checked, trimmed URL. The port
 * is always written, so that http://h and http://h:80 are one account;
 * user:password@ is never part of a file name. */
static void
account_server(struct buf *b, const char *url)
{
	const char *host = strstr(url, "://") + 3, *end = host + strcspn(host, "/"), *at, *port;

	for (at = host; at < end; at++)
		if (*at == '@')
			host = at + 1;
	port = end;
	for (at = host; at < end; at++)
		if (*at == ':')
			port = at;	/* the last ':' not inside [v6] */
		else if (*at == ']')
			port = end;
	account_add(b, url, (size_t)(strstr(url, "://") - url), 0);
	buf_adds(b, "_");
	account_add(b, host, (size_t)(port - host), 1);
	buf_adds(b, "_");
	if (port + 1 < end)
		account_add(b, port + 1, (size_t)(end - port - 1), 0);
	else
		buf_adds(b, strncmp(url, "https:", 6) == 0 ? "443" : "80");
	if (*end) {
		buf_adds(b, "_");
		account_add(b, end + 1, strlen(end + 1), 0);
	}
}

/* A positive integer id from a JSON number or a string of digits; 0 when
 * v is neither. Consumes v. */
static long
account_id(jv v)
{
	long id = 0;

	if (jv_get_kind(v) == JV_KIND_NUMBER && jv_is_integer(v) && jv_number_value(v) >= 1 &&
	    jv_number_value(v) <= JSON_MAX_SAFE_INT)
		id = (long)jv_number_value(v);
	else if (jv_get_kind(v) == JV_KIND_STRING) {
		const char *s = jv_string_value(v);
		size_t n = strspn(s, "0123456789");

		if (n > 0 && n < 16 && s[n] == '\0')
			id = strtol(s, NULL, 10);
	}
	jv_free(v);
	return id;
}

/* The payload of a JWT (header.payload.signature, base64url without
 * padding), parsed; jv_invalid() when it is not one. libcrypto's decoder
 * wants the standard alphabet and padding. */
static jv
jwt_payload(const char *token)
{
	const char *p = strchr(token, '.'), *q = p ? strchr(p + 1, '.') : NULL;
	size_t n, i, pad;
	unsigned char *in, *out;
	int len;
	jv v = jv_invalid();

	if (q == NULL || (n = (size_t)(q - p - 1)) % 4 == 1 || n == 0)
		return v;
	pad = (4 - n % 4) % 4;
	in = xmalloc(n + pad + 1);
	out = xmalloc(n + pad);
	for (i = 0; i < n; i++)
		in[i] = p[1 + i] == '-' ? '+' : p[1 + i] == '_' ? '/' : (unsigned char)p[1 + i];
	memset(in + n, '=', pad);
	in[n + pad] = '\0';
	len = EVP_DecodeBlock(out, in, (int)(n + pad));
	if (len >= (int)pad && memchr(in, '=', n) == NULL)
		v = json_parse((const char *)out, (size_t)(len - (int)pad));
	free(in);
	free(out);
	return v;
}

/* Whose token c holds: the stored user's id for the profile's token, the
 * JWT's "id" for CHATCTL_TOKEN (which may belong to anyone). */
static int
account_uid(const struct config *c, long *uid, struct err *e)
{
	jv v;

	char hint[600];

	*uid = 0;
	if (c->token == NULL)
		return err_set(e, EX_AUTH, "not logged in (profile '%s'): %s", c->profile,
		    config_login_hint(c, 0, hint, sizeof hint));
	if (strcmp(c->token_from, "profile") == 0) {
		if (jv_get_kind(c->cred.user) == JV_KIND_OBJECT)
			*uid = account_id(jv_object_get(jv_copy(c->cred.user), jv_string("id")));
		if (*uid == 0)
			return err_set(e, EX_AUTH, "'%s' has no user id: %s", c->cred_path,
			    config_login_hint(c, 0, hint, sizeof hint));
		return EX_OK;
	}
	v = jwt_payload(c->token);
	if (jv_get_kind(v) == JV_KIND_OBJECT)
		*uid = account_id(jv_object_get(jv_copy(v), jv_string("id")));
	jv_free(v);
	return EX_OK;	/* 0: an opaque token, keyed by its hash */
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Past this length the server part ends in a hash of the whole URL, so
 * that the key stays a short file name and distinct servers stay apart. */
#define ACCOUNT_SERVER_MAX 80

char *
config_account(const struct config *c, long *uid, struct err *e)
{
	struct buf b = BUF_INIT;
	int code;

	if ((code = account_uid(c, uid, e)) != EX_OK)
		return NULL;
	account_server(&b, c->server);
	if (b.len > ACCOUNT_SERVER_MAX) {
		b.len = ACCOUNT_SERVER_MAX - 17;
		buf_printf(&b, "_%016llx", (unsigned long long)fnv1a(c->server));
	}
	if (*uid)
		buf_printf(&b, "-%ld", *uid);
	else
		buf_printf(&b, "-t%016llx", (unsigned long long)fnv1a(c->token));
	return buf_detach(&b);
}
