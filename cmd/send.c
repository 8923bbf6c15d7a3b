/* cmd/send.c: send messages, one from the command line or stdin, or a
 * batch (--lines, --json) over one reused connection with one NDJSON result
 * line per message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "../lib/log.h"
#include "../lib/mailbox.h"
#include "../lib/url.h"
#include "../lib/xalloc.h"

static const struct opt send_opts[] = {
	{ "group", 'g', NULL, "TO is a group id", NULL, NULL },
	{ "type", 't', "TYPE", "message type", "text|iconMenus|image|audio|video", "text" },
	{ "options", 0, "JSON", "extra parameters, sent URI-encoded as the app does", NULL, NULL },
	{ "raw", 0, NULL, "send the text as the message data exactly, without the app's wrapper", NULL, NULL },
	{ "lines", 0, NULL, "send each line of standard input as one message to TO", NULL, NULL },
	{ "json", 0, NULL, "each line of standard input is {\"to\",\"type\",\"data\",\"group\",\"options\"}", NULL, NULL },
	{ "keep-going", 'k', NULL, "in a batch, go on after a message fails", NULL, NULL },
	{ "retry", 0, "N", "retries when nothing can have been delivered, or on 502/503/504", NULL, "3" },
	{ NULL, 0, NULL, NULL, NULL, NULL }
};

/* One message, as the server's sendmessage wants it. Everything in it is
 * owned by it: msg_release() frees. */
struct msg {
	long to;
	int group;
	char *type;
	jv data;	/* a string (wrapped or raw) or an object */
	jv options;	/* a JSON value */
};

static void
msg_release(struct msg *m)
{
	free(m->type);
	jv_free(m->data);
	jv_free(m->options);
	m->type = NULL;
	m->data = m->options = jv_invalid();
}

/* What the app puts in data for each type (api §5.3). Consumes text. */
static jv
wrap_text(const char *type, jv text)
{
	jv w = jv_object(), dt;

	if (strcmp(type, "image") == 0 || strcmp(type, "audio") == 0 || strcmp(type, "video") == 0)
		dt = jv_string(type);
	else
		dt = jv_false();
	w = jv_object_set(w, jv_string("data"), text);
	w = jv_object_set(w, jv_string("dataType"), dt);
	w = jv_object_set(w, jv_string("otherData"), jv_null());
	return jv_dump_string(w, 0);
}

/* Borrows m; the reply is the caller's in *result. */
static int
send_one(struct session *s, const struct msg *m, jv *result, struct err *e)
{
	jv body = jv_object(), opt;
	char *enc;

	opt = jv_dump_string(jv_copy(m->options), 0);
	enc = url_encode(jv_string_value(opt), (size_t)jv_string_length_bytes(jv_copy(opt)));
	jv_free(opt);
	body = jv_object_set(body, jv_string("sendto_id"), jv_number((double)m->to));
	body = jv_object_set(body, jv_string("chatType"), jv_string(m->group ? "group" : "single"));
	body = jv_object_set(body, jv_string("type"), jv_string(m->type));
	body = jv_object_set(body, jv_string("data"), jv_copy(m->data));
	body = jv_object_set(body, jv_string("options"), jv_string(enc));
	free(enc);
	return api_call(&s->api, "POST", "/api/chat/socket/sendmessage", body, result, NULL, e);
}

/* Where sent messages are kept: the account's mailbox, opened at the first
 * record the server accepted, so that a refused or failed send never
 * touches the disk and a sent one waits for nothing before it is sent.
 * A mailbox that cannot be opened is not tried again in a batch. */
struct keeper {
	struct mailbox *mb;
	struct err failed;	/* why it could not be opened, once it could not */
};

static void
keeper_close(struct keeper *k)
{
	if (k->mb)
		mailbox_close(k->mb);
	k->mb = NULL;
}

/* rec's field as text ("" when absent or not a string or number). Borrows
 * rec, which is an object. */
static void
field_text(jv rec, const char *name, char *buf, size_t size)
{
	jv v = jv_object_get(jv_copy(rec), jv_string(name));

	buf[0] = '\0';
	if (jv_get_kind(v) == JV_KIND_STRING)
		snprintf(buf, size, "%s", jv_string_value(v));
	else if (jv_get_kind(v) == JV_KIND_NUMBER)
		snprintf(buf, size, "%.17g", jv_number_value(v));
	jv_free(v);
}

/* rec's field as a whole number, else 0. Borrows rec, an object. */
static int64_t
field_int(jv rec, const char *name)
{
	char buf[64], *end;
	long long n;

	field_text(rec, name, buf, sizeof buf);
	n = strtoll(buf, &end, 10);
	return *end == '\0' ? n : 0;
}

