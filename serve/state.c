/* serve/state.c: see state.h. Both files are JSON, read and written with
 * libjq's jv. They share the friends, applies and groups sections and most
 * of a user's fields, hence one set of field readers for both. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "store.h"
#include "../lib/json.h"
#include "../lib/xalloc.h"

/* ---- reading JSON files ---- */

/* Read path whole and parse it; on failure fill e with the seed/state
 * wording and return an invalid jv. */
static jv
load_json(const char *path, const char *what, struct err *e)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	FILE *fp = fopen(path, "r");
	jv v;

	if (fp == NULL) {
		err_set(e, EX_IO, "cannot read '%s': %s", path, strerror(errno));
		return jv_invalid();
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(fp)) {
		err_set(e, EX_IO, "cannot read '%s': %s", path, strerror(errno));
		fclose(fp);
		buf_release(&b);
		return jv_invalid();
	}
	fclose(fp);
	v = json_parse(b.buf ? b.buf : "", b.len);
	buf_release(&b);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);

		err_set(e, EX_IO, "invalid %s '%s': %s", what, path,
		    jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "not JSON");
		jv_free(msg);
		return jv_invalid();
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		err_set(e, EX_IO, "invalid %s '%s': the top level must be an object", what, path);
		return jv_invalid();
	}
	return v;
}

/* v (a number, borrowed) as a long: 1 when it is a whole number in range.
 * The range is checked first: converting a double past it is undefined. */
static int
num_long(jv v, long *out)
{
	double d = jv_number_value(v);

	if (!(d >= (double)LONG_MIN && d < -(double)LONG_MIN) || d != (double)(long)d)
		return 0;
	*out = (long)d;
	return 1;
}

/* Field readers for one object o (borrowed). Each returns 0 when the
 * field is absent or null (leaving *out alone), 1 when it was read, and -1
 * with *bad set to the field name when it has the wrong type. */
static int
get_long(jv o, const char *k, long *out, const char **bad)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	int r = 0;

	/* Not jv_is_integer(): libjq 1.6 limits it to int, and times are ms. */
	if (jv_get_kind(v) == JV_KIND_NUMBER && num_long(v, out))
		r = 1;
	else if (jv_get_kind(v) == JV_KIND_STRING && jv_string_value(v)[0]) {
		char *end;

		*out = strtol(jv_string_value(v), &end, 10);
		r = *end ? -1 : 1;
	} else if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL)
		r = -1;
	if (r < 0)
		*bad = k;
	jv_free(v);
	return r;
}

static int
get_llong(jv o, const char *k, long long *out, const char **bad)
{
	long v = 0;
	int r = get_long(o, k, &v, bad);

	if (r > 0)
		*out = v;
	return r;
}

/* *out becomes a fresh copy (freeing what it held) when present. Numbers
 * are accepted and printed, since seeds are written by hand. */
static int
get_str(jv o, const char *k, char **out, const char **bad)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	int r = 0;

	if (jv_get_kind(v) == JV_KIND_STRING) {
		free(*out);
		*out = xstrdup(jv_string_value(v));
		r = 1;
	} else if (jv_get_kind(v) == JV_KIND_NUMBER) {
		jv s = jv_dump_string(jv_copy(v), 0);

		free(*out);
		*out = xstrdup(jv_string_value(s));
		jv_free(s);
		r = 1;
	} else if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL) {
		*bad = k;
		r = -1;
	}
	jv_free(v);
	return r;
}

/* An array field: absent or null gives an empty array. */
static jv
get_array(jv o, const char *k, const char **bad)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));

	if (!jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL) {
		jv_free(v);
		return jv_array();
	}
	if (jv_get_kind(v) != JV_KIND_ARRAY) {
		jv_free(v);
		*bad = k;
		return jv_invalid();
	}
	return v;
}

static int
bad_field(struct err *e, const char *what, const char *path, const char *list,
    int idx, const char *field)
{
	return err_set(e, EX_IO, "invalid %s '%s': %s[%d]: bad or missing '%s'",
	    what, path, list, idx, field);
}

