#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cred.h"
#include "mailbox.h"
#include "xalloc.h"

/* The schema this code writes and the newest it reads (PRAGMA
 * user_version); a later chatctl that changes it bumps it. */
#define MAILBOX_SCHEMA 1

/* Schema 1.
 * A message is stored once: the trigger message_once drops a row whose
 * (id, dtype, action) is already there, byte for byte (RAISE(IGNORE):
 * the INSERT then changes nothing). It finds the candidates through the
 * index on (ctime, dedupe): ctime is the message's own create_time (0 when
 * it has none), which a message pushed again keeps (api §4.6, offline
 * delivery), and dedupe a 64-bit hash of the key (mailbox_key(), part of
 * this schema: changing it needs a new user_version), so a collision costs
 * one more comparison and never drops a distinct message. Why not UNIQUE
 * (id, dtype, action): ids are random UUIDs, so every insert into an index
 * led by the id dirties a random leaf page, and each commit writes all of
 * them to the WAL: 56k rows/s with UNIQUE, 84k with an index on the hash
 * alone (tests/bench/mailbox-put, 1M rows, transactions of 1000). Led by
 * create_time, which grows, the index takes its inserts at its end like
 * the table itself. A message pushed again with another create_time would
 * be stored twice (printed twice, never lost); none is known to.
 * A frame without an id has id and dedupe NULL: never a duplicate.
 * peer and grp are NULL for "none", which keeps single chats out of the
 * group index and the other way round (the partial indices still serve
 * "peer = ?"). The outbox is created now for a later chatctl, so that
 * adding it needs no schema change. */
static const char mailbox_schema[] =
    "CREATE TABLE message ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " received_ms INTEGER NOT NULL,"
    " time_ms INTEGER NOT NULL,"
    " id TEXT,"
    " type TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " dtype TEXT NOT NULL,"
    " peer INTEGER,"
    " grp INTEGER,"
    " outgoing INTEGER NOT NULL,"
    " frame TEXT NOT NULL,"
    " dedupe INTEGER,"
    " ctime INTEGER NOT NULL);"
    "CREATE INDEX message_dedupe ON message (ctime, dedupe) WHERE dedupe IS NOT NULL;"
    "CREATE TRIGGER message_once BEFORE INSERT ON message"
    " WHEN NEW.dedupe IS NOT NULL AND EXISTS (SELECT 1 FROM message WHERE ctime = NEW.ctime"
    " AND dedupe = NEW.dedupe AND id = NEW.id AND dtype = NEW.dtype AND action = NEW.action)"
    " BEGIN SELECT RAISE(IGNORE); END;"
    "CREATE INDEX message_peer ON message (peer, time_ms) WHERE peer IS NOT NULL;"
    "CREATE INDEX message_grp ON message (grp, time_ms) WHERE grp IS NOT NULL;"
    "CREATE INDEX message_time ON message (time_ms);"
    "CREATE TABLE cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);"
    "CREATE TABLE outbox ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " created_ms INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'unknown')),"
    " to_id INTEGER,"
    " grp INTEGER,"
    " body TEXT NOT NULL,"
    " reason TEXT);"
    "PRAGMA user_version = 1;";

#define MAILBOX_COLUMNS "seq, received_ms, time_ms, frame, type, dtype, peer, grp, outgoing"

/* The statements every loop turn runs, prepared once. */
enum {
	MB_PUT, MB_READ, MB_CURSOR_GET, MB_CURSOR_SET, MB_VERSION, MB_LAST,
	MB_BEGIN, MB_COMMIT, MB_ROLLBACK, MB_NSTMT
};

