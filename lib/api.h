/* lib/api.h: the chat server's REST API: one call, and the decoding of its
 * {"msg","data"} envelope into DESIGN.md's exit codes.
 *
 *	struct api a = { .http = h, .server = base_url, .token = token };
 *	struct api_reply rep;
 *	jv data;
 *	code = api_call(&a, "POST", "/api/chat/ismygoodfriend/2", jv_invalid(), &data, &rep, e);
 *	if (code == EX_OK) ... use data, then jv_free(data) ...
 *	api_release(&a);
 *
 * api_call() consumes body (jv_invalid() for no body). On EX_OK *data is
 * the envelope's data, the caller's to free; on failure *data is untouched
 * and *e holds the reason, with the server's own message when it gave one.
 * rep (may be NULL) receives the HTTP status and the server's own text of
 * a refusal, for a caller that tells refusals apart.
 *
 * The same call without blocking, for an event loop (listen's offline
 * fetch): api_start(), then api_poll() (which never blocks) until it sets
 * *done; its result then means what api_call()'s would, without retries:
 * the loop retries on its own timer (lib/backoff.h). One request at a time
 * per struct api; api_release() ends one still under way.
 *
 * The mapping, in api_decode(): {"msg":"ok"} with HTTP 200 is success;
 * {"msg":"fail"} is a refusal (EX_NO) whatever the status (the real server
 * answers an unknown route with HTTP 200 and "404 错误"), unless its data is
 * one of the authentication messages of api/chat-api.md §1.6 (EX_AUTH: the
 * real server reports them as HTTP 400, not 401). A 5xx, or a body that is
 * not the envelope, is EX_PROTO. api_call() and api_poll() end the message
 * of an EX_AUTH with "; " and a->auth_hint, what to do about it. */
#ifndef CHATCTL_API_H
#define CHATCTL_API_H

#include <jv.h>

#include "err.h"
#include "http.h"

struct api {
	struct http *http;
	const char *server;	/* base URL without trailing slash; borrowed */
	const char *token;	/* or NULL; borrowed */
	const char *auth_hint;	/* what to do when the token is refused, said after
				 * the error (lib/config's config_login_hint); or NULL */
	int retries;		/* extra tries when nothing can have been delivered */
	/* private: the api_start() request under way */
	struct http_resp pending;
	char *pending_url, *pending_body;
	int busy;
};

struct api_reply {
	long status;		/* HTTP status, 0 if no answer came */
	char msg[512];		/* the server's data text of a refusal, or "" */
};

int api_call(struct api *a, const char *method, const char *path, jv body, jv *data,
    struct api_reply *rep, struct err *e);
int api_start(struct api *a, const char *method, const char *path, jv body, struct err *e);
int api_poll(struct api *a, int *done, jv *data, struct api_reply *rep, struct err *e);
void api_release(struct api *a);

/* Decode one answer. Consumes nothing; on EX_OK *data is the caller's.
 * msgbuf (may be NULL) receives the server's failure text. */
int api_decode(long status, const char *body, size_t len, jv *data,
    char *msgbuf, size_t msgsize, struct err *e);

/* 1 if text is one of the server's authentication failure messages. */
int api_is_auth_message(const char *text);

/* The server's text as our errors show it: followed by its English in
 * parentheses when it is one of the messages api/chat-api.md lists
 * ("账户或密码错误 (wrong user name or password)"), else as it is. Writes
 * at most size bytes to out and returns out. */
char *api_gloss(const char *text, char *out, size_t size);

/* Whether a failed call may be repeated: nothing reached the server, or it
 * answered 502, 503 or 504. */
int api_retryable(long status, int unsent);

#endif
