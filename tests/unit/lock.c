/* Locks that die with their process (lib/lock.c). Other processes are
 * forked children that take a lock, say so through a pipe and wait. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/lock.h"
#include "../../lib/xalloc.h"
#include "unit.h"

static char root[] = "/tmp/chatctl-unit-XXXXXX";
static pid_t sleeper;	/* the grandchild test_killed leaves running */

static mode_t
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : 0;
}

/* A sleep(1) that has really exec'd (the close-on-exec pipe reads EOF
 * then): before that, the forked copy still shares every fd. */
static pid_t
spawn_sleep(void)
{
	int ex[2];
	pid_t g;
	char c;

	if (pipe2(ex, O_CLOEXEC) != 0)
		return 0;
	if ((g = fork()) == 0) {
		execlp("sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	close(ex[1]);
	while (g > 0 && read(ex[0], &c, 1) > 0)
		;
	close(ex[0]);
	return g;
}

/* A child that takes path and tells the parent its lock_try result (with
 * exec_sleep, after starting a grandchild that outlives it, whose pid
 * follows), then waits until the parent closes *release or kills it. */
static pid_t
holder(const char *path, int exec_sleep, int *result, int *release)
{
	int up[2], down[2];
	pid_t pid;
	char r;

	if (pipe(up) != 0 || pipe(down) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		struct lock *k;
		struct err e;
		pid_t g = 0;

		close(up[0]);
		close(down[1]);
		r = (char)('1' + lock_try(path, &k, &e));
		if (exec_sleep)
			g = spawn_sleep();
		if (write(up[1], &r, 1) != 1 || write(up[1], &g, sizeof g) != sizeof g ||
		    read(down[0], &r, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	*result = read(up[0], &r, 1) == 1 ? r - '1' : -2;
	if (read(up[0], &sleeper, sizeof sleeper) != sizeof sleeper)
		sleeper = 0;
	close(up[0]);
	*release = down[1];
	return pid;
}

static void
test_taken(void)
{
	char *path = xasprintf("%s/a/b/acct.holder", root), *dir = xasprintf("%s/a", root);
	struct lock *k, *k2 = (struct lock *)1;
	struct err e;

	umask(022);
	CHECK_INT(lock_owner(path), 0);	/* no file yet */
	CHECK_INT(lock_try(path, &k, &e), 1);
	CHECK(k != NULL);
	CHECK_INT(mode_of(path), 0600);
	CHECK_INT(mode_of(dir), 0700);
	CHECK_INT(lock_owner(path), getpid());
	/* flock is per open file: a second open in this process is refused. */
	CHECK_INT(lock_try(path, &k2, &e), 0);
	CHECK(k2 == NULL);
	lock_release(k);
	CHECK_INT(lock_owner(path), 0);	/* released: names no owner */
	CHECK_INT(lock_try(path, &k, &e), 1);
	lock_release(k);
	lock_release(NULL);
	free(path);
	free(dir);
}

static void
test_other_process(void)
{
	char *path = xasprintf("%s/acct.consumer.default", root);
	struct lock *k;
	struct err e;
	int result, release, status;
	pid_t pid;

	/* Held by a live child: 0, and the file names the child. */
	pid = holder(path, 0, &result, &release);
	CHECK_INT(result, 1);
	CHECK_INT(lock_try(path, &k, &e), 0);
	CHECK_INT(lock_owner(path), pid);
	/* The child exits without releasing: the kernel lets go. */
	close(release);
	waitpid(pid, &status, 0);
	CHECK_INT(lock_try(path, &k, &e), 1);
	CHECK_INT(lock_owner(path), getpid());

	/* Taken by us: a child is refused. */
	pid = holder(path, 0, &result, &release);
	CHECK_INT(result, 0);
	close(release);
	waitpid(pid, &status, 0);
	lock_release(k);
	free(path);
}

/* kill -9 of a holder frees its lock, even when it left a child running:
 * the lock's fd is close-on-exec, so the child never had it. */
static void
test_killed(void)
{
	char *path = xasprintf("%s/acct.holder", root);
	struct lock *k;
	struct err e;
	int result, release, status;
	pid_t pid;

	pid = holder(path, 1, &result, &release);
	CHECK_INT(result, 1);
	CHECK_INT(lock_try(path, &k, &e), 0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status));
	CHECK_INT(lock_owner(path), pid);	/* stale: for messages only */
	CHECK_INT(lock_try(path, &k, &e), 1);
	CHECK_INT(lock_owner(path), getpid());
	lock_release(k);
	close(release);
	CHECK(sleeper > 0 && kill(sleeper, 0) == 0);	/* it did outlive the holder */
	if (sleeper > 0)
		kill(sleeper, SIGKILL);
	free(path);
}

static void
test_errors(void)
{
	char *file = xasprintf("%s/plain", root), *path = xasprintf("%s/plain/x.holder", root);
	struct lock *k;
	struct err e;
	FILE *fp = fopen(file, "w");

	if (fp)
		fclose(fp);
	CHECK_INT(lock_try(path, &k, &e), -1);
	CHECK_INT(e.code, EX_IO);
	CHECK(strstr(e.msg, file) != NULL);
	CHECK(k == NULL);
	free(path);
	/* A symlink is not followed. */
	path = xasprintf("%s/link.holder", root);
	CHECK(symlink(file, path) == 0);
	CHECK_INT(lock_try(path, &k, &e), -1);
	CHECK(strstr(e.msg, path) != NULL);
	free(path);
	free(file);
}

int
main(void)
{
	char *cmd;

	if (mkdtemp(root) == NULL)
		return 1;
	test_taken();
	test_other_process();
	test_killed();
	test_errors();
	cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	free(cmd);
	return unit_done();
}
