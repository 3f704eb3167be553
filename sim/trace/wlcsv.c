/*
 * wlcsv.c - strict reader and writer of the SpAtten authors' workload CSV (format in wlcsv.h,
 * column meanings in docs/workload-csv.md). Errors: "FILE:LINE: what", SIM_ETRACE.
 */
#include "trace/wlcsv.h"
#include "base/fileio.h"
#include "trace/pol.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const WLCSV_COLUMNS[WLCSV_NCOLS] = {
    "iteration_id", "layer_id", "head_id", "embedding_length_D", "sentence_length_L",
    "key_fetch_num", "quant_key_bit", "quant_query_bit", "auto_requant_thres", "if_requant",
    "auto_requant_incre", "value_fetch_num", "quant_value_bit", "if_accumulate_importance",
    "if_rescale_previous_importance", "if_topk", "topk",
};
enum {
    C_ITER, C_LAYER, C_HEAD, C_D, C_L, C_KEY, C_QKB, C_QQB, C_THR, C_REQ, C_INC, C_VAL, C_QVB,
    C_ACC, C_RESC, C_TOPK_ON, C_TOPK
};

#define SUMMARY_MARK "summarization=iteration0"
#define CAUSAL_MARK " attention=causal"

void wlcsv_free(wlcsv *w)
{
    if (!w) return;
    free(w->rows);
    free(w->source);
    free(w);
}

/* ---- reader ---- */

typedef struct rd {
    const char *name;
    uint32_t    line;
    sim_err    *err;
} rd;

#define RD_FAIL(r, ...) rd_fail((r), __VA_ARGS__)
static int rd_fail(const rd *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int rd_fail(const rd *r, const char *fmt, ...)
{
    char msg[SIM_ERR_MSG];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *c = msg; *c; c++)          /* echoed field text stays on one printable line */
        if ((unsigned char)*c < 0x20) *c = '?';
    return sim_errf(r->err, SIM_ETRACE, "%s:%u: %s", r->name, r->line, msg);
}

/* Whole non-negative decimal integer (digits only), <= max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!*s) return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (max - d) / 10u) return false;      /* v * 10 + d > max, without wrapping */
        v = v * 10u + d;
    }
    *out = v;
    return true;
}

/* Plain decimal only: digits with an optional fraction and exponent ("0.25", "1e-3", ".5");
 * no sign, space, hex float, inf or nan (strtod alone takes " 0.5" and "0x1p-3"). */
static bool decimal_syntax(const char *s)
{
    const char *p = s;
    size_t id = strspn(p, "0123456789");
    p += id;
    size_t fd = 0;
    if (*p == '.') { p++; fd = strspn(p, "0123456789"); p += fd; }
    if (id + fd == 0) return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        size_t ed = strspn(p, "0123456789");
        if (!ed) return false;
        p += ed;
    }
    return *p == '\0';
}

static bool parse_double(const char *s, double *out)
{
    if (!*s || !decimal_syntax(s)) return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v)) return false;
    *out = v;
    return true;
}

static int get_u32(const rd *r, const char *s, int col, uint32_t lo, uint32_t hi, uint32_t *out)
{
    uint64_t v;
    if (!parse_uint(s, UINT32_MAX, &v))
        return RD_FAIL(r, "field '%s' = '%s' is not a non-negative integer", WLCSV_COLUMNS[col], s);
    if (v < lo || v > hi)
        return RD_FAIL(r, "field '%s' = %s is out of range [%u, %u]", WLCSV_COLUMNS[col], s, lo, hi);
    *out = (uint32_t)v;
    return SIM_OK;
}

/* "-1" (unused) or an integer in [lo, hi]. */
static int get_opt_i32(const rd *r, const char *s, int col, uint32_t lo, uint32_t hi, int32_t *out)
{
    if (strcmp(s, "-1") == 0) { *out = -1; return SIM_OK; }
    uint64_t v;
    if (!parse_uint(s, UINT32_MAX, &v))
        return RD_FAIL(r, "field '%s' = '%s' is not an integer or -1", WLCSV_COLUMNS[col], s);
    if (v < lo || v > hi)
        return RD_FAIL(r, "field '%s' = %s is out of range [%u, %u] (or -1 for unused)",
                       WLCSV_COLUMNS[col], s, lo, hi);
    *out = (int32_t)v;
    return SIM_OK;
}

