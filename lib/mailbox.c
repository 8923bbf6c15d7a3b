#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "checkpoint.h"
#include "cred.h"
#include "keyset.h"
#include "mailbox.h"
#include "xalloc.h"

/* The schema this code writes and the newest it reads (PRAGMA
 * user_version); a later chatctl that changes it bumps it. Schema 1 (a
 * row per message) is upgraded in place when opened. */
#define MAILBOX_SCHEMA 2

/* Schema 2: a row per batch of messages, not per message.
 * The holder stores a loop turn's messages at once, and a row per message
 * cost SQLite a record, four index entries and a trigger's lookup each:
 * 7.7 us a frame, three times what listen spends on everything else. A
 * batch is one row: its messages' records back to back in meta (struct
 * rec below), their frames back to back in frames, each followed by a NUL
 * so that a frame handed out is a C string. Messages seq .. seq + n - 1
 * are in it, in order; a batch never holds a gap.
 *
 * What the queries need is summed up per batch: received_ms (for
 * pruning), tmin/tmax (history's --since/--until), who (a 64-bit Bloom
 * filter of its peers and groups, for --with/--group) and cmin/cmax, the
 * range of its keyed messages' create_times (NULL when it has none).
 *
 * A message is stored once: (id, dtype, action) with the same create_time
 * is a duplicate. A message pushed again keeps its create_time (api §4.6),
 * so its candidates are the batches whose [cmin, cmax] holds it; a batch
 * spans at most BATCH_SPAN_MS of create_times, so the index on cmin finds
 * them in a short range. The holder rarely asks: it keeps the keys of the
 * last messages in memory (struct keyset) and asks the database only about
 * a message no newer than the newest key it no longer keeps. A key is a
 * 64-bit hash (mailbox_key()); a match is then compared field by field, so
 * a collision never drops a message. A message pushed again with another
 * create_time would be stored twice (printed twice, never lost); none is
 * known to.
 *
 * seq only grows, also across pruning, so that a cursor stays meaningful
 * however old: the next seq is the end of the last batch, or the counter
 * when that is more. Only pruning sets the counter (to the next seq,
 * before it deletes), so a commit writes one page fewer. The outbox is created now for a
 * later chatctl, so that adding it needs no schema change. */
#define SCHEMA_BATCH \
    "CREATE TABLE batch (" \
    " seq INTEGER PRIMARY KEY," \
    " n INTEGER NOT NULL," \
    " received_ms INTEGER NOT NULL," \
    " tmin INTEGER NOT NULL," \
    " tmax INTEGER NOT NULL," \
    " cmin INTEGER," \
    " cmax INTEGER," \
    " who INTEGER NOT NULL," \
    " meta BLOB NOT NULL," \
    " frames BLOB NOT NULL);" \
    "CREATE INDEX batch_ctime ON batch (cmin) WHERE cmin IS NOT NULL;" \
    "CREATE INDEX batch_received ON batch (received_ms);" \
    "CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"

#define SCHEMA_KEPT \
    "CREATE TABLE cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);" \
    "CREATE TABLE outbox (" \
    " seq INTEGER PRIMARY KEY AUTOINCREMENT," \
    " created_ms INTEGER NOT NULL," \
    " state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'unknown'))," \
    " to_id INTEGER," \
    " grp INTEGER," \
    " body TEXT NOT NULL," \
    " reason TEXT);"

static const char mailbox_schema[] = SCHEMA_BATCH SCHEMA_KEPT
    "INSERT INTO counter VALUES ('next_seq', 1);"
    "PRAGMA user_version = 2;";

/* A batch's keyed create_times lie within this many ms of each other. */
#define BATCH_SPAN_MS 1000
/* A batch is closed at this many messages or bytes of frames, so that the
 * holder's memory stays flat under any flood. */
#define BATCH_MAX_MSGS 1024
#define BATCH_MAX_BYTES (1 << 20)
/* Keys kept in memory per generation (two generations). */
#define GEN_MAX 8192

#define STR_(x) #x
#define STR(x) STR_(x)

enum {
	MB_BATCH_PUT, MB_READ, MB_AT, MB_SINCE, MB_DUP, MB_NEWEST, MB_NEXT_GET, MB_FLOOR_SET,
	MB_CURSOR_GET, MB_CURSOR_SET, MB_VERSION, MB_BEGIN, MB_COMMIT, MB_ROLLBACK, MB_NSTMT
};

#define BATCH_COLUMNS "seq, n, received_ms, meta, frames"

static const char *const mailbox_sql[MB_NSTMT] = {
	[MB_BATCH_PUT] = "INSERT INTO batch (seq, n, received_ms, tmin, tmax, cmin, cmax, who, meta,"
	    " frames) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	/* From the batch holding after + 1 (or the first after it). */
	[MB_READ] = "SELECT " BATCH_COLUMNS " FROM batch WHERE seq >= coalesce((SELECT max(seq)"
	    " FROM batch WHERE seq <= ?1), 0) AND seq + n > ?1 AND seq <= ?2 ORDER BY seq",
	[MB_AT] = "SELECT " BATCH_COLUMNS " FROM batch WHERE seq <= ?1 ORDER BY seq DESC LIMIT 1",
	[MB_SINCE] = "SELECT " BATCH_COLUMNS " FROM batch WHERE seq >= ?1 ORDER BY seq",
	[MB_DUP] = "SELECT " BATCH_COLUMNS " FROM batch WHERE cmin BETWEEN ?1 - " STR(BATCH_SPAN_MS)
	    " AND ?1 AND cmax >= ?1 AND seq < ?2",
	/* The newest create_time stored: exact, since every batch's cmax is
	 * within BATCH_SPAN_MS of its cmin. */
	[MB_NEWEST] = "SELECT max(cmax) FROM batch WHERE cmin >= (SELECT max(cmin) FROM batch"
	    " WHERE cmin IS NOT NULL) - " STR(BATCH_SPAN_MS),
	[MB_NEXT_GET] = "SELECT max(coalesce((SELECT value FROM counter WHERE name = 'next_seq'), 1),"
	    " coalesce((SELECT seq + n FROM batch ORDER BY seq DESC LIMIT 1), 1))",
	[MB_FLOOR_SET] = "UPDATE counter SET value = ? WHERE name = 'next_seq'",
	[MB_CURSOR_GET] = "SELECT seq FROM cursor WHERE name = ?",
	[MB_CURSOR_SET] = "INSERT INTO cursor (name, seq) VALUES (?, ?)"
	    " ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
	[MB_VERSION] = "PRAGMA data_version",
	[MB_BEGIN] = "BEGIN IMMEDIATE",
	[MB_COMMIT] = "COMMIT",
	[MB_ROLLBACK] = "ROLLBACK",
};

