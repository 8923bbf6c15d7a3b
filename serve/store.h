/* serve/store.h: everything chatctl serve knows, held in memory.
 *
 * One process, one store: the global `store` holds the users (with their
 * current REST token and their offline queue), friendships, friend
 * requests, groups, the per-pair chat-log counts that the "one message
 * before friendship" rule reads, and the secret that signs tokens. The
 * real server keeps these in MySQL and Redis; api §4.8 lists the keys.
 *
 * Calling sequence: store_init(), then state_load_seed() or state_load()
 * (state.h: the files live there, this is only the model); handlers read
 * and change the store directly and call store_touch() after every change;
 * the event loop calls state_save() when store.dirty is set (when --state
 * was given); store_free() at exit.
 *
 * Ownership: the store owns every string and array reachable from it.
 * Pointers to users, friendships and so on stay valid until the next
 * store_*_add() call of the same kind (arrays may move): look them up
 * again rather than keeping them. Queued records are JSON texts.
 *
 * Every export is store_*: serve/ links into the same binary as lib/,
 * and bare names such as user_by_id or now_ms would be anyone's. */
#ifndef SERVE_STORE_H
#define SERVE_STORE_H

#include <stddef.h>

#include <jv.h>

#include "crypto.h"

#define DEFAULT_AVATAR "https://docs-51yrc-com.oss-cn-hangzhou.aliyuncs.com/chat/user.jpg"

struct conn;

/* A list of JSON texts, oldest first (Redis RPUSH order). */
struct textq {
	char **v;
	size_t n, cap;
};

struct user {
	long id;
	char *uuid, *username, *password;	/* password: hex SHA-256 */
	char *nickname, *avatar, *role;
	char *userset;			/* raw settings text, NULL for null */
	int status;			/* 1 active, 0 disabled */
	long long create_ms, register_ms, last_login_ms;
	char *token;			/* the one token REST accepts, or NULL */
	struct textq queue;		/* offline messages (chat_getmessage_<id>) */
	struct conn *conn;		/* accepted socket, or NULL: "online" */
};

/* One directed row: user_id has friend_id in their list. */
struct friend {
	long id, user_id, friend_id;
	char *nickname;			/* user_id's remark for friend_id */
	int isblack, status;
};

struct apply {
	long id, user_id, friend_id;	/* user_id asks friend_id */
	char *nickname;			/* the note sent with the request */
	char *status;			/* pending, refuse, agree, ignore */
	long long create_ms, update_ms;
};

struct member {
	long id, user_id;
	char *nickname, *avatar;
	int status;
};

struct group {
	long id, owner;
	char *name, *avatar;
	int status;
	long long create_ms;
	struct member *members;
	size_t nmembers;
};

/* Messages logged from a to b in single chat (chatlog:chatlog_<a>_single_<b>). */
struct chatlog {
	long a, b, n;
};

struct store {
	unsigned char secret[SECRET_LEN];
	struct user *users;
	size_t nusers;
	struct friend *friends;
	size_t nfriends;
	struct apply *applies;
	size_t napplies;
	struct group *groups;
	size_t ngroups;
	struct chatlog *logs;
	size_t nlogs;
	long next_user, next_friend, next_apply, next_member;
	int dirty;			/* changed since the last state_save() */
};

extern struct store store;

void store_init(void);
void store_free(void);

static inline void
store_touch(void)
{
	store.dirty = 1;
}

struct user *store_user_by_id(long id);
struct user *store_user_by_name(const char *username);
struct user *store_user_by_uuid(const char *uuid);
/* Adds a user with defaults (status 1, role user, fresh uuid, default
 * avatar); returns it. password is the plain text. */
struct user *store_user_add(long id, const char *username, const char *password);

struct friend *store_friend_find(long user_id, long friend_id);
struct friend *store_friend_add(long user_id, long friend_id, const char *nickname);

struct apply *store_apply_by_id(long id);
struct apply *store_apply_add(long user_id, long friend_id, const char *nickname);

struct group *store_group_by_id(long id);

long store_chatlog_count(long a, long b);
void store_chatlog_add(long a, long b);

void store_textq_push(struct textq *q, const char *text);
void store_textq_clear(struct textq *q);

/* Display name: nickname when set, else username (borrowed). */
const char *store_user_name(const struct user *u);

/* The user row as regChat/loginChat answer it (observed A1), without
 * password and token. The caller owns the result. */
jv store_user_row(const struct user *u);

/* Times as the real server prints them: "YYYY-MM-DD HH:mm:ss" in local
 * time, and ISO-8601 UTC with milliseconds. out needs 32 bytes. */
long long store_now_ms(void);
char *store_fmt_local(long long ms, char *out);
char *store_fmt_iso(long long ms, char *out);

#endif
