#include <stdlib.h>
#include <string.h>

#include "seen.h"
#include "xalloc.h"

void
seen_init(struct seen *s, size_t window)
{
	s->window = window;
	s->cap = 16;
	while (s->cap < 2 * window)	/* at most half full: short probes */
		s->cap *= 2;
	s->gen[0] = xcalloc(s->cap, sizeof *s->gen[0]);
	s->gen[1] = xcalloc(s->cap, sizeof *s->gen[1]);
	s->n = 0;
}

static int
lookup(const uint64_t *t, size_t cap, uint64_t key, size_t *slot)
{
	size_t i = (size_t)(key ^ (key >> 29)) & (cap - 1);

	while (t[i] != 0) {
		if (t[i] == key)
			return 1;
		i = (i + 1) & (cap - 1);
	}
	*slot = i;
	return 0;
}

int
seen_add(struct seen *s, uint64_t key)
{
	size_t slot;
	uint64_t *t;

	if (lookup(s->gen[1], s->cap, key, &slot))
		return 1;
	if (lookup(s->gen[0], s->cap, key, &slot))
		return 1;
	if (s->n == s->window) {
		/* The newer generation is full: it becomes the older one. */
		t = s->gen[1];
		s->gen[1] = s->gen[0];
		s->gen[0] = t;
		memset(s->gen[0], 0, s->cap * sizeof *s->gen[0]);
		s->n = 0;
		lookup(s->gen[0], s->cap, key, &slot);
	}
	s->gen[0][slot] = key;
	s->n++;
	return 0;
}

void
seen_release(struct seen *s)
{
	free(s->gen[0]);
	free(s->gen[1]);
	s->gen[0] = s->gen[1] = NULL;
}
