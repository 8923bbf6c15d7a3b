/* Fuzz target: serve/params.c, the parameters of a REST request as
 * egg-valparams sees them: %XX decoding, form parsing, integers, and the
 * validation messages (which echo at most 100 bytes of a value).
 *
 * Input: any text, taken as a form body and as a JSON body, each
 * validated against the rules of serve's endpoints (copied from
 * serve/routes.c); the text is also URL-decoded with and without '+'. */
#include <jv.h>

#include "../../serve/params.h"
#include "fuzz.h"

static const char *const statuses[] = { "pending", "refuse", "agree", "ignore", NULL };
static const char *const chat_types[] = { "single", "group", NULL };

static const struct rule login_rules[] = {
	{ "username", "账号", R_STRING, 1, 4, 20, NULL },
	{ "password", "密码", R_STRING, 1, 6, 20, NULL },
	{ NULL, NULL, 0, 0, 0, 0, NULL }
};
static const struct rule handle_rules[] = {
	{ "id", "申请表的id", R_INT, 1, 1, 0, NULL },
	{ "nickname", "好友备注", R_STRING, 0, 1, 50, NULL },
	{ "status", "处理状态", R_ENUM, 1, 0, 0, statuses },
	{ NULL, NULL, 0, 0, 0, 0, NULL }
};
static const struct rule send_rules[] = {
	{ "sendto_id", "接收人/群的id值", R_INT, 1, 1, 0, NULL },
	{ "chatType", "接收类型", R_ENUM, 1, 0, 0, chat_types },
	{ "type", "消息类型", R_STRING, 1, 0, 0, NULL },
	{ "data", "消息内容", R_STRING, 1, 0, 0, NULL },
	{ NULL, NULL, 0, 0, 0, 0, NULL }
};
static const struct rule misc_rules[] = {
	{ "keyword", "搜索关键词", R_STRING, 1, 1, 50, NULL },
	{ "uuid", "uuid值", R_STRING, 0, 36, 36, NULL },
	{ "page", "页码", R_INT, 0, 1, 0, NULL },
	{ "friend_id", "我申请添加的好友id", R_INT, 0, 1, 0, NULL },
	{ NULL, NULL, 0, 0, 0, 0, NULL }
};
static const struct rule *const rule_sets[] = { login_rules, handle_rules, send_rules, misc_rules };

static void
check_params(jv params)
{
	size_t i;

	FUZZ_CHECK(jv_get_kind(params) == JV_KIND_OBJECT);
	for (i = 0; i < sizeof rule_sets / sizeof *rule_sets; i++) {
		const struct rule *r;
		char *msg = params_validate(params, rule_sets[i]);

		if (msg) {
			/* A refusal stays short and is whole UTF-8: the echo is
			 * cut where a character starts. */
			FUZZ_CHECK(strlen(msg) < 400);
			FUZZ_CHECK(fuzz_utf8_ok(msg, strlen(msg)));
			free(msg);
		}
		for (r = rule_sets[i]; r->name; r++) {
			char *text = params_text(params, r->name);
			long n;

			if (params_long(params, r->name, &n))
				FUZZ_CHECK(text != NULL);
			free(text);
		}
	}
}

/* The form body: every value a string, every name non-empty. */
static void
check_form(const char *s, size_t n)
{
	jv o = params_form_parse(s, n);
	int it;

	FUZZ_CHECK(jv_get_kind(o) == JV_KIND_OBJECT);
	for (it = jv_object_iter(o); jv_object_iter_valid(o, it); it = jv_object_iter_next(o, it)) {
		jv k = jv_object_iter_key(o, it), v = jv_object_iter_value(o, it);

		FUZZ_CHECK(jv_string_value(k)[0] != '\0');
		FUZZ_CHECK(jv_get_kind(v) == JV_KIND_STRING);
		jv_free(k);
		jv_free(v);
	}
	check_params(o);
	jv_free(o);
}

static void
check_decode(const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char *plain = params_url_decode(s, n, 0), *plus = params_url_decode(s, n, 1), *enc, *back;
	size_t i, o = 0;

	FUZZ_CHECK((plain == NULL) == (plus == NULL));
	if (memchr(s, '%', n) == NULL)
		FUZZ_CHECK(plain != NULL && memcmp(plain, s, strlen(plain)) == 0);
	if (plain) {
		FUZZ_CHECK(strlen(plain) <= n && strlen(plus) == strlen(plain));
		FUZZ_CHECK(strchr(plus, '+') == NULL || strchr(plain, '+') != NULL);
	}
	free(plain);
	free(plus);

	/* Encoding every byte and decoding gives the bytes back. */
	enc = malloc(3 * n + 1);
	for (i = 0; i < n; i++) {
		enc[o++] = '%';
		enc[o++] = hex[(unsigned char)s[i] >> 4];
		enc[o++] = hex[(unsigned char)s[i] & 15];
	}
	back = params_url_decode(enc, o, 1);
	FUZZ_CHECK(back != NULL && memcmp(back, s, n) == 0 && back[n] == '\0');
	free(back);
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	jv v;

	check_decode((const char *)data, size);
	check_form((const char *)data, size);
	v = jv_parse_sized(s, (int)size);
	if (jv_get_kind(v) == JV_KIND_OBJECT)
		check_params(v);
	jv_free(v);
	free(s);
	return 0;
}
