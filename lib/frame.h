/* lib/frame.h: what listen needs to know about one incoming frame, found in
 * a single pass without building a JSON tree.
 *
 * frame_scan() checks that text is JSON and copies out the few fields that
 * decide what happens to the frame: the top-level "type", "msg" and (string)
 * "data", and the chat record's "data.id", "data.type", "data.actionType"
 * and "data.from_id" (a number's digits, or the string). Fields longer than
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
	int newline;		/* raw CR or LF in the text: needs re-encoding */
};

/* 0 when text is JSON, -1 when it is not. */
int frame_scan(const char *text, size_t len, struct frame_info *fi);

/* A 64-bit key for de-duplication: (id, data.type, actionType). */
uint64_t frame_key(const struct frame_info *fi);

/* The keys seen lately, for dropping duplicates over a bounded window:
 * two generations of at most window keys each; when the newer fills, the
 * older is forgotten. So a key is remembered for at least window and at
 * most 2 * window later keys, in constant memory. */
struct seen {
	uint64_t *gen[2];
	size_t cap, n, window;
};

void seen_init(struct seen *s, size_t window);
/* 1 if key was seen within the window (and is not added again), else 0. */
int seen_add(struct seen *s, uint64_t key);
void seen_release(struct seen *s);

#endif
