/* The mailbox (lib/mailbox.c): modes, dedupe, seq, reads, cursors,
 * history queries, change polling, and files it must refuse untouched. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../lib/mailbox.h"
#include "../../lib/xalloc.h"
#include "unit.h"

static char root[] = "/tmp/chatctl-unit-XXXXXX";
static int npath;

/* A fresh database path in a directory that does not exist yet. */
static char *
fresh_path(void)
{
	return xasprintf("%s/m%d/state/chatctl/a.db", root, ++npath);
}

static struct mailbox_msg
msg(const char *id, const char *type, const char *action, const char *dtype, long peer,
    long group, int64_t time_ms)
{
	static char frames[64][128];
	static int n;
	char *f = frames[n++ % 64];
	struct mailbox_msg m;

	snprintf(f, sizeof frames[0], "{\"type\":\"%s\",\"data\":{\"id\":\"%s\",\"actionType\":\"%s\"}}",
	    type, id, action);
	m.frame = f;
	m.len = strlen(f);
	m.id = id;
	m.type = type;
	m.action = action;
	m.dtype = dtype;
	m.peer = peer;
	m.group = group;
	m.outgoing = 0;
	m.time_ms = time_ms;
	return m;
}

/* Put m in a transaction of its own; the put's result. */
static int
put1(struct mailbox *mb, struct mailbox_msg m, int64_t *seq)
{
	struct err e;
	int r;

	if (mailbox_begin(mb, &e) != EX_OK)
		return -2;
	r = mailbox_put(mb, &m, seq, &e);
	if (mailbox_commit(mb, &e) != EX_OK)
		return -3;
	return r;
}

/* What a read or query handed over: seqs and times in order. */
struct got {
	int n, stop_at;
	int64_t seq[64], time[64];
	long peer[64], group[64];
	char type[64][16];
};

static int
collect(void *arg, const struct mailbox_row *r)
{
	struct got *g = arg;

	if (g->n < 64) {
		g->seq[g->n] = r->seq;
		g->time[g->n] = r->time_ms;
		g->peer[g->n] = r->peer;
		g->group[g->n] = r->group;
		snprintf(g->type[g->n], sizeof g->type[0], "%s", r->type);
		if (r->len != strlen(r->frame))
			g->n = 1000;	/* len and frame disagree: fail every count */
	}
	g->n++;
	return g->stop_at && g->n >= g->stop_at;
}

/* The seqs a query gave, as "4 1 5". */
static const char *
seqs(const struct got *g)
{
	static char s[256];
	size_t n = 0;
	int i;

	s[0] = '\0';
	for (i = 0; i < g->n && i < 64; i++)
		n += (size_t)snprintf(s + n, sizeof s - n, "%s%lld", i ? " " : "", (long long)g->seq[i]);
	return s;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : 0;
}

static void
test_create_modes(void)
{
	char *path = fresh_path(), *p;
	struct mailbox *mb;
	struct err e;
	int64_t seq;

	umask(022);
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_STR(mailbox_path(mb), path);
	CHECK_INT(mode_of(path), 0600);
	p = xasprintf("%s/m%d", root, npath);
	CHECK_INT(mode_of(p), 0700);	/* every missing parent */
	free(p);
	p = xasprintf("%s/m%d/state/chatctl", root, npath);
	CHECK_INT(mode_of(p), 0700);
	free(p);
	CHECK_INT(put1(mb, msg("x", "singleChat", "", "text", 2, 0, 1), &seq), 1);
	p = xasprintf("%s-wal", path);
	CHECK_INT(mode_of(p), 0600);
	free(p);
	p = xasprintf("%s-shm", path);
	CHECK_INT(mode_of(p), 0600);
	free(p);
	mailbox_close(mb);

	/* Opening it again keeps what is there. */
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(mailbox_last_seq(mb, &seq, &e), EX_OK);
	CHECK_INT(seq, 1);
	mailbox_close(mb);
	free(path);
}

/* Whatever the umask, even one that takes the owner's own bits away. */
static void
test_odd_umask(void)
{
	char *path = fresh_path(), *p;
	struct mailbox *mb;
	struct err e;
	int64_t seq;

	umask(0277);
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(mode_of(path), 0600);
	CHECK_INT(put1(mb, msg("x", "singleChat", "", "text", 2, 0, 1), &seq), 1);
	p = xasprintf("%s-wal", path);
	CHECK_INT(mode_of(p), 0600);
	free(p);
	p = xasprintf("%s/m%d/state", root, npath);
	CHECK_INT(mode_of(p), 0700);
	free(p);
	mailbox_close(mb);
	umask(022);
	free(path);
}