/* The parts of a user that both files share. */
static int
read_user_fields(jv o, struct user *u, const char **bad)
{
	jv us;
	long status = u->status;

	if (get_str(o, "nickname", &u->nickname, bad) < 0 ||
	    get_str(o, "avatar", &u->avatar, bad) < 0 ||
	    get_str(o, "role", &u->role, bad) < 0 ||
	    get_long(o, "status", &status, bad) < 0)
		return -1;
	u->status = (int)status;
	if (strcmp(u->role, "user") != 0 && strcmp(u->role, "visitor") != 0) {
		*bad = "role";
		return -1;
	}
	/* userset: raw text; an object written inline is kept as its text. */
	us = jv_object_get(jv_copy(o), jv_string("userset"));
	if (jv_get_kind(us) == JV_KIND_NULL) {
		free(u->userset);
		u->userset = NULL;
	} else if (jv_get_kind(us) == JV_KIND_STRING) {
		free(u->userset);
		u->userset = xstrdup(jv_string_value(us));
	} else if (jv_get_kind(us) == JV_KIND_OBJECT) {
		jv s = jv_dump_string(jv_copy(us), 0);

		free(u->userset);
		u->userset = xstrdup(jv_string_value(s));
		jv_free(s);
	} else if (jv_is_valid(us)) {
		jv_free(us);
		*bad = "userset";
		return -1;
	}
	jv_free(us);
	return 0;
}

static int
read_groups(jv top, const char *what, const char *path, struct err *e)
{
	const char *bad = NULL;
	jv groups = get_array(top, "groups", &bad);
	int i, n;
	long next_group = 1;

	if (!jv_is_valid(groups))
		return err_set(e, EX_IO, "invalid %s '%s': '%s' must be an array", what, path, bad);
	n = jv_array_length(jv_copy(groups));
	for (i = 0; i < n; i++) {
		jv g = jv_array_get(jv_copy(groups), i);
		long id = 0;

		if (jv_get_kind(g) == JV_KIND_OBJECT && get_long(g, "id", &id, &bad) > 0 &&
		    id >= next_group)
			next_group = id + 1;
		jv_free(g);
	}
	for (i = 0; i < n; i++) {
		jv g = jv_array_get(jv_copy(groups), i), members;
		struct group *gr;
		long id = 0, status = 1, owner = 0;
		int m;

		store.groups = xrealloc(store.groups, (store.ngroups + 1) * sizeof *store.groups);
		gr = &store.groups[store.ngroups++];
		memset(gr, 0, sizeof *gr);
		gr->name = xstrdup("");
		gr->avatar = xstrdup("https://docs-51yrc-com.oss-cn-hangzhou.aliyuncs.com/chat/group.png");
		gr->create_ms = store_now_ms();
		bad = "id";
		if (jv_get_kind(g) != JV_KIND_OBJECT || get_long(g, "id", &id, &bad) < 0 ||
		    get_str(g, "name", &gr->name, &bad) < 0 ||
		    get_str(g, "avatar", &gr->avatar, &bad) < 0 ||
		    get_long(g, "status", &status, &bad) < 0 ||
		    get_long(g, "user_id", &owner, &bad) < 0 ||
		    get_llong(g, "create_ms", &gr->create_ms, &bad) < 0) {
			jv_free(g);
			jv_free(groups);
			return bad_field(e, what, path, "groups", i, bad);
		}
		gr->id = id > 0 ? id : next_group++;
		gr->status = (int)status;
		members = get_array(g, "users", &bad);
		if (!jv_is_valid(members)) {
			jv_free(g);
			jv_free(groups);
			return bad_field(e, what, path, "groups", i, "users");
		}
		for (m = 0; m < jv_array_length(jv_copy(members)); m++) {
			jv mo = jv_array_get(jv_copy(members), m);
			struct member *mb;
			long uid = 0, mid = 0, mstatus = 1;

			gr->members = xrealloc(gr->members, (gr->nmembers + 1) * sizeof *gr->members);
			mb = &gr->members[gr->nmembers++];
			memset(mb, 0, sizeof *mb);
			mb->nickname = xstrdup("");
			mb->avatar = xstrdup("");
			bad = "user_id";
			if (jv_get_kind(mo) != JV_KIND_OBJECT ||
			    get_long(mo, "user_id", &uid, &bad) <= 0 || store_user_by_id(uid) == NULL ||
			    get_long(mo, "id", &mid, &bad) < 0 ||
			    get_str(mo, "nickname", &mb->nickname, &bad) < 0 ||
			    get_str(mo, "avatar", &mb->avatar, &bad) < 0 ||
			    get_long(mo, "status", &mstatus, &bad) < 0) {
				jv_free(mo);
				jv_free(members);
				jv_free(g);
				jv_free(groups);
				return err_set(e, EX_IO, "invalid %s '%s': groups[%d].users[%d]: bad or missing '%s'",
				    what, path, i, m, bad);
			}
			mb->user_id = uid;
			mb->id = mid > 0 ? mid : store.next_member;
			if (mb->id >= store.next_member)
				store.next_member = mb->id + 1;
			mb->status = (int)mstatus;
			jv_free(mo);
		}
		gr->owner = owner > 0 ? owner : gr->nmembers ? gr->members[0].user_id : 0;
		jv_free(members);
		jv_free(g);
	}
	jv_free(groups);
	return EX_OK;
}

