#include <stddef.h>

#include "cmd.h"

static const struct opt apply_opts[] = {
	{ NULL, 0, NULL, NULL, NULL }
};

static int
apply_run(const struct globals *g, const struct args *a, struct err *e)
{
	(void)g;
	(void)a;
	return err_set(e, EX_USAGE, "not implemented yet");
}

const struct command cmd_apply = {
	.name = "apply",
	.synopsis = "",
	.summary = "apply",
	.opts = apply_opts,
	.min_args = 0, .max_args = -1,
	.run = apply_run,
};
