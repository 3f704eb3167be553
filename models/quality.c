/* quality.c - model quality on a trained checkpoint's evaluation split, under the workload's
 * policy (quality.h; definitions in docs/model.md "Quality"), and the calibration split of the
 * static policies. Sequences are independent: with w->threads > 1 they run on worker threads,
 * each writing its own result slot, reduced in sequence order, so results never depend on the
 * thread count. */
#include "models/quality.h"
#include "models/model_int.h"
#include "models/kern.h"
#include "models/policy.h"
#include "base/fileio.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- split files: one sequence a line; "ids..." or "label;masked positions;ids..."; a line
 * "# mask_id=N" names the [MASK] token; '#' lines are comments ---- */

typedef struct qseq {
    int32_t   label;          /* -1: none */
    uint32_t  n, nm;
    uint32_t *ids, *mask;     /* [n], [nm] */
} qseq;

typedef struct qsplit {
    uint32_t n;
    qseq    *s;
    int64_t  mask_id;         /* -1: not given */
} qsplit;

static void qsplit_free(qsplit *q)
{
    for (uint32_t i = 0; i < q->n; i++) { free(q->s[i].ids); free(q->s[i].mask); }
    free(q->s);
    memset(q, 0, sizeof *q);
}

/* Parse whitespace-separated unsigned integers of [p, end) into a growing array. */
static int parse_ints(const char *path, uint32_t line, const char *p, const char *end,
                      uint32_t **out, uint32_t *n, sim_err *err)
{
    uint32_t cap = 0;
    *out = NULL;
    *n = 0;
    while (p < end) {
        while (p < end && isspace((unsigned char)*p)) p++;
        if (p >= end) break;
        if (!isdigit((unsigned char)*p))
            return sim_errf(err, SIM_ETRACE, "%s: line %u: '%c' is not part of a non-negative integer",
                            path, line, *p);
        unsigned long long x = 0;
        while (p < end && isdigit((unsigned char)*p)) {
            x = x * 10 + (unsigned)(*p++ - '0');
            if (x > 0xffffffffull)
                return sim_errf(err, SIM_ETRACE, "%s: line %u: integer too large", path, line);
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            *out = sim_xrealloc(*out, (size_t)cap * sizeof **out);
        }
        (*out)[(*n)++] = (uint32_t)x;
    }
    return SIM_OK;
}

static int qsplit_read(const char *path, qsplit *q, sim_err *err)
{
    memset(q, 0, sizeof *q);
    q->mask_id = -1;
    char *text = NULL;
    size_t len = 0;
    int rc = fio_read_all(path, &text, &len, err);
    if (rc) return rc;
    uint32_t line = 0, cap = 0;
    for (const char *p = text; p < text + len && !rc;) {
        const char *e = memchr(p, '\n', (size_t)(text + len - p));
        if (!e) e = text + len;
        line++;
        const char *a = p;
        p = e + 1;
        while (a < e && isspace((unsigned char)*a)) a++;
        if (a == e) continue;
        if (*a == '#') {
            const char *k = strstr(a, "mask_id=");
            if (k && k < e) {
                char *end;
                long v = strtol(k + 8, &end, 10);
                if (end == k + 8 || v < 0 || v > INT32_MAX || (end < e && !isspace((unsigned char)*end))) {
                    rc = sim_errf(err, SIM_ETRACE, "%s: line %u: mask_id must be a token id", path, line);
                    break;
                }
                q->mask_id = v;
            }
            continue;
        }
        qseq s = { -1, 0, 0, NULL, NULL };
        const char *f1 = memchr(a, ';', (size_t)(e - a));
        const char *f2 = f1 ? memchr(f1 + 1, ';', (size_t)(e - f1 - 1)) : NULL;
        if (f1 && !f2) {
            rc = sim_errf(err, SIM_ETRACE, "%s: line %u: expected 'label;masked positions;ids'", path, line);
            break;
        }
        if (f1) {
            uint32_t *lab = NULL, nl = 0;
            rc = parse_ints(path, line, a, f1, &lab, &nl, err);
            if (!rc && nl != 1) rc = sim_errf(err, SIM_ETRACE, "%s: line %u: one label expected", path, line);
            if (!rc && lab[0] > INT32_MAX)
                rc = sim_errf(err, SIM_ETRACE, "%s: line %u: label %u is out of range", path, line, lab[0]);
            if (!rc) s.label = (int32_t)lab[0];
            free(lab);
            if (!rc) rc = parse_ints(path, line, f1 + 1, f2, &s.mask, &s.nm, err);
            if (!rc) rc = parse_ints(path, line, f2 + 1, e, &s.ids, &s.n, err);
        } else {
            rc = parse_ints(path, line, a, e, &s.ids, &s.n, err);
        }
        for (uint32_t i = 0; !rc && i < s.nm; i++)
            if (s.mask[i] >= s.n)
                rc = sim_errf(err, SIM_ETRACE, "%s: line %u: masked position %u outside the %u ids",
                              path, line, s.mask[i], s.n);
        if (!rc && s.n == 0) rc = sim_errf(err, SIM_ETRACE, "%s: line %u: no token ids", path, line);
        if (rc) { free(s.ids); free(s.mask); break; }
        if (q->n == cap) {
            cap = cap ? 2 * cap : 16;
            q->s = sim_xrealloc(q->s, (size_t)cap * sizeof *q->s);
        }
        q->s[q->n++] = s;
    }
    free(text);
    if (!rc && q->n == 0) rc = sim_errf(err, SIM_ETRACE, "%s: no sequences", path);
    if (rc) qsplit_free(q);
    return rc;
}

