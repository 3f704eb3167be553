/* trace.c - .spt traces: safetensors layout, strict reader (docs/trace-format.md). */
#include "trace/trace.h"
#include "trace/st.h"
#include "trace/pol.h"
#include "base/cfg.h"
#include "base/fileio.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPT_FORMAT  "spatten-trace"
#define SPT_VERSION "2"   /* 2: the checksum covers the whole file, header included */

static void free_pass(spt_pass *p)
{
    free(p->tok_idx); free(p->q_pos); free(p->new_pos); free(p->head_idx);
    free(p->q); free(p->k_new); free(p->v_new); free(p->blk_mask); free(p->lsb_refetch);
    free(p->out); free(p->tok_imp); free(p->head_imp); free(p->v_cnt);
}

void spt_free(spt_trace *t)
{
    if (!t) return;
    for (uint32_t i = 0; t->pass && i < t->n_pass; i++) free_pass(&t->pass[i]);
    free(t->pass);
    free(t->workload_json);
    free(t->source);
    free(t);
}

static uint32_t mask_rows(const spt_trace *t, const spt_pass *p)
{
    return (uint32_t)sim_ceil_div(p->n_q, t->policy.mask_block);
}
static uint32_t mask_cols(const spt_trace *t, const spt_pass *p)
{
    return (uint32_t)sim_ceil_div(p->n_tok, t->policy.mask_block);
}

/* ---- metadata ---- */

static cJSON *policy_json(const spt_trace *t)
{
    const spt_policy *p = &t->policy;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", p->name);
    cJSON_AddBoolToObject(o, "token_prune", p->token_prune);
    cJSON *a = cJSON_AddArrayToObject(o, "tok_keep");
    for (uint32_t l = 0; l < t->layers; l++) cJSON_AddItemToArray(a, cJSON_CreateNumber(p->tok_keep[l]));
    cJSON_AddBoolToObject(o, "head_prune", p->head_prune);
    a = cJSON_AddArrayToObject(o, "head_keep");
    for (uint32_t l = 0; l < t->layers; l++) cJSON_AddItemToArray(a, cJSON_CreateNumber(p->head_keep[l]));
    cJSON_AddBoolToObject(o, "local_v", p->local_v);
    cJSON_AddNumberToObject(o, "v_keep", p->v_keep);
    cJSON_AddBoolToObject(o, "progressive", p->progressive);
    cJSON_AddNumberToObject(o, "pq_threshold", p->pq_threshold);
    cJSON_AddBoolToObject(o, "static_mask", p->static_mask);
    cJSON_AddNumberToObject(o, "mask_block", p->mask_block);
    cJSON_AddBoolToObject(o, "static_heads", p->static_heads);
    return o;
}

static char *print_free(cJSON *j)
{
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    char *r = sim_xstrdup(s);
    cJSON_free(s);
    return r;
}

int spt_write(const spt_trace *t, const char *path, sim_err *err)
{
    const uint32_t d = t->d_head;
    st_writer *w = st_writer_new();
    uint32_t *order = sim_xmalloc(((size_t)t->n_pass * 2 + 1) * sizeof *order);
    for (uint32_t i = 0; i < t->n_pass; i++) {
        order[2 * i] = t->pass[i].step;
        order[2 * i + 1] = t->pass[i].layer;
    }
    uint64_t sh[3] = { t->n_pass, 2, 0 };
    st_add(w, "passes", ST_U32, 2, sh, order);
    char nm[64];
#define ADD(field, dt, nd, ...) do { uint64_t s_[] = { __VA_ARGS__ }; \
        snprintf(nm, sizeof nm, "s%u.l%u.%s", p->step, p->layer, field); \
        st_add(w, nm, dt, nd, s_, pp_); } while (0)
    for (uint32_t i = 0; i < t->n_pass; i++) {
        const spt_pass *p = &t->pass[i];
        const void *pp_;
        pp_ = p->tok_idx;  ADD("tok_idx", ST_U32, 1, p->n_tok);
        pp_ = p->q_pos;    ADD("q_pos", ST_U32, 1, p->n_q);
        pp_ = p->new_pos;  ADD("new_pos", ST_U32, 1, p->n_new);
        pp_ = p->head_idx; ADD("head_idx", ST_U32, 1, p->n_head);
        pp_ = p->q;        ADD("q", ST_I16, 3, p->n_head, p->n_q, d);
        pp_ = p->k_new;    ADD("k", ST_I16, 3, p->n_head, p->n_new, d);
        pp_ = p->v_new;    ADD("v", ST_I16, 3, p->n_head, p->n_new, d);
        pp_ = p->out;      ADD("out", ST_I32, 3, p->n_head, p->n_q, d);
        pp_ = p->tok_imp;  ADD("tok_imp", ST_U64, 1, p->n_tok);
        pp_ = p->head_imp; ADD("head_imp", ST_U64, 1, p->n_head);
        if (t->policy.progressive) { pp_ = p->lsb_refetch; ADD("lsb_refetch", ST_U8, 2, p->n_head, p->n_q); }
        if (t->policy.static_mask) { pp_ = p->blk_mask; ADD("blk_mask", ST_U8, 2, mask_rows(t, p), mask_cols(t, p)); }
        if (t->policy.local_v) { pp_ = p->v_cnt; ADD("v_cnt", ST_U32, 2, p->n_head, p->n_q); }
    }
