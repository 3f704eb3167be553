/* common.c - error helpers and checked allocation. */
#include "base/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim_errf(sim_err *e, sim_rc code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        char raw[SIM_ERR_MSG];
        vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        /* one line, and nothing the terminal would act on: a newline or CR becomes a space,
         * any other control byte (ESC of an escape sequence, tab, DEL) is shown as \xNN */
        size_t o = 0;
        for (const unsigned char *p = (const unsigned char *)raw; *p && o + 5 < sizeof e->msg; p++) {
            if (*p == '\n' || *p == '\r') e->msg[o++] = ' ';
            else if (*p < 0x20 || *p == 0x7f) o += (size_t)snprintf(e->msg + o, 5, "\\x%02x", *p);
            else e->msg[o++] = (char)*p;
        }
        e->msg[o] = '\0';
        e->code = code;
    }
    return (int)code;
}

int sim_rc_exit(sim_rc code)
{
    switch (code) {
    case SIM_OK:        return 0;
    case SIM_EUSAGE:    return 1;
    case SIM_EINVAL:
    case SIM_ETRACE:    return 2;
    case SIM_EIO:
    case SIM_ENOMEM:    return 3;
    case SIM_EDEADLOCK:
    case SIM_EMISMATCH: return 4;
    }
    return 3;
}


_Noreturn void sim_panic(const char *file, int line, const char *expr)
{
    fprintf(stderr, "spatten: internal error: %s:%d: assertion '%s' failed\n", file, line, expr);
    fflush(stderr);
    abort();
}

static sim_oom_fn oom_fn;

void sim_set_oom_handler(sim_oom_fn fn) { oom_fn = fn; }

static _Noreturn void out_of_memory(size_t n)
{
    if (oom_fn) oom_fn(n);     /* the host reports it (the CLI: exit 3) and does not return */
    fprintf(stderr, "spatten: out of memory: an allocation of %zu bytes failed\n", n);
    fflush(stderr);
    abort();
}

void *sim_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory(n);
    return p;
}

void *sim_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) out_of_memory(size && count > SIZE_MAX / size ? SIZE_MAX : count * size);
    return p;
}

void *sim_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) out_of_memory(n);
    return q;
}

void *sim_xmemdup(const void *p, size_t n)
{
    void *d = sim_xmalloc(n ? n : 1);
    if (n) memcpy(d, p, n);
    return d;
}

char *sim_xstrdup(const char *s) { return sim_xmemdup(s, strlen(s) + 1); }
