/* A consumer's cursor (lib/consumer.c), over a real mailbox in a temporary
 * directory: it moves only on ack, past skipped rows too, and a name is
 * one process's at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/consumer.h"
#include "unit.h"

static char dir[] = "/tmp/chatctl-consumer-XXXXXX";
static char db[256], lockp[256];

/* The sink: takes rows until want, skipping odd seqs when skip_odd. */
struct sink {
	int64_t got[64];
	int n, want, skip_odd;
};

static int
sink(void *arg, const struct mailbox_row *r)
{
	struct sink *s = arg;

	if (s->skip_odd && r->seq % 2)
		return CONSUMER_SKIP;
	s->got[s->n++] = r->seq;
	return s->n == s->want ? CONSUMER_LAST : CONSUMER_TAKEN;
}

static void
put(struct mailbox *mb, int n)
{
	struct err e = { 0, "" };
	struct mailbox_msg m = { .frame = "{}", .len = 2, .id = "", .type = "singleChat", .action = "",
	    .dtype = "text", .time_ms = 1 };
	char id[32];
	int64_t seq;
	int i;

	CHECK_INT(mailbox_begin(mb, &e), EX_OK);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "id-%d-%d", i, rand());
		m.id = id;
		CHECK_INT(mailbox_put(mb, &m, &seq, &e), 1);
	}
	CHECK_INT(mailbox_commit(mb, &e), EX_OK);
}

static struct consumer *
open_consumer(struct mailbox *mb, struct sink *s, const char *name, int at_end, long batch)
{
	struct consumer_opts o = { name, at_end, batch, sink, s, NULL };
	struct consumer *c = NULL;
	struct err e = { 0, "" };

	CHECK_INT(consumer_open(mb, lockp, &o, &c, &e), EX_OK);
	return c;
}

static void
test_ack_moves_the_cursor(struct mailbox *mb)
{
	struct sink s = { .want = 2 };
	struct err e = { 0, "" };
	struct consumer *c;

	put(mb, 5);			/* seqs 1..5 */
	c = open_consumer(mb, &s, "a", 0, 0);
	CHECK_INT(consumer_pump(c, &e), 0);
	CHECK_INT(s.n, 2);
	CHECK_INT(consumer_done(c), 1);
	consumer_close(c);		/* no ack: nothing moved */

	s.n = 0;
	c = open_consumer(mb, &s, "a", 0, 0);
	consumer_pump(c, &e);
	CHECK_INT(s.got[0], 1);
	CHECK_INT(consumer_ack(c, &e), EX_OK);
	consumer_close(c);

	s.n = 0;
	s.want = 0;
	c = open_consumer(mb, &s, "a", 0, 0);
	consumer_pump(c, &e);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.got[0], 3);
	consumer_close(c);
}

static void
test_skips_pass_and_batches(struct mailbox *mb)
{
	struct sink s = { .skip_odd = 1 };
	struct err e = { 0, "" };
	struct consumer *c = open_consumer(mb, &s, "b", 0, 2);

	CHECK_INT(consumer_pump(c, &e), 1);	/* a full batch: maybe more */
	CHECK_INT(s.n, 1);			/* seq 1 skipped, 2 taken */
	while (consumer_pump(c, &e) == 1)
		;
	CHECK_INT(s.n, 2);			/* 2 and 4 */
	CHECK_INT(consumer_ack(c, &e), EX_OK);
	consumer_close(c);
	s.n = 0;
	c = open_consumer(mb, &s, "b", 0, 0);
	CHECK_INT(consumer_pump(c, &e), 0);
	CHECK_INT(s.n, 0);			/* past the skipped 5 too */
	consumer_close(c);
}

static void
test_new_starts_at_the_end(struct mailbox *mb)
{
	struct sink s = { 0 };
	struct err e = { 0, "" };
	struct consumer *c = open_consumer(mb, &s, "late", 1, 0);

	consumer_pump(c, &e);
	CHECK_INT(s.n, 0);
	consumer_close(c);
	put(mb, 1);
	c = open_consumer(mb, &s, "late", 0, 0);
	consumer_pump(c, &e);
	CHECK_INT(s.n, 1);
	CHECK_INT(s.got[0], 6);
	consumer_close(c);
}