static const char *const mailbox_sql[MB_NSTMT] = {
	[MB_PUT] = "INSERT INTO message (received_ms, time_ms, id, type, action, dtype,"
	    " peer, grp, outgoing, frame, dedupe, ctime) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[MB_READ] = "SELECT " MAILBOX_COLUMNS " FROM message WHERE seq > ? ORDER BY seq LIMIT ?",
	[MB_CURSOR_GET] = "SELECT seq FROM cursor WHERE name = ?",
	[MB_CURSOR_SET] = "INSERT INTO cursor (name, seq) VALUES (?, ?)"
	    " ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
	[MB_VERSION] = "PRAGMA data_version",
	[MB_LAST] = "SELECT seq FROM sqlite_sequence WHERE name = 'message'",
	[MB_BEGIN] = "BEGIN IMMEDIATE",
	[MB_COMMIT] = "COMMIT",
	[MB_ROLLBACK] = "ROLLBACK",
};

struct mailbox {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[MB_NSTMT];
	int64_t data_version;
	int lazy;		/* mailbox_lazy_close() */
};

/* Every failure is EX_IO naming the file. A full disk is said plainly:
 * sqlite's "database or disk is full" sounds like a limit of ours. */
static int
mailbox_fail(struct mailbox *mb, int rc, struct err *e)
{
	if ((rc & 0xff) == SQLITE_FULL)
		return err_set(e, EX_IO, "%s: disk full", mb->path);
	return err_set(e, EX_IO, "%s: %s", mb->path, sqlite3_errmsg(mb->db));
}

/* Run a statement that returns no rows (or whose rows do not matter). */
static int
mailbox_step(struct mailbox *mb, sqlite3_stmt *st, struct err *e)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? EX_OK : mailbox_fail(mb, rc, e);
}

static int
mailbox_exec(struct mailbox *mb, const char *sql, struct err *e)
{
	int rc = sqlite3_exec(mb->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? EX_OK : mailbox_fail(mb, rc, e);
}

/* One integer from a one-row query; *v untouched when there is no row. */
static int
mailbox_int(struct mailbox *mb, sqlite3_stmt *st, int64_t *v, struct err *e)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? EX_OK : mailbox_fail(mb, rc, e);
}

int64_t
mailbox_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Create the file ourselves, so that it is 0600 whatever the umask;
 * SQLite then gives its -wal and -shm files the same mode. An existing
 * file is left as it is: never recreated, never truncated. */
static int
mailbox_create_file(const char *path, struct err *e)
{
	char *dirbuf = xstrdup(path);
	int code = cred_make_dirs(dirname(dirbuf), e), fd;

	free(dirbuf);
	if (code != EX_OK)
		return code;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno == EEXIST ? EX_OK :
		    err_set(e, EX_IO, "cannot create '%s': %s", path, strerror(errno));
	if (fchmod(fd, 0600) != 0) {
		code = err_set(e, EX_IO, "cannot create '%s': %s", path, strerror(errno));
		close(fd);
		unlink(path);	/* ours: O_EXCL made it */
		return code;
	}
	/* Closed before SQLite opens the file: closing any fd of a file drops
	 * the process's fcntl locks on it, SQLite's included. */
	close(fd);
	return EX_OK;
}

/* Read the header for real (a file that is not a database fails here, at
 * open, not at the first put): the schema version, and whether the file
 * holds any table at all (version 0 with tables is someone else's
 * database, which we must not add ours to). */
static int
mailbox_probe(struct mailbox *mb, int64_t *version, int64_t *tables, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(mb->db, "SELECT (SELECT user_version FROM pragma_user_version),"
	    " (SELECT count(*) FROM sqlite_schema)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return mailbox_fail(mb, rc, e);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		mailbox_fail(mb, rc, e);	/* before finalize, which may reset the message */
		sqlite3_finalize(st);
		return EX_IO;
	}
	*version = sqlite3_column_int64(st, 0);
	*tables = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (*version > MAILBOX_SCHEMA)
		return err_set(e, EX_IO, "%s: written by a newer chatctl (schema %lld; this one reads up to %d)",
		    mb->path, (long long)*version, MAILBOX_SCHEMA);
	if (*version == 0 && *tables > 0)
		return err_set(e, EX_IO, "%s: not a chatctl mailbox (an SQLite database of something else)",
		    mb->path);
	return EX_OK;
}

