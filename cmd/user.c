/* cmd/user.c: users who are not (yet) friends: "user search WORD". */
#include <string.h>

#include "cmd.h"
#include "../lib/people.h"

static const struct opt user_opts[] = {
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

static int
user_check(const struct args *a, struct err *e)
{
	if (strcmp(a->argv[0], "search") != 0)
		return err_set(e, EX_USAGE, "unknown form 'user %s': expected 'user search WORD'", a->argv[0]);
	if (a->argv[1][0] == '\0' || strlen(a->argv[1]) > 50)
		return err_set(e, EX_USAGE, "the search word must be 1 to 50 characters");
	return EX_OK;
}

static int
user_run(struct session *s, const struct args *a, struct err *e)
{
	return people_search(&s->api, a->argv[1], output_each, &s->out, e);
}

const struct command cmd_user = {
	.name = "user",
	.synopsis = "search WORD",
	.summary = "find users by user name",
	.description =
	    "user search WORD prints each user whose user name contains WORD (any case),\n"
	    "but yourself and visitors, as friends prints a friend:\n"
	    "{\"id\",\"name\",\"username\",\"remark\":null,\"nickname\",\"avatar\"}. Nothing\n"
	    "found is no output and exit 0. --jq runs on each user.",
	.opts = user_opts,
	.min_args = 2, .max_args = 2,
	.setup = SETUP_SESSION | SETUP_TOKEN | SETUP_COMPACT,
	.check = user_check,
	.run = user_run,
};