/* One message's record in a batch's meta, little-endian, then its type,
 * dtype, id and action, each followed by a NUL. */
enum {
	R_TIME = 0, R_CTIME = 8, R_KEY = 16, R_PEER = 24, R_GROUP = 32, R_LEN = 40, R_FLAGS = 44,
	R_TYPE = 45, R_DTYPE = 47, R_ID = 49, R_ACTION = 51, R_HEAD = 53
};
enum { F_OUTGOING = 1, F_KEYED = 2, F_CHECKED = 4, F_NEWLINE = 8 };

struct rec {
	int64_t time_ms, ctime, peer, group;
	uint64_t key;
	uint32_t len;
	int flags;
	const char *type, *dtype, *id, *action;
};

/* A batch being filled: the current transaction's newest messages. */
struct batch {
	struct buf meta, frames;
	int64_t seq, received_ms, tmin, tmax, cmin, cmax;
	long n;
	int keyed;
	uint64_t who;
};


struct mailbox {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[MB_NSTMT];
	int64_t data_version;
	int lazy;		/* mailbox_lazy_close() */
	struct checkpointer *ckpt;	/* mailbox_checkpoint_behind() */
	/* Inside a write transaction: the next seq to give. */
	int64_t next_seq;
	struct batch cur;
	/* Dedupe without asking the database (see the top). Every message
	 * with seq >= cover is in gen[0] or gen[1]; the batches below seq
	 * known_next are all either there or below cover (batches another
	 * process wrote are learned at begin); below cover, the newest
	 * create_time is old_cmax, when old_known. */
	struct keyset gen[2];
	int64_t cover, known_next, old_cmax;
	int old_known, keys_ready;
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

/* Statements are prepared at their first use: a send needs six of the
 * fourteen, and preparing them all cost it more than storing its record.
 * NULL, with e set, when one cannot be. */
static sqlite3_stmt *
stmt(struct mailbox *mb, int i, struct err *e)
{
	int rc;

	if (mb->stmt[i] == NULL && (rc = sqlite3_prepare_v3(mb->db, mailbox_sql[i], -1,
	    SQLITE_PREPARE_PERSISTENT, &mb->stmt[i], NULL)) != SQLITE_OK)
		mailbox_fail(mb, rc, e);
	return mb->stmt[i];
}

/* Run a statement that returns no rows (or whose rows do not matter).
 * st NULL: stmt() failed, and said why in e. */
static int
mailbox_step(struct mailbox *mb, sqlite3_stmt *st, struct err *e)
{
	int rc;

	if (st == NULL)
		return EX_IO;
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
	int rc;

	if (st == NULL)
		return EX_IO;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
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
 * commit that fills the WAL to this many pages: 64 MiB at the 16 KiB pages
 * a new mailbox gets (16 MiB in one made with 4 KiB pages), so that pages
 * rewritten by many commits (an index's last leaf) are copied once.
 * Pages of 16 KiB, because what the holder writes is mostly frames, and
 * SQLite's cost is per page and per byte through the kernel, twice (WAL,
 * then database): 4 KiB pages stored 235k frames/s, 16 KiB 260k (user+sys
 * 1.03 s -> 0.79 s for 300,000; tests/bench/mailbox-put 300000 200); 64 KiB
 * gained nothing more. journal_size_limit gives the disk back when the WAL
 * is reset. */
#define MAILBOX_CHECKPOINT "PRAGMA wal_autocheckpoint = 4096; PRAGMA journal_size_limit = 67108864;"

/* WAL, so that followers read while the holder writes; NORMAL, because
 * in WAL mode a crash then loses at most the last commits, never the
 * database, and the holder commits every loop turn. */
static int
mailbox_configure(struct mailbox *mb, int fresh, struct err *e)
{
	sqlite3_stmt *st;
	int rc, wal = 0, code;

	if (fresh && (code = mailbox_exec(mb, "PRAGMA page_size = 16384", e)) != EX_OK)
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

/* What another process commits from now on changes data_version. */
static int
mailbox_prepare(struct mailbox *mb, struct err *e)
{
	return mailbox_int(mb, stmt(mb, MB_VERSION, e), &mb->data_version, e);
}

static int mailbox_upgrade(struct mailbox *mb, struct err *e);

static int
mailbox_setup(struct mailbox *mb, struct err *e)
{
	int64_t version = 0, tables = 0;
	int rc, code;

	/* Memory statistics take a global mutex on every allocation; nothing
	 * here reads them. Refused (harmlessly) once SQLite is initialised. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* Nor a bulk of 20 page slots made up front at the first read: at 16
	 * KiB a page that is a 330 KiB mapping touched in 20 places, where a
	 * send uses some five pages (a fresh page costs 9-12 us on the VMs
	 * we measure on: 15-28 fewer faults a send). */
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
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
	if (version == 1 && (code = mailbox_upgrade(mb, e)) != EX_OK)
		return code;
	return mailbox_prepare(mb, e);
}


/* A lazy writer leaves its commits in the WAL. The next process to open
 * the file alone reads the whole WAL back (recovery, a checksum over every
 * frame), and its checkpoints cannot restart a WAL recovered that way: so
 * once the WAL passes this size, a lazy close checkpoints it and truncates
 * it to nothing. A send adds three pages of 16 KiB, so some twenty sends
 * pay for one checkpoint (its two fsyncs cost more than reading the WAL
 * back: 256 KiB, a checkpoint every fifth send, measured no better). */
#define LAZY_WAL_MAX (1024 * 1024)

/* Checkpoints in a thread of their own (lib/checkpoint.h). */
void
mailbox_checkpoint_behind(struct mailbox *mb, int pages)
{
	if (mb->ckpt == NULL)
		mb->ckpt = checkpointer_start(mb->db, mb->path, pages);
}

void
mailbox_cache(struct mailbox *mb, int kib)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", kib);
	sqlite3_exec(mb->db, sql, NULL, NULL, NULL);	/* a hint: nothing to fail */
}

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
	checkpointer_stop(mb->ckpt, mb->db);
	for (i = 0; i < MB_NSTMT; i++)
		sqlite3_finalize(mb->stmt[i]);
	if (mb->lazy)
		mailbox_lazy_checkpoint(mb);
	sqlite3_close(mb->db);
	buf_release(&mb->cur.meta);
	buf_release(&mb->cur.frames);
	keyset_release(&mb->gen[0]);
	keyset_release(&mb->gen[1]);
	free(mb->path);
	free(mb);
}

const char *
mailbox_path(const struct mailbox *mb)
{
	return mb->path;
}

static void
put_u(struct buf *b, uint64_t v, int bytes)
{
	unsigned char p[8];
	int i;

	for (i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	buf_add(b, p, (size_t)bytes);
}

static uint64_t
get_u(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	int i;

	for (i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The dedupe key: 64-bit FNV-1a over id, dtype and action, each followed
 * by the byte 0xff (which UTF-8 never holds). Its quality only decides
 * how often a match is compared in vain, never what is dropped. */
static uint64_t
mailbox_key(const char *id, const char *dtype, const char *action)
{
	const char *parts[3] = { id, dtype, action };
	uint64_t h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < 3; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		for (; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return h;
}

/* The Bloom bit of a peer (salt 0) or a group (salt 1). */
static uint64_t
who_bit(long v, int salt)
{
	uint64_t h = ((uint64_t)v ^ (salt ? 0x5bd1e9955bd1e995ULL : 0)) * 0x9e3779b97f4a7c15ULL;

	return 1ULL << (h >> 58);
}

/* The next record of meta at *p, or -1 when what is there is not one. */
static int
rec_next(const unsigned char **p, const unsigned char *end, struct rec *r)
{
	const unsigned char *q = *p;
	const char **strs[4] = { &r->type, &r->dtype, &r->id, &r->action };
	int i;

	if (end - q < R_HEAD)
		return -1;
	r->time_ms = (int64_t)get_u(q + R_TIME, 8);
	r->ctime = (int64_t)get_u(q + R_CTIME, 8);
	r->key = get_u(q + R_KEY, 8);
	r->peer = (int64_t)get_u(q + R_PEER, 8);
	r->group = (int64_t)get_u(q + R_GROUP, 8);
	r->len = (uint32_t)get_u(q + R_LEN, 4);
	r->flags = q[R_FLAGS];
	q += R_HEAD;
	for (i = 0; i < 4; i++) {
		size_t n = (size_t)get_u(*p + R_TYPE + 2 * i, 2);

		if ((size_t)(end - q) < n + 1 || q[n] != '\0')
			return -1;
		*strs[i] = (const char *)q;
		q += n + 1;
	}
	*p = q;
	return 0;
}

/* A batch read back: its records, and where each frame starts. */
struct decoded {
	int64_t seq, received_ms;
	long n;
	struct rec *r;
	const char **frame;
	long max;
};

/* d->seq, n and received_ms are set; find the records and frames. */
static int
decode_blobs(struct mailbox *mb, struct decoded *d, const void *meta, size_t mlen, const void *frames,
    size_t flen, struct err *e)
{
	const unsigned char *m = meta, *mend = m + mlen;
	const char *f = frames, *fend = f + flen;
	long i;

	if (d->n < 1 || d->n > BATCH_MAX_MSGS || m == NULL || f == NULL)
		goto damaged;
	if (d->n > d->max) {
		d->max = d->n;
		d->r = xrealloc(d->r, (size_t)d->max * sizeof *d->r);
		d->frame = xrealloc(d->frame, (size_t)d->max * sizeof *d->frame);
	}
	for (i = 0; i < d->n; i++) {
		if (rec_next(&m, mend, &d->r[i]) != 0 || (size_t)(fend - f) < (size_t)d->r[i].len + 1 ||
		    f[d->r[i].len] != '\0')
			goto damaged;
		d->frame[i] = f;
		f += d->r[i].len + 1;
	}
	if (m == mend && f == fend)
		return EX_OK;
damaged:
	if (sqlite3_errcode(mb->db) == SQLITE_NOMEM)
		return err_set(e, EX_IO, "%s: out of memory reading batch %lld", mb->path,
		    (long long)d->seq);
	return err_set(e, EX_IO, "%s: the messages from seq %lld on are damaged", mb->path,
	    (long long)d->seq);
}

/* The batch at the statement's current row (BATCH_COLUMNS); its pointers
 * are good until the statement moves. */
static int
decode(struct mailbox *mb, sqlite3_stmt *st, struct decoded *d, struct err *e)
{
	const void *meta = sqlite3_column_blob(st, 3), *frames = sqlite3_column_blob(st, 4);

	d->seq = sqlite3_column_int64(st, 0);
	d->n = (long)sqlite3_column_int64(st, 1);
	d->received_ms = sqlite3_column_int64(st, 2);
	return decode_blobs(mb, d, meta, (size_t)sqlite3_column_bytes(st, 3), frames,
	    (size_t)sqlite3_column_bytes(st, 4), e);
}

static void
decoded_free(struct decoded *d)
{
	free(d->r);
	free(d->frame);
}

static void
row_of(const struct decoded *d, long i, struct mailbox_row *row)
{
	const struct rec *r = &d->r[i];

	row->seq = d->seq + i;
	row->received_ms = d->received_ms;
	row->time_ms = r->time_ms;
	row->frame = d->frame[i];
	row->len = r->len;
	row->type = r->type;
	row->dtype = r->dtype;
	row->peer = (long)r->peer;
	row->group = (long)r->group;
	row->outgoing = (r->flags & F_OUTGOING) != 0;
	row->checked = (r->flags & F_CHECKED) != 0;
	row->newline = (r->flags & F_NEWLINE) != 0;
}

static int
same_message(const struct rec *r, const struct mailbox_msg *m, int64_t ctime, uint64_t key)
{
	return (r->flags & F_KEYED) && r->ctime == ctime && r->key == key &&
	    strcmp(r->id, m->id) == 0 && strcmp(r->dtype, m->dtype) == 0 &&
	    strcmp(r->action, m->action) == 0;
}

/* Forget everything in memory: from now on, only batches from seq on are
 * known there, and what is older is asked of the database. */
static void
keys_reset(struct mailbox *mb, int64_t seq)
{
	keyset_clear(&mb->gen[0], seq);
	keyset_clear(&mb->gen[1], seq);
	mb->cover = mb->known_next = seq;
	mb->old_known = 0;
	mb->keys_ready = 1;
}

/* A full newest generation makes the older one go: what it held is now
 * below cover, and its newest create_time joins old_cmax. */
static void
keys_add(struct mailbox *mb, int64_t ctime, uint64_t key, int64_t seq)
{
	struct keyset *k = &mb->gen[0];

	if (k->n >= GEN_MAX) {
		struct keyset old = mb->gen[1];

		if (mb->old_known && old.maxc > mb->old_cmax)
			mb->old_cmax = old.maxc;
		mb->cover = k->first_seq;
		mb->gen[1] = *k;
		mb->gen[0] = old;
		keyset_clear(&mb->gen[0], seq);
		k = &mb->gen[0];
	}
	keyset_add(k, ctime, key, seq);
}

/* Is the message with this seq m? It is in the batch being filled, or in
 * one stored (by us, in this transaction or before). */
static int
stored_is(struct mailbox *mb, int64_t seq, const struct mailbox_msg *m, int64_t ctime, uint64_t key,
    struct err *e)
{
	sqlite3_stmt *st = stmt(mb, MB_AT, e);
	struct decoded d = { 0 };
	struct rec r;
	int rc, same = 0;

	if (mb->cur.n && seq >= mb->cur.seq) {
		const unsigned char *p = (const unsigned char *)mb->cur.meta.buf;
		const unsigned char *end = p + mb->cur.meta.len;
		int64_t s;

		for (s = mb->cur.seq; s <= seq && rec_next(&p, end, &r) == 0; s++)
			if (s == seq)
				return same_message(&r, m, ctime, key);
		return 0;
	}
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (decode(mb, st, &d, e) != EX_OK)
			same = -1;
		else if (seq - d.seq < d.n)
			same = same_message(&d.r[seq - d.seq], m, ctime, key);
	} else if (rc != SQLITE_DONE) {
		same = -1;
		mailbox_fail(mb, rc, e);
	}
	sqlite3_reset(st);
	decoded_free(&d);
	return same;
}

/* Below cover: the batches whose create_times could hold it. */
static int
stored_below(struct mailbox *mb, const struct mailbox_msg *m, int64_t ctime, uint64_t key,
    struct err *e)
{
	sqlite3_stmt *st = stmt(mb, MB_DUP, e);
	struct decoded d = { 0 };
	int rc, found = 0;
	long i;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ctime);
	sqlite3_bind_int64(st, 2, mb->cover);
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (decode(mb, st, &d, e) != EX_OK) {
			found = -1;
			break;
		}
		for (i = 0; i < d.n && !found; i++)
			found = same_message(&d.r[i], m, ctime, key);
	}
	if (found == 0 && rc != SQLITE_DONE)
		found = -1, mailbox_fail(mb, rc, e);
	sqlite3_reset(st);
	decoded_free(&d);
	return found;
}

/* A key in memory that m has: is it m? */
struct candidate {
	struct mailbox *mb;
	const struct mailbox_msg *m;
	int64_t ctime;
	uint64_t key;
	struct err *e;
};

static int
is_candidate(void *arg, int64_t seq)
{
	struct candidate *c = arg;

	return stored_is(c->mb, seq, c->m, c->ctime, c->key, c->e);
}

/* 1 when m is stored already, 0 when not, -1 on error. */
static int
mailbox_seen(struct mailbox *mb, const struct mailbox_msg *m, int64_t ctime, uint64_t key,
    struct err *e)
{
	struct candidate c = { mb, m, ctime, key, e };
	int g, r;

	for (g = 0; g < 2; g++)
		if ((r = keyset_each(&mb->gen[g], ctime, key, is_candidate, &c)) != 0)
			return r;
	if (!mb->old_known) {
		mb->old_cmax = INT64_MIN;
		if (mailbox_int(mb, stmt(mb, MB_NEWEST, e), &mb->old_cmax, e) != EX_OK)
			return -1;
		mb->old_known = 1;
	}
	return ctime <= mb->old_cmax ? stored_below(mb, m, ctime, key, e) : 0;
}

/* Learn the keys of batches another process stored since our last commit. */
static int
keys_learn(struct mailbox *mb, struct err *e)
{
	sqlite3_stmt *st = stmt(mb, MB_SINCE, e);
	struct decoded d = { 0 };
	int rc, code = EX_OK;
	long i;

	if (st == NULL)
		return EX_IO;
	sqlite3_bind_int64(st, 1, mb->known_next);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((code = decode(mb, st, &d, e)) != EX_OK)
			break;
		for (i = 0; i < d.n; i++)
			if (d.r[i].flags & F_KEYED)
				keys_add(mb, d.r[i].ctime, d.r[i].key, d.seq + i);
	}
	if (code == EX_OK && rc != SQLITE_DONE)
		code = mailbox_fail(mb, rc, e);
	sqlite3_reset(st);
	decoded_free(&d);
	mb->known_next = mb->next_seq;
	return code;
}

/* Batches. */

static void
batch_reset(struct batch *b)
{
	buf_reset(&b->meta);
	buf_reset(&b->frames);
	b->n = 0;
	b->keyed = 0;
	b->who = 0;
}

static int
batch_flush(struct mailbox *mb, struct err *e)
{
	sqlite3_stmt *st = stmt(mb, MB_BATCH_PUT, e);
	struct batch *b = &mb->cur;
	int code;

	if (b->n == 0)
		return EX_OK;
	if (st == NULL)
		return EX_IO;
	sqlite3_bind_int64(st, 1, b->seq);
	sqlite3_bind_int64(st, 2, b->n);
	sqlite3_bind_int64(st, 3, b->received_ms);
	sqlite3_bind_int64(st, 4, b->tmin);
	sqlite3_bind_int64(st, 5, b->tmax);
	if (b->keyed) {
		sqlite3_bind_int64(st, 6, b->cmin);
		sqlite3_bind_int64(st, 7, b->cmax);
	} else {
		sqlite3_bind_null(st, 6);
		sqlite3_bind_null(st, 7);
	}
	sqlite3_bind_int64(st, 8, (int64_t)b->who);
	sqlite3_bind_blob(st, 9, b->meta.buf, (int)b->meta.len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, b->frames.buf, (int)b->frames.len, SQLITE_STATIC);
	code = mailbox_step(mb, st, e);
	sqlite3_clear_bindings(st);
	batch_reset(b);
	return code;
}

/* Add a message to the batch being filled, first storing that batch when
 * the message cannot join it. */
static int
batch_add(struct mailbox *mb, int64_t seq, const struct mailbox_msg *m, int64_t received_ms,
    struct err *e)
{
	struct batch *b = &mb->cur;
	int keyed = *m->id != '\0';
	int64_t ctime = m->time_ms, time_ms = m->time_ms ? m->time_ms : received_ms;
	const char *strs[4] = { m->type, m->dtype, m->id, m->action };
	int i, code;

