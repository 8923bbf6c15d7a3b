/* cmd/commands.c: the command table, in the order help lists them.
 * Adding a command: cmd/<name>.c, a line here, docs/chatctl-<name>.1.scd,
 * tests/<name>.bats, and the three completion files (tests check all). */
#include <stddef.h>
#include <string.h>

#include "cmd.h"

const struct command *const commands[] = {
	&cmd_login,
	&cmd_logout,
	&cmd_whoami,
	&cmd_listen,
	&cmd_send,
	&cmd_isfriend,
	&cmd_friends,
	&cmd_user,
	&cmd_apply,
	&cmd_history,
	&cmd_serve,
	NULL
};

const struct command *
command_find(const char *name)
{
	const struct command *const *c;

	for (c = commands; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}
