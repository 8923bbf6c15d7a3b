#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>
#include <libwebsockets.h>

#include "frame.h"
#include "xalloc.h"

/* The buffer in fi for the value at a LEJP path, or NULL. LEJP can match
 * paths itself, but doing it here, only for values and only when the first
 * letter fits, costs a quarter of the scan less. */
static char *
field(struct frame_info *fi, const char *path, size_t *size)
{
#define FIELD(f) (*size = sizeof fi->f, fi->f)
	switch (path[0]) {
	case 't':
		return strcmp(path, "type") == 0 ? FIELD(type) : NULL;
	case 'm':
		return strcmp(path, "msg") == 0 ? FIELD(msg) : NULL;
	case 'd':
		if (strncmp(path, "data", 4) != 0)
			return NULL;
		if (path[4] == '\0')
			return FIELD(text);
		if (path[4] != '.')
			return NULL;
		path += 5;
		if (strcmp(path, "id") == 0)
			return FIELD(id);
		if (strcmp(path, "type") == 0)
			return FIELD(dtype);
		if (strcmp(path, "actionType") == 0)
			return FIELD(action);
		if (strcmp(path, "from_id") == 0)
			return FIELD(from);
		if (strcmp(path, "to_id") == 0)
			return FIELD(to);
		if (strcmp(path, "chatType") == 0)
			return FIELD(chat);
		if (strcmp(path, "create_time") == 0)
			return FIELD(ctime);
		return NULL;
	default:
		return NULL;
	}
#undef FIELD
}

static void
append(char *dst, size_t size, const char *src, size_t n)
{
	size_t have = strlen(dst);

	if (have + 1 >= size)
		return;
	if (n > size - 1 - have)
		n = size - 1 - have;
	memcpy(dst + have, src, n);
	dst[have + n] = '\0';
}

/* Everything found under "data", for a "data" key seen again. */
static void
forget_data(struct frame_info *fi)
{
	fi->text[0] = fi->id[0] = fi->dtype[0] = fi->action[0] = '\0';
	fi->from[0] = fi->to[0] = fi->chat[0] = fi->ctime[0] = '\0';
}

static signed char
on_lejp(struct lejp_ctx *ctx, char reason)
{
	struct frame_info *fi = ctx->user;
	size_t size;
	char *dst;

	/* A key seen again replaces what it said before: the last value wins,
	 * as in jq (a repeated "msg" must not be joined into "fail"). */
	if (reason == LEJPCB_PAIR_NAME) {
		if (strcmp(ctx->path, "data") == 0)
			forget_data(fi);
		else if ((dst = field(fi, ctx->path, &size)) != NULL)
			dst[0] = '\0';
		return 0;
	}
	if (!(reason & LEJP_FLAG_CB_IS_VALUE))
		return 0;
	if ((dst = field(fi, ctx->path, &size)) == NULL)
		return 0;
	switch (reason) {
	case LEJPCB_VAL_STR_CHUNK:
	case LEJPCB_VAL_STR_END:
	case LEJPCB_VAL_NUM_INT:
	case LEJPCB_VAL_NUM_FLOAT:
		append(dst, size, ctx->buf, ctx->npos);
		break;
	default:
		break;
	}
	return 0;
}

static void
copy_jv(jv v, char *dst, size_t size)
{
	if (jv_get_kind(v) == JV_KIND_STRING) {
		snprintf(dst, size, "%s", jv_string_value(v));
	} else if (jv_get_kind(v) == JV_KIND_NUMBER) {
		jv s = jv_dump_string(jv_copy(v), 0);

		snprintf(dst, size, "%s", jv_string_value(s));
		jv_free(s);
	}
	jv_free(v);
}