	if (b->n > 0 && (seq != b->seq + b->n || b->n >= BATCH_MAX_MSGS ||
	    b->frames.len + m->len >= BATCH_MAX_BYTES ||
	    received_ms - b->received_ms > BATCH_SPAN_MS || b->received_ms - received_ms > BATCH_SPAN_MS ||
	    (keyed && b->keyed && ((ctime > b->cmax ? ctime : b->cmax) -
	    (ctime < b->cmin ? ctime : b->cmin) > BATCH_SPAN_MS))))
		if ((code = batch_flush(mb, e)) != EX_OK)
			return code;
	if (b->n == 0) {
		b->seq = seq;
		b->received_ms = received_ms;
		b->tmin = b->tmax = time_ms;
	}
	put_u(&b->meta, (uint64_t)time_ms, 8);
	put_u(&b->meta, (uint64_t)ctime, 8);
	put_u(&b->meta, keyed ? mailbox_key(m->id, m->dtype, m->action) : 0, 8);
	put_u(&b->meta, (uint64_t)(int64_t)m->peer, 8);
	put_u(&b->meta, (uint64_t)(int64_t)m->group, 8);
	put_u(&b->meta, (uint64_t)m->len, 4);
	put_u(&b->meta, (uint64_t)((m->outgoing ? F_OUTGOING : 0) | (keyed ? F_KEYED : 0) |
	    (m->checked ? F_CHECKED : 0) | (m->checked && m->newline ? F_NEWLINE : 0)), 1);
	for (i = 0; i < 4; i++)
		put_u(&b->meta, strlen(strs[i]), 2);
	for (i = 0; i < 4; i++)
		buf_add(&b->meta, strs[i], strlen(strs[i]) + 1);
	buf_add(&b->frames, m->frame, m->len);
	buf_add(&b->frames, "", 1);
	if (keyed && !b->keyed) {
		b->cmin = b->cmax = ctime;
		b->keyed = 1;
	} else if (keyed) {
		b->cmin = ctime < b->cmin ? ctime : b->cmin;
		b->cmax = ctime > b->cmax ? ctime : b->cmax;
	}
	b->tmin = time_ms < b->tmin ? time_ms : b->tmin;
	b->tmax = time_ms > b->tmax ? time_ms : b->tmax;
	if (m->peer)
		b->who |= who_bit(m->peer, 0);
	if (m->group)
		b->who |= who_bit(m->group, 1);
	b->n++;
	return EX_OK;
}

/* Strings longer than a record can say are refused, not cut: a cut id
 * could make two messages one. A frame larger than BATCH_MAX_BYTES gets a
 * batch of its own (listen takes frames up to 1 GiB). */
static int
msg_fits(const struct mailbox_msg *m)
{
	return strlen(m->type) < 65536 && strlen(m->dtype) < 65536 && strlen(m->id) < 65536 &&
	    strlen(m->action) < 65536 && m->len < INT32_MAX;
}

int
mailbox_begin(struct mailbox *mb, struct err *e)
{
	int code;

	if ((code = mailbox_step(mb, stmt(mb, MB_BEGIN, e), e)) != EX_OK)
		return code;
	mb->next_seq = 1;
	if ((code = mailbox_int(mb, stmt(mb, MB_NEXT_GET, e), &mb->next_seq, e)) != EX_OK) {
		mailbox_rollback(mb);
		return code;
	}
	batch_reset(&mb->cur);
	if (!mb->keys_ready)
		keys_reset(mb, mb->next_seq);
	else if (mb->next_seq != mb->known_next && (code = keys_learn(mb, e)) != EX_OK)
		mailbox_rollback(mb);
	return code;
}

/* A failed COMMIT (a full disk) may leave the transaction open: roll it
 * back, so that the mailbox is as it was before begin and usable again. */
int
mailbox_commit(struct mailbox *mb, struct err *e)
{
	int code;

	if ((code = batch_flush(mb, e)) == EX_OK)
		code = mailbox_step(mb, stmt(mb, MB_COMMIT, e), e);
	if (code != EX_OK) {
		mailbox_rollback(mb);
		return code;
	}
	mb->known_next = mb->next_seq;
	return EX_OK;
}

/* What the keysets learnt in the transaction is forgotten with it. */
void
mailbox_rollback(struct mailbox *mb)
{
	struct err ignored;

	batch_reset(&mb->cur);
	mb->keys_ready = 0;
	if (!sqlite3_get_autocommit(mb->db))
		mailbox_step(mb, stmt(mb, MB_ROLLBACK, &ignored), &ignored);
}

int
mailbox_in_transaction(const struct mailbox *mb)
{
	return !sqlite3_get_autocommit(mb->db);
}

int
mailbox_put(struct mailbox *mb, const struct mailbox_msg *m, int64_t *seq, struct err *e)
{
	uint64_t key = 0;
	int64_t s;
	int r;

	if (!mailbox_in_transaction(mb)) {
		err_set(e, EX_IO, "%s: a message put outside a transaction", mb->path);
		return -1;
	}
	if (!msg_fits(m)) {
		err_set(e, EX_IO, "%s: a frame of %zu bytes is too long to store", mb->path, m->len);
		return -1;
	}
	if (*m->id) {
		key = mailbox_key(m->id, m->dtype, m->action);
		if ((r = mailbox_seen(mb, m, m->time_ms, key, e)) != 0)
			return r > 0 ? 0 : -1;
	}
	s = mb->next_seq;
	if (batch_add(mb, s, m, mailbox_now_ms(), e) != EX_OK)
		return -1;
	mb->next_seq++;
	if (*m->id)
		keys_add(mb, m->time_ms, key, s);
	if (seq)
		*seq = s;
	return 1;
}

int
mailbox_read(struct mailbox *mb, int64_t after, long limit, mailbox_each each, void *arg,
    struct err *e)
{
	return mailbox_read_upto(mb, after, INT64_MAX, limit, each, arg, e);
}

int
mailbox_read_upto(struct mailbox *mb, int64_t after, int64_t upto, long limit, mailbox_each each,
    void *arg, struct err *e)
{
	sqlite3_stmt *st = stmt(mb, MB_READ, e);
	struct decoded d = { 0 };
	struct mailbox_row row;
	long i, handed = 0;
	int rc, code = EX_OK, stop = 0;

	if (st == NULL)
		return EX_IO;
	sqlite3_bind_int64(st, 1, after + 1);
	sqlite3_bind_int64(st, 2, upto);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((code = decode(mb, st, &d, e)) != EX_OK)
			break;
		for (i = after >= d.seq ? after - d.seq + 1 : 0; i < d.n && d.seq + i <= upto && !stop; i++) {
			row_of(&d, i, &row);
			stop = each(arg, &row) != 0 || (limit > 0 && ++handed >= limit);
		}
	}
	if (code == EX_OK && !stop && rc != SQLITE_DONE)
		code = mailbox_fail(mb, rc, e);
	sqlite3_reset(st);
	decoded_free(&d);
	return code;
}