#undef ADD
    cJSON *tj = cJSON_CreateObject();
    cJSON_AddStringToObject(tj, "workload", t->workload);
    cJSON_AddStringToObject(tj, "model", t->model);
    cJSON_AddNumberToObject(tj, "layers", t->layers);
    cJSON_AddNumberToObject(tj, "heads", t->heads);
    cJSON_AddNumberToObject(tj, "d_head", t->d_head);
    cJSON_AddNumberToObject(tj, "n_prompt", t->n_prompt);
    cJSON_AddNumberToObject(tj, "n_gen", t->n_gen);
    cJSON_AddBoolToObject(tj, "causal", t->causal);
    char sb[32];
    snprintf(sb, sizeof sb, "%llu", (unsigned long long)t->seed);
    cJSON_AddStringToObject(tj, "seed", sb);
    cJSON_AddNumberToObject(tj, "n_pass", t->n_pass);
    cJSON_AddItemToObject(tj, "policy", policy_json(t));
    cJSON *fj = cJSON_CreateObject();
    cJSON_AddNumberToObject(fj, "bits", t->fmt.bits);
    cJSON_AddNumberToObject(fj, "frac", t->fmt.frac);
    cJSON_AddNumberToObject(fj, "k_lsb_bits", t->fmt.k_lsb_bits);
    cJSON_AddNumberToObject(fj, "v_bits", t->fmt.v_bits);
    cJSON_AddNumberToObject(fj, "prob_bits", t->fmt.prob_bits);
    cJSON_AddNumberToObject(fj, "d", t->fmt.d);
    char desc[160];
    snprintf(desc, sizeof desc, "I16 two's complement, %u bits used, %u fraction bits",
             t->fmt.bits, t->fmt.frac);
    cJSON_AddStringToObject(fj, "q", desc);
    cJSON_AddStringToObject(fj, "k", desc);
    snprintf(desc, sizeof desc, "I16 two's complement, %u bits used, %u fraction bits, the low %u "
             "bits 0 (stored as %u bits)", t->fmt.bits, t->fmt.frac, t->fmt.bits - t->fmt.v_bits,
             t->fmt.v_bits);
    cJSON_AddStringToObject(fj, "v", desc);
    snprintf(desc, sizeof desc, "K planes: msb = k >> %u (arithmetic), lsb = k & %u",
             t->fmt.k_lsb_bits, (1u << t->fmt.k_lsb_bits) - 1u);
    cJSON_AddStringToObject(fj, "k_planes", desc);
    snprintf(desc, sizeof desc, "I32, %u fraction bits", t->fmt.frac);
    cJSON_AddStringToObject(fj, "out", desc);
    snprintf(desc, sizeof desc, "U64 sums of probabilities with %u fraction bits",
             t->fmt.prob_bits);
    cJSON_AddStringToObject(fj, "tok_imp", desc);
    snprintf(desc, sizeof desc, "U64 sums of |out| with %u fraction bits", t->fmt.frac);
    cJSON_AddStringToObject(fj, "head_imp", desc);
    char *tjs = print_free(tj), *fjs = print_free(fj);
    st_add_meta(w, "format", SPT_FORMAT);
    st_add_meta(w, "version", SPT_VERSION);
    st_add_meta(w, "trace", tjs);
    st_add_meta(w, "formats", fjs);
    st_add_meta(w, "workload", t->workload_json ? t->workload_json : "{}");
    st_self_checksum(w, "checksum");   /* over the whole file, header included */
    int rc = st_write(w, path, err);
    free(tjs);
    free(fjs);
    free(order);
    st_writer_free(w);
    return rc;
}

/* ---- reader ---- */

typedef struct rd {
    const char *name;
    sim_err *err;
    const st_file *f;
    uint32_t used;          /* tensors consumed (must end = f->n) */
} rd;

