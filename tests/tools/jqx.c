/* tests/tools/jqx.c: a tiny jq for the test suite (the jq program is not a
 * dependency): jqx FILTER runs FILTER over each JSON text on stdin and
 * prints each result, strings raw, everything else compact. */
#include <stdio.h>
#include <string.h>

#include <jq.h>
#include <jv.h>

int
main(int argc, char **argv)
{
	jq_state *jq;
	jv_parser *p;
	char buf[65536];
	size_t n;
	int status = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: jqx FILTER\n");
		return 2;
	}
	jq = jq_init();
	if (jq == NULL || !jq_compile(jq, argv[1]))
		return 2;
	p = jv_parser_new(0);
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0 || !feof(stdin)) {
		jv v;

		jv_parser_set_buf(p, buf, (int)n, n == 0);
		while (jv_is_valid(v = jv_parser_next(p))) {
			jv r;

			jq_start(jq, v, 0);
			while (jv_is_valid(r = jq_next(jq))) {
				if (jv_get_kind(r) == JV_KIND_STRING)
					printf("%s\n", jv_string_value(r));
				else {
					jv s = jv_dump_string(jv_copy(r), 0);

					printf("%s\n", jv_string_value(s));
					jv_free(s);
				}
				jv_free(r);
			}
			jv_free(r);
		}
		if (jv_invalid_has_msg(jv_copy(v))) {
			jv m = jv_invalid_get_msg(v);

			fprintf(stderr, "jqx: %s\n", jv_string_value(m));
			jv_free(m);
			status = 2;
			break;
		}
		jv_free(v);
		if (n == 0)
			break;
	}
	jv_parser_free(p);
	jq_teardown(&jq);
	return status;
}
