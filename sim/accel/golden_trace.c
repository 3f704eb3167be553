/*
 * golden_trace.c - the trace input (golden.h): the host image of DRAM (K/V caches by layer,
 * head and position, and the K MSB plane), the datapath's values computed with trace/fxp.h
 * as rows finish each block, the cascade pruning decisions (trace/pol.h) and every golden
 * check against the trace. Model and rules: docs/arch/controller.md, docs/model.md.
 */
#include "accel/golden.h"
#include "trace/fxp.h"
#include "trace/pol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gtrace {
    golden    base;
    const spt_trace *tr;
    bool      progressive, causal;
    uint32_t  d, heads, max_pos;
    /* host image of DRAM contents: [layers][heads][max_pos][d] */
    int16_t  *kimg, *kmsb, *vimg;
    uint64_t *tok_imp;               /* [max_pos] cumulative token importance */
    uint64_t *head_imp;              /* [heads] cumulative head importance */
    /* cascade pruning: alive sets before this pass's pruning, and the last pass's kept sets */
    uint32_t  tok_alive_n, head_alive_n, cur_tok_n, cur_head_n;
    uint32_t *tok_alive, *head_alive, *cur_tok_alive, *cur_head_alive;
    uint32_t *cand, *keep;           /* token candidates (indices into tok_alive); kept set */
    /* prob.V scratch */
    uint32_t *pv_p, *pv_pos;
    acc_pass *pp;
    uint32_t  n_pp;
} gtrace;