static int get_bool(const rd *r, const char *s, int col, bool *out)
{
    if (strcmp(s, "True") == 0) { *out = true; return SIM_OK; }
    if (strcmp(s, "False") == 0) { *out = false; return SIM_OK; }
    return RD_FAIL(r, "field '%s' = '%s' must be True or False", WLCSV_COLUMNS[col], s);
}

/* Split line (modified in place) at commas; returns the number of fields (up to max). */
static int split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *c = strchr(p, ',');
        if (n < max) f[n] = p;
        n++;
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int parse_row(const rd *r, char **f, wlcsv_row *row)
{
    int rc;
    memset(row, 0, sizeof *row);
    row->line = r->line;
    /* the trace format's limits (trace.h): they bound the machine and the GPU baseline too */
    if ((rc = get_u32(r, f[C_ITER], C_ITER, 0, WLCSV_MAX_ITER, &row->iteration))) return rc;
    if ((rc = get_u32(r, f[C_LAYER], C_LAYER, 0, SPT_MAX_LAYERS - 1, &row->layer))) return rc;
    if ((rc = get_u32(r, f[C_HEAD], C_HEAD, 0, SPT_MAX_HEADS - 1, &row->head))) return rc;
    double d;   /* an integer column, written "64.0" by the authors: digits, optionally ".0" */
    {
        const char *x = f[C_D] + strspn(f[C_D], "0123456789");
        bool ok = x != f[C_D] && (!*x || (x[0] == '.' && x[1] && !x[1 + strspn(x + 1, "0")]));
        if (!ok || !parse_double(f[C_D], &d))
            return RD_FAIL(r, "field 'embedding_length_D' = '%s' is not a whole number (digits, "
                           "optionally followed by .0)", f[C_D]);
    }
    if (d < 1 || d > 1024)
        return RD_FAIL(r, "field 'embedding_length_D' = %s is out of range [1, 1024]", f[C_D]);
    row->d_head = (uint32_t)d;
    if ((rc = get_u32(r, f[C_L], C_L, 1, WLCSV_MAX_LEN, &row->sentence_len))) return rc;
    if ((rc = get_u32(r, f[C_KEY], C_KEY, 1, WLCSV_MAX_LEN, &row->key_fetch))) return rc;
    if ((rc = get_opt_i32(r, f[C_QKB], C_QKB, 1, 32, &row->quant_key_bit))) return rc;
    if ((rc = get_opt_i32(r, f[C_QQB], C_QQB, 1, 32, &row->quant_query_bit))) return rc;
    if (strcmp(f[C_THR], "-1") == 0) row->requant_thres = -1;
    else if (!parse_double(f[C_THR], &row->requant_thres) || !(row->requant_thres > 0) ||
             row->requant_thres > 1)
        return RD_FAIL(r, "field 'auto_requant_thres' = '%s' must be a probability in (0, 1] or -1",
                       f[C_THR]);
    if ((rc = get_bool(r, f[C_REQ], C_REQ, &row->if_requant))) return rc;
    if ((rc = get_opt_i32(r, f[C_INC], C_INC, 1, 32, &row->requant_incre))) return rc;
    if ((rc = get_u32(r, f[C_VAL], C_VAL, 0, UINT32_MAX - 1, &row->value_fetch))) return rc;
    if ((rc = get_opt_i32(r, f[C_QVB], C_QVB, 1, 32, &row->quant_value_bit))) return rc;
    if ((rc = get_bool(r, f[C_ACC], C_ACC, &row->accumulate_imp))) return rc;
    if ((rc = get_bool(r, f[C_RESC], C_RESC, &row->rescale_prev_imp))) return rc;
    if ((rc = get_bool(r, f[C_TOPK_ON], C_TOPK_ON, &row->if_topk))) return rc;
    if (strcmp(f[C_TOPK], "-1") == 0) row->topk = -1;
    else {
        uint64_t v;
        if (!parse_uint(f[C_TOPK], INT32_MAX, &v))
            return RD_FAIL(r, "field 'topk' = '%s' is not a non-negative integer or -1", f[C_TOPK]);
        row->topk = (int32_t)v;
    }
    /* cross-field rules */
    if (row->key_fetch > row->sentence_len)
        return RD_FAIL(r, "key_fetch_num = %u exceeds sentence_length_L = %u", row->key_fetch,
                       row->sentence_len);
    if (row->value_fetch > row->key_fetch)
        return RD_FAIL(r, "value_fetch_num = %u exceeds key_fetch_num = %u", row->value_fetch,
                       row->key_fetch);
    if (row->if_topk && row->topk < 0)
        return RD_FAIL(r, "if_topk is True but topk is -1");
    if (!row->if_topk && row->topk != -1)
        return RD_FAIL(r, "if_topk is False but topk = %d (must be -1)", row->topk);
    if (row->if_topk && (uint32_t)row->topk > row->sentence_len)
        return RD_FAIL(r, "topk = %d exceeds sentence_length_L = %u", row->topk, row->sentence_len);
    /* a top-k over the alive tokens keeps at most those; one that re-ranks the whole sentence
     * with rescaled importance (if_rescale_previous_importance) may keep more */
    if (row->if_topk && !row->rescale_prev_imp && (uint32_t)row->topk > row->key_fetch)
        return RD_FAIL(r, "topk = %d exceeds key_fetch_num = %u (a top-k that keeps more tokens "
                       "than are alive re-ranks the whole sentence: it needs "
                       "if_rescale_previous_importance = True)", row->topk, row->key_fetch);
    if (row->if_requant && (row->requant_thres < 0 || row->requant_incre < 0))
        return RD_FAIL(r, "if_requant is True but auto_requant_thres or auto_requant_incre is -1");
    return SIM_OK;
}

