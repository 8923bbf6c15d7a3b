/* lib/frame.h: what listen needs to know about one incoming frame, found in
 * a single pass without building a JSON tree.
 *
 * frame_scan() checks that text is strict JSON and copies out the few
 * fields that decide what happens to the frame: the top-level "type", "msg"
 * and "data" (when not an object), and the chat record's "data.id", "data.type",
 * "data.actionType", "data.from_id", "data.to_id", "data.chatType" and
 * "data.create_time" (a string's text, or a number as written). Fields
 * longer than their buffer are cut short; absent ones, and ones that are
 * not a string or a number, are "". A key seen twice: the last value wins,
 * as in jq.
 *
 * Strict JSON is RFC 8259 and a little more, so that whatever passes can be
 * handed to libjq 1.6, which aborts or leaks on some texts it should
 * refuse: UTF-8 only (no overlong forms, no surrogates, nothing past
 * U+10FFFF), no \u escape of a lone surrogate, no raw control byte in a
 * string, nesting at most FRAME_MAX_DEPTH (jq's own limit). A frame that
 * fails is not JSON, whatever a laxer parser says of it.
 *
 * The scan is hand-written, the one JSON scanner this project allows
 * (shared/DESIGN.md), because it is the hot path of listen. A needed key or
 * value with an escape in it is rare (the real server writes UTF-8 raw), so
 * the scanner leaves those fields to libjq, on text it has already checked.
 * tests/fuzz/frame.c checks it against libjq and LEJP.
 * struct frame_info is plain data owned by the caller. */
#ifndef CHATCTL_FRAME_H
#define CHATCTL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX_DEPTH 256

struct frame_info {
	char type[64];
	char msg[32];
	char text[256];		/* top-level "data" when a string or number */
	char id[128];
	char dtype[64];
	char action[64];
	char from[64];
	char to[64];		/* data.to_id: the recipient, or the group */
	char chat[16];		/* data.chatType: "single" or "group" */
	char ctime[32];		/* data.create_time, the server's ms */
	int newline;		/* a raw CR or LF (white space): strip to print */
};

/* 0 when text is strict JSON, -1 when it is not. */
int frame_scan(const char *text, size_t len, struct frame_info *fi);

/* Why text is not strict JSON: 0 when it is, else -1 with *at the offset
 * of the first byte at fault and *why a static phrase. newline, when not
 * NULL, is set as in frame_info. */
int frame_check(const char *text, size_t len, int *newline, size_t *at, const char **why);

/* The two halves of frame_scan(), for the differential fuzz target:
 * frame_scan_fast() returns -1 (not JSON), 0 (fi complete) or 1 (valid,
 * but a needed field has an escape); frame_scan_jq() fills fi from valid
 * text with libjq. */
int frame_scan_fast(const char *text, size_t len, struct frame_info *fi);
void frame_scan_jq(const char *text, size_t len, struct frame_info *fi);

/* A --jq program that is a plain path, answered from checked text without
 * libjq (issue 11):
 *
 *	struct frame_path fp;
 *	if (frame_path_parse(program, &fp) == 0)		once
 *		a = frame_path_find(&fp, text, len, &v, &n);	per frame
 *
 * A plain path is one or more steps ".name", name as jq 1.6 lexes a field
 * ([A-Za-z_][A-Za-z0-9_]*), nothing else, not even white space; at most
 * FRAME_PATH_STEPS steps of FRAME_PATH_KEY - 1 bytes. frame_path_parse()
 * returns 0 for one, -1 for any other program.
 *
 * frame_path_find() reads text that passed frame_check() as jq reads the
 * path: a repeated key's last value wins, a missing key or a null on the
 * way gives null. Its answer:
 *	FRAME_PATH_SCALAR  the value is the string, number, true, false or
 *			   null written at [*v, *v + *n) of text (a string
 *			   with its quotes and escapes as written)
 *	FRAME_PATH_NULL	   jq's answer is null and the text has none to show
 *	FRAME_PATH_JQ	   ask libjq: an object or array, a step into a value
 *			   that is neither an object nor null (jq's error),
 *			   an escaped key where a step looks
 * struct frame_path is plain data; it borrows nothing from program.
 * tests/fuzz/jqpath.c and tests/unit/jqpath.c check what lib/json.c prints
 * from these answers against libjq's output, byte for byte. */
#define FRAME_PATH_STEPS 8
#define FRAME_PATH_KEY 64

struct frame_path {
	int n;
	size_t len[FRAME_PATH_STEPS];
	char key[FRAME_PATH_STEPS][FRAME_PATH_KEY];
};

enum frame_path_answer { FRAME_PATH_JQ, FRAME_PATH_NULL, FRAME_PATH_SCALAR };

int frame_path_parse(const char *program, struct frame_path *fp);
enum frame_path_answer frame_path_find(const struct frame_path *fp, const char *text, size_t len,
    const char **v, size_t *n);

/* The bytes a string of checked text stands for: s[0..n) is the string
 * with its quotes, as frame_path_find() gives it; out has room for n bytes
 * (an escape is never shorter than what it stands for). Returns how many
 * bytes it wrote: UTF-8, and a \u0000 is a NUL among them. */
size_t frame_string_decode(const char *s, size_t n, char *out);

/* A 64-bit key for de-duplication: (id, data.type, actionType), not the id
 * alone: a revoke notice reuses the id of what it revokes (api §4.6). */
uint64_t frame_key(const struct frame_info *fi);

/* What a frame is to its receiver (api §4.2-§4.6, observed.md):
 *	FRAME_REJECTION	  {"msg":"fail",...} with no type: the upgrade was
 *			  answered, then the token refused
 *	FRAME_FORCE_LOGOUT {"msg":"force_logout",...}: another login took over
 *			  (first server version)
 *	FRAME_WELCOME	  {"type":"system",...}: the socket is registered now
 *	FRAME_PING, FRAME_PONG	heartbeats ({"type":"ping"} / "pong")
 *	FRAME_TIP	  one of the connect burst's tips: a singleChat whose
 *			  data.from_id is "redirect-<kind>-<self_id>"; a
 *			  friend request ("redirect-applyFriend-<applicant>")
 *			  is a message, whoever the applicant
 *	FRAME_MESSAGE	  anything else: someone's message or notice
 * self_id is the receiver's user id, or 0 when unknown: then any redirect-
 * sender but applyFriend is taken for a tip. A pure function of its
 * arguments. */
enum frame_kind {
	FRAME_MESSAGE, FRAME_WELCOME, FRAME_TIP, FRAME_PING, FRAME_PONG,
	FRAME_REJECTION, FRAME_FORCE_LOGOUT
};

enum frame_kind frame_classify(const struct frame_info *fi, long self_id);

/* The heartbeat texts, ours and the server's. */
#define FRAME_PING_TEXT "{\"type\":\"ping\"}"
#define FRAME_PONG_TEXT "{\"type\":\"pong\"}"

#endif
