/* tests/tools/connectproxy.c: the smallest HTTP proxy the tests need.
 *
 *   connectproxy
 *
 * Listens on a free port of 127.0.0.1 and prints "listening on PORT" on
 * stdout. For each connection (one child process each) it reads the
 * request head and logs its first line on stderr, then: for CONNECT
 * host:port it connects, answers 200 and relays bytes both ways until
 * either side closes; for an absolute-form request (GET http://h:p/x) it
 * connects to h:p, forwards the request in origin form with "Connection:
 * close" added, and relays the answer. Test tool only: IPv4, no auth. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int
dial(const char *host, int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
relay(int a, int b)
{
	struct pollfd p[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
	char buf[65536];

	for (;;) {
		int i;

		if (poll(p, 2, -1) < 0)
			return;
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof buf);
			if (n <= 0 || write_all(p[1 - i].fd, buf, (size_t)n) != 0)
				return;
		}
	}
}

/* host:port into h (size n) and *port; 0 on success */
static int
split(const char *s, size_t len, char *h, size_t n, int *port)
{
	const char *colon = memchr(s, ':', len);

	if (colon == NULL || (size_t)(colon - s) >= n)
		return -1;
	memcpy(h, s, (size_t)(colon - s));
	h[colon - s] = '\0';
	*port = atoi(colon + 1);
	return *port > 0 ? 0 : -1;
}

static void
serve_one(int c)
{
	char head[16384], host[256], method[16], target[4096], version[16];
	size_t len = 0;
	char *end = NULL, *eol, *line, *next;
	int up, port;

	while (len < sizeof head - 1 && end == NULL) {
		ssize_t n = read(c, head + len, sizeof head - 1 - len);

		if (n <= 0)
			return;
		len += (size_t)n;
		head[len] = '\0';
		end = strstr(head, "\r\n\r\n");
	}
	if (end == NULL || (eol = strstr(head, "\r\n")) == NULL ||
	    sscanf(head, "%15s %4095s %15s", method, target, version) != 3)
		return;
	fprintf(stderr, "%.*s\n", (int)(eol - head), head);
	if (strcmp(method, "CONNECT") == 0) {
		if (split(target, strlen(target), host, sizeof host, &port) != 0 ||
		    (up = dial(host, port)) < 0) {
			write_all(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n", 28);
			return;
		}
		write_all(c, "HTTP/1.1 200 Connection established\r\n\r\n", 39);
		/* Anything the client sent after the head goes on too. */
		write_all(up, end + 4, len - (size_t)(end + 4 - head));
		relay(c, up);
		return;
	}
	if (strncmp(target, "http://", 7) == 0) {
		char *hp = target + 7, *path = strchr(hp, '/');

		if (path == NULL || split(hp, (size_t)(path - hp), host, sizeof host, &port) != 0 ||
		    (up = dial(host, port)) < 0) {
			write_all(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n", 28);
			return;
		}
		/* Origin form, and one request per connection: no keep-alive
		 * headers of the client's go on. */
		dprintf(up, "%s %s %s\r\n", method, path, version);
		for (line = eol + 2; line < end + 2; line = next + 2) {
			next = strstr(line, "\r\n");
			if (strncasecmp(line, "Connection:", 11) != 0 &&
			    strncasecmp(line, "Proxy-Connection:", 17) != 0)
				write_all(up, line, (size_t)(next + 2 - line));
		}
		write_all(up, "Connection: close\r\n\r\n", 21);
		write_all(up, end + 4, len - (size_t)(end + 4 - head));
		relay(c, up);
	}
}

int
main(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &sl) != 0) {
		perror("connectproxy");
		return 1;
	}
	printf("listening on %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		if (fork() == 0) {
			close(s);
			serve_one(c);
			_exit(0);
		}
		close(c);
	}
}
