/* serve/hooks.c: see hooks.h. Every hook answers with the envelope, so a
 * test can tell a refused hook (400) from one that ran (200). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hooks.h"
#include "../lib/xalloc.h"
#include "params.h"
#include "sockets.h"

static struct {
	long requests, ws_connects, connections;
	jv paths;		/* path -> count */
	long fail_count, hang_count, garbage_count, reply_count;
	int fail_status, reply_status;
	char *reply_body;	/* the reply hook's canned body */
	size_t reply_len;
} hk;

void
hooks_init(void)
{
	memset(&hk, 0, sizeof hk);
	hk.paths = jv_object();
}

void
hooks_free(void)
{
	jv_free(hk.paths);
	hk.paths = jv_invalid();
	free(hk.reply_body);
	hk.reply_body = NULL;
}

void
hooks_count(const char *path, int upgrade)
{
	jv n = jv_object_get(jv_copy(hk.paths), jv_string(path));
	double v = jv_get_kind(n) == JV_KIND_NUMBER ? jv_number_value(n) : 0;

	jv_free(n);
	hk.paths = jv_object_set(hk.paths, jv_string(path), jv_number(v + 1));
	if (upgrade)
		hk.ws_connects++;
	else
		hk.requests++;
}

void
hooks_connection(void)
{
	hk.connections++;
}

int
hooks_intercept(struct response *rs)
{
	if (hk.hang_count > 0) {
		hk.hang_count--;
		rs->hang = 1;
		return 1;
	}
	if (hk.fail_count > 0) {
		hk.fail_count--;
		reply_fail(rs, hk.fail_status, "Service Unavailable");
		return 1;
	}
	if (hk.reply_count > 0) {
		/* A hostile or broken server: exactly these bytes. */
		hk.reply_count--;
		rs->status = hk.reply_status;
		buf_add(&rs->body, hk.reply_body, hk.reply_len);
		return 1;
	}
	if (hk.garbage_count > 0) {
		/* What a proxy's error page or a wrong server looks like. */
		hk.garbage_count--;
		rs->status = 200;
		rs->ctype = "text/html; charset=utf-8";
		buf_adds(&rs->body, "<html><body>not the chat server</body></html>\n");
		return 1;
	}
	return 0;
}

/* ?name=N as a number, or dflt when absent; -1 when malformed. */
static long
arg_long(struct request *rq, const char *name, long dflt)
{
	jv v = jv_object_get(jv_copy(rq->query), jv_string(name));
	long n = dflt;

	if (jv_is_valid(v) && !params_long(rq->query, name, &n))
		n = -1;
	jv_free(v);
	return n;
}

static void
no_socket(struct response *rs, long uid)
{
	char msg[96];

	snprintf(msg, sizeof msg, "user %ld has no socket", uid);
	reply_fail(rs, 400, msg);
}

static void
h_inject(struct request *rq, struct response *rs, long uid)
{
	static const char *const kinds[] = { "text", "binary", "fragmented", "oversized", NULL };
	char *kind = params_text(rq->query, "kind");
	long frags = arg_long(rq, "fragments", 3), size = arg_long(rq, "size", 1 << 20);
	int k;

	for (k = 0; kinds[k]; k++)
		if (kind && strcmp(kind, kinds[k]) == 0)
			break;
	free(kind);
	if (kinds[k] == NULL || frags < 1 || size < 0) {
		reply_fail(rs, 400, "usage: inject?user=ID&kind=text|binary|fragmented|oversized[&fragments=K][&size=N]");
		return;
	}
	if (sock_inject(uid, (enum inject_kind)k, rq->raw.buf ? rq->raw.buf : "", rq->raw.len,
	    (int)frags, (size_t)size) < 0)
		no_socket(rs, uid);
	else
		reply_ok(rs, jv_string("ok"));
}

static void
h_stats(struct response *rs)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("requests"), jv_number((double)hk.requests));
	o = jv_object_set(o, jv_string("ws_connects"), jv_number((double)hk.ws_connects));
	o = jv_object_set(o, jv_string("ws_open"), jv_number((double)sock_open_count()));
	o = jv_object_set(o, jv_string("connections"), jv_number((double)hk.connections));
	o = jv_object_set(o, jv_string("paths"), jv_copy(hk.paths));
	reply_ok(rs, o);
}

void
hooks_handle(struct request *rq, struct response *rs)
{
	const char *name = rq->path + strlen("/__test/");
	long uid = arg_long(rq, "user", 0);

	if (strcmp(name, "stats") == 0) {
		h_stats(rs);
		return;
	}
	if (strcmp(name, "fail") == 0 || strcmp(name, "hang") == 0 || strcmp(name, "garbage") == 0) {
		long count = arg_long(rq, "count", 1), status = arg_long(rq, "status", 503);

		if (count < 0 || status < 100 || status > 599) {
			reply_fail(rs, 400, "usage: fail?count=N&status=S, hang?count=N, garbage?count=N");
			return;
		}
		if (name[0] == 'f') {
			hk.fail_count = count;
			hk.fail_status = (int)status;
		} else if (name[0] == 'h')
			hk.hang_count = count;
		else
			hk.garbage_count = count;
		reply_ok(rs, jv_string("ok"));
		return;
	}
	if (strcmp(name, "reply") == 0) {
		long count = arg_long(rq, "count", 1), status = arg_long(rq, "status", 200);

		if (count < 0 || status < 100 || status > 599) {
			reply_fail(rs, 400, "usage: reply?count=N[&status=S] with the body to answer");
			return;
		}
		free(hk.reply_body);
		hk.reply_len = rq->raw.len;
		hk.reply_body = xmalloc(hk.reply_len + 1);
		memcpy(hk.reply_body, rq->raw.buf ? rq->raw.buf : "", hk.reply_len);
		hk.reply_count = count;
		hk.reply_status = (int)status;
		reply_ok(rs, jv_string("ok"));
		return;
	}
	if (uid <= 0 && (strcmp(name, "inject") == 0 || strcmp(name, "drop") == 0 ||
	    strcmp(name, "close") == 0 || strcmp(name, "silence") == 0 || strcmp(name, "push") == 0)) {
		reply_fail(rs, 400, "missing or bad user=ID");
		return;
	}
	if (strcmp(name, "inject") == 0)
		h_inject(rq, rs, uid);
	else if (strcmp(name, "drop") == 0 || strcmp(name, "silence") == 0) {
		if ((name[0] == 'd' ? sock_drop(uid) : sock_silence(uid)) < 0)
			no_socket(rs, uid);
		else
			reply_ok(rs, jv_string("ok"));
	} else if (strcmp(name, "close") == 0) {
		long code = arg_long(rq, "code", 0);

		if (code < 0 || code > 4999)
			reply_fail(rs, 400, "bad code");
		else if (sock_close(uid, (int)code) < 0)
			no_socket(rs, uid);
		else
			reply_ok(rs, jv_string("ok"));
	} else if (strcmp(name, "push") == 0) {
		long count = arg_long(rq, "count", 1), size = arg_long(rq, "size", 300);

		if (count < 0 || size < 0)
			reply_fail(rs, 400, "usage: push?user=ID&count=N[&size=B]");
		else if (sock_push_bulk(uid, count, size) < 0)
			no_socket(rs, uid);
		else
			reply_ok(rs, jv_string("ok"));
	} else {
		reply_fail(rs, 400, "404 错误");
		rs->status = 200;
	}
}