static size_t img_off(const gtrace *t, uint32_t layer, uint32_t head, uint32_t pos)
{
    return (((size_t)layer * t->heads + head) * t->max_pos + pos) * t->d;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* ---- pass boundaries and cascade pruning ---- */

/* The K/V append of a generation step lands in the image (and the K MSB plane). */
static void t_pass_begin(golden *g, const acc_pass *p)
{
    gtrace *t = (gtrace *)g;
    const spt_pass *sp = p->sp;
    for (uint32_t h = 0; h < sp->n_head; h++)
        for (uint32_t i = 0; i < sp->n_new; i++) {
            size_t o = img_off(t, p->layer, sp->head_idx[h], sp->new_pos[i]);
            const int16_t *k = sp->k_new + ((size_t)h * sp->n_new + i) * t->d;
            const int16_t *v = sp->v_new + ((size_t)h * sp->n_new + i) * t->d;
            memcpy(t->kimg + o, k, t->d * sizeof(int16_t));
            memcpy(t->vimg + o, v, t->d * sizeof(int16_t));
            if (t->progressive)
                for (uint32_t e = 0; e < t->d; e++) t->kmsb[o + e] = fxp_k_msb_only(k[e], &t->tr->fmt);
            else
                memcpy(t->kmsb + o, k, t->d * sizeof(int16_t));
        }
}

/* Token and head sets alive before the pruning of pass p (docs/arch/controller.md,
 * "Cascade pruning"). */
static void alive_before(gtrace *t, const acc_pass *p)
{
    if (p->layer == 0 && p->step == 0) {
        t->tok_alive_n = t->tr->n_prompt;
        for (uint32_t j = 0; j < t->tok_alive_n; j++) t->tok_alive[j] = j;
        t->head_alive_n = t->heads;
        for (uint32_t h = 0; h < t->heads; h++) t->head_alive[h] = h;
        return;
    }
    memcpy(t->tok_alive, t->cur_tok_alive, t->cur_tok_n * sizeof(uint32_t));
    t->tok_alive_n = t->cur_tok_n;
    if (p->layer == 0) {         /* a new generation step: the new token joins */
        for (uint32_t i = 0; i < p->n_new; i++) t->tok_alive[t->tok_alive_n++] = p->new_pos[i];
        qsort(t->tok_alive, t->tok_alive_n, sizeof(uint32_t), cmp_u32);
    }
    /* heads carry over from the previous pass (in generation: the previous step's last layer) */
    memcpy(t->head_alive, t->cur_head_alive, t->cur_head_n * sizeof(uint32_t));
    t->head_alive_n = t->cur_head_n;
}

static uint32_t new_token(const acc_pass *p)
{
    return (p->step > 0 && p->n_new) ? p->new_pos[0] : POL_NO_NEW;
}

enum { STEP_TOK = 0, STEP_HEAD = 1 };
static const char *const PRUNE_NAMES[2] = { "token top-k", "head top-k" };

static bool t_prune_job(golden *g, const acc_pass *p, uint32_t step, uint64_t *vals,
                        uint32_t *n, uint32_t *k)
{
    gtrace *t = (gtrace *)g;
    const spt_policy *pol = &t->tr->policy;
    if (step == STEP_TOK) {
        alive_before(t, p);
        uint32_t seq = p->step == 0 ? t->tr->n_prompt : t->tr->n_prompt + p->step;
        uint32_t keep = pol_tok_keep(pol, p->layer, seq, t->tok_alive_n);
        if (keep >= t->tok_alive_n) return false;
        *n = pol_tok_candidates(t->tok_alive, t->tok_alive_n, new_token(p), keep, t->cand, k);
        for (uint32_t i = 0; i < *n; i++) vals[i] = t->tok_imp[t->tok_alive[t->cand[i]]];
        return true;
    }
    if (pol->static_heads) return false;
    uint32_t keep = pol_head_keep(pol, p->layer, t->heads, t->head_alive_n);
    if (keep >= t->head_alive_n) return false;
    for (uint32_t i = 0; i < t->head_alive_n; i++) vals[i] = t->head_imp[t->head_alive[i]];
    *n = t->head_alive_n;
    *k = keep;
    return true;
}

static void set_desc(char *buf, size_t cap, const uint32_t *x, uint32_t n)
{
    size_t len = (size_t)snprintf(buf, cap, "%u {", n);
    for (uint32_t i = 0; i < n && i < 6 && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%u", i ? "," : "", x[i]);
    if (len < cap) snprintf(buf + len, cap - len, "%s}", n > 6 ? ",..." : "");
}

/* The kept set of a prune step against the trace's. */
static void t_prune_done(golden *g, const acc_pass *p, uint32_t step, const uint32_t *idx,
                         uint32_t c)
{
    gtrace *t = (gtrace *)g;
    if (step == STEP_HEAD && t->tr->policy.static_heads) return;
    const uint32_t *alive = step == STEP_TOK ? t->tok_alive : t->head_alive;
    uint32_t n_alive = step == STEP_TOK ? t->tok_alive_n : t->head_alive_n;
    uint32_t *keep = t->keep, n = 0;
    if (!idx) {
        memcpy(keep, alive, n_alive * sizeof(uint32_t));
        n = n_alive;
    } else if (step == STEP_HEAD) {
        for (uint32_t i = 0; i < c; i++) keep[n++] = alive[idx[i]];
    } else {
        uint32_t newp = new_token(p);
        for (uint32_t i = 0; i < c; i++) keep[n++] = alive[t->cand[idx[i]]];
        if (newp != POL_NO_NEW)
            for (uint32_t i = 0; i < n_alive; i++)
                if (alive[i] == newp) keep[n++] = newp;
        qsort(keep, n, sizeof(uint32_t), cmp_u32);
    }
    const uint32_t *gold = step == STEP_TOK ? p->sp->tok_idx : p->sp->head_idx;
    uint32_t gn = step == STEP_TOK ? p->sp->n_tok : p->sp->n_head;
    if (n == gn && (n == 0 || memcmp(keep, gold, n * sizeof(uint32_t)) == 0)) return;
    char x[96], y[96];
    set_desc(x, sizeof x, keep, n);
    set_desc(y, sizeof y, gold, gn);
    acc_failf(g->fail, SIM_EMISMATCH, "golden mismatch at step %u layer %u: kept %s %s, trace "
              "says %s", p->step, p->layer, step == STEP_TOK ? "tokens" : "heads", x, y);
}

/* The accumulated importance of the pass's alive tokens or heads against the trace's. */
static bool check_imp(golden *g, const acc_pass *p, const char *what, const uint64_t *got,
                      const uint32_t *idx, uint32_t n, const uint64_t *gold)
{
    for (uint32_t j = 0; gold && j < n; j++)
        if (got[idx[j]] != gold[j]) {
            acc_failf(g->fail, SIM_EMISMATCH, "golden mismatch at step %u layer %u: importance "
                      "of %s %u = %" PRIu64 ", trace says %" PRIu64, p->step, p->layer, what,
                      idx[j], got[idx[j]], gold[j]);
            return false;
        }
    return true;
}

static bool t_pass_end(golden *g, const acc_pass *p)
{
    gtrace *t = (gtrace *)g;
    const spt_pass *sp = p->sp;
    if (!check_imp(g, p, "token", t->tok_imp, sp->tok_idx, sp->n_tok, sp->tok_imp) ||
        !check_imp(g, p, "head", t->head_imp, sp->head_idx, sp->n_head, sp->head_imp))
        return false;
    memcpy(t->cur_tok_alive, sp->tok_idx, sp->n_tok * sizeof(uint32_t));
    t->cur_tok_n = sp->n_tok;
    memcpy(t->cur_head_alive, sp->head_idx, sp->n_head * sizeof(uint32_t));
    t->cur_head_n = sp->n_head;
    return true;
}

/* ---- rows ---- */

/* The keys a row attends: the pass's alive tokens, less those after the query (causal) and
 * those under a masked block of the static mask (Attention Pruning). */
static void t_row_keys(golden *g, const acc_pass *p, arow *r)
{
    gtrace *t = (gtrace *)g;
    const spt_pass *sp = p->sp;
    uint32_t qpos = sp->q_pos[r->qi];
    uint32_t B = t->tr->policy.mask_block;
    uint32_t ncb = (sp->blk_mask && B) ? (sp->n_tok + B - 1) / B : 0;
    const uint8_t *mrow = (sp->blk_mask && B) ? sp->blk_mask + (size_t)(r->qi / B) * ncb : NULL;
    uint32_t n = 0;
    uint64_t masked = 0;
    for (uint32_t j = 0; j < sp->n_tok; j++) {
        if (t->causal && sp->tok_idx[j] > qpos) continue;
        if (mrow && mrow[j / B]) { masked++; continue; }
        r->att[n++] = j;
    }
    g->ctr->masked_blocks += masked;   /* (row, key) pairs skipped by the mask */
    r->n_att = n;
}

static uint32_t t_row_qpos(golden *g, const acc_pass *p, const arow *r)
{
    (void)g;
    return p->sp->q_pos[r->qi];
}

static uint32_t t_v_keep(golden *g, const acc_pass *p, const arow *r)
{
    (void)p;
    return pol_v_keep(&((gtrace *)g)->tr->policy, r->n_att);
}

static void t_v_scores(golden *g, const arow *r, uint64_t *vals)
{
    (void)g;
    for (uint32_t i = 0; i < r->n_att; i++) vals[i] = r->p[i];
}

/* Q.K's last beat: the row's scores, one fxp_dot per attended key. */
static void t_qk_done(golden *g, const acc_pass *p, arow *r)
{
    gtrace *t = (gtrace *)g;
    const int16_t *q = p->sp->q + ((size_t)r->hs * p->n_q + r->qi) * t->d;
    const int16_t *img = (t->progressive && !r->lsb_pass) ? t->kmsb : t->kimg;
    uint32_t head = p->head_idx[r->hs];
    for (uint32_t i = 0; i < r->n_att; i++)
        r->s[i] = fxp_dot(q, img + img_off(t, p->layer, head, acc_pass_tok(p, r->att[i])), t->d);
}

static void t_sm_start(golden *g, const acc_pass *p, arow *r)
{
    gtrace *t = (gtrace *)g;
    (void)p;
    r->pmax = r->n_att ? fxp_softmax(r->s, NULL, r->n_att, &t->tr->fmt, r->p) : 0;
    r->need_lsb = (uint8_t)(!r->lsb_pass && pol_needs_lsb(&t->tr->policy, &t->tr->fmt, r->pmax));
}

static void t_pv_done(golden *g, const acc_pass *p, arow *r)
{
    gtrace *t = (gtrace *)g;
    uint32_t head = p->head_idx[r->hs];
    /* probabilities scattered to the keys' positions, V rows used in place (fxp_pv with a
     * selection list over the head's image block) */
    for (uint32_t i = 0, u = 0; i < r->n_sel; i++) {
        uint32_t j = r->sel[i];
        while (r->att[u] < j) u++;          /* sel and att are both ascending */
        uint32_t ps = acc_pass_tok(p, j);
        t->pv_p[ps] = r->p[u];
        t->pv_pos[i] = ps;
    }
    fxp_pv(t->pv_p, t->vimg + img_off(t, p->layer, head, 0), t->pv_pos, r->n_sel, t->max_pos,
           &t->tr->fmt, r->out);
}

static void t_imp_start(golden *g, const acc_pass *p, arow *r)
{
    gtrace *t = (gtrace *)g;
    for (uint32_t i = 0; i < r->n_att; i++) t->tok_imp[acc_pass_tok(p, r->att[i])] += r->p[i];
    uint64_t s = 0;
    for (uint32_t i = 0; i < t->d; i++) s += (uint64_t)(r->out[i] < 0 ? -(int64_t)r->out[i] : r->out[i]);
    t->head_imp[p->head_idx[r->hs]] += s;
}

/* A retired row against the trace: LSB decision, V rows kept, output. */
static void t_row_done(golden *g, const acc_pass *p, const arow *r)
{
    gtrace *t = (gtrace *)g;
    const spt_pass *sp = p->sp;
    size_t ri = (size_t)r->hs * sp->n_q + r->qi;
    uint32_t head = p->head_idx[r->hs];
    if (sp->lsb_refetch && t->progressive && sp->lsb_refetch[ri] != r->lsb_pass) {
        acc_failf(g->fail, SIM_EMISMATCH, "golden mismatch at step %u layer %u head %u row %u: "
                  "LSB re-fetch %s, trace says %s", p->step, p->layer, head, r->qi,
                  r->lsb_pass ? "yes" : "no", sp->lsb_refetch[ri] ? "yes" : "no");
        return;
    }
    if (sp->v_cnt && sp->v_cnt[ri] != r->n_sel) {
        acc_failf(g->fail, SIM_EMISMATCH, "golden mismatch at step %u layer %u head %u row %u: "
                  "%u V rows kept, trace says %u", p->step, p->layer, head, r->qi, r->n_sel,
                  sp->v_cnt[ri]);
        return;
    }
    const int32_t *gold = sp->out + ri * t->d;
    for (uint32_t i = 0; i < t->d; i++)
        if (gold[i] != r->out[i]) {
            acc_failf(g->fail, SIM_EMISMATCH, "golden mismatch at step %u layer %u head %u row "
                      "%u: out[%u] = %d, trace says %d", p->step, p->layer, head, r->qi, i,
                      r->out[i], gold[i]);
            return;
        }
    g->ctr->golden_rows++;
}

static void t_destroy(golden *g)
{
    gtrace *t = (gtrace *)g;
    free(t->kimg); free(t->kmsb); free(t->vimg); free(t->tok_imp); free(t->head_imp);
    free(t->tok_alive); free(t->head_alive); free(t->cur_tok_alive); free(t->cur_head_alive);
    free(t->cand); free(t->keep); free(t->pv_p); free(t->pv_pos);
    free(t->pp);
    free(t);
}

static const golden_ops TRACE_OPS = {
    .n_prune = 2, .prune_name = PRUNE_NAMES, .destroy = t_destroy,
    .pass_begin = t_pass_begin, .prune_job = t_prune_job, .prune_done = t_prune_done,
    .pass_end = t_pass_end, .row_keys = t_row_keys, .row_qpos = t_row_qpos,
    .v_keep = t_v_keep, .v_scores = t_v_scores, .qk_done = t_qk_done, .sm_start = t_sm_start,
    .pv_done = t_pv_done, .imp_start = t_imp_start, .row_done = t_row_done,
};

golden *golden_trace_create(const spt_trace *tr, const hw_cfg *hw, acc_ctr *ctr,
                            acc_fail *fail, acc_shape *sh, sim_err *err)
{
    const char *in = tr && tr->source ? tr->source : "trace";
    if (!tr || tr->n_pass == 0) { sim_errf(err, SIM_ETRACE, "%s: no passes", in); return NULL; }
    if (tr->fmt.bits != hw->data_bits) {
        sim_errf(err, SIM_EINVAL, "%s: Q/K/V are %u bits but the hardware's data_bits = %u "
                 "(hardware %s)", in, tr->fmt.bits, hw->data_bits, hw->path);
        return NULL;
    }
    if (tr->policy.progressive && tr->fmt.k_lsb_bits == 0) {
        sim_errf(err, SIM_ETRACE, "%s: progressive quantisation with k_lsb_bits = 0", in);
        return NULL;
    }
    gtrace *t = sim_xcalloc(1, sizeof *t);
    t->base.ops = &TRACE_OPS;
    t->base.ctr = ctr;
    t->base.fail = fail;
    t->tr = tr;
    t->progressive = tr->policy.progressive;
    t->causal = tr->causal;
    t->d = tr->d_head;
    t->heads = tr->heads;
    t->max_pos = tr->n_prompt + tr->n_gen;
    memset(sh, 0, sizeof *sh);
    sh->input = in;
    sh->d = t->d;
    sh->layers = tr->layers;
    sh->heads = tr->heads;
    sh->max_pos = t->max_pos;
    sh->progressive = t->progressive;
    sh->bits = tr->fmt.bits;
    sh->msb_bits = tr->fmt.bits - tr->fmt.k_lsb_bits;
    sh->lsb_bits = tr->fmt.k_lsb_bits;
    sh->k_bits = tr->fmt.bits;
    sh->q_bits = tr->fmt.bits;
    sh->v_bits = tr->fmt.v_bits;
    t->n_pp = tr->n_pass;
    t->pp = sim_xcalloc(t->n_pp, sizeof *t->pp);
    for (uint32_t i = 0; i < tr->n_pass; i++) {
        const spt_pass *sp = &tr->pass[i];
        acc_pass *p = &t->pp[i];
        if (sp->layer >= tr->layers || sp->n_tok > t->max_pos || sp->n_head > tr->heads) {
            sim_errf(err, SIM_ETRACE, "%s: pass %u (step %u layer %u) has inconsistent sizes",
                     in, i, sp->step, sp->layer);
            t_destroy(&t->base);
            return NULL;
        }
        p->step = sp->step;
        p->layer = sp->layer;
        p->n_tok = sp->n_tok;
        p->n_q = sp->n_q;
        p->n_head = sp->n_head;
        p->n_new = sp->n_new;
        p->tok_pos = sp->tok_idx;
        p->q_pos = sp->q_pos;
        p->new_pos = sp->new_pos;
        p->head_idx = sp->head_idx;
        p->sp = sp;
        if (sp->n_tok > sh->max_tok) sh->max_tok = sp->n_tok;
    }
    /* the first pass's cascade token top-k runs on every prompt token (tok_start 0) */
    if (tr->n_prompt > sh->max_tok) sh->max_tok = tr->n_prompt;
    sh->pp = t->pp;
    sh->n_pp = t->n_pp;
    size_t img = (size_t)tr->layers * t->heads * t->max_pos * t->d;
    t->kimg = sim_xcalloc(img, sizeof(int16_t));
    t->kmsb = sim_xcalloc(img, sizeof(int16_t));
    t->vimg = sim_xcalloc(img, sizeof(int16_t));
    t->tok_imp = sim_xcalloc(t->max_pos + 1, sizeof(uint64_t));
    t->head_imp = sim_xcalloc(t->heads + 1, sizeof(uint64_t));
    size_t ms = (size_t)sh->max_tok + 1 + t->heads;
    t->tok_alive = sim_xcalloc(ms, sizeof(uint32_t));
    t->head_alive = sim_xcalloc(ms, sizeof(uint32_t));
    t->cur_tok_alive = sim_xcalloc(ms, sizeof(uint32_t));
    t->cur_head_alive = sim_xcalloc(ms, sizeof(uint32_t));
    t->cand = sim_xcalloc(ms, sizeof(uint32_t));
    t->keep = sim_xcalloc(ms, sizeof(uint32_t));
    t->pv_p = sim_xcalloc(t->max_pos + 1, sizeof(uint32_t));
    t->pv_pos = sim_xcalloc(sh->max_tok + 1, sizeof(uint32_t));
    return &t->base;
}
