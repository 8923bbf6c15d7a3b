/* Configuration precedence and credentials files (lib/config.c, lib/cred.c). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "../../lib/config.h"
#include "../../lib/xalloc.h"
#include "unit.h"

static char root[] = "/tmp/chatctl-unit-XXXXXX";

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

static void
test_dirs(void)
{
	struct err e;
	char *d;

	unsetenv("CHATCTL_CONFIG_DIR");
	setenv("XDG_CONFIG_HOME", "/x", 1);
	d = config_dir(NULL, &e);
	CHECK_STR(d, "/x/chatctl");
	free(d);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/u", 1);
	d = config_dir(NULL, &e);
	CHECK_STR(d, "/home/u/.config/chatctl");
	free(d);
	setenv("CHATCTL_CONFIG_DIR", "/env", 1);
	d = config_dir(NULL, &e);
	CHECK_STR(d, "/env");
	free(d);
	d = config_dir("/flag", &e);
	CHECK_STR(d, "/flag");
	free(d);
	unsetenv("CHATCTL_CONFIG_DIR");
	unsetenv("HOME");
	CHECK(config_dir(NULL, &e) == NULL);
	CHECK_INT(e.code, EX_IO);
}

/* The hint names only what is not the default; CHATCTL_TOKEN gets its own. */
static void
test_login_hint(void)
{
	struct config c = { 0 };
	char h[600];

	c.profile = (char *)"default";
	c.server = (char *)CONFIG_DEFAULT_SERVER;
	CHECK_STR(config_login_hint(&c, 0, h, sizeof h), "run 'chatctl login'");
	c.token_from = "profile";
	CHECK_STR(config_login_hint(&c, 1, h, sizeof h), "log in again with 'chatctl login'");
	c.profile = (char *)"bot";
	CHECK_STR(config_login_hint(&c, 1, h, sizeof h), "log in again with 'chatctl -p bot login'");
	c.server = (char *)"https://chat.example";
	CHECK_STR(config_login_hint(&c, 0, h, sizeof h), "run 'chatctl -p bot -s https://chat.example login'");
	c.profile = (char *)"default";
	CHECK_STR(config_login_hint(&c, 1, h, sizeof h), "log in again with 'chatctl -s https://chat.example login'");
	c.token_from = "environment";
	CHECK_STR(config_login_hint(&c, 1, h, sizeof h), "the token came from CHATCTL_TOKEN, which wins over "
	    "any login: set a valid token there, or unset it to use the login of profile 'default'");
	/* Not logged in at all: the environment has nothing to do with it. */
	c.token_from = NULL;
	CHECK_STR(config_login_hint(&c, 0, h, sizeof h), "run 'chatctl -s https://chat.example login'");
}

static void
test_precedence(void)
{
	struct config_in in = { NULL, NULL, root };
	struct config c;
	struct err e;
	char *path;

	unsetenv("CHATCTL_SERVER");
	unsetenv("CHATCTL_PROFILE");
	unsetenv("CHATCTL_TOKEN");

	/* Nothing stored: the default. */
	CHECK_INT(config_load(&in, &c, &e), EX_OK);
	CHECK_STR(c.server, "http://127.0.0.1:7001");
	CHECK_STR(c.server_from, "default");
	CHECK_STR(c.profile, "default");
	CHECK(c.token == NULL);
	config_release(&c);

	/* The profile's stored value beats the default. */
	path = xasprintf("%s/profiles", root);
	mkdir(path, 0700);
	free(path);
	path = xasprintf("%s/profiles/work.json", root);
	write_file(path, "{\"server\":\"http://stored:1/\",\"token\":\"T1\",\"user\":{\"id\":1}}", 0600);
	free(path);
	in.profile = "work";
	CHECK_INT(config_load(&in, &c, &e), EX_OK);
	CHECK_STR(c.server, "http://stored:1");
	CHECK_STR(c.server_from, "profile");
	CHECK_STR(c.token, "T1");
	CHECK_STR(c.token_from, "profile");
	config_release(&c);

	/* The environment beats the profile; the flag beats the environment. */
	setenv("CHATCTL_SERVER", "http://env:2", 1);
	setenv("CHATCTL_TOKEN", "T2", 1);
	CHECK_INT(config_load(&in, &c, &e), EX_OK);
	CHECK_STR(c.server, "http://env:2");
	CHECK_STR(c.server_from, "environment");
	CHECK_STR(c.token, "T2");
	config_release(&c);
	in.server = "https://flag:3";
	CHECK_INT(config_load(&in, &c, &e), EX_OK);
	CHECK_STR(c.server, "https://flag:3");
	CHECK_STR(c.server_from, "flag");
	config_release(&c);

	/* Profile from the environment, and the flag over it. */
	in.profile = NULL;
	setenv("CHATCTL_PROFILE", "work", 1);
	unsetenv("CHATCTL_TOKEN");
	CHECK_INT(config_load(&in, &c, &e), EX_OK);
	CHECK_STR(c.profile, "work");
	/* Its token goes only to the server that issued it, not to -s's. */
	CHECK(c.token == NULL);
	CHECK(c.token_from == NULL);
	CHECK_STR(c.token_server, "http://stored:1/");
	config_release(&c);
	in.server = "http://stored:1";
	CHECK_INT(config_load(&in, &c, &e), EX_OK);
	CHECK_STR(c.token, "T1");
	CHECK(c.token_server == NULL);
	config_release(&c);
	in.server = "https://flag:3";
	in.profile = "other";
	CHECK_INT(config_load(&in, &c, &e), EX_OK);
	CHECK_STR(c.profile, "other");
	CHECK(c.token == NULL);
	config_release(&c);
	unsetenv("CHATCTL_PROFILE");
	unsetenv("CHATCTL_SERVER");

	/* Bad names and URLs are usage errors. */
	in.server = NULL;
	in.profile = "../etc";
	CHECK_INT(config_load(&in, &c, &e), EX_USAGE);
	config_release(&c);
	in.profile = NULL;
	in.server = "ftp://x";
	CHECK_INT(config_load(&in, &c, &e), EX_USAGE);
	config_release(&c);
	in.server = "http://";
	CHECK_INT(config_load(&in, &c, &e), EX_USAGE);
	config_release(&c);
	CHECK(config_valid_profile("a-b_c.d"));
	CHECK(!config_valid_profile(".hidden"));
	CHECK(!config_valid_profile(""));
	CHECK(!config_valid_profile("a/b"));
}

