/* cmd/whoami.c: print the stored identity; no server call. */
#include <stdio.h>

#include "cmd.h"

static const struct opt whoami_opts[] = {
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

static int
whoami_run(struct session *s, const struct args *a, struct err *e)
{
	(void)a;
	if (s->cfg.cred.token == NULL || jv_get_kind(s->cfg.cred.user) != JV_KIND_OBJECT)
		return err_set(e, EX_AUTH, "not logged in (profile '%s')", s->cfg.profile);
	return output_emit(&s->out, jv_copy(s->cfg.cred.user), e);
}

const struct command cmd_whoami = {
	.name = "whoami",
	.synopsis = "",
	.summary = "print the stored user record of the profile",
	.description =
	    "Reads the profile's credentials only; it does not ask the server whether the\n"
	    "token is still valid. Exits 3 when the profile is not logged in.",
	.opts = whoami_opts,
	.min_args = 0, .max_args = 0,
	.setup = SETUP_SESSION | SETUP_NO_HTTP,
	.run = whoami_run,
};
