#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred.h"
#include "lock.h"
#include "xalloc.h"

struct lock {
	int fd;
};

/* Open path for locking, creating it 0600 (and its directories 0700)
 * whatever the umask. -1 with *e set on failure. */
static int
lock_open(const char *path, struct err *e)
{
	char *dirbuf = xstrdup(path);
	int fd = -1, tries, code;

	code = cred_make_dirs(dirname(dirbuf), e);
	free(dirbuf);
	if (code != EX_OK)
		return -1;
	/* Twice: the file may vanish between the two opens (someone cleaned
	 * up the state directory); O_EXCL tells us whether we made it. */
	for (tries = 0; fd < 0 && tries < 2; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			fchmod(fd, 0600);
			break;
		}
		if (errno == EEXIST)
			fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 && errno != ENOENT)
			break;
	}
	if (fd < 0)
		err_set(e, EX_IO, "cannot open lock file '%s': %s", path, strerror(errno));
	return fd;
}

/* For people and error messages only: nothing trusts it. */
static void
lock_write_pid(int fd, const char *word)
{
	char s[96];
	int n = snprintf(s, sizeof s, "%ld%s%s\n", (long)getpid(), word ? " " : "", word ? word : "");

	if (ftruncate(fd, 0) == 0)
		(void)pwrite(fd, s, (size_t)n, 0);
}

/* The file's first line into s (size > 1); -1 when there is none. */
static int
lock_read(const char *path, char *s, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	n = read(fd, s, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	s[n] = '\0';
	s[strcspn(s, "\n")] = '\0';
	return 0;
}

int
lock_try(const char *path, struct lock **k, struct err *e)
{
	int fd;

	*k = NULL;
	if ((fd = lock_open(path, e)) < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;

		close(fd);
		if (saved == EWOULDBLOCK)
			return 0;
		err_set(e, EX_IO, "cannot lock '%s': %s", path, strerror(saved));
		return -1;
	}
	lock_write_pid(fd, NULL);
	*k = xmalloc(sizeof **k);
	(*k)->fd = fd;
	return 1;
}

int
lock_wait(const char *path, double secs, struct lock **k, struct err *e)
{
	long tries = (long)(secs * 100) + 1;
	int r;

	while ((r = lock_try(path, k, e)) == 0 && --tries > 0)
		usleep(10 * 1000);
	return r;
}

void
lock_release(struct lock *k)
{
	if (k == NULL)
		return;
	/* Emptied while still ours, so that a released lock names no owner
	 * (a kill -9 leaves the dead pid until the next taker). */
	(void)ftruncate(k->fd, 0);
	close(k->fd);
	free(k);
}

long
lock_owner(const char *path)
{
	char s[96];
	long pid;

	if (lock_read(path, s, sizeof s) != 0)
		return 0;
	pid = strtol(s, NULL, 10);
	return pid > 0 ? pid : 0;
}

void
lock_note(struct lock *k, const char *word)
{
	if (k != NULL)
		lock_write_pid(k->fd, word);
}

int
lock_note_read(const char *path, char *buf, size_t size)
{
	char s[96], *w;

	if (lock_read(path, s, sizeof s) != 0 || (w = strchr(s, ' ')) == NULL)
		return -1;
	snprintf(buf, size, "%s", w + 1);
	return 0;
}
