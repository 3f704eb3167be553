/*
 * fileio.h - whole-file reads and atomic writes.
 * Every output of spatten (reports, stats, traces) goes through fio_atomic_*: the data is
 * written to "<path>.tmp.XXXXXX" (mkstemp), flushed, fsync'ed, then renamed over path, so a
 * reader never sees a half-written file and a failed run leaves no partial output.
 */
#ifndef SPATTEN_FILEIO_H
#define SPATTEN_FILEIO_H

#include "base/common.h"
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Read a whole file into a NUL-terminated malloc'ed buffer. SIM_EIO with a one-line message. */
int fio_read_all(const char *path, char **data, size_t *len, sim_err *err);

/* Atomic writer: open a temp file beside path, write to fio_file(w), then commit or abort. */
typedef struct fio_writer fio_writer;
int   fio_open(const char *path, fio_writer **w, sim_err *err);
FILE *fio_file(fio_writer *w);
int   fio_commit(fio_writer *w, sim_err *err);   /* flush, fsync, rename; frees w */
void  fio_abort(fio_writer *w);                  /* removes the temp file; frees w; NULL ok */

/* Convenience: write len bytes atomically. */
int fio_write_all(const char *path, const void *data, size_t len, sim_err *err);
/* A cJSON document, indented, with a final newline, written atomically as fio_write_all.
 * (const void * so that this header needs no cJSON include; pass a cJSON *.) */
int fio_write_json(const char *path, const void *cjson, sim_err *err);

#ifdef __cplusplus
}
#endif
#endif
