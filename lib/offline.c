#include <stdlib.h>

#include "backoff.h"
#include "log.h"
#include "offline.h"
#include "xalloc.h"

#define OFFLINE_PATH "/api/chat/chatGetmessageOffLine"
/* How often an answer is looked for while a request is under way. */
#define POLL_US 2000

struct offline {
	struct loop *lp;
	struct api *api;
	struct loop_timer *timer;
	struct backoff backoff;
	void (*on_denied)(void *arg, const struct err *e);
	void *arg;
	int busy, again, denied;
};

static void
start(struct offline *o)
{
	struct err e = { 0, "" };

	api_start(o->api, "POST", OFFLINE_PATH, jv_invalid(), &e);
	o->busy = 1;
	loop_timer_set(o->timer, 1000);
}

static void
poll_cb(void *arg)
{
	struct offline *o = arg;
	struct err e = { 0, "" };
	int done, code;
	double delay;
	jv data;

	if (!o->busy) {
		/* The backoff after a failure has run out. */
		start(o);
		return;
	}
	code = api_poll(o->api, &done, &data, NULL, &e);
	if (!done) {
		loop_timer_set(o->timer, POLL_US);
		return;
	}
	o->busy = 0;
	if (code == EX_OK) {
		jv_free(data);
		backoff_reset(&o->backoff);
		log_debug(1, "offline messages requested");
		if (o->again) {
			o->again = 0;
			start(o);
		}
		return;
	}
	if (code == EX_AUTH) {
		o->denied = 1;
		o->on_denied(o->arg, &e);
		return;
	}
	delay = backoff_next(&o->backoff);
	log_warn("cannot fetch offline messages: %s; trying again in %.1f s", e.msg, delay);
	loop_timer_set(o->timer, (int64_t)(delay * LOOP_US_PER_SEC));
}

struct offline *
offline_new(struct loop *lp, struct api *api,
    void (*on_denied)(void *arg, const struct err *e), void *arg)
{
	struct offline *o = xcalloc(1, sizeof *o);

	o->lp = lp;
	o->api = api;
	o->on_denied = on_denied;
	o->arg = arg;
	o->timer = loop_timer_new(lp, poll_cb, o);
	backoff_init(&o->backoff, 2, 30, 0.25);
	/* The fetch's connection on our loop, not on a second one. */
	http_attach(api->http, lp);
	return o;
}

void
offline_request(struct offline *o)
{
	if (o->denied)
		return;
	if (o->busy) {
		/* A reconnect while one is under way: ask once more after it. */
		o->again = 1;
		return;
	}
	loop_timer_cancel(o->timer);
	start(o);
}

int
offline_busy(const struct offline *o)
{
	return o->busy;
}

void
offline_free(struct offline *o)
{
	if (o == NULL)
		return;
	loop_timer_free(o->timer);
	http_attach(o->api->http, NULL);
	api_release(o->api);
	free(o);
}