static void
test_cred(void)
{
	struct cred c, r;
	struct err e;
	struct stat st;
	char *dir = xasprintf("%s/new/profiles", root);
	char *path = xasprintf("%s/p.json", dir);

	cred_init(&c);
	c.server = "http://s";
	c.token = "tok";
	c.user = jv_parse("{\"id\":7,\"username\":\"x\"}");
	CHECK_INT(cred_save(path, &c, &e), EX_OK);
	jv_free(c.user);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK_INT(count_entries(dir), 1);	/* no temporary file left behind */

	CHECK_INT(cred_load(path, &r, &e), EX_OK);
	CHECK(r.present);
	CHECK_STR(r.server, "http://s");
	CHECK_STR(r.token, "tok");
	CHECK_INT(jv_number_value(jv_object_get(jv_copy(r.user), jv_string("id"))), 7);
	cred_release(&r);

	/* Too open: refused, as ssh refuses a key. */
	chmod(path, 0644);
	CHECK_INT(cred_load(path, &r, &e), EX_IO);
	CHECK(strstr(e.msg, "too open") != NULL);
	cred_release(&r);
	chmod(path, 0640);
	CHECK_INT(cred_load(path, &r, &e), EX_IO);
	cred_release(&r);
	chmod(path, 0600);

	/* Not JSON: EX_IO naming the file. */
	write_file(path, "{not json", 0600);
	CHECK_INT(cred_load(path, &r, &e), EX_IO);
	CHECK(strstr(e.msg, path) != NULL);
	cred_release(&r);

	/* Missing: fine, not present. */
	CHECK_INT(cred_remove(path, &e), EX_OK);
	CHECK_INT(cred_remove(path, &e), EX_OK);
	CHECK_INT(cred_load(path, &r, &e), EX_OK);
	CHECK(!r.present);
	cred_release(&r);

	/* A directory we cannot write into: EX_IO, nothing half written. */
	if (geteuid() != 0) {
		chmod(dir, 0500);
		c.user = jv_null();
		CHECK_INT(cred_save(path, &c, &e), EX_IO);
		chmod(dir, 0700);
	}
	free(path);
	free(dir);
}

static void
test_state_dir(void)
{
	struct err e;
	char *d;

	setenv("XDG_STATE_HOME", "/st", 1);
	d = config_state_dir(&e);
	CHECK_STR(d, "/st/chatctl");
	free(d);
	d = config_state_file("acct-2", ".holder", &e);
	CHECK_STR(d, "/st/chatctl/acct-2.holder");
	free(d);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/u", 1);
	d = config_state_dir(&e);
	CHECK_STR(d, "/home/u/.local/state/chatctl");
	free(d);
	unsetenv("HOME");
	CHECK(config_state_dir(&e) == NULL);
	CHECK_INT(e.code, EX_IO);
	CHECK(config_state_file("a", ".db", &e) == NULL);
}

#define JWT_HEAD "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."

/* The account of a config made by hand: server, token and whence. */
static char *
account(const char *server, const char *token, const char *from, const char *user, long *uid,
    struct err *e)
{
	struct config c;
	char *key;

