/* cmd/friends.c: my friends, one JSON object each, so that scripts can
 * find a user id by name (or write @NAME, lib/people.h). */
#include "cmd.h"
#include "../lib/people.h"

static const struct opt friends_opts[] = {
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

static int
friends_run(struct session *s, const struct args *a, struct err *e)
{
	(void)a;
	return people_friends(&s->api, output_each, &s->out, e);
}

const struct command cmd_friends = {
	.name = "friends",
	.synopsis = "",
	.summary = "list my friends, one JSON object each",
	.description =
	    "Prints {\"id\",\"name\",\"username\",\"remark\",\"nickname\",\"avatar\"} for each\n"
	    "friend, in the server's order (by the initial of the name the app shows):\n"
	    "id is the friend's user id; name is the remark, else the nickname, else the\n"
	    "username. Every page of the list is fetched. --jq runs on each friend.",
	.opts = friends_opts,
	.min_args = 0, .max_args = 0,
	.setup = SETUP_SESSION | SETUP_TOKEN | SETUP_COMPACT,
	.run = friends_run,
};
