/* cmd/logout.c: tell the server, then forget the stored token.
 * The token is forgotten locally whatever the server says: a user who asks
 * to log out must not be left logged in because the network was down. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "../lib/log.h"

static const struct opt logout_opts[] = {
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

static int
logout_run(struct session *s, const struct args *a, struct err *e)
{
	struct err serr = { 0, "" };
	jv data = jv_invalid();
	int code, lcode;

	(void)a;
	s->api.auth_hint = NULL;	/* a refused token is forgotten below anyway */
	code = api_call(&s->api, "POST", "/api/chat/logout", jv_invalid(), &data, NULL, &serr);
	if (s->cfg.cred.present && s->cfg.cred.token) {
		/* Keep the server and the user record, so that the next login
		 * knows where and who; drop only the token. */
		struct cred c = s->cfg.cred;

		c.token = NULL;
		if ((lcode = cred_save(s->cfg.cred_path, &c, e)) != EX_OK) {
			code = lcode;
			goto out;
		}
	}
	if (code == EX_OK) {
		code = output_emit(&s->out, data, e);
		data = jv_invalid();
	} else if (code == EX_AUTH) {
		/* Already superseded or logged out: nothing left to revoke. */
		log_warn("the server no longer accepted this token (%s); forgotten locally", serr.msg);
		code = EX_OK;
	} else {
		err_set(e, code, "%s; the token was forgotten locally anyway", serr.msg);
	}
out:
	jv_free(data);
	return code;
}

const struct command cmd_logout = {
	.name = "logout",
	.synopsis = "",
	.summary = "log out at the server, then forget the stored token",
	.description =
	    "The stored token is forgotten even when the server cannot be reached (the exit\n"
	    "code then says why); the profile keeps its server and user name for the next login.",
	.opts = logout_opts,
	.min_args = 0, .max_args = 0,
	.setup = SETUP_SESSION | SETUP_TOKEN,
	.run = logout_run,
};
