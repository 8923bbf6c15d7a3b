#include <stdlib.h>
#include <string.h>

#include "config.h"
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
		c->token = xstrdup(s);
		c->token_from = "environment";
	} else if ((s = nonempty(c->cred.token))) {
		c->token = xstrdup(s);
		c->token_from = "profile";
	}
	return EX_OK;
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
