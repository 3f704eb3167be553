/* dram_stream.c - request streams for the standalone DRAM model: the text format
 * "<cycle> <hex address> <R|W>", a synthetic generator, and the replay driver (dram.h). */
#include "dram/dram_stream.h"
#include "base/fileio.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

/* Next whitespace-separated token of [*p, end); returns its length (0 = none). */
static size_t token(const char **p, const char *end, const char **tok)
{
    const char *s = *p;
    while (s < end && is_space(*s)) s++;
    *tok = s;
    while (s < end && !is_space(*s)) s++;
    *p = s;
    return (size_t)(s - *tok);
}

/* A decimal cycle: digits only (any number of them), at most DRAM_STREAM_MAX_CYCLE. */
_Static_assert(DRAM_STREAM_MAX_CYCLE <= (UINT64_MAX - 9) / 10, "parse_dec's x * 10 + 9 must not wrap");
enum { DEC_OK, DEC_NOT_NUMBER, DEC_RANGE };
static int parse_dec(const char *s, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    bool big = false;
    if (n == 0) return DEC_NOT_NUMBER;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return DEC_NOT_NUMBER;
        if (!big) {
            x = x * 10 + (uint64_t)(s[i] - '0');      /* x <= the maximum: no wrap */
            big = x > DRAM_STREAM_MAX_CYCLE;
        }
    }
    if (big) return DEC_RANGE;
    *v = x;
    return DEC_OK;
}

static bool parse_hex(const char *s, size_t n, uint64_t *v)
{
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { s += 2; n -= 2; }
    if (n == 0 || n > 16) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        int dg;
        if (ch >= '0' && ch <= '9') dg = ch - '0';
        else if (ch >= 'a' && ch <= 'f') dg = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F') dg = ch - 'A' + 10;
        else return false;
        x = x << 4 | (uint64_t)dg;
    }
    *v = x;
    return true;
}

/* Hex digit values plus one; 0 for anything else (the fast path's table). */
static const unsigned char HEX1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* A text of len bytes followed by a NUL; an earlier NUL is an error at its line. */
static void text_init_n(dram_text *t, const char *path, const char *text, size_t len,
                        const dram_cfg *cfg)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    t->p = text;
    t->end = text + len;
    t->capacity = cfg->capacity_bytes;
    t->req_bytes = cfg->request_bytes;
    /* the loader makes request_bytes a power of two; anything else takes the general parser */
    t->fast = t->req_bytes && !(t->req_bytes & (t->req_bytes - 1));
}

void dram_text_init(dram_text *t, const char *path, const char *text, const dram_cfg *cfg)
{
    text_init_n(t, path, text, strlen(text), cfg);
}

/* Fast path for the common line "<digits> [0x]<hex> R|W" with blank/tab separators and
 * nothing else: returns the start of the next line and fills r, or NULL when the line is
 * anything else (blank, comment, READ/WRITE, an error...), which the general parser below
 * then reads, with the same result and the same messages. Every check of the general parser
 * (range, order, capacity, alignment) is made here too, as a condition for taking the path.
 * The text ends with a NUL, so no read goes past it. */
static inline const char *fast_line(const dram_text *t, const char *p, dram_req *r)
{
    const char *s = p;
    uint64_t cyc = 0, addr = 0;
    unsigned d0, d1;
    /* two digits a step (the text ends with a NUL, so p[1] exists when p[0] is a digit) */
    while ((d0 = (unsigned)(unsigned char)p[0] - '0') < 10u) {
        if ((d1 = (unsigned)(unsigned char)p[1] - '0') >= 10u) { cyc = cyc * 10 + d0; p++; break; }
        cyc = cyc * 100 + d0 * 10 + d1;
        p += 2;
    }
    /* 10 digits hold up to 9999999999 without wrapping: enough for the bound 10^9; longer
     * numbers (leading zeros, out of range) take the general parser */
    if (p == s || p - s > 10 || cyc > DRAM_STREAM_MAX_CYCLE || (*p != ' ' && *p != '\t')) return NULL;
    do p++; while (*p == ' ' || *p == '\t');
    if (p[0] == '0' && (p[1] | 0x20) == 'x') p += 2;
    s = p;
    while ((d0 = HEX1[(unsigned char)p[0]]) != 0) {     /* two digits a step, as above */
        if ((d1 = HEX1[(unsigned char)p[1]]) == 0) { addr = addr << 4 | (d0 - 1); p++; break; }
        addr = addr << 8 | (d0 * 16 + d1 - 17);        /* (d0 - 1) << 4 | (d1 - 1) */
        p += 2;
    }
    if (p == s || p - s > 16 || (*p != ' ' && *p != '\t')) return NULL;
    do p++; while (*p == ' ' || *p == '\t');
    if (*p != 'R' && *p != 'W') return NULL;
    bool wr = *p++ == 'W';
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    if (*p != '\n' && p != t->end) return NULL;       /* (a NUL before the end: the general parser) */
    if ((t->have_prev && cyc < t->prev) || addr >= t->capacity || (addr & (t->req_bytes - 1)))
        return NULL;
    r->cycle = cyc;
    r->addr = addr;
    r->is_write = wr;
    return *p ? p + 1 : p;
}

