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
