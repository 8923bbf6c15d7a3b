/* Fuzz target: serve's REST dispatch, routes_handle(), against an
 * in-memory store seeded like the tests' (five users, a friendship, a
 * pending request, a group), reset before every input. Every answer must
 * be JSON: the {"msg","data"} envelope, or egg's {"message"} for a body
 * it cannot parse.
 *
 * Input: one or more requests, separated by a line "---", each written
 * as api/observed.md shows them:
 *
 *	POST /api/chat/applyfriend?x=1
 *	token: @1
 *	content-type: application/x-www-form-urlencoded
 *
 *	friend_id=2&nickname=hi
 *
 * "token: @N" stands for user N's current token (each seeded user is
 * logged in with a token signed by a fixed key). No socket is opened:
 * nobody is online, so every delivery goes to an offline queue. */
#include <jv.h>
#include <strings.h>
#include <unistd.h>

#include "../../serve/crypto.h"
#include "../../serve/params.h"
#include "../../serve/request.h"
#include "../../serve/routes.h"
#include "../../serve/sockets.h"
#include "../../serve/state.h"
#include "../../serve/store.h"
#include "fuzz.h"

/* tests/fixtures/seed.json, and what else the handlers tell apart: a
 * visitor (6), chat settings (3), a blacklisting (5 of 1), a disabled
 * friendship (2 of 3), a second request to alice, a dissolved group (2)
 * and a left member (5 in group 1). */
static const char seed_json[] =
    "{\"users\":["
    "{\"id\":1,\"username\":\"alice01\",\"password\":\"123456\",\"nickname\":\"Alice\"},"
    "{\"id\":2,\"username\":\"bob001\",\"password\":\"123456\"},"
    "{\"id\":3,\"username\":\"carol01\",\"password\":\"123456\","
    "\"userset\":{\"chatset\":{\"user\":{\"sendCount\":1},\"visitor\":{\"sendCount\":0}}}},"
    "{\"id\":4,\"username\":\"dave01\",\"password\":\"123456\",\"status\":0},"
    "{\"id\":5,\"username\":\"erin01\",\"password\":\"123456\",\"userset\":\"{\\\"chatset\\\":1}\"},"
    "{\"id\":6,\"username\":\"visitor6\",\"password\":\"123456\",\"role\":\"visitor\"}],"
    "\"friends\":[{\"user_id\":1,\"friend_id\":2,\"nickname\":\"\"},"
    "{\"user_id\":2,\"friend_id\":1,\"nickname\":\"Alice-remark\"},"
    "{\"user_id\":5,\"friend_id\":1,\"isblack\":1},{\"user_id\":1,\"friend_id\":5},"
    "{\"user_id\":3,\"friend_id\":2,\"status\":0}],"
    "\"applies\":[{\"id\":1,\"user_id\":3,\"friend_id\":1,\"nickname\":\"hi alice\",\"status\":\"pending\"},"
    "{\"id\":2,\"user_id\":6,\"friend_id\":1,\"status\":\"refuse\"}],"
    "\"groups\":[{\"id\":1,\"name\":\"team\",\"status\":1,"
    "\"users\":[{\"user_id\":1},{\"user_id\":2},{\"user_id\":5,\"status\":0}]},"
    "{\"id\":2,\"name\":\"gone\",\"status\":0,\"users\":[{\"user_id\":1}]}]}";

static char seed_path[96];

/* Nobody has a socket here, so nothing may be pushed. */
void
sock_push(struct user *u, const char *record)
{
	(void)record;
	fprintf(stderr, "sock_push to user %ld, who has no socket\n", u->id);
	abort();
}

static void
cleanup(void)
{
	unlink(seed_path);
}

static void
setup(void)
{
	int fd;

	snprintf(seed_path, sizeof seed_path, "%s/chatctl-fuzz-seed.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if ((fd = mkstemp(seed_path)) < 0 ||
	    write(fd, seed_json, sizeof seed_json - 1) != (ssize_t)sizeof seed_json - 1) {
		perror("seed");
		abort();
	}
	close(fd);
	atexit(cleanup);
}

static void
reset_store(void)
{
	struct err e;
	size_t i;

	store_free();
	store_init();
	if (state_load_seed(seed_path, &e) != EX_OK) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	memset(store.secret, 7, sizeof store.secret);
	for (i = 0; i < store.nusers; i++) {
		struct user *u = &store.users[i];
		jv payload = jv_object_set(jv_object_set(jv_object(), jv_string("id"),
		    jv_number((double)u->id)), jv_string("role"), jv_string(u->role));

		u->token = crypto_jwt_sign(store.secret, payload);
	}
}

