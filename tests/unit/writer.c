/* The holder's writer thread (lib/writer.c), over a real mailbox in a
 * temporary directory: what it is given is committed in order, once, with
 * the cursors of the same job; the loop is woken after each job; a job
 * that fails (a file size limit, as a full disk) hands back its frames and
 * those of the job being filled, in order, and nothing is stored after. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/writer.h"
#include "unit.h"

static char dir[] = "/tmp/chatctl-writer-XXXXXX";
static char db[256];
static atomic_int wakes;

static void
wake(void *arg)
{
	(void)arg;
	atomic_fetch_add(&wakes, 1);
}

/* Message i: a keyed text frame of about size bytes. */
static void
msg(int i, size_t size, char *frame, char *id, struct mailbox_msg *m)
{
	int n;

	snprintf(id, 32, "m%d", i);
	n = snprintf(frame, size + 64, "{\"type\":\"singleChat\",\"data\":{\"id\":\"%s\",\"pad\":\"", id);
	memset(frame + n, 'x', size);
	snprintf(frame + n + size, 64, "\"}}");
	memset(m, 0, sizeof *m);
	m->frame = frame;
	m->len = strlen(frame);
	m->id = id;
	m->type = "singleChat";
	m->action = "";
	m->dtype = "text";
	m->peer = 7;
	m->time_ms = 1000 + i;
	m->checked = 1;
}

struct seen {
	int64_t seq[4096];
	char id[4096][32];
	int n;
};

static int
each(void *arg, const struct mailbox_row *r)
{
	struct seen *s = arg;
	const char *p = strstr(r->frame, "\"id\":\"");

	s->seq[s->n] = r->seq;
	snprintf(s->id[s->n], 32, "%.*s", (int)strcspn(p + 6, "\""), p + 6);
	s->n++;
	return 0;
}

/* Wait until nothing is left; the results' codes and duplicates summed. */
static void
settle(struct writer *w, int *failed, long *dups)
{
	struct writer_result r;

	do {
		writer_wait(w, &r);
		*failed += r.done && r.code != EX_OK;
		*dups += r.duplicates;
	} while (r.done);
}

static void
test_commits(void)
{
	struct err e = { 0, "" };
	struct writer *w = writer_start(db, 0, wake, NULL, &e);
	struct writer_result r;
	const struct mailbox_row *rows;
	struct mailbox_msg m;
	struct mailbox *mb = NULL;
	struct seen *s = calloc(1, sizeof *s);
	char frame[400], id[32];
	int64_t cur = 0;
	int i, failed = 0;
	long dups = 0;
	size_t n;

	CHECK(w != NULL);
	/* One job: three messages, one of them twice, and a cursor. */
	for (i = 0; i < 3; i++) {
		msg(i, 100, frame, id, &m);
		writer_put(w, &m);
	}
	writer_put(w, &m);
	writer_cursor(w, "bot", 2);
	writer_cursor(w, "bot", 3);	/* the same cursor again: the last wins */
	writer_submit(w, &r);
	CHECK_INT(r.done, 0);	/* nothing had finished */
	writer_wait(w, &r);
	CHECK_INT(r.done, 1);
	CHECK_INT(r.code, EX_OK);
	CHECK_INT(r.duplicates, 1);
	n = writer_rows(w, &rows);
	CHECK_INT(n, 3);
	CHECK_INT(rows[0].seq, 1);
	CHECK_INT(rows[2].seq, 3);
	CHECK_INT(rows[1].time_ms, 1001);
	CHECK_INT(rows[1].peer, 7);
	CHECK(rows[1].checked);
	CHECK_STR(rows[1].type, "singleChat");
	msg(1, 100, frame, id, &m);
	CHECK(rows[1].len == m.len && memcmp(rows[1].frame, m.frame, m.len) == 0);
	CHECK(atomic_load(&wakes) >= 1);

	/* Many jobs: the turns go on filling while one runs. */
	for (i = 3; i < 2000; i++) {
		msg(i, 300, frame, id, &m);
		writer_put(w, &m);
		if (i % 50 == 0)
			writer_submit(w, &r);
		failed += r.done && r.code != EX_OK;
	}
	msg(5, 300, frame, id, &m);	/* a duplicate from an earlier job */
	writer_put(w, &m);
	settle(w, &failed, &dups);
	CHECK_INT(failed, 0);
	CHECK_INT(dups, 1);
	writer_stop(w);

	/* Another connection sees all of it, once, in order. */
	CHECK_INT(mailbox_open(db, &mb, &e), EX_OK);
	CHECK_INT(mailbox_read(mb, 0, 0, each, s, &e), EX_OK);
	CHECK_INT(s->n, 2000);
	for (i = 0; i < s->n; i++) {
		char want[32];

		snprintf(want, sizeof want, "m%d", i);
		if (strcmp(s->id[i], want) != 0 || s->seq[i] != i + 1)
			break;
	}
	CHECK_INT(i, 2000);
	CHECK_INT(mailbox_cursor_get(mb, "bot", &cur, &e), EX_OK);
	CHECK_INT(cur, 3);
	mailbox_close(mb);
	free(s);
}