static int rerr(rd *r, uint64_t off, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
#include <stdarg.h>
static int rerr(rd *r, uint64_t off, const char *fmt, ...)
{
    char m[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return sim_errf(r->err, SIM_ETRACE, "%s: %s at byte %llu", r->name, m, (unsigned long long)off);
}

/* metadata JSON getters: strict types */
static int jnum(rd *r, const cJSON *o, const char *key, double lo, double hi, bool whole_,
                double *v)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(j) || j->valuedouble < lo || j->valuedouble > hi ||
        (whole_ && j->valuedouble != floor(j->valuedouble)))
    {
        char a[40], b[40];
        cfg_fmt_num(a, sizeof a, lo);   /* a range [1, 1048576], not [1, 1.04858e+06] */
        cfg_fmt_num(b, sizeof b, hi);
        return rerr(r, 8, "metadata field '%s' is missing or out of range [%s, %s]", key, a, b);
    }
    *v = j->valuedouble;
    return SIM_OK;
}
static int ju32(rd *r, const cJSON *o, const char *key, uint32_t lo, uint32_t hi, uint32_t *v)
{
    double x;
    int rc = jnum(r, o, key, lo, hi, true, &x);
    if (!rc) *v = (uint32_t)x;
    return rc;
}
static int jbool(rd *r, const cJSON *o, const char *key, bool *v)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsBool(j)) return rerr(r, 8, "metadata field '%s' is missing or not a boolean", key);
    *v = cJSON_IsTrue(j);
    return SIM_OK;
}
static int jstr(rd *r, const cJSON *o, const char *key, char *buf, size_t cap)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(j) || strlen(j->valuestring) >= cap)
        return rerr(r, 8, "metadata field '%s' is missing, not a string or too long", key);
    memcpy(buf, j->valuestring, strlen(j->valuestring) + 1);
    return SIM_OK;
}
/* Names reach report files, directory names and CSV rows: the workload config's safe form. */
static int jname(rd *r, const char *key, const char *v)
{
    if (spt_name_ok(v)) return SIM_OK;
    return rerr(r, 8, "metadata field '%s' is not a safe name (%s)", key, SPT_NAME_FORM);
}

static int jlist(rd *r, const cJSON *o, const char *key, uint32_t n, double *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key), *e;
    if (!cJSON_IsArray(j) || (uint32_t)cJSON_GetArraySize(j) != n)
        return rerr(r, 8, "metadata field '%s' must be a list of %u numbers", key, n);
    uint32_t i = 0;
    cJSON_ArrayForEach(e, j) {
        if (!cJSON_IsNumber(e) || !(e->valuedouble > 0) || e->valuedouble > 1)
            return rerr(r, 8, "metadata field '%s[%u]' is not a ratio in (0, 1]", key, i);
        out[i++] = e->valuedouble;
    }
    return SIM_OK;
}

/* Find a tensor with the exact dtype and shape; copy its data out (malloc'ed). */
static int take(rd *r, const char *nm, st_dtype dt, uint32_t nd, const uint64_t *shape,
                void **out)
{
    const st_tensor *t = st_find(r->f, nm);
    if (!t) return rerr(r, 8, "tensor '%s' is missing", nm);
    if (t->dtype != dt)
        return rerr(r, t->file_off, "tensor '%s' has dtype %s, expected %s", nm,
                    ST_DTYPE_NAMES[t->dtype], ST_DTYPE_NAMES[dt]);
    bool ok = t->ndim == nd;
    for (uint32_t i = 0; ok && i < nd; i++) ok = t->shape[i] == shape[i];
    if (!ok) {
        char want[96] = "", got[96] = "";
        size_t u = 0;
        for (uint32_t i = 0; i < nd; i++)
            u += (size_t)snprintf(want + u, sizeof want - u, "%s%llu", i ? "," : "",
                                  (unsigned long long)shape[i]);
        u = 0;
        for (uint32_t i = 0; i < t->ndim && u < sizeof got; i++)
            u += (size_t)snprintf(got + u, sizeof got - u, "%s%llu", i ? "," : "",
                                  (unsigned long long)t->shape[i]);
        return rerr(r, t->file_off, "tensor '%s' has shape [%s], expected [%s]", nm, got, want);
    }
    *out = sim_xmemdup(t->data, (size_t)t->nbytes);
    r->used++;
    return SIM_OK;
}

static const st_tensor *tens(rd *r, const char *nm) { return st_find(r->f, nm); }

static int check_idx(rd *r, const char *nm, const uint32_t *v, uint32_t n, uint32_t limit)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i] >= limit || (i && v[i] <= v[i - 1]))
            return rerr(r, tens(r, nm)->file_off + 4ull * i,
                        "tensor '%s'[%u] = %u is not ascending below %u", nm, i, v[i], limit);
    return SIM_OK;
}

static int check_subset(rd *r, const char *nm, const uint32_t *a, uint32_t na, const uint32_t *b,
                        uint32_t nb)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < na; i++) {
        while (j < nb && b[j] < a[i]) j++;
        if (j == nb || b[j] != a[i])
            return rerr(r, tens(r, nm)->file_off + 4ull * i,
                        "tensor '%s'[%u] = %u is not among the pass's tokens", nm, i, a[i]);
    }
    return SIM_OK;
}

static int check_i16(rd *r, const char *nm, const int16_t *v, size_t n, uint32_t bits)
{
    const int32_t hi = (1 << (bits - 1)) - 1, lo = -(1 << (bits - 1));
    for (size_t i = 0; i < n; i++)
        if (v[i] > hi || v[i] < lo)
            return rerr(r, tens(r, nm)->file_off + 2ull * i,
                        "tensor '%s' element %zu = %d does not fit %u bits", nm, i, v[i], bits);
    return SIM_OK;
}

