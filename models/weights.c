/* weights.c - transformer weights in memory; loading Hugging Face BERT/GPT-2 safetensors files
 * (tensor names and layouts: docs/model.md "Real weights"). */
#include "models/weights.h"
#include "base/fileio.h"
#include "models/kern.h"
#include "trace/st.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

float *wt_blob(wt_model *m, size_t n)
{
    m->blobs = sim_xrealloc(m->blobs, ((size_t)m->n_blobs + 1) * sizeof *m->blobs);
    float *b = sim_xcalloc(n + 1, sizeof *b);
    m->blobs[m->n_blobs++] = b;
    return b;
}

void wt_free(wt_model *m)
{
    if (!m) return;
    for (uint32_t i = 0; i < m->n_blobs; i++) free(m->blobs[i]);
    free(m->blobs);
    free(m->L);
    free(m);
}

typedef struct ld {
    const st_file *f;
    const char *path, *prefix;
    sim_err *err;
    wt_model *m;
} ld;

static float half_to_float(uint16_t h, bool bf16)
{
    uint32_t bits;
    if (bf16) {
        bits = (uint32_t)h << 16;
    } else {
        uint32_t s = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 31, mant = h & 1023;
        if (e == 0) {
            if (mant == 0) bits = s;
            else {   /* subnormal: normalise */
                e = 1;
                while (!(mant & 1024)) { mant <<= 1; e--; }
                mant &= 1023;
                bits = s | ((e + 112) << 23) | (mant << 13);
            }
        } else if (e == 31) {
            bits = s | 0x7f800000u | (mant << 13);
        } else {
            bits = s | ((e + 112) << 23) | (mant << 13);
        }
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Fetch tensor prefix+name with shape [r] or [r, c] as float; transpose a 2-D one if asked.
 * Returns NULL (and fills err) when missing or mis-shaped. */
static float *get(ld *L, const char *name, uint64_t r, uint64_t c, bool transpose, bool optional)
{
    char full[256];
    snprintf(full, sizeof full, "%s%s", L->prefix, name);
    const st_tensor *t = st_find(L->f, full);
    if (!t) {
        if (!optional)
            sim_errf(L->err, SIM_ETRACE, "%s: tensor '%s' is missing at byte 8", L->path, full);
        return NULL;
    }
    bool ok = c ? (t->ndim == 2 && t->shape[0] == r && t->shape[1] == c)
                : (t->ndim == 1 && t->shape[0] == r);
    if (!ok) {
        sim_errf(L->err, SIM_ETRACE, "%s: tensor '%s' has shape [%llu%s%llu], expected [%llu%s%llu] at byte %llu",
                 L->path, full, (unsigned long long)t->shape[0], t->ndim > 1 ? ", " : "",
                 t->ndim > 1 ? (unsigned long long)t->shape[1] : 0ull, (unsigned long long)r,
                 c ? ", " : "", (unsigned long long)c, (unsigned long long)t->file_off);
        return NULL;
    }
    if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16 && t->dtype != ST_F64) {
        sim_errf(L->err, SIM_ETRACE, "%s: tensor '%s' has dtype %s; F32, F16, BF16 or F64 expected at byte %llu",
                 L->path, full, ST_DTYPE_NAMES[t->dtype], (unsigned long long)t->file_off);
        return NULL;
    }
    const uint64_t n = t->numel, cols = c ? c : 1;
    float *out = wt_blob(L->m, (size_t)n);
    for (uint64_t i = 0; i < n; i++) {
        float v;
        const uint8_t *p = t->data + i * st_dtype_size(t->dtype);
        if (t->dtype == ST_F32) memcpy(&v, p, 4);
        else if (t->dtype == ST_F64) { double d; memcpy(&d, p, 8); v = (float)d; }
        else { uint16_t h; memcpy(&h, p, 2); v = half_to_float(h, t->dtype == ST_BF16); }
        if (!isfinite(v)) {   /* NaN would become 0 and Inf saturate in fixed point */
            char at_[64] = "";
            if (c) snprintf(at_, sizeof at_, " (row %llu, column %llu)",
                            (unsigned long long)(i / cols), (unsigned long long)(i % cols));
            sim_errf(L->err, SIM_ETRACE, "%s: tensor '%s' element %llu%s is %s at byte %llu",
                     L->path, full, (unsigned long long)i, at_,
                     isnan(v) ? "NaN" : "infinite (or beyond the float range)",
                     (unsigned long long)(t->file_off + i * st_dtype_size(t->dtype)));
            return NULL;
        }
        uint64_t dst = transpose ? (i % cols) * r + i / cols : i;
        out[dst] = v;
    }
    return out;
}

/* get() without the model prefix (heads live beside "bert." / "transformer."). */
static float *get_top(ld *L, const char *name, uint64_t r, uint64_t c, bool transpose, bool optional)
{
    const char *pre = L->prefix;
    L->prefix = "";
    float *v = get(L, name, r, c, transpose, optional);
    L->prefix = pre;
    return v;
}

static bool has_top(const ld *L, const char *name) { return st_find(L->f, name) != NULL; }

/* Output heads; each optional as a whole, but a head that is partly present or mis-shaped is an
 * error. Returns false with err filled on error. */
static bool load_heads(ld *L, float *we, uint64_t vocab)
{
    wt_model *m = L->m;
    wt_heads *hd = &m->hd;
    const uint32_t D = m->d_model;
    char nm[160];
    if (m->gpt2) {
        snprintf(nm, sizeof nm, "%sln_f.weight", L->prefix);
        if (!has_top(L, nm)) return true;
        if (!(hd->lnf_g = get(L, "ln_f.weight", D, 0, false, false))) return false;
        if (!(hd->lnf_b = get(L, "ln_f.bias", D, 0, false, false))) return false;
        hd->lm_w = we;
        if (has_top(L, "lm_head.weight") && !(hd->lm_w = get_top(L, "lm_head.weight", vocab, D, false, false)))
            return false;
        return true;
    }
    if (has_top(L, "cls.predictions.transform.dense.weight")) {
        if (!(hd->mlm_w = get_top(L, "cls.predictions.transform.dense.weight", D, D, true, false))) return false;
        if (!(hd->mlm_b = get_top(L, "cls.predictions.transform.dense.bias", D, 0, false, false))) return false;
        if (!(hd->mlm_ln_g = get_top(L, "cls.predictions.transform.LayerNorm.weight", D, 0, false, false))) return false;
        if (!(hd->mlm_ln_b = get_top(L, "cls.predictions.transform.LayerNorm.bias", D, 0, false, false))) return false;
        hd->mlm_dec = we;
        if (has_top(L, "cls.predictions.decoder.weight") &&
            !(hd->mlm_dec = get_top(L, "cls.predictions.decoder.weight", vocab, D, false, false)))
            return false;
        const char *bn = has_top(L, "cls.predictions.bias") ? "cls.predictions.bias" : "cls.predictions.decoder.bias";
        if (!(hd->mlm_bias = get_top(L, bn, vocab, 0, false, false))) return false;
    }
    if (has_top(L, "classifier.weight")) {
        const st_tensor *t = st_find(L->f, "classifier.weight");
        const uint64_t nl = t->ndim == 2 ? t->shape[0] : 0;
        if (nl < 1 || nl > 4096) {
            sim_errf(L->err, SIM_ETRACE, "%s: tensor 'classifier.weight' must be [labels, %u] at byte %llu",
                     L->path, D, (unsigned long long)t->file_off);
            return false;
        }
        hd->n_labels = (uint32_t)nl;
        if (!(hd->cls_w = get_top(L, "classifier.weight", nl, D, true, false))) return false;
        if (!(hd->cls_b = get_top(L, "classifier.bias", nl, 0, false, false))) return false;
        if (!(hd->pool_w = get(L, "pooler.dense.weight", D, D, true, false))) return false;
        if (!(hd->pool_b = get(L, "pooler.dense.bias", D, 0, false, false))) return false;
    }
    return true;
}

void wt_embed(const wt_model *m, const uint32_t *ids, uint32_t n, double *x)
{
    const uint32_t D = m->d_model;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < D; k++)
            x[(size_t)i * D + k] = (double)m->emb_w[(size_t)ids[i] * D + k] + (double)m->emb_p[(size_t)i * D + k];
    if (!m->gpt2) {
        if (m->emb_t0)
            for (uint32_t i = 0; i < n; i++)
                for (uint32_t k = 0; k < D; k++) x[(size_t)i * D + k] += (double)m->emb_t0[k];
        kern_layernorm(x, n, D, m->emb_ln_g, m->emb_ln_b, m->ln_eps);
    }
}

