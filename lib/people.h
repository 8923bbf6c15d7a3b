/* lib/people.h: the people an account can name: its friends (GET
 * /api/chat/goodfriendlist, every page) and the users a search finds (POST
 * /api/chat/searchUser), in one shape, and a user named by @NAME.
 *
 *	code = people_friends(&api, output_each, &out, e);	each friend printed
 *	code = people_search(&api, "carol", each, arg, e);
 *	code = people_resolve(&api, "bob001", &id, e);		"@" already cut off
 *
 * The api is the caller's (lib/api.h), borrowed for the call. Every
 * function returns EX_OK, a nonzero return of each(), or api_call()'s code
 * (EX_AUTH, EX_NET, EX_PROTO ...) with its message in *e; an answer that is
 * not the documented shape is EX_PROTO.
 *
 * A person is the jv object
 *	{"id": <user id>, "username", "name", "remark", "nickname", "avatar"}
 * where name is what the app shows: the remark, else the nickname, else
 * the username; remark is null for a user who is not a friend. Each person
 * is handed to each(arg, person, e), which consumes it; a nonzero return
 * (an exit code, with its message in *e) stops the walk and is returned.
 *
 * people_resolve() turns "@NAME" into a user id: a friend whose username,
 * else whose remark, is exactly NAME (one request: the friend list), else
 * the one user a search finds whose username is exactly NAME (one more).
 * None, or more than one: EX_NO, the candidates in the message. */
#ifndef CHATCTL_PEOPLE_H
#define CHATCTL_PEOPLE_H

#include <jv.h>

#include "api.h"
#include "err.h"

typedef int (*people_each)(void *arg, jv person, struct err *e);

int people_friends(struct api *a, people_each each, void *arg, struct err *e);
int people_search(struct api *a, const char *word, people_each each, void *arg, struct err *e);
int people_resolve(struct api *a, const char *name, long *id, struct err *e);

#endif