/* Lines come from memory or from a file read incrementally, so a bad byte is found without
 * reading the rest. A line is at most WLCSV_MAX_LINE bytes; the whole input at most
 * FIO_CAP_CSV. */
#define WLCSV_MAX_LINE 4096
typedef struct lsrc {
    const char *mem;
    size_t      len, off;     /* memory: bytes, consumed */
    FILE       *f;            /* or a file */
    char        buf[WLCSV_MAX_LINE + 2];
} lsrc;

/* Next line into s->buf without its '\n': 1 (with *ll and *nl: it ended in '\n'), 0 at the
 * end of the input, or an error code (rc filled). */
static int next_line(lsrc *s, rd *r, size_t *ll, bool *nl, int *rc)
{
    size_t n = 0;
    *nl = false;
    if (s->f) {
        int c;
        while ((c = getc(s->f)) != EOF) {
            if (c == '\n') { *nl = true; break; }
            if (n == WLCSV_MAX_LINE) {
                *rc = RD_FAIL(r, "line longer than %d bytes", WLCSV_MAX_LINE);
                return -1;
            }
            s->buf[n++] = (char)c;
        }
        if (c == EOF && ferror(s->f)) {
            *rc = sim_errf(r->err, SIM_EIO, "%s: read failed", r->name);
            return -1;
        }
        s->off += n + *nl;
        if (s->off > FIO_CAP_CSV) {
            *rc = RD_FAIL(r, "the file exceeds %llu bytes, a workload CSV's limit",
                          (unsigned long long)FIO_CAP_CSV);
            return -1;
        }
    } else {
        if (s->off >= s->len) return 0;
        const char *p = s->mem + s->off, *e = memchr(p, '\n', s->len - s->off);
        size_t k = e ? (size_t)(e - p) : s->len - s->off;
        if (k > WLCSV_MAX_LINE) {
            *rc = RD_FAIL(r, "line longer than %d bytes", WLCSV_MAX_LINE);
            return -1;
        }
        memcpy(s->buf, p, k);
        n = k;
        *nl = e != NULL;
        s->off += k + (e != NULL);
    }
    if (n == 0 && !*nl) return 0;
    s->buf[n] = '\0';
    const char *z = memchr(s->buf, '\0', n);
    if (z) {
        *rc = RD_FAIL(r, "a NUL byte at column %zu (not a text CSV)", (size_t)(z - s->buf) + 1);
        return -1;
    }
    *ll = n;
    return 1;
}