/* Every sequence has at least need ids, all below vocab. */
static int qsplit_check(const char *path, const qsplit *q, uint32_t need, uint32_t vocab, sim_err *err)
{
    for (uint32_t i = 0; i < q->n; i++) {
        if (q->s[i].n < need)
            return sim_errf(err, SIM_ETRACE, "%s: sequence %u has %u ids; the workload needs n_prompt + n_gen = %u",
                            path, i + 1, q->s[i].n, need);
        for (uint32_t j = 0; j < need; j++)
            if (q->s[i].ids[j] >= vocab)
                return sim_errf(err, SIM_ETRACE, "%s: sequence %u: token id %u is outside the vocabulary (%u)",
                                path, i + 1, q->s[i].ids[j], vocab);
    }
    return SIM_OK;
}

int model_calib_inputs(ctx *c, const wl_cfg *w, sim_err *err)
{
    qsplit q;
    int rc = qsplit_read(w->calib_split, &q, err);
    if (!rc) rc = qsplit_check(w->calib_split, &q, c->n_total, c->m->vocab, err);
    if (rc) return rc;
    c->n_calib_x = q.n;
    c->calib_x = sim_xcalloc(q.n, sizeof *c->calib_x);
    for (uint32_t i = 0; i < q.n; i++) {
        c->calib_x[i] = sim_xmalloc((size_t)c->n_total * c->D * sizeof(double) + 8);
        wt_embed(c->m, q.s[i].ids, c->n_total, c->calib_x[i]);
    }
    qsplit_free(&q);
    return SIM_OK;
}

void model_calib_inputs_free(ctx *c)
{
    for (uint32_t i = 0; i < c->n_calib_x; i++) free(c->calib_x[i]);
    free(c->calib_x);
    c->calib_x = NULL;
    c->n_calib_x = 0;
}

/* ---- one sequence ---- */

typedef struct qres {
    double   nll;
    uint64_t lm_n, lm_pruned, mlm_n, mlm_hit, mlm_pruned;
    uint32_t cls_hit, cls_pruned, cls_n;
} qres;

typedef struct qjob {
    const ctx *base;           /* shared, read-only: weights, policy, static masks */
    const qsplit *q;
    bool float_mode;
    int64_t mask_id;
    uint32_t first, stride, nseq;
    qres *res;                 /* [nseq] */
} qjob;