static float *cols_of(ld *L, const float *w, uint32_t rows, uint32_t ncols, uint32_t c0, uint32_t m)
{
    float *o = wt_blob(L->m, (size_t)rows * m);
    for (uint32_t i = 0; i < rows; i++)
        memcpy(o + (size_t)i * m, w + (size_t)i * ncols + c0, m * sizeof *o);
    return o;
}

static int read_tokens(const wl_cfg *w, uint32_t **ids, size_t **offs, sim_err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = fio_read_capped(w->tokens, FIO_CAP_TOKENS, "token file", &text, &len, err);
    if (rc) return rc;
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        rc = sim_errf(err, SIM_ETRACE, "%s: a NUL byte (not a text file of token ids) at byte %zu",
                      w->tokens, (size_t)(nul - text));
        free(text);
        return rc;
    }
    const uint32_t need = w->n_prompt + w->n_gen;
    uint32_t *v = sim_xmalloc(((size_t)need + 1) * sizeof *v), n = 0;
    size_t *at = sim_xmalloc(((size_t)need + 1) * sizeof *at);
    const char *p = text;
    while (*p) {
        while (isspace((unsigned char)*p)) p++;
        if (!*p) break;
        if (!isdigit((unsigned char)*p)) {
            free(v);
            free(at);
            rc = sim_errf(err, SIM_ETRACE, "%s: token %u is not a non-negative integer at byte %zu",
                          w->tokens, n, (size_t)(p - text));
            free(text);
            return rc;
        }
        char *end;
        errno = 0;
        unsigned long long x = strtoull(p, &end, 10);
        if (errno || x > 0xffffffffull || n >= need) {
            free(v);
            free(at);
            rc = n >= need ? sim_errf(err, SIM_ETRACE, "%s: more than n_prompt + n_gen = %u token ids at byte %zu",
                                      w->tokens, need, (size_t)(p - text))
                           : sim_errf(err, SIM_ETRACE, "%s: token %u is too large at byte %zu",
                                      w->tokens, n, (size_t)(p - text));
            free(text);
            return rc;
        }
        at[n] = (size_t)(p - text);
        v[n++] = (uint32_t)x;
        p = end;
    }
    if (n != need) {
        free(v);
        free(at);
        rc = sim_errf(err, SIM_ETRACE, "%s: %u token ids; the workload needs n_prompt + n_gen = %u at byte %zu",
                      w->tokens, n, need, len);
        free(text);
        return rc;
    }
    free(text);
    *ids = v;
    *offs = at;
    return SIM_OK;
}