/* The slow path, for JSON that LEJP cannot take. */
static int
scan_jv(const char *text, size_t len, struct frame_info *fi)
{
	jv v = jv_parse_sized(text, (int)len), d;

	if (!jv_is_valid(v)) {
		jv_free(v);
		return -1;
	}
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		copy_jv(jv_object_get(jv_copy(v), jv_string("type")), fi->type, sizeof fi->type);
		copy_jv(jv_object_get(jv_copy(v), jv_string("msg")), fi->msg, sizeof fi->msg);
		d = jv_object_get(jv_copy(v), jv_string("data"));
		if (jv_get_kind(d) == JV_KIND_STRING) {
			copy_jv(d, fi->text, sizeof fi->text);
		} else if (jv_get_kind(d) == JV_KIND_OBJECT) {
			copy_jv(jv_object_get(jv_copy(d), jv_string("id")), fi->id, sizeof fi->id);
			copy_jv(jv_object_get(jv_copy(d), jv_string("type")), fi->dtype, sizeof fi->dtype);
			copy_jv(jv_object_get(jv_copy(d), jv_string("actionType")), fi->action, sizeof fi->action);
			copy_jv(jv_object_get(jv_copy(d), jv_string("from_id")), fi->from, sizeof fi->from);
			copy_jv(jv_object_get(jv_copy(d), jv_string("to_id")), fi->to, sizeof fi->to);
			copy_jv(jv_object_get(jv_copy(d), jv_string("chatType")), fi->chat, sizeof fi->chat);
			copy_jv(jv_object_get(d, jv_string("create_time")), fi->ctime, sizeof fi->ctime);
		} else {
			jv_free(d);
		}
	}
	jv_free(v);
	return 0;
}

static int
scan(const char *text, size_t len, struct frame_info *fi)
{
	struct lejp_ctx ctx;
	int r;
	size_t i;

	if (len == 0)
		return -1;
	/* LEJP wants an object or array at the top; anything else goes to jq. */
	i = 0;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	if (i == len || (text[i] != '{' && text[i] != '['))
		return scan_jv(text, len, fi);
	lejp_construct(&ctx, on_lejp, fi, NULL, 0);
	r = lejp_parse(&ctx, (const unsigned char *)text, (int)len);
	lejp_destruct(&ctx);
	if (r < 0) {
		/* LEJP refuses some JSON (long numbers, deep nesting): let jq
		 * decide. Only frames LEJP rejects pay for this. */
		memset(fi, 0, sizeof *fi);
		return scan_jv(text, len, fi);
	}
	/* r bytes were left after the value: only white space may follow. */
	for (i = len - (size_t)r; i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
			return -1;
	return 0;
}

int
frame_scan(const char *text, size_t len, struct frame_info *fi)
{
	int r;

	memset(fi, 0, sizeof *fi);
	r = scan(text, len, fi);
	fi->newline = memchr(text, '\n', len) != NULL || memchr(text, '\r', len) != NULL;
	return r;
}

uint64_t
frame_key(const struct frame_info *fi)
{
	const char *parts[3] = { fi->id, fi->dtype, fi->action };
	uint64_t h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < 3; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		for (; *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
		/* A separator, so ("ab","c") and ("a","bc") differ. */
		h ^= 0xff;
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

/* A tip's sender is "redirect-<kind>-<receiver's id>" (api §4.4). */
static int
is_tip(const char *from, long self_id)
{
	static const char pre[] = "redirect-", apply[] = "redirect-applyFriend-";
	const char *dash;
	char *end;
	long id;

	if (strncmp(from, pre, sizeof pre - 1) != 0 || strncmp(from, apply, sizeof apply - 1) == 0)
		return 0;
	if ((dash = strrchr(from, '-')) == NULL || dash < from + sizeof pre)
		return 0;
	if (self_id <= 0)
		return 1;
	id = strtol(dash + 1, &end, 10);
	return *end == '\0' && end != dash + 1 && id == self_id;
}

enum frame_kind
frame_classify(const struct frame_info *fi, long self_id)
{
	if (fi->type[0] == '\0') {
		if (strcmp(fi->msg, "fail") == 0)
			return FRAME_REJECTION;
		if (strcmp(fi->msg, "force_logout") == 0)
			return FRAME_FORCE_LOGOUT;
		return FRAME_MESSAGE;
	}
	if (strcmp(fi->type, "ping") == 0)
		return FRAME_PING;
	if (strcmp(fi->type, "pong") == 0)
		return FRAME_PONG;
	if (strcmp(fi->type, "system") == 0)
		return FRAME_WELCOME;
	if (strcmp(fi->type, "singleChat") == 0 && is_tip(fi->from, self_id))
		return FRAME_TIP;
	return FRAME_MESSAGE;
}
