#include <stdio.h>
#include <string.h>

#include "json.h"
#include "people.h"
#include "xalloc.h"

/* Friends asked for per page: the server's own default. */
#define PAGE 2000

static jv
str_or(jv v, const char *dflt)
{
	if (jv_get_kind(v) == JV_KIND_STRING)
		return v;
	jv_free(v);
	return dflt ? jv_string(dflt) : jv_null();
}

static const char *
nonempty(jv v)
{
	return jv_get_kind(v) == JV_KIND_STRING && jv_string_value(v)[0] ? jv_string_value(v) : NULL;
}

/* One of ours from the server's record: the id is the user's, never the
 * friendship row's (the server calls that "id" too). remark is invalid for
 * a user who is not a friend. Consumes both. */
static jv
person(jv id, jv username, jv remark, jv nickname, jv avatar)
{
	const char *name;
	jv p = jv_object();

	username = str_or(username, "");
	nickname = str_or(nickname, "");
	if (jv_is_valid(remark))
		remark = str_or(remark, "");
	if (!(jv_is_valid(remark) && (name = nonempty(remark))) && !(name = nonempty(nickname)))
		name = jv_string_value(username);
	p = jv_object_set(p, jv_string("id"), id);
	p = jv_object_set(p, jv_string("name"), jv_string(name));
	p = jv_object_set(p, jv_string("username"), username);
	p = jv_object_set(p, jv_string("remark"), jv_is_valid(remark) ? remark : jv_null());
	p = jv_object_set(p, jv_string("nickname"), nickname);
	return jv_object_set(p, jv_string("avatar"), str_or(avatar, ""));
}

static jv
get(jv o, const char *key)
{
	return jv_object_get(jv_copy(o), jv_string(key));
}

/* The friends of one page, in the server's order (by initial); *n counts
 * them. rows is [] on a page without friends (api §3.10). */
static int
walk_page(jv rows, long *n, people_each each, void *arg, struct err *e)
{
	jv groups;
	int i, j, r = 0;

	if (jv_get_kind(rows) != JV_KIND_OBJECT)
		return 0;
	groups = get(rows, "newList");
	if (jv_get_kind(groups) != JV_KIND_ARRAY) {
		jv_free(groups);
		return 0;
	}
	for (i = 0; r == 0 && i < jv_array_length(jv_copy(groups)); i++) {
		jv g = jv_array_get(jv_copy(groups), i), list = jv_invalid();

		if (jv_get_kind(g) == JV_KIND_OBJECT)
			list = get(g, "list");
		jv_free(g);
		for (j = 0; r == 0 && jv_get_kind(list) == JV_KIND_ARRAY &&
		    j < jv_array_length(jv_copy(list)); j++) {
			jv f = jv_array_get(jv_copy(list), j);

			if (jv_get_kind(f) != JV_KIND_OBJECT) {
				jv_free(f);
				continue;
			}

			(*n)++;
			r = each(arg, person(get(f, "friend_id"), get(f, "username"), get(f, "beizhu"),
			    get(f, "friend_nickname"), get(f, "avatar")), e);
			jv_free(f);
		}
		jv_free(list);
	}
	jv_free(groups);
	return r;
}

int
people_friends(struct api *a, people_each each, void *arg, struct err *e)
{
	char path[96];
	long page, n, count, seen = 0;
	jv data, rows, total;
	int code;

	for (page = 1;; page++) {
		snprintf(path, sizeof path, "/api/chat/goodfriendlist/%ld?limit=%d", page, PAGE);
		if ((code = api_call(a, "GET", path, jv_invalid(), &data, NULL, e)) != EX_OK)
			return code;
		if (jv_get_kind(data) != JV_KIND_OBJECT) {
			jv_free(data);
			return err_set(e, EX_PROTO, "unexpected friend list: not an object");
		}
		rows = get(data, "rows");
		total = get(data, "count");
		count = jv_get_kind(total) == JV_KIND_NUMBER ? (long)jv_number_value(total) : 0;
		jv_free(total);
		jv_free(data);
		n = 0;
		code = walk_page(rows, &n, each, arg, e);
		jv_free(rows);
		if (code)
			return code;
		seen += n;
		/* count is every friend; a short page is the last one anyway. */
		if (n < PAGE || seen >= count)
			return EX_OK;
	}
}

