/* lib/config.h: where chatctl keeps things, and which server and token a
 * command uses.
 *
 * Precedence for each setting: the flag, then the environment, then the
 * profile's stored value, then the default (DESIGN.md "Global options").
 *
 *	struct config c;
 *	if ((code = config_load(&in, &c, e)) != EX_OK) return code;
 *	... c.server, c.token (NULL when not logged in) ...
 *	config_release(&c);
 *
 * config_load() reads the profile's credentials when they exist (see
 * lib/cred.h) and refuses them when they are too open. Every string in
 * struct config belongs to it. */
#ifndef CHATCTL_CONFIG_H
#define CHATCTL_CONFIG_H

#include "cred.h"
#include "err.h"

/* The defaults, written once: where chatctl serve listens when not told,
 * and so where a client looks; the profile when none is named. */
#define CONFIG_DEFAULT_ADDR "127.0.0.1:7001"
#define CONFIG_DEFAULT_SERVER "http://" CONFIG_DEFAULT_ADDR
#define CONFIG_DEFAULT_PROFILE "default"

struct config_in {
	const char *server;	/* -s, or NULL */
	const char *profile;	/* -p, or NULL */
	const char *dir;	/* --config, or NULL */
};

struct config {
	char *dir;		/* the config directory (may not exist yet) */
	char *profile;
	char *cred_path;	/* <dir>/profiles/<profile>.json */
	char *server;		/* resolved base URL, no trailing slash */
	const char *server_from;	/* "flag", "environment", "profile", "default" */
	char *token;		/* CHATCTL_TOKEN, else the stored token, else NULL */
	const char *token_from;	/* "environment", "profile" or NULL */
	const char *token_server;	/* the profile's server when its token was
				 * withheld from another one (-s, CHATCTL_SERVER) */
	struct cred cred;	/* the stored credentials; cred.present says if any */
};

/* Resolve everything; EX_USAGE for a bad profile name or server URL,
 * EX_IO for unreadable or too-open credentials, EX_PROTO for a
 * CHATCTL_TOKEN that config_token_ok() refuses (a stored one it refuses
 * counts as no token: login then mends it). */
int config_load(const struct config_in *in, struct config *c, struct err *e);
void config_release(struct config *c);

/* The directory only: --config, CHATCTL_CONFIG_DIR, XDG_CONFIG_HOME, HOME.
 * Caller frees. NULL with *e set when no HOME can be found. */
char *config_dir(const char *flag, struct err *e);

/* The state directory (the mailboxes): XDG_STATE_HOME/chatctl, else
 * HOME/.local/state/chatctl; it may not exist yet. Caller frees. NULL with
 * *e set (EX_IO) when no HOME can be found. */
char *config_state_dir(struct err *e);

/* An account's file in the state directory: "<state dir>/<account><suffix>",
 * e.g. suffix ".db" for the mailbox, ".holder" for the holder's lock,
 * ".consumer.<name>" for a consumer's. Caller frees; NULL with *e set as
 * config_state_dir(). */
char *config_state_file(const char *account, const char *suffix, struct err *e);

/* The account c speaks for, as a file name: "<scheme>_<host>_<port>[_<path>]-
 * <user id>" with every byte outside [A-Za-z0-9.-] made '_' (long servers
 * are cut and end in a hash of the whole), the key of the account's
 * mailbox and locks. The user id is the stored user record's when the
 * token is the profile's; for CHATCTL_TOKEN it is the "id" in the JWT's
 * payload (the real server and serve both sign the user row). A token
 * whose id cannot be read (the API calls tokens opaque) is an account of
 * its own, "<server>-t<hash of the token>", with *uid 0: the server will
 * say whether it is any good. *uid gets the id. Caller frees. */
char *config_account(const struct config *c, long *uid, struct err *e);

/* What to tell the user when c has no token (rejected 0: "run 'chatctl
 * -p bot login'") or when the server refused it (rejected 1: "log in again
 * with 'chatctl -p bot login'"; for CHATCTL_TOKEN, which wins over any
 * login, that it must be replaced or unset). The command names the profile
 * and the server where they are not the defaults, so that it logs in the
 * account that was refused. Writes at most size bytes; returns out. */
char *config_login_hint(const struct config *c, int rejected, char *out, size_t size);

/* A token goes into a header and a URL: only printable ASCII without
 * spaces (no CR or LF to start a second header), 1 to 8192 bytes. */
int config_token_ok(const char *token);

/* A profile name is a file name: [A-Za-z0-9._-], 1 to 64, not starting
 * with a dot. */
int config_valid_profile(const char *name);

/* Check that url is http:// or https:// with a host; EX_USAGE otherwise. */
int config_check_url(const char *url, struct err *e);

#endif