static void
test_failure(void)
{
	struct err e = { 0, "" };
	struct writer *w = writer_start(db, 0, wake, NULL, &e);
	struct writer_result r;
	struct mailbox_msg m;
	struct mailbox *mb = NULL;
	struct rlimit old, lim;
	struct stat st;
	char *frame = malloc(20000), id[32];
	int i, failed = 0, ok = 1;
	size_t n = 0, len;
	long dups = 0;
	int64_t last = -1;

	CHECK(w != NULL);
	/* The WAL starts over (the last connection closed): past its first
	 * 256 KiB, writes fail as on a full disk. */
	CHECK_INT(stat(db, &st), 0);
	CHECK(st.st_size > 256 * 1024);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 256 * 1024;
	setrlimit(RLIMIT_FSIZE, &lim);
	/* Each job runs while the next one is being filled with one more. */
	for (i = 0; i < 200; i++) {
		msg(10000 + i, 10000, frame, id, &m);
		writer_put(w, &m);
		if (i % 2 == 0) {
			writer_submit(w, &r);
			continue;
		}
		writer_wait(w, &r);
		if (r.done && r.code != EX_OK)
			break;
	}
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK(r.done);
	CHECK_INT(r.code, EX_IO);
	CHECK(strstr(r.err.msg, db) != NULL);
	/* The failed job and the one being filled come back, in order, and
	 * are the last ones put. */
	CHECK(r.nframes > 1);	/* the failed job, and the one being filled */
	for (n = 0; n < r.nframes; n++) {
		const char *f = writer_frame(w, n, &len);
		int64_t k = strtoll(strstr(f, "\"id\":\"m") + 7, NULL, 10);

		ok &= last < 0 || k == last + 1;
		last = k;
	}
	CHECK(ok);
	CHECK_INT(last, 10000 + i);
	/* Nothing more is stored, nor given back twice. */
	msg(99999, 10, frame, id, &m);
	writer_put(w, &m);
	settle(w, &failed, &dups);
	CHECK_INT(failed, 0);
	writer_stop(w);
	/* What was stored before the failure is all there, and nothing of
	 * what came back. */
	CHECK_INT(mailbox_open(db, &mb, &e), EX_OK);
	CHECK_INT(mailbox_last_seq(mb, &last, &e), EX_OK);
	CHECK_INT(last, 2000 + (i + 1) - (long)r.nframes);
	CHECK(last > 2000);	/* some jobs were stored before the failure */
	mailbox_close(mb);
	free(frame);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(db, sizeof db, "%s/mb.db", dir);
	test_commits();
	test_failure();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return unit_done();
}