static void
test_put_dedupe(void)
{
	char *path = fresh_path();
	struct mailbox *mb;
	struct got g = { 0 };
	struct err e;
	int64_t seq = 0, first;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(mailbox_last_seq(mb, &seq, &e), EX_OK);
	CHECK_INT(seq, 0);
	CHECK_INT(put1(mb, msg("u1", "singleChat", "", "text", 2, 0, 10), &first), 1);
	seq = -7;
	CHECK_INT(put1(mb, msg("u1", "singleChat", "", "text", 2, 0, 10), &seq), 0);
	CHECK_INT(seq, -7);	/* untouched for a duplicate */
	/* The same id as a revoke notice, or with another data.type (the Q&A
	 * reply's systemNotice copy): new. */
	CHECK_INT(put1(mb, msg("u1", "singleChat", "revoke", "text", 2, 0, 11), &seq), 1);
	CHECK_INT(seq, first + 1);
	CHECK_INT(put1(mb, msg("u1", "groupChat", "", "systemNotice", 0, 5, 12), &seq), 1);
	/* The key is data's (id, type, actionType): the frame's type is not in
	 * it. A message pushed again keeps its create_time. */
	CHECK_INT(put1(mb, msg("u1", "groupChat", "revoke", "text", 2, 0, 11), &seq), 0);
	/* No id: never a duplicate. */
	CHECK_INT(put1(mb, msg("", "systemNotice", "", "", 0, 0, 14), &seq), 1);
	CHECK_INT(put1(mb, msg("", "systemNotice", "", "", 0, 0, 14), &seq), 1);
	CHECK_INT(seq, first + 4);
	/* Several in one transaction, a duplicate among them. */
	CHECK_INT(mailbox_begin(mb, &e), EX_OK);
	CHECK_INT(mailbox_in_transaction(mb), 1);
	{
		struct mailbox_msg a = msg("u2", "singleChat", "", "text", 3, 0, 15), b = a;

		CHECK_INT(mailbox_put(mb, &a, &seq, &e), 1);
		CHECK_INT(mailbox_put(mb, &b, &seq, &e), 0);
	}
	CHECK_INT(mailbox_commit(mb, &e), EX_OK);
	CHECK_INT(mailbox_in_transaction(mb), 0);
	CHECK_INT(mailbox_read(mb, 0, 0, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 6);
	CHECK_INT(g.group[2], 5);
	CHECK_INT(g.peer[2], 0);
	CHECK_STR(g.type[2], "groupChat");
	mailbox_close(mb);
	free(path);
}

/* A frame is stored byte for byte (UTF-8, escapes, trailing blanks) and
 * comes back with its length. */
static int
check_frame(void *arg, const struct mailbox_row *r)
{
	const struct mailbox_msg *m = arg;

	CHECK_INT(r->len, m->len);
	CHECK(memcmp(r->frame, m->frame, m->len) == 0);
	CHECK_STR(r->dtype, "text");
	CHECK_INT(r->outgoing, 1);
	CHECK(r->received_ms > 1600000000000LL);
	CHECK_INT(r->time_ms, 42);
	return 0;
}

static void
test_frame_bytes(void)
{
	char *path = fresh_path();
	struct mailbox_msg m = msg("b1", "singleChat", "", "text", 2, 0, 42);
	struct mailbox *mb;
	struct err e;
	int64_t seq;

	m.frame = "{\"data\":\"\xe4\xbd\xa0\xe5\xa5\xbd\\n\"}  \n";
	m.len = strlen(m.frame);
	m.outgoing = 1;
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(put1(mb, m, &seq), 1);
	CHECK_INT(mailbox_read(mb, 0, 0, check_frame, &m, &e), EX_OK);
	mailbox_close(mb);
	free(path);
}

static void
test_seq_across_prune(void)
{
	char *path = fresh_path();
	struct mailbox *mb;
	struct err e;
	int64_t seq = 0;
	long n = -1;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(put1(mb, msg("p1", "singleChat", "", "text", 2, 0, 1), &seq), 1);
	CHECK_INT(put1(mb, msg("p2", "singleChat", "", "text", 2, 0, 2), &seq), 1);
	CHECK_INT(put1(mb, msg("p3", "singleChat", "", "text", 2, 0, 3), &seq), 1);
	CHECK_INT(seq, 3);
	CHECK_INT(mailbox_prune(mb, 1, &n, &e), EX_OK);	/* nothing that old */
	CHECK_INT(n, 0);
	CHECK_INT(mailbox_prune(mb, INT64_MAX, &n, &e), EX_OK);
	CHECK_INT(n, 3);
	CHECK_INT(put1(mb, msg("p4", "singleChat", "", "text", 2, 0, 4), &seq), 1);
	CHECK_INT(seq, 4);	/* not 1: a cursor at 3 stays meaningful */
	mailbox_close(mb);
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(mailbox_last_seq(mb, &seq, &e), EX_OK);
	CHECK_INT(seq, 4);
	/* A pruned message may come again: it is new then. */
	CHECK_INT(put1(mb, msg("p1", "singleChat", "", "text", 2, 0, 1), &seq), 1);
	CHECK_INT(seq, 5);
	/* Pruning inside a writer's transaction (the holder's prune timer
	 * between two messages of a turn) is part of it, and takes nothing
	 * of what the transaction put. */
	CHECK_INT(mailbox_begin(mb, &e), EX_OK);
	{
		struct mailbox_msg a = msg("t1", "singleChat", "", "text", 2, 0, 10);
		struct mailbox_msg b = msg("t2", "singleChat", "", "text", 2, 0, 11);
		struct got g = { 0 };

		CHECK_INT(mailbox_put(mb, &a, &seq, &e), 1);
		CHECK_INT(mailbox_prune(mb, INT64_MAX, &n, &e), EX_OK);
		CHECK_INT(n, 2);	/* p4 and p1, committed before */
		CHECK_INT(mailbox_in_transaction(mb), 1);
		CHECK_INT(mailbox_put(mb, &b, &seq, &e), 1);
		CHECK_INT(mailbox_commit(mb, &e), EX_OK);
		CHECK_INT(mailbox_read(mb, 0, 0, collect, &g, &e), EX_OK);
		CHECK_STR(seqs(&g), "6 7");
	}
	mailbox_close(mb);
	free(path);
}

static void
test_read(void)
{
	char *path = fresh_path(), id[16];
	struct mailbox *mb;
	struct got g = { 0 };
	struct err e;
	int64_t seq;
	int i;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(mailbox_begin(mb, &e), EX_OK);
	for (i = 1; i <= 10; i++) {
		struct mailbox_msg m;

		snprintf(id, sizeof id, "r%d", i);
		m = msg(id, "singleChat", "", "text", 2, 0, 100 - i);
		CHECK_INT(mailbox_put(mb, &m, &seq, &e), 1);
	}
	CHECK_INT(mailbox_commit(mb, &e), EX_OK);
	/* In seq order, whatever the times. */
	CHECK_INT(mailbox_read(mb, 0, 0, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 10);
	CHECK_INT(g.seq[0], 1);
	CHECK_INT(g.seq[9], 10);
	memset(&g, 0, sizeof g);
	CHECK_INT(mailbox_read(mb, 4, 3, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 3);
	CHECK_INT(g.seq[0], 5);
	CHECK_INT(g.seq[2], 7);
	memset(&g, 0, sizeof g);
	CHECK_INT(mailbox_read(mb, 10, 0, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 0);
	/* Stopping early is not an error, and the next read starts afresh. */
	memset(&g, 0, sizeof g);
	g.stop_at = 2;
	CHECK_INT(mailbox_read(mb, 0, 0, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 2);
	memset(&g, 0, sizeof g);
	CHECK_INT(mailbox_read(mb, 8, 0, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.seq[0], 9);
	mailbox_close(mb);
	free(path);
}

static void
test_cursor_rollback(void)
{
	char *path = fresh_path();
	struct mailbox *mb;
	struct got g = { 0 };
	struct err e;
	int64_t seq;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(mailbox_cursor_get(mb, "default", &seq, &e), EX_OK);
	CHECK_INT(seq, -1);
	CHECK_INT(mailbox_cursor_set(mb, "default", 5, &e), EX_OK);
	CHECK_INT(mailbox_cursor_set(mb, "bot", 0, &e), EX_OK);
	CHECK_INT(mailbox_cursor_get(mb, "default", &seq, &e), EX_OK);
	CHECK_INT(seq, 5);
	CHECK_INT(mailbox_cursor_set(mb, "default", 7, &e), EX_OK);
	CHECK_INT(mailbox_cursor_get(mb, "default", &seq, &e), EX_OK);
	CHECK_INT(seq, 7);
	CHECK_INT(mailbox_cursor_get(mb, "bot", &seq, &e), EX_OK);
	CHECK_INT(seq, 0);

	/* Rollback forgets rows and cursor moves alike. */
	CHECK_INT(mailbox_begin(mb, &e), EX_OK);
	{
		struct mailbox_msg m = msg("rb", "singleChat", "", "text", 2, 0, 1);

		CHECK_INT(mailbox_put(mb, &m, &seq, &e), 1);
	}
	CHECK_INT(mailbox_cursor_set(mb, "default", 9, &e), EX_OK);
	mailbox_rollback(mb);
	CHECK_INT(mailbox_in_transaction(mb), 0);
	mailbox_rollback(mb);	/* harmless outside a transaction */
	CHECK_INT(mailbox_cursor_get(mb, "default", &seq, &e), EX_OK);
	CHECK_INT(seq, 7);
	CHECK_INT(mailbox_read(mb, 0, 0, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 0);
	/* The key is free again, but the seq is not reused... unless nothing
	 * was ever committed: AUTOINCREMENT rolls back with the row. */
	CHECK_INT(put1(mb, msg("rb", "singleChat", "", "text", 2, 0, 1), &seq), 1);
	CHECK_INT(seq, 1);
	/* A transaction inside a transaction is an error, not a crash. */
	CHECK_INT(mailbox_begin(mb, &e), EX_OK);
	CHECK_INT(mailbox_begin(mb, &e), EX_IO);
	CHECK(strstr(e.msg, path) != NULL);
	mailbox_rollback(mb);
	mailbox_close(mb);
	free(path);
}

static int
query(struct mailbox *mb, struct mailbox_query q, struct got *g)
{
	struct err e;

	memset(g, 0, sizeof *g);
	return mailbox_query(mb, &q, collect, g, &e);
}


static void
test_query(void)
{
	static const char *const image[] = { "image" }, *const types[] = { "groupChat", "systemNotice" },
	    *const text[] = { "text" }, *const evil[] = { "x' OR 1=1 --" };
	char *path = fresh_path();
	struct mailbox *mb;
	struct got g;
	struct err e;
	int64_t seq;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	put1(mb, msg("q1", "singleChat", "", "text", 2, 0, 100), &seq);
	put1(mb, msg("q2", "singleChat", "", "image", 3, 0, 200), &seq);
	put1(mb, msg("q3", "groupChat", "", "text", 0, 5, 150), &seq);
	put1(mb, msg("q4", "singleChat", "", "text", 2, 0, 50), &seq);
	put1(mb, msg("q1", "singleChat", "revoke", "text", 2, 0, 300), &seq);
	put1(mb, msg("", "systemNotice", "", "", 0, 0, 250), &seq);
	put1(mb, msg("q7", "singleChat", "", "text", 3, 0, 200), &seq);
	CHECK_INT(seq, 7);

	CHECK_INT(query(mb, (struct mailbox_query){ 0 }, &g), EX_OK);
	CHECK_STR(seqs(&g), "4 1 3 2 7 6 5");	/* by time, then seq */
	query(mb, (struct mailbox_query){ .with = 2 }, &g);
	CHECK_STR(seqs(&g), "4 1 5");
	query(mb, (struct mailbox_query){ .with = 2, .limit = 2 }, &g);
	CHECK_STR(seqs(&g), "1 5");	/* the newest two, oldest first */
	query(mb, (struct mailbox_query){ .limit = 3 }, &g);
	CHECK_STR(seqs(&g), "7 6 5");
	query(mb, (struct mailbox_query){ .with = 3 }, &g);
	CHECK_STR(seqs(&g), "2 7");
	query(mb, (struct mailbox_query){ .group = 5 }, &g);
	CHECK_STR(seqs(&g), "3");
	query(mb, (struct mailbox_query){ .since_ms = 100, .until_ms = 250 }, &g);
	CHECK_STR(seqs(&g), "1 3 2 7");
	query(mb, (struct mailbox_query){ .since_ms = 250 }, &g);
	CHECK_STR(seqs(&g), "6 5");
	query(mb, (struct mailbox_query){ .until_ms = 100 }, &g);
	CHECK_STR(seqs(&g), "4");
	query(mb, (struct mailbox_query){ .types = image, .ntypes = 1 }, &g);
	CHECK_STR(seqs(&g), "2");
	query(mb, (struct mailbox_query){ .types = types, .ntypes = 2 }, &g);
	CHECK_STR(seqs(&g), "3 6");
	query(mb, (struct mailbox_query){ .types = text, .ntypes = 1, .with = 2, .since_ms = 60 }, &g);
	CHECK_STR(seqs(&g), "1 5");
	query(mb, (struct mailbox_query){ .with = 2, .group = 5 }, &g);
	CHECK_INT(g.n, 0);
	CHECK_INT(query(mb, (struct mailbox_query){ .types = evil, .ntypes = 1 }, &g), EX_OK);
	CHECK_INT(g.n, 0);
	/* Stopping early. */
	memset(&g, 0, sizeof g);
	g.stop_at = 1;
	CHECK_INT(mailbox_query(mb, &(struct mailbox_query){ 0 }, collect, &g, &e), EX_OK);
	CHECK_STR(seqs(&g), "4");
	mailbox_close(mb);
	free(path);
}

/* A follower sees the holder's commits through mailbox_changed(), and
 * not its own. */
static void
test_changed(void)
{
	char *path = fresh_path();
	struct mailbox *a, *b;
	struct got g = { 0 };
	struct err e;
	int64_t seq;

	CHECK_INT(mailbox_open(path, &a, &e), EX_OK);
	CHECK_INT(mailbox_open(path, &b, &e), EX_OK);
	CHECK_INT(mailbox_changed(b, &e), 0);
	CHECK_INT(put1(a, msg("c1", "singleChat", "", "text", 2, 0, 1), &seq), 1);
	CHECK_INT(mailbox_changed(b, &e), 1);
	CHECK_INT(mailbox_changed(b, &e), 0);
	CHECK_INT(mailbox_read(b, 0, 0, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 1);
	CHECK_INT(mailbox_cursor_set(b, "default", 1, &e), EX_OK);
	CHECK_INT(mailbox_changed(b, &e), 0);
	CHECK_INT(mailbox_changed(a, &e), 1);
	/* Uncommitted rows are nobody else's business. */
	CHECK_INT(mailbox_begin(a, &e), EX_OK);
	{
		struct mailbox_msg m = msg("c2", "singleChat", "", "text", 2, 0, 1);

		CHECK_INT(mailbox_put(a, &m, &seq, &e), 1);
	}
	CHECK_INT(mailbox_changed(b, &e), 0);
	memset(&g, 0, sizeof g);
	CHECK_INT(mailbox_read(b, 1, 0, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 0);
	/* Once committed, the same message from the other connection is a
	 * duplicate: the key is the database's, not a connection's. */
	CHECK_INT(mailbox_commit(a, &e), EX_OK);
	CHECK_INT(put1(b, msg("c2", "singleChat", "", "text", 2, 0, 1), &seq), 0);
	mailbox_close(a);
	mailbox_close(b);
	free(path);
}

/* The whole file, to prove a refused one was not touched. */
static char *
slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *p = xmalloc(1 << 20);

	*n = fp ? fread(p, 1, 1 << 20, fp) : 0;
	if (fp)
		fclose(fp);
	return p;
}

static void
write_bytes(const char *path, const char *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	fwrite(p, 1, n, fp);
	fclose(fp);
}

/* Open must fail with EX_IO saying want, and leave the file as it was. */
static void
check_refused(const char *path, const char *want)
{
	size_t n0, n1;
	char *before = slurp(path, &n0), *after, *side;
	struct mailbox *mb = (struct mailbox *)1;
	struct err e;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_IO);
	CHECK(mb == NULL);
	if (strcmp(e.msg, want) != 0)
		fprintf(stderr, "got \"%s\"\nwant \"%s\"\n", e.msg, want);
	CHECK(strcmp(e.msg, want) == 0);
	after = slurp(path, &n1);
	CHECK_INT(n1, n0);
	CHECK(memcmp(before, after, n0) == 0);
	side = xasprintf("%s-wal", path);
	CHECK(access(side, F_OK) != 0);
	free(side);
	free(before);
	free(after);
}

static void
test_refuse_garbage(void)
{
	char *path = fresh_path(), *want, *big = xmalloc(8192);
	struct mailbox *mb;
	struct err e;
	size_t i;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);	/* makes the directories */
	mailbox_close(mb);
	want = xasprintf("%s: file is not a database", path);
	for (i = 0; i < 8192; i++)
		big[i] = "not a database\n"[i % 15];
	write_bytes(path, big, 8192);
	check_refused(path, want);
	write_bytes(path, "hello\n", 6);
	check_refused(path, want);
	/* A header that looks right over pages that do not. */
	memcpy(big, "SQLite format 3", 16);
	write_bytes(path, big, 8192);
	CHECK_INT(mailbox_open(path, &mb, &e), EX_IO);
	CHECK(strncmp(e.msg, path, strlen(path)) == 0);
	free(want);
	free(big);
	free(path);
}

static void
sql(const char *path, const char *text)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, text, NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* A schema 1 mailbox, as chatctl 0.1's first mailbox wrote it: a row per
 * message. Rows 1-2 and 6-7 were pruned (AUTOINCREMENT remembers 7). */
static const char schema1[] =
    "CREATE TABLE message (seq INTEGER PRIMARY KEY AUTOINCREMENT, received_ms INTEGER NOT NULL,"
    " time_ms INTEGER NOT NULL, id TEXT, type TEXT NOT NULL, action TEXT NOT NULL,"
    " dtype TEXT NOT NULL, peer INTEGER, grp INTEGER, outgoing INTEGER NOT NULL,"
    " frame TEXT NOT NULL, dedupe INTEGER, ctime INTEGER NOT NULL);"
    "CREATE INDEX message_dedupe ON message (ctime, dedupe) WHERE dedupe IS NOT NULL;"
    "CREATE TRIGGER message_once BEFORE INSERT ON message"
    " WHEN NEW.dedupe IS NOT NULL AND EXISTS (SELECT 1 FROM message WHERE ctime = NEW.ctime"
    " AND dedupe = NEW.dedupe AND id = NEW.id AND dtype = NEW.dtype AND action = NEW.action)"
    " BEGIN SELECT RAISE(IGNORE); END;"
    "CREATE INDEX message_peer ON message (peer, time_ms) WHERE peer IS NOT NULL;"
    "CREATE INDEX message_grp ON message (grp, time_ms) WHERE grp IS NOT NULL;"
    "CREATE INDEX message_time ON message (time_ms);"
    "CREATE TABLE cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);"
    "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, created_ms INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'unknown')),"
    " to_id INTEGER, grp INTEGER, body TEXT NOT NULL, reason TEXT);"
    "PRAGMA user_version = 1;"
    "INSERT INTO message VALUES (3, 1000, 500, 'a1', 'singleChat', '', 'text', 2, NULL, 0,"
    " '{\"type\":\"singleChat\",\"data\":{\"id\":\"a1\"}}', 1, 500);"
    "INSERT INTO message VALUES (4, 1000, 400, 'a2', 'groupChat', '', 'image', NULL, 9, 0,"
    " '{\"type\":\"groupChat\",\"data\":{\"id\":\"a2\",\"text\":\"\xe4\xbd\xa0\"}}', 2, 400);"
    "INSERT INTO message VALUES (5, 90000, 90000, NULL, 'systemNotice', '', '', NULL, NULL, 1,"
    " '{\"type\":\"systemNotice\"}', NULL, 0);"
    "UPDATE sqlite_sequence SET seq = 7 WHERE name = 'message';"
    "INSERT INTO cursor VALUES ('default', 4);";

static void
test_upgrade(void)
{
	char *path = fresh_path();
	struct mailbox *mb;
	struct got g = { 0 };
	struct err e;
	int64_t seq = 0;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);	/* makes the directories */
	mailbox_close(mb);
	unlink(path);
	sql(path, schema1);
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(mailbox_read(mb, 0, 0, collect, &g, &e), EX_OK);
	CHECK_STR(seqs(&g), "3 4 5");
	CHECK_INT(g.time[0], 500);
	CHECK_INT(g.time[2], 90000);	/* no create_time: when it was received */
	CHECK_INT(g.peer[0], 2);
	CHECK_INT(g.group[1], 9);
	CHECK_STR(g.type[1], "groupChat");
	CHECK_INT(mailbox_last_seq(mb, &seq, &e), EX_OK);
	CHECK_INT(seq, 7);
	CHECK_INT(mailbox_cursor_get(mb, "default", &seq, &e), EX_OK);
	CHECK_INT(seq, 4);
	/* Upgraded messages are still known: pushed again, they are not new. */
	CHECK_INT(put1(mb, msg("a2", "groupChat", "", "image", 0, 9, 400), &seq), 0);
	CHECK_INT(put1(mb, msg("a1", "singleChat", "", "text", 2, 0, 500), &seq), 0);
	CHECK_INT(put1(mb, msg("a3", "singleChat", "", "text", 2, 0, 600), &seq), 1);
	CHECK_INT(seq, 8);
	query(mb, (struct mailbox_query){ .group = 9 }, &g);
	CHECK_STR(seqs(&g), "4");
	mailbox_close(mb);
	/* Once is enough: the next open finds schema 2. */
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	memset(&g, 0, sizeof g);
	CHECK_INT(mailbox_read(mb, 4, 0, collect, &g, &e), EX_OK);
	CHECK_STR(seqs(&g), "5 8");
	mailbox_close(mb);
	free(path);
}

/* Put n messages d0, d1, ... with create_times from t, in transactions of
 * batch; the number stored. */
static long
put_many(struct mailbox *mb, const char *prefix, long first, long n, int64_t t, long batch)
{
	struct err e;
	char id[32];
	long i, stored = 0;
	int64_t seq;

	for (i = first; i < first + n; i++) {
		struct mailbox_msg m;

		if ((i - first) % batch == 0 && mailbox_begin(mb, &e) != EX_OK)
			return -1;
		snprintf(id, sizeof id, "%s%ld", prefix, i);
		m = msg(id, "singleChat", "", "text", 2, 0, t + i / 4);
		stored += mailbox_put(mb, &m, &seq, &e) == 1;
		if (((i - first) % batch == batch - 1 || i == first + n - 1) && mailbox_commit(mb, &e) != EX_OK)
			return -1;
	}
	return stored;
}

/* Dedupe is exact however far back the first copy is: in the batch being
 * filled, in memory, beyond the keys kept in memory, after a reopen, and
 * when another connection stored it. */
static void
test_dedupe_deep(void)
{
	char *path = fresh_path();
	struct mailbox *mb, *other;
	struct err e;
	int64_t seq, last;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(put_many(mb, "d", 0, 40000, 1000000, 1000), 40000);
	CHECK_INT(put_many(mb, "d", 0, 40000, 1000000, 1000), 0);	/* all of them again */
	CHECK_INT(put_many(mb, "d", 39990, 20, 1000000, 7), 10);	/* the last ten are new */
	CHECK_INT(mailbox_last_seq(mb, &last, &e), EX_OK);
	CHECK_INT(last, 40010);
	/* The same id with another create_time is another message. */
	CHECK_INT(put1(mb, msg("d5", "singleChat", "", "text", 2, 0, 1000000 + 2), &seq), 1);
	CHECK_INT(put1(mb, msg("d5", "singleChat", "", "text", 2, 0, 1000000 + 1), &seq), 0);
	mailbox_close(mb);
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(put1(mb, msg("d40009", "singleChat", "", "text", 2, 0, 1000000 + 40009 / 4), &seq), 0);
	CHECK_INT(put1(mb, msg("d7", "singleChat", "", "text", 2, 0, 1000000 + 7 / 4), &seq), 0);
	/* Another writer's messages are known too, whichever way. */
	CHECK_INT(mailbox_open(path, &other, &e), EX_OK);
	CHECK_INT(put1(other, msg("o1", "singleChat", "", "text", 2, 0, 5000000), &seq), 1);
	CHECK_INT(put1(mb, msg("o1", "singleChat", "", "text", 2, 0, 5000000), &seq), 0);
	CHECK_INT(put1(mb, msg("o2", "singleChat", "", "text", 2, 0, 5000001), &seq), 1);
	CHECK_INT(put1(other, msg("o2", "singleChat", "", "text", 2, 0, 5000001), &seq), 0);
	mailbox_close(other);
	/* A rolled back message was never stored. */
	CHECK_INT(mailbox_begin(mb, &e), EX_OK);
	{
		struct mailbox_msg m = msg("r1", "singleChat", "", "text", 2, 0, 6000000);

		CHECK_INT(mailbox_put(mb, &m, &seq, &e), 1);
		mailbox_rollback(mb);
		CHECK_INT(put1(mb, m, &seq), 1);
		CHECK_INT(put1(mb, m, &seq), 0);
	}
	mailbox_close(mb);
	free(path);
}

/* A transaction's messages are split into batches (by size, and by the
 * span of their create_times), and read back whole, in order, from any
 * point. */
static void
test_batches(void)
{
	char *path = fresh_path(), *big = xmalloc(300001), id[16];
	struct mailbox *mb;
	struct got g = { 0 };
	struct err e;
	int64_t seq;
	int i;

	memset(big, 'x', 300000);
	memcpy(big, "{\"a\":\"", 6);
	memcpy(big + 299998, "\"}", 3);
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(mailbox_begin(mb, &e), EX_OK);
	for (i = 1; i <= 3000; i++) {
		struct mailbox_msg m;

		snprintf(id, sizeof id, "b%d", i);
		/* create_times jump back and forth over more than a batch spans */
		m = msg(id, "singleChat", "", "text", 2 + i % 3, 0, (i % 2 ? 10000000 : 20000000) + i);
		if (i % 500 == 0) {
			m.frame = big;
			m.len = 300000;
		}
		CHECK_INT(mailbox_put(mb, &m, &seq, &e), 1);
	}
	CHECK_INT(mailbox_commit(mb, &e), EX_OK);
	CHECK_INT(mailbox_read(mb, 0, 0, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 3000);
	CHECK_INT(g.seq[63], 64);
	memset(&g, 0, sizeof g);
	CHECK_INT(mailbox_read(mb, 2998, 0, collect, &g, &e), EX_OK);
	CHECK_STR(seqs(&g), "2999 3000");
	memset(&g, 0, sizeof g);
	CHECK_INT(mailbox_read(mb, 1500, 3, collect, &g, &e), EX_OK);
	CHECK_STR(seqs(&g), "1501 1502 1503");
	query(mb, (struct mailbox_query){ .with = 4, .limit = 2 }, &g);
	CHECK_STR(seqs(&g), "2990 2996");	/* the newest two of peer 4: odd i are older */
	CHECK_INT(put1(mb, msg("b2999", "singleChat", "", "text", 4, 0, 10000000 + 2999), &seq), 0);
	/* A frame larger than a batch is meant to hold gets one of its own. */
	{
		struct mailbox_msg m = msg("huge", "singleChat", "", "text", 2, 0, 30000000);
		char *huge = xmalloc(3 << 20);

		memset(huge, 'y', 3 << 20);
		memcpy(huge, "{\"a\":\"", 6);
		memcpy(huge + (3 << 20) - 3, "\"}", 3);
		m.frame = huge;
		m.len = (3 << 20) - 1;
		CHECK_INT(put1(mb, m, &seq), 1);
		memset(&g, 0, sizeof g);
		CHECK_INT(mailbox_read(mb, seq - 1, 0, collect, &g, &e), EX_OK);
		CHECK_INT(g.n, 1);
		free(huge);
	}
	mailbox_close(mb);
	free(big);
	free(path);
}

static off_t
size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* With checkpoints in their own thread the WAL still starts over: woken
 * at 64 pages (1 MiB), after 110 MB of messages it is a fraction of that,
 * the database holds the rest, and every message reads back. */
static void
test_checkpoint_behind(void)
{
	char *path = fresh_path(), *wal, *frame = xmalloc(1025), id[32];
	struct mailbox *mb;
	struct got g = { 0 };
	struct err e;
	int64_t seq;
	long i;

	memset(frame, 'x', 1024);
	memcpy(frame, "{\"a\":\"", 6);
	memcpy(frame + 1022, "\"}", 3);
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	mailbox_checkpoint_behind(mb, 64);
	for (i = 0; i < 100000; i++) {
		struct mailbox_msg m;

		if (i % 500 == 0)
			CHECK_INT(mailbox_begin(mb, &e), EX_OK);
		snprintf(id, sizeof id, "c%ld", i);
		m = msg(id, "singleChat", "", "text", 2, 0, 1000000 + i);
		m.frame = frame;
		m.len = 1024;
		CHECK_INT(mailbox_put(mb, &m, &seq, &e), 1);
		if (i % 500 == 499)
			CHECK_INT(mailbox_commit(mb, &e), EX_OK);
	}
	wal = xasprintf("%s-wal", path);
	CHECK(size_of(wal) < 50L * 1024 * 1024);	/* seen: 15 MB; 110 MB with no restart */
	CHECK(size_of(path) > 90L * 1024 * 1024);
	g.stop_at = 100000;
	CHECK_INT(mailbox_read(mb, 0, 0, collect, &g, &e), EX_OK);
	CHECK_INT(g.n, 100000);
	mailbox_close(mb);
	CHECK(size_of(wal) <= 0);	/* the last close copied it all */
	free(wal);
	free(frame);
	free(path);
}

static void
test_refuse_newer_and_foreign(void)
{
	char *path = fresh_path(), *want;
	struct mailbox *mb;
	struct err e;
	int64_t seq;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(put1(mb, msg("n1", "singleChat", "", "text", 2, 0, 1), &seq), 1);
	mailbox_close(mb);
	sql(path, "PRAGMA user_version = 3");
	want = xasprintf("%s: written by a newer chatctl (schema 3; this one reads up to 2)", path);
	check_refused(path, want);
	free(want);
	sql(path, "PRAGMA user_version = 2");
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	mailbox_close(mb);
	free(path);

	/* Some other program's database is not ours to add tables to. */
	path = fresh_path();
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	mailbox_close(mb);
	unlink(path);
	sql(path, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep me')");
	want = xasprintf("%s: not a chatctl mailbox (an SQLite database of something else)", path);
	check_refused(path, want);
	free(want);
	free(path);

	/* A directory in the way is EX_IO too. */
	path = xasprintf("%s/m%d/state/chatctl/a.db/x.db", root, npath);
	CHECK_INT(mailbox_open(path, &mb, &e), EX_IO);
	free(path);
}

/* Page reads of main databases, counted by a VFS over the default one:
 * what a query plan costs, whatever the machine's speed. */
static sqlite3_vfs counting_vfs, *real_vfs;
static const sqlite3_io_methods *real_io;
static sqlite3_io_methods counting_io;
static long db_reads;

static int
counting_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	db_reads++;
	return real_io->xRead(f, buf, n, off);
}

static int
counting_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out)
{
	int rc = real_vfs->xOpen(real_vfs, name, f, flags, out);

	(void)vfs;
	if (rc == SQLITE_OK && (flags & SQLITE_OPEN_MAIN_DB) && f->pMethods != NULL) {
		if (real_io == NULL) {
			real_io = f->pMethods;
			counting_io = *real_io;
			counting_io.xRead = counting_read;
		}
		if (f->pMethods == real_io)	/* else: not counted, and the test says so */
			f->pMethods = &counting_io;
	}
	return rc;
}

static void
counting_install(void)
{
	if (real_vfs != NULL)
		return;
	real_vfs = sqlite3_vfs_find(NULL);
	counting_vfs = *real_vfs;
	counting_vfs.zName = "counting";
	counting_vfs.xOpen = counting_open;
	sqlite3_vfs_register(&counting_vfs, 1);
}

/* The first put after an open asks for the newest create_time stored:
 * from the index, not by reading every batch (it did: a full scan at
 * every send's first put and every holder's start, 277 pages here). */
static void
test_first_put_reads_little(void)
{
	char *path = fresh_path(), id[16], frame[1024];
	struct mailbox *mb;
	struct err e;
	int64_t seq;
	int i;

	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	CHECK_INT(mailbox_begin(mb, &e), EX_OK);
	for (i = 1; i <= 4000; i++) {
		struct mailbox_msg m;

		snprintf(id, sizeof id, "r%d", i);
		/* 2 s apart: a batch each */
		m = msg(id, "singleChat", "", "text", 2, 0, 10000000 + 2000 * (int64_t)i);
		snprintf(frame, sizeof frame, "{\"type\":\"singleChat\",\"pad\":\"%0900d\"}", i);
		m.frame = frame;
		m.len = strlen(frame);
		CHECK_INT(mailbox_put(mb, &m, &seq, &e), 1);
	}
	CHECK_INT(mailbox_commit(mb, &e), EX_OK);
	mailbox_close(mb);	/* checkpointed: what follows reads the database file */

	counting_install();
	db_reads = 0;
	CHECK_INT(mailbox_open(path, &mb, &e), EX_OK);
	mailbox_lazy_close(mb);
	CHECK_INT(put1(mb, msg("new", "singleChat", "", "text", 2, 0, 10000000 + 2000 * 4001), &seq), 1);
	CHECK_INT(put1(mb, msg("r7", "singleChat", "", "text", 2, 0, 10000000 + 2000 * 7), &seq), 0);
	mailbox_close(mb);
	CHECK(real_io != NULL && db_reads > 0);	/* the count works */
	CHECK(db_reads < 20);	/* a scan reads some 250 pages */
	if (db_reads >= 20)
		fprintf(stderr, "first puts after an open read %ld pages\n", db_reads);
	free(path);
}

int
main(void)
{
	char *cmd;

	if (mkdtemp(root) == NULL)
		return 1;
	test_create_modes();
	test_odd_umask();
	test_put_dedupe();
	test_frame_bytes();
	test_seq_across_prune();
	test_read();
	test_cursor_rollback();
	test_query();
	test_changed();
	test_refuse_garbage();
	test_refuse_newer_and_foreign();
	test_upgrade();
	test_dedupe_deep();
	test_batches();
	test_checkpoint_behind();
	test_first_put_reads_little();
	cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	free(cmd);
	return unit_done();
}
