/* tests/tools/wssink.c: the benchmark sink for the push hook.
 *
 *   wssink HOST PORT TOKEN USER_ID COUNT [SIZE]
 *
 * Opens /ws?token=TOKEN on a plain socket, waits for the welcome frame,
 * asks serve (POST /__test/push) to push COUNT frames of about SIZE bytes
 * to USER_ID, then reads and discards them, walking only the frame
 * headers, and prints "frames N bytes B secs S rate R frames/s". Only
 * the walk is timed: it starts at the first pushed byte. Deliberately
 * not lws: a sink this thin is what measures the sender. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
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
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("wssink: connect");
		exit(1);
	}
	return fd;
}

static void
send_all(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w <= 0) {
			perror("wssink: write");
			exit(1);
		}
		s += w;
		n -= (size_t)w;
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static unsigned char buf[1 << 20];
	char req[20000];
	const char *host;
	int port, fd, hook = -1, started = 0;
	long want, frames = -1;	/* the welcome frame does not count */
	long long bytes = 0;
	size_t have = 0, skip = 0;
	double t0 = 0, t1;
	char *end;

	if (argc < 6) {
		fprintf(stderr, "usage: wssink HOST PORT TOKEN USER_ID COUNT [SIZE]\n");
		return 2;
	}
	host = argv[1];
	port = atoi(argv[2]);
	want = atol(argv[5]);
	fd = dial(host, port);
	snprintf(req, sizeof req, "GET /ws?token=%s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n", argv[3], host, port);
	send_all(fd, req);
	/* The 101 response, then frames. */
	while ((end = memmem(buf, have, "\r\n\r\n", 4)) == NULL) {
		ssize_t r = read(fd, buf + have, sizeof buf - have);

		if (r <= 0)
			return 1;
		have += (size_t)r;
	}
	if (memcmp(buf, "HTTP/1.1 101", 12) != 0) {
		fprintf(stderr, "wssink: upgrade refused\n");
		return 1;
	}
	have -= (size_t)(end + 4 - (char *)buf);
	memmove(buf, end + 4, have);
	for (;;) {
		size_t off = 0;
		ssize_t r;

		/* Walk whole headers; payload bytes are only skipped. */
		while (off < have) {
			size_t hl, len;

			if (skip) {
				size_t k = have - off < skip ? have - off : skip;

				off += k;
				skip -= k;
				continue;
			}
			if (have - off < 2)
				break;
			len = buf[off + 1] & 127;
			hl = 2;
			if (len == 126) {
				if (have - off < 4)
					break;
				len = (size_t)buf[off + 2] << 8 | buf[off + 3];
				hl = 4;
			} else if (len == 127) {
				int k;

				if (have - off < 10)
					break;
				for (len = 0, k = 0; k < 8; k++)
					len = len << 8 | buf[off + 2 + (size_t)k];
				hl = 10;
			}
			off += hl;
			skip = len;
			if (++frames == 0) {
				/* The welcome: now ask for the push. */
				hook = dial(host, port);
				snprintf(req, sizeof req, "POST /__test/push?user=%s&count=%ld&size=%s HTTP/1.1\r\n"
				    "Host: %s:%d\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
				    argv[4], want, argc > 6 ? argv[6] : "300", host, port);
				send_all(hook, req);
			} else if (!started) {
				started = 1;
				t0 = now();
			}
			if (frames == want)
				goto done;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
		r = read(fd, buf + have, sizeof buf - have);
		if (r <= 0) {
			fprintf(stderr, "wssink: connection ended after %ld frames\n", frames);
			return 1;
		}
		if (started)
			bytes += r;
		have += (size_t)r;
	}
done:
	t1 = now();
	printf("frames %ld bytes %lld secs %.3f rate %.0f frames/s\n", frames, bytes, t1 - t0,
	    (double)frames / (t1 - t0));
	if (hook >= 0)
		close(hook);
	close(fd);
	return 0;
}