/* Store the record the server returned as the frame its recipient got
 * (api §4.6: one frame type, singleChat, for single and group chats), in a
 * transaction of its own. Borrows rec. */
static int
keep_record(struct keeper *k, jv rec, struct err *e)
{
	char id[128], dtype[64], action[64], chat[16];
	struct mailbox_msg m;
	int64_t seq, to;
	jv frame;
	int code;

	if (jv_get_kind(rec) != JV_KIND_OBJECT)
		return err_set(e, EX_PROTO, "the server's record is not an object");
	field_text(rec, "id", id, sizeof id);
	field_text(rec, "type", dtype, sizeof dtype);
	field_text(rec, "actionType", action, sizeof action);
	field_text(rec, "chatType", chat, sizeof chat);
	to = field_int(rec, "to_id");
	m = (struct mailbox_msg){ .id = id, .type = "singleChat", .action = action, .dtype = dtype,
	    .outgoing = 1, .time_ms = field_int(rec, "create_time") };
	if (m.time_ms == 0)
		m.time_ms = mailbox_now_ms();	/* a record without its time: when it was sent */
	if (strcmp(chat, "group") == 0)
		m.group = (long)to;
	else
		m.peer = (long)to;
	frame = jv_object_set(jv_object(), jv_string("type"), jv_string("singleChat"));
	frame = jv_object_set(frame, jv_string("data"), jv_copy(rec));
	frame = jv_object_set(frame, jv_string("timestamp"), jv_number((double)m.time_ms));
	frame = jv_dump_string(frame, 0);
	m.frame = jv_string_value(frame);
	m.len = (size_t)jv_string_length_bytes(jv_copy(frame));
	if ((code = mailbox_begin(k->mb, e)) == EX_OK) {
		if (mailbox_put(k->mb, &m, &seq, e) >= 0) {
			code = mailbox_commit(k->mb, e);
		} else {
			mailbox_rollback(k->mb);
			code = e->code ? e->code : EX_IO;
		}
	}
	jv_free(frame);
	return code;
}

/* After the server accepted a message: keep it in the mailbox. The message
 * was sent whatever happens here, so a failure is a warning, never the
 * command's exit status. Borrows rec. */
static void
keep_sent(struct session *s, struct keeper *k, jv rec)
{
	struct err e = { 0, "" };
	char *path;

	if (k->mb == NULL && k->failed.code == EX_OK) {
		if (session_mailbox_path(s, &path, &k->failed) == EX_OK) {
			if (mailbox_open(path, &k->mb, &k->failed) == EX_OK)
				mailbox_lazy_close(k->mb);
			free(path);
		}
	}
	if (k->mb == NULL)
		e = k->failed;
	else
		keep_record(k, rec, &e);
	if (e.code != EX_OK)
		log_warn("sent, but not kept in the mailbox: %s", e.msg);
}

static int
parse_options(const char *text, jv *out, struct err *e)
{
	jv v = json_parse(text, strlen(text));

	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);

		err_set(e, EX_USAGE, "invalid --options JSON: %s",
		    jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "parse error");
		jv_free(msg);
		return EX_USAGE;
	}
	*out = v;
	return EX_OK;
}

/* TO: a group id, or a user id or @NAME (resolved when ss is set). */
static int
parse_to(struct session *ss, const char *s, int group, long *to, struct err *e)
{
	if (group)
		return parse_id(s, ID_GROUP, NULL, to, e);
	return session_user_id(ss, s, NULL, to, e);
}

/* Text becomes the message data: the app's wrapper unless --raw. */
static int
text_data(const char *type, int raw, const char *text, size_t len, jv *data, struct err *e)
{
	jv t;

	if (len == 0)
		return err_set(e, EX_USAGE, "nothing to send: the message is empty");
	t = jv_string_sized(text, (int)len);
	*data = raw ? t : wrap_text(type, t);
	return EX_OK;
}

/* A --json line: {"to","type","data","group","options"}, with the command
 * line's values as defaults. Fills m (which the caller releases). */
static int
parse_json_line(struct session *s, const char *line, const struct msg *def, int raw, struct msg *m,
    struct err *e)
{
	jv o = json_parse(line, strlen(line)), to, group, type, options, data;
	int code = EX_OK;

