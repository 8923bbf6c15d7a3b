#include <stddef.h>

#include "cmd.h"

static const struct opt send_opts[] = {
	{ NULL, 0, NULL, NULL, NULL }
};

static int
send_run(const struct globals *g, const struct args *a, struct err *e)
{
	(void)g;
	(void)a;
	return err_set(e, EX_USAGE, "not implemented yet");
}

const struct command cmd_send = {
	.name = "send",
	.synopsis = "",
	.summary = "send",
	.opts = send_opts,
	.min_args = 0, .max_args = -1,
	.run = send_run,
};
