/* lib/keyset.h: the keys of stored messages kept in memory, for the
 * mailbox's dedupe (lib/mailbox.c): (create_time, key) -> the seq of the
 * message that has them. A key is a hash, so several seqs may answer one
 * (create_time, key); the caller tells them apart.
 *
 *	struct keyset k = { 0 };
 *	keyset_clear(&k, first_seq);		empty (allocates the first time)
 *	keyset_add(&k, ctime, key, seq);
 *	r = keyset_each(&k, ctime, key, fn, arg);	fn(arg, seq) for each
 *						match, until one returns nonzero
 *	keyset_release(&k);
 *
 * The struct is the caller's; its memory is the keyset's. */
#ifndef CHATCTL_KEYSET_H
#define CHATCTL_KEYSET_H

#include <stddef.h>
#include <stdint.h>

struct keyset_slot {
	int64_t ctime;
	uint64_t key;
	int64_t seq;
};

/* Open addressing, at most half full. tag[i] is 0 for a free slot, else
 * a byte of the key's hash: a probe reads the small tag array and touches
 * a slot only on a likely match (a full generation's slots are 384 KiB,
 * its tags 16 KiB). It starts small and doubles: send stores one. */
struct keyset {
	struct keyset_slot *s;
	unsigned char *tag;
	size_t n, mask;		/* mask + 1 slots */
	int64_t first_seq;	/* its messages have seq >= this */
	int64_t maxc;		/* the newest create_time in it */
};

void keyset_clear(struct keyset *k, int64_t first_seq);
void keyset_add(struct keyset *k, int64_t ctime, uint64_t key, int64_t seq);
int keyset_each(const struct keyset *k, int64_t ctime, uint64_t key, int (*fn)(void *arg, int64_t seq),
    void *arg);
void keyset_release(struct keyset *k);

#endif
