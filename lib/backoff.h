/* lib/backoff.h: how long to wait before trying again, for everything that
 * retries: listen's reconnects, its offline fetch, REST retries.
 *
 *	struct backoff b;
 *	backoff_init(&b, 1, 30, 0.25);	first delay 1 s, at most 30 s, +-25 %
 *	delay = backoff_next(&b);	1, 2, 4 ... 30 s, each jittered
 *	backoff_reset(&b);		after a success that has lasted
 *
 * The jitter keeps many clients dropped at once from coming back at once;
 * a caller whose delays a person reads one by one (a one-shot command's few
 * retries) may ask for none. Plain data, owned by the caller; the jitter
 * comes from random(), which main seeds. */
#ifndef CHATCTL_BACKOFF_H
#define CHATCTL_BACKOFF_H

struct backoff {
	double first, max, jitter;
	int attempts;		/* delays handed out since the last reset */
};

void backoff_init(struct backoff *b, double first, double max, double jitter);
/* The next delay in seconds; the one after it doubles, up to max. */
double backoff_next(struct backoff *b);
void backoff_reset(struct backoff *b);

#endif