static int
read_friends(jv top, const char *what, const char *path, struct err *e)
{
	const char *bad = NULL;
	jv list = get_array(top, "friends", &bad);
	int i;

	if (!jv_is_valid(list))
		return err_set(e, EX_IO, "invalid %s '%s': '%s' must be an array", what, path, bad);
	for (i = 0; i < jv_array_length(jv_copy(list)); i++) {
		jv o = jv_array_get(jv_copy(list), i);
		long uid = 0, fid = 0, id = 0, isblack = 0, status = 1;
		struct friend *f;

		bad = "user_id";
		if (jv_get_kind(o) != JV_KIND_OBJECT ||
		    get_long(o, "user_id", &uid, &bad) <= 0 || store_user_by_id(uid) == NULL ||
		    (bad = "friend_id", get_long(o, "friend_id", &fid, &bad) <= 0) ||
		    store_user_by_id(fid) == NULL ||
		    get_long(o, "id", &id, &bad) < 0 ||
		    get_long(o, "isblack", &isblack, &bad) < 0 ||
		    get_long(o, "status", &status, &bad) < 0) {
			jv_free(o);
			jv_free(list);
			return bad_field(e, what, path, "friends", i, bad);
		}
		f = store_friend_add(uid, fid, NULL);
		if (get_str(o, "nickname", &f->nickname, &bad) < 0) {
			jv_free(o);
			jv_free(list);
			return bad_field(e, what, path, "friends", i, bad);
		}
		if (id > 0) {
			f->id = id;
			if (id >= store.next_friend)
				store.next_friend = id + 1;
		}
		f->isblack = (int)isblack;
		f->status = (int)status;
		jv_free(o);
	}
	jv_free(list);
	return EX_OK;
}

static int
read_applies(jv top, const char *what, const char *path, struct err *e)
{
	static const char *const statuses[] = { "pending", "refuse", "agree", "ignore", NULL };
	const char *bad = NULL;
	jv list = get_array(top, "applies", &bad);
	int i, n;

	if (!jv_is_valid(list))
		return err_set(e, EX_IO, "invalid %s '%s': '%s' must be an array", what, path, bad);
	n = jv_array_length(jv_copy(list));
	/* Explicit ids first, so that missing ones never collide with them. */
	for (i = 0; i < n; i++) {
		jv o = jv_array_get(jv_copy(list), i);
		long id = 0;

		if (jv_get_kind(o) == JV_KIND_OBJECT && get_long(o, "id", &id, &bad) > 0 &&
		    id >= store.next_apply)
			store.next_apply = id + 1;
		jv_free(o);
	}
	for (i = 0; i < n; i++) {
		jv o = jv_array_get(jv_copy(list), i);
		long uid = 0, fid = 0, id = 0;
		struct apply *a;
		int k, ok = 0;

		bad = "user_id";
		if (jv_get_kind(o) != JV_KIND_OBJECT ||
		    get_long(o, "user_id", &uid, &bad) <= 0 || store_user_by_id(uid) == NULL ||
		    (bad = "friend_id", get_long(o, "friend_id", &fid, &bad) <= 0) ||
		    store_user_by_id(fid) == NULL || get_long(o, "id", &id, &bad) < 0) {
			jv_free(o);
			jv_free(list);
			return bad_field(e, what, path, "applies", i, bad);
		}
		a = store_apply_add(uid, fid, NULL);
		if (id > 0) {
			a->id = id;
			store.next_apply--;
		}
		if (get_str(o, "nickname", &a->nickname, &bad) < 0 ||
		    get_str(o, "status", &a->status, &bad) < 0 ||
		    get_llong(o, "create_ms", &a->create_ms, &bad) < 0 ||
		    get_llong(o, "update_ms", &a->update_ms, &bad) < 0) {
			jv_free(o);
			jv_free(list);
			return bad_field(e, what, path, "applies", i, bad);
		}
		for (k = 0; statuses[k]; k++)
			ok |= strcmp(a->status, statuses[k]) == 0;
		jv_free(o);
		if (!ok) {
			jv_free(list);
			return bad_field(e, what, path, "applies", i, "status");
		}
	}
	jv_free(list);
	return EX_OK;
}

