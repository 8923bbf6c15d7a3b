/* serve/routes.c: see routes.h. Each handler is written against the
 * observed transcripts: field sets and their order, messages, statuses. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "params.h"
#include "routes.h"
#include "sockets.h"
#include "store.h"
#include "../lib/xalloc.h"

#define GROUP_AVATAR "https://docs-51yrc-com.oss-cn-hangzhou.aliyuncs.com/chat/group.png"

struct ctx {
	struct request *rq;
	struct response *rs;
	jv params;		/* query, body, route parameters merged */
	struct user *me;	/* the authenticated caller under /api/chat */
};

/* ---- helpers ---- */

static int
invalid(struct ctx *c, const struct rule *rules)
{
	char *msg = params_validate(c->params, rules);

	if (msg == NULL)
		return 0;
	reply_fail(c->rs, 422, msg);
	free(msg);
	return 1;
}

static jv
set(jv o, const char *k, jv v)
{
	return jv_object_set(o, jv_string(k), v);
}

static jv
num(long long n)
{
	return jv_number((double)n);
}

/* The text of a system notice: {"data":text,"dataType":false,"otherData":null}. */
static jv
notice_data(const char *text)
{
	return set(set(set(jv_object(), "data", jv_string(text)), "dataType", jv_false()),
	    "otherData", jv_null());
}

/* The JSON text of record (consumed); the caller frees. */
static char *
dump(jv record)
{
	jv text = jv_dump_string(record, 0);
	char *s = xstrdup(jv_string_value(text));

	jv_free(text);
	return s;
}

/* Hand a record to its recipient (api §4.7): pushed over the socket when
 * they are online, and then counted in both chat logs when logging is
 * asked for; otherwise appended to their offline queue. */
static void
deliver(struct user *to, long from, const char *record, int log)
{
	if (to->conn) {
		sock_push(to, record);
		if (log) {
			store_chatlog_add(from, to->id);
			store_chatlog_add(to->id, from);
		}
	} else
		store_textq_push(&to->queue, record);
	store_touch();
}

/* ---- /api/regChat, /api/loginChat ---- */

static const struct rule login_rules[] = {
	{ "username", "账号", R_STRING, 1, 4, 20, NULL },
	{ "password", "密码", R_STRING, 1, 6, 20, NULL },
	{ NULL, NULL, 0, 0, 0, 0, NULL }
};

/* The login routine of api §3.2, shared with registration. */
static void
login(struct ctx *c, const char *username, const char *password)
{
	struct user *u = store_user_by_name(username);
	char hash[65], nonce[33];
	unsigned char rnd[16];
	jv row, payload;

	if (u == NULL || u->status != 1) {
		reply_fail(c->rs, 400, "账号不存在或者被禁用");
		return;
	}
	crypto_sha256_hex(password, hash);
	if (strcmp(hash, u->password) != 0) {
		reply_fail(c->rs, 400, "账户或密码错误");
		return;
	}
	u->last_login_ms = store_now_ms();
	row = store_user_row(u);
	/* A nonce, so that two logins in one second still differ. */
	crypto_random_bytes(rnd, sizeof rnd);
	payload = set(set(jv_copy(row), "iat", num(u->last_login_ms / 1000)),
	    "nonce", jv_string(crypto_hex_encode(rnd, sizeof rnd, nonce)));
	free(u->token);
	u->token = crypto_jwt_sign(store.secret, payload);
	store_touch();
	reply_ok(c->rs, set(row, "token", jv_string(u->token)));
}

static void
h_register(struct ctx *c)
{
	char *name, *pass;

	if (invalid(c, login_rules))
		return;
	name = params_text(c->params, "username");
	pass = params_text(c->params, "password");
	if (store_user_by_name(name))
		reply_fail(c->rs, 400, "该账号已存在，请换一个账号注册");
	else {
		store_user_add(0, name, pass);
		store_touch();
		login(c, name, pass);
	}
	free(name);
	free(pass);
}

static void
h_login(struct ctx *c)
{
	char *name, *pass;

	if (invalid(c, login_rules))
		return;
	name = params_text(c->params, "username");
	pass = params_text(c->params, "password");
	login(c, name, pass);
	free(name);
	free(pass);
}

static void
h_logout(struct ctx *c)
{
	free(c->me->token);
	c->me->token = NULL;
	store_touch();
	reply_ok(c->rs, jv_true());
}

/* ---- users ---- */

