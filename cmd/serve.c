/* cmd/serve.c: chatctl serve, the local stand-in for the chat server.
 * This file only reads the options; serve/ does the serving. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../lib/xalloc.h"
#include "../serve/server.h"

static const struct opt serve_opts[] = {
	{ "listen", 0, "ADDR:PORT", "listen there (default; port 0 takes a free one)", NULL, CONFIG_DEFAULT_ADDR },
	{ "seed", 0, "FILE", "start with the users, friends, requests and groups in FILE", NULL, NULL },
	{ "state", 0, "FILE", "load all state from FILE if it exists, and rewrite it after every change", NULL, NULL },
	{ "tls-cert", 0, "FILE", "serve HTTPS and WSS with this certificate (PEM)", NULL, NULL },
	{ "tls-key", 0, "FILE", "the private key of --tls-cert (PEM)", NULL, NULL },
	{ "ping-interval", 0, "SECS", "send {\"type\":\"ping\"} on every socket this often (default; 0 never)", NULL, "30" },
	{ "no-tips", 0, NULL, "do not send the tips the real server sends after the welcome on every connect", NULL, NULL },
	{ "force-logout", 0, NULL, "take a second socket over as the first server did: force_logout to the older", NULL, NULL },
	{ "max-connections", 0, "N", "refuse connections past N open ones (default)", NULL, "1024" },
	{ "test-hooks", 0, NULL, "serve the /__test/ endpoints (see below)", NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

static int
serve_main(struct session *s, const struct args *a, struct err *e)
{
	struct server_opts o = { 0 };
	const char *listen = arg_get(a, "listen"), *colon;
	char *host;
	long port;
	int code;

	colon = strrchr(listen, ':');
	if (colon == NULL || colon == listen ||
	    (listen[0] == '[' && colon[-1] != ']'))
		return err_set(e, EX_USAGE, "invalid --listen '%s': expected ADDR:PORT", listen);
	if (parse_long(colon + 1, 0, 65535, "--listen port", &port, e))
		return EX_USAGE;
	o.port = (int)port;
	o.seed = arg_get(a, "seed");
	o.state = arg_get(a, "state");
	o.tls_cert = arg_get(a, "tls-cert");
	o.tls_key = arg_get(a, "tls-key");
	if (!o.tls_cert != !o.tls_key)
		return err_set(e, EX_USAGE, "--tls-cert and --tls-key go together");
	if (parse_secs(arg_get(a, "ping-interval"), "--ping-interval", &o.ping_interval, e))
		return EX_USAGE;
	if (parse_long(arg_get(a, "max-connections"), 1, INT_MAX, "--max-connections",
	    &o.max_connections, e))
		return EX_USAGE;
	/* The real server sends them on every connect: a stand-in that did not
	 * would let a client that prints them as mail pass its tests. */
	o.tips = !arg_has(a, "no-tips");
	o.force_logout = arg_has(a, "force-logout");
	o.test_hooks = arg_has(a, "test-hooks");
	o.verbose = s->g->verbose;
	host = xstrndup(listen, (size_t)(colon - listen));
	o.host = host;
	code = server_run(&o, e);
	free(host);
	return code;
}

const struct command cmd_serve = {
	.name = "serve",
	.synopsis = "[--listen ADDR:PORT] [--seed FILE] [--state FILE] [--tls-cert FILE --tls-key FILE] "
	    "[--ping-interval SECS] [--no-tips] [--force-logout] [--max-connections N] [--test-hooks]",
	.summary = "run a local, in-memory chat server for trying scripts and for tests",
	.description =
	    "Speaks the chat server's REST API and WebSocket on one port, with the same\n"
	    "envelopes, status codes, messages, frames and close behaviour, holding\n"
	    "everything in memory. It is a stand-in for development and tests, not a\n"
	    "production server. When ready it prints one line on stderr:\n"
	    "  chatctl: serve: listening on http://ADDR:PORT   (https:// with TLS)\n"
	    "SIGINT or SIGTERM stops it (exit 0).\n"
	    "\n"
	    "Seed file (JSON; unknown fields ignored, missing ids numbered in order):\n"
	    "  {\"users\":   [{\"id\",\"username\",\"password\" (plain text),\"nickname\",\"avatar\",\n"
	    "                \"status\" (1, or 0 disabled),\"role\" (\"user\" or \"visitor\"),\n"
	    "                \"userset\" (settings text or null)}],\n"
	    "   \"friends\": [{\"user_id\",\"friend_id\",\"nickname\" (remark),\"isblack\",\"status\"}]\n"
	    "              (one directed row each: user_id has friend_id in their list),\n"
	    "   \"applies\": [{\"id\",\"user_id\",\"friend_id\",\"nickname\",\"status\"}],\n"
	    "   \"groups\":  [{\"id\",\"name\",\"avatar\",\"status\",\n"
	    "                \"users\":[{\"user_id\",\"nickname\",\"avatar\",\"status\"}]}]}\n"
	    "Without --seed (or a --state file) serve starts empty; registering works.\n"
	    "\n"
	    "WebSocket: ws://ADDR:PORT/ws?token=TOKEN. As the latest real server, a\n"
	    "second connection for the same user silently takes the deliveries: the\n"
	    "older socket stays open with pings and no messages. When any socket of the\n"
	    "user closes, the socket that has the deliveries is closed too, without a\n"
	    "status code (1005), and the user is offline: an orphaned older socket's\n"
	    "close takes the newer one down; the newer one's close leaves the older one\n"
	    "open and starving. With --force-logout, as the first server version, the\n"
	    "older socket gets\n"
	    "  {\"msg\":\"force_logout\",\"data\":\"你的账号在其他设备登录\"}\n"
	    "and a close without a status code instead. Messages for users without a\n"
	    "socket wait in their queue until POST /api/chat/chatGetmessageOffLine.\n"
	    "A socket with over 8 MiB of frames waiting unread is dropped.\n"
	    "\n"
	    "Past --max-connections open connections, a new one is closed as soon as\n"
	    "it is accepted; the limit never goes past what the open-files limit\n"
	    "(ulimit -n) leaves room for.\n"
	    "\n"
	    "--state FILE keeps users, the signing secret, current tokens, friends,\n"
	    "requests, groups, queues and chat-log counts across restarts; it is\n"
	    "rewritten atomically once per event-loop turn that changed something.\n"
	    "\n"
	    "Test hooks (--test-hooks only; each answers the JSON envelope):\n"
	    "  POST /__test/inject?user=ID&kind=text|binary|fragmented|oversized[&fragments=K][&size=N]\n"
	    "       send the request body to the user's socket as one text frame, a binary\n"
	    "       frame, K fragments (default 3), or a text frame of N bytes\n"
	    "  POST /__test/drop?user=ID          drop the user's sockets, no close frame\n"
	    "  POST /__test/close?user=ID[&code=C] close with code C, or without a status\n"
	    "  POST /__test/fail?count=N&status=S the next N REST requests get status S\n"
	    "  POST /__test/hang?count=N          the next N REST requests get no answer\n"
	    "  POST /__test/garbage?count=N       the next N REST requests get HTML, not JSON\n"
	    "  POST /__test/silence?user=ID       stop reading and writing that socket\n"
	    "  POST /__test/push?user=ID&count=N[&size=B]  push N chat frames of about B\n"
	    "       bytes (default 300) as fast as the socket takes them\n"
	    "  GET  /__test/stats                 requests, ws_connects, ws_open, connections, paths",
	.opts = serve_opts,
	.min_args = 0, .max_args = 0,
	.setup = 0,	/* serve/ is the server: no client session */
	.run = serve_main,
};