int
state_load_seed(const char *path, struct err *e)
{
	const char *what = "seed", *bad = NULL;
	jv top = load_json(path, what, e), users;
	int i, n, code;

	if (!jv_is_valid(top))
		return EX_IO;
	users = get_array(top, "users", &bad);
	if (!jv_is_valid(users)) {
		jv_free(top);
		return err_set(e, EX_IO, "invalid seed '%s': 'users' must be an array", path);
	}
	n = jv_array_length(jv_copy(users));
	for (i = 0; i < n; i++) {
		jv o = jv_array_get(jv_copy(users), i);
		long id = 0;

		if (jv_get_kind(o) == JV_KIND_OBJECT && get_long(o, "id", &id, &bad) > 0 &&
		    id >= store.next_user)
			store.next_user = id + 1;
		jv_free(o);
	}
	for (i = 0; i < n; i++) {
		jv o = jv_array_get(jv_copy(users), i);
		char *name = NULL, *pass = NULL;
		long id = 0;
		struct user *u;

		bad = "username";
		if (jv_get_kind(o) != JV_KIND_OBJECT || get_str(o, "username", &name, &bad) <= 0 ||
		    !name[0] || (bad = "password", get_str(o, "password", &pass, &bad) <= 0) ||
		    (bad = "id", get_long(o, "id", &id, &bad) < 0) || id < 0) {
			free(name);
			free(pass);
			jv_free(o);
			goto bad;
		}
		if (store_user_by_name(name) || (id > 0 && store_user_by_id(id))) {
			bad = store_user_by_name(name) ? "username" : "id";
			free(name);
			free(pass);
			jv_free(o);
			code = err_set(e, EX_IO, "invalid seed '%s': users[%d]: duplicate '%s'", path, i, bad);
			goto out;
		}
		u = store_user_add(id, name, pass);
		free(name);
		free(pass);
		if (read_user_fields(o, u, &bad) < 0) {
			jv_free(o);
			goto bad;
		}
		jv_free(o);
	}
	if ((code = read_friends(top, what, path, e)) != EX_OK ||
	    (code = read_applies(top, what, path, e)) != EX_OK ||
	    (code = read_groups(top, what, path, e)) != EX_OK)
		goto out;
	code = EX_OK;
	goto out;
bad:
	code = bad_field(e, what, path, "users", i, bad);
out:
	jv_free(users);
	jv_free(top);
	return code;
}

/* ---- the state file ---- */

static jv
state_user(const struct user *u)
{
	jv o = jv_object(), q = jv_array();
	size_t i;

	o = jv_object_set(o, jv_string("id"), jv_number((double)u->id));
	o = jv_object_set(o, jv_string("uuid"), jv_string(u->uuid));
	o = jv_object_set(o, jv_string("username"), jv_string(u->username));
	o = jv_object_set(o, jv_string("password_sha256"), jv_string(u->password));
	o = jv_object_set(o, jv_string("nickname"), jv_string(u->nickname));
	o = jv_object_set(o, jv_string("avatar"), jv_string(u->avatar));
	o = jv_object_set(o, jv_string("role"), jv_string(u->role));
	o = jv_object_set(o, jv_string("userset"), u->userset ? jv_string(u->userset) : jv_null());
	o = jv_object_set(o, jv_string("status"), jv_number(u->status));
	o = jv_object_set(o, jv_string("create_ms"), jv_number((double)u->create_ms));
	o = jv_object_set(o, jv_string("register_ms"), jv_number((double)u->register_ms));
	o = jv_object_set(o, jv_string("last_login_ms"), jv_number((double)u->last_login_ms));
	o = jv_object_set(o, jv_string("token"), u->token ? jv_string(u->token) : jv_null());
	for (i = 0; i < u->queue.n; i++)
		q = jv_array_append(q, jv_string(u->queue.v[i]));
	return jv_object_set(o, jv_string("queue"), q);
}