int
mailbox_last_seq(struct mailbox *mb, int64_t *seq, struct err *e)
{
	int64_t next = 1;
	int code = mailbox_int(mb, stmt(mb, MB_NEXT_GET, e), &next, e);

	*seq = next - 1;
	return code;
}

/* data_version changes when another connection commits; our own commits
 * leave it alone, which is what a follower wants. */
int
mailbox_changed(struct mailbox *mb, struct err *e)
{
	int64_t v = mb->data_version;

	if (mailbox_int(mb, stmt(mb, MB_VERSION, e), &v, e) != EX_OK)
		return -1;
	if (v == mb->data_version)
		return 0;
	mb->data_version = v;
	return 1;
}

int
mailbox_cursor_get(struct mailbox *mb, const char *name, int64_t *seq, struct err *e)
{
	sqlite3_stmt *st = stmt(mb, MB_CURSOR_GET, e);
	int code;

	*seq = -1;
	if (st == NULL)
		return EX_IO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	code = mailbox_int(mb, st, seq, e);
	sqlite3_clear_bindings(st);
	return code;
}

int
mailbox_cursor_set(struct mailbox *mb, const char *name, int64_t seq, struct err *e)
{
	sqlite3_stmt *st = stmt(mb, MB_CURSOR_SET, e);
	int code;

	if (st == NULL)
		return EX_IO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	code = mailbox_step(mb, st, e);
	sqlite3_clear_bindings(st);
	return code;
}