/* The general parser: the line at t->p (any content), with every check and message. Returns
 * SIM_OK with *got set when it held a request, SIM_OK with *got clear for a blank or comment
 * line, or the error. */
static int slow_line(dram_text *t, dram_req *r, bool *got, sim_err *err)
{
    const char *p = t->p, *path = t->path;
    const char *eol = strchr(p, '\n');
    const char *end = eol ? eol : p + strlen(p);
    uint64_t line = ++t->line;
    if (!eol && end != t->end)                      /* the line stops at a NUL byte */
        return sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": contains a NUL byte (not a text stream)",
                        path, line);
    const char *hash = memchr(p, '#', (size_t)(end - p));
    const char *lend = hash ? hash : end;
    const char *cur = p, *t1, *t2, *t3, *t4;
    size_t n1 = token(&cur, lend, &t1);
    t->p = eol ? eol + 1 : end;
    *got = false;
    if (n1 == 0) return SIM_OK;                      /* blank or comment line */
    size_t n2 = token(&cur, lend, &t2), n3 = token(&cur, lend, &t3), n4 = token(&cur, lend, &t4);
    int dec;
    uint64_t cyc = 0, addr = 0;
    bool wr = false;
    if (n3 == 0)
        return sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": missing field: want '<cycle> <hex address> <R|W>'",
                        path, line);
    if (n4 != 0)
        return sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": unexpected '%.*s' after the operation",
                        path, line, (int)(n4 > 40 ? 40 : n4), t4);
    if ((dec = parse_dec(t1, n1, &cyc)) == DEC_NOT_NUMBER)
        return sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": bad cycle '%.*s' (want a decimal number)",
                        path, line, (int)(n1 > 40 ? 40 : n1), t1);
    if (dec == DEC_RANGE)
        return sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": cycle %.*s%s is out of range [0, %" PRIu64 "]",
                        path, line, (int)(n1 > 40 ? 40 : n1), t1, n1 > 40 ? "..." : "",
                        DRAM_STREAM_MAX_CYCLE);
    if (!parse_hex(t2, n2, &addr))
        return sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": bad hex address '%.*s'",
                        path, line, (int)(n2 > 40 ? 40 : n2), t2);
    if ((n3 == 1 && t3[0] == 'R') || (n3 == 4 && !memcmp(t3, "READ", 4))) wr = false;
    else if ((n3 == 1 && t3[0] == 'W') || (n3 == 5 && !memcmp(t3, "WRITE", 5))) wr = true;
    else
        return sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": unknown operation '%.*s' (want R or W)",
                        path, line, (int)(n3 > 40 ? 40 : n3), t3);
    if (t->have_prev && cyc < t->prev)
        return sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": cycle %" PRIu64 " is before the previous "
                        "request's cycle %" PRIu64, path, line, cyc, t->prev);
    if (addr >= t->capacity)
        return sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": address 0x%" PRIx64 " is beyond the "
                        "capacity 0x%" PRIx64, path, line, addr, t->capacity);
    if (addr % t->req_bytes)
        return sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": address 0x%" PRIx64 " is not aligned to "
                        "the %u-byte request size", path, line, addr, t->req_bytes);
    r->cycle = cyc;
    r->addr = addr;
    r->is_write = wr;
    t->prev = cyc;
    t->have_prev = true;
    *got = true;
    return SIM_OK;
}

/* The next request of t into r: true, or false at the end of the text or on an error (*rc). */
static inline bool text_next(dram_text *t, dram_req *r, int *rc, sim_err *err)
{
    for (;;) {
        if (t->fast) {
            const char *nx = fast_line(t, t->p, r);
            if (nx) {
                t->p = nx;
                t->line++;
                t->prev = r->cycle;
                t->have_prev = true;
                return true;
            }
        }
        if (t->p == t->end) return false;     /* (a NUL before it: slow_line's error) */
        bool got;
        if ((*rc = slow_line(t, r, &got, err)) != SIM_OK) return false;
        if (got) return true;
    }
}

