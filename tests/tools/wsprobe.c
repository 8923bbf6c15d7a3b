/* tests/tools/wsprobe.c: a small WebSocket client for the test suite.
 *
 *   wsprobe URL [--send TEXT]... [--for SECS] [--count N] [--lengths]
 *
 * Connects to URL (ws:// or wss://; certificates are not checked), sends
 * each TEXT as a text frame once connected, and prints one line per
 * received message: "text <payload>" ("text <len>" with --lengths),
 * "binary <len>", preceded by "fragments K" when it came in K > 1 frames.
 * When the connection ends it prints "close <code>": the peer's close code,
 * 1005 for a close frame without one, 1006 when the link died without a
 * close frame. It stops by itself after --count messages or --for seconds
 * (default 10), closing with 1000 and printing nothing more. A failed
 * connection prints "error <reason>" and exits 1. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

static struct {
	const char **sends;
	int nsends, sent;
	long count, got;
	int lengths, done, status, peer_code, we_closed;
	struct lws_context *ctx;
	lws_sorted_usec_list_t timer;
	unsigned char *msg;
	size_t len, cap;
	int frames;
} p = { .peer_code = 1006 };

static void
timeout(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	/* We end it: no "close" line. lws would otherwise sleep on in poll(). */
	p.we_closed = 1;
	p.done = 1;
	lws_cancel_service(p.ctx);
}

static void
message(struct lws *wsi)
{
	if (p.frames > 1)
		printf("fragments %d\n", p.frames);
	if (lws_frame_is_binary(wsi))
		printf("binary %zu\n", p.len);
	else if (p.lengths)
		printf("text %zu\n", p.len);
	else
		printf("text %.*s\n", (int)p.len, (const char *)p.msg);
	p.len = 0;
	p.frames = 0;
	p.got++;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("error %s\n", in ? (const char *)in : "connection failed");
		p.status = 1;
		p.done = 1;
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (p.nsends)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		size_t n;
		unsigned char *buf;

		if (p.we_closed) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
			return -1;
		}
		if (p.sent >= p.nsends)
			return 0;
		n = strlen(p.sends[p.sent]);
		buf = malloc(LWS_PRE + n + 1);
		memcpy(buf + LWS_PRE, p.sends[p.sent], n);
		if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < 0) {
			free(buf);
			return -1;
		}
		free(buf);
		if (++p.sent < p.nsends)
			lws_callback_on_writable(wsi);
		return 0;
	}
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (p.len + len + 1 > p.cap) {
			p.cap = (p.len + len + 1) * 2;
			p.msg = realloc(p.msg, p.cap);
		}
		memcpy(p.msg + p.len, in, len);
		p.len += len;
		if (lws_remaining_packet_payload(wsi) == 0)
			p.frames++;
		if (!lws_is_final_fragment(wsi))
			return 0;
		message(wsi);
		if (p.count && p.got >= p.count) {
			p.we_closed = 1;
			lws_callback_on_writable(wsi);
		}
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		p.peer_code = len >= 2 ? ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1] : 1005;
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!p.we_closed)
			printf("close %d\n", p.peer_code);
		p.done = 1;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{ "probe", callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	const char *prot, *addr, *path;
	char *url = NULL, pathbuf[16384];
	double secs = 10;
	int i, port;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	p.sends = calloc((size_t)argc, sizeof *p.sends);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--send") == 0 && i + 1 < argc)
			p.sends[p.nsends++] = argv[++i];
		else if (strcmp(argv[i], "--for") == 0 && i + 1 < argc)
			secs = atof(argv[++i]);
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			p.count = atol(argv[++i]);
		else if (strcmp(argv[i], "--lengths") == 0)
			p.lengths = 1;
		else if (url == NULL && argv[i][0] != '-')
			url = strdup(argv[i]);
		else {
			fprintf(stderr, "usage: wsprobe URL [--send TEXT]... [--for SECS] [--count N] [--lengths]\n");
			return 2;
		}
	}
	if (url == NULL || lws_parse_uri(url, &prot, &addr, &port, &path)) {
		fprintf(stderr, "wsprobe: bad URL\n");
		return 2;
	}
	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	p.ctx = lws_create_context(&info);
	if (p.ctx == NULL)
		return 1;
	snprintf(pathbuf, sizeof pathbuf, "/%s", path);
	memset(&ci, 0, sizeof ci);
	ci.context = p.ctx;
	ci.address = addr;
	ci.port = port;
	ci.path = pathbuf;
	ci.host = addr;
	ci.origin = addr;
	ci.protocol = NULL;
	if (strcmp(prot, "wss") == 0 || strcmp(prot, "https") == 0)
		ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
		    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_INSECURE;
	lws_sul_schedule(p.ctx, 0, &p.timer, timeout, (lws_usec_t)(secs * LWS_USEC_PER_SEC));
	if (lws_client_connect_via_info(&ci) == NULL) {
		printf("error cannot connect\n");
		p.status = 1;
		p.done = 1;
	}
	while (!p.done && lws_service(p.ctx, 0) >= 0)
		;
	lws_sul_cancel(&p.timer);
	lws_context_destroy(p.ctx);
	free(p.msg);
	free(p.sends);
	free(url);
	return p.status;
}
