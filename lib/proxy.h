/* lib/proxy.h: which proxy a connection should use, from the environment,
 * decided the way curl decides, so that what users set for curl takes
 * every request and the WebSocket the same road.
 *
 * For scheme "http" (ws://): http_proxy, then all_proxy, ALL_PROXY; for
 * "https" (wss://): https_proxy, HTTPS_PROXY, then all_proxy, ALL_PROXY.
 * (Like curl, no upper-case HTTP_PROXY: a CGI environment can set it.)
 * no_proxy, else NO_PROXY: a comma-separated list of "*", host names
 * (matching the host and its subdomains, a leading dot ignored) and IPv4
 * addresses or CIDR ranges.
 *
 * struct proxy is plain data owned by the caller. */
#ifndef CHATCTL_PROXY_H
#define CHATCTL_PROXY_H

#include "err.h"

struct proxy {
	char scheme[16];	/* "http", "socks5", ... */
	char auth[256];		/* "user:password", or "" */
	char host[256];
	int port;
	const char *from;	/* the variable it came from */
};

/* 1 with *p filled when host should be reached through a proxy, 0 when
 * directly, -1 (EX_USAGE in *e) when the variable cannot be parsed. */
int proxy_for(const char *scheme, const char *host, struct proxy *p, struct err *e);

/* 1 if host is excluded by the no_proxy list (borrowed). */
int proxy_excluded(const char *host, const char *no_proxy);

#endif
