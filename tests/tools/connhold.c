/* tests/tools/connhold.c: many idle connections at once, for serve's
 * connection limit.
 *
 *   connhold PORT N
 *
 * Opens N TCP connections to 127.0.0.1:PORT one after the other and sends
 * nothing on them. A connect that takes over 2 s counts as stalled. Then,
 * for one second after the last connect, it watches which of them the
 * server closes: those were refused. Last, on the first connection still
 * open, it asks GET /nosuch and times the answer (an existing client still
 * works, and promptly). Prints one line:
 *
 *   open N refused R stalled S answer STATUS MS ms
 *
 * (STATUS 0 when there was no open connection left, or no answer within
 * 10 s) and exits 0. The fd limit must allow N + a few descriptors. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The status of an answer to GET /nosuch on fd, or 0. */
static int
ask(int fd)
{
	static const char req[] = "GET /nosuch HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	struct timeval tv = { 10, 0 };
	char buf[4096];
	size_t have = 0;
	int status = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1))
		return 0;
	while (have < sizeof buf - 1 && memchr(buf, '\n', have) == NULL) {
		ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);

		if (r <= 0)
			return 0;
		have += (size_t)r;
	}
	buf[have] = '\0';
	sscanf(buf, "HTTP/1.1 %d", &status);
	return status;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct timeval tv = { 2, 0 };
	struct pollfd *pfd;
	int n, i, refused = 0, stalled = 0, status = 0;
	double t0, deadline;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: connhold PORT N\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pfd = calloc((size_t)n, sizeof *pfd);
	if (pfd == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0) {
			perror("connhold: socket");
			return 1;
		}
		/* A server that stops accepting leaves connect() waiting once
		 * its backlog is full: that wait is the stall. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		pfd[i].events = POLLIN;
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
			if (errno != EINPROGRESS && errno != EAGAIN) {
				perror("connhold: connect");
				return 1;
			}
			stalled++;
			close(fd);
			fd = -1;
		}
		pfd[i].fd = fd;
	}
	deadline = now() + 1;
	while (now() < deadline) {
		int ms = (int)((deadline - now()) * 1000) + 1;

		if (poll(pfd, (nfds_t)n, ms) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			char c;

			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			/* Nothing was asked, so anything readable is the end. */
			if (read(pfd[i].fd, &c, 1) <= 0) {
				refused++;
				close(pfd[i].fd);
				pfd[i].fd = -1;
			}
		}
	}
	for (i = 0; i < n && pfd[i].fd < 0; i++)
		;
	t0 = now();
	if (i < n)
		status = ask(pfd[i].fd);
	printf("open %d refused %d stalled %d answer %d %.0f ms\n", n, refused, stalled, status,
	    (now() - t0) * 1000);
	for (i = 0; i < n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	free(pfd);
	return 0;
}