static jv
state_doc(void)
{
	char secret[2 * SECRET_LEN + 1];
	jv doc = jv_object(), a;
	size_t i, j;

	doc = jv_object_set(doc, jv_string("chatctl_serve_state"), jv_number(1));
	doc = jv_object_set(doc, jv_string("secret"),
	    jv_string(crypto_hex_encode(store.secret, SECRET_LEN, secret)));
	a = jv_array();
	for (i = 0; i < store.nusers; i++)
		a = jv_array_append(a, state_user(&store.users[i]));
	doc = jv_object_set(doc, jv_string("users"), a);
	a = jv_array();
	for (i = 0; i < store.nfriends; i++) {
		const struct friend *f = &store.friends[i];
		jv o = jv_object();

		o = jv_object_set(o, jv_string("id"), jv_number((double)f->id));
		o = jv_object_set(o, jv_string("user_id"), jv_number((double)f->user_id));
		o = jv_object_set(o, jv_string("friend_id"), jv_number((double)f->friend_id));
		o = jv_object_set(o, jv_string("nickname"), jv_string(f->nickname));
		o = jv_object_set(o, jv_string("isblack"), jv_number(f->isblack));
		o = jv_object_set(o, jv_string("status"), jv_number(f->status));
		a = jv_array_append(a, o);
	}
	doc = jv_object_set(doc, jv_string("friends"), a);
	a = jv_array();
	for (i = 0; i < store.napplies; i++) {
		const struct apply *p = &store.applies[i];
		jv o = jv_object();

		o = jv_object_set(o, jv_string("id"), jv_number((double)p->id));
		o = jv_object_set(o, jv_string("user_id"), jv_number((double)p->user_id));
		o = jv_object_set(o, jv_string("friend_id"), jv_number((double)p->friend_id));
		o = jv_object_set(o, jv_string("nickname"), jv_string(p->nickname));
		o = jv_object_set(o, jv_string("status"), jv_string(p->status));
		o = jv_object_set(o, jv_string("create_ms"), jv_number((double)p->create_ms));
		o = jv_object_set(o, jv_string("update_ms"), jv_number((double)p->update_ms));
		a = jv_array_append(a, o);
	}
	doc = jv_object_set(doc, jv_string("applies"), a);
	a = jv_array();
	for (i = 0; i < store.ngroups; i++) {
		const struct group *g = &store.groups[i];
		jv o = jv_object(), m = jv_array();

		o = jv_object_set(o, jv_string("id"), jv_number((double)g->id));
		o = jv_object_set(o, jv_string("name"), jv_string(g->name));
		o = jv_object_set(o, jv_string("avatar"), jv_string(g->avatar));
		o = jv_object_set(o, jv_string("status"), jv_number(g->status));
		o = jv_object_set(o, jv_string("user_id"), jv_number((double)g->owner));
		o = jv_object_set(o, jv_string("create_ms"), jv_number((double)g->create_ms));
		for (j = 0; j < g->nmembers; j++) {
			const struct member *mb = &g->members[j];
			jv mo = jv_object();

			mo = jv_object_set(mo, jv_string("id"), jv_number((double)mb->id));
			mo = jv_object_set(mo, jv_string("user_id"), jv_number((double)mb->user_id));
			mo = jv_object_set(mo, jv_string("nickname"), jv_string(mb->nickname));
			mo = jv_object_set(mo, jv_string("avatar"), jv_string(mb->avatar));
			mo = jv_object_set(mo, jv_string("status"), jv_number(mb->status));
			m = jv_array_append(m, mo);
		}
		a = jv_array_append(a, jv_object_set(o, jv_string("users"), m));
	}
	doc = jv_object_set(doc, jv_string("groups"), a);
	a = jv_array();
	for (i = 0; i < store.nlogs; i++)
		a = jv_array_append(a, jv_array_append(jv_array_append(jv_array_append(jv_array(),
		    jv_number((double)store.logs[i].a)), jv_number((double)store.logs[i].b)),
		    jv_number((double)store.logs[i].n)));
	doc = jv_object_set(doc, jv_string("chatlogs"), a);
	return doc;
}

