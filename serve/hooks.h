/* serve/hooks.h: the /__test/ endpoints (--test-hooks only) and the
 * counters they report.
 *
 * server.c calls hooks_count() for every request that is not a hook (and
 * every upgrade), then hooks_intercept() to let an armed fail or hang hook
 * take it; hooks_handle() answers the hook requests themselves. */
#ifndef SERVE_HOOKS_H
#define SERVE_HOOKS_H

#include "request.h"

void hooks_init(void);
void hooks_free(void);

void hooks_count(const char *path, int upgrade);
void hooks_connection(void);	/* an accepted TCP connection */
/* 1 when an armed fail or hang hook took the request (rs is then filled,
 * or rs->hang set), else 0. */
int hooks_intercept(struct response *rs);
void hooks_handle(struct request *rq, struct response *rs);

#endif
