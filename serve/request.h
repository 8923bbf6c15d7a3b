/* serve/request.h: one HTTP request and its answer, as the REST handlers
 * and the test hooks see them (lws is kept out of their way). Not http.h:
 * that is lib/'s curl handle, and "http.h" used to mean either file
 * depending on which folder included it.
 *
 * server.c fills a struct request from lws (raw holds the body as
 * received), calls request_parse_body(), hands it to hooks_handle() or
 * routes_handle(), and writes the struct response back. Both structs own
 * their contents; request_free()/response_free() release them.
 *
 * The body comes in pieces: request_body_add() for a body of known length,
 * request_body_chunked() for Transfer-Encoding: chunked. Both keep at most
 * cap bytes in raw; past that they set too_large and keep nothing more. */
#ifndef SERVE_REQUEST_H
#define SERVE_REQUEST_H

#include <jv.h>

#include "../lib/xalloc.h"

enum { M_GET, M_POST, M_OTHER };

struct request {
	int method;		/* M_* */
	char *path;		/* decoded path, without the query */
	jv query;		/* object of strings */
	jv body;		/* object from a JSON or form body; {} without one */
	char *bad_json;		/* the parser's complaint when the JSON body is malformed */
	int too_large;		/* the body passed its cap and was not kept */
	int bad_framing;	/* no way to tell where the body ends: 400, and close */
	int chunked;		/* Transfer-Encoding: chunked */
	int ck_state;		/* where request_body_chunked() is in the framing */
	int ck_digits;		/* digits of the chunk size so far */
	unsigned long long ck_left;	/* bytes of the current chunk still to come */
	char *token;		/* the "token" header, or NULL */
	int is_json, is_form;	/* the body's content type */
	struct buf raw;		/* the body as received */
};

struct response {
	int status;		/* HTTP status */
	const char *ctype;	/* NULL: application/json; charset=utf-8 */
	struct buf body;
	int hang;		/* never answer this request (the hang hook) */
	int close;		/* close the connection after the answer */
};

/* Turn raw into body (JSON or form, by is_json/is_form), or set bad_json:
 * what koa-bodyparser does. A pure function of the struct, so that a test
 * or fuzz target can build requests without a socket. */
void request_parse_body(struct request *rq);
void request_free(struct request *rq);
void request_body_add(struct request *rq, const void *p, size_t len, size_t cap);
/* Returns 1 once the last chunk and the trailer are in (bytes after them
 * are ignored), 0 while more is to come, -1 for a malformed framing. */
int request_body_chunked(struct request *rq, const void *p, size_t len, size_t cap);
void response_free(struct response *rs);

/* Envelopes (api §1.3). reply_ok() consumes data. */
void reply_ok(struct response *rs, jv data);
void reply_ok_raw(struct response *rs, const char *json);	/* data already JSON */
void reply_fail(struct response *rs, int status, const char *msg);

#endif
