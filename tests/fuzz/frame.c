/* Fuzz target: lib/frame.c's frame_scan() on any frame a server may send:
 * no crash, every field a NUL-terminated string in its buffer, and
 * classification and de-duplication keys defined for whatever it found. */
#include "../../lib/frame.h"
#include "fuzz.h"

#define TERMINATED(f) (memchr((f), '\0', sizeof(f)) != NULL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_info fi;
	int r = frame_scan((const char *)data, size, &fi);

	FUZZ_CHECK(r == 0 || r == -1);
	FUZZ_CHECK(TERMINATED(fi.type) && TERMINATED(fi.msg) && TERMINATED(fi.text));
	FUZZ_CHECK(TERMINATED(fi.id) && TERMINATED(fi.dtype) && TERMINATED(fi.action));
	FUZZ_CHECK(TERMINATED(fi.from) && TERMINATED(fi.to) && TERMINATED(fi.chat));
	FUZZ_CHECK(TERMINATED(fi.ctime));
	FUZZ_CHECK(fi.newline == (memchr(data, '\n', size) || memchr(data, '\r', size)));
	FUZZ_CHECK(frame_key(&fi) != 0);
	FUZZ_CHECK(frame_classify(&fi, 0) <= FRAME_FORCE_LOGOUT);
	FUZZ_CHECK(frame_classify(&fi, 2) <= FRAME_FORCE_LOGOUT);
	return 0;
}