/* V stored with fmt.v_bits bits: the low bits - v_bits bits of every element are 0 */
static int check_v_width(rd *r, const char *nm, const int16_t *v, size_t n, const fxp_fmt *f)
{
    const uint16_t mask = (uint16_t)((1u << (f->bits - f->v_bits)) - 1u);
    for (size_t i = 0; mask && i < n; i++)
        if ((uint16_t)v[i] & mask)
            return rerr(r, tens(r, nm)->file_off + 2ull * i,
                        "tensor '%s' element %zu = %d has nonzero low bits (V is stored with %u "
                        "of %u bits)", nm, i, v[i], f->v_bits, f->bits);
    return SIM_OK;
}

static int check_u8(rd *r, const char *nm, const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] > 1)
            return rerr(r, tens(r, nm)->file_off + i, "tensor '%s' element %zu = %u is not 0 or 1",
                        nm, i, v[i]);
    return SIM_OK;
}

static int read_pass(rd *r, spt_trace *t, spt_pass *p)
{
    char nm[64];
    int rc;
    /* positions that exist at this step: the prompt, then one new token per generation step */
    const uint32_t d = t->d_head, seq = t->n_prompt + p->step;
#define NM(field) (snprintf(nm, sizeof nm, "s%u.l%u.%s", p->step, p->layer, field), nm)
    /* counts come from the index vectors' shapes, bounded before any allocation */
    const char *idx[4] = { "tok_idx", "q_pos", "new_pos", "head_idx" };
    uint32_t *cnt[4] = { &p->n_tok, &p->n_q, &p->n_new, &p->n_head };
    uint32_t lim[4] = { seq, seq, seq, t->heads };
    for (int i = 0; i < 4; i++) {
        const st_tensor *x = tens(r, NM(idx[i]));
        if (!x) return rerr(r, 8, "tensor '%s' is missing", nm);
        if (x->ndim != 1 || x->shape[0] > lim[i])
            return rerr(r, x->file_off, "tensor '%s' must be a vector of at most %u entries", nm,
                        lim[i]);
        *cnt[i] = (uint32_t)x->shape[0];
    }
    uint64_t s1[1];
    s1[0] = p->n_tok;  if ((rc = take(r, NM("tok_idx"), ST_U32, 1, s1, (void **)&p->tok_idx))) return rc;
    if ((rc = check_idx(r, nm, p->tok_idx, p->n_tok, seq))) return rc;
    s1[0] = p->n_q;    if ((rc = take(r, NM("q_pos"), ST_U32, 1, s1, (void **)&p->q_pos))) return rc;
    if ((rc = check_idx(r, nm, p->q_pos, p->n_q, seq))) return rc;
    if ((rc = check_subset(r, nm, p->q_pos, p->n_q, p->tok_idx, p->n_tok))) return rc;
    /* new_pos must equal q_pos (checked below), so it needs no range check of its own */
    s1[0] = p->n_new;  if ((rc = take(r, NM("new_pos"), ST_U32, 1, s1, (void **)&p->new_pos))) return rc;
    s1[0] = p->n_head; if ((rc = take(r, NM("head_idx"), ST_U32, 1, s1, (void **)&p->head_idx))) return rc;
    if ((rc = check_idx(r, nm, p->head_idx, p->n_head, t->heads))) return rc;
    if (p->n_tok == 0 || p->n_q == 0 || p->n_head == 0)
        return rerr(r, tens(r, NM("tok_idx"))->file_off, "pass s%u.l%u has no tokens, queries or heads",
                    p->step, p->layer);
    /* docs/trace-format.md: summarization queries every alive token, generation the new one,
     * and a pass appends the K/V rows of its queries */
    if (p->step == 0 ? p->n_q != p->n_tok || memcmp(p->q_pos, p->tok_idx, 4ull * p->n_q) != 0
                     : p->n_q != 1 || p->q_pos[0] != seq - 1)
        return rerr(r, tens(r, NM("q_pos"))->file_off, "tensor '%s' is not %s", nm,
                    p->step == 0 ? "tok_idx (summarization queries every alive token)"
                                 : "the step's new token (n_prompt + step - 1)");
    if (p->n_new != p->n_q || memcmp(p->new_pos, p->q_pos, 4ull * p->n_q) != 0)
        return rerr(r, tens(r, NM("new_pos"))->file_off, "tensor '%s' is not q_pos", nm);
    uint64_t sq[3] = { p->n_head, p->n_q, d }, sk[3] = { p->n_head, p->n_new, d };
    if ((rc = take(r, NM("q"), ST_I16, 3, sq, (void **)&p->q))) return rc;
    if ((rc = check_i16(r, nm, p->q, (size_t)p->n_head * p->n_q * d, t->fmt.bits))) return rc;
    if ((rc = take(r, NM("k"), ST_I16, 3, sk, (void **)&p->k_new))) return rc;
    if ((rc = check_i16(r, nm, p->k_new, (size_t)p->n_head * p->n_new * d, t->fmt.bits))) return rc;
    if ((rc = take(r, NM("v"), ST_I16, 3, sk, (void **)&p->v_new))) return rc;
    if ((rc = check_i16(r, nm, p->v_new, (size_t)p->n_head * p->n_new * d, t->fmt.bits))) return rc;
    if ((rc = check_v_width(r, nm, p->v_new, (size_t)p->n_head * p->n_new * d, &t->fmt)))
        return rc;
    if ((rc = take(r, NM("out"), ST_I32, 3, sq, (void **)&p->out))) return rc;
    s1[0] = p->n_tok;  if ((rc = take(r, NM("tok_imp"), ST_U64, 1, s1, (void **)&p->tok_imp))) return rc;
    s1[0] = p->n_head; if ((rc = take(r, NM("head_imp"), ST_U64, 1, s1, (void **)&p->head_imp))) return rc;
    uint64_t s2[2] = { p->n_head, p->n_q };
    if (t->policy.progressive) {
        if ((rc = take(r, NM("lsb_refetch"), ST_U8, 2, s2, (void **)&p->lsb_refetch))) return rc;
        if ((rc = check_u8(r, nm, p->lsb_refetch, (size_t)p->n_head * p->n_q))) return rc;
    }
    if (t->policy.static_mask) {
        uint64_t sm[2] = { mask_rows(t, p), mask_cols(t, p) };
        if ((rc = take(r, NM("blk_mask"), ST_U8, 2, sm, (void **)&p->blk_mask))) return rc;
        if ((rc = check_u8(r, nm, p->blk_mask, (size_t)(sm[0] * sm[1])))) return rc;
        /* a query row always sees its own key (its diagonal block is never masked) */
        const uint32_t B = t->policy.mask_block;
        for (uint32_t q = 0, j = 0; q < p->n_q; q++) {
            while (p->tok_idx[j] != p->q_pos[q]) j++;        /* q_pos is among tok_idx */
            size_t cell = (size_t)(q / B) * sm[1] + j / B;
            if (p->blk_mask[cell])
                return rerr(r, tens(r, nm)->file_off + cell,
                            "tensor '%s' masks query row %u's own block (%zu, %u)", nm, q,
                            (size_t)(q / B), j / B);
        }
    }
    if (t->policy.local_v) {
        if ((rc = take(r, NM("v_cnt"), ST_U32, 2, s2, (void **)&p->v_cnt))) return rc;
        for (size_t i = 0; i < (size_t)p->n_head * p->n_q; i++)
            if (p->v_cnt[i] > p->n_tok)
                return rerr(r, tens(r, nm)->file_off + 4ull * i,
                            "tensor '%s' element %zu = %u exceeds the pass's %u tokens", nm, i,
                            p->v_cnt[i], p->n_tok);
    }
#undef NM
    return SIM_OK;
}

