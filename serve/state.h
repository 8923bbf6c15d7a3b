/* serve/state.h: the seed and state files of chatctl serve, read into the
 * store and written from it (store.h holds the model; this is its I/O).
 *
 * Calling sequence: store_init(), then state_load_seed() for --seed, or
 * state_load() for a --state file that exists; the event loop calls
 * state_save() at start-up and after every turn that set store.dirty.
 * A loader that fails may leave part of the file in the store: the caller
 * ends with store_free() either way.
 *
 * The seed's format is in `chatctl serve --help`. The state file is what
 * state_save() writes: the seed's sections plus the signing secret, each
 * user's password hash, token and offline queue, and the chat-log counts. */
#ifndef SERVE_STATE_H
#define SERVE_STATE_H

#include "../lib/err.h"

/* Both return EX_OK, or EX_IO with e filled ("cannot read 'F': ...",
 * "invalid seed 'F': ..." or "invalid state 'F': ..."). */
int state_load_seed(const char *path, struct err *e);
int state_load(const char *path, struct err *e);

/* Write the whole store to path atomically (temporary file in the same
 * directory, fsync, rename): a reader sees the old file or the new one,
 * never half of one. store.dirty is cleared first, so a failed write is
 * retried only after the next change. */
int state_save(const char *path, struct err *e);

#endif
