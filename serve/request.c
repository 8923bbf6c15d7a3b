/* serve/request.c: see request.h. */
#include <stdlib.h>
#include <string.h>

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