/* The header's meaning, checked against the contract (pol.h, docs/trace-format.md) once every
 * pass is read: a generation trace is causal; the summarization passes keep exactly the token
 * and head counts the policy's rules give; a local-V count is the rule's count of the row's
 * keys (at least 1). An edited header is bad input here, not a golden mismatch later. */
static int check_meaning(rd *r, const spt_trace *t)
{
    const spt_policy *p = &t->policy;
    if (t->n_gen > 0 && !t->causal)
        return rerr(r, 8, "metadata field 'causal' is false, but a trace with generation steps "
                    "(n_gen %u) is causal", t->n_gen);
    for (uint32_t l = 0; l < t->layers; l++) {
        if (!p->token_prune && p->tok_keep[l] != 1.0)
            return rerr(r, 8, "metadata field 'policy.tok_keep[%u]' = %.17g, but token_prune is "
                        "false (every ratio is 1)", l, p->tok_keep[l]);
        if (!p->head_prune && p->head_keep[l] != 1.0)
            return rerr(r, 8, "metadata field 'policy.head_keep[%u]' = %.17g, but head_prune is "
                        "false (every ratio is 1)", l, p->head_keep[l]);
    }
    if (p->static_mask && p->token_prune)
        return rerr(r, 8, "metadata fields 'policy.static_mask' and 'policy.token_prune' are both "
                    "true (a static mask runs without token pruning)");
    if (!p->local_v && p->v_keep != 1.0)
        return rerr(r, 8, "metadata field 'policy.v_keep' = %.17g, but local_v is false", p->v_keep);
    uint32_t tok = t->n_prompt, heads = t->heads;
    for (uint32_t l = 0; l < t->layers; l++) {        /* summarization: step 0, pass l */
        const spt_pass *x = &t->pass[l];
        tok = pol_tok_keep(p, l, t->n_prompt, tok);
        if (x->n_tok != tok)
            return rerr(r, tens(r, "passes")->file_off, "pass s0.l%u attends %u tokens; the "
                        "header's policy keeps %u there", l, x->n_tok, tok);
        if (!p->static_heads) {
            heads = pol_head_keep(p, l, t->heads, heads);
            if (x->n_head != heads)
                return rerr(r, tens(r, "passes")->file_off, "pass s0.l%u has %u heads; the "
                            "header's policy keeps %u there", l, x->n_head, heads);
        }
    }
    for (uint32_t i = 0; p->local_v && !p->static_mask && i < t->n_pass; i++) {
        const spt_pass *x = &t->pass[i];
        for (uint32_t h = 0; h < x->n_head; h++)
            for (uint32_t q = 0; q < x->n_q; q++) {
                uint32_t m = x->n_tok;                   /* keys the row sees */
                if (t->causal)
                    for (m = 0; m < x->n_tok && x->tok_idx[m] <= x->q_pos[q]; m++) {}
                const uint32_t want = pol_v_keep(p, m), got = x->v_cnt[(size_t)h * x->n_q + q];
                if (got != want) {
                    char nm[64];
                    snprintf(nm, sizeof nm, "s%u.l%u.v_cnt", x->step, x->layer);
                    return rerr(r, tens(r, nm)->file_off + 4ull * ((size_t)h * x->n_q + q),
                                "tensor '%s' element %zu = %u; v_keep %.17g of the row's %u keys "
                                "keeps %u", nm, (size_t)h * x->n_q + q, got, p->v_keep, m, want);
                }
            }
    }
    return SIM_OK;
}

