/* lib/frame.h: what listen needs to know about one incoming frame, found in
 * a single pass without building a JSON tree.
 *
 * frame_scan() checks that text is JSON and copies out the few fields that
 * decide what happens to the frame: the top-level "type", "msg" and (string)
 * "data", and the chat record's "data.id", "data.type", "data.actionType"
 * "data.from_id", "data.to_id", "data.chatType" and "data.create_time"
 * (a number's digits, or the string). Fields longer than
 * their buffer are cut short; absent ones are "". The scan uses lws's LEJP
 * parser, which is several times faster than building a jv, and leaves to
 * jv_parse whatever LEJP refuses (a top level that is not an object or
 * array, long numbers, deep nesting, and every frame that is not JSON).
 * LEJP takes a few forms strict JSON does not (a trailing comma in an
 * array, leading zeros); such frames pass as JSON. struct frame_info is
 * plain data owned by the caller. */
#ifndef CHATCTL_FRAME_H
#define CHATCTL_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct frame_info {
	char type[64];
	char msg[32];
	char text[256];		/* top-level "data" when it is a string */
	char id[128];
	char dtype[64];
	char action[64];
	char from[64];
	char to[64];		/* data.to_id: the recipient, or the group */
	char chat[16];		/* data.chatType: "single" or "group" */
	char ctime[32];		/* data.create_time, the server's ms */
	int newline;		/* raw CR or LF in the text: needs re-encoding */
};

/* 0 when text is JSON, -1 when it is not. */
int frame_scan(const char *text, size_t len, struct frame_info *fi);

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
