/* lib/json.h: printing JSON results, with an optional --jq program.
 *
 *	struct output o;
 *	if ((code = output_init(&o, g->jq, g->raw, pretty, e))) return code;
 *	code = output_emit(&o, value, e);	(consumes value)
 *	output_release(&o);
 *
 * Without a program each value is printed as one JSON text and a newline,
 * indented when pretty, compact otherwise. With one, the program is compiled
 * once in output_init() (EX_USAGE with jq's message when it does not
 * compile) and each value prints every result the program yields; -r prints
 * string results without quotes. No jq state exists unless a program was
 * given: one-shot commands pay nothing for --jq they do not use.
 *
 * output_emit_text() prints checked frame text as output_emit() would print
 * its value. A program that is a plain path (.data.id; lib/frame.h) it
 * answers from the text itself, printing byte for byte what libjq would,
 * and hands libjq only the frames it cannot answer so (an escaped string
 * it can, a non-integer number, an object or a jq error it cannot).
 *
 * jv rules (libjq 1.6): every jv_* call consumes its jv arguments; what a
 * function here says it "consumes" the caller must not free. */
#ifndef CHATCTL_JSON_H
#define CHATCTL_JSON_H

#include <stdio.h>

#include <jq.h>
#include <jv.h>

#include "err.h"
#include "xalloc.h"

struct frame_path;

/* The largest integer a JSON number read as a double (as libjq 1.6 and the
 * real app read them) holds exactly: 2^53 - 1. */
#define JSON_MAX_SAFE_INT 9007199254740991L

struct output {
	FILE *fp;
	int pretty;
	int raw;
	jq_state *jq;
	int results;		/* values printed by the last output_emit() */
	char jq_error[512];	/* the last message from jq's error callback */
	struct frame_path *path;	/* the program as a plain path, or NULL */
	char *buf;		/* a string's bytes, decoded */
	size_t bufsize;
	struct buf out;		/* a result, printed */
};

/* pretty: 1 indent, 0 compact, -1 indent when fp is a terminal. */
int output_init(struct output *o, FILE *fp, const char *program, int raw, int pretty, struct err *e);

/* Print v, or the program's results for v. Consumes v. EX_USAGE when the
 * program fails on this input (its message in *e). */
int output_emit(struct output *o, jv v, struct err *e);

/* Print text, which passed frame_check() (newline as it said there): as
 * it is without a program (json_print_text()), else as output_emit() would
 * print its value, with the same results and errors. */
int output_emit_text(struct output *o, const char *text, size_t len, int newline, struct err *e);

/* output_emit() as a callback for a walk over values (lib/people.h): arg
 * is the struct output. A program failing on a value stops the walk with
 * EX_USAGE, its message in *e. */
int output_each(void *arg, jv v, struct err *e);

void output_release(struct output *o);

/* text that passed frame_check() (lib/frame.h) as a jv: the value libjq's
 * jv_parse_sized() gives, key order and all, built in one walk without
 * its parser, which took a third of a --jq program's time per frame.
 * Text that did not pass is not allowed. */
jv json_checked(const char *text, size_t len);

/* text as a jv, once it passed frame_check() (lib/frame.h): libjq 1.6
 * aborts on some text it should refuse and leaks on other. Text that fails
 * gives an invalid jv whose message says where and why, as jq's would. */
jv json_parse(const char *text, size_t len);

/* Checked JSON text as one line: as it is, less the CR and LF it may hold
 * as white space (newline, from frame_check), which would split the line. */
void json_print_text(FILE *fp, const char *text, size_t len, int newline);

/* Print v as one compact line (consumes v). */
void json_print_line(FILE *fp, jv v);

#endif
