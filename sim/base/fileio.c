/* fileio.c - whole-file reads and temp-file + fsync + rename writes. */
#define _POSIX_C_SOURCE 200809L
#include "base/fileio.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *fio_type_name(unsigned mode)
{
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

/* Open path for reading without blocking (a FIFO or a device never hangs open()), check that
 * it is a regular file, then make the descriptor blocking again. */
static int open_input(const char *path, int *fd_out, off_t *size, sim_err *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return sim_errf(err, SIM_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return sim_errf(err, SIM_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return sim_errf(err, SIM_EIO, "%s: not a regular file (it is %s)", path,
                        fio_type_name((unsigned)sb.st_mode));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *fd_out = fd;
    *size = sb.st_size;
    return SIM_OK;
}

static void human(char *b, size_t cap, uint64_t n)
{
    if (n >= (1ull << 30)) snprintf(b, cap, "%.1f GiB", (double)n / (double)(1ull << 30));
    else if (n >= (1ull << 20)) snprintf(b, cap, "%.1f MiB", (double)n / (double)(1ull << 20));
    else if (n >= (1ull << 10)) snprintf(b, cap, "%.1f KiB", (double)n / 1024.0);
    else snprintf(b, cap, "%llu bytes", (unsigned long long)n);
}

int fio_read_capped(const char *path, uint64_t cap, const char *kind, char **data, size_t *len,
                    sim_err *err)
{
    int fd;
    off_t sz;
    int rc = open_input(path, &fd, &sz, err);
    if (rc) return rc;
    if ((uint64_t)sz > cap) {
        char a[32], b[32];
        human(a, sizeof a, (uint64_t)sz);
        human(b, sizeof b, cap);
        close(fd);
        return sim_errf(err, SIM_ETRACE, "%s: the file is %s; a %s may be at most %s",
                        path, a, kind ? kind : "file", b);
    }
    if ((uint64_t)sz >= SIZE_MAX) {
        close(fd);
        return sim_errf(err, SIM_ENOMEM, "%s: out of memory: reading it needs %llu bytes", path,
                        (unsigned long long)sz + 1);
    }
    size_t n = (size_t)sz;
    char *buf = malloc(n + 1);
    if (!buf) {
        close(fd);
        return sim_errf(err, SIM_ENOMEM, "%s: out of memory: reading it needs %zu bytes", path,
                        n + 1);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, buf + got, n - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    if (got != n) {
        free(buf);
        return sim_errf(err, SIM_EIO, "%s: read failed", path);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return SIM_OK;
}

int fio_read_all(const char *path, char **data, size_t *len, sim_err *err)
{
    return fio_read_capped(path, UINT64_MAX, NULL, data, len, err);
}

int fio_view_open(const char *path, fio_view *v, sim_err *err)
{
    int fd;
    off_t sz;
    memset(v, 0, sizeof *v);
    int rc = open_input(path, &fd, &sz, err);
    if (rc) return rc;
    long pg = sysconf(_SC_PAGESIZE);
    if (sz > 0 && pg > 0 && (uint64_t)sz < SIZE_MAX && sz % pg != 0) {
        size_t n = (size_t)sz;
        void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            const char *d = m;
            /* the zero fill after the end, unless the file grew since fstat */
            if (d[n] == '\0') {
                close(fd);
                v->data = d;
                v->len = n;
                v->map = m;
                return SIM_OK;
            }
            munmap(m, n);
        }
    }
    close(fd);
    rc = fio_read_all(path, &v->buf, &v->len, err);
    if (rc) return rc;
    v->data = v->buf;
    return SIM_OK;
}

void fio_view_close(fio_view *v)
{
    if (v->map) munmap(v->map, v->len);
    free(v->buf);
    memset(v, 0, sizeof *v);
}

FILE *fio_open_read(const char *path, uint64_t *size, sim_err *err)
{
    int fd;
    off_t sz;
    if (open_input(path, &fd, &sz, err)) return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        sim_errf(err, SIM_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (size) *size = (uint64_t)sz;
    return f;
}

int fio_check_output(const char *path, sim_err *err)
{
    struct stat sb;
    if (lstat(path, &sb) != 0 || S_ISREG(sb.st_mode)) return SIM_OK;
    return sim_errf(err, SIM_EIO, "%s: is %s, not a regular file; outputs are only written to "
                    "regular files (or new names), never through links, devices or FIFOs", path,
                    fio_type_name((unsigned)sb.st_mode));
}

struct fio_writer {
    FILE *f;
    char *path;
    char *tmp;
};

int fio_open(const char *path, fio_writer **w, sim_err *err)
{
    int rc0 = fio_check_output(path, err);
    if (rc0) return rc0;
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
    /* the path may have become a link, device or FIFO since fio_open: never rename over one */
    sim_err ce;
    if (!bad && fio_check_output(w->path, &ce)) {
        unlink(w->tmp);
        int rc = sim_errf(err, SIM_EIO, "%s", ce.msg);
        writer_free(w);
        return rc;
    }
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
