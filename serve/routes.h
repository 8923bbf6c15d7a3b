/* serve/routes.h: the REST endpoints of api §2-§3, as the real server
 * answers them (observed.md wins where the two disagree). Not api_: that
 * is lib/api.h, the client's side, linked into the same binary.
 *
 * routes_handle() answers one request: the /api/chat authentication of §1.6
 * first, then routing (an unknown route or method is HTTP 200
 * "404 错误"), then validation (422) and the handler. Handlers change the
 * store and push frames through sockets.h; they never block. */
#ifndef SERVE_ROUTES_H
#define SERVE_ROUTES_H

#include "request.h"

void routes_handle(struct request *rq, struct response *rs);

#endif
