/* tests/unit/unit.h: the smallest test harness that can fail.
 * Each CHECK counts; unit_done() prints "N passed, N failed" as the last
 * line and returns the exit status. */
#ifndef CHATCTL_UNIT_H
#define CHATCTL_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond) do { \
	if (cond) \
		unit_passed++; \
	else { \
		unit_failed++; \
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_INT(got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ == w_) \
		unit_passed++; \
	else { \
		unit_failed++; \
		fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
	} \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && strcmp(g_, w_) == 0) \
		unit_passed++; \
	else { \
		unit_failed++; \
		fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, \
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} \
} while (0)

static int
unit_done(void)
{
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed != 0;
}

#endif