static void
test_one_process_per_name(struct mailbox *mb)
{
	struct sink s = { 0 };
	struct consumer *c = open_consumer(mb, &s, "busy", 0, 0);
	int status = -1;
	pid_t pid;

	if ((pid = fork()) == 0) {
		struct consumer_opts o = { "busy", 0, 0, sink, &s, NULL };
		struct consumer *c2 = NULL;
		struct err e = { 0, "" };
		int code = consumer_open(mb, lockp, &o, &c2, &e);

		_exit(code == EX_IO && c2 == NULL && strstr(e.msg, "in use by process") ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK_INT(status, 0);
	consumer_close(c);
}

static int saved_calls;
static int64_t saved_seq;

static int
save(void *arg, const char *name, int64_t seq, struct err *e)
{
	(void)e;
	if (strcmp(name, "mem") == 0 && arg != NULL) {
		saved_calls++;
		saved_seq = seq;
	}
	return EX_OK;
}

/* Rows the holder has in memory are taken only when they are the next
 * ones; the ack then goes through the owner's save, not the mailbox. */
static void
test_offer_and_save(struct mailbox *mb)
{
	struct sink s = { 0 };
	struct err e = { 0, "" };
	struct consumer_opts o = { "mem", 1, 0, sink, &s, save };
	struct consumer *c = NULL;
	struct mailbox_row rows[2] = { { .seq = 8 }, { .seq = 9 } };
	int64_t last = 0, cur = 0;

	CHECK_INT(mailbox_last_seq(mb, &last, &e), EX_OK);
	CHECK_INT(consumer_open(mb, lockp, &o, &c, &e), EX_OK);
	rows[0].seq = last + 2;
	rows[1].seq = last + 3;
	CHECK_INT(consumer_offer(c, rows, 2), 0);	/* a gap: the pump's */
	CHECK_INT(s.n, 0);
	rows[0].seq = last + 1;
	rows[1].seq = last + 2;
	CHECK_INT(consumer_offer(c, rows, 2), 2);
	CHECK_INT(s.n, 2);
	CHECK_INT(s.got[1], last + 2);
	CHECK_INT(consumer_unacked(c), 1);
	CHECK_INT(consumer_ack(c, &e), EX_OK);
	CHECK_INT(saved_calls, 1);
	CHECK_INT(saved_seq, last + 2);
	CHECK_INT(mailbox_cursor_get(mb, "mem", &cur, &e), EX_OK);
	CHECK_INT(cur, last);	/* written at open (--new), not by the ack */
	consumer_close(c);
}

/* A holder's consumer pumps no further than its writer reported. */
static void
test_limit(struct mailbox *mb)
{
	struct sink s = { 0 };
	struct err e = { 0, "" };
	struct consumer *c = open_consumer(mb, &s, "lim", 0, 0);
	int64_t last = 0;

	CHECK_INT(mailbox_last_seq(mb, &last, &e), EX_OK);
	consumer_limit(c, 3);
	CHECK_INT(consumer_pump(c, &e), 0);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.got[2], 3);
	consumer_limit(c, INT64_MAX);
	CHECK_INT(consumer_pump(c, &e), 0);
	CHECK_INT(s.n, last);
	CHECK_INT(s.got[3], 4);
	consumer_close(c);
}

int
main(void)
{
	struct mailbox *mb = NULL;
	struct err e = { 0, "" };

	if (!mkdtemp(dir))
		return 1;
	snprintf(db, sizeof db, "%s/m.db", dir);
	snprintf(lockp, sizeof lockp, "%s/m.consumer", dir);
	CHECK_INT(mailbox_open(db, &mb, &e), EX_OK);
	test_ack_moves_the_cursor(mb);
	test_skips_pass_and_batches(mb);
	test_new_starts_at_the_end(mb);
	test_one_process_per_name(mb);
	test_offer_and_save(mb);
	test_limit(mb);
	mailbox_close(mb);
	snprintf(db, sizeof db, "rm -rf %s", dir);
	if (system(db) != 0)
		return 1;
	return unit_done();
}
