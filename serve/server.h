/* serve/server.h: chatctl serve, a local in-memory stand-in for the chat
 * server (DESIGN.md "serve"). cmd/serve.c parses the options into a
 * struct server_opts and calls server_run(), which returns when SIGINT or
 * SIGTERM arrives (EX_OK) or when it cannot start (an EX_* code, with e
 * filled). One process, one lws context, one event loop, no threads. */
#ifndef SERVE_SERVER_H
#define SERVE_SERVER_H

#include "../lib/err.h"

struct server_opts {
	const char *host;		/* listen address as given */
	int port;			/* 0: any free port */
	const char *seed, *state;	/* files, or NULL */
	const char *tls_cert, *tls_key;	/* both or neither */
	double ping_interval;		/* seconds, 0 for none */
	int tips, test_hooks, verbose;
	int force_logout;		/* the first server's takeover, not the latest's */
	long max_connections;		/* open at once; more are refused */
};

int server_run(const struct server_opts *o, struct err *e);

#endif