/* history. The batches that may hold a match are found by their summaries
 * (each filter given adds a condition on its own numbered parameter, bound
 * by query_bind; no value is ever pasted into the text); their messages
 * are filtered here. The matches, as (time, seq) and where they are, are
 * sorted, cut to the newest limit, and printed oldest first, each batch
 * read again as the printing comes to it (a few kept decoded at once). */
struct match {
	int64_t time_ms, seq, batch;
};

static int
match_order(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static char *
query_sql(const struct mailbox_query *q)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "SELECT " BATCH_COLUMNS " FROM batch WHERE 1");
	if (q->with)
		buf_adds(&b, " AND who & ?1 != 0");
	if (q->group)
		buf_adds(&b, " AND who & ?2 != 0");
	if (q->since_ms)
		buf_adds(&b, " AND tmax >= ?3");
	if (q->until_ms)
		buf_adds(&b, " AND tmin < ?4");
	buf_adds(&b, " ORDER BY seq");
	return buf_detach(&b);
}

static void
query_bind(sqlite3_stmt *st, const struct mailbox_query *q)
{
	if (q->with)
		sqlite3_bind_int64(st, 1, (int64_t)who_bit(q->with, 0));
	if (q->group)
		sqlite3_bind_int64(st, 2, (int64_t)who_bit(q->group, 1));
	if (q->since_ms)
		sqlite3_bind_int64(st, 3, q->since_ms);
	if (q->until_ms)
		sqlite3_bind_int64(st, 4, q->until_ms);
}

