/* cmd/session.c: what a command runs in (see struct session), opened by
 * run_command as the command's .setup asks. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../lib/log.h"
#include "../lib/people.h"

int
session_open(struct session *s, const struct globals *g, int flags, struct err *e)
{
	struct config_in in = { g->server, g->profile, g->config_dir };
	char hint[600];
	int code;

	memset(s, 0, sizeof *s);
	s->g = g;
	s->cfg.cred.user = jv_null();
	if ((code = output_init(&s->out, stdout, g->jq, g->raw,
	    (flags & SETUP_COMPACT) ? 0 : g->pretty, e)) != EX_OK)
		return code;
	if ((code = config_load(&in, &s->cfg, e)) != EX_OK)
		return code;
	log_debug(1, "profile '%s', server %s (from %s)", s->cfg.profile, s->cfg.server,
	    s->cfg.server_from);
	if ((flags & SETUP_TOKEN) && s->cfg.token == NULL && s->cfg.token_server)
		return err_set(e, EX_AUTH, "not logged in at %s: profile '%s' is logged in at %s, and "
		    "its token goes nowhere else; %s, or set CHATCTL_TOKEN", s->cfg.server,
		    s->cfg.profile, s->cfg.token_server, config_login_hint(&s->cfg, 0, hint, sizeof hint));
	if ((flags & SETUP_TOKEN) && s->cfg.token == NULL)
		return err_set(e, EX_AUTH, "not logged in (profile '%s'): %s", s->cfg.profile,
		    config_login_hint(&s->cfg, 0, hint, sizeof hint));
	if (s->cfg.token)
		log_debug(1, "token <redacted> from %s", s->cfg.token_from);
	if (!(flags & SETUP_NO_HTTP))
		session_api(s);
	return EX_OK;
}

struct api *
session_api(struct session *s)
{
	const struct globals *g = s->g;
	struct http_opts ho = { g->connect_timeout, g->max_time, g->cacert, g->insecure,
	    (size_t)g->max_response };

	if (s->http)
		return &s->api;
	s->http = http_new(&ho);
	s->api.http = s->http;
	s->api.server = s->cfg.server;
	s->api.token = s->cfg.token;
	s->api.auth_hint = config_login_hint(&s->cfg, 1, s->auth_hint, sizeof s->auth_hint);
	return &s->api;
}

int
session_user_id(struct session *s, const char *arg, const char *what, long *out, struct err *e)
{
	int code = parse_id(arg, ID_USER, what, out, e);

	if (code != EX_OK || arg[0] != '@' || s == NULL)
		return code;
	return people_resolve(session_api(s), arg + 1, out, e);
}

void
session_close(struct session *s)
{
	output_release(&s->out);
	http_free(s->http);
	api_release(&s->api);
	config_release(&s->cfg);
}

int
session_mailbox_path(struct session *s, char **path, struct err *e)
{
	char *account;
	long uid;

	if ((account = config_account(&s->cfg, &uid, e)) == NULL)
		return e->code ? e->code : EX_AUTH;
	*path = config_state_file(account, ".db", e);
	free(account);
	return *path ? EX_OK : (e->code ? e->code : EX_IO);
}