	m->to = def->to;
	m->group = def->group;
	m->type = NULL;
	m->data = jv_invalid();
	m->options = jv_copy(def->options);
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		jv_free(o);
		return err_set(e, EX_USAGE, "not a JSON object");
	}
	to = jv_object_get(jv_copy(o), jv_string("to"));
	group = jv_object_get(jv_copy(o), jv_string("group"));
	type = jv_object_get(jv_copy(o), jv_string("type"));
	options = jv_object_get(jv_copy(o), jv_string("options"));
	data = jv_object_get(o, jv_string("data"));

	if (jv_get_kind(group) == JV_KIND_TRUE || jv_get_kind(group) == JV_KIND_FALSE)
		m->group = jv_get_kind(group) == JV_KIND_TRUE;
	if (jv_get_kind(to) == JV_KIND_NUMBER) {
		double d = jv_number_value(to);

		if (d >= 1 && d <= (double)JSON_MAX_SAFE_INT && d == (double)(long)d)
			m->to = (long)d;
		else
			code = err_set(e, EX_USAGE, "\"to\" must be a user or group id");
	} else if (jv_get_kind(to) == JV_KIND_STRING) {
		code = parse_to(s, jv_string_value(to), m->group, &m->to, e);
	} else if (m->to == 0) {
		code = err_set(e, EX_USAGE, "\"to\" must be a user or group id");
	}
	m->type = xstrdup(jv_get_kind(type) == JV_KIND_STRING ? jv_string_value(type) : def->type);
	if (code == EX_OK && jv_get_kind(options) == JV_KIND_STRING) {
		jv_free(m->options);
		m->options = jv_null();
		code = parse_options(jv_string_value(options), &m->options, e);
	} else if (jv_is_valid(options) && jv_get_kind(options) != JV_KIND_NULL) {
		jv_free(m->options);
		m->options = jv_copy(options);
	}
	if (code == EX_OK) {
		if (jv_get_kind(data) == JV_KIND_STRING)
			code = text_data(m->type, raw, jv_string_value(data),
			    (size_t)jv_string_length_bytes(jv_copy(data)), &m->data, e);
		else if (jv_get_kind(data) == JV_KIND_OBJECT)
			m->data = jv_copy(data);	/* the app's own object form, as is */
		else
			code = err_set(e, EX_USAGE, "\"data\" must be a string or an object");
	}
	jv_free(to);
	jv_free(group);
	jv_free(type);
	jv_free(options);
	jv_free(data);
	return code;
}

static int
batch(struct session *s, const struct args *a, const struct msg *def, int raw, int json,
    struct keeper *k, struct err *e)
{
	int keep_going = arg_has(a, "keep-going"), first = EX_OK, code;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		struct msg m = { 0, 0, NULL, jv_invalid(), jv_invalid() };
		struct err le = { 0, "" };
		jv result;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;	/* blank lines carry no message */
		if (json) {
			code = parse_json_line(s, line, def, raw, &m, &le);
		} else {
			m.to = def->to;
			m.group = def->group;
			m.type = xstrdup(def->type);
			m.options = jv_copy(def->options);
			code = text_data(def->type, raw, line, (size_t)n, &m.data, &le);
		}
		if (code == EX_OK)
			code = send_one(s, &m, &result, &le);
		msg_release(&m);
		if (code == EX_OK) {
			keep_sent(s, k, result);
			if ((code = output_emit(&s->out, result, &le)) != EX_OK) {
				err_set(e, code, "line %ld: %s", lineno, le.msg);
				free(line);
				return code;
			}
		} else {
			jv fail = jv_object();

			fail = jv_object_set(fail, jv_string("line"), jv_number((double)lineno));
			fail = jv_object_set(fail, jv_string("exit"), jv_number(code));
			fail = jv_object_set(fail, jv_string("error"), jv_string(le.msg));
			json_print_line(stdout, fail);
			if (first == EX_OK) {
				first = code;
				err_set(e, code, "line %ld: %s", lineno, le.msg);
			} else {
				log_warn("line %ld: %s", lineno, le.msg);
			}
			if (!keep_going)
				break;
		}
		/* One line out per line in, as soon as it is known. */
		fflush(stdout);
	}
	free(line);
	if (ferror(stdin) && first == EX_OK)
		first = err_set(e, EX_IO, "cannot read standard input");
	return first;
}

static int
read_stdin(struct buf *b, struct err *e)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		buf_add(b, chunk, n);
	if (ferror(stdin))
		return err_set(e, EX_IO, "cannot read standard input");
	while (b->len > 0 && (b->buf[b->len - 1] == '\n' || b->buf[b->len - 1] == '\r'))
		b->buf[--b->len] = '\0';
	return EX_OK;
}

/* The command line: the message (m->data still invalid), or a batch's
 * defaults, and the retries. m is the caller's to release whatever this
 * returns. */