int dram_text_next(dram_text *t, dram_req *r, bool *got, sim_err *err)
{
    int rc = SIM_OK;
    *got = text_next(t, r, &rc, err);
    return rc;
}

int dram_text_open(const char *path, const dram_cfg *cfg, dram_text *t, sim_err *err)
{
    fio_view v;
    memset(t, 0, sizeof *t);
    int rc = fio_view_open(path, &v, err);
    if (rc) return rc;
    /* a NUL byte inside the text is found by the reader, at its line (so the whole file is
     * not read twice): the text ends at the mapping's end, not at the first NUL */
    text_init_n(t, path, v.data, v.len, cfg);
    t->view = v;
    return SIM_OK;
}

void dram_text_close(dram_text *t)
{
    if (!t) return;
    fio_view_close(&t->view);
    t->p = NULL;
}

/* every request of t into out */
static int parse_all(dram_text *t, dram_stream *out, sim_err *err)
{
    size_t cap = 64;                      /* grows by doubling: memory follows the requests */
    out->n = 0;
    out->r = sim_xmalloc(cap * sizeof *out->r);
    int rc = SIM_OK;
    for (;;) {
        if (out->n == cap) {
            SIM_ASSERT(cap <= SIZE_MAX / 2 / sizeof *out->r);
            cap *= 2;
            out->r = sim_xrealloc(out->r, cap * sizeof *out->r);
        }
        if (!text_next(t, &out->r[out->n], &rc, err)) break;
        out->n++;
    }
    if (rc != SIM_OK) dram_stream_free(out);
    return rc;
}

int dram_stream_parse(const char *path, const char *text, const dram_cfg *cfg, dram_stream *out,
                      sim_err *err)
{
    dram_text t;
    dram_text_init(&t, path, text, cfg);
    return parse_all(&t, out, err);
}

int dram_stream_read(const char *path, const dram_cfg *cfg, dram_stream *out, sim_err *err)
{
    dram_text t;
    out->r = NULL;
    out->n = 0;
    int rc = dram_text_open(path, cfg, &t, err);
    if (rc) return rc;
    rc = parse_all(&t, out, err);
    dram_text_close(&t);
    return rc;
}

void dram_stream_free(dram_stream *s)
{
    if (!s) return;
    free(s->r);
    s->r = NULL;
    s->n = 0;
}

/* ---- generator ---- */
static uint64_t xs64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

bool dram_gen_fits(uint64_t count, uint64_t interval)
{
    if (count > DRAM_GEN_MAX_COUNT) return false;
    return count <= 1 || interval <= DRAM_STREAM_MAX_CYCLE / (count - 1);
}

void dram_gen_init(dram_gen *g, const dram_cfg *cfg, int kind, uint64_t count, uint64_t seed,
                   uint64_t interval, uint32_t read_pct)
{
    SIM_ASSERT(dram_gen_fits(count, interval));   /* callers check (cmd_dram.c) */
    memset(g, 0, sizeof *g);
    g->kind = kind;
    g->count = count;
    g->state = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    if (!g->state) g->state = 1;
    g->interval = interval;
    g->read_pct = read_pct > 100 ? 100 : read_pct;
    g->req_bytes = cfg->request_bytes;
    g->capacity = cfg->capacity_bytes;
    g->addr_mask = 0;
}

bool dram_gen_next(dram_gen *g, dram_req *r)
{
    if (g->i >= g->count) return false;
    uint64_t a;
    if (g->kind == DRAM_GEN_SEQ) a = (g->i * g->req_bytes) & (g->capacity - 1);
    else a = (xs64(&g->state) >> 8) & (g->capacity - 1) & ~(g->req_bytes - 1);
    if (g->addr_mask) a &= g->addr_mask;
    r->addr = a;
    r->cycle = g->i * g->interval;
    r->is_write = g->read_pct < 100 && (xs64(&g->state) >> 33) % 100 >= g->read_pct;
    g->i++;
    return true;
}

