/* dram_stream.c - request streams for the standalone DRAM model: the text format
 * "<cycle> <hex address> <R|W>", a synthetic generator, and the replay driver (dram.h). */
#include "dram/dram_stream.h"
#include "base/fileio.h"

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

/* Hex digit values, -1 for anything else (the fast path's table). */
static const signed char HEXV[256] = {
    ['0'] = 0, ['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4, ['5'] = 5, ['6'] = 6, ['7'] = 7,
    ['8'] = 8, ['9'] = 9, ['a'] = 10, ['b'] = 11, ['c'] = 12, ['d'] = 13, ['e'] = 14, ['f'] = 15,
    ['A'] = 10, ['B'] = 11, ['C'] = 12, ['D'] = 13, ['E'] = 14, ['F'] = 15,
};
static inline int hexv(char c) { int v = HEXV[(unsigned char)c]; return (v || c == '0') ? v : -1; }

/* Fast path for the common line "<digits> [0x]<hex> R|W" with single-character separators
 * and nothing else: returns the start of the next line and fills r, or NULL when the line is
 * anything else (blank, comment, READ/WRITE, an error...), which the general parser below
 * then reads, with the same result and the same messages. Every check of the general parser
 * (range, order, capacity, alignment) is made here too, as a condition for taking the path. */
static const char *fast_line(const char *p, const dram_cfg *cfg, uint64_t prev, bool have_prev,
                             dram_req *r)
{
    uint64_t cyc = 0, addr = 0;
    int nd = 0;
    while ((unsigned)(*p - '0') < 10u && nd < 10) { cyc = cyc * 10 + (uint64_t)(*p - '0'); p++; nd++; }
    if (nd == 0 || (*p != ' ' && *p != '\t') || cyc > DRAM_STREAM_MAX_CYCLE) return NULL;
    while (*p == ' ' || *p == '\t') p++;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) p += 2;
    int v;
    nd = 0;
    while ((v = hexv(*p)) >= 0 && nd < 16) { addr = addr << 4 | (uint64_t)v; p++; nd++; }
    if (nd == 0 || (*p != ' ' && *p != '\t')) return NULL;
    while (*p == ' ' || *p == '\t') p++;
    if (*p != 'R' && *p != 'W') return NULL;
    bool wr = *p++ == 'W';
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    if (*p != '\n' && *p != '\0') return NULL;
    if ((have_prev && cyc < prev) || addr >= cfg->capacity_bytes || addr % cfg->request_bytes)
        return NULL;
    r->cycle = cyc;
    r->addr = addr;
    r->is_write = wr;
    return *p ? p + 1 : p;
}

int dram_stream_parse(const char *path, const char *text, const dram_cfg *cfg, dram_stream *out,
                      sim_err *err)
{
    out->r = NULL;
    out->n = 0;
    /* a request line has at least 5 characters and a line end ("0 0 R\n"): no counting pass;
     * the pages of the array that are never written are never touched */
    size_t cap = strlen(text) / 6 + 2;
    out->r = sim_xmalloc(cap * sizeof *out->r);
    uint64_t line = 0, prev = 0;
    const char *p = text;
    while (*p) {
        const char *nx = fast_line(p, cfg, prev, out->n > 0, &out->r[out->n]);
        if (nx) {
            line++;
            SIM_ASSERT(out->n < cap);
            prev = out->r[out->n].cycle;
            out->n++;
            p = nx;
            continue;
        }
        const char *eol = strchr(p, '\n');
        const char *end = eol ? eol : p + strlen(p);
        line++;
        const char *hash = memchr(p, '#', (size_t)(end - p));
        const char *lend = hash ? hash : end;
        const char *cur = p, *t1, *t2, *t3, *t4;
        size_t n1 = token(&cur, lend, &t1);
        p = eol ? eol + 1 : end;
        if (n1 == 0) continue;                       /* blank or comment line */
        size_t n2 = token(&cur, lend, &t2), n3 = token(&cur, lend, &t3), n4 = token(&cur, lend, &t4);
        int rc = SIM_OK, dec;
        uint64_t cyc = 0, addr = 0;
        bool wr = false;
        if (n3 == 0)
            rc = sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": missing field: want '<cycle> <hex address> <R|W>'",
                          path, line);
        else if (n4 != 0)
            rc = sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": unexpected '%.*s' after the operation",
                          path, line, (int)(n4 > 40 ? 40 : n4), t4);
        else if ((dec = parse_dec(t1, n1, &cyc)) == DEC_NOT_NUMBER)
            rc = sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": bad cycle '%.*s' (want a decimal number)",
                          path, line, (int)(n1 > 40 ? 40 : n1), t1);
        else if (dec == DEC_RANGE)
            rc = sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": cycle %.*s%s is out of range [0, %" PRIu64 "]",
                          path, line, (int)(n1 > 40 ? 40 : n1), t1, n1 > 40 ? "..." : "",
                          DRAM_STREAM_MAX_CYCLE);
        else if (!parse_hex(t2, n2, &addr))
            rc = sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": bad hex address '%.*s'",
                          path, line, (int)(n2 > 40 ? 40 : n2), t2);
        else if ((n3 == 1 && t3[0] == 'R') || (n3 == 4 && !memcmp(t3, "READ", 4))) wr = false;
        else if ((n3 == 1 && t3[0] == 'W') || (n3 == 5 && !memcmp(t3, "WRITE", 5))) wr = true;
        else
            rc = sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": unknown operation '%.*s' (want R or W)",
                          path, line, (int)(n3 > 40 ? 40 : n3), t3);
        if (rc == SIM_OK && out->n && cyc < prev)
            rc = sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": cycle %" PRIu64 " is before the previous "
                          "request's cycle %" PRIu64, path, line, cyc, prev);
        if (rc == SIM_OK && addr >= cfg->capacity_bytes)
            rc = sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": address 0x%" PRIx64 " is beyond the "
                          "capacity 0x%" PRIx64, path, line, addr, cfg->capacity_bytes);
        if (rc == SIM_OK && addr % cfg->request_bytes)
            rc = sim_errf(err, SIM_ETRACE, "%s:%" PRIu64 ": address 0x%" PRIx64 " is not aligned to "
                          "the %u-byte request size", path, line, addr, cfg->request_bytes);
        if (rc != SIM_OK) { dram_stream_free(out); return rc; }
        SIM_ASSERT(out->n < cap);
        out->r[out->n].cycle = cyc;
        out->r[out->n].addr = addr;
        out->r[out->n].is_write = wr;
        out->n++;
        prev = cyc;
    }
    return SIM_OK;
}

