#include <stdlib.h>
#include <string.h>

#include "keyset.h"
#include "xalloc.h"

#define KEYSET_MIN 64

static uint64_t
slot_hash(int64_t ctime, uint64_t key)
{
	return (key ^ (uint64_t)ctime) * 0x9e3779b97f4a7c15ULL;
}

#define SLOT(k, h) ((size_t)((h) >> 32) & (k)->mask)
#define TAG(h) ((unsigned char)((h) >> 56 | 1))
#define NEXT(k, i) (((i) + 1) & (k)->mask)

static void
keyset_alloc(struct keyset *k, size_t slots)
{
	free(k->s);
	free(k->tag);
	k->s = xmalloc(slots * sizeof *k->s);
	k->tag = xcalloc(slots, 1);
	k->mask = slots - 1;
}

static void
keyset_put(struct keyset *k, const struct keyset_slot *s)
{
	uint64_t h = slot_hash(s->ctime, s->key);
	size_t i;

	for (i = SLOT(k, h); k->tag[i]; i = NEXT(k, i))
		;
	k->tag[i] = TAG(h);
	k->s[i] = *s;
	k->n++;
}

static void
keyset_grow(struct keyset *k)
{
	struct keyset old = *k;
	size_t i;

	k->s = NULL;
	k->tag = NULL;
	keyset_alloc(k, (old.mask + 1) * 2);
	k->n = 0;
	for (i = 0; i <= old.mask; i++)
		if (old.tag[i])
			keyset_put(k, &old.s[i]);
	free(old.s);
	free(old.tag);
}

void
keyset_clear(struct keyset *k, int64_t first_seq)
{
	if (k->s == NULL)
		keyset_alloc(k, KEYSET_MIN);
	else if (k->n)
		memset(k->tag, 0, k->mask + 1);
	k->n = 0;
	k->first_seq = first_seq;
	k->maxc = INT64_MIN;
}

void
keyset_add(struct keyset *k, int64_t ctime, uint64_t key, int64_t seq)
{
	if (2 * (k->n + 1) > k->mask + 1)
		keyset_grow(k);
	keyset_put(k, &(struct keyset_slot){ ctime, key, seq });
	if (ctime > k->maxc)
		k->maxc = ctime;
}

int
keyset_each(const struct keyset *k, int64_t ctime, uint64_t key, int (*fn)(void *arg, int64_t seq),
    void *arg)
{
	uint64_t h = slot_hash(ctime, key);
	size_t i;
	int r;

	for (i = SLOT(k, h); k->tag[i]; i = NEXT(k, i))
		if (k->tag[i] == TAG(h) && k->s[i].ctime == ctime && k->s[i].key == key &&
		    (r = fn(arg, k->s[i].seq)) != 0)
			return r;
	return 0;
}

void
keyset_release(struct keyset *k)
{
	free(k->s);
	free(k->tag);
	k->s = NULL;
	k->tag = NULL;
	k->n = k->mask = 0;
}
