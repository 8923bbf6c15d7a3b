#include <stdlib.h>

#include "backoff.h"

void
backoff_init(struct backoff *b, double first, double max, double jitter)
{
	b->first = first;
	b->max = max;
	b->jitter = jitter;
	b->attempts = 0;
}

double
backoff_next(struct backoff *b)
{
	double d = b->first;
	int i;

	for (i = 0; i < b->attempts && d < b->max; i++)
		d *= 2;
	if (d > b->max)
		d = b->max;
	b->attempts++;
	return d * (1 - b->jitter + 2 * b->jitter * ((double)random() / RAND_MAX));
}

void
backoff_reset(struct backoff *b)
{
	b->attempts = 0;
}
