/* The de-duplication window (lib/seen.c). */
#include <stdint.h>

#include "../../lib/seen.h"
#include "unit.h"

static void
test_window_bounds(void)
{
	struct seen sn;
	uint64_t k;

	seen_init(&sn, 100);
	CHECK_INT(seen_add(&sn, 42), 0);
	CHECK_INT(seen_add(&sn, 42), 1);
	for (k = 1000; k < 1099; k++)
		CHECK_INT(seen_add(&sn, k), 0);
	CHECK_INT(seen_add(&sn, 42), 1);	/* 100 keys later: still known */
	for (k = 2000; k < 2200; k++)
		seen_add(&sn, k);
	CHECK_INT(seen_add(&sn, 42), 0);	/* 300 keys later: forgotten */
	CHECK_INT(seen_add(&sn, 2199), 1);
	seen_release(&sn);
}

static void
test_constant_memory(void)
{
	struct seen sn;
	uint64_t k;
	size_t cap;

	seen_init(&sn, 8192);
	cap = sn.cap;
	for (k = 1; k < 1000000; k++)
		seen_add(&sn, k * 2654435761u);
	CHECK_INT(sn.cap, cap);
	CHECK(sn.n <= sn.window);
	/* The last window of keys is always remembered. */
	for (k = 1000000 - 8192; k < 1000000; k++)
		if (!seen_add(&sn, k * 2654435761u))
			break;
	CHECK_INT(k, 1000000);
	seen_release(&sn);
}

int
main(void)
{
	test_window_bounds();
	test_constant_memory();
	return unit_done();
}
