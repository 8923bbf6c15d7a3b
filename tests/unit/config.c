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
	CHECK_STR(c.token, "T1");
	config_release(&c);
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

int
main(void)
{
	char *cmd;

	if (mkdtemp(root) == NULL)
		return 1;
	test_dirs();
	test_precedence();
	test_cred();
	cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	free(cmd);
	return unit_done();
}
