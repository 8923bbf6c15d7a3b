/* serve/sockets.c: see sockets.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "crypto.h"
#include "sockets.h"
#include "store.h"
#include "../lib/json.h"
#include "../lib/log.h"
#include "../lib/xalloc.h"

/* Big enough for any /ws?token=... the header limit lets through. */
#define URLARG_MAX 16384
/* The push hook writes its pre-built frames in batches of this size. */
#define PUSH_BATCH (256 * 1024)
/* A client that sends and never reads would have serve queue its answers
 * without end (the real server, on ws, does). Past this many bytes waiting
 * behind the frame at the head of its queue, it is dropped: some 60,000
 * pongs, or 25,000 chat frames, more than a reading client ever has. */
#define QUEUE_MAX (8 << 20)

enum frame_kind { F_TEXT, F_BINARY, F_FRAGMENTS, F_CLOSE, F_PUSH };

struct pushjob {
	long remaining;
	unsigned char *tmpl;	/* one whole frame: ws header and JSON */
	size_t len;
	size_t seq_off, ct_off, ts_off;	/* where the id's digits and the times go */
	unsigned char *batch;	/* LWS_PRE + PUSH_BATCH (or one frame) */
	size_t batch_cap;
};

struct frame {
	struct frame *next;
	enum frame_kind kind;
	unsigned char *data;	/* LWS_PRE bytes of headroom, then len bytes */
	size_t len;
	int parts, part;	/* F_FRAGMENTS: how many, and the next one */
	int code;		/* F_CLOSE: close code, 0 for none */
	struct pushjob *job;	/* F_PUSH */
};

struct conn {
	struct conn *prev, *next;
	struct lws *wsi;
	long uid;		/* the user, once accepted */
	int accepted;
	int closing;		/* a close is queued: queue nothing after it */
	int silenced;		/* the silence hook: read nothing, write nothing */
	struct frame *head, *tail;
	size_t queued;		/* what the frames in the queue cost, in bytes */
	struct buf rx;		/* a message being reassembled */
};

static struct {
	struct lws_context *ctx;
	struct conn *conns;
	long open;
	double ping_interval;
	int tips;
	enum sock_takeover takeover;
	lws_sorted_usec_list_t ping_sul;
	char run[9];		/* names this run in push-hook ids */
	long push_seq;
} socks;

static void
ping_all(lws_sorted_usec_list_t *sul);

void
sock_init(struct lws_context *ctx, double ping_interval, int tips, enum sock_takeover takeover)
{
	unsigned char r[4];

	socks.ctx = ctx;
	socks.ping_interval = ping_interval;
	socks.tips = tips;
	socks.takeover = takeover;
	crypto_random_bytes(r, sizeof r);
	crypto_hex_encode(r, sizeof r, socks.run);
	if (ping_interval > 0)
		lws_sul_schedule(ctx, 0, &socks.ping_sul, ping_all,
		    (lws_usec_t)(ping_interval * LWS_USEC_PER_SEC));
}

void
sock_shutdown(void)
{
	lws_sul_cancel(&socks.ping_sul);
}

long
sock_open_count(void)
{
	return socks.open;
}

/* ---- the queue ---- */

static void
frame_free(struct frame *f)
{
	if (f->job) {
		free(f->job->tmpl);
		free(f->job->batch);
		free(f->job);
	}
	free(f->data);
	free(f);
}

static size_t
frame_cost(const struct frame *f)
{
	return sizeof *f + LWS_PRE + f->len + 2;
}

/* Take the frame at the head off the queue and free it. */
static void
dequeue(struct conn *c)
{
	struct frame *f = c->head;

	c->head = f->next;
	if (c->head == NULL)
		c->tail = NULL;
	c->queued -= frame_cost(f);
	frame_free(f);
}

static struct frame *
frame_new(enum frame_kind kind, const void *p, size_t len)
{
	struct frame *f = xcalloc(1, sizeof *f);

	f->kind = kind;
	f->data = xmalloc(LWS_PRE + len + 2);
	if (p && len)
		memcpy(f->data + LWS_PRE, p, len);
	f->len = len;
	return f;
}

