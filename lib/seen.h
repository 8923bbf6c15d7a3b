/* lib/seen.h: the keys seen lately, for dropping duplicates over a bounded
 * window in constant memory (listen's dedupe of (id, type, actionType)
 * keys, lib/frame.h's frame_key()).
 *
 *	struct seen s;
 *	seen_init(&s, window);
 *	if (seen_add(&s, key)) ... a duplicate ...
 *	seen_release(&s);
 *
 * Two generations of at most window keys each; when the newer fills, the
 * older is forgotten. So a key is remembered for at least window and at
 * most 2 * window later keys. Key 0 is reserved (an empty slot). The
 * tables belong to s. */
#ifndef CHATCTL_SEEN_H
#define CHATCTL_SEEN_H

#include <stddef.h>
#include <stdint.h>

struct seen {
	uint64_t *gen[2];
	size_t cap, n, window;
};

void seen_init(struct seen *s, size_t window);
/* 1 if key was seen within the window (and is not added again), else 0. */
int seen_add(struct seen *s, uint64_t key);
void seen_release(struct seen *s);

#endif