int dram_stream_read(const char *path, const dram_cfg *cfg, dram_stream *out, sim_err *err)
{
    char *text;
    size_t len;
    out->r = NULL;
    out->n = 0;
    int rc = fio_read_all(path, &text, &len, err);
    if (rc) return rc;
    if (strlen(text) != len) {                      /* a NUL before the end */
        free(text);
        return sim_errf(err, SIM_ETRACE, "%s: contains a NUL byte (not a text stream)", path);
    }
    rc = dram_stream_parse(path, text, cfg, out, err);
    free(text);
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

/* ---- replay ---- */
typedef struct src { const dram_stream *s; dram_gen *g; size_t pos; dram_req cur; bool have; } src;

static void src_next(src *x)
{
    if (x->s) {
        x->have = x->pos < x->s->n;
        if (x->have) x->cur = x->s->r[x->pos++];
    } else {
        x->have = dram_gen_next(x->g, &x->cur);
    }
}

int dram_replay(dram *d, const dram_stream *s, dram_gen *g, bool skip, dram_replay_stats *rs,
                sim_err *err)
{
    SIM_ASSERT((s != NULL) != (g != NULL));
    (void)err;
    src x = { s, g, 0, { 0, 0, false }, false };
    src_next(&x);
    uint64_t tag = 0, dtag;
    bool dw;
    for (;;) {
        uint64_t now = dram_cycle(d);
        while (dram_pop_done(d, &dtag, &dw)) {}
        /* present every request due by now, in order, until one is refused */
        while (x.have && x.cur.cycle <= now) {
            if (!dram_can_accept(d, x.cur.addr, x.cur.is_write)) break;
            dram_send(d, x.cur.addr, x.cur.is_write, tag++);
            rs->requests++;
            if (now > x.cur.cycle) { rs->delayed_requests++; rs->backpressure_cycles += now - x.cur.cycle; }
            src_next(&x);
        }
        if (!x.have && dram_idle(d)) break;
        if (skip) {
            /* a refused head waits for an issue (a DRAM event); a future head is an event */
            uint64_t target = dram_next_event(d);
            if (x.have && x.cur.cycle > now && x.cur.cycle < target) target = x.cur.cycle;
            if (target > now) { dram_skip_to(d, target); continue; }
        }
        dram_tick(d);
    }
    rs->end_cycle = dram_cycle(d);
    return SIM_OK;
}

void dram_replay_stats_register(stats *st, const char *prefix, dram_replay_stats *rs)
{
    stats_add_u64(st, prefix, "stream_requests", "req", &rs->requests, "requests in the stream");
    stats_add_u64(st, prefix, "stream_delayed", "req", &rs->delayed_requests,
                  "requests presented late because their queue was full (back-pressure)");
    stats_add_u64(st, prefix, "stream_backpressure_cycles", "dram_cycle", &rs->backpressure_cycles,
                  "sum over requests of (accepted cycle - stream cycle)");
}