#define NEED(x) do { if (!(x)) goto fail; } while (0)

int wt_load(const wl_cfg *w, wt_model **out, double **x0, sim_err *err)
{
    *out = NULL;
    *x0 = NULL;
    uint32_t *ids = NULL;
    size_t *ids_at = NULL;
    int rc = read_tokens(w, &ids, &ids_at, err);
    if (rc) return rc;
    char *buf = NULL;
    size_t len = 0;
    rc = fio_read_all(w->weights, &buf, &len, err);
    if (rc) { free(ids); free(ids_at); return rc; }
    st_file f;
    rc = st_parse((const uint8_t *)buf, len, w->weights, &f, err);
    if (rc) { free(buf); free(ids); free(ids_at); return rc; }
    const uint32_t D = w->d_model, F = w->d_ff, n = w->n_prompt + w->n_gen;
    const bool gpt2 = w->arch == WL_ARCH_GPT2;
    wt_model *m = sim_xcalloc(1, sizeof *m);
    m->layers = w->layers;
    m->heads = w->heads;
    m->d_model = D;
    m->d_ff = F;
    m->gpt2 = gpt2;
    m->ln_eps = gpt2 ? 1e-5 : 1e-12;
    m->L = sim_xcalloc(w->layers, sizeof *m->L);
    ld L = { &f, w->weights, "", err, m };
    double *x = NULL;
    char nm[160];
    const char *emb = gpt2 ? "wte.weight" : "embeddings.word_embeddings.weight";
    const char *pre[2] = { gpt2 ? "transformer." : "bert.", "" };
    for (int i = 0; i < 2; i++) {
        snprintf(nm, sizeof nm, "%s%s", pre[i], emb);
        if (st_find(&f, nm)) { L.prefix = pre[i]; break; }
        if (i == 1) {
            rc = sim_errf(err, SIM_ETRACE, "%s: no tensor '%s%s' or '%s': not a %s checkpoint at byte 8",
                          w->weights, pre[0], emb, emb, gpt2 ? "GPT-2" : "BERT");
            goto fail_rc;
        }
    }
    snprintf(nm, sizeof nm, "%s%s", L.prefix, emb);
    const uint64_t vocab = st_find(&f, nm)->shape[0];
    if (st_find(&f, nm)->ndim != 2 || st_find(&f, nm)->shape[1] != D) {
        rc = sim_errf(err, SIM_ETRACE, "%s: tensor '%s' width is not d_model = %u at byte %llu", w->weights, nm,
                      D, (unsigned long long)st_find(&f, nm)->file_off);
        goto fail_rc;
    }
    for (uint32_t i = 0; i < n; i++)
        if (ids[i] >= vocab) {
            rc = sim_errf(err, SIM_ETRACE, "%s: token id %u at index %u is outside the vocabulary (%llu) at byte %zu",
                          w->tokens, ids[i], i, (unsigned long long)vocab, ids_at[i]);
            goto fail_rc;
        }
    float *we = get(&L, emb, vocab, D, false, false);
    NEED(we);
    const char *pos = gpt2 ? "wpe.weight" : "embeddings.position_embeddings.weight";
    snprintf(nm, sizeof nm, "%s%s", L.prefix, pos);
    const st_tensor *pt = st_find(&f, nm);
    if (!pt || pt->ndim != 2 || pt->shape[0] < n) {
        rc = sim_errf(err, SIM_ETRACE, "%s: tensor '%s' is missing or has fewer than n_prompt + n_gen = %u positions at byte 8",
                      w->weights, nm, n);
        goto fail_rc;
    }
    float *pe = get(&L, pos, pt->shape[0], D, false, false);
    NEED(pe);
    m->vocab = (uint32_t)vocab;
    m->n_pos = (uint32_t)pt->shape[0];
    m->emb_w = we;
    m->emb_p = pe;
    if (!gpt2) {
        snprintf(nm, sizeof nm, "%sembeddings.token_type_embeddings.weight", L.prefix);
        const st_tensor *tt = st_find(&f, nm);
        if (tt && tt->ndim == 2 && tt->shape[0] >= 1) {
            float *te = get(&L, "embeddings.token_type_embeddings.weight", tt->shape[0], D, false, false);
            NEED(te);
            m->emb_t0 = te;
        }
        const float *g = get(&L, "embeddings.LayerNorm.weight", D, 0, false, true);
        const float *b = get(&L, "embeddings.LayerNorm.bias", D, 0, false, true);
        if (!g) { g = get(&L, "embeddings.LayerNorm.gamma", D, 0, false, false); NEED(g); }
        if (!b) { b = get(&L, "embeddings.LayerNorm.beta", D, 0, false, false); NEED(b); }
        m->emb_ln_g = g;
        m->emb_ln_b = b;
    }
    x = sim_xcalloc((size_t)n * D + 1, sizeof *x);
    wt_embed(m, ids, n, x);
    for (uint32_t l = 0; l < w->layers; l++) {
        wt_layer *Y = &m->L[l];
        char a[200];
#define T(fmt_, ...) (snprintf(a, sizeof a, fmt_, __VA_ARGS__), a)
        if (gpt2) {
            float *ca = get(&L, T("h.%u.attn.c_attn.weight", l), D, 3 * (uint64_t)D, false, false);
            NEED(ca);
            float *cb = get(&L, T("h.%u.attn.c_attn.bias", l), 3 * (uint64_t)D, 0, false, false);
            NEED(cb);
            Y->wq = cols_of(&L, ca, D, 3 * D, 0, D);
            Y->wk = cols_of(&L, ca, D, 3 * D, D, D);
            Y->wv = cols_of(&L, ca, D, 3 * D, 2 * D, D);
            Y->bq = cb;
            Y->bk = cb + D;
            Y->bv = cb + 2 * D;
            NEED(Y->wo = get(&L, T("h.%u.attn.c_proj.weight", l), D, D, false, false));
            NEED(Y->bo = get(&L, T("h.%u.attn.c_proj.bias", l), D, 0, false, false));
            NEED(Y->ln1_g = get(&L, T("h.%u.ln_1.weight", l), D, 0, false, false));
            NEED(Y->ln1_b = get(&L, T("h.%u.ln_1.bias", l), D, 0, false, false));
            NEED(Y->ln2_g = get(&L, T("h.%u.ln_2.weight", l), D, 0, false, false));
            NEED(Y->ln2_b = get(&L, T("h.%u.ln_2.bias", l), D, 0, false, false));
            NEED(Y->w1 = get(&L, T("h.%u.mlp.c_fc.weight", l), D, F, false, false));
            NEED(Y->b1 = get(&L, T("h.%u.mlp.c_fc.bias", l), F, 0, false, false));
            NEED(Y->w2 = get(&L, T("h.%u.mlp.c_proj.weight", l), F, D, false, false));
            NEED(Y->b2 = get(&L, T("h.%u.mlp.c_proj.bias", l), D, 0, false, false));
        } else {
            const char *e = "encoder.layer";
            NEED(Y->wq = get(&L, T("%s.%u.attention.self.query.weight", e, l), D, D, true, false));
            NEED(Y->bq = get(&L, T("%s.%u.attention.self.query.bias", e, l), D, 0, false, false));
            NEED(Y->wk = get(&L, T("%s.%u.attention.self.key.weight", e, l), D, D, true, false));
            NEED(Y->bk = get(&L, T("%s.%u.attention.self.key.bias", e, l), D, 0, false, false));
            NEED(Y->wv = get(&L, T("%s.%u.attention.self.value.weight", e, l), D, D, true, false));
            NEED(Y->bv = get(&L, T("%s.%u.attention.self.value.bias", e, l), D, 0, false, false));
            NEED(Y->wo = get(&L, T("%s.%u.attention.output.dense.weight", e, l), D, D, true, false));
            NEED(Y->bo = get(&L, T("%s.%u.attention.output.dense.bias", e, l), D, 0, false, false));
            NEED(Y->ln1_g = get(&L, T("%s.%u.attention.output.LayerNorm.weight", e, l), D, 0, false, false));
            NEED(Y->ln1_b = get(&L, T("%s.%u.attention.output.LayerNorm.bias", e, l), D, 0, false, false));
            NEED(Y->w1 = get(&L, T("%s.%u.intermediate.dense.weight", e, l), F, D, true, false));
            NEED(Y->b1 = get(&L, T("%s.%u.intermediate.dense.bias", e, l), F, 0, false, false));
            NEED(Y->w2 = get(&L, T("%s.%u.output.dense.weight", e, l), D, F, true, false));
            NEED(Y->b2 = get(&L, T("%s.%u.output.dense.bias", e, l), D, 0, false, false));
            NEED(Y->ln2_g = get(&L, T("%s.%u.output.LayerNorm.weight", e, l), D, 0, false, false));
            NEED(Y->ln2_b = get(&L, T("%s.%u.output.LayerNorm.bias", e, l), D, 0, false, false));
        }
#undef T
    }
    NEED(load_heads(&L, we, vocab));
    st_release(&f);
    free(buf);
    free(ids);
    free(ids_at);
    *out = m;
    *x0 = x;
    return SIM_OK;
fail:
    rc = err ? (int)err->code : SIM_ETRACE;
fail_rc:
    st_release(&f);
    free(buf);
    free(ids);
    free(ids_at);
    free(x);
    wt_free(m);
    return rc;
}
