/* cmd/isfriend.c: answer through the exit status whether a user is my
 * friend, so that scripts can write "if chatctl isfriend 7; then ...". */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct opt isfriend_opts[] = {
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

static int
isfriend_check(const struct args *a, struct err *e)
{
	long id;

	return session_user_id(NULL, a->argv[0], NULL, &id, e);
}

static int
isfriend_run(struct session *s, const struct args *a, struct err *e)
{
	char path[64];
	struct api_reply rep;
	jv data = jv_invalid();
	long id;
	int code;

	if ((code = session_user_id(s, a->argv[0], NULL, &id, e)) != EX_OK)
		return code;
	snprintf(path, sizeof path, "/api/chat/ismygoodfriend/%ld", id);
	code = api_call(&s->api, "POST", path, jv_invalid(), &data, &rep, e);
	if (code == EX_OK) {
		code = output_emit(&s->out, data, e);
		data = jv_invalid();
	} else if (code == EX_NO && strcmp(rep.msg, "不是好友") == 0) {
		/* The normal "no": a message only when someone may be reading,
		 * with the server's own words as for any refusal (our sentence
		 * is their English). */
		if (s->g->quiet)
			e->msg[0] = '\0';
		else
			err_set(e, EX_NO, "user %ld is not a friend: %s (HTTP %ld)", id, rep.msg, rep.status);
	}
	jv_free(data);
	return code;
}

const struct command cmd_isfriend = {
	.name = "isfriend",
	.synopsis = "ID",
	.summary = "exit 0 if user ID is my friend (and print the friendship), 1 if not",
	.description =
	    "A friend is a user on my own friend list who is not blacklisted. ID may be\n"
	    "@NAME, a user's name (see chatctl(1)). With -q the\n"
	    "\"not a friend\" message is left out; the exit status still says it.",
	.opts = isfriend_opts,
	.min_args = 1, .max_args = 1,
	.setup = SETUP_SESSION | SETUP_TOKEN,
	.check = isfriend_check,
	.run = isfriend_run,
};