static int read_lines(lsrc *src, const char *name, wlcsv **out, sim_err *err)
{
    *out = NULL;
    rd r = {name, 1, err};
    wlcsv *w = sim_xcalloc(1, sizeof *w);
    w->source = sim_xstrdup(name);
    size_t cap = 0;
    int rc = SIM_OK;
    bool have_header = false, have_config = false;
    char *f[WLCSV_NCOLS];
    for (r.line = 1;; r.line++) {
        size_t ll;
        bool nl;
        int got = next_line(src, &r, &ll, &nl, &rc);
        if (got < 0) break;
        if (got == 0) {
            if (!have_header)
                rc = RD_FAIL(&r, "missing header line (expected '%s,...')", WLCSV_COLUMNS[0]);
            break;
        }
        char *line = src->buf;
        if (!nl) {                            /* every line we write ends in '\n' */
            rc = RD_FAIL(&r, "last line has no newline (truncated file?)");
            break;
        }
        if (ll && line[ll - 1] == '\r') line[--ll] = '\0';
        if (!have_header) {
            if (!memcmp(line, "\xef\xbb\xbf", ll < 3 ? ll : 3) && ll >= 3) {
                rc = RD_FAIL(&r, "the file starts with a UTF-8 byte order mark (bytes EF BB BF); "
                             "save it without one");
                break;
            }
            if (ll == 0) { rc = RD_FAIL(&r, "missing header line (expected '%s,...')", WLCSV_COLUMNS[0]); break; }
            int n = split(line, f, WLCSV_NCOLS);
            for (int i = 0; i < WLCSV_NCOLS && i < n; i++)
                if (strcmp(f[i], WLCSV_COLUMNS[i]) != 0) {
                    rc = RD_FAIL(&r, "header column %d is '%s', expected '%s'", i + 1, f[i],
                                 WLCSV_COLUMNS[i]);
                    break;
                }
            if (rc) break;
            if (n != WLCSV_NCOLS) {
                rc = RD_FAIL(&r, "header has %d columns, expected %d", n, WLCSV_NCOLS);
                break;
            }
            have_header = true;
            continue;
        }
        if (ll == 0) {                        /* a blank line anywhere, the last one too */
            rc = RD_FAIL(&r, "empty line");
            break;
        }
        if (have_config) {
            r.line--;
            rc = RD_FAIL(&r, "the config line must be the last line of the file");
            break;
        }
        int n = split(line, f, WLCSV_NCOLS);
        if (n != WLCSV_NCOLS) {
            rc = RD_FAIL(&r, "%d fields, expected %d", n, WLCSV_NCOLS);
            break;
        }
        /* a config line: free text first, 16 empty fields */
        uint64_t dummy;
        bool rest_empty = true;
        for (int i = 1; i < WLCSV_NCOLS; i++) if (f[i][0]) { rest_empty = false; break; }
        if (rest_empty && f[0][0] && !parse_uint(f[0], UINT64_MAX, &dummy)) {
            /* the config text reaches console lines, JSON reports and the CSV we write back:
             * printable ASCII only (the authors' lines are YAML paths) */
            for (const unsigned char *c = (const unsigned char *)f[0]; *c; c++)
                if (*c < 0x20 || *c > 0x7e) {
                    rc = RD_FAIL(&r, "config line holds byte 0x%02x; only printable ASCII is allowed",
                                 *c);
                    break;
                }
            if (rc) break;
            snprintf(w->config, sizeof w->config, "%s", f[0]);
            have_config = true;
            continue;
        }
        wlcsv_row row;
        if ((rc = parse_row(&r, f, &row))) break;
        if (w->n_rows) {
            const wlcsv_row *pr = &w->rows[w->n_rows - 1];
            if (row.d_head != pr->d_head) {
                rc = RD_FAIL(&r, "embedding_length_D = %u differs from %u on line %u", row.d_head,
                             pr->d_head, pr->line);
                break;
            }
            if (row.iteration < pr->iteration ||
                (row.iteration == pr->iteration && row.layer < pr->layer)) {
                rc = RD_FAIL(&r, "row (iteration %u, layer %u) comes after (iteration %u, layer %u):"
                             " rows must be in execution order", row.iteration, row.layer,
                             pr->iteration, pr->layer);
                break;
            }
            if (row.iteration == pr->iteration && row.layer == pr->layer && row.head <= pr->head) {
                rc = RD_FAIL(&r, "head_id %u after head_id %u in the same layer: heads must be"
                             " strictly increasing", row.head, pr->head);
                break;
            }
        }
        if (w->n_rows == cap) {
            cap = cap ? 2 * cap : 256;
            w->rows = sim_xrealloc(w->rows, cap * sizeof *w->rows);
        }
        w->rows[w->n_rows++] = row;
        if (row.iteration + 1 > w->n_iterations) w->n_iterations = row.iteration + 1;
        if (row.layer + 1 > w->n_layers) w->n_layers = row.layer + 1;
        if (row.head + 1 > w->max_heads) w->max_heads = row.head + 1;
    }
    if (!rc && w->n_rows == 0) {
        r.line = 2;
        rc = RD_FAIL(&r, "no data rows after the header");
    }
    if (rc) { wlcsv_free(w); return rc; }
    w->summary_iter0 = strncmp(w->config, "spatten-sim ", 12) == 0 && strstr(w->config, SUMMARY_MARK);
    w->summary_causal = w->summary_iter0 && strstr(w->config, CAUSAL_MARK);
    *out = w;
    return SIM_OK;
}