int
state_save(const char *path, struct err *e)
{
	jv text = jv_dump_string(state_doc(), 0);
	const char *s = jv_string_value(text);
	size_t len = strlen(s), off = 0;
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd, code = EX_OK;

	store.dirty = 0;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		code = err_set(e, EX_IO, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, s + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			code = err_set(e, EX_IO, "cannot write '%s': %s", tmp, strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	if (code == EX_OK && (write(fd, "\n", 1) != 1 || fsync(fd) < 0))
		code = err_set(e, EX_IO, "cannot write '%s': %s", tmp, strerror(errno));
	if (close(fd) < 0 && code == EX_OK)
		code = err_set(e, EX_IO, "cannot write '%s': %s", tmp, strerror(errno));
	if (code == EX_OK && rename(tmp, path) < 0)
		code = err_set(e, EX_IO, "cannot rename '%s': %s", tmp, strerror(errno));
	if (code != EX_OK)
		unlink(tmp);
out:
	free(tmp);
	jv_free(text);
	return code;
}

int
state_load(const char *path, struct err *e)
{
	const char *what = "state", *bad = NULL;
	jv top = load_json(path, what, e), users, logs;
	char *secret = NULL;
	int i, n, code = EX_OK;

	if (!jv_is_valid(top))
		return EX_IO;
	if (get_str(top, "secret", &secret, &bad) <= 0 ||
	    crypto_hex_decode(secret, store.secret, SECRET_LEN) < 0) {
		free(secret);
		jv_free(top);
		return err_set(e, EX_IO, "invalid state '%s': bad or missing 'secret'", path);
	}
	free(secret);
	users = get_array(top, "users", &bad);
	if (!jv_is_valid(users)) {
		jv_free(top);
		return err_set(e, EX_IO, "invalid state '%s': 'users' must be an array", path);
	}
	n = jv_array_length(jv_copy(users));
	for (i = 0; i < n && code == EX_OK; i++) {
		jv o = jv_array_get(jv_copy(users), i), q;
		char *name = NULL;
		long id = 0;
		struct user *u;
		int k;

		bad = "username";
		if (jv_get_kind(o) != JV_KIND_OBJECT || get_str(o, "username", &name, &bad) <= 0 ||
		    (bad = "id", get_long(o, "id", &id, &bad) <= 0) || store_user_by_id(id)) {
			free(name);
			jv_free(o);
			code = bad_field(e, what, path, "users", i, bad);
			break;
		}
		u = store_user_add(id, name, "");
		free(name);
		if (get_str(o, "uuid", &u->uuid, &bad) < 0 ||
		    get_str(o, "password_sha256", &u->password, &bad) < 0 ||
		    get_str(o, "token", &u->token, &bad) < 0 ||
		    get_llong(o, "create_ms", &u->create_ms, &bad) < 0 ||
		    get_llong(o, "register_ms", &u->register_ms, &bad) < 0 ||
		    get_llong(o, "last_login_ms", &u->last_login_ms, &bad) < 0 ||
		    read_user_fields(o, u, &bad) < 0) {
			jv_free(o);
			code = bad_field(e, what, path, "users", i, bad);
			break;
		}
		q = get_array(o, "queue", &bad);
		for (k = 0; jv_is_valid(q) && k < jv_array_length(jv_copy(q)); k++) {
			jv item = jv_array_get(jv_copy(q), k);

			if (jv_get_kind(item) == JV_KIND_STRING)
				store_textq_push(&u->queue, jv_string_value(item));
			jv_free(item);
		}
		jv_free(q);
		jv_free(o);
	}
	jv_free(users);
	if (code == EX_OK)
		code = read_friends(top, what, path, e);
	if (code == EX_OK)
		code = read_applies(top, what, path, e);
	if (code == EX_OK)
		code = read_groups(top, what, path, e);
	logs = get_array(top, "chatlogs", &bad);
	for (i = 0; code == EX_OK && jv_is_valid(logs) && i < jv_array_length(jv_copy(logs)); i++) {
		jv t = jv_array_get(jv_copy(logs), i);

		if (jv_get_kind(t) == JV_KIND_ARRAY && jv_array_length(jv_copy(t)) == 3) {
			jv a = jv_array_get(jv_copy(t), 0), b = jv_array_get(jv_copy(t), 1),
			    c = jv_array_get(jv_copy(t), 2);
			long la, lb, lc;

			if (jv_get_kind(a) == JV_KIND_NUMBER && jv_get_kind(b) == JV_KIND_NUMBER &&
			    jv_get_kind(c) == JV_KIND_NUMBER && num_long(a, &la) && num_long(b, &lb) &&
			    num_long(c, &lc)) {
				store.logs = xrealloc(store.logs, (store.nlogs + 1) * sizeof *store.logs);
				store.logs[store.nlogs++] = (struct chatlog){ la, lb, lc };
			}
			jv_free(a);
			jv_free(b);
			jv_free(c);
		}
		jv_free(t);
	}
	jv_free(logs);
	jv_free(top);
	return code;
}