/* The schema in one transaction, unless another process made it since
 * we looked (BEGIN IMMEDIATE makes us wait for it). */
static int
mailbox_create_schema(struct mailbox *mb, struct err *e)
{
	int64_t version = 0, tables = 0;
	int code;

	if ((code = mailbox_exec(mb, "BEGIN IMMEDIATE", e)) != EX_OK)
		return code;
	if ((code = mailbox_probe(mb, &version, &tables, e)) == EX_OK && version == 0)
		code = mailbox_exec(mb, mailbox_schema, e);
	if (code == EX_OK)
		code = mailbox_exec(mb, "COMMIT", e);
	if (code != EX_OK && !sqlite3_get_autocommit(mb->db))
		sqlite3_exec(mb->db, "ROLLBACK", NULL, NULL, NULL);
	return code;
}

/* A checkpoint (copy the WAL into the database, fsync) runs inside the
 * commit that fills the WAL to this many pages. The default, 1000 pages,
 * is less than one holder's commit of 1000 random keys dirties, so every
 * commit would checkpoint; 16384 pages (64 MiB) lets a page written by
 * many commits be copied once: about 80k rows/s instead of 49k (1M
 * rows; 65536 pages gave 98k, for a WAL of 256 MiB).
 * journal_size_limit gives the disk back when the WAL is reset. */
#define MAILBOX_CHECKPOINT "PRAGMA wal_autocheckpoint = 16384; PRAGMA journal_size_limit = 67108864;"

/* WAL, so that followers read while the holder writes; NORMAL, because
 * in WAL mode a crash then loses at most the last commits, never the
 * database, and the holder commits every loop turn. */
