/* The retry delay (lib/backoff.c). */
#include <stdlib.h>

#include "../../lib/backoff.h"
#include "unit.h"

static void
test_doubling_without_jitter(void)
{
	struct backoff b;

	backoff_init(&b, 0.5, 8, 0);
	CHECK(backoff_next(&b) == 0.5);
	CHECK(backoff_next(&b) == 1);
	CHECK(backoff_next(&b) == 2);
	CHECK(backoff_next(&b) == 4);
	CHECK(backoff_next(&b) == 8);
	CHECK(backoff_next(&b) == 8);	/* capped */
	backoff_reset(&b);
	CHECK(backoff_next(&b) == 0.5);
}

static void
test_jitter_stays_within_a_quarter(void)
{
	struct backoff b;
	double d, lo = 1e9, hi = 0;
	int i;

	srandom(1);
	for (i = 0; i < 2000; i++) {
		backoff_init(&b, 1, 30, 0.25);
		d = backoff_next(&b);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	CHECK(lo >= 0.75 && lo < 0.8);
	CHECK(hi <= 1.25 && hi > 1.2);
	/* Long after the cap: 30 s +-25 %, never more. */
	backoff_init(&b, 1, 30, 0.25);
	for (i = 0; i < 100; i++)
		d = backoff_next(&b);
	CHECK(d >= 22.5 && d <= 37.5);
}

int
main(void)
{
	test_doubling_without_jitter();
	test_jitter_stays_within_a_quarter();
	return unit_done();
}
