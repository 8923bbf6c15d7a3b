/* lib/cred.h: the stored credentials of one profile.
 *
 * One JSON file per profile: {"server": URL, "token": TOKEN, "user": {...}},
 * mode 0600 in a 0700 directory. cred_load() fills *c; the caller owns it and
 * ends with cred_release(c). Strings in struct cred belong to it: borrow
 * them, never free them. c->user is a jv the struct owns (jv_null() when
 * absent): jv_copy() it to keep it.
 *
 * cred_save() writes a temporary file in the same directory (O_EXCL, 0600),
 * fsyncs it, renames it over the old one and fsyncs the directory: a reader
 * sees the old file or the new one, never half of one.
 * A file that group or others may read is refused with EX_IO, as ssh
 * refuses a private key that is too open. */
#ifndef CHATCTL_CRED_H
#define CHATCTL_CRED_H

#include <jv.h>

#include "err.h"

struct cred {
	int present;	/* the file existed */
	char *server;	/* or NULL */
	char *token;	/* or NULL */
	jv user;	/* the user record without password and token */
	long keep_days;	/* "keep_days": how long listen keeps messages; 0
			 * when the file does not say */
};

/* keep_days is 1 to this (a century). */
#define CRED_KEEP_MAX_DAYS 36500L

void cred_init(struct cred *c);
/* EX_OK with c->present == 0 when the file does not exist. */
int cred_load(const char *path, struct cred *c, struct err *e);
/* Creates the parent directories (0700) as needed. */
int cred_save(const char *path, const struct cred *c, struct err *e);
/* EX_OK when removed or already absent. */
int cred_remove(const char *path, struct err *e);
void cred_release(struct cred *c);

/* mkdir -p for private places (configuration, mailboxes, locks): each
 * directory it creates is 0700 whatever the umask; existing ones are left
 * as they are. EX_IO naming the directory that could not be made. */
int cred_make_dirs(const char *dir, struct err *e);

#endif
