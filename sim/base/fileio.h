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

/* Read a whole file into a NUL-terminated malloc'ed buffer. SIM_EIO with a one-line message.
 * Inputs are opened with O_NONBLOCK and must be regular files: a FIFO, device, directory or
 * socket is refused at once ("P: not a regular file (it is a FIFO)"), never waited on. A
 * buffer that cannot be allocated is SIM_ENOMEM naming the path and the size it needed. */
int fio_read_all(const char *path, char **data, size_t *len, sim_err *err);
/* The same with a size cap checked before anything is read: a larger file is SIM_ETRACE
 * "P: the file is 3.0 GiB; a <kind> may be at most 1.0 MiB". */
int fio_read_capped(const char *path, uint64_t cap, const char *kind, char **data, size_t *len,
                    sim_err *err);
/* A whole file as read-only, NUL-terminated text: mapped (mmap) when its last page has room
 * for the terminating NUL (the bytes past the end of a file are zero there), else read with
 * fio_read_all. Same checks, errors and messages as fio_read_all (a file that cannot be
 * mapped is read, and an allocation failure then is its SIM_ENOMEM). A mapped file must not be
 * truncated or rewritten while it is viewed (SIGBUS or a changed text). */
typedef struct fio_view {
    const char *data;           /* len bytes, then a NUL */
    size_t      len;
    void       *map;            /* the mapping (len bytes), or NULL */
    char       *buf;            /* fio_read_all's buffer, or NULL */
} fio_view;
int  fio_view_open(const char *path, fio_view *v, sim_err *err);
void fio_view_close(fio_view *v);                   /* a zeroed view is ok */
/* Open a regular file for incremental reading (same checks as fio_read_all); NULL + err on
 * failure; *size (may be NULL) receives its size. */
FILE *fio_open_read(const char *path, uint64_t *size, sim_err *err);
/* Size caps of the inputs read whole (docs/architecture.md, "Limits"). */
#define FIO_CAP_CONFIG  (1ull << 20)    /* a JSON config (each file of an include chain) */
#define FIO_CAP_CSV     (64ull << 20)   /* an authors' workload CSV */
#define FIO_CAP_TOKENS  (1ull << 20)    /* a token-id file */
/* "a FIFO", "a character device", ... for an st_mode. */
const char *fio_type_name(unsigned mode);
/* Outputs are written only to regular files or new names: SIM_EIO when path exists (lstat) and
 * is anything else (a symlink, device, FIFO, directory), so the atomic rename never replaces
 * one. fio_open checks it, and fio_commit checks again just before the rename. */
int fio_check_output(const char *path, sim_err *err);

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
