/*
 * golden_csv.c - the authors' workload CSV as the machine's input (golden.h): passes are
 * groups of rows (iteration, layer), one head per row, with the key and value counts, the
 * re-quantisation flag and the cascade top-k sizes the CSV gives; no values and no checks
 * (timing only). Selection scores are a fixed hash of the key index (the engine's timing
 * depends on the values only through its pivots; docs/workload-csv.md).
 */
#include "accel/golden.h"

#include <stdlib.h>
#include <string.h>

/* Synthetic selection scores: Knuth's multiplicative hash of the index, shifted so that
 * cascade (>> 5) and local-V (>> 7) scores differ. */
#define CSV_HASH 2654435761u

typedef struct gcsv {
    golden    base;
    acc_pass *pp;
    uint32_t  n_pp;
} gcsv;

static const char *const PRUNE_NAMES[1] = { "token top-k" };

static void c_pass_begin(golden *g, const acc_pass *p) { (void)g; (void)p; }

static bool c_prune_job(golden *g, const acc_pass *p, uint32_t step, uint64_t *vals,
                        uint32_t *n, uint32_t *k)
{
    (void)g;
    (void)step;
    if (!p->c_topk_n || p->c_topk_k >= p->c_topk_n) return false;   /* k >= n: nothing to drop */
    for (uint32_t i = 0; i < p->c_topk_n; i++) vals[i] = (uint64_t)((i * CSV_HASH) >> 5);
    *n = p->c_topk_n;
    *k = p->c_topk_k;
    return true;
}

static void c_prune_done(golden *g, const acc_pass *p, uint32_t step, const uint32_t *idx,
                         uint32_t c)
{
    (void)g; (void)p; (void)step; (void)idx; (void)c;
}

static bool c_pass_end(golden *g, const acc_pass *p) { (void)g; (void)p; return true; }

static void c_row_keys(golden *g, const acc_pass *p, arow *r)
{
    (void)g;
    r->n_att = p->c_keys[r->hs];
    if (p->c_causal && r->qi + 1 < r->n_att) r->n_att = r->qi + 1;
    for (uint32_t j = 0; j < r->n_att; j++) r->att[j] = j;
}

static uint32_t c_row_qpos(golden *g, const acc_pass *p, const arow *r)
{
    (void)g;
    return p->c_sum ? r->qi : p->c_qpos[r->hs];
}

/* V rows a row keeps. value_fetch_num is for a row that sees all key_fetch_num keys; a
 * causal summarization row that sees fewer keeps the same share, rounded up (at least 1). */
static uint32_t c_v_keep(golden *g, const acc_pass *p, const arow *r)
{
    (void)g;
    uint32_t v = p->c_vals[r->hs], n = p->c_keys[r->hs];
    if (r->n_att < n && n > 0) v = (uint32_t)(((uint64_t)v * r->n_att + n - 1) / n);
    if (v == 0 && r->n_att > 0) v = 1;
    return v < r->n_att ? v : r->n_att;
}

static void c_v_scores(golden *g, const arow *r, uint64_t *vals)
{
    (void)g;
    for (uint32_t i = 0; i < r->n_att; i++) vals[i] = (uint64_t)((r->att[i] * CSV_HASH) >> 7);
}

/* The softmax's decision comes from the CSV's re-quantisation flag. */
static void c_sm_start(golden *g, const acc_pass *p, arow *r)
{
    (void)g;
    r->need_lsb = (uint8_t)(p->c_requant[r->hs] && !r->lsb_pass);
}

static void c_destroy(golden *g)
{
    gcsv *c = (gcsv *)g;
    for (uint32_t i = 0; c->pp && i < c->n_pp; i++) {
        free(c->pp[i].c_heads); free(c->pp[i].c_keys); free(c->pp[i].c_vals);
        free(c->pp[i].c_qpos); free(c->pp[i].c_requant);
    }
    free(c->pp);
    free(c);
}

static const golden_ops CSV_OPS = {
    .n_prune = 1, .prune_name = PRUNE_NAMES, .destroy = c_destroy,
    .pass_begin = c_pass_begin, .prune_job = c_prune_job, .prune_done = c_prune_done,
    .pass_end = c_pass_end, .row_keys = c_row_keys, .row_qpos = c_row_qpos,
    .v_keep = c_v_keep, .v_scores = c_v_scores, .sm_start = c_sm_start,
};

static golden *fail_out(gcsv *c) { c_destroy(&c->base); return NULL; }