static void
h_search(struct ctx *c)
{
	static const struct rule rules[] = {
		{ "keyword", "搜索关键词", R_STRING, 1, 1, 50, NULL },
		{ NULL, NULL, 0, 0, 0, 0, NULL }
	};
	jv list;
	char *kw;
	size_t i;

	if (invalid(c, rules))
		return;
	list = jv_array();
	kw = params_text(c->params, "keyword");
	for (i = 0; i < store.nusers; i++) {
		const struct user *u = &store.users[i];

		/* SQL LIKE '%kw%' under MySQL's case-insensitive collation. */
		if (u->status != 1 || strcmp(u->role, "visitor") == 0 || u->id == c->me->id ||
		    strcasestr(u->username, kw) == NULL)
			continue;
		list = jv_array_append(list, set(set(set(set(set(set(jv_object(),
		    "id", num(u->id)), "username", jv_string(u->username)),
		    "avatar", jv_string(u->avatar)), "role", jv_string(u->role)),
		    "uuid", jv_string(u->uuid)), "nickname", jv_string(u->nickname)));
	}
	free(kw);
	reply_ok(c->rs, list);
}

static void
h_userinfo(struct ctx *c)
{
	static const struct rule rules[] = {
		{ "uuid", "uuid值", R_STRING, 1, 36, 36, NULL },
		{ NULL, NULL, 0, 0, 0, 0, NULL }
	};
	struct user *u;
	char *uuid;
	jv info;

	if (invalid(c, rules))
		return;
	uuid = params_text(c->params, "uuid");
	u = store_user_by_uuid(uuid);
	free(uuid);
	if (u == NULL || u->status != 1) {
		reply_ok(c->rs, jv_null());
		return;
	}
	info = set(set(set(set(set(set(jv_object(), "id", num(u->id)), "gender", jv_string("unknown")),
	    "birthday", jv_null()), "bio", jv_string("")), "location", jv_string("")),
	    "website", jv_string(""));
	reply_ok(c->rs, set(set(set(set(set(set(set(set(jv_object(),
	    "id", num(u->id)), "uuid", jv_string(u->uuid)), "username", jv_string(u->username)),
	    "nickname", jv_string(u->nickname)), "avatar", jv_string(u->avatar)),
	    "role", jv_string(u->role)), "userset", u->userset ? jv_string(u->userset) : jv_null()),
	    "userinfo", info));
}

/* ---- friend requests ---- */

static void
h_applyfriend(struct ctx *c)
{
	static const struct rule rules[] = {
		{ "friend_id", "我申请添加的好友id", R_INT, 1, 1, 0, NULL },
		{ NULL, NULL, 0, 0, 0, 0, NULL }
	};
	struct user *to;
	char *note, text[512], uuid[37], from[64];
	long fid = 0;
	size_t i;
	jv rec;

	if (invalid(c, rules))
		return;
	params_long(c->params, "friend_id", &fid);
	if (fid == c->me->id) {
		reply_fail(c->rs, 400, "不能添加自己为好友");
		return;
	}
	to = store_user_by_id(fid);
	if (to == NULL || to->status != 1) {
		reply_fail(c->rs, 400, "添加的好友不存在");
		return;
	}
	for (i = 0; i < store.napplies; i++) {
		const struct apply *a = &store.applies[i];

		if (a->user_id == c->me->id && a->friend_id == fid &&
		    (strcmp(a->status, "pending") == 0 || strcmp(a->status, "agree") == 0)) {
			reply_fail(c->rs, 400, "您已经申请过了，请勿重复申请");
			return;
		}
	}
	note = params_text(c->params, "nickname");
	store_apply_add(c->me->id, fid, note);
	free(note);
	store_touch();
	reply_ok(c->rs, jv_string("ok"));

	/* The notice of api §3.6 / observed C: queued if offline, never logged. */
	crypto_uuid_v4(uuid);
	snprintf(from, sizeof from, "redirect-applyFriend-%ld", c->me->id);
	snprintf(text, sizeof text, "用户[%s]申请添加您为好友，请尽快处理", store_user_name(c->me));
	rec = set(jv_object(), "id", jv_string(uuid));
	rec = set(rec, "from_avatar", jv_string(GROUP_AVATAR));
	rec = set(rec, "from_name", jv_string("好友申请提醒"));
	rec = set(rec, "from_id", jv_string(from));
	rec = set(rec, "to_id", num(to->id));
	rec = set(rec, "to_name", jv_string(store_user_name(to)));
	rec = set(rec, "to_avatar", jv_string(to->avatar));
	rec = set(rec, "chatType", jv_string("single"));
	rec = set(rec, "type", jv_string("text"));
	rec = set(rec, "data", notice_data(text));
	rec = set(rec, "redirect", set(set(jv_object(), "url",
	    jv_string("/pages/applyMyfriend/applyMyfriend")), "type", jv_string("navigateTo")));
	rec = set(rec, "options", jv_object());
	rec = set(rec, "create_time", num(store_now_ms()));
	rec = set(rec, "isremove", num(0));
	rec = set(rec, "msgidKey", jv_string(from));
	{
		char *json = dump(rec);

		deliver(to, c->me->id, json, 0);
		free(json);
	}
}