static int
query_wants(const struct mailbox_query *q, const struct rec *r)
{
	int i;

	if ((q->with && r->peer != q->with) || (q->group && r->group != q->group) ||
	    (q->since_ms && r->time_ms < q->since_ms) || (q->until_ms && r->time_ms >= q->until_ms))
		return 0;
	for (i = 0; q->types && i < q->ntypes; i++)
		if (strcmp(r->type, q->types[i]) == 0 || strcmp(r->dtype, q->types[i]) == 0)
			return 1;
	return !q->types || q->ntypes == 0;
}

#define QUERY_CACHE 8

struct query_cache {
	struct decoded d[QUERY_CACHE];
	void *blob[QUERY_CACHE];	/* meta and frames, copied: the statement moves on */
	int used, next;
};

/* The decoded batch that starts at seq, read if it is not kept already. */
static struct decoded *
query_batch(struct mailbox *mb, sqlite3_stmt *st, struct query_cache *c, int64_t seq, struct err *e)
{
	struct decoded *d;
	size_t mlen, flen;
	int i, rc;
	char *copy;

	for (i = 0; i < c->used; i++)
		if (c->d[i].seq == seq)
			return &c->d[i];
	i = c->used < QUERY_CACHE ? c->used++ : c->next++ % QUERY_CACHE;
	d = &c->d[i];
	d->seq = -1;
	sqlite3_bind_int64(st, 1, seq);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			err_set(e, EX_IO, "%s: batch %lld went away while reading", mb->path, (long long)seq);
		else
			mailbox_fail(mb, rc, e);
		sqlite3_reset(st);
		return NULL;
	}
	/* Copied: the statement moves on, the batch stays in the cache. */
	mlen = (size_t)sqlite3_column_bytes(st, 3);
	flen = (size_t)sqlite3_column_bytes(st, 4);
	free(c->blob[i]);
	c->blob[i] = copy = xmalloc(mlen + flen + 1);
	if (mlen)
		memcpy(copy, sqlite3_column_blob(st, 3), mlen);
	if (flen)
		memcpy(copy + mlen, sqlite3_column_blob(st, 4), flen);
	d->n = (long)sqlite3_column_int64(st, 1);
	d->received_ms = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	d->seq = seq;
	if (decode_blobs(mb, d, copy, mlen, copy + mlen, flen, e) != EX_OK) {
		d->seq = -1;
		return NULL;
	}
	return d;
}