static void
enqueue(struct conn *c, struct frame *f)
{
	if (c->closing) {
		frame_free(f);
		return;
	}
	if (f->kind == F_CLOSE)
		c->closing = 1;
	if (c->tail)
		c->tail->next = f;
	else
		c->head = f;
	c->tail = f;
	c->queued += frame_cost(f);
	if (c->queued - frame_cost(c->head) > QUEUE_MAX) {
		/* No close frame: it would wait behind what is not read. */
		log_warn("dropped user %ld's socket: over %d MiB of frames waiting unread",
		    c->uid, QUEUE_MAX >> 20);
		while (c->head)
			dequeue(c);
		c->closing = c->silenced = 1;
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	if (!c->silenced)
		lws_callback_on_writable(c->wsi);
}

static void
send_text(struct conn *c, const char *s)
{
	enqueue(c, frame_new(F_TEXT, s, strlen(s)));
}

/* Close after everything queued so far: no status when code is 0, which
 * the peer reports as 1005 (api §4.9). */
static void
send_close(struct conn *c, int code)
{
	struct frame *f = frame_new(F_CLOSE, NULL, 0);

	f->code = code;
	enqueue(c, f);
}

static void
send_timestamped(struct conn *c, const char *head, const char *json)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "{\"type\":\"%s\",\"data\":%s,\"timestamp\":%lld}", head, json, store_now_ms());
	enqueue(c, frame_new(F_TEXT, b.buf, b.len));
	buf_release(&b);
}

void
sock_push(struct user *u, const char *record)
{
	if (u->conn)
		send_timestamped(u->conn, "singleChat", record);
}

static void
ping_all(lws_sorted_usec_list_t *sul)
{
	struct conn *c;

	for (c = socks.conns; c; c = c->next)
		if (c->accepted && !c->silenced)
			send_text(c, "{\"type\":\"ping\"}");
	lws_sul_schedule(socks.ctx, 0, sul, ping_all,
	    (lws_usec_t)(socks.ping_interval * LWS_USEC_PER_SEC));
}

/* ---- accepting ---- */

static void
reject(struct conn *c, const char *why)
{
	jv o = jv_object_set(jv_object_set(jv_object(), jv_string("msg"), jv_string("fail")),
	    jv_string("data"), jv_string(why));
	jv text = jv_dump_string(o, 0);

	send_text(c, jv_string_value(text));
	jv_free(text);
	send_close(c, 0);
}

/* encodeURIComponent, for the links inside tips. */
static void
uri_component(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    strchr("-_.!~*'()", ch))
			buf_add(b, s, 1);
		else
			buf_printf(b, "%%%02X", ch);
	}
}

struct tip {
	const char *kind, *avatar, *name, *text, *url;
};

#define IMG "https://docs-51yrc-com.oss-cn-hangzhou.aliyuncs.com/chat/img/"
#define SETPAGE "/pages/setpageInfo/setpageInfo?action="

/* The connect-time notices of api §4.4 / observed C, in the order seen.
 * friendsList, groupList and visitorLogin were never captured: their
 * texts and links are stand-ins. A NULL avatar means the user's own. */