int spt_read_mem(const uint8_t *data, size_t len, const char *name, spt_trace **out,
                 sim_err *err)
{
    *out = NULL;
    st_file f;
    int rc = st_parse(data, len, name, &f, err);
    if (rc) return rc;
    rd r = { name, err, &f, 0 };
    spt_trace *t = sim_xcalloc(1, sizeof *t);
    t->source = sim_xstrdup(name);
    cJSON *tj = NULL, *fj = NULL, *wj = NULL;
    const char *fmt = st_meta(&f, "format"), *ver = st_meta(&f, "version");
    const char *ck = st_meta(&f, "checksum");
    if (!fmt || strcmp(fmt, SPT_FORMAT)) { rc = rerr(&r, 8, "not a spatten trace (metadata 'format' is not \"%s\")", SPT_FORMAT); goto out; }
    if (!ver || strcmp(ver, SPT_VERSION)) { rc = rerr(&r, 8, "unsupported trace version '%.20s' (this reader: %s)", ver ? ver : "(none)", SPT_VERSION); goto out; }
    unsigned long long want = 0;
    if (!ck || strlen(ck) != 24 || strncmp(ck, "fnv1a64:", 8) != 0 ||
        strspn(ck + 8, "0123456789abcdef") != 16 || sscanf(ck + 8, "%16llx", &want) != 1) {
        rc = rerr(&r, 8, "metadata 'checksum' is missing or malformed");
        goto out;
    }
    {   /* FNV-1a 64 over the whole file, the checksum's own 16 digits read as '0' */
        long at = st_self_digits((const char *)data + 8, (size_t)f.data_off - 8, "checksum");
        if (at < 0) {
            rc = rerr(&r, 8, "metadata 'checksum' is not in the header exactly once");
            goto out;
        }
        size_t dpos = 8 + (size_t)at;
        uint64_t h = st_fnv1a(data, dpos, ST_FNV_INIT);
        h = st_fnv1a((const uint8_t *)"0000000000000000", 16, h);
        t->checksum = st_fnv1a(data + dpos + 16, len - dpos - 16, h);
    }
    if (t->checksum != want) {
        rc = rerr(&r, 0, "checksum %016llx does not match the header's %016llx (the file is "
                  "corrupt: header or data)", (unsigned long long)t->checksum, want);
        goto out;
    }
    const char *ts = st_meta(&f, "trace"), *fs = st_meta(&f, "formats"), *ws = st_meta(&f, "workload");
    /* strict JSON first (sim/cfg.h), then no key twice in any object (cJSON keeps both and
     * finds the first) */
    const char *mkey[3] = { "trace", "formats", "workload" }, *mtxt[3] = { ts, fs, ws };
    for (int i = 0; i < 3; i++) {
        sim_err je = {0};
        const cJSON *dup;
        if (mtxt[i] && cfg_json_check(mtxt[i], strlen(mtxt[i]), mkey[i], &je)) {
            rc = rerr(&r, 8, "metadata '%s' is not valid JSON: %s", mkey[i], je.msg + strlen(mkey[i]) + 2);
            goto out;
        }
        cJSON *o = mtxt[i] ? cJSON_Parse(mtxt[i]) : NULL;
        if (i == 0) tj = o; else if (i == 1) fj = o; else wj = o;
        if (o && (dup = cfg_json_dup(o, true, NULL, NULL, 0))) {
            rc = rerr(&r, 8, "metadata '%s' has the key '%.60s' twice", mkey[i], dup->string);
            goto out;
        }
    }
    if (!cJSON_IsObject(tj) || !cJSON_IsObject(fj) || !cJSON_IsObject(wj)) {
        rc = rerr(&r, 8, "metadata 'trace', 'formats' or 'workload' is missing or not a JSON object");
        goto out;
    }
    t->workload_json = sim_xstrdup(ws);
    char seed[32];
    if ((rc = jstr(&r, tj, "workload", t->workload, sizeof t->workload)) ||
        (rc = jstr(&r, tj, "model", t->model, sizeof t->model)) ||
        (rc = jname(&r, "workload", t->workload)) || (rc = jname(&r, "model", t->model)) ||
        (rc = ju32(&r, tj, "layers", 1, SPT_MAX_LAYERS, &t->layers)) ||
        (rc = ju32(&r, tj, "heads", 1, SPT_MAX_HEADS, &t->heads)) ||
        (rc = ju32(&r, tj, "d_head", 1, 1024, &t->d_head)) ||
        (rc = ju32(&r, tj, "n_prompt", 1, 4096, &t->n_prompt)) ||
        (rc = ju32(&r, tj, "n_gen", 0, 4096, &t->n_gen)) ||
        (rc = jbool(&r, tj, "causal", &t->causal)) ||
        (rc = jstr(&r, tj, "seed", seed, sizeof seed)) ||
        (rc = ju32(&r, tj, "n_pass", 1, 1u << 20, &t->n_pass)))
        goto out;
    {
        char *end;
        errno = 0;
        t->seed = strtoull(seed, &end, 10);
        if (!seed[0] || *end || errno || seed[0] == '-') {
            rc = rerr(&r, 8, "metadata field 'seed' = \"%s\" is not an unsigned 64-bit integer", seed);
            goto out;
        }
    }
    if ((uint64_t)t->n_pass * 10 + 1 > (uint64_t)f.n + 1) {
        rc = rerr(&r, 8, "n_pass %u needs at least %llu tensors; the file has %u", t->n_pass,
                  (unsigned long long)t->n_pass * 10, f.n);
        goto out;
    }
    if (t->n_prompt + t->n_gen > 4096) { rc = rerr(&r, 8, "n_prompt + n_gen exceeds 4096"); goto out; }
    if (t->n_pass != t->layers * (1 + t->n_gen)) {
        rc = rerr(&r, 8, "n_pass %u is not layers x (1 + n_gen) = %u", t->n_pass, t->layers * (1 + t->n_gen));
        goto out;
    }
    const cJSON *pj = cJSON_GetObjectItemCaseSensitive(tj, "policy");
    if (!cJSON_IsObject(pj)) { rc = rerr(&r, 8, "metadata field 'policy' is missing"); goto out; }
    spt_policy *pol = &t->policy;
    for (uint32_t l = 0; l < SPT_MAX_LAYERS; l++) pol->tok_keep[l] = pol->head_keep[l] = 1.0;
    if ((rc = jstr(&r, pj, "name", pol->name, sizeof pol->name)) ||
        (rc = jname(&r, "policy.name", pol->name)) ||
        (rc = jbool(&r, pj, "token_prune", &pol->token_prune)) ||
        (rc = jlist(&r, pj, "tok_keep", t->layers, pol->tok_keep)) ||
        (rc = jbool(&r, pj, "head_prune", &pol->head_prune)) ||
        (rc = jlist(&r, pj, "head_keep", t->layers, pol->head_keep)) ||
        (rc = jbool(&r, pj, "local_v", &pol->local_v)) ||
        (rc = jnum(&r, pj, "v_keep", 1e-9, 1, false, &pol->v_keep)) ||
        (rc = jbool(&r, pj, "progressive", &pol->progressive)) ||
        (rc = jnum(&r, pj, "pq_threshold", 0, 1, false, &pol->pq_threshold)) ||
        (rc = jbool(&r, pj, "static_mask", &pol->static_mask)) ||
        (rc = ju32(&r, pj, "mask_block", pol->static_mask ? 1 : 0, 4096, &pol->mask_block)) ||
        (rc = jbool(&r, pj, "static_heads", &pol->static_heads)))
        goto out;
    uint32_t bits, frac, lsb, pb, dd;
    if ((rc = ju32(&r, fj, "bits", 2, 16, &bits)) || (rc = ju32(&r, fj, "frac", 0, 15, &frac)) ||
        (rc = ju32(&r, fj, "k_lsb_bits", 0, 15, &lsb)) || (rc = ju32(&r, fj, "prob_bits", 1, 24, &pb)) ||
        (rc = ju32(&r, fj, "d", 1, 1024, &dd)))
        goto out;
    if (frac >= bits || lsb >= bits || dd != t->d_head) {
        rc = rerr(&r, 8, "number formats are inconsistent (frac %u, k_lsb_bits %u, bits %u, d %u, d_head %u)",
                  frac, lsb, bits, dd, t->d_head);
        goto out;
    }
    if (((uint64_t)dd << (2 * (bits - 1))) >= ((uint64_t)1 << 31)) {
        rc = rerr(&r, 8, "d %u with %u-bit Q/K could overflow the 32-bit score", dd, bits);
        goto out;
    }
    if (pol->progressive && lsb == 0) { rc = rerr(&r, 8, "progressive policy without K LSB bits"); goto out; }
    /* v_bits: absent in traces written before it existed (V then has the full width) */
    uint32_t vb = bits;
    if (cJSON_GetObjectItemCaseSensitive(fj, "v_bits") &&
        (rc = ju32(&r, fj, "v_bits", bits > frac ? bits - frac : 1, bits, &vb)))
        goto out;
    fxp_fmt_init(&t->fmt, bits, frac, lsb, pb, dd);
    fxp_fmt_set_v_bits(&t->fmt, vb);
    /* pass order */
    {
        uint32_t *ord = NULL;
        uint64_t s2[2] = { t->n_pass, 2 };
        if ((rc = take(&r, "passes", ST_U32, 2, s2, (void **)&ord))) goto out;
        t->pass = sim_xcalloc(t->n_pass, sizeof *t->pass);
        for (uint32_t i = 0; i < t->n_pass; i++) {
            if (ord[2 * i] != i / t->layers || ord[2 * i + 1] != i % t->layers) {
                rc = rerr(&r, st_find(&f, "passes")->file_off + 8ull * i,
                          "pass %u is (step %u, layer %u), expected (%u, %u)", i, ord[2 * i],
                          ord[2 * i + 1], i / t->layers, i % t->layers);
                free(ord);
                goto out;
            }
            t->pass[i].step = ord[2 * i];
            t->pass[i].layer = ord[2 * i + 1];
        }
        free(ord);
        for (uint32_t i = 0; i < t->n_pass; i++)
            if ((rc = read_pass(&r, t, &t->pass[i]))) goto out;
    }
    if (r.used != f.n) {
        rc = rerr(&r, 8, "%u tensors in the file are not part of a trace of this shape", f.n - r.used);
        goto out;
    }
    if ((rc = check_meaning(&r, t))) goto out;
out:
    cJSON_Delete(tj);
    cJSON_Delete(fj);
    cJSON_Delete(wj);
    st_release(&f);
    if (rc) {
        spt_free(t);
        return rc;
    }
    *out = t;
    return SIM_OK;
}