/* ---- reading ahead: a reader thread parses the text into a ring of chunks ---- */
/* The reader fills chunk (produced % AHEAD_N) while the replay uses chunk (consumed % AHEAD_N);
 * a chunk ends at the end of the text or at a bad line, whose error it carries, so the replay
 * meets the requests and the error in the order of the text. Both sides share one mutex and
 * condition variable, taken once per chunk; a reader that finds the ring full sleeps until half
 * of it is free, so it is woken once per AHEAD_N / 2 chunks, not once per chunk (each wake-up
 * is a system call on the replay's side). 8 chunks of 4096 requests: 768 KiB. */
enum { AHEAD_CHUNK = 4096, AHEAD_N = 8 };
/* A request as the chunks hold it: 16 bytes, not dram_req's 24, as every byte crosses from
 * the reader's core to the replay's (aw = address << 1 | is_write; addresses are below the
 * capacity, far below 2^63). */
typedef struct ahead_req { uint64_t cycle, aw; } ahead_req;
typedef struct ahead_chunk {
    ahead_req r[AHEAD_CHUNK];
    uint32_t n;                     /* requests in r */
    bool     last;                  /* the text ends after them (rc: how) */
    int      rc;
    sim_err  err;                   /* the bad line's message when rc != SIM_OK */
} ahead_chunk;
typedef struct ahead {
    dram_text      *t;              /* the reader's alone while it runs */
    ahead_chunk     ch[AHEAD_N];
    uint64_t        produced, consumed;   /* chunks handed over / given back (under mu) */
    bool            stop;           /* the replay is done: the reader returns */
    bool            rwait, cwait;   /* the reader / the replay sleeps on cv */
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    pthread_t       tid;
} ahead;

