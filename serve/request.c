/* serve/request.c: see request.h. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "../lib/json.h"
#include "request.h"

void
request_free(struct request *rq)
{
	free(rq->path);
	jv_free(rq->query);
	jv_free(rq->body);
	free(rq->bad_json);
	free(rq->token);
	buf_release(&rq->raw);
	memset(rq, 0, sizeof *rq);
}

/* As koa-bodyparser: a JSON object or a form becomes the parameters, a
 * JSON array none, anything else a complaint for the 400. */
void
request_parse_body(struct request *rq)
{
	if (rq->is_json && rq->raw.len) {
		jv v = json_parse(rq->raw.buf, rq->raw.len);

		if (jv_get_kind(v) == JV_KIND_OBJECT) {
			jv_free(rq->body);
			rq->body = v;
		} else if (!jv_is_valid(v)) {
			jv msg = jv_invalid_get_msg(v);

			rq->bad_json = xasprintf("invalid JSON in request body: %s",
			    jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "parse error");
			jv_free(msg);
		} else if (jv_get_kind(v) == JV_KIND_ARRAY)
			jv_free(v);
		else {
			jv_free(v);
			rq->bad_json = xstrdup("invalid JSON in request body: only objects and arrays are accepted");
		}
	} else if (rq->is_form && rq->raw.len) {
		jv_free(rq->body);
		rq->body = params_form_parse(rq->raw.buf, rq->raw.len);
	}
}

void
request_body_add(struct request *rq, const void *p, size_t len, size_t cap)
{
	if (rq->too_large)
		return;
	if (rq->raw.len + len > cap) {
		/* Read on, keep nothing: memory stays bounded. */
		rq->too_large = 1;
		buf_release(&rq->raw);
	} else
		buf_add(&rq->raw, p, len);
}

/* RFC 9112 §7.1, as strictly as node's parser reads it: hex size, maybe
 * ";extensions", CRLF, the data, CRLF; a zero size, trailer lines, CRLF. */
enum { CK_SIZE, CK_EXT, CK_SIZE_LF, CK_DATA, CK_DATA_CR, CK_DATA_LF,
	CK_TRAILER, CK_TRAILER_LINE, CK_TRAILER_LF, CK_END_LF };

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
request_body_chunked(struct request *rq, const void *in, size_t len, size_t cap)
{
	const unsigned char *p = in, *end = p + len;

	for (; p < end; p++) {
		int d;

		switch (rq->ck_state) {
		case CK_SIZE:
			if ((d = hexval(*p)) >= 0) {
				if (rq->ck_left > ULLONG_MAX >> 4)
					return -1;
				rq->ck_left = rq->ck_left << 4 | (unsigned)d;
				rq->ck_digits++;
			} else if (rq->ck_digits == 0)
				return -1;
			else if (*p == ';')
				rq->ck_state = CK_EXT;
			else if (*p == '\r')
				rq->ck_state = CK_SIZE_LF;
			else
				return -1;
			break;
		case CK_EXT:
			if (*p == '\r')
				rq->ck_state = CK_SIZE_LF;
			break;
		case CK_SIZE_LF:
			if (*p != '\n')
				return -1;
			rq->ck_digits = 0;
			rq->ck_state = rq->ck_left ? CK_DATA : CK_TRAILER;
			break;
		case CK_DATA: {
			size_t n = (size_t)(end - p) < rq->ck_left ? (size_t)(end - p) : (size_t)rq->ck_left;

			request_body_add(rq, p, n, cap);
			rq->ck_left -= n;
			p += n - 1;
			if (rq->ck_left == 0)
				rq->ck_state = CK_DATA_CR;
			break;
		}
		case CK_DATA_CR:
			if (*p != '\r')
				return -1;
			rq->ck_state = CK_DATA_LF;
			break;
		case CK_DATA_LF:
			if (*p != '\n')
				return -1;
			rq->ck_state = CK_SIZE;
			break;
		case CK_TRAILER:
			rq->ck_state = *p == '\r' ? CK_END_LF : CK_TRAILER_LINE;
			break;
		case CK_TRAILER_LINE:
			if (*p == '\r')
				rq->ck_state = CK_TRAILER_LF;
			break;
		case CK_TRAILER_LF:
			if (*p != '\n')
				return -1;
			rq->ck_state = CK_TRAILER;
			break;
		case CK_END_LF:
			return *p == '\n' ? 1 : -1;
		}
	}
	return 0;
}

void
response_free(struct response *rs)
{
	buf_release(&rs->body);
	memset(rs, 0, sizeof *rs);
}

void
reply_ok_raw(struct response *rs, const char *json)
{
	rs->status = 200;
	buf_reset(&rs->body);
	buf_adds(&rs->body, "{\"msg\":\"ok\",\"data\":");
	buf_adds(&rs->body, json);
	buf_adds(&rs->body, "}");
}

void
reply_ok(struct response *rs, jv data)
{
	jv text = jv_dump_string(data, 0);

	reply_ok_raw(rs, jv_string_value(text));
	jv_free(text);
}

void
reply_fail(struct response *rs, int status, const char *msg)
{
	jv o = jv_object_set(jv_object_set(jv_object(), jv_string("msg"), jv_string("fail")),
	    jv_string("data"), jv_string(msg));
	jv text = jv_dump_string(o, 0);

	rs->status = status;
	buf_reset(&rs->body);
	buf_adds(&rs->body, jv_string_value(text));
	jv_free(text);
}