static void
query_cache_free(struct query_cache *c)
{
	int i;

	for (i = 0; i < c->used; i++) {
		decoded_free(&c->d[i]);
		free(c->blob[i]);
	}
}

/* Every match, in the order of the batches. */
static int
query_matches(struct mailbox *mb, const struct mailbox_query *q, struct match **out, size_t *nout,
    struct err *e)
{
	char *sql = query_sql(q);
	struct decoded d = { 0 };
	struct match *v = NULL;
	size_t n = 0, max = 0;
	sqlite3_stmt *st;
	int rc, code = EX_OK;
	long i;

	rc = sqlite3_prepare_v2(mb->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return mailbox_fail(mb, rc, e);
	query_bind(st, q);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((code = decode(mb, st, &d, e)) != EX_OK)
			break;
		for (i = 0; i < d.n; i++) {
			if (!query_wants(q, &d.r[i]))
				continue;
			if (n == max) {
				max = max ? max * 2 : 256;
				v = xrealloc(v, max * sizeof *v);
			}
			v[n++] = (struct match){ d.r[i].time_ms, d.seq + i, d.seq };
		}
	}
	if (code == EX_OK && rc != SQLITE_DONE)
		code = mailbox_fail(mb, rc, e);
	sqlite3_finalize(st);
	decoded_free(&d);
	*out = v;
	*nout = n;
	return code;
}

int
mailbox_query(struct mailbox *mb, const struct mailbox_query *q, mailbox_each each, void *arg,
    struct err *e)
{
	struct query_cache cache = { 0 };
	struct match *v = NULL;
	struct mailbox_row row;
	sqlite3_stmt *st;
	size_t n = 0, i, from = 0;
	int rc, code;

	if ((code = query_matches(mb, q, &v, &n, e)) != EX_OK) {
		free(v);
		return code;
	}
	if (n > 0)
		qsort(v, n, sizeof *v, match_order);
	if (q->limit > 0 && n > (size_t)q->limit)
		from = n - (size_t)q->limit;
	rc = sqlite3_prepare_v2(mb->db, "SELECT " BATCH_COLUMNS " FROM batch WHERE seq = ?", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		free(v);
		return mailbox_fail(mb, rc, e);
	}
	for (i = from; i < n; i++) {
		struct decoded *d = query_batch(mb, st, &cache, v[i].batch, e);

		if (d == NULL) {
			code = e->code;
			break;
		}
		row_of(d, (long)(v[i].seq - d->seq), &row);
		if (each(arg, &row) != 0)
			break;
	}
	sqlite3_finalize(st);
	query_cache_free(&cache);
	free(v);
	return code;
}

/* Whole batches go: a batch's messages were all received at once. The
 * keys kept in memory may name what went, so they are forgotten. */