static uint32_t argmax(const double *v, uint32_t n)
{
    uint32_t b = 0;
    for (uint32_t i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return b;
}

/* Run ids[0..n_total) once (policy or dense float); final rows land in c->fin / c->fin_ok. */
static void run_once(ctx *c, const uint32_t *ids, bool float_mode, double *x0)
{
    wt_embed(c->m, ids, c->n_total, x0);
    c->x0 = x0;
    memset(c->fin_ok, 0, c->n_total);
    if (float_mode) {
        model_run_float(c);
        return;
    }
    memset(c->tok_imp, 0, (size_t)c->n_total * 8);
    memset(c->head_imp, 0, (size_t)c->H * 8);
    const wl_cfg *w = c->w;
    spt_trace *tr = sim_xcalloc(1, sizeof *tr);
    tr->n_pass = c->L * (1 + w->n_gen);
    tr->pass = sim_xcalloc(tr->n_pass, sizeof *tr->pass);
    model_run_fxp(c, tr);
    spt_free(tr);
}

static void run_seq(ctx *c, const qjob *j, const qseq *s, qres *r)
{
    const wt_model *m = c->m;
    const wl_cfg *w = c->w;
    const uint32_t nt = c->n_total, D = c->D;
    double *x0 = sim_xmalloc((size_t)nt * D * sizeof *x0 + 8);
    double *lg = sim_xmalloc(((size_t)m->vocab + m->hd.n_labels + 1) * sizeof *lg);
    memset(r, 0, sizeof *r);
    if (m->gpt2) {
        /* teacher-forced generation: step t (1..T-1) feeds position N + t - 1 and predicts the
         * id at N + t; summarize-only workloads score every position but the last */
        run_once(c, s->ids, j->float_mode, x0);
        const uint32_t p0 = w->n_gen ? w->n_prompt : 0;
        for (uint32_t p = p0; p + 1 < nt; p++) {
            if (!c->fin_ok[p]) { r->lm_pruned++; continue; }   /* no row to score */
            heads_lm(m, c->fin + (size_t)p * D, lg);
            double mx = lg[argmax(lg, m->vocab)], se = 0.0;
            for (uint32_t v = 0; v < m->vocab; v++) se += exp(lg[v] - mx);
            r->nll += mx + log(se) - lg[s->ids[p + 1]];
            r->lm_n++;
        }
    } else {
        if (m->hd.mlm_w && s->nm) {
            uint32_t *mid = sim_xmemdup(s->ids, (size_t)nt * 4);
            for (uint32_t i = 0; i < s->nm; i++)
                if (s->mask[i] < nt) mid[s->mask[i]] = (uint32_t)j->mask_id;
            run_once(c, mid, j->float_mode, x0);
            for (uint32_t i = 0; i < s->nm; i++) {
                const uint32_t p = s->mask[i];
                if (p >= nt) continue;
                r->mlm_n++;
                if (!c->fin_ok[p]) { r->mlm_pruned++; continue; }
                heads_mlm(m, c->fin + (size_t)p * D, lg);
                r->mlm_hit += argmax(lg, m->vocab) == s->ids[p];
            }
            free(mid);
        }
        if (m->hd.n_labels && s->label >= 0) {
            run_once(c, s->ids, j->float_mode, x0);
            r->cls_n = 1;
            if (!c->fin_ok[0]) r->cls_pruned = 1;
            else {
                heads_cls(m, c->fin, lg);
                r->cls_hit = argmax(lg, m->hd.n_labels) == (uint32_t)s->label;
            }
        }
    }
    free(lg);
    free(x0);
}

static void *worker(void *arg)
{
    qjob *j = arg;
    ctx c = *j->base;          /* private mutable state below; weights and policy shared */
    c.fin = sim_xmalloc((size_t)c.n_total * c.D * sizeof *c.fin + 8);
    c.fin_ok = sim_xcalloc((size_t)c.n_total + 1, 1);
    c.tok_imp = sim_xcalloc((size_t)c.n_total + 1, 8);
    c.head_imp = sim_xcalloc((size_t)c.H + 1, 8);
    c.ms = NULL;
    c.dense = NULL;
    c.kc = c.vc = NULL;        /* the base's (none) are not this worker's to free */
    model_ctx_caches(&c, c.w->n_gen != 0);
    for (uint32_t i = j->first; i < j->nseq; i += j->stride) run_seq(&c, j, &j->q->s[i], &j->res[i]);
    free(c.fin); free(c.fin_ok); free(c.tok_imp); free(c.head_imp); free(c.kc); free(c.vc);
    return NULL;
}

int model_quality_run(const wl_cfg *w, bool float_mode, model_quality *q, sim_err *err)
{
    memset(q, 0, sizeof *q);
    /* the sequences run on worker threads: no progress callback (it is the caller's, for one
     * model run, and not thread-safe) */
    wl_cfg wq = *w;
    wq.progress = NULL;
    wq.progress_arg = NULL;
    w = &wq;
    if (w->source != WL_SRC_WEIGHTS || !w->eval_split[0])
        return sim_errf(err, SIM_EINVAL, "workload '%s': quality needs source weights and eval_split", w->name);
    wt_model *m = NULL;
    double *xw = NULL;
    ctx c;
    int rc = model_ctx_open(&c, w, &m, &xw, err);    /* source weights: checked above */
    if (rc) return rc;
    qsplit qs;
    memset(&qs, 0, sizeof qs);
    if (m->gpt2 ? !m->hd.lnf_g : !m->hd.mlm_w && !m->hd.n_labels) {
        rc = sim_errf(err, SIM_EINVAL, "%s: checkpoint has no %s", w->weights,
                      m->gpt2 ? "LM head (ln_f.weight)" : "MLM head (cls.predictions.*) or classifier");
        goto done;
    }
    if ((rc = qsplit_read(w->eval_split, &qs, err))) goto done;
    if ((rc = qsplit_check(w->eval_split, &qs, c.n_total, m->vocab, err))) goto done;
    if (!m->gpt2 && m->hd.mlm_w && (qs.mask_id < 0 || qs.mask_id >= (int64_t)m->vocab)) {
        rc = sim_errf(err, SIM_ETRACE, "%s: needs a line '# mask_id=N' with N below the vocabulary (%u)",
                      w->eval_split, m->vocab);
        goto done;
    }
    if ((rc = POL_TABLE[w->policy.kind]->setup(w, &c.pol, err))) goto done;
    fxp_fmt_init(&c.fmt, w->fxp.bits, w->fxp.frac, w->fxp.k_lsb_bits, w->fxp.prob_bits, c.dh);
    fxp_fmt_set_v_bits(&c.fmt, w->fxp.v_bits ? w->fxp.v_bits : w->fxp.bits);
    const uint32_t one = 1u << w->fxp.prob_bits;
    c.ent_tab = sim_xcalloc((size_t)one + 2, sizeof *c.ent_tab);
    for (uint32_t v = 1; v <= one; v++) c.ent_tab[v] = -((double)v / one) * det_log((double)v / one);
    if (!float_mode && (c.pol.static_mask || c.pol.static_heads)) {
        if (w->calib_split[0] && (rc = model_calib_inputs(&c, w, err))) goto done;
        model_calibrate(&c, w, xw);     /* it keeps its own importance accumulators */
        model_calib_inputs_free(&c);
    }
    const uint32_t ns = w->eval_seqs && w->eval_seqs < qs.n ? w->eval_seqs : qs.n;
    uint32_t nth = w->threads ? w->threads : 1;
    if (nth > ns) nth = ns;
    qres *res = sim_xcalloc(ns, sizeof *res);
    qjob *jobs = sim_xcalloc(nth, sizeof *jobs);
    pthread_t *tid = sim_xcalloc(nth, sizeof *tid);
    for (uint32_t t = 0; t < nth; t++) jobs[t] = (qjob){ &c, &qs, float_mode, qs.mask_id, t, nth, ns, res };
    uint32_t started = 1;
    for (uint32_t t = 1; t < nth; t++, started++)
        if (pthread_create(&tid[t], NULL, worker, &jobs[t])) break;
    worker(&jobs[0]);
    for (uint32_t t = 1; t < started; t++) pthread_join(tid[t], NULL);
    for (uint32_t t = started; t < nth; t++) worker(&jobs[t]);   /* could not start: run here */
    q->lm = m->gpt2;
    q->float_mode = float_mode;
    q->seqs = ns;
    q->threads = nth;
    for (uint32_t i = 0; i < ns; i++) {   /* fixed reduction order */
        q->lm_nll += res[i].nll;
        q->lm_n += res[i].lm_n;
        q->lm_pruned += res[i].lm_pruned;
        q->mlm_n += res[i].mlm_n;
        q->mlm_hit += res[i].mlm_hit;
        q->mlm_pruned += res[i].mlm_pruned;
        q->cls_n += res[i].cls_n;
        q->cls_hit += res[i].cls_hit;
        q->cls_pruned += res[i].cls_pruned;
    }
    q->ppl = q->lm_n ? exp(q->lm_nll / (double)q->lm_n) : 0.0;
    q->mlm_acc = q->mlm_n ? (double)q->mlm_hit / (double)q->mlm_n : 0.0;
    q->cls_acc = q->cls_n ? (double)q->cls_hit / (double)q->cls_n : 0.0;
    free(tid); free(jobs); free(res);
done:
    qsplit_free(&qs);
    free(c.ent_tab);
    free(c.ap_mask);
    free(c.st_heads);
    wt_free(m);
    free(xw);
    return rc;
}

int model_logits_dump(const wl_cfg *w, const char *path, sim_err *err)
{
    if (w->source != WL_SRC_WEIGHTS)   /* the synthetic model has no output heads */
        return sim_errf(err, SIM_EINVAL, "workload '%s': --logits needs source weights", w->name);
    wt_model *m = NULL;
    double *x0 = NULL;
    ctx c;
    int rc = model_ctx_open(&c, w, &m, &x0, err);
    if (rc) return rc;
    c.fin = sim_xmalloc((size_t)c.n_total * c.D * sizeof *c.fin + 8);
    c.fin_ok = sim_xcalloc(c.n_total + 1, 1);
    model_run_float(&c);
    st_writer *wr = st_writer_new();
    st_add_meta(wr, "format", "spatten-logits");
    const uint32_t V = m->vocab, n = c.n_total;
    double *lg = sim_xmalloc((size_t)n * V * sizeof *lg + 8);
    double *cl = NULL;
    if (m->gpt2 ? m->hd.lnf_g != NULL : m->hd.mlm_w != NULL) {
        for (uint32_t p = 0; p < n; p++)
            (m->gpt2 ? heads_lm : heads_mlm)(m, c.fin + (size_t)p * c.D, lg + (size_t)p * V);
        uint64_t sh[2] = { n, V };
        st_add(wr, m->gpt2 ? "lm_logits" : "mlm_logits", ST_F64, 2, sh, lg);
    }
    if (!m->gpt2 && m->hd.n_labels) {
        cl = sim_xmalloc((size_t)m->hd.n_labels * sizeof *cl + 8);
        heads_cls(m, c.fin, cl);
        uint64_t sh[2] = { 1, m->hd.n_labels };
        st_add(wr, "cls_logits", ST_F64, 2, sh, cl);
    }
    rc = st_write(wr, path, err);
    st_writer_free(wr);
    free(lg); free(cl); free(c.fin); free(c.fin_ok);
    wt_free(m);
    free(x0);
    return rc;
}

cJSON *model_quality_to_json(const model_quality *q)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "mode", q->float_mode ? "float-dense" : "golden-policy");
    cJSON_AddNumberToObject(o, "seqs", q->seqs);
    if (q->lm) {
        cJSON_AddNumberToObject(o, "perplexity", q->ppl);
        cJSON_AddNumberToObject(o, "predictions", (double)q->lm_n);
        cJSON_AddNumberToObject(o, "pruned_positions", (double)q->lm_pruned);
        cJSON_AddNumberToObject(o, "nll_nats", q->lm_nll);
    } else {
        cJSON_AddNumberToObject(o, "mlm_accuracy", q->mlm_acc);
        cJSON_AddNumberToObject(o, "mlm_tokens", (double)q->mlm_n);
        cJSON_AddNumberToObject(o, "mlm_pruned", (double)q->mlm_pruned);
        cJSON_AddNumberToObject(o, "cls_accuracy", q->cls_acc);
        cJSON_AddNumberToObject(o, "cls_seqs", q->cls_n);
        cJSON_AddNumberToObject(o, "cls_pruned", q->cls_pruned);
    }
    return o;
}

void model_quality_print(const model_quality *q, void *file)
{
    FILE *f = file;
    const char *mode = q->float_mode ? "dense float" : "golden model under the policy";
    if (q->lm)
        fprintf(f, "quality (%s, %u eval sequences): perplexity %.4f over %llu predictions (%llu "
                "pruned positions not scored)\n", mode, q->seqs, q->ppl, (unsigned long long)q->lm_n,
                (unsigned long long)q->lm_pruned);
    else
        fprintf(f, "quality (%s, %u eval sequences): masked-token accuracy %.4f (%llu tokens, %llu pruned),"
                " classification accuracy %.4f (%u sequences, %u [CLS] pruned)\n", mode, q->seqs, q->mlm_acc,
                (unsigned long long)q->mlm_n, (unsigned long long)q->mlm_pruned, q->cls_acc, q->cls_n,
                q->cls_pruned);
}
