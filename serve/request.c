/* serve/request.c: see request.h. */
#include <stdlib.h>
#include <string.h>

#include "params.h"
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
		jv v = jv_parse_sized(rq->raw.buf, (int)rq->raw.len);

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
