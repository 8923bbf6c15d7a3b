/* tests/bench/sqlite-floor.c: the least one SQLite write costs a process
 * that starts for it, as `send` does, on this machine.
 *
 *	sqlite-floor PATH	one write, then exit
 *	sqlite-floor PATH 0	exit at once (what the process costs without it)
 *
 * The write is the smallest a WAL-mode store can make: a database of one
 * table without an index, one 400-byte row in its own transaction, set up
 * as the mailbox sets up a one-shot writer (no memory statistics, no bulk
 * page cache, synchronous NORMAL, no checkpoint at close, the WAL
 * checkpointed past 1 MiB). tests/bench/oneshot times both and sets the
 * difference against curl: a bound under which no SQLite-backed send can
 * go here, whatever its schema. PATH is made on first use. Not part of
 * make check: make bench-tools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

static int
fail(sqlite3 *db, const char *path)
{
	fprintf(stderr, "sqlite-floor: %s: %s\n", path, db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_close(db);
	return 1;
}

int
main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	struct stat st;
	char *wal;
	int fresh;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: sqlite-floor PATH [0]\n");
		return 2;
	}
	if (argc == 3 && strcmp(argv[2], "0") == 0)
		return 0;
	fresh = stat(argv[1], &st) != 0;
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return fail(db, argv[1]);
	if (fresh && sqlite3_exec(db, "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;"
	    " CREATE TABLE t (a INTEGER PRIMARY KEY, b BLOB NOT NULL);", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, argv[1]);
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	if (sqlite3_exec(db, "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;"
	    " BEGIN IMMEDIATE; INSERT INTO t (b) VALUES (randomblob(400)); COMMIT;",
	    NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, argv[1]);
	if (asprintf(&wal, "%s-wal", argv[1]) < 0)
		return fail(db, argv[1]);
	if (stat(wal, &st) == 0 && st.st_size > 1024 * 1024)
		sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	free(wal);
	return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}