int wlcsv_read_mem(const char *data, size_t len, const char *name, wlcsv **out, sim_err *err)
{
    lsrc *s = sim_xcalloc(1, sizeof *s);
    s->mem = data;
    s->len = len;
    int rc = read_lines(s, name, out, err);
    free(s);
    return rc;
}

int wlcsv_read(const char *path, wlcsv **out, sim_err *err)
{
    *out = NULL;
    uint64_t size;
    FILE *f = fio_open_read(path, &size, err);
    if (!f) return err ? (int)err->code : SIM_EIO;
    if (size > FIO_CAP_CSV) {
        fclose(f);
        return sim_errf(err, SIM_ETRACE, "%s: the file is %llu bytes; a workload CSV may be at most "
                        "%llu bytes", path, (unsigned long long)size,
                        (unsigned long long)FIO_CAP_CSV);
    }
    lsrc *s = sim_xcalloc(1, sizeof *s);
    s->f = f;
    int rc = read_lines(s, path, out, err);
    fclose(f);
    free(s);
    return rc;
}

/* ---- writer ---- */

static void put_opt(FILE *f, int32_t v)
{
    fprintf(f, "%" PRId32, v);
}

/* %.15g, else %.17g, whichever reads back exactly. Not cfg_fmt_num: that one prints whole
 * numbers with %.0f (1e+15 here) and tries %.16g, so a written CSV would change bytes. */
static void put_double(FILE *f, double v)
{
    char b[40];
    snprintf(b, sizeof b, "%.15g", v);
    if (strtod(b, NULL) != v) snprintf(b, sizeof b, "%.17g", v);
    fputs(b, f);
}

int wlcsv_write(const wlcsv *w, const char *path, sim_err *err)
{
    fio_writer *fw;
    int rc = fio_open(path, &fw, err);
    if (rc) return rc;
    FILE *f = fio_file(fw);
    for (int i = 0; i < WLCSV_NCOLS; i++) fprintf(f, "%s%s", i ? "," : "", WLCSV_COLUMNS[i]);
    fputc('\n', f);
    for (size_t i = 0; i < w->n_rows; i++) {
        const wlcsv_row *r = &w->rows[i];
        fprintf(f, "%u,%u,%u,%u.0,%u,%u,", r->iteration, r->layer, r->head, r->d_head,
                r->sentence_len, r->key_fetch);
        put_opt(f, r->quant_key_bit); fputc(',', f);
        put_opt(f, r->quant_query_bit); fputc(',', f);
        if (r->requant_thres < 0) fputs("-1", f); else put_double(f, r->requant_thres);
        fprintf(f, ",%s,", r->if_requant ? "True" : "False");
        put_opt(f, r->requant_incre);
        fprintf(f, ",%u,", r->value_fetch);
        put_opt(f, r->quant_value_bit);
        fprintf(f, ",%s,%s,%s,", r->accumulate_imp ? "True" : "False",
                r->rescale_prev_imp ? "True" : "False", r->if_topk ? "True" : "False");
        put_opt(f, r->topk);
        fputc('\n', f);
    }
    if (w->config[0]) {
        for (const char *c = w->config; *c; c++) fputc(*c == ',' || *c == '\n' ? '_' : *c, f);
        for (int i = 1; i < WLCSV_NCOLS; i++) fputc(',', f);
        fputc('\n', f);
    }
    if (ferror(f)) {
        fio_abort(fw);
        return sim_errf(err, SIM_EIO, "%s: write error", path);
    }
    return fio_commit(fw, err);
}

/* Number of elements common to two ascending arrays. */
static uint32_t common_sorted(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
{
    uint32_t i = 0, j = 0, c = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) { c++; i++; j++; }
        else if (a[i] < b[j]) i++;
        else j++;
    }
    return c;
}