/* One request from its text; NULL when the first line is not "METHOD PATH". */
static struct request *
parse_request(const uint8_t *data, size_t size)
{
	struct request *rq;
	char *line = fuzz_field(&data, &size, '\n'), *sp = strchr(line, ' '), *q, *path;

	if (sp == NULL) {
		free(line);
		return NULL;
	}
	*sp++ = '\0';
	rq = calloc(1, sizeof *rq);
	rq->method = strcmp(line, "GET") == 0 ? M_GET : strcmp(line, "POST") == 0 ? M_POST : M_OTHER;
	if ((q = strchr(sp, '?')) != NULL)
		*q++ = '\0';
	/* lws hands over the path %-decoded, and the query split and decoded. */
	if ((path = params_url_decode(sp, strlen(sp), 0)) == NULL)
		path = strdup(sp);
	if (path[0] == '\0') {
		free(path);
		path = strdup("/");
	}
	rq->path = path;
	rq->query = q ? params_form_parse(q, strlen(q)) : jv_object();
	rq->body = jv_object();
	free(line);

	while (size > 0) {
		char *h = fuzz_field(&data, &size, '\n'), *v;

		if (h[0] == '\0' || strcmp(h, "\r") == 0) {
			free(h);
			break;
		}
		if ((v = strchr(h, ':')) != NULL) {
			*v++ = '\0';
			v += strspn(v, " ");
			if (strcasecmp(h, "token") == 0) {
				long id;
				struct user *u;

				free(rq->token);
				if (v[0] == '@' && (id = strtol(v + 1, NULL, 10)) > 0 &&
				    (u = store_user_by_id(id)) != NULL && u->token)
					rq->token = strdup(u->token);
				else
					rq->token = strdup(v);
			} else if (strcasecmp(h, "content-type") == 0) {
				rq->is_json = strcasestr(v, "json") != NULL;
				rq->is_form = strcasestr(v, "application/x-www-form-urlencoded") != NULL;
			}
		}
		free(h);
	}
	buf_add(&rq->raw, data, size);
	return rq;
}

static void
check_response(const struct response *rs)
{
	jv v, msg;

	FUZZ_CHECK(rs->status == 200 || rs->status == 400 || rs->status == 422 || rs->status == 500);
	FUZZ_CHECK(rs->body.len > 0 && strlen(rs->body.buf) == rs->body.len);
	v = jv_parse_sized(rs->body.buf, (int)rs->body.len);
	if (jv_get_kind(v) != JV_KIND_OBJECT)
		fprintf(stderr, "not a JSON object: %s\n", rs->body.buf);
	FUZZ_CHECK(jv_get_kind(v) == JV_KIND_OBJECT);
	msg = jv_object_get(jv_copy(v), jv_string("msg"));
	if (jv_get_kind(msg) == JV_KIND_STRING) {
		const char *m = jv_string_value(msg);

		FUZZ_CHECK(strcmp(m, "ok") == 0 || strcmp(m, "fail") == 0);
		FUZZ_CHECK(strcmp(m, "ok") != 0 || rs->status == 200);
		FUZZ_CHECK(jv_object_has(jv_copy(v), jv_string("data")));
	} else {
		/* egg's body parser's own answer. */
		FUZZ_CHECK(rs->status == 400);
		FUZZ_CHECK(jv_object_has(jv_copy(v), jv_string("message")));
	}
	jv_free(msg);
	jv_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int n;

	if (seed_path[0] == '\0')
		setup();
	reset_store();
	for (n = 0; size > 0 && n < 8; n++) {
		const uint8_t *sep = memmem(data, size, "\n---\n", 5);
		size_t len = sep ? (size_t)(sep - data) : size;
		struct request *rq = parse_request(data, len);

		if (rq) {
			struct response rs = { 0 };

			request_parse_body(rq);
			routes_handle(rq, &rs);
			FUZZ_CHECK(!rs.hang);
			check_response(&rs);
			response_free(&rs);
			request_free(rq);
			free(rq);
		}
		data += sep ? len + 5 : len;
		size -= sep ? len + 5 : len;
	}
	return 0;
}