int
mailbox_prune(struct mailbox *mb, int64_t before_ms, long *n, struct err *e)
{
	sqlite3_stmt *count, *del, *floor;
	int64_t gone = 0, next = 1;
	int rc, code = EX_OK, own = !mailbox_in_transaction(mb);

	*n = 0;
	rc = sqlite3_prepare_v2(mb->db, "SELECT coalesce(sum(n), 0) FROM batch WHERE received_ms < ?1", -1, &count,
	    NULL);
	if (rc != SQLITE_OK)
		return mailbox_fail(mb, rc, e);
	rc = sqlite3_prepare_v2(mb->db, "DELETE FROM batch WHERE received_ms < ?1", -1, &del, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(count);
		return mailbox_fail(mb, rc, e);
	}
	sqlite3_bind_int64(count, 1, before_ms);
	sqlite3_bind_int64(del, 1, before_ms);
	/* Inside the holder's transaction (a timer between two messages of a
	 * turn), it is part of that; else a transaction of its own. */
	if (own)
		code = mailbox_exec(mb, "BEGIN IMMEDIATE", e);
	if (code == EX_OK && own)
		code = mailbox_int(mb, stmt(mb, MB_NEXT_GET, e), &next, e);
	else if (code == EX_OK)
		next = mb->next_seq;
	if (code == EX_OK && (code = mailbox_int(mb, count, &gone, e)) == EX_OK) {
		/* The last batch may go: the next seq must not go back. */
		if ((floor = stmt(mb, MB_FLOOR_SET, e)) != NULL)
			sqlite3_bind_int64(floor, 1, next);
		if ((code = mailbox_step(mb, floor, e)) == EX_OK &&
		    (code = mailbox_step(mb, del, e)) == EX_OK && own)
			code = mailbox_exec(mb, "COMMIT", e);
	}
	if (code != EX_OK && own && !sqlite3_get_autocommit(mb->db))
		sqlite3_exec(mb->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(count);
	sqlite3_finalize(del);
	if (code == EX_OK)
		*n = (long)gone;
	mb->keys_ready = 0;
	return code;
}

/* Schema 1 to 2, in one transaction: the messages keep their seqs (and so
 * the cursors their meaning), their times and their bytes. Rows received
 * together (as one loop turn stored them) become a batch. */
static int
mailbox_upgrade(struct mailbox *mb, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t version = 0, tables = 0, next = 1;
	int rc, code;

	if ((code = mailbox_exec(mb, "BEGIN IMMEDIATE", e)) != EX_OK)
		return code;
	if ((code = mailbox_probe(mb, &version, &tables, e)) != EX_OK || version != 1)
		goto out;	/* another process upgraded it meanwhile */
	if ((code = mailbox_exec(mb, SCHEMA_BATCH, e)) != EX_OK)
		goto out;
	/* batch_flush() prepares its INSERT at first use, now that the table is there. */
	rc = sqlite3_prepare_v2(mb->db, "SELECT seq, received_ms, ctime, coalesce(id, ''), type,"
	    " action, dtype, coalesce(peer, 0), coalesce(grp, 0), outgoing, frame FROM message"
	    " ORDER BY seq", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		code = mailbox_fail(mb, rc, e);
		goto out;
	}
	batch_reset(&mb->cur);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mailbox_msg m = {
			.id = (const char *)sqlite3_column_text(st, 3),
			.type = (const char *)sqlite3_column_text(st, 4),
			.action = (const char *)sqlite3_column_text(st, 5),
			.dtype = (const char *)sqlite3_column_text(st, 6),
			.peer = (long)sqlite3_column_int64(st, 7),
			.group = (long)sqlite3_column_int64(st, 8),
			.outgoing = sqlite3_column_int(st, 9),
			.frame = (const char *)sqlite3_column_text(st, 10),
			.len = (size_t)sqlite3_column_bytes(st, 10),
			.time_ms = sqlite3_column_int64(st, 2),
		};
		int64_t seq = sqlite3_column_int64(st, 0);

		if (!m.id || !m.type || !m.action || !m.dtype || !m.frame) {
			code = err_set(e, EX_IO, "%s: cannot read message %lld to upgrade the mailbox",
			    mb->path, (long long)seq);
			break;
		}
		if (!msg_fits(&m)) {
			code = err_set(e, EX_IO, "%s: message %lld is too long to upgrade the mailbox",
			    mb->path, (long long)seq);
			break;
		}
		if ((code = batch_add(mb, seq, &m, sqlite3_column_int64(st, 1), e)) != EX_OK)
			break;
		next = seq + 1;
	}
	if (code == EX_OK && rc != SQLITE_DONE)
		code = mailbox_fail(mb, rc, e);
	sqlite3_finalize(st);
	if (code == EX_OK)
		code = batch_flush(mb, e);
	/* AUTOINCREMENT's high-water mark: seqs pruned away are not given
	 * again either. */
	if (code == EX_OK && (rc = sqlite3_prepare_v2(mb->db, "SELECT max(?1, coalesce((SELECT seq + 1"
	    " FROM sqlite_sequence WHERE name = 'message'), 1))", -1, &st, NULL)) != SQLITE_OK)
		code = mailbox_fail(mb, rc, e);
	else if (code == EX_OK) {
		sqlite3_bind_int64(st, 1, next);
		code = mailbox_int(mb, st, &next, e);
		sqlite3_finalize(st);
	}
	if (code == EX_OK && (rc = sqlite3_prepare_v2(mb->db, "INSERT INTO counter VALUES ('next_seq', ?)",
	    -1, &st, NULL)) != SQLITE_OK)
		code = mailbox_fail(mb, rc, e);
	else if (code == EX_OK) {
		sqlite3_bind_int64(st, 1, next);
		code = mailbox_step(mb, st, e);
		sqlite3_finalize(st);
	}
	if (code == EX_OK)
		code = mailbox_exec(mb, "DROP TABLE message; PRAGMA user_version = 2;", e);
out:
	if (code == EX_OK)
		code = mailbox_exec(mb, "COMMIT", e);
	if (code != EX_OK && !sqlite3_get_autocommit(mb->db))
		sqlite3_exec(mb->db, "ROLLBACK", NULL, NULL, NULL);
	batch_reset(&mb->cur);
	return code;
}
