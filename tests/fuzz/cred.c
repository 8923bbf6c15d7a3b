/* Fuzz target: lib/cred.c. What cred_save() writes, cred_load() reads back
 * the same; and any file contents at all load or are refused, never crash.
 *
 * Input: "SERVER\nTOKEN\nUSER": USER is JSON for the user record, as the
 * data of a login answer (a string when it is not JSON). The whole input
 * is also tried as the contents of a credentials file. Files live in a
 * private directory (0700, on /dev/shm when there is one, since cred_save
 * fsyncs) made once per process and removed at exit. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jv.h>

#include "../../lib/cred.h"
#include "../../lib/xalloc.h"
#include "fuzz.h"

static char dir[64], profiles[96], saved[128], raw[128];

static void
cleanup(void)
{
	unlink(saved);
	unlink(raw);
	rmdir(profiles);
	rmdir(dir);
}

static void
setup(void)
{
	snprintf(dir, sizeof dir, "%s/chatctl-fuzz-cred.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	snprintf(profiles, sizeof profiles, "%s/profiles", dir);
	snprintf(saved, sizeof saved, "%s/saved.json", profiles);
	snprintf(raw, sizeof raw, "%s/raw.json", profiles);
	if (mkdir(profiles, 0700) != 0) {
		perror("mkdir");
		abort();
	}
	atexit(cleanup);
}

/* What a string becomes in a jv (bad UTF-8 replaced): the most a round
 * trip through JSON can keep. Caller frees. */
static char *
as_jv(const char *s)
{
	jv v = jv_string(s);
	char *r = strdup(jv_string_value(v));

	jv_free(v);
	return r;
}

static int
same_json(jv a, jv b)
{
	jv ta = jv_dump_string(a, JV_PRINT_SORTED), tb = jv_dump_string(b, JV_PRINT_SORTED);
	int same = strcmp(jv_string_value(ta), jv_string_value(tb)) == 0;

	jv_free(ta);
	jv_free(tb);
	return same;
}

static void
check_optional(const char *got, const char *want)
{
	char *w;

	if (want == NULL) {
		FUZZ_CHECK(got == NULL);
		return;
	}
	w = as_jv(want);
	FUZZ_CHECK(got != NULL && strcmp(got, w) == 0);
	free(w);
}

static void
round_trip(const uint8_t *data, size_t size)
{
	char *server = fuzz_field(&data, &size, '\n');
	char *token = fuzz_field(&data, &size, '\n');
	char *user = fuzz_str(data, size);
	struct cred c, back;
	struct err e;
	char *env;
	jv doc;
	int code;

	cred_init(&c);
	c.server = server[0] ? server : NULL;
	c.token = token[0] ? token : NULL;
	/* The user record arrives as the data of login's answer, so it is
	 * parsed as one: as deep as that allows, and no deeper. */
	env = xasprintf("{\"msg\":\"ok\",\"data\":%s}", user);
	doc = jv_parse(env);
	free(env);
	c.user = jv_is_valid(doc) ? jv_object_get(doc, jv_string("data")) : (jv_free(doc), jv_string(user));
	code = cred_save(saved, &c, &e);
	FUZZ_CHECK(code == EX_OK);
	code = cred_load(saved, &back, &e);
	FUZZ_CHECK(code == EX_OK);
	FUZZ_CHECK(back.present);
	check_optional(back.server, c.server);
	check_optional(back.token, c.token);
	/* jv_null() is what an absent user reads back as. */
	FUZZ_CHECK(same_json(jv_copy(back.user), jv_copy(c.user)));
	cred_release(&back);
	jv_free(c.user);
	free(server);
	free(token);
	free(user);
}

static void
load_raw(const uint8_t *data, size_t size)
{
	struct cred c;
	struct err e;
	int fd = open(raw, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), code;

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);
	code = cred_load(raw, &c, &e);
	FUZZ_CHECK(code == EX_OK || code == EX_IO);
	if (code == EX_OK) {
		FUZZ_CHECK(c.present);
		FUZZ_CHECK(jv_is_valid(c.user));
	}
	cred_release(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dir[0] == '\0')
		setup();
	load_raw(data, size);
	round_trip(data, size);
	return 0;
}
