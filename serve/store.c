/* serve/store.c: see store.h. The store is plain C arrays, because every
 * lookup is by id and the data sets serve is made for are small. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "../lib/xalloc.h"

struct store store;

long long
store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
store_fmt_local(long long ms, char *out)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
	return out;
}

char *
store_fmt_iso(long long ms, char *out)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[24];

	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", s, (int)(ms % 1000));
	return out;
}

void
store_init(void)
{
	memset(&store, 0, sizeof store);
	crypto_random_bytes(store.secret, sizeof store.secret);
	store.next_user = store.next_friend = store.next_apply = store.next_member = 1;
}

void
store_textq_push(struct textq *q, const char *text)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 8;
		q->v = xrealloc(q->v, q->cap * sizeof *q->v);
	}
	q->v[q->n++] = xstrdup(text);
}

void
store_textq_clear(struct textq *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		free(q->v[i]);
	free(q->v);
	memset(q, 0, sizeof *q);
}

void
store_free(void)
{
	size_t i, j;

	for (i = 0; i < store.nusers; i++) {
		struct user *u = &store.users[i];

		free(u->uuid);
		free(u->username);
		free(u->password);
		free(u->nickname);
		free(u->avatar);
		free(u->role);
		free(u->userset);
		free(u->token);
		store_textq_clear(&u->queue);
	}
	free(store.users);
	for (i = 0; i < store.nfriends; i++)
		free(store.friends[i].nickname);
	free(store.friends);
	for (i = 0; i < store.napplies; i++) {
		free(store.applies[i].nickname);
		free(store.applies[i].status);
	}
	free(store.applies);
	for (i = 0; i < store.ngroups; i++) {
		struct group *g = &store.groups[i];

		for (j = 0; j < g->nmembers; j++) {
			free(g->members[j].nickname);
			free(g->members[j].avatar);
		}
		free(g->members);
		free(g->name);
		free(g->avatar);
	}
	free(store.groups);
	free(store.logs);
	memset(&store, 0, sizeof store);
}

struct user *
store_user_by_id(long id)
{
	size_t i;

	for (i = 0; i < store.nusers; i++)
		if (store.users[i].id == id)
			return &store.users[i];
	return NULL;
}

struct user *
store_user_by_name(const char *username)
{
	size_t i;

	for (i = 0; i < store.nusers; i++)
		if (strcmp(store.users[i].username, username) == 0)
			return &store.users[i];
	return NULL;
}

struct user *
store_user_by_uuid(const char *uuid)
{
	size_t i;

	for (i = 0; i < store.nusers; i++)
		if (strcmp(store.users[i].uuid, uuid) == 0)
			return &store.users[i];
	return NULL;
}

const char *
store_user_name(const struct user *u)
{
	return u->nickname[0] ? u->nickname : u->username;
}

struct user *
store_user_add(long id, const char *username, const char *password)
{
	struct user *u;
	char hash[65], uuid[37];

	store.users = xrealloc(store.users, (store.nusers + 1) * sizeof *store.users);
	u = &store.users[store.nusers++];
	memset(u, 0, sizeof *u);
	if (id <= 0)
		id = store.next_user;
	if (id >= store.next_user)
		store.next_user = id + 1;
	u->id = id;
	crypto_uuid_v4(uuid);
	u->uuid = xstrdup(uuid);
	u->username = xstrdup(username);
	crypto_sha256_hex(password, hash);
	u->password = xstrdup(hash);
	u->nickname = xstrdup("");
	u->avatar = xstrdup(DEFAULT_AVATAR);
	u->role = xstrdup("user");
	u->userset = xstrdup("");
	u->status = 1;
	u->create_ms = u->register_ms = u->last_login_ms = store_now_ms();
	return u;
}

struct friend *
store_friend_find(long user_id, long friend_id)
{
	size_t i;

	for (i = 0; i < store.nfriends; i++)
		if (store.friends[i].user_id == user_id && store.friends[i].friend_id == friend_id)
			return &store.friends[i];
	return NULL;
}

struct friend *
store_friend_add(long user_id, long friend_id, const char *nickname)
{
	struct friend *f;

	store.friends = xrealloc(store.friends, (store.nfriends + 1) * sizeof *store.friends);
	f = &store.friends[store.nfriends++];
	f->id = store.next_friend++;
	f->user_id = user_id;
	f->friend_id = friend_id;
	f->nickname = xstrdup(nickname ? nickname : "");
	f->isblack = 0;
	f->status = 1;
	return f;
}

struct apply *
store_apply_by_id(long id)
{
	size_t i;

	for (i = 0; i < store.napplies; i++)
		if (store.applies[i].id == id)
			return &store.applies[i];
	return NULL;
}

struct apply *
store_apply_add(long user_id, long friend_id, const char *nickname)
{
	struct apply *a;

	store.applies = xrealloc(store.applies, (store.napplies + 1) * sizeof *store.applies);
	a = &store.applies[store.napplies++];
	a->id = store.next_apply++;
	a->user_id = user_id;
	a->friend_id = friend_id;
	a->nickname = xstrdup(nickname ? nickname : "");
	a->status = xstrdup("pending");
	a->create_ms = a->update_ms = store_now_ms();
	return a;
}

struct group *
store_group_by_id(long id)
{
	size_t i;

	for (i = 0; i < store.ngroups; i++)
		if (store.groups[i].id == id)
			return &store.groups[i];
	return NULL;
}

long
store_chatlog_count(long a, long b)
{
	size_t i;

	for (i = 0; i < store.nlogs; i++)
		if (store.logs[i].a == a && store.logs[i].b == b)
			return store.logs[i].n;
	return 0;
}

void
store_chatlog_add(long a, long b)
{
	size_t i;

	for (i = 0; i < store.nlogs; i++)
		if (store.logs[i].a == a && store.logs[i].b == b) {
			store.logs[i].n++;
			return;
		}
	store.logs = xrealloc(store.logs, (store.nlogs + 1) * sizeof *store.logs);
	store.logs[store.nlogs++] = (struct chatlog){ a, b, 1 };
}

jv
store_user_row(const struct user *u)
{
	char ct[32], ll[32], rt[32];
	jv o = jv_object();

	o = jv_object_set(o, jv_string("create_time"), jv_string(store_fmt_local(u->create_ms, ct)));
	o = jv_object_set(o, jv_string("id"), jv_number((double)u->id));
	o = jv_object_set(o, jv_string("uuid"), jv_string(u->uuid));
	o = jv_object_set(o, jv_string("username"), jv_string(u->username));
	o = jv_object_set(o, jv_string("nickname"), jv_string(u->nickname));
	o = jv_object_set(o, jv_string("avatar"), jv_string(u->avatar));
	o = jv_object_set(o, jv_string("devicefingeruuid"), jv_string(""));
	o = jv_object_set(o, jv_string("uniplatform"), jv_string(""));
	o = jv_object_set(o, jv_string("devicemodel"), jv_string(""));
	o = jv_object_set(o, jv_string("deviceos"), jv_string(""));
	o = jv_object_set(o, jv_string("devicebrand"), jv_string(""));
	o = jv_object_set(o, jv_string("userset"), u->userset ? jv_string(u->userset) : jv_null());
	o = jv_object_set(o, jv_string("invite_confirm"), jv_number(0));
	o = jv_object_set(o, jv_string("mobile"), jv_null());
	o = jv_object_set(o, jv_string("email"), jv_null());
	o = jv_object_set(o, jv_string("status"), jv_number(u->status));
	o = jv_object_set(o, jv_string("last_login"), jv_string(store_fmt_iso(u->last_login_ms, ll)));
	o = jv_object_set(o, jv_string("last_login_ip"), jv_null());
	o = jv_object_set(o, jv_string("register_time"),
	    jv_string(store_fmt_iso(u->register_ms / 1000 * 1000, rt)));
	o = jv_object_set(o, jv_string("register_ip"), jv_null());
	o = jv_object_set(o, jv_string("is_deleted"), jv_number(0));
	o = jv_object_set(o, jv_string("wechat_openid"), jv_null());
	o = jv_object_set(o, jv_string("qq_openid"), jv_null());
	o = jv_object_set(o, jv_string("weibo_uid"), jv_null());
	o = jv_object_set(o, jv_string("role"), jv_string(u->role));
	o = jv_object_set(o, jv_string("is_email_verified"), jv_number(0));
	o = jv_object_set(o, jv_string("is_mobile_verified"), jv_number(0));
	o = jv_object_set(o, jv_string("order"), jv_number(50));
	/* What sequelize leaves in the row after an update with fn('NOW'). */
	o = jv_object_set(o, jv_string("update_time"),
	    jv_object_set(jv_object_set(jv_object(), jv_string("fn"), jv_string("NOW")),
		jv_string("args"), jv_array()));
	return o;
}
