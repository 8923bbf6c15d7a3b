/* tests/tools/wsflood.c: a WebSocket client that asks and never listens.
 *
 *   wsflood PORT TOKEN COUNT
 *
 * Opens /ws?token=TOKEN on 127.0.0.1:PORT with a plain socket, reads the
 * 101 answer and nothing after it, then sends COUNT masked text frames
 * {"type":"ping"}, each of which serve answers with a pong that is never
 * read. Prints "dropped after N pings" when serve closes the connection
 * first, else "sent N pings" once all are written (what a server without a
 * bound on its send queue lets happen). Exits 0 either way, 1 when the
 * upgrade fails. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PING "{\"type\":\"ping\"}"
#define FRAME (2 + 4 + sizeof PING - 1)
#define BATCH 4096	/* frames per write */

int
main(int argc, char **argv)
{
	static unsigned char batch[BATCH * FRAME];
	static const unsigned char mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
	struct sockaddr_in sa;
	char req[20000], answer[4096];
	size_t have = 0, i;
	long count, sent = 0;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: wsflood PORT TOKEN COUNT\n");
		return 2;
	}
	count = atol(argv[3]);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("wsflood: connect");
		return 1;
	}
	snprintf(req, sizeof req, "GET /ws?token=%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n", argv[2]);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return 1;
	/* Byte by byte, so that not one byte of a frame after it is read. */
	while (have < 4 || memcmp(answer + have - 4, "\r\n\r\n", 4) != 0) {
		if (have == sizeof answer || read(fd, answer + have, 1) != 1)
			return 1;
		have++;
	}
	if (memcmp(answer, "HTTP/1.1 101", 12) != 0) {
		fprintf(stderr, "wsflood: upgrade refused\n");
		return 1;
	}
	for (i = 0; i < BATCH; i++) {
		unsigned char *f = batch + i * FRAME;
		size_t k;

		f[0] = 0x81;	/* FIN, text */
		f[1] = 0x80 | (sizeof PING - 1);
		memcpy(f + 2, mask, 4);
		for (k = 0; k < sizeof PING - 1; k++)
			f[6 + k] = (unsigned char)PING[k] ^ mask[k % 4];
	}
	while (sent < count) {
		long n = count - sent < BATCH ? count - sent : BATCH;
		size_t len = (size_t)n * FRAME, off = 0;

		while (off < len) {
			ssize_t w = send(fd, batch + off, len - off, MSG_NOSIGNAL);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				/* Frames partly written count as not sent. */
				printf("dropped after %ld pings\n", sent + (long)(off / FRAME));
				return 0;
			}
			off += (size_t)w;
		}
		sent += n;
	}
	printf("sent %ld pings\n", sent);
	return 0;
}
