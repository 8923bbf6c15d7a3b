/* Proxy choice from the environment (lib/proxy.c), as curl makes it. */
#include <stdlib.h>

#include "../../lib/proxy.h"
#include "unit.h"

static void
clear(void)
{
	static const char *const vars[] = { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
		"all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", NULL };
	const char *const *v;

	for (v = vars; *v; v++)
		unsetenv(*v);
}

int
main(void)
{
	struct proxy p;
	struct err e;

	clear();
	CHECK_INT(proxy_for("http", "h", &p, &e), 0);

	/* The variable for each scheme, in curl's order. */
	setenv("HTTP_PROXY", "http://ignored:1", 1);
	CHECK_INT(proxy_for("http", "h", &p, &e), 0);
	setenv("http_proxy", "http://user:pw@proxy.example:3128/", 1);
	CHECK_INT(proxy_for("http", "h", &p, &e), 1);
	CHECK_STR(p.scheme, "http");
	CHECK_STR(p.auth, "user:pw");
	CHECK_STR(p.host, "proxy.example");
	CHECK_INT(p.port, 3128);
	CHECK_STR(p.from, "http_proxy");
	CHECK_INT(proxy_for("https", "h", &p, &e), 0);
	setenv("HTTPS_PROXY", "sp:8443", 1);
	CHECK_INT(proxy_for("https", "h", &p, &e), 1);
	CHECK_STR(p.scheme, "http");
	CHECK_STR(p.host, "sp");
	CHECK_INT(p.port, 8443);
	CHECK_STR(p.from, "HTTPS_PROXY");
	setenv("https_proxy", "http://lower:1", 1);
	CHECK_INT(proxy_for("https", "h", &p, &e), 1);
	CHECK_STR(p.host, "lower");
	clear();
	setenv("ALL_PROXY", "socks5://s", 1);
	CHECK_INT(proxy_for("https", "h", &p, &e), 1);
	CHECK_STR(p.scheme, "socks5");
	CHECK_INT(p.port, 1080);
	setenv("all_proxy", "http://a:2", 1);
	CHECK_INT(proxy_for("http", "h", &p, &e), 1);
	CHECK_STR(p.from, "all_proxy");

	/* no_proxy, then NO_PROXY. */
	setenv("NO_PROXY", "h", 1);
	CHECK_INT(proxy_for("http", "h", &p, &e), 0);
	setenv("no_proxy", "other", 1);
	CHECK_INT(proxy_for("http", "h", &p, &e), 1);

	CHECK(proxy_excluded("chat.example.com", "example.com"));
	CHECK(proxy_excluded("chat.example.com", " .example.com , x"));
	CHECK(proxy_excluded("example.com", "example.com"));
	CHECK(!proxy_excluded("badexample.com", "example.com"));
	CHECK(proxy_excluded("anything", "a,*"));
	CHECK(proxy_excluded("127.0.0.1", "localhost,127.0.0.1"));
	CHECK(proxy_excluded("CHAT.Example.COM", "example.com"));
	CHECK(proxy_excluded("10.1.2.3", "10.0.0.0/8"));
	CHECK(!proxy_excluded("11.1.2.3", "10.0.0.0/8"));
	CHECK(proxy_excluded("192.168.1.7", "192.168.1.0/24"));
	CHECK(!proxy_excluded("192.168.2.7", "192.168.1.0/24"));
	CHECK(!proxy_excluded("h", ""));

	/* Unparsable: a usage error naming the variable. */
	clear();
	setenv("http_proxy", "http://h:notaport", 1);
	CHECK_INT(proxy_for("http", "x", &p, &e), -1);
	CHECK_INT(e.code, EX_USAGE);
	CHECK(strstr(e.msg, "http_proxy") != NULL);
	setenv("http_proxy", "http://:80", 1);
	CHECK_INT(proxy_for("http", "x", &p, &e), -1);
	clear();
	return unit_done();
}
