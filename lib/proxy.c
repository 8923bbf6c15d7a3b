#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy.h"

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* entry is "a.b.c.d/n": does ip fall in it? */
static int
cidr_match(const char *ip, const char *entry)
{
	char net[64];
	const char *slash = strchr(entry, '/');
	struct in_addr a, b;
	unsigned long bits;
	char *end;
	uint32_t mask;

	if (slash == NULL || (size_t)(slash - entry) >= sizeof net)
		return 0;
	memcpy(net, entry, (size_t)(slash - entry));
	net[slash - entry] = '\0';
	bits = strtoul(slash + 1, &end, 10);
	if (*end || bits > 32 || inet_pton(AF_INET, net, &a) != 1 || inet_pton(AF_INET, ip, &b) != 1)
		return 0;
	mask = bits ? htonl(~(uint32_t)0 << (32 - bits)) : 0;
	return (a.s_addr & mask) == (b.s_addr & mask);
}

int
proxy_excluded(const char *host, const char *no_proxy)
{
	size_t hlen = strlen(host);
	const char *p = no_proxy;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char entry[256];

		while (n > 0 && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n > 0 && *p == '.') {
			p++;
			n--;
		}
		if (n > 0 && n < sizeof entry) {
			memcpy(entry, p, n);
			entry[n] = '\0';
			if (strcmp(entry, "*") == 0)
				return 1;
			if (strchr(entry, '/') ? cidr_match(host, entry) :
			    (hlen == n && strcasecmp(host, entry) == 0) ||
			    (hlen > n && host[hlen - n - 1] == '.' && strcasecmp(host + hlen - n, entry) == 0))
				return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* [scheme://][user:pass@]host[:port][/] */
static int
bad(struct err *e, const struct proxy *p, const char *why)
{
	err_set(e, EX_USAGE, "invalid proxy in %s: %s", p->from, why);
	return -1;
}

static int
parse(const char *url, struct proxy *p, struct err *e)
{
	const char *rest = strstr(url, "://"), *at, *h, *colon, *end;
	size_t n, i;

	memset(p->scheme, 0, sizeof p->scheme);
	p->auth[0] = p->host[0] = '\0';
	if (rest) {
		n = (size_t)(rest - url);
		if (n == 0 || n >= sizeof p->scheme)
			return bad(e, p, "no scheme");
		for (i = 0; i < n; i++)
			p->scheme[i] = (char)tolower((unsigned char)url[i]);
		rest += 3;
	} else {
		strcpy(p->scheme, "http");	/* as curl reads "host:port" */
		rest = url;
	}
	end = rest + strcspn(rest, "/?#");
	at = memchr(rest, '@', (size_t)(end - rest));
	h = rest;
	if (at) {
		n = (size_t)(at - rest);
		if (n >= sizeof p->auth)
			return bad(e, p, "credentials too long");
		memcpy(p->auth, rest, n);
		p->auth[n] = '\0';
		h = at + 1;
	}
	colon = memchr(h, ':', (size_t)(end - h));
	n = (size_t)((colon ? colon : end) - h);
	if (n == 0 || n >= sizeof p->host)
		return bad(e, p, "no host");
	memcpy(p->host, h, n);
	p->host[n] = '\0';
	/* curl's defaults: 1080 for every proxy but an https:// one. */
	p->port = strcmp(p->scheme, "https") == 0 ? 443 : 1080;
	if (colon) {
		char *stop;
		long port = strtol(colon + 1, &stop, 10);

		if (stop != end || port < 1 || port > 65535)
			return bad(e, p, "bad port");
		p->port = (int)port;
	}
	return 0;
}

int
proxy_for(const char *scheme, const char *host, struct proxy *p, struct err *e)
{
	static const char *const for_http[] = { "http_proxy", "all_proxy", "ALL_PROXY", NULL };
	static const char *const for_https[] = { "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", NULL };
	const char *const *name = strcmp(scheme, "https") == 0 ? for_https : for_http;
	const char *no = env("no_proxy") ? env("no_proxy") : env("NO_PROXY");
	const char *url = NULL;

	for (; *name; name++)
		if ((url = env(*name)) != NULL)
			break;
	if (url == NULL || (no && proxy_excluded(host, no)))
		return 0;
	p->from = *name;
	if (parse(url, p, e) != 0)
		return -1;
	return 1;
}
