/* tests/fuzz/jq16.c: libjq 1.6 leaks when it refuses some JSON: value() in
 * its src/jv_parse.c returns "Expected separator between values" without
 * freeing the value it was handed (so '{"a":1"b"}' leaks "b"; later jq
 * frees it). That is not ours to fix, and a suppression "under jv_parse"
 * would hide our own leaks too, since every parsed value is allocated
 * there. Nor can it be ignored: each such leak makes libFuzzer stop for a
 * full leak check, some sixty times slower.
 *
 * So the fuzz targets link this file. It takes over libjq's allocator
 * (libjq calls jv_mem_alloc and the rest through its PLT, so the
 * executable's definitions win) and, while a parse runs, notes every block
 * it holds. When the parse refuses the text, the message is copied out,
 * the refusal freed, and whatever blocks of that parse are still held are
 * what libjq lost: they are freed here. A parse that succeeds is left
 * alone, so a value or message our code forgets is still a leak. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

/* The blocks allocated during the parse under way: an open-addressing
 * set of pointers (NULL empty, TOMB deleted), allocated with malloc. */
#define TOMB ((void *)1)
static void **held;
static size_t cap, used;
static int tracking;

static size_t
slot(void *p)
{
	return ((size_t)p >> 4) * 0x9e3779b97f4a7c15ULL % cap;
}

static void
hold(void *p)
{
	size_t i;

	if (!tracking || p == NULL)
		return;
	if (2 * (used + 1) > cap) {
		void **old = held;
		size_t oldcap = cap, k;

		cap = cap ? 2 * cap : 1024;
		if ((held = calloc(cap, sizeof *held)) == NULL)
			abort();
		used = 0;
		for (k = 0; k < oldcap; k++)
			if (old[k] && old[k] != TOMB)
				hold(old[k]);
		free(old);
	}
	for (i = slot(p); held[i] && held[i] != TOMB; i = (i + 1) % cap)
		;
	held[i] = p;
	used++;
}

static void
release(void *p)
{
	size_t i;

	if (!tracking || p == NULL || cap == 0)
		return;
	for (i = slot(p); held[i]; i = (i + 1) % cap)
		if (held[i] == p) {
			held[i] = TOMB;
			return;
		}
}

static void *
checked(void *p)
{
	if (p == NULL) {
		fprintf(stderr, "jq16: out of memory\n");
		abort();
	}
	hold(p);
	return p;
}

void *jv_mem_alloc(size_t n) { return checked(malloc(n)); }
void *jv_mem_alloc_unguarded(size_t n) { return checked(malloc(n)); }
void *jv_mem_calloc(size_t n, size_t size) { return checked(calloc(n, size)); }
void *jv_mem_calloc_unguarded(size_t n, size_t size) { return checked(calloc(n, size)); }
char *jv_mem_strdup(const char *s) { return checked(strdup(s)); }
char *jv_mem_strdup_unguarded(const char *s) { return checked(strdup(s)); }

void
jv_mem_free(void *p)
{
	release(p);
	free(p);
}

void *
jv_mem_realloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL)
		abort();
	if (q != p) {
		release(p);
		hold(q);
	}
	return q;
}

/* The parse is over: hold nothing more, and keep the set small. */
static void
forget(void)
{
	tracking = 0;
	used = 0;
	if (cap > 4096) {
		free(held);
		held = NULL;
		cap = 0;
	} else if (cap)
		memset(held, 0, cap * sizeof *held);
}

jv
jv_parse_sized(const char *s, int len)
{
	static jv (*real)(const char *, int);
	jv v, msg;
	char *text = NULL;
	size_t i;

	if (real == NULL && (real = (jv (*)(const char *, int))dlsym(RTLD_NEXT, "jv_parse_sized")) == NULL) {
		fprintf(stderr, "jq16: no jv_parse_sized in libjq\n");
		abort();
	}
	tracking = 1;
	v = real(s, len);
	if (jv_is_valid(v)) {
		forget();
		return v;
	}
	msg = jv_invalid_get_msg(v);
	if (jv_get_kind(msg) == JV_KIND_STRING && (text = strdup(jv_string_value(msg))) == NULL)
		abort();
	jv_free(msg);
	/* Everything left of this parse is what libjq lost. */
	for (i = 0; i < cap; i++)
		if (held[i] && held[i] != TOMB)
			free(held[i]);
	forget();
	v = text ? jv_invalid_with_msg(jv_string(text)) : jv_invalid();
	free(text);
	return v;
}

jv
jv_parse(const char *s)
{
	return jv_parse_sized(s, (int)strlen(s));
}
