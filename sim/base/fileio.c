/* fileio.c - whole-file reads and temp-file + fsync + rename writes. */
#define _POSIX_C_SOURCE 200809L
#include "base/fileio.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fio_read_all(const char *path, char **data, size_t *len, sim_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return sim_errf(err, SIM_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return sim_errf(err, SIM_EIO, "%s: not a regular file", path);
    }
    size_t n = (size_t)sb.st_size;
    char *buf = sim_xmalloc(n + 1);
    size_t got = n ? fread(buf, 1, n, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(buf);
        return sim_errf(err, SIM_EIO, "%s: read failed", path);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return SIM_OK;
}

struct fio_writer {
    FILE *f;
    char *path;
    char *tmp;
};

int fio_open(const char *path, fio_writer **w, sim_err *err)
{
    size_t n = strlen(path) + 16;
    char *tmp = sim_xmalloc(n);
    snprintf(tmp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return sim_errf(err, SIM_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    fchmod(fd, 0644);
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return sim_errf(err, SIM_EIO, "%s: cannot open temp file", path);
    }
    fio_writer *x = sim_xcalloc(1, sizeof *x);
    x->f = f;
    x->tmp = tmp;
    x->path = sim_xstrdup(path);
    *w = x;
    return SIM_OK;
}

FILE *fio_file(fio_writer *w) { return w->f; }

static void writer_free(fio_writer *w)
{
    free(w->tmp);
    free(w->path);
    free(w);
}

int fio_commit(fio_writer *w, sim_err *err)
{
    int bad = fflush(w->f) != 0 || ferror(w->f) || fsync(fileno(w->f)) != 0;
    bad |= fclose(w->f) != 0;
    if (bad || rename(w->tmp, w->path) != 0) {
        int e = errno;
        unlink(w->tmp);
        int rc = sim_errf(err, SIM_EIO, "%s: write failed: %s", w->path, strerror(e));
        writer_free(w);
        return rc;
    }
    writer_free(w);
    return SIM_OK;
}

void fio_abort(fio_writer *w)
{
    if (!w) return;
    fclose(w->f);
    unlink(w->tmp);
    writer_free(w);
}

int fio_write_all(const char *path, const void *data, size_t len, sim_err *err)
{
    fio_writer *w;
    int rc = fio_open(path, &w, err);
    if (rc) return rc;
    if (len && fwrite(data, 1, len, fio_file(w)) != len) {
        fio_abort(w);
        return sim_errf(err, SIM_EIO, "%s: write failed", path);
    }
    return fio_commit(w, err);
}

int fio_write_json(const char *path, const void *cjson, sim_err *err)
{
    char *s = cJSON_Print((const cJSON *)cjson);
    if (!s) return sim_errf(err, SIM_ENOMEM, "%s: cannot format the JSON document", path);
    size_t n = strlen(s);
    s[n] = '\n';   /* replace the terminator with a final newline; written length n + 1 */
    int rc = fio_write_all(path, s, n + 1, err);
    cJSON_free(s);
    return rc;
}