int spt_read(const char *path, spt_trace **out, sim_err *err)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = fio_read_all(path, &data, &len, err);
    if (rc) return rc;
    rc = spt_read_mem((const uint8_t *)data, len, path, out, err);
    free(data);
    return rc;
}

static bool eqa(const void *a, const void *b, size_t n)
{
    if (n == 0) return true;
    if (!a || !b) return a == b;
    return memcmp(a, b, n) == 0;
}

bool spt_equal(const spt_trace *a, const spt_trace *b)
{
    if (!a || !b) return a == b;
    if (strcmp(a->workload, b->workload) || strcmp(a->model, b->model) || a->layers != b->layers ||
        a->heads != b->heads || a->d_head != b->d_head || a->n_prompt != b->n_prompt ||
        a->n_gen != b->n_gen || a->causal != b->causal || a->seed != b->seed ||
        a->n_pass != b->n_pass)
        return false;
    const spt_policy *x = &a->policy, *y = &b->policy;
    if (strcmp(x->name, y->name) || x->token_prune != y->token_prune ||
        x->head_prune != y->head_prune || x->local_v != y->local_v || x->v_keep != y->v_keep ||
        x->progressive != y->progressive || x->pq_threshold != y->pq_threshold ||
        x->static_mask != y->static_mask || x->mask_block != y->mask_block ||
        x->static_heads != y->static_heads)
        return false;
    for (uint32_t l = 0; l < a->layers; l++)
        if (x->tok_keep[l] != y->tok_keep[l] || x->head_keep[l] != y->head_keep[l]) return false;
    if (a->fmt.bits != b->fmt.bits || a->fmt.frac != b->fmt.frac ||
        a->fmt.k_lsb_bits != b->fmt.k_lsb_bits || a->fmt.prob_bits != b->fmt.prob_bits ||
        a->fmt.v_bits != b->fmt.v_bits ||
        a->fmt.d != b->fmt.d)
        return false;
    const size_t d = a->d_head;
    for (uint32_t i = 0; i < a->n_pass; i++) {
        const spt_pass *p = &a->pass[i], *q = &b->pass[i];
        if (p->step != q->step || p->layer != q->layer || p->n_tok != q->n_tok ||
            p->n_q != q->n_q || p->n_head != q->n_head || p->n_new != q->n_new)
            return false;
        size_t hq = (size_t)p->n_head * p->n_q, hn = (size_t)p->n_head * p->n_new;
        if (!eqa(p->tok_idx, q->tok_idx, p->n_tok * 4u) || !eqa(p->q_pos, q->q_pos, p->n_q * 4u) ||
            !eqa(p->new_pos, q->new_pos, p->n_new * 4u) ||
            !eqa(p->head_idx, q->head_idx, p->n_head * 4u) || !eqa(p->q, q->q, hq * d * 2) ||
            !eqa(p->k_new, q->k_new, hn * d * 2) || !eqa(p->v_new, q->v_new, hn * d * 2) ||
            !eqa(p->out, q->out, hq * d * 4) || !eqa(p->tok_imp, q->tok_imp, p->n_tok * 8u) ||
            !eqa(p->head_imp, q->head_imp, p->n_head * 8u))
            return false;
        if (a->policy.progressive && !eqa(p->lsb_refetch, q->lsb_refetch, hq)) return false;
        if (a->policy.local_v && !eqa(p->v_cnt, q->v_cnt, hq * 4)) return false;
        if (a->policy.static_mask &&
            !eqa(p->blk_mask, q->blk_mask, (size_t)mask_rows(a, p) * mask_cols(a, p)))
            return false;
    }
    return true;
}

bool spt_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SPT_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        const char c = s[i];
        const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '+' && c != '-'))) return false;
    }
    return true;
}