	memset(&c, 0, sizeof c);
	c.profile = "default";
	c.cred_path = "/c/profiles/default.json";
	c.server = (char *)server;
	c.token = (char *)token;
	c.token_from = from;
	c.cred.user = user ? jv_parse(user) : jv_null();
	key = config_account(&c, uid, e);
	jv_free(c.cred.user);
	return key;
}

static void
test_account(void)
{
	struct err e;
	long uid = -1;
	char *k, *k2, *longer;

	k = account("http://127.0.0.1:7001", "T", "profile", "{\"id\":2,\"username\":\"a\"}", &uid, &e);
	CHECK_STR(k, "http_127.0.0.1_7001-2");
	CHECK_INT(uid, 2);
	free(k);
	/* The default port is written, the host's case is not, user@ never. */
	k = account("https://Chat.Example.com", "T", "profile", "{\"id\":2}", &uid, &e);
	CHECK_STR(k, "https_chat.example.com_443-2");
	free(k);
	k = account("http://u:pw@chat.example.com:80/API/v1", "T", "profile", "{\"id\":2}", &uid, &e);
	CHECK_STR(k, "http_chat.example.com_80_API_v1-2");
	free(k);
	k = account("http://[::1]:7001", "T", "profile", "{\"id\":2}", &uid, &e);
	CHECK_STR(k, "http____1__7001-2");
	free(k);

	/* CHATCTL_TOKEN: whoever the JWT says, not the profile's user. */
	k = account("http://127.0.0.1:7001", JWT_HEAD "eyJpZCI6NywidXNlcm5hbWUiOiJib2IiLCJyb2xlIjoidXNlciJ9.c2ln",
	    "environment", "{\"id\":2}", &uid, &e);
	CHECK_STR(k, "http_127.0.0.1_7001-7");
	CHECK_INT(uid, 7);
	free(k);
	k = account("http://127.0.0.1:7001", JWT_HEAD "eyJpZCI6IjgiLCJ1c2VybmFtZSI6IngifQ.c2ln", "environment",
	    NULL, &uid, &e);
	CHECK_STR(k, "http_127.0.0.1_7001-8");
	free(k);
	/* No id, a fractional one, one with letters, not a JWT: an account
	 * of the token's own, by its hash; the server will judge the token. */
	k = account("http://h", JWT_HEAD "eyJ1c2VybmFtZSI6Im5vaWQifQ.c2ln", "environment", NULL, &uid, &e);
	CHECK(k != NULL && strncmp(k, "http_h_80-t", 11) == 0 && strlen(k) == 11 + 16);
	CHECK_INT(uid, 0);
	k2 = account("http://h", "opaque-token", "environment", NULL, &uid, &e);
	CHECK(k && k2 && strcmp(k, k2) != 0 && strncmp(k2, "http_h_80-t", 11) == 0);
	free(k);
	free(k2);
	k = account("http://h", "opaque-token", "environment", NULL, &uid, &e);
	k2 = account("http://h", "a.!!!!.b", "environment", NULL, &uid, &e);
	CHECK(k && k2 && strcmp(k, k2) != 0);
	free(k2);
	k2 = account("http://h", "opaque-token", "environment", NULL, &uid, &e);
	CHECK(k && k2 && strcmp(k, k2) == 0);	/* the same token, the same account */
	free(k);
	free(k2);
	/* Not logged in, or a stored user without an id. */
	CHECK(account("http://h", NULL, NULL, NULL, &uid, &e) == NULL);
	CHECK_INT(e.code, EX_AUTH);
	CHECK(account("http://h", "T", "profile", "{\"username\":\"a\"}", &uid, &e) == NULL);
	CHECK_INT(e.code, EX_AUTH);

	/* A long server is cut and ends in a hash of the whole URL. */
	longer = xasprintf("http://chat.example.com/%0200d", 1);
	k = account(longer, "T", "profile", "{\"id\":2}", &uid, &e);
	longer[strlen(longer) - 1] = '2';
	k2 = account(longer, "T", "profile", "{\"id\":2}", &uid, &e);
	CHECK(k != NULL && k2 != NULL && strlen(k) == 80 + 2 && strlen(k2) == 80 + 2);
	CHECK(k && strncmp(k, "http_chat.example.com_80_000", 28) == 0);
	CHECK(k && k[80 - 17] == '_' && strspn(k + 80 - 16, "0123456789abcdef") == 16);
	CHECK(k && k2 && strcmp(k, k2) != 0);
	CHECK(k && strcmp(k + 80, "-2") == 0);
	free(k);
	free(k2);
	free(longer);
}

int
main(void)
{
	char *cmd;

	if (mkdtemp(root) == NULL)
		return 1;
	test_dirs();
	test_precedence();
	test_login_hint();
	test_cred();
	test_state_dir();
	test_account();
	cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	free(cmd);
	return unit_done();
}
