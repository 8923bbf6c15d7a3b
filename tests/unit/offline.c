/* The offline fetch (lib/offline.c) against a canned HTTP server: a child
 * process that answers each connection with the next scripted response. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/api.h"
#include "../../lib/http.h"
#include "../../lib/log.h"
#include "../../lib/loop.h"
#include "../../lib/offline.h"
#include "unit.h"

#define OK "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 26\r\n" \
	"Connection: close\r\n\r\n{\"msg\":\"ok\",\"data\":[]}    "
#define DENIED "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" \
	"{\"msg\":\"fail\",\"data\":\"Token 令牌不合法！\"}"
#define UNAVAILABLE "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

/* Serve script[0], script[1]... one per connection; the child's exit
 * status is how many requests it read. */
static pid_t
serve(const char *const *script, int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int s = socket(AF_INET, SOCK_STREAM, 0), c, n = 0;
	char buf[4096];
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) || listen(s, 8) ||
	    getsockname(s, (struct sockaddr *)&sa, &len))
		return -1;
	*port = ntohs(sa.sin_port);
	if ((pid = fork()) != 0) {
		close(s);
		return pid;
	}
	alarm(20);
	for (; *script; script++) {
		if ((c = accept(s, NULL, NULL)) < 0)
			break;
		if (read(c, buf, sizeof buf) > 0)
			n++;
		if (write(c, *script, strlen(*script)) < 0)
			break;
		close(c);
	}
	_exit(n);
}

struct run {
	struct loop *lp;
	int denied;
	char msg[1024];
	int code;
};

static void
on_denied(void *arg, const struct err *e)
{
	struct run *r = arg;

	r->denied++;
	r->code = e->code;
	snprintf(r->msg, sizeof r->msg, "%s", e->msg);
	loop_quit(r->lp);
}

static void
give_up(void *arg)
{
	loop_quit(((struct run *)arg)->lp);
}

/* Run the fetch against script, asking `asks` times at once; returns the
 * number of requests the server read. */
static int
fetch(const char *const *script, int asks, struct run *r)
{
	struct loop_opts lo = { NULL, NULL, 0 };
	struct http_opts ho = { 5, 5, NULL, 0, 0 };
	struct err e = { 0, "" };
	struct api api;
	struct offline *o;
	struct loop_timer *guard;
	char server[64];
	int port, status = -1, i;
	pid_t pid = serve(script, &port);

	memset(r, 0, sizeof *r);
	memset(&api, 0, sizeof api);
	if (pid < 0 || (r->lp = loop_new(&lo, &e)) == NULL)
		return -1;
	snprintf(server, sizeof server, "http://127.0.0.1:%d", port);
	api.http = http_new(&ho);
	api.server = server;
	api.token = "t0ken";
	o = offline_new(r->lp, &api, on_denied, r);
	guard = loop_timer_new(r->lp, give_up, r);
	loop_timer_set(guard, 10 * LOOP_US_PER_SEC);
	for (i = 0; i < asks; i++)
		offline_request(o);
	loop_run(r->lp);
	offline_free(o);
	loop_timer_free(guard);
	http_free(api.http);
	api_release(&api);
	loop_free(r->lp);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_denied_token_is_reported(void)
{
	const char *const script[] = { DENIED, NULL };
	struct run r;

	CHECK_INT(fetch(script, 1, &r), 1);
	CHECK_INT(r.denied, 1);
	CHECK_INT(r.code, EX_AUTH);
	CHECK(strstr(r.msg, "Token 令牌不合法！") != NULL);
}

static void
test_ask_while_busy_asks_again_after(void)
{
	/* Two asks at once: one request, then one more after it. */
	const char *const script[] = { OK, DENIED, NULL };
	struct run r;

	CHECK_INT(fetch(script, 2, &r), 2);
	CHECK_INT(r.denied, 1);
}

static void
test_failure_is_retried_with_backoff(void)
{
	const char *const script[] = { UNAVAILABLE, DENIED, NULL };
	struct run r;
	int64_t t0 = loop_now();

	CHECK_INT(fetch(script, 1, &r), 2);
	CHECK_INT(r.denied, 1);
	/* The first delay is 2 s +-25 %. */
	CHECK(loop_now() - t0 >= 1500000);
	CHECK(loop_now() - t0 < 4000000);
}

int
main(void)
{
	log_init("unit", 0, 1);
	test_denied_token_is_reported();
	test_ask_while_busy_asks_again_after();
	test_failure_is_retried_with_backoff();
	return unit_done();
}