static int
mailbox_configure(struct mailbox *mb, int fresh, struct err *e)
{
	sqlite3_stmt *st;
	int rc, wal = 0, code;

	if (fresh && (code = mailbox_exec(mb, "PRAGMA page_size = 4096", e)) != EX_OK)
		return code;
	if ((rc = sqlite3_prepare_v2(mb->db, "PRAGMA journal_mode = WAL", -1, &st, NULL)) != SQLITE_OK)
		return mailbox_fail(mb, rc, e);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		mailbox_fail(mb, rc, e);
		sqlite3_finalize(st);
		return EX_IO;
	}
	wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
	sqlite3_finalize(st);
	if (!wal)
		return err_set(e, EX_IO, "%s: cannot use write-ahead logging here", mb->path);
	if ((code = mailbox_exec(mb, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA cache_size = -16384;", e)) != EX_OK)
		return code;
	return mailbox_exec(mb, MAILBOX_CHECKPOINT, e);
}

static int
mailbox_prepare(struct mailbox *mb, struct err *e)
{
	int i, rc;

	for (i = 0; i < MB_NSTMT; i++) {
		rc = sqlite3_prepare_v3(mb->db, mailbox_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &mb->stmt[i], NULL);
		if (rc != SQLITE_OK)
			return mailbox_fail(mb, rc, e);
	}
	return mailbox_int(mb, mb->stmt[MB_VERSION], &mb->data_version, e);
}

static int
mailbox_setup(struct mailbox *mb, struct err *e)
{
	int64_t version = 0, tables = 0;
	int rc, code;

	rc = sqlite3_open_v2(mb->path, &mb->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK)
		return mb->db ? mailbox_fail(mb, rc, e) : err_set(e, EX_IO, "%s: %s", mb->path,
		    sqlite3_errstr(rc));
	sqlite3_extended_result_codes(mb->db, 1);
	sqlite3_busy_timeout(mb->db, 5000);
	if ((code = mailbox_probe(mb, &version, &tables, e)) != EX_OK)
		return code;
	if (sqlite3_db_readonly(mb->db, "main") == 1)
		return err_set(e, EX_IO, "%s: read-only file", mb->path);
	if ((code = mailbox_configure(mb, version == 0, e)) != EX_OK)
		return code;
	if (version == 0 && (code = mailbox_create_schema(mb, e)) != EX_OK)
		return code;
	return mailbox_prepare(mb, e);
}

/* A lazy writer leaves its commits in the WAL. The next process to open
 * the file alone reads the whole WAL back (recovery, a checksum over every
 * frame), and its checkpoints cannot restart a WAL recovered that way: so
 * once the WAL passes this size, a lazy close checkpoints it and truncates
 * it to nothing. Some twenty sends pay for one checkpoint. */
#define LAZY_WAL_MAX (256 * 1024)

void
mailbox_lazy_close(struct mailbox *mb)
{
	mb->lazy = 1;
	sqlite3_db_config(mb->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
}

static void
mailbox_lazy_checkpoint(struct mailbox *mb)
{
	struct stat st;
	char *wal = xasprintf("%s-wal", mb->path);

	if (stat(wal, &st) == 0 && st.st_size > LAZY_WAL_MAX)
		sqlite3_wal_checkpoint_v2(mb->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	free(wal);
}

int
mailbox_open(const char *path, struct mailbox **mbp, struct err *e)
{
	struct mailbox *mb;
	int code;

	*mbp = NULL;
	if ((code = mailbox_create_file(path, e)) != EX_OK)
		return code;
	mb = xcalloc(1, sizeof *mb);
	mb->path = xstrdup(path);
	if ((code = mailbox_setup(mb, e)) != EX_OK) {
		mailbox_close(mb);
		return code;
	}
	*mbp = mb;
	return EX_OK;
}

void
mailbox_close(struct mailbox *mb)
{
	int i;

	if (mb == NULL)
		return;
	for (i = 0; i < MB_NSTMT; i++)
		sqlite3_finalize(mb->stmt[i]);
	if (mb->lazy)
		mailbox_lazy_checkpoint(mb);
	sqlite3_close(mb->db);
	free(mb->path);
	free(mb);
}

const char *
mailbox_path(const struct mailbox *mb)
{
	return mb->path;
}

int
mailbox_begin(struct mailbox *mb, struct err *e)
{
	return mailbox_step(mb, mb->stmt[MB_BEGIN], e);
}

/* A failed COMMIT (a full disk) may leave the transaction open: roll it
 * back, so that the mailbox is as it was before begin and usable again. */
int
mailbox_commit(struct mailbox *mb, struct err *e)
{
	int code = mailbox_step(mb, mb->stmt[MB_COMMIT], e);

	if (code != EX_OK)
		mailbox_rollback(mb);
	return code;
}

void
mailbox_rollback(struct mailbox *mb)
{
	struct err ignored;

	if (!sqlite3_get_autocommit(mb->db))
		mailbox_step(mb, mb->stmt[MB_ROLLBACK], &ignored);
}

int
mailbox_in_transaction(const struct mailbox *mb)
{
	return !sqlite3_get_autocommit(mb->db);
}

/* The dedupe column: 64-bit FNV-1a over id, dtype and action, each
 * followed by the byte 0xff (which UTF-8 never holds). Stored rows carry
 * it, so it is part of schema 1. Its quality only decides how often the
 * trigger compares strings in vain, never what is dropped. */
static int64_t
mailbox_key(const struct mailbox_msg *m)
{
	const char *parts[3] = { m->id, m->dtype, m->action };
	uint64_t h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < 3; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		for (; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return (int64_t)h;
}

/* "" is stored as NULL where NULL means none (id, peer, group). */
static void
mailbox_bind_msg(sqlite3_stmt *st, const struct mailbox_msg *m, int64_t now)
{
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, m->time_ms ? m->time_ms : now);
	sqlite3_bind_int64(st, 12, m->time_ms);
	if (*m->id) {
		sqlite3_bind_text(st, 3, m->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 11, mailbox_key(m));
	} else {
		sqlite3_bind_null(st, 3);
		sqlite3_bind_null(st, 11);
	}
	sqlite3_bind_text(st, 4, m->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, m->dtype, -1, SQLITE_STATIC);
	if (m->peer)
		sqlite3_bind_int64(st, 7, m->peer);
	else
		sqlite3_bind_null(st, 7);
	if (m->group)
		sqlite3_bind_int64(st, 8, m->group);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_int(st, 9, m->outgoing != 0);
	sqlite3_bind_text(st, 10, m->frame, (int)m->len, SQLITE_STATIC);
}

/* A row whose key exists changes nothing (the trigger), and
 * sqlite3_changes() tells the two apart. The strings are bound without a
 * copy (SQLITE_STATIC), so the bindings are cleared before returning:
 * the statement never keeps a pointer into the caller's memory. */
int
mailbox_put(struct mailbox *mb, const struct mailbox_msg *m, int64_t *seq, struct err *e)
{
	sqlite3_stmt *st = mb->stmt[MB_PUT];
	int rc;

	if (m->len > INT32_MAX) {
		err_set(e, EX_IO, "%s: a frame of %zu bytes is too long to store", mb->path, m->len);
		return -1;
	}
	mailbox_bind_msg(st, m, mailbox_now_ms());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		mailbox_fail(mb, rc, e);
		return -1;
	}
	if (sqlite3_changes(mb->db) == 0)
		return 0;
	if (seq)
		*seq = sqlite3_last_insert_rowid(mb->db);
	return 1;
}

static void
mailbox_row_of(sqlite3_stmt *st, struct mailbox_row *r)
{
	r->seq = sqlite3_column_int64(st, 0);
	r->received_ms = sqlite3_column_int64(st, 1);
	r->time_ms = sqlite3_column_int64(st, 2);
	r->frame = (const char *)sqlite3_column_text(st, 3);
	r->len = (size_t)sqlite3_column_bytes(st, 3);
	r->type = (const char *)sqlite3_column_text(st, 4);
	r->dtype = (const char *)sqlite3_column_text(st, 5);
	r->peer = (long)sqlite3_column_int64(st, 6);
	r->group = (long)sqlite3_column_int64(st, 7);
	r->outgoing = sqlite3_column_int(st, 8);
}

/* Hand each row of a bound statement to each, until it asks to stop. */
static int
mailbox_rows(struct mailbox *mb, sqlite3_stmt *st, mailbox_each each, void *arg, struct err *e)
{
	struct mailbox_row r;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		mailbox_row_of(st, &r);
		if (r.frame == NULL || r.type == NULL || r.dtype == NULL) {
			sqlite3_reset(st);
			return err_set(e, EX_IO, "%s: out of memory reading row %lld", mb->path, (long long)r.seq);
		}
		if (each(arg, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? EX_OK : mailbox_fail(mb, rc, e);
}

int
mailbox_read(struct mailbox *mb, int64_t after, long limit, mailbox_each each, void *arg,
    struct err *e)
{
	sqlite3_stmt *st = mb->stmt[MB_READ];

	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	return mailbox_rows(mb, st, each, arg, e);
}

int
mailbox_last_seq(struct mailbox *mb, int64_t *seq, struct err *e)
{
	*seq = 0;
	return mailbox_int(mb, mb->stmt[MB_LAST], seq, e);
}

/* data_version changes when another connection commits; our own commits
 * leave it alone, which is what a follower wants. */
int
mailbox_changed(struct mailbox *mb, struct err *e)
{
	int64_t v = mb->data_version;

	if (mailbox_int(mb, mb->stmt[MB_VERSION], &v, e) != EX_OK)
		return -1;
	if (v == mb->data_version)
		return 0;
	mb->data_version = v;
	return 1;
}

int
mailbox_cursor_get(struct mailbox *mb, const char *name, int64_t *seq, struct err *e)
{
	sqlite3_stmt *st = mb->stmt[MB_CURSOR_GET];
	int code;

	*seq = -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	code = mailbox_int(mb, st, seq, e);
	sqlite3_clear_bindings(st);
	return code;
}

int
mailbox_cursor_set(struct mailbox *mb, const char *name, int64_t seq, struct err *e)
{
	sqlite3_stmt *st = mb->stmt[MB_CURSOR_SET];
	int code;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	code = mailbox_step(mb, st, e);
	sqlite3_clear_bindings(st);
	return code;
}

/* The history query's SQL: each filter given adds a condition on its own
 * numbered parameter (?1 with, ?2 group, ?3 since, ?4 until, ?5 limit,
 * ?6... the types), bound by mailbox_query_bind; no value is ever pasted
 * into the text. With a limit, the newest rows are picked first and put
 * back in order by the outer query. */
static char *
mailbox_query_sql(const struct mailbox_query *q)
{
	struct buf b = BUF_INIT, in = BUF_INIT;
	char *inner, *sql;
	int i;

	buf_adds(&b, "SELECT " MAILBOX_COLUMNS " FROM message WHERE 1");
	if (q->with)
		buf_adds(&b, " AND peer = ?1");
	if (q->group)
		buf_adds(&b, " AND grp = ?2");
	if (q->since_ms)
		buf_adds(&b, " AND time_ms >= ?3");
	if (q->until_ms)
		buf_adds(&b, " AND time_ms < ?4");
	for (i = 0; q->types && i < q->ntypes; i++)
		buf_printf(&in, "%s?%d", i ? ", " : "", 6 + i);
	if (in.len)
		buf_printf(&b, " AND (type IN (%s) OR dtype IN (%s))", in.buf, in.buf);
	buf_release(&in);
	if (q->limit <= 0) {
		buf_adds(&b, " ORDER BY time_ms, seq");
		return buf_detach(&b);
	}
	buf_adds(&b, " ORDER BY time_ms DESC, seq DESC LIMIT ?5) ORDER BY time_ms, seq");
	inner = buf_detach(&b);
	sql = xasprintf("SELECT * FROM (%s", inner);
	free(inner);
	return sql;
}

static void
mailbox_query_bind(sqlite3_stmt *st, const struct mailbox_query *q)
{
	int i;

	if (q->with)
		sqlite3_bind_int64(st, 1, q->with);
	if (q->group)
		sqlite3_bind_int64(st, 2, q->group);
	if (q->since_ms)
		sqlite3_bind_int64(st, 3, q->since_ms);
	if (q->until_ms)
		sqlite3_bind_int64(st, 4, q->until_ms);
	if (q->limit > 0)
		sqlite3_bind_int64(st, 5, q->limit);
	for (i = 0; q->types && i < q->ntypes; i++)
		sqlite3_bind_text(st, 6 + i, q->types[i], -1, SQLITE_STATIC);
}

int
mailbox_query(struct mailbox *mb, const struct mailbox_query *q, mailbox_each each, void *arg,
    struct err *e)
{
	char *sql = mailbox_query_sql(q);
	sqlite3_stmt *st;
	int rc, code;

	rc = sqlite3_prepare_v2(mb->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return mailbox_fail(mb, rc, e);
	mailbox_query_bind(st, q);
	code = mailbox_rows(mb, st, each, arg, e);
	sqlite3_finalize(st);
	return code;
}

int
mailbox_prune(struct mailbox *mb, int64_t before_ms, long *n, struct err *e)
{
	sqlite3_stmt *st;
	int rc, code;

	*n = 0;
	rc = sqlite3_prepare_v2(mb->db, "DELETE FROM message WHERE received_ms < ?", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return mailbox_fail(mb, rc, e);
	sqlite3_bind_int64(st, 1, before_ms);
	if ((code = mailbox_step(mb, st, e)) == EX_OK)
		*n = (long)sqlite3_changes(mb->db);
	sqlite3_finalize(st);
	return code;
}
