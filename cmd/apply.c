/* cmd/apply.c: friend requests. "apply ID" asks user ID to be my friend;
 * "apply list" shows the requests sent to me; "apply accept|refuse|ignore
 * APPLY_ID" answers one of them. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct opt apply_opts[] = {
	{ "message", 'm', "TEXT", "apply ID: the note that goes with the request", NULL, NULL },
	{ "page", 0, "N", "apply list: page number, from 1", NULL, "1" },
	{ "limit", 0, "N", "apply list: requests per page", NULL, "10" },
	{ "nickname", 0, "NAME", "apply accept: the remark to give the new friend", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

/* The verbs and the status each sends to handleapply. */
static const struct {
	const char *verb, *status;
} verbs[] = {
	{ "accept", "agree" },
	{ "refuse", "refuse" },
	{ "ignore", "ignore" },
};

/* Options that belong to another form of the command are usage errors,
 * not silently ignored. */
static int
only(const struct args *a, const char *form, const char *allowed, struct err *e)
{
	const struct opt *o;

	for (o = apply_opts; o->name; o++)
		if (arg_has(a, o->name) && !strstr(allowed, o->name))
			return err_set(e, EX_USAGE, "--%s does not go with 'apply %s'", o->name, form);
	return EX_OK;
}

/* The request a command line asks for. r->body is the caller's to free
 * (jv_invalid() when there is none), whatever this returns. */
struct request {
	const char *method;
	char path[128];
	jv body;
};

static int
apply_request(struct session *s, const struct args *a, struct request *r, struct err *e)
{
	const char *word = a->argv[0], *status = NULL;
	long id, page, limit;
	size_t i;
	int code;

	r->method = "POST";
	r->body = jv_invalid();
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(word, verbs[i].verb) == 0)
			status = verbs[i].status;

	if (strcmp(word, "list") == 0) {
		if (a->argc != 1)
			return err_set(e, EX_USAGE, "unexpected argument '%s'", a->argv[1]);
		if ((code = only(a, "list", "page limit", e)) ||
		    (code = parse_long(arg_get(a, "page"), 1, 1000000000L, "--page", &page, e)) ||
		    (code = parse_long(arg_get(a, "limit"), 1, 1000000L, "--limit", &limit, e)))
			return code;
		snprintf(r->path, sizeof r->path, "/api/chat/listapplyfriend/%ld?limit=%ld", page, limit);
		r->method = "GET";
	} else if (status) {
		if (a->argc != 2)
			return err_set(e, EX_USAGE, a->argc < 2 ? "missing APPLY_ID after '%s'" :
			    "unexpected argument after '%s APPLY_ID'", word);
		if ((code = only(a, word, "nickname", e)) ||
		    (code = parse_long(a->argv[1], 1, LONG_MAX, "request id", &id, e)))
			return code;
		snprintf(r->path, sizeof r->path, "/api/chat/handleapply/%ld", id);
		r->body = jv_object_set(jv_object(), jv_string("status"), jv_string(status));
		if (arg_get(a, "nickname"))
			r->body = jv_object_set(r->body, jv_string("nickname"), jv_string(arg_get(a, "nickname")));
	} else {
		if (a->argc != 1)
			return err_set(e, EX_USAGE, "unexpected argument '%s'", a->argv[1]);
		if ((code = only(a, "ID", "message", e)))
			return code;
		if (parse_id(word, ID_USER, NULL, &id, e))
			return err_set(e, EX_USAGE, "expected a user id or @NAME, 'list', 'accept', "
			    "'refuse' or 'ignore', not '%s'", word);
		if ((code = session_user_id(s, word, NULL, &id, e)))
			return code;
		snprintf(r->path, sizeof r->path, "/api/chat/applyfriend");
		r->body = jv_object_set(jv_object(), jv_string("friend_id"), jv_number((double)id));
		if (arg_get(a, "message"))
			r->body = jv_object_set(r->body, jv_string("nickname"), jv_string(arg_get(a, "message")));
	}
	return EX_OK;
}

static int
apply_check(const struct args *a, struct err *e)
{
	struct request r;
	int code = apply_request(NULL, a, &r, e);

	jv_free(r.body);
	return code;
}

static int
apply_run(struct session *s, const struct args *a, struct err *e)
{
	struct request r;
	jv data = jv_invalid();
	int code;

	if ((code = apply_request(s, a, &r, e)) != EX_OK) {
		jv_free(r.body);
		return code;
	}
	code = api_call(&s->api, r.method, r.path, r.body, &data, NULL, e);
	if (code == EX_OK) {
		code = output_emit(&s->out, data, e);
		data = jv_invalid();
	}
	jv_free(data);
	return code;
}

const struct command cmd_apply = {
	.name = "apply",
	.synopsis = "ID [--message TEXT] | list [--page N] [--limit N] | accept|refuse|ignore APPLY_ID [--nickname NAME]",
	.summary = "send, list and answer friend requests",
	.description =
	    "apply ID asks user ID to be your friend; apply list prints the requests sent to\n"
	    "you ({\"alldata\": [...], \"pendingCount\": N}, each with the request id); accept,\n"
	    "refuse and ignore answer request APPLY_ID.",
	.opts = apply_opts,
	.min_args = 1, .max_args = 2,
	.setup = SETUP_SESSION | SETUP_TOKEN,
	.check = apply_check,
	.run = apply_run,
};