/* Page size from ?limit=, else the endpoint's default. */
static long
limit_param(struct ctx *c, long dflt)
{
	long n;

	return params_long(c->params, "limit", &n) && n >= 0 ? n : dflt;
}

/* The first row of a page, (page - 1) * limit, saturated rather than
 * wrapped: a page past every row is empty, however large the numbers (the
 * real server's are JavaScript's, which do not wrap either). */
static long
page_first(long page, long limit)
{
	if (page <= 1 || limit <= 0)
		return 0;
	return page - 1 > LONG_MAX / limit ? LONG_MAX : (page - 1) * limit;
}

static int
by_id_desc(const void *a, const void *b)
{
	const struct apply *x = *(const struct apply *const *)a, *y = *(const struct apply *const *)b;

	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static void
h_listapply(struct ctx *c)
{
	static const struct rule rules[] = {
		{ "page", "页码", R_INT, 1, 1, 0, NULL },
		{ NULL, NULL, 0, 0, 0, 0, NULL }
	};
	const struct apply **mine;
	long page = 1, limit, pending = 0, first, k;
	size_t i, n = 0;
	jv list;

	if (invalid(c, rules))
		return;
	list = jv_array();
	params_long(c->params, "page", &page);
	limit = limit_param(c, 10);
	mine = xcalloc(store.napplies + 1, sizeof *mine);
	for (i = 0; i < store.napplies; i++)
		if (store.applies[i].friend_id == c->me->id) {
			mine[n++] = &store.applies[i];
			pending += strcmp(store.applies[i].status, "pending") == 0;
		}
	qsort(mine, n, sizeof *mine, by_id_desc);
	first = page_first(page, limit);
	for (k = first; k < (long)n && k - first < limit; k++) {
		const struct apply *a = mine[k];
		const struct user *from = store_user_by_id(a->user_id);
		char ct[32], ut[32];
		jv item = jv_object(), who = jv_null();

		if (from)
			who = set(set(set(set(set(jv_object(), "id", num(from->id)),
			    "username", jv_string(from->username)), "avatar", jv_string(from->avatar)),
			    "nickname", jv_string(from->nickname)), "uuid", jv_string(from->uuid));
		item = set(item, "create_time", jv_string(store_fmt_local(a->create_ms, ct)));
		item = set(item, "id", num(a->id));
		item = set(item, "user_id", num(a->user_id));
		item = set(item, "friend_id", num(a->friend_id));
		item = set(item, "nickname", jv_string(a->nickname));
		item = set(item, "friendlookme", num(1));
		item = set(item, "melookfriend", num(1));
		item = set(item, "ismystarfriend", num(0));
		item = set(item, "isblack", num(0));
		item = set(item, "status", jv_string(a->status));
		item = set(item, "order", num(50));
		item = set(item, "update_time",
		    jv_string(store_fmt_iso(a->update_ms / 1000 * 1000, ut)));
		item = set(item, "userId", num(a->user_id));
		item = set(item, "user", who);
		list = jv_array_append(list, item);
	}
	free(mine);
	reply_ok(c->rs, set(set(jv_object(), "alldata", list), "pendingCount", num(pending)));
}

/* The "we are friends now" notice of api §3.8, from one side to the other. */
static jv
friends_notice(const char *uuid, long long t, const struct user *from, const char *from_name,
    const struct user *to, const char *to_name)
{
	jv rec = set(jv_object(), "id", jv_string(uuid));

	rec = set(rec, "from_avatar", jv_string(from->avatar));
	rec = set(rec, "from_name", jv_string(from_name));
	rec = set(rec, "from_id", num(from->id));
	rec = set(rec, "to_id", num(to->id));
	rec = set(rec, "to_name", jv_string(to_name));
	rec = set(rec, "to_avatar", jv_string(to->avatar));
	rec = set(rec, "chatType", jv_string("single"));
	rec = set(rec, "type", jv_string("systemNotice"));
	rec = set(rec, "data", notice_data("我们已经是好友了，可以开始聊天了"));
	rec = set(rec, "options", jv_object());
	rec = set(rec, "create_time", num(t));
	return set(rec, "isremove", num(0));
}

static void
h_handleapply(struct ctx *c)
{
	static const char *const statuses[] = { "pending", "refuse", "agree", "ignore", NULL };
	static const struct rule rules[] = {
		{ "id", "申请表的id", R_INT, 1, 1, 0, NULL },
		{ "nickname", "好友备注", R_STRING, 0, 1, 50, NULL },
		{ "status", "处理状态", R_ENUM, 1, 0, 0, statuses },
		{ NULL, NULL, 0, 0, 0, 0, NULL }
	};
	struct apply *a;
	struct user *applicant;
	char *status, *remark, uuid[37];
	const char *to_name;
	long id = 0, me = c->me->id, other;
	long long t;
	struct friend *f;

	if (invalid(c, rules))
		return;
	params_long(c->params, "id", &id);
	a = store_apply_by_id(id);
	if (a == NULL || a->friend_id != me || strcmp(a->status, "pending") != 0) {
		reply_fail(c->rs, 400, "申请不存在或已处理");
		return;
	}
	status = params_text(c->params, "status");
	free(a->status);
	a->status = status;
	a->update_ms = store_now_ms();
	other = a->user_id;
	store_touch();
	reply_ok(c->rs, jv_string("ok"));
	if (strcmp(status, "agree") != 0 || (applicant = store_user_by_id(other)) == NULL)
		return;

	/* Me -> applicant carries the remark I chose, applicant -> me my own
	 * nickname (observed C18, C19). */
	remark = params_text(c->params, "nickname");
	if (store_friend_find(me, other) == NULL)
		store_friend_add(me, other, remark ? remark : "");
	free(remark);
	if (store_friend_find(other, me) == NULL)
		store_friend_add(other, me, c->me->nickname);

	/* store_friend_add may move the friendship rows: look them up afresh. */
	crypto_uuid_v4(uuid);
	t = store_now_ms();
	f = store_friend_find(me, other);
	to_name = f && f->nickname[0] ? f->nickname : store_user_name(applicant);
	{
		char *one = dump(friends_notice(uuid, t, c->me, store_user_name(c->me), applicant,
		    to_name));
		char *two;

		f = store_friend_find(me, other);
		two = dump(friends_notice(uuid, t, applicant,
		    f && f->nickname[0] ? f->nickname : store_user_name(applicant), c->me,
		    store_user_name(c->me)));
		deliver(applicant, me, one, 1);
		deliver(c->me, other, two, 1);
		free(one);
		free(two);
	}
}

/* ---- friends ---- */

static void
h_isfriend(struct ctx *c)
{
	static const struct rule rules[] = {
		{ "id", "朋友id", R_INT, 1, 1, 0, NULL },
		{ NULL, NULL, 0, 0, 0, 0, NULL }
	};
	struct friend *f;
	long id = 0;

	if (invalid(c, rules))
		return;
	params_long(c->params, "id", &id);
	f = store_friend_find(c->me->id, id);
	if (f == NULL || f->isblack) {
		reply_fail(c->rs, 400, "不是好友");
		return;
	}
	reply_ok(c->rs, set(set(set(set(set(set(set(set(set(jv_object(),
	    "id", num(f->id)), "user_id", num(f->user_id)), "friend_id", num(f->friend_id)),
	    "nickname", jv_string(f->nickname)), "friendlookme", num(1)),
	    "melookfriend", num(1)), "ismystarfriend", num(0)), "isblack", num(f->isblack)),
	    "status", num(f->status)));
}

/* The index title of a name: an ASCII letter upper-cased, else "#"
 * (sort-word's pinyin initials are not reproduced). */
static char
initial(const char *name)
{
	unsigned char c = (unsigned char)name[0];

	return isascii(c) && isalpha(c) ? (char)toupper(c) : '#';
}

static void
h_friendlist(struct ctx *c)
{
	static const struct rule rules[] = {
		{ "page", "页码", R_INT, 1, 1, 0, NULL },
		{ NULL, NULL, 0, 0, 0, 0, NULL }
	};
	long page = 1, limit, first, total = 0, k = 0, shown = 0;
	jv items[27], newlist, index;
	char titles[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ#";
	size_t i;
	int t;

	if (invalid(c, rules))
		return;
	params_long(c->params, "page", &page);
	limit = limit_param(c, 2000);
	first = page_first(page, limit);
	for (t = 0; t < 27; t++)
		items[t] = jv_array();
	for (i = 0; i < store.nfriends; i++) {
		const struct friend *f = &store.friends[i];
		const struct user *u;
		const char *name;
		jv item;

		if (f->user_id != c->me->id)
			continue;
		total++;
		if (k++ < first || shown >= limit ||
		    (u = store_user_by_id(f->friend_id)) == NULL)
			continue;
		shown++;
		name = f->nickname[0] ? f->nickname : store_user_name(u);
		item = set(jv_object(), "id", num(f->id));
		item = set(item, "beizhu", jv_string(f->nickname));
		item = set(item, "username", jv_string(u->username));
		item = set(item, "avatar", jv_string(u->avatar));
		item = set(item, "friend_nickname", jv_string(u->nickname));
		item = set(item, "friend_id", num(u->id));
		item = set(item, "name", jv_string(name));
		item = set(item, "uuid", jv_string(u->uuid));
		t = (int)(strchr(titles, initial(name)) - titles);
		items[t] = jv_array_append(items[t], item);
	}
	newlist = jv_array();
	index = jv_array();
	for (t = 0; t < 27; t++) {
		char title[2] = { titles[t], 0 };

		if (jv_array_length(jv_copy(items[t])) == 0) {
			jv_free(items[t]);
			continue;
		}
		newlist = jv_array_append(newlist, set(set(jv_object(), "title", jv_string(title)),
		    "list", items[t]));
		index = jv_array_append(index, jv_string(title));
	}
	/* No friends on the page: rows is [], not an object (api §3.10). */
	if (shown == 0) {
		jv_free(newlist);
		jv_free(index);
		reply_ok(c->rs, set(set(jv_object(), "count", num(total)), "rows", jv_array()));
		return;
	}
	reply_ok(c->rs, set(set(jv_object(), "count", num(total)), "rows",
	    set(set(set(jv_object(), "newList", newlist), "indexList", index), "total", num(shown))));
}

/* ---- messages ---- */

/* sendCount of the recipient's chat settings for a sender of that role
 * (api §3.11): 0 friends only, 1 one message first, anything else no limit. */
static int
send_count(const struct user *to, const char *role)
{
	jv set_, chatset, who, sc;
	int n = 1;

	if (to->userset == NULL || to->userset[0] == '\0')
		return 1;
	set_ = jv_parse(to->userset);
	if (jv_get_kind(set_) != JV_KIND_OBJECT) {
		jv_free(set_);
		return 1;
	}
	chatset = jv_object_get(set_, jv_string("chatset"));
	if (jv_get_kind(chatset) != JV_KIND_OBJECT) {
		jv_free(chatset);
		return 1;
	}
	who = jv_object_get(chatset, jv_string(role));
	if (jv_get_kind(who) != JV_KIND_OBJECT) {
		jv_free(who);
		return 2;
	}
	sc = jv_object_get(who, jv_string("sendCount"));
	if (jv_get_kind(sc) == JV_KIND_NUMBER && (jv_number_value(sc) == 0 || jv_number_value(sc) == 1))
		n = (int)jv_number_value(sc);
	else
		n = 2;
	jv_free(sc);
	return n;
}

/* options: decodeURIComponent then JSON.parse; anything failing is null. */
static jv
parse_options(jv params)
{
	jv v = jv_object_get(jv_copy(params), jv_string("options")), out = jv_null();
	char *text;

	if (jv_get_kind(v) == JV_KIND_STRING && jv_string_value(v)[0] &&
	    (text = params_url_decode(jv_string_value(v), strlen(jv_string_value(v)), 0)) != NULL) {
		jv p = jv_parse(text);

		if (jv_is_valid(p)) {
			jv_free(out);
			out = p;
		} else
			jv_free(p);
		free(text);
	}
	jv_free(v);
	return out;
}

/* The refusal of api §3.11 for a single chat from me to `to`, or NULL. */
static const char *
single_refusal(const struct user *me, const struct user *to)
{
	const struct friend *row = store_friend_find(to->id, me->id);
	int sc = send_count(to, strcmp(me->role, "visitor") == 0 ? "visitor" : "user");
	long logged = store_chatlog_count(me->id, to->id);

	if (strcmp(me->role, "visitor") == 0) {
		if (sc == 0) {
			if (row && row->isblack)
				return "对方把你拉黑了，不能发消息";
			if (row && row->status != 1)
				return "系统把你们拉黑了，不能发消息";
			if (row == NULL)
				return "你们不是好友关系，对方设置成：先登录才能发消息";
		} else if (sc == 1 && logged >= 1)
			return "在成为好友之前，对方只允许向他发一条消息";
		return NULL;
	}
	if (row && row->isblack)
		return "对方把你拉黑了，不能发送消息";
	if (row && row->status != 1)
		return "系统把你们拉黑了，不能发送消息";
	if (row == NULL && sc == 0)
		return "对方设置成：需要您先成为他的好友才能发消息";
	if (row == NULL && sc == 1 && logged >= 1)
		return "在成为好友之前，对方只允许向他发一条消息";
	return NULL;
}

static jv
group_row(const struct group *g)
{
	char ct[32], ut[32];
	jv users = jv_array(), o;
	size_t i;

	for (i = 0; i < g->nmembers; i++) {
		const struct member *m = &g->members[i];

		users = jv_array_append(users, set(set(set(set(set(set(set(jv_object(),
		    "id", num(m->id)), "group_id", num(g->id)), "user_id", num(m->user_id)),
		    "nickname", jv_string(m->nickname)), "avatar", jv_string(m->avatar)),
		    "status", num(m->status)), "order", num(50)));
	}
	o = set(jv_object(), "id", num(g->id));
	o = set(o, "name", jv_string(g->name));
	o = set(o, "avatar", jv_string(g->avatar));
	o = set(o, "user_id", num(g->owner));
	o = set(o, "remark", jv_string(""));
	o = set(o, "invite_confirm", num(1));
	o = set(o, "status", num(g->status));
	o = set(o, "order", num(50));
	o = set(o, "create_time", jv_string(store_fmt_local(g->create_ms, ct)));
	o = set(o, "update_time", jv_string(store_fmt_iso(g->create_ms / 1000 * 1000, ut)));
	return set(o, "group_users", users);
}

static void
send_group(struct ctx *c, long gid, jv type, jv data, jv options)
{
	struct group *g = store_group_by_id(gid);
	const struct member *mine = NULL;
	char uuid[37], *json;
	size_t i;
	int active = 0;
	long me = c->me->id;
	jv rec;

	for (i = 0; g && i < g->nmembers; i++) {
		active += g->members[i].status == 1;
		if (g->members[i].user_id == me && g->members[i].status == 1)
			mine = &g->members[i];
	}
	if (g == NULL || g->status != 1 || active == 0) {
		reply_fail(c->rs, 400, "群不存在或者已解散或者被封禁，无法发消息");
		goto out;
	}
	if (mine == NULL) {
		reply_fail(c->rs, 400, "您不在群里，无法发消息");
		goto out;
	}
	crypto_uuid_v4(uuid);
	rec = set(jv_object(), "id", jv_string(uuid));
	rec = set(rec, "from_avatar", jv_string(mine->avatar[0] ? mine->avatar : c->me->avatar));
	rec = set(rec, "from_name",
	    jv_string(mine->nickname[0] ? mine->nickname : store_user_name(c->me)));
	rec = set(rec, "from_id", num(me));
	rec = set(rec, "to_id", num(g->id));
	rec = set(rec, "to_name", jv_string(g->name));
	rec = set(rec, "to_avatar", jv_string(g->avatar));
	rec = set(rec, "chatType", jv_string("group"));
	rec = set(rec, "type", jv_copy(type));
	rec = set(rec, "data", jv_copy(data));
	rec = set(rec, "options", jv_copy(options));
	rec = set(rec, "create_time", num(store_now_ms()));
	rec = set(rec, "isremove", num(0));
	rec = set(rec, "group", group_row(g));
	rec = set(rec, "sendUUid", jv_string(c->me->uuid));
	json = dump(rec);
	reply_ok_raw(c->rs, json);
	for (i = 0; i < g->nmembers; i++) {
		struct user *u;

		if (g->members[i].status != 1 || g->members[i].user_id == me ||
		    (u = store_user_by_id(g->members[i].user_id)) == NULL)
			continue;
		deliver(u, me, json, 0);
	}
	free(json);
out:
	jv_free(type);
	jv_free(data);
	jv_free(options);
}

static void
h_sendmessage(struct ctx *c)
{
	static const char *const chat_types[] = { "single", "group", NULL };
	static const struct rule rules[] = {
		{ "sendto_id", "接收人/群的id值", R_INT, 1, 1, 0, NULL },
		{ "chatType", "接收类型", R_ENUM, 1, 0, 0, chat_types },
		{ "type", "消息类型", R_STRING, 1, 0, 0, NULL },
		{ "data", "消息内容", R_STRING, 1, 0, 0, NULL },
		{ NULL, NULL, 0, 0, 0, 0, NULL }
	};
	struct user *to;
	const struct friend *mine, *theirs;
	const char *why;
	char uuid[37], *json, *chat_type;
	long to_id = 0;
	jv rec, type, data, options;

	if (invalid(c, rules))
		return;
	params_long(c->params, "sendto_id", &to_id);
	/* type and data travel on exactly as they came (a JSON body may carry
	 * data as an object). */
	type = jv_object_get(jv_copy(c->params), jv_string("type"));
	data = jv_object_get(jv_copy(c->params), jv_string("data"));
	options = parse_options(c->params);
	chat_type = params_text(c->params, "chatType");
	if (strcmp(chat_type, "group") == 0) {
		free(chat_type);
		send_group(c, to_id, type, data, options);
		return;
	}
	free(chat_type);
	to = store_user_by_id(to_id);
	if (to == NULL || to->status != 1) {
		reply_fail(c->rs, 400, "对方不存在或者被禁用，不能发消息");
		goto out;
	}
	if ((why = single_refusal(c->me, to)) != NULL) {
		reply_fail(c->rs, 400, why);
		goto out;
	}
	theirs = store_friend_find(to->id, c->me->id);
	mine = store_friend_find(c->me->id, to->id);
	crypto_uuid_v4(uuid);
	rec = set(jv_object(), "id", jv_string(uuid));
	rec = set(rec, "from_avatar", jv_string(c->me->avatar));
	rec = set(rec, "from_name",
	    jv_string(theirs && theirs->nickname[0] ? theirs->nickname : store_user_name(c->me)));
	rec = set(rec, "from_id", num(c->me->id));
	rec = set(rec, "to_id", num(to->id));
	rec = set(rec, "to_name",
	    jv_string(mine && mine->nickname[0] ? mine->nickname : store_user_name(to)));
	rec = set(rec, "to_avatar", jv_string(to->avatar));
	rec = set(rec, "chatType", jv_string("single"));
	rec = set(rec, "type", jv_copy(type));
	rec = set(rec, "data", jv_copy(data));
	rec = set(rec, "options", jv_copy(options));
	rec = set(rec, "create_time", num(store_now_ms()));
	rec = set(rec, "isremove", num(0));
	rec = set(rec, "sendUUid", jv_string(c->me->uuid));
	json = dump(rec);
	reply_ok_raw(c->rs, json);
	deliver(to, c->me->id, json, 1);
	free(json);
out:
	jv_free(type);
	jv_free(data);
	jv_free(options);
}

static void
h_offline(struct ctx *c)
{
	struct user *me = c->me;
	size_t i;

	/* Without a socket the queue stays as it is (observed E5). */
	if (me->conn && me->queue.n) {
		for (i = 0; i < me->queue.n; i++)
			sock_push(me, me->queue.v[i]);
		store_textq_clear(&me->queue);
		store_touch();
	}
	reply_ok(c->rs, jv_string("ok"));
}

/* ---- routing and authentication ---- */

struct route {
	int method;
	const char *pattern;	/* ":name" segments bind route parameters */
	void (*handler)(struct ctx *);
};

static const struct route routes[] = {
	{ M_POST, "/api/regChat", h_register },
	{ M_POST, "/api/loginChat", h_login },
	{ M_GET, "/api/userinfo/:uuid", h_userinfo },
	{ M_POST, "/api/chat/logout", h_logout },
	{ M_POST, "/api/chat/searchUser", h_search },
	{ M_POST, "/api/chat/applyfriend", h_applyfriend },
	{ M_GET, "/api/chat/listapplyfriend/:page", h_listapply },
	{ M_POST, "/api/chat/handleapply/:id", h_handleapply },
	{ M_POST, "/api/chat/ismygoodfriend/:id", h_isfriend },
	{ M_GET, "/api/chat/goodfriendlist/:page", h_friendlist },
	{ M_POST, "/api/chat/socket/sendmessage", h_sendmessage },
	{ M_POST, "/api/chat/chatGetmessageOffLine", h_offline },
	{ 0, NULL, NULL }
};

/* Match path against pattern segment by segment, case-insensitively and
 * with an optional trailing slash (koa-router's defaults); bound
 * parameters are added to *params as strings. */
static int
route_match(const char *pattern, const char *path, jv *params)
{
	jv bound = jv_object();
	const char *p = pattern, *s = path;

	while (*p && *s) {
		size_t pl = strcspn(p + 1, "/") + 1, sl = strcspn(s + 1, "/") + 1;

		if (*p != '/' || *s != '/')
			break;
		if (p[1] == ':') {
			char *name = xstrndup(p + 2, pl - 2), *val = xstrndup(s + 1, sl - 1);

			if (sl > 1)
				bound = jv_object_set(bound, jv_string(name), jv_string(val));
			free(name);
			free(val);
			if (sl == 1)
				break;
		} else if (pl != sl || strncasecmp(p, s, pl) != 0)
			break;
		p += pl;
		s += sl;
	}
	if (*p || (*s && strcmp(s, "/") != 0)) {
		jv_free(bound);
		return 0;
	}
	*params = jv_object_merge(*params, bound);
	return 1;
}

/* Paths compare without regard to case everywhere, as egg's router and its
 * middleware `match` do (path-to-regexp, not case-sensitive): a token
 * check that compared otherwise than the router would let /API/chat/...
 * reach a handler with no user. */
static int
path_starts(const char *path, const char *prefix)
{
	return strncasecmp(path, prefix, strlen(prefix)) == 0;
}

/* The visitor whitelist of api §1.6, matched by prefix and method. */
static const struct route visitor_ok[] = {
	{ M_POST, "/api/chat/socket/sendmessage", NULL },
	{ M_POST, "/api/chat/chatGetmessageOffLine", NULL },
	{ M_GET, "/api/chat/grouplist", NULL },
	{ M_GET, "/api/chat/groupinfo", NULL },
	{ M_POST, "/api/chat/groupnickname", NULL },
	{ M_POST, "/api/chat/groupDeleteOrQuit", NULL },
	{ M_GET, "/api/chat/groupQrcode", NULL },
	{ M_POST, "/api/chat/uploadStreamSingleToServerDiy", NULL },
	{ M_POST, "/api/chat/uploadAliyun", NULL },
	{ M_POST, "/api/chat/getVideoScreenshot", NULL },
	{ M_POST, "/api/chat/revokeMessage", NULL },
	{ M_POST, "/api/chat/updateUserinfo", NULL },
	{ M_POST, "/api/chat/groupInviteUser", NULL },
	{ M_POST, "/api/chat/getUserSetInfo", NULL },
	{ M_POST, "/api/chat/applyfriend", NULL },
	{ M_POST, "/api/chat/autoAddFriendAndAgree", NULL },
	{ M_POST, "/api/chat/ismygoodfriend", NULL },
	{ M_POST, "/api/chat/userset", NULL },
	{ M_POST, "/api/chat/deletegoodfriend", NULL },
	{ 0, NULL, NULL }
};

/* The token: header, else ?token=, else a body field (latest middleware). */
static char *
find_token(struct ctx *c)
{
	jv v;
	char *t = NULL;

	if (c->rq->token && c->rq->token[0])
		return xstrdup(c->rq->token);
	v = jv_object_get(jv_copy(c->rq->query), jv_string("token"));
	if (jv_get_kind(v) == JV_KIND_STRING && jv_string_value(v)[0])
		t = xstrdup(jv_string_value(v));
	jv_free(v);
	if (t)
		return t;
	v = jv_object_get(jv_copy(c->rq->body), jv_string("token"));
	if (jv_get_kind(v) == JV_KIND_STRING && jv_string_value(v)[0])
		t = xstrdup(jv_string_value(v));
	jv_free(v);
	return t;
}

/* chatUserAuth, in the order of api §1.6. Returns 0 with c->me set, or
 * fills the failure and returns -1. */
static int
authenticate(struct ctx *c)
{
	char *token = find_token(c);
	jv payload, v;
	long id = 0;
	int visitor;
	const struct route *w;

	if (token == NULL) {
		reply_fail(c->rs, 400, "您没有权限访问即时通讯接口");
		return -1;
	}
	payload = crypto_jwt_verify(store.secret, token);
	v = jv_is_valid(payload) ? jv_object_get(jv_copy(payload), jv_string("id")) : jv_invalid();
	if (jv_get_kind(v) != JV_KIND_NUMBER) {
		jv_free(v);
		jv_free(payload);
		free(token);
		reply_fail(c->rs, 400, "Token 令牌不合法！");
		return -1;
	}
	id = (long)jv_number_value(v);
	jv_free(v);
	c->me = store_user_by_id(id);
	/* Only the latest token of the user passes (Redis chat_user_<id>). */
	if (c->me == NULL || c->me->token == NULL || strcmp(c->me->token, token) != 0) {
		jv_free(payload);
		free(token);
		reply_fail(c->rs, 400, "Token 令牌不合法！");
		return -1;
	}
	free(token);
	if (c->me->status == 0) {
		jv_free(payload);
		reply_fail(c->rs, 400, "当前用户不存在或者已被禁用");
		return -1;
	}
	v = jv_object_get(payload, jv_string("role"));
	visitor = jv_get_kind(v) == JV_KIND_STRING && strcmp(jv_string_value(v), "visitor") == 0;
	jv_free(v);
	if (!visitor)
		return 0;
	for (w = visitor_ok; w->pattern; w++)
		if (w->method == c->rq->method && path_starts(c->rq->path, w->pattern))
			return 0;
	reply_fail(c->rs, 400, "您没有权限访问，请先注册或登录");
	return -1;
}

void
routes_handle(struct request *rq, struct response *rs)
{
	struct ctx c = { rq, rs, jv_invalid(), NULL };
	const struct route *r;

	/* egg's body parser runs before everything else and answers a
	 * malformed JSON body in its own, non-envelope shape. */
	if (rq->bad_json) {
		jv o = jv_object_set(jv_object(), jv_string("message"), jv_string(rq->bad_json));
		jv text = jv_dump_string(o, 0);

		rs->status = 400;
		buf_adds(&rs->body, jv_string_value(text));
		jv_free(text);
		return;
	}
	if (path_starts(rq->path, "/api/chat") && authenticate(&c) < 0)
		return;
	for (r = routes; r->pattern; r++) {
		c.params = jv_object_merge(jv_copy(rq->query), jv_copy(rq->body));
		if (r->method == rq->method && route_match(r->pattern, rq->path, &c.params))
			break;
		jv_free(c.params);
		c.params = jv_invalid();
	}
	if (r->pattern == NULL) {
		reply_fail(rs, 400, "404 错误");
		rs->status = 200;	/* as observed (B8-B10), whatever the source says */
		return;
	}
	r->handler(&c);
	jv_free(c.params);
}
