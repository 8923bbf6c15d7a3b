/* cmd/whoami.c: print the stored identity; no server call. */
#include <stdio.h>

#include "cmd.h"

static const struct opt whoami_opts[] = {
	{ NULL, 0, NULL, NULL, NULL }
};

static int
whoami_run(const struct globals *g, const struct args *a, struct err *e)
{
	struct session s;
	int code;

	(void)a;
	if ((code = session_open(&s, g, SESSION_NO_HTTP, e)) != EX_OK)
		goto out;
	if (s.cfg.cred.token == NULL || jv_get_kind(s.cfg.cred.user) != JV_KIND_OBJECT) {
		code = err_set(e, EX_AUTH, "not logged in (profile '%s')", s.cfg.profile);
		goto out;
	}
	code = output_emit(&s.out, jv_copy(s.cfg.cred.user), e);
out:
	session_close(&s);
	return code;
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
	.run = whoami_run,
};
