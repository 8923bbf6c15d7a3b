/* tests/tools/blackhole.c: a port where connecting hangs, for testing
 * --connect-timeout without leaving the machine.
 *
 *   blackhole
 *
 * Listens on a free port of 127.0.0.1 with a backlog of 0, fills the
 * accept queue with its own connections and never accepts: the kernel then
 * drops every further SYN, so a client's connect() waits until it gives
 * up. Prints "listening on PORT" and sleeps until killed.
 *
 *   blackhole accept
 *
 * Accepts every connection instead, and never reads or writes: a server
 * that takes the TCP connection and then says nothing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int s = socket(AF_INET, SOCK_STREAM, 0), i;
	int accepting = argc > 1 && strcmp(argv[1], "accept") == 0;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s, accepting ? 16 : 0) != 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &sl) != 0) {
		perror("blackhole");
		return 1;
	}
	if (accepting) {
		printf("listening on %d\n", ntohs(sa.sin_port));
		fflush(stdout);
		for (;;)
			accept(s, NULL, NULL);	/* and kept open, unread */
	}
	/* Fill the queue; these may themselves hang, so do not wait long. */
	for (i = 0; i < 3; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

		connect(c, (struct sockaddr *)&sa, sizeof sa);
	}
	usleep(200000);
	printf("listening on %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	for (;;)
		pause();
}