int wlcsv_from_trace(const spt_trace *t, wlcsv **out, sim_err *err)
{
    *out = NULL;
    const spt_policy *pol = &t->policy;
    const fxp_fmt *fmt = &t->fmt;
    if (pol->progressive && fmt->k_lsb_bits >= fmt->bits)
        return sim_errf(err, SIM_EINVAL, "trace '%s': K LSB plane (%u bits) not narrower than K (%u bits)",
                        t->workload, fmt->k_lsb_bits, fmt->bits);
    wlcsv *w = sim_xcalloc(1, sizeof *w);
    size_t n = 0;
    for (uint32_t i = 0; i < t->n_pass; i++) n += t->pass[i].n_head;
    w->rows = sim_xcalloc(n ? n : 1, sizeof *w->rows);
    bool has_sum = false;
    for (uint32_t i = 0; i < t->n_pass; i++) {
        const spt_pass *ps = &t->pass[i];
        if (ps->step == 0) has_sum = true;
        /* V rows kept for a query row that sees all n_tok keys (the policy's own rule) */
        uint32_t vfetch = pol_v_keep(pol, ps->n_tok);
        int32_t topk = -1;
        if (i + 1 < t->n_pass) {
            const spt_pass *nx = &t->pass[i + 1];
            uint32_t kept = common_sorted(ps->tok_idx, ps->n_tok, nx->tok_idx, nx->n_tok);
            if (kept < ps->n_tok) topk = (int32_t)kept;
        }
        for (uint32_t h = 0; h < ps->n_head; h++) {
            wlcsv_row *r = &w->rows[w->n_rows++];
            r->iteration = ps->step;
            r->layer = ps->layer;
            r->head = ps->head_idx[h];
            r->d_head = t->d_head;
            r->sentence_len = t->n_prompt + ps->step;
            r->key_fetch = ps->n_tok;
            r->quant_key_bit = (int32_t)(pol->progressive ? fmt->bits - fmt->k_lsb_bits : fmt->bits);
            r->quant_query_bit = (int32_t)fmt->bits;
            r->requant_thres = pol->progressive ? pol->pq_threshold : -1;
            r->if_requant = false;
            if (pol->progressive && ps->lsb_refetch)
                for (uint32_t q = 0; q < ps->n_q; q++)
                    if (ps->lsb_refetch[(size_t)h * ps->n_q + q]) { r->if_requant = true; break; }
            r->requant_incre = pol->progressive ? (int32_t)fmt->k_lsb_bits : -1;
            r->value_fetch = vfetch;
            r->quant_value_bit = (int32_t)fmt->v_bits;
            r->accumulate_imp = pol->token_prune || pol->head_prune;
            r->rescale_prev_imp = false;
            r->if_topk = h + 1 == ps->n_head && topk >= 0;
            r->topk = r->if_topk ? topk : -1;
            if (r->iteration + 1 > w->n_iterations) w->n_iterations = r->iteration + 1;
            if (r->layer + 1 > w->n_layers) w->n_layers = r->layer + 1;
            if (r->head + 1 > w->max_heads) w->max_heads = r->head + 1;
            if (r->requant_thres > 1 || r->requant_thres == 0) {
                wlcsv_free(w);
                return sim_errf(err, SIM_EINVAL, "trace '%s': pq_threshold %g is not in (0, 1]",
                                t->workload, pol->pq_threshold);
            }
        }
    }
    snprintf(w->config, sizeof w->config, "spatten-sim %s %s N=%u T=%u%s%s",
             t->workload[0] ? t->workload : "-", t->model[0] ? t->model : "-", t->n_prompt,
             t->n_gen, has_sum ? " " SUMMARY_MARK : "", has_sum && t->causal ? CAUSAL_MARK : "");
    for (char *c = w->config; *c; c++) if (*c == ',') *c = '_';
    w->summary_iter0 = has_sum;
    w->summary_causal = has_sum && t->causal;
    *out = w;
    return SIM_OK;
}

int wlcsv_write_trace(const spt_trace *t, const char *path, sim_err *err)
{
    wlcsv *w;
    int rc = wlcsv_from_trace(t, &w, err);
    if (rc) return rc;
    rc = wlcsv_write(w, path, err);
    wlcsv_free(w);
    return rc;
}

void wlcsv_shape_of(const wlcsv *w, wlcsv_shape *out)
{
    out->layers = w->n_layers;
    out->heads = w->max_heads;
    out->d_head = w->n_rows ? w->rows[0].d_head : 0;
    out->n_prompt = w->n_rows ? w->rows[0].sentence_len : 0;
    out->n_gen = w->n_iterations ? w->n_iterations - 1 : 0;
    out->policy = w->config[0] ? w->config : "csv";
}