static const struct tip user_tips[] = {
	{ "setPassword", IMG "setPassword.png", "修改密码", "您可以点击这里，修改密码",
	  SETPAGE "setPassword&title=%E4%BF%AE%E6%94%B9%E5%AF%86%E7%A0%81" },
	{ "whoCanChatMe", IMG "whoCanChatMe.png", "聊天消息条数限制", "谁可以和我聊天，可向我发几条消息",
	  SETPAGE "chatset&title=%E5%92%8C%E6%88%91%E8%81%8A%E5%A4%A9%E8%AE%BE%E7%BD%AE" },
	{ "myQrcode", IMG "myQrcode1.png", "我的二维码", "展示给别人加你为好友", NULL },
	{ "search", IMG "search.png", "搜索加好友", "搜索账号加好友或聊天", "/pages/search/search" },
	{ "applyAddMeFriendSet", IMG "applyAddMeFriendSet.png", "加我为好友时是否需要我验证",
	  "默认不需要，您可以去设置",
	  SETPAGE "applyAddMeFriendSet&title=%E7%94%B3%E8%AF%B7%E5%8A%A0%E6%88%91%E4%B8%BA%E5%A5%BD%E5%8F%8B%E8%AE%BE%E7%BD%AE" },
	{ "AskAndAnswerSet", IMG "AskAndAnswerSet.png", "问答设置", "当您不在线时，自动回答客户的常见问题",
	  SETPAGE "AskAndAnswerSet&title=%E9%97%AE%E7%AD%94%E8%AE%BE%E7%BD%AE" },
	{ "groupList", IMG "groupList.png", "我的群聊", "您可以点击这里，查看我的群聊", "/pages/grouplist/grouplist" },
	{ "friendsList", IMG "friendsList.png", "我的通讯录", "您可以点击这里，查看我的好友", "/pages/friendsList/friendsList" },
	{ "userInfoSet", NULL, "头像设置", "不满意你的头像可以更换",
	  SETPAGE "userinfoSet&title=%E8%B4%A6%E5%8F%B7%E4%BF%A1%E6%81%AF%E8%AE%BE%E7%BD%AE"
	  "&redirectUrl=%2Fpages%2Fxiaoxi%2Fxiaoxi&redirectType=switchTab" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const struct tip visitor_tips[] = {
	{ "groupList", IMG "groupList.png", "我的群聊", "您可以点击这里，查看我的群聊", "/pages/grouplist/grouplist" },
	{ "whoCanChatMe", IMG "whoCanChatMe.png", "聊天消息条数限制", "谁可以和我聊天，可向我发几条消息",
	  SETPAGE "chatset&title=%E5%92%8C%E6%88%91%E8%81%8A%E5%A4%A9%E8%AE%BE%E7%BD%AE" },
	{ "visitorLogin", IMG "visitorLogin.png", "登录提示", "欢迎您，登录可以获取更多功能！", "/pages/login/login" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static int
has_friend(long uid)
{
	size_t i;

	for (i = 0; i < store.nfriends; i++)
		if (store.friends[i].user_id == uid && store.friends[i].status == 1)
			return 1;
	return 0;
}

static int
in_group(long uid)
{
	size_t i, j;

	for (i = 0; i < store.ngroups; i++)
		for (j = 0; j < store.groups[i].nmembers; j++)
			if (store.groups[i].members[j].user_id == uid && store.groups[i].members[j].status == 1)
				return 1;
	return 0;
}

static void
send_tips(struct conn *c, const struct user *u, int visitor)
{
	const struct tip *t;

	for (t = visitor ? visitor_tips : user_tips; t->kind; t++) {
		char uuid[37], from[96];
		struct buf url = BUF_INIT;
		jv rec, text;

		if ((strcmp(t->kind, "groupList") == 0 && !in_group(u->id)) ||
		    (strcmp(t->kind, "friendsList") == 0 && !has_friend(u->id)))
			continue;
		if (t->url)
			buf_adds(&url, t->url);
		else {
			buf_printf(&url, SETPAGE "groupQrcode&title=%%E6%%88%%91%%E7%%9A%%84%%E4%%BA%%8C%%E7%%BB%%B4%%E7%%A0%%81&id=%ld&name=", u->id);
			uri_component(&url, store_user_name(u));
			buf_adds(&url, "&avatar=");
			uri_component(&url, u->avatar);
			buf_adds(&url, "&chatType=single");
		}
		crypto_uuid_v4(uuid);
		snprintf(from, sizeof from, "redirect-%s-%ld", t->kind, u->id);
		rec = jv_object_set(jv_object(), jv_string("id"), jv_string(uuid));
		rec = jv_object_set(rec, jv_string("from_avatar"), jv_string(t->avatar ? t->avatar : u->avatar));
		rec = jv_object_set(rec, jv_string("from_name"), jv_string(t->name));
		rec = jv_object_set(rec, jv_string("from_id"), jv_string(from));
		rec = jv_object_set(rec, jv_string("to_id"), jv_number((double)u->id));
		rec = jv_object_set(rec, jv_string("to_name"), jv_string(store_user_name(u)));
		rec = jv_object_set(rec, jv_string("to_avatar"), jv_string(u->avatar));
		rec = jv_object_set(rec, jv_string("chatType"), jv_string("single"));
		rec = jv_object_set(rec, jv_string("type"), jv_string("text"));
		rec = jv_object_set(rec, jv_string("data"), jv_object_set(jv_object_set(jv_object_set(
		    jv_object(), jv_string("data"), jv_string(t->text)), jv_string("dataType"), jv_false()),
		    jv_string("otherData"), jv_null()));
		rec = jv_object_set(rec, jv_string("redirect"), jv_object_set(jv_object_set(jv_object(),
		    jv_string("url"), jv_string(url.buf)), jv_string("type"), jv_string("navigateTo")));
		rec = jv_object_set(rec, jv_string("options"), jv_object());
		rec = jv_object_set(rec, jv_string("create_time"), jv_number((double)store_now_ms()));
		rec = jv_object_set(rec, jv_string("isremove"), jv_number(0));
		rec = jv_object_set(rec, jv_string("group"), jv_object());
		rec = jv_object_set(rec, jv_string("msgidKey"), jv_string(from));
		text = jv_dump_string(rec, 0);
		send_timestamped(c, "singleChat", jv_string_value(text));
		jv_free(text);
		buf_release(&url);
	}
}

void
sock_established(struct lws *wsi, struct conn **pc)
{
	static char arg[URLARG_MAX];
	struct conn *c = xcalloc(1, sizeof *c);
	const char *token = lws_get_urlarg_by_name(wsi, "token=", arg, sizeof arg);
	jv payload, v;
	struct user *u;
	int visitor;
	char welcome[160];

	c->wsi = wsi;
	c->next = socks.conns;
	if (socks.conns)
		socks.conns->prev = c;
	socks.conns = c;
	socks.open++;
	*pc = c;

	/* The upgrade has been answered already; now the checks of api §4.2. */
	if (token == NULL || token[0] == '\0') {
		reject(c, "缺少 token 参数");
		return;
	}
	payload = crypto_jwt_verify(store.secret, token);
	if (!jv_is_valid(payload)) {
		jv_free(payload);
		reject(c, "Token 不合法");
		return;
	}
	v = jv_object_get(jv_copy(payload), jv_string("id"));
	u = jv_get_kind(v) == JV_KIND_NUMBER ? store_user_by_id((long)jv_number_value(v)) : NULL;
	jv_free(v);
	v = jv_object_get(payload, jv_string("role"));
	visitor = jv_get_kind(v) == JV_KIND_STRING && strcmp(jv_string_value(v), "visitor") == 0;
	jv_free(v);
	if (u == NULL) {
		reject(c, "用户不存在");
		return;
	}
	if (u->status == 0) {
		reject(c, "你已被管理员禁用");
		return;
	}
	if (u->conn && socks.takeover == SOCK_TAKEOVER_FORCE_LOGOUT) {
		struct conn *old = u->conn;

		send_text(old, "{\"msg\":\"force_logout\",\"data\":\"你的账号在其他设备登录\"}");
		send_close(old, 0);
	}
	c->uid = u->id;
	c->accepted = 1;
	u->conn = c;
	snprintf(welcome, sizeof welcome,
	    "{\"type\":\"system\",\"data\":\"欢迎您访问我们的系统！\",\"timestamp\":%lld}", store_now_ms());
	send_text(c, welcome);
	if (socks.tips)
		send_tips(c, u, visitor);
}

void
sock_closed(struct conn *c)
{
	struct user *u = c->uid ? store_user_by_id(c->uid) : NULL;

	if (u && u->conn == c) {
		u->conn = NULL;
	} else if (u && u->conn && socks.takeover == SOCK_TAKEOVER_SILENT) {
		/* The latest server closes whatever socket it maps the user to
		 * whenever one of the user's sockets closes (api §4.3). */
		send_close(u->conn, 0);
		u->conn = NULL;
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		socks.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	socks.open--;
	while (c->head)
		dequeue(c);
	buf_release(&c->rx);
	free(c);
}

/* ---- reading ---- */

/* What a client may say (api §4.5): pings get a pong, the rest is ignored. */
static void
on_message(struct conn *c, const char *s, size_t len)
{
	char pong[64];
	jv msg, type, token;
	int answer = 0;

	if (len == 4 && memcmp(s, "ping", 4) == 0)
		answer = 1;
	else {
		msg = json_parse(s, len);
		if (jv_get_kind(msg) == JV_KIND_OBJECT) {
			type = jv_object_get(jv_copy(msg), jv_string("type"));
			token = jv_object_get(jv_copy(msg), jv_string("token"));
			if (jv_get_kind(type) == JV_KIND_STRING && strcmp(jv_string_value(type), "ping") == 0) {
				answer = 1;
				/* A ping carrying a token is answered only if it verifies. */
				if (jv_is_valid(token) && jv_get_kind(token) != JV_KIND_NULL) {
					jv p = jv_get_kind(token) == JV_KIND_STRING ?
					    crypto_jwt_verify(store.secret, jv_string_value(token)) :
					    jv_invalid();

					answer = jv_is_valid(p);
					jv_free(p);
				}
			}
			jv_free(type);
			jv_free(token);
		}
		jv_free(msg);
	}
	if (answer) {
		snprintf(pong, sizeof pong, "{\"type\":\"pong\",\"timestamp\":%lld}", store_now_ms());
		send_text(c, pong);
	}
}

void
sock_receive(struct conn *c, const void *in, size_t len)
{
	/* Nothing a client sends needs more than this; drop the excess. */
	if (c->rx.len + len <= 1024 * 1024)
		buf_add(&c->rx, in, len);
	if (!lws_is_final_fragment(c->wsi))
		return;
	if (c->accepted && !c->silenced && !c->closing)
		on_message(c, c->rx.buf ? c->rx.buf : "", c->rx.len);
	buf_reset(&c->rx);
}

/* ---- writing ---- */

/* Fill the batch with as many frames as fit and write them as raw bytes:
 * the frames carry their own ws headers, so lws need not frame each one
 * and a million small frames cost a few hundred writes. */
static int
push_some(struct conn *c, struct pushjob *j)
{
	long long t = store_now_ms();
	size_t n = 0;
	char digits[16];

	snprintf(digits, sizeof digits, "%lld", t);
	memcpy(j->tmpl + j->ct_off, digits, 13);
	memcpy(j->tmpl + j->ts_off, digits, 13);
	while (j->remaining > 0 && n + j->len <= j->batch_cap) {
		unsigned char *f = j->batch + LWS_PRE + n;
		long seq = ++socks.push_seq;
		int k;

		memcpy(f, j->tmpl, j->len);
		for (k = 9; k >= 0; k--, seq /= 10)
			f[j->seq_off + (size_t)k] = (unsigned char)('0' + seq % 10);
		n += j->len;
		j->remaining--;
	}
	return lws_write(c->wsi, j->batch + LWS_PRE, n, LWS_WRITE_HTTP) < 0 ? -1 : 0;
}

int
sock_writeable(struct conn *c)
{
	struct frame *f;

	if (c->silenced)
		return 0;
	while ((f = c->head) != NULL) {
		int n = 0;

		switch (f->kind) {
		case F_TEXT:
			n = lws_write(c->wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT);
			break;
		case F_BINARY:
			n = lws_write(c->wsi, f->data + LWS_PRE, f->len, LWS_WRITE_BINARY);
			break;
		case F_FRAGMENTS: {
			size_t from = f->len * (size_t)f->part / (size_t)f->parts;
			size_t to = f->len * (size_t)(f->part + 1) / (size_t)f->parts;
			int type = f->part == 0 ? LWS_WRITE_TEXT : LWS_WRITE_CONTINUATION;

			if (f->part + 1 < f->parts)
				type |= LWS_WRITE_NO_FIN;
			n = lws_write(c->wsi, f->data + LWS_PRE + from, to - from,
			    (enum lws_write_protocol)type);
			if (++f->part < f->parts)
				goto more;
			break;
		}
		case F_CLOSE:
			/* lws 4.1 sends no close frame at all for "no status", and
			 * keeps its close opcode to itself: write the two bytes of an
			 * empty close frame raw, and the peer reads 1005. */
			if (f->code == 0) {
				f->data[LWS_PRE] = 0x88;
				f->data[LWS_PRE + 1] = 0x00;
				lws_write(c->wsi, f->data + LWS_PRE, 2, LWS_WRITE_HTTP);
			} else
				lws_close_reason(c->wsi, (enum lws_close_status)f->code, NULL, 0);
			return -1;
		case F_PUSH:
			n = push_some(c, f->job);
			if (f->job->remaining > 0)
				goto more;
			break;
		}
		if (n < 0)
			return -1;
		dequeue(c);
		if (lws_send_pipe_choked(c->wsi))
			break;
		continue;
more:
		if (n < 0)
			return -1;
		if (lws_send_pipe_choked(c->wsi))
			break;
	}
	if (c->head)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* ---- test hooks ---- */

static struct conn *
conn_of(long uid)
{
	struct user *u = store_user_by_id(uid);

	return u ? u->conn : NULL;
}

int
sock_inject(long uid, enum inject_kind kind, const char *body, size_t len, int fragments,
    size_t size)
{
	struct conn *c = conn_of(uid);
	struct frame *f;

	if (c == NULL)
		return -1;
	switch (kind) {
	case INJ_TEXT:
		f = frame_new(F_TEXT, body, len);
		break;
	case INJ_BINARY:
		f = frame_new(F_BINARY, body, len);
		break;
	case INJ_FRAGMENTED:
		f = frame_new(F_FRAGMENTS, body, len);
		f->parts = fragments > 0 ? fragments : 3;
		break;
	case INJ_OVERSIZED:
	default: {
		static const char head[] = "{\"type\":\"oversized\",\"data\":\"";
		size_t min = sizeof head - 1 + 2;

		if (size < min)
			size = min;
		f = frame_new(F_TEXT, NULL, size);
		memcpy(f->data + LWS_PRE, head, sizeof head - 1);
		memset(f->data + LWS_PRE + sizeof head - 1, 'x', size - min);
		memcpy(f->data + LWS_PRE + size - 2, "\"}", 2);
		break;
	}
	}
	enqueue(c, f);
	return 0;
}

int
sock_drop(long uid)
{
	struct conn *c;
	int found = 0;

	/* Every socket of the user, superseded ones too; no close frame. */
	for (c = socks.conns; c; c = c->next)
		if (c->uid == uid) {
			c->silenced = 1;
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
			found = 1;
		}
	return found ? 0 : -1;
}

int
sock_close(long uid, int code)
{
	struct conn *c = conn_of(uid);

	if (c == NULL)
		return -1;
	send_close(c, code);
	return 0;
}

int
sock_silence(long uid)
{
	struct conn *c = conn_of(uid);

	if (c == NULL)
		return -1;
	c->silenced = 1;
	/* Not reading at all is what keeps lws from answering protocol pings. */
	lws_rx_flow_control(c->wsi, 0 | LWS_RXFLOW_REASON_FLAG_PROCESS_NOW);
	return 0;
}

int
sock_push_bulk(long uid, long count, long size)
{
	struct conn *c = conn_of(uid);
	struct pushjob *j;
	struct frame *f;
	struct buf json = BUF_INIT;
	size_t hdr, pad = 0, base;
	char *p;

	if (c == NULL)
		return -1;
	if (count <= 0)
		return 0;
	/* The frame without padding, to learn how much padding makes ~size. */
	buf_printf(&json, "{\"type\":\"singleChat\",\"data\":{\"id\":\"push-%s-0000000000\","
	    "\"from_id\":1,\"to_id\":%ld,\"chatType\":\"single\",\"type\":\"text\",\"data\":\"",
	    socks.run, uid);
	base = json.len;
	buf_printf(&json, "\",\"create_time\":%lld,\"isremove\":0},\"timestamp\":%lld}",
	    store_now_ms(), store_now_ms());
	if (size > 0 && (size_t)size > json.len)
		pad = (size_t)size - json.len;
	j = xcalloc(1, sizeof *j);
	hdr = json.len + pad < 126 ? 2 : json.len + pad < 65536 ? 4 : 10;
	j->len = hdr + json.len + pad;
	j->tmpl = xmalloc(j->len);
	j->tmpl[0] = 0x81;	/* FIN, text */
	if (hdr == 2)
		j->tmpl[1] = (unsigned char)(json.len + pad);
	else if (hdr == 4) {
		j->tmpl[1] = 126;
		j->tmpl[2] = (unsigned char)((json.len + pad) >> 8);
		j->tmpl[3] = (unsigned char)(json.len + pad);
	} else {
		int k;

		j->tmpl[1] = 127;
		for (k = 0; k < 8; k++)
			j->tmpl[2 + k] = (unsigned char)((unsigned long long)(json.len + pad) >> (56 - 8 * k));
	}
	memcpy(j->tmpl + hdr, json.buf, base);
	memset(j->tmpl + hdr + base, 'x', pad);
	memcpy(j->tmpl + hdr + base + pad, json.buf + base, json.len - base);
	p = memmem(j->tmpl, j->len, "0000000000", 10);
	j->seq_off = (size_t)(p - (char *)j->tmpl);
	p = memmem(j->tmpl, j->len, "\"create_time\":", 14);
	j->ct_off = (size_t)(p - (char *)j->tmpl) + 14;
	p = memmem(j->tmpl, j->len, "\"timestamp\":", 12);
	j->ts_off = (size_t)(p - (char *)j->tmpl) + 12;
	j->remaining = count;
	j->batch_cap = j->len > PUSH_BATCH ? j->len : PUSH_BATCH;
	j->batch = xmalloc(LWS_PRE + j->batch_cap);
	buf_release(&json);
	f = frame_new(F_PUSH, NULL, 0);
	f->job = j;
	enqueue(c, f);
	return 0;
}