static void *ahead_main(void *arg)
{
    ahead *a = arg;
    for (bool last = false; !last;) {
        pthread_mutex_lock(&a->mu);
        if (a->produced - a->consumed == AHEAD_N) {
            a->rwait = true;
            while (a->produced - a->consumed > AHEAD_N / 2 && !a->stop) pthread_cond_wait(&a->cv, &a->mu);
            a->rwait = false;
        }
        bool stop = a->stop;
        ahead_chunk *c = &a->ch[a->produced % AHEAD_N];
        pthread_mutex_unlock(&a->mu);
        if (stop) break;
        c->n = 0;
        c->rc = SIM_OK;
        c->last = false;
        while (c->n < AHEAD_CHUNK && !c->last) {
            dram_req r;
            if (text_next(a->t, &r, &c->rc, &c->err)) {
                SIM_DASSERT(r.addr >> 63 == 0);   /* below the capacity */
                c->r[c->n].cycle = r.cycle;
                c->r[c->n].aw = r.addr << 1 | r.is_write;
                c->n++;
            } else c->last = true;
        }
        last = c->last;
        pthread_mutex_lock(&a->mu);
        a->produced++;
        if (a->cwait) pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
    return NULL;
}

/* ---- replay ---- */
typedef struct src {
    const dram_stream *s; dram_gen *g; dram_text *t;   /* exactly one non-NULL */
    size_t pos; dram_req cur; bool have; int rc;
    ahead *a;                       /* with t: the reader thread, or NULL (read inline) */
    const ahead_chunk *c;           /* the chunk in use (NULL before the first) */
} src;

/* The next chunk from the reader: gives the used one back, waits for a full one. */
static void ahead_take(src *x)
{
    ahead *a = x->a;
    pthread_mutex_lock(&a->mu);
    if (x->c) {
        a->consumed++;
        if (a->rwait && a->produced - a->consumed <= AHEAD_N / 2) pthread_cond_broadcast(&a->cv);
    }
    if (a->produced == a->consumed) {
        a->cwait = true;
        while (a->produced == a->consumed) pthread_cond_wait(&a->cv, &a->mu);
        a->cwait = false;
    }
    x->c = &a->ch[a->consumed % AHEAD_N];
    pthread_mutex_unlock(&a->mu);
    x->pos = 0;
}

/* The chunk's next request into x->cur (the caller checked there is one). */
static inline void chunk_next(src *x)
{
    const ahead_req *r = &x->c->r[x->pos++];
    x->cur.cycle = r->cycle;
    x->cur.addr = r->aw >> 1;
    x->cur.is_write = r->aw & 1;
}

static void src_next_slow(src *x, sim_err *err)
{
    if (x->a) {
        while (!x->c || x->pos == x->c->n) {
            if (x->c && x->c->last) {
                x->have = false;
                if ((x->rc = x->c->rc) != SIM_OK && err) *err = x->c->err;
                return;
            }
            ahead_take(x);
        }
        chunk_next(x);
        x->have = true;
    } else if (x->t) {
        x->have = text_next(x->t, &x->cur, &x->rc, err);
    } else if (x->s) {
        x->have = x->pos < x->s->n;
        if (x->have) x->cur = x->s->r[x->pos++];
    } else {
        x->have = dram_gen_next(x->g, &x->cur);
    }
}

/* The next request into x->cur (x->have false at the end, x->rc set on a bad line): from the
 * reader thread's chunk in use inline (the common case), anything else out of line. */
static inline void src_next(src *x, sim_err *err)
{
    if (__builtin_expect(x->c != NULL && x->pos < x->c->n, 1)) chunk_next(x);
    else src_next_slow(x, err);
}

static int replay(dram *d, src *x, bool skip, dram_replay_stats *rs, sim_err *err)
{
    src_next(x, err);
    uint64_t tag = 0, delayed = 0, bp = 0;    /* counted here, stored in rs at the end */
    int rc = SIM_OK;
    /* completions are not looked at: only the last one's cycle is kept (the end of the run;
     * the cycles between cannot change what the replay sends, since only command issues make
     * room in the queues) */
    dram_set_discard_done(d, true);
    for (;;) {
        if (x->rc) { rc = x->rc; break; }
        uint64_t now = dram_cycle(d);
        /* present every request due by now, in order, until one is refused */
        while (x->have && x->cur.cycle <= now) {
            if (!dram_try_send(d, x->cur.addr, x->cur.is_write, tag)) break;
            tag++;
            if (now > x->cur.cycle) { delayed++; bp += now - x->cur.cycle; }
            src_next(x, err);
        }
        if (x->rc) { rc = x->rc; break; }
        if (!x->have && dram_idle(d)) break;
        if (skip) {
            /* a refused head waits for an issue (a DRAM event); a future head is an event */
            uint64_t target = dram_next_event(d);
            if (x->have && x->cur.cycle > now && x->cur.cycle < target) target = x->cur.cycle;
            if (target > now) { dram_skip_to(d, target); continue; }
        }
        dram_tick(d);
    }
    dram_set_discard_done(d, false);
    rs->requests += tag;
    rs->delayed_requests += delayed;
    rs->backpressure_cycles += bp;
    rs->end_cycle = dram_cycle(d);
    return rc;
}

int dram_replay(dram *d, const dram_stream *s, dram_gen *g, bool skip, dram_replay_stats *rs,
                sim_err *err)
{
    SIM_ASSERT((s != NULL) != (g != NULL));
    src x = { s, g, NULL, 0, { 0, 0, false }, false, SIM_OK, NULL, NULL };
    return replay(d, &x, skip, rs, err);
}

int dram_replay_text(dram *d, dram_text *t, bool skip, dram_replay_stats *rs, sim_err *err)
{
    SIM_ASSERT(t && t->p);
    src x = { NULL, NULL, t, 0, { 0, 0, false }, false, SIM_OK, NULL, NULL };
    bool thread = t->ahead > 0 || (t->ahead == 0 && t->view.len >= DRAM_TEXT_AHEAD_BYTES);
    ahead *a = thread ? sim_xmalloc(sizeof *a) : NULL;
    if (a) {
        a->t = t;
        a->produced = a->consumed = 0;
        a->stop = a->rwait = a->cwait = false;
        pthread_mutex_init(&a->mu, NULL);
        pthread_cond_init(&a->cv, NULL);
        if (pthread_create(&a->tid, NULL, ahead_main, a) == 0) {
            x.a = a;
        } else {                              /* no thread: read inline, same results */
            pthread_mutex_destroy(&a->mu);
            pthread_cond_destroy(&a->cv);
            free(a);
            a = NULL;
        }
    }
    int rc = replay(d, &x, skip, rs, err);
    if (a) {
        pthread_mutex_lock(&a->mu);
        a->stop = true;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->tid, NULL);
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        free(a);
    }
    return rc;
}

void dram_replay_stats_register(stats *st, const char *prefix, dram_replay_stats *rs)
{
    stats_add_u64(st, prefix, "stream_requests", "req", &rs->requests, "requests in the stream");
    stats_add_u64(st, prefix, "stream_delayed", "req", &rs->delayed_requests,
                  "requests presented late because their queue was full (back-pressure)");
    stats_add_u64(st, prefix, "stream_backpressure_cycles", "dram_cycle", &rs->backpressure_cycles,
                  "sum over requests of (accepted cycle - stream cycle)");
}
