/* lib/offline.h: the offline fetch. The server queues what arrives for a
 * user with no socket and pushes it down the socket only when asked
 * (POST /api/chat/chatGetmessageOffLine, api §3.12, §4.7), so a link asks
 * after every welcome frame. The request runs on the loop without blocking
 * the link; a failure is retried with lib/backoff's delay (2 s doubling to
 * 30 s, +-25 %); a request asked for while one is under way is made once
 * more after it.
 *
 *	struct offline *o = offline_new(loop, api, on_denied, arg);
 *	offline_request(o);	after each welcome frame
 *	offline_free(o);	before the loop and the api
 *
 * on_denied(arg, e) is called when the server refused the token (EX_AUTH
 * in *e, the server's words in e->msg): the latest server's only sign that
 * another login took the session over (api §4.3). No retry follows it.
 * The api (and its HTTP handle) is borrowed and must not be used for
 * anything else while a request is under way. */
#ifndef CHATCTL_OFFLINE_H
#define CHATCTL_OFFLINE_H

#include "api.h"
#include "err.h"
#include "loop.h"

struct offline;

struct offline *offline_new(struct loop *lp, struct api *api,
    void (*on_denied)(void *arg, const struct err *e), void *arg);
void offline_request(struct offline *o);
/* 1 while a request is under way: its pushes may still be coming. */
int offline_busy(const struct offline *o);
void offline_free(struct offline *o);

#endif