static int
send_args(struct session *s, const struct args *a, struct msg *m, long *retries, struct err *e)
{
	int lines = arg_has(a, "lines"), json = arg_has(a, "json");
	int code;

	*m = (struct msg){ 0, 0, NULL, jv_invalid(), jv_invalid() };
	m->group = arg_has(a, "group");
	if (arg_get(a, "type")[0] == '\0')
		return err_set(e, EX_USAGE, "empty --type");
	if (lines && json)
		return err_set(e, EX_USAGE, "--lines and --json do not go together");
	if (arg_has(a, "keep-going") && !lines && !json)
		return err_set(e, EX_USAGE, "--keep-going is for --lines and --json batches");
	if ((code = parse_long(arg_get(a, "retry"), 0, 100, "--retry", retries, e)))
		return code;
	if (a->argc == 0 && !json)
		return err_set(e, EX_USAGE, "missing argument: TO (a user id, or a group id with --group)");
	if ((lines || json) && a->argc > 1)
		return err_set(e, EX_USAGE, "unexpected argument '%s': a batch reads its messages from standard input", a->argv[1]);
	if (a->argc > 0 && (code = parse_to(s, a->argv[0], m->group, &m->to, e)))
		return code;
	if (arg_get(a, "options")) {
		if ((code = parse_options(arg_get(a, "options"), &m->options, e)))
			return code;
	} else {
		m->options = jv_object();	/* the app sends {} for plain text */
	}
	m->type = xstrdup(arg_get(a, "type"));
	return EX_OK;
}

static int
send_check(const struct args *a, struct err *e)
{
	struct msg def;
	long retries;
	int code = send_args(NULL, a, &def, &retries, e);

	msg_release(&def);
	return code;
}

/* TEXT, or all of standard input, as the message's data. Every word after
 * TO is text (.options_first), "-5 degrees" and "--help" too; a "--" right
 * after TO is skipped, as the end of options it was before that rule. */
static int
single_data(const struct args *a, struct msg *m, int raw, struct err *e)
{
	struct buf b = BUF_INIT;
	char **w = a->argv + 1;
	int n = a->argc - 1, code, i;

	if (n > 0 && strcmp(w[0], "--") == 0)
		w++, n--;
	if (n == 0 || (n == 1 && strcmp(w[0], "-") == 0)) {
		if ((code = read_stdin(&b, e)) == EX_OK)
			code = text_data(m->type, raw, b.buf ? b.buf : "", b.len, &m->data, e);
	} else {
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_add(&b, " ", 1);
			buf_adds(&b, w[i]);
		}
		code = text_data(m->type, raw, b.buf, b.len, &m->data, e);
	}
	buf_release(&b);
	return code;
}

static int
send_run(struct session *s, const struct args *a, struct err *e)
{
	struct msg def;
	struct keeper k = { NULL, { 0, "" } };
	int raw = arg_has(a, "raw"), lines = arg_has(a, "lines"), json = arg_has(a, "json");
	long retries;
	int code;
	jv result;

	if ((code = send_args(s, a, &def, &retries, e)) != EX_OK)
		goto out;
	s->api.retries = (int)retries;
	if (lines || json) {
		/* A batch prints NDJSON: one line per message, never indented. */
		s->out.pretty = 0;
		code = batch(s, a, &def, raw, json, &k, e);
		goto out;
	}
	if ((code = single_data(a, &def, raw, e)) != EX_OK)
		goto out;
	code = send_one(s, &def, &result, e);
	if (code == EX_OK) {
		keep_sent(s, &k, result);
		code = output_emit(&s->out, result, e);
	}
out:
	keeper_close(&k);
	msg_release(&def);
	return code;
}

const struct command cmd_send = {
	.name = "send",
	.synopsis = "[--group] [--type TYPE] [--options JSON] [--raw] [--lines|--json [--keep-going]] [--retry N] TO [--] [TEXT...]",
	.summary = "send a message to a user (or a group with --group)",
	.description =
	    "Options, the global ones too, go before TO: every word after it is message text,\n"
	    "even one that starts with '-' (a '--' right after TO is skipped). The words of TEXT\n"
	    "are joined by spaces; with no TEXT, or TEXT '-', all of standard input is one\n"
	    "message (trailing newlines removed). Prints the stored message record.\n"
	    "Text is wrapped as the app expects ({\"data\":TEXT,\"dataType\":false,\"otherData\":null})\n"
	    "unless --raw. --lines sends each input line to TO; --json reads one object per line,\n"
	    "{\"to\":ID,\"type\":T,\"data\":TEXT,\"group\":BOOL,\"options\":{...}}, with TO, --type and\n"
	    "--group as defaults. A batch prints one line per message: the record, or\n"
	    "{\"line\":N,\"exit\":CODE,\"error\":MESSAGE}; it stops at the first failure unless\n"
	    "--keep-going, and exits with the first failure's code.",
	.opts = send_opts,
	.min_args = 0, .max_args = -1,
	.options_first = 1,
	.setup = SETUP_SESSION | SETUP_TOKEN,
	.check = send_check,
	.run = send_run,
};
