/* tests/bench/mailbox-put.c: how fast the holder can store frames.
 *
 *	mailbox-put [ROWS [BATCH [PATH]]]	(default 1000000, 1000, a temporary file)
 *
 * Puts ROWS realistic singleChat frames (random v4 UUID ids, ~300 bytes,
 * 50 peers, times increasing) in transactions of BATCH, as the holder does
 * once per loop turn, and prints rows/s (making the frames not counted),
 * the size of the database once closed and bytes per row. A fresh database each run
 * unless PATH exists already. Not part of make check: make bench-tools. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/mailbox.h"
#include "../../lib/xalloc.h"

struct frame {
	char text[512];
	char id[40];
	int len;
	long peer;
	int64_t time_ms;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
uuid(char *s)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a = next(), b = next();
	int i;

	for (i = 0; i < 36; i++) {
		uint64_t *w = i < 18 ? &a : &b;

		if (i == 8 || i == 13 || i == 18 || i == 23)
			s[i] = '-';
		else if (i == 14)
			s[i] = '4';
		else {
			s[i] = hex[*w & 15];
			*w >>= 4;
		}
	}
	s[36] = '\0';
}

static void
make_frame(struct frame *f, int64_t t)
{
	uuid(f->id);
	f->peer = 2 + (long)(next() % 50);
	f->time_ms = t;
	f->len = snprintf(f->text, sizeof f->text,
	    "{\"type\":\"singleChat\",\"data\":{\"id\":\"%s\",\"from_id\":%ld,\"from_name\":\"user%ld\","
	    "\"to_id\":1,\"to_name\":\"bot\",\"chatType\":\"single\","
	    "\"type\":\"text\",\"data\":\"{\\\"data\\\":\\\"build #%llu passed\\\",\\\"dataType\\\":false,"
	    "\\\"otherData\\\":null}\",\"create_time\":%lld,\"isremove\":0},\"timestamp\":%lld}",
	    f->id, f->peer, f->peer, (unsigned long long)(next() % 100000), (long long)t, (long long)t);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long
file_size(const char *path, const char *suffix)
{
	char *p = xasprintf("%s%s", path, suffix);
	struct stat st;
	long long n = stat(p, &st) == 0 ? (long long)st.st_size : 0;

	free(p);
	return n;
}

static int
run(struct mailbox *mb, long rows, long batch, double *secs)
{
	struct frame *f = xcalloc((size_t)batch, sizeof *f);
	int64_t t = 1753934390663LL, seq;
	long done = 0, i, n;
	struct err e;
	double t0;

	*secs = 0;
	while (done < rows) {
		n = rows - done < batch ? rows - done : batch;
		for (i = 0; i < n; i++)
			make_frame(&f[i], t += 3);
		t0 = now();
		if (mailbox_begin(mb, &e) != EX_OK)
			goto fail;
		for (i = 0; i < n; i++) {
			struct mailbox_msg m = { .frame = f[i].text, .len = (size_t)f[i].len, .id = f[i].id,
			    .type = "singleChat", .action = "", .dtype = "text", .peer = f[i].peer,
			    .time_ms = f[i].time_ms, .checked = 1 };

			if (mailbox_put(mb, &m, &seq, &e) < 0)
				goto fail;
		}
		if (mailbox_commit(mb, &e) != EX_OK)
			goto fail;
		*secs += now() - t0;
		done += n;
	}
	free(f);
	return 0;
fail:
	fprintf(stderr, "mailbox-put: %s\n", e.msg);
	free(f);
	return 1;
}

int
main(int argc, char **argv)
{
	long rows = argc > 1 ? atol(argv[1]) : 1000000, batch = argc > 2 ? atol(argv[2]) : 1000;
	char tmp[] = "/tmp/chatctl-bench-XXXXXX", *path;
	struct mailbox *mb;
	struct err e;
	long long db, wal;
	double secs, t0;
	int rc;

	if (rows <= 0 || batch <= 0 || (argc <= 3 && mkdtemp(tmp) == NULL))
		return 2;
	path = argc > 3 ? xstrdup(argv[3]) : xasprintf("%s/bench.db", tmp);
	if (mailbox_open(path, &mb, &e) != EX_OK) {
		fprintf(stderr, "mailbox-put: %s\n", e.msg);
		return 1;
	}
	rng ^= (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();	/* new ids in an old PATH too */
	if ((rc = run(mb, rows, batch, &secs)) != 0) {
		mailbox_close(mb);
		free(path);
		return rc;
	}
	wal = file_size(path, "-wal");
	t0 = now();
	mailbox_close(mb);
	t0 = now() - t0;
	db = file_size(path, "");
	printf("%ld rows in %ld-row transactions: %.2f s, %.0f rows/s\n", rows, batch, secs, rows / secs);
	printf("database after close %.1f MB, %.0f bytes per row (WAL before close %.1f MB,"
	    " close and checkpoint %.2f s)\n", db / 1e6, (double)db / rows, wal / 1e6, t0);
	if (argc <= 3) {
		unlink(path);
		rmdir(tmp);
	}
	free(path);
	return rc;
}