golden *golden_csv_create(const wlcsv *csv, const hw_cfg *hw, acc_ctr *ctr, acc_fail *fail,
                          acc_shape *sh, sim_err *err)
{
    const char *in = csv && csv->source ? csv->source : "workload CSV";
    if (!csv || csv->n_rows == 0) { sim_errf(err, SIM_ETRACE, "%s: no rows", in); return NULL; }
    const wlcsv_row *r0 = &csv->rows[0];
    gcsv *c = sim_xcalloc(1, sizeof *c);
    c->base.ops = &CSV_OPS;
    c->base.ctr = ctr;
    c->base.fail = fail;
    memset(sh, 0, sizeof *sh);
    sh->input = in;
    sh->timing_only = true;
    sh->d = r0->d_head;
    sh->layers = csv->n_layers;
    sh->heads = csv->max_heads;
    sh->progressive = r0->requant_incre > 0;
    sh->bits = hw->data_bits;
    sh->msb_bits = r0->quant_key_bit > 0 ? (uint32_t)r0->quant_key_bit : hw->data_bits;
    sh->lsb_bits = r0->requant_incre > 0 ? (uint32_t)r0->requant_incre : 0;
    sh->k_bits = sh->msb_bits;     /* quant_key_bit, or data_bits when -1 */
    sh->q_bits = r0->quant_query_bit > 0 ? (uint32_t)r0->quant_query_bit : hw->data_bits;
    sh->v_bits = r0->quant_value_bit > 0 ? (uint32_t)r0->quant_value_bit : hw->data_bits;
    /* group rows into passes (iteration, layer) */
    c->pp = sim_xcalloc(csv->n_rows, sizeof *c->pp);
    uint32_t pending_n = 0, pending_k = 0;
    for (size_t i = 0; i < csv->n_rows;) {
        const wlcsv_row *r = &csv->rows[i];
        size_t j = i;
        while (j < csv->n_rows && csv->rows[j].iteration == r->iteration &&
               csv->rows[j].layer == r->layer) j++;
        acc_pass *p = &c->pp[c->n_pp++];
        uint32_t n = (uint32_t)(j - i);
        p->step = r->iteration;
        p->layer = r->layer;
        p->c_sum = csv->summary_iter0 && r->iteration == 0;
        p->c_causal = p->c_sum && csv->summary_causal;
        p->n_q = 1;
        p->n_head = n;
        p->n_new = r->iteration > 0 ? 1 : 0;
        p->c_heads = sim_xcalloc(n, sizeof(uint32_t));
        p->c_keys = sim_xcalloc(n, sizeof(uint32_t));
        p->c_vals = sim_xcalloc(n, sizeof(uint32_t));
        p->c_qpos = sim_xcalloc(n, sizeof(uint32_t));
        p->c_requant = sim_xcalloc(n, 1);
        p->c_topk_n = pending_n;
        p->c_topk_k = pending_k;
        pending_n = pending_k = 0;
        for (uint32_t h = 0; h < n; h++) {
            const wlcsv_row *x = &csv->rows[i + h];
            if (x->d_head != sh->d) {
                sim_errf(err, SIM_ETRACE, "%s:%u: embedding_length_D = %u differs from %u "
                         "(one head dimension per run)", in, x->line, x->d_head, sh->d);
                return fail_out(c);
            }
            p->c_heads[h] = x->head;
            p->c_keys[h] = x->key_fetch;
            p->c_vals[h] = x->value_fetch;
            p->c_qpos[h] = x->sentence_len ? x->sentence_len - 1 : 0;
            p->c_requant[h] = (uint8_t)(x->if_requant && sh->progressive);
            if (x->key_fetch > p->n_tok) p->n_tok = x->key_fetch;
            if (x->sentence_len > sh->max_pos) sh->max_pos = x->sentence_len;
            /* the cascade top-k before the next pass: over the alive tokens, or, when the row
             * rescales the previous importance, over the whole sentence (the authors' last row
             * of a generation iteration re-selects the next iteration's tokens among all of
             * them; docs/workload-csv.md) */
            if (x->if_topk) {
                pending_n = x->rescale_prev_imp ? x->sentence_len : x->key_fetch;
                pending_k = (uint32_t)x->topk;
                if (pending_n > sh->max_tok) sh->max_tok = pending_n;
            }
        }
        p->head_idx = p->c_heads;
        if (p->c_sum) {                /* every alive token is a query */
            for (uint32_t h = 1; h < n; h++)
                if (p->c_keys[h] != p->c_keys[0]) {
                    sim_errf(err, SIM_ETRACE, "%s:%u: key_fetch_num = %u differs from %u in the "
                             "same summarization layer", in, csv->rows[i + h].line, p->c_keys[h],
                             p->c_keys[0]);
                    return fail_out(c);
                }
            p->n_q = p->n_tok;         /* >= 1: the CSV reader requires key_fetch_num >= 1 */
        }
        if (p->n_tok > sh->max_tok) sh->max_tok = p->n_tok;
        i = j;
    }
    if (sh->max_pos < sh->max_tok) sh->max_pos = sh->max_tok;
    if (sh->max_pos == 0) sh->max_pos = 1;
    for (uint32_t i = 0; i < c->n_pp; i++)     /* the appended row sits at the query position */
        c->pp[i].new_pos = c->pp[i].c_qpos;
    sh->pp = c->pp;
    sh->n_pp = c->n_pp;
    return &c->base;
}