int
people_search(struct api *a, const char *word, people_each each, void *arg, struct err *e)
{
	jv data, body = jv_object_set(jv_object(), jv_string("keyword"), jv_string(word));
	int i, code, r = 0;

	if ((code = api_call(a, "POST", "/api/chat/searchUser", body, &data, NULL, e)) != EX_OK)
		return code;
	if (jv_get_kind(data) != JV_KIND_ARRAY) {
		jv_free(data);
		return err_set(e, EX_PROTO, "unexpected search result: not an array");
	}
	for (i = 0; r == 0 && i < jv_array_length(jv_copy(data)); i++) {
		jv u = jv_array_get(jv_copy(data), i);

		if (jv_get_kind(u) != JV_KIND_OBJECT) {
			jv_free(u);
			continue;
		}
		r = each(arg, person(get(u, "id"), get(u, "username"), jv_invalid(),
		    get(u, "nickname"), get(u, "avatar")), e);
		jv_free(u);
	}
	jv_free(data);
	return r;
}

/* What @NAME matched: by username, by remark, and who they were. */
struct match {
	const char *name;
	jv by_user, by_remark;	/* arrays of persons */
};

static int
is(jv p, const char *key, const char *name)
{
	jv v = get(p, key);
	int r = jv_get_kind(v) == JV_KIND_STRING && strcmp(jv_string_value(v), name) == 0;

	jv_free(v);
	return r;
}

static int
collect(void *arg, jv p, struct err *e)
{
	struct match *m = arg;

	(void)e;	/* never fails */
	if (is(p, "username", m->name))
		m->by_user = jv_array_append(m->by_user, jv_copy(p));
	else if (is(p, "remark", m->name))
		m->by_remark = jv_array_append(m->by_remark, jv_copy(p));
	jv_free(p);
	return 0;
}

/* The one id of list, or EX_NO naming the candidates. Consumes list. */
static int
one(jv list, const char *name, const char *what, long *id, struct err *e)
{
	int i, n = jv_array_length(jv_copy(list));
	char cands[600] = "";
	size_t used = 0;
	jv v;

	if (n == 1) {
		v = jv_object_get(jv_array_get(jv_copy(list), 0), jv_string("id"));
		*id = jv_get_kind(v) == JV_KIND_NUMBER ? (long)jv_number_value(v) : 0;
		jv_free(v);
		jv_free(list);
		return *id > 0 ? EX_OK : err_set(e, EX_PROTO, "@%s: the server gave no user id", name);
	}
	for (i = 0; i < n && used + 1 < sizeof cands; i++) {
		jv p = jv_array_get(jv_copy(list), i), pid = get(p, "id"), un = get(p, "username");

		used += (size_t)snprintf(cands + used, sizeof cands - used, "%s%s (id %.0f)",
		    i ? ", " : "", jv_get_kind(un) == JV_KIND_STRING ? jv_string_value(un) : "?",
		    jv_get_kind(pid) == JV_KIND_NUMBER ? jv_number_value(pid) : 0.0);
		jv_free(p);
		jv_free(pid);
		jv_free(un);
	}
	jv_free(list);
	return err_set(e, EX_NO, "@%s is ambiguous: %d %s match: %s", name, n, what, cands);
}

int
people_resolve(struct api *a, const char *name, long *id, struct err *e)
{
	struct match m = { name, jv_array(), jv_array() };
	int code;

	if ((code = people_friends(a, collect, &m, e)) != EX_OK)
		goto out;
	if (jv_array_length(jv_copy(m.by_user)) > 0) {
		code = one(m.by_user, name, "friends' usernames", id, e);
		m.by_user = jv_array();
		goto out;
	}
	if (jv_array_length(jv_copy(m.by_remark)) > 0) {
		code = one(m.by_remark, name, "friends' remarks", id, e);
		m.by_remark = jv_array();
		goto out;
	}
	/* Not a friend: a user whose username is exactly NAME (searchUser
	 * matches any username containing it). */
	if ((code = people_search(a, name, collect, &m, e)) != EX_OK)
		goto out;
	if (jv_array_length(jv_copy(m.by_user)) == 0) {
		code = err_set(e, EX_NO, "@%s: no friend and no user has that name "
		    "(see 'chatctl friends' and 'chatctl user search %s')", name, name);
		goto out;
	}
	code = one(m.by_user, name, "users", id, e);
	m.by_user = jv_array();
out:
	jv_free(m.by_user);
	jv_free(m.by_remark);
	return code;
}
