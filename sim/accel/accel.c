/*
 * accel.c - SpAtten top level: builds the machine from a hardware config and an input,
 * wires the blocks with their FIFOs, and runs the clock: the tick order, the two clock
 * domains (accelerator and DRAM), time skipping and the deadlock watchdog.
 * The blocks: fetch.c, qk.c, softmax.c, pv.c, imp.c, topk.c (datapath), rows.c (row pool,
 * admission, LSB re-entry, writeback), lv.c (local-V selection), ctl.c (pass control),
 * golden*.c (the input and its checks), acct.c (counts and energy). docs/architecture.md
 * says how to add one; docs/arch/controller.md gives the model and timing.
 */
#include "accel/accel.h"
#include "accel/acc_int.h"
#include "accel/acct.h"
#include "accel/arow.h"
#include "accel/ctl.h"
#include "accel/fetch.h"
#include "accel/golden.h"
#include "accel/imp.h"
#include "accel/lv.h"
#include "accel/pv.h"
#include "accel/qk.h"
#include "accel/rows.h"
#include "accel/softmax.h"
#include "accel/topk.h"
#include "base/fifo.h"
#include "dram/dram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ACC_MODULE_NAMES[ACC_M_N] = { "fetch", "qk", "softmax", "topk", "pv", "imp",
                                                "sram", "dram" };

/* The controller complex's counters (acc_int.h), one table, registered after the blocks'. */
static const stats_def ACC_STATS[] = {
    STATS_U64(acc_ctr, rows, "rows", "row", "(head, query) rows retired"),
    STATS_U64(acc_ctr, lsb_rows, "lsb_refetch_rows", "row",
              "rows that fetched the K LSB plane and were recomputed"),
    STATS_U64(acc_ctr, masked_blocks, "masked_keys", "key",
              "(row, key) pairs skipped by the static block mask"),
    STATS_U64(acc_ctr, krows, "k_rows", "row", "K rows fetched (MSB plane or full)"),
    STATS_U64(acc_ctr, golden_rows, "golden_rows", "row", "output rows checked against the trace"),
    STATS_U64(acc_ctr, lv_stall, "lv_stall_cycles", "cycle",
              "cycles the local-V stage held a row (prob.V FIFO or V job FIFO full)"),
    STATS_U64(acc_ctr, wb_stall, "wb_stall_cycles", "cycle",
              "cycles the writeback held a row (write job FIFO full)"),
    STATS_U64(acc_ctr, ctl_stall, "admit_stall_cycles", "cycle",
              "cycles the controller could not admit the next row (pool, buffer slot, FIFOs)"),
};

/* The row FIFOs between the pipeline stages, in pipeline order (watchdog and its dump). */
enum { F_QK_NEW, F_QK_LSB, F_SM_IN, F_SM_OUT, F_SM_LSB, F_PV_IN, F_PV_OUT, F_WB, F_FREE, F_N };
#define ROW_FIFOS (F_N + 1)          /* plus the softmax's internal FIFO */

struct accel {
    const hw_cfg *hw;
    stats    *st, *own_st;
    acc_shape sh;
    acc_geom  geo;
    golden   *g;
    /* blocks */
    dram     *dr;
    fetch    *fe;
    qk       *qk;
    sm       *sm;
    pv       *pv;
    imp      *im;
    topk    **tk;                    /* [n_tk]: the local-V engines, then the cascade engine if the
                                        machine has one (else cascade jobs run on engine 0) */
    uint32_t  n_tk, n_lv;
    char    (*tk_name)[16];
    lv       *lv;
    rows     *rw;
    ctl      *ctl;
    fifo     *f[F_N];
    uint32_t  pool_n;
    /* accounting */
    acc_ctr   c;
    acc_fail  fail;
    acct     *ac;
    acct_snap pass_snap, snap;      /* the last pass boundary (cycle pass_start), scratch */
    cycle_t   pass_start;
    /* time */
    cycle_t   now;
    uint64_t  idle_streak;
    bool      skip;
    acc_tl    tl;
    void    (*progress_cb)(void *, uint32_t, uint32_t);
    void     *progress_ctx;
    FILE     *dump;
    accel_result res;
};

/* ------------------------------------------------------------------------------------------ */
/* pass boundaries: snapshots -> per-pass counts */

static void snap_now(accel *a, acct_snap *s)
{
    dram_update_stats(a->dr);            /* its derived f64 values (energy) are current */
    acct_take(a->ac, s);
}

/* Pass pi's counts: from the last boundary (pass_snap, pass_start) to end_snap at cycle end. */
static void pass_counts(accel *a, uint32_t pi, cycle_t end)
{
    const acc_pass *p = &a->sh.pp[pi];
    accel_pass_result *pr = &a->res.pass[pi];
    acct_counts(a->ac, &a->pass_snap, &a->snap, end - a->pass_start, &pr->c);
    pr->step = p->step;
    pr->layer = p->layer;
    pr->n_tok = p->n_tok;
    pr->n_q = p->n_q;
    pr->n_head = p->n_head;
    pr->n_new = p->n_new;
    pr->start = a->pass_start;
    pr->end = end;
    pr->cycles = pr->end - pr->start;
    acct_snap t = a->pass_snap;          /* this boundary starts the next pass */
    a->pass_snap = a->snap;
    a->snap = t;
    a->pass_start = end;
}

/* The passes tile the run: a pass's interval ends where the next one's begins (the cycle
 * after its last row retired), so every counter lands in exactly one pass and the passes sum
 * to the run's totals; the last pass also holds the final drain (its end is the run's end,
 * accel_run). */
static void on_pass_end(void *ctx, uint32_t pi, cycle_t now)
{
    accel *a = ctx;
    if (pi + 1 < a->sh.n_pp) {
        snap_now(a, &a->snap);
        pass_counts(a, pi, now + 1);
    }
    if (a->progress_cb) a->progress_cb(a->progress_ctx, pi + 1, a->sh.n_pp);
}

/* ------------------------------------------------------------------------------------------ */
/* ports of the local-V stage */

static uint32_t lv_keep(void *ctx, const arow *r)
{
    golden *g = ((accel *)ctx)->g;
    return g->ops->v_keep(g, g->cur, r);
}

static void lv_scores(void *ctx, const arow *r, uint64_t *vals)
{
    golden *g = ((accel *)ctx)->g;
    g->ops->v_scores(g, r, vals);
}

static bool lv_can_fetch(void *ctx, cycle_t now) { return rows_can_fetch_v(((accel *)ctx)->rw, now); }
static void lv_fetch(void *ctx, uint32_t row, cycle_t now) { rows_fetch_v(((accel *)ctx)->rw, row, now); }

/* ------------------------------------------------------------------------------------------ */
/* create */

static int create_blocks(accel *a, sim_err *err)
{
    const hw_cfg *hw = a->hw;
    const acc_shape *sh = &a->sh;
    uint32_t d = sh->d;
    if (hw->qk_multipliers < d || hw->pv_multipliers < d)
        return sim_errf(err, SIM_EINVAL, "%s: %u Q.K / %u prob.V multipliers cannot hold one "
                        "d = %u row (hardware %s)", sh->input, hw->qk_multipliers,
                        hw->pv_multipliers, d, hw->path);
    if (sh->max_tok > hw->topk_max_n)
        return sim_errf(err, SIM_EINVAL, "%s: top-k engine holds %u values; the workload needs %u "
                        "(hardware %s)", sh->input, hw->topk_max_n, sh->max_tok, hw->path);
    a->dr = dram_create(hw->dram, a->st, "dram", err);
    if (!a->dr) return err->code;
    fetch_cfg fc = { hw->fetchers, hw->xbar_latency, hw->max_outstanding, hw->fifo_req_depth,
                     hw->fifo_row_depth };
    a->fe = fetch_create(&fc, a->dr, a->st, "fetch", err);
    if (!a->fe) return err->code;
    uint32_t rd = hw->fifo_row_depth;
    /* rows in flight: every FIFO slot plus one per block register, plus the double-buffer
     * overlap; the LSB loop FIFOs hold the whole pool, so the loop can never block */
    /* A FIFO fed by a pipeline of latency L models the pipeline's registers AND the buffer
     * behind them (entries carry ready stamps): a pipeline of L stages holds up to L rows in
     * flight (one row per stage when rows take one beat), so such FIFOs get depth rd + L, and
     * only the rd buffer entries throttle a full consumer's producer in steady state. */
    const uint32_t lat_b = hw->sm_div_latency + hw->sm_quant_latency;
    a->pool_n = 6 * rd + 8 + hw->qk_latency + hw->sm_dequant_latency + hw->sm_exp_latency +
                hw->sm_acc_latency + lat_b + hw->pv_latency;
    a->f[F_QK_NEW] = fifo_create("qk.in", sizeof(uint32_t), rd);
    a->f[F_QK_LSB] = fifo_create("qk.in_lsb", sizeof(uint32_t), a->pool_n);
    a->f[F_SM_IN] = fifo_create("softmax.in", sizeof(uint32_t), rd + hw->qk_latency);
    a->f[F_SM_OUT] = fifo_create("softmax.out", sizeof(uint32_t), rd + lat_b);
    a->f[F_SM_LSB] = fifo_create("softmax.out_lsb", sizeof(uint32_t), a->pool_n);
    a->f[F_PV_IN] = fifo_create("pv.in", sizeof(uint32_t), rd);
    a->f[F_PV_OUT] = fifo_create("imp.in", sizeof(uint32_t), rd + hw->pv_latency);
    a->f[F_WB] = fifo_create("writeback.in", sizeof(uint32_t), rd);
    a->f[F_FREE] = fifo_create("rows.free", sizeof(uint32_t), a->pool_n);
    rows_fifos rf = { a->f[F_FREE], a->f[F_QK_NEW], a->f[F_QK_LSB], a->f[F_SM_LSB], a->f[F_WB] };
    a->rw = rows_create(hw, sh, &a->geo, a->pool_n, &rf, a->fe, a->g, &a->c);
    arow *pool = rows_pool(a->rw);
    golden_bind(a->g, pool);
    qk_cfg qc = { hw->qk_multipliers / d, hw->qk_latency, d };
    a->qk = qk_create(&qc, pool, a->f[F_QK_NEW], a->f[F_QK_LSB], a->f[F_SM_IN], a->st, "qk",
                      golden_cb_qk_done, a->g);
    sm_cfg sc = { hw->sm_lanes, hw->sm_dequant_latency, hw->sm_exp_latency, hw->sm_acc_latency,
                  hw->sm_div_latency, hw->sm_quant_latency };
    a->sm = sm_create(&sc, pool, a->f[F_SM_IN], a->f[F_SM_OUT], a->f[F_SM_LSB], a->st, "softmax",
                      golden_cb_sm_start, a->g);
    pv_cfg pc = { hw->pv_multipliers / d, hw->pv_latency };
    a->pv = pv_create(&pc, pool, a->f[F_PV_IN], a->f[F_PV_OUT], a->st, "pv", golden_cb_pv_done,
                      a->g);
    imp_cfg ic = { hw->sm_lanes, d };
    a->im = imp_create(&ic, pool, a->f[F_PV_OUT], a->f[F_WB], a->st, "imp", golden_cb_imp_start,
                       a->g);
    /* top-k engines by role: local value pruning ("topk", "topk1", ...), then cascade token
     * and head pruning ("topk_cascade"), or engine 0 for both */
    a->n_lv = hw->topk_engines;
    a->n_tk = a->n_lv + hw->topk_cascade_engines;
    a->tk = sim_xcalloc(a->n_tk, sizeof *a->tk);
    a->tk_name = sim_xcalloc(a->n_tk, sizeof *a->tk_name);
    for (uint32_t e = 0; e < a->n_tk; e++) {
        bool cascade = e >= a->n_lv;
        topk_cfg tc = {
            .comparators = cascade && hw->topk_cascade_comparators ? hw->topk_cascade_comparators
                                                                   : hw->topk_comparators,
            .in_lanes = hw->topk_in_lanes, .max_n = hw->topk_max_n,
            .fifo_depth = hw->topk_fifo_depth, .variant = hw->topk_variant,
        };
        if (cascade) snprintf(a->tk_name[e], sizeof a->tk_name[e], "topk_cascade");
        else if (e == 0) snprintf(a->tk_name[e], sizeof a->tk_name[e], "topk");
        else snprintf(a->tk_name[e], sizeof a->tk_name[e], "topk%u", e);
        a->tk[e] = topk_create(&tc, a->st, a->tk_name[e], err);
        if (!a->tk[e]) return err->code;
        topk_set_fast(a->tk[e], a->skip);
    }
    lv_cfg lc = { a->n_lv, sh->max_tok, hw->topk_seed };
    lv_ports lp = { a, lv_keep, lv_scores, lv_can_fetch, lv_fetch };
    a->lv = lv_create(&lc, pool, a->f[F_SM_OUT], a->f[F_PV_IN], a->tk, &lp, &a->c.lv_stall);
    ctl_cfg cc = { hw->topk_seed, sh->max_tok + sh->heads };
    ctl_hooks hk = { a, on_pass_end };
    topk *cascade = hw->topk_cascade_engines ? a->tk[a->n_lv] : a->tk[0];
    a->ctl = ctl_create(&cc, sh->pp, sh->n_pp, a->rw, a->g, cascade, a->fe, a->dr,
                        &a->tl, &hk, &a->c);
    stats_add_table(a->st, "accel", ACC_STATS, sizeof ACC_STATS / sizeof ACC_STATS[0], &a->c);
    stats_add_u64(a->st, "accel", "cycles", "cycle", &a->res.cycles, "accelerator cycles");
    const char **names = sim_xcalloc(a->n_tk, sizeof *names);
    for (uint32_t e = 0; e < a->n_tk; e++) names[e] = a->tk_name[e];
    a->ac = acct_create(a->st, hw, sh, &a->geo, names, a->n_tk);
    free(names);
    acct_snap_init(a->ac, &a->pass_snap);
    acct_snap_init(a->ac, &a->snap);
    a->res.n_pass = sh->n_pp;
    a->res.pass = sim_xcalloc(sh->n_pp ? sh->n_pp : 1, sizeof *a->res.pass);
    a->res.clk_ps = hw->clk_ps;
    a->res.timing_only = sh->timing_only;
    return SIM_OK;
}

static accel *alloc(const hw_cfg *hw, stats *st)
{
    accel *a = sim_xcalloc(1, sizeof *a);
    a->hw = hw;
    a->own_st = st ? NULL : stats_create();
    a->st = st ? st : a->own_st;
    a->skip = hw->time_skip;
    return a;
}

/* Builds the machine for the input a->g (NULL: its creation failed, err says why). */
static accel *finish(accel *a, sim_err *err)
{
    if (a->g && !a->hw->dram) sim_errf(err, SIM_EINVAL, "%s: no DRAM config loaded", a->hw->path);
    if (!a->g || !a->hw->dram || rows_geometry(a->hw, &a->sh, &a->geo, err) ||
        create_blocks(a, err)) {
        accel_destroy(a);
        return NULL;
    }
    return a;
}

accel *accel_create(const hw_cfg *hw, const spt_trace *tr, stats *st, sim_err *err)
{
    accel *a = alloc(hw, st);
    a->g = golden_trace_create(tr, hw, &a->c, &a->fail, &a->sh, err);
    return finish(a, err);
}

accel *accel_create_csv(const hw_cfg *hw, const wlcsv *csv, stats *st, sim_err *err)
{
    accel *a = alloc(hw, st);
    a->g = golden_csv_create(csv, hw, &a->c, &a->fail, &a->sh, err);
    return finish(a, err);
}

/* Off also turns off the top-k engines' job-level evaluation, so a --no-skip run clocks every
 * block, the engines' cores included, on every cycle (the reference the skip path is checked
 * against: tests/unit/600, tests/e2e/800, bench/30_accel.sh). */
void accel_set_time_skip(accel *a, bool on)
{
    a->skip = on;
    for (uint32_t e = 0; e < a->n_tk; e++) topk_set_fast(a->tk[e], on);
}

void accel_set_dram_trace(accel *a, FILE *f) { dram_set_recorder(a->dr, f); }

void accel_set_timeline(accel *a, timeline *tl)
{
    a->tl.tl = tl;
    if (tl) {
        a->tl.ctl = tl_track(tl, "controller (passes)");
        a->tl.head = tl_track(tl, "heads (admit to retire)");
        a->tl.qk = tl_track(tl, "Q.K unit");
        a->tl.sm = tl_track(tl, "softmax unit");
        a->tl.pv = tl_track(tl, "prob.V + importance + writeback");
    }
    rows_set_timeline(a->rw, &a->tl);
    if (tl) a->tl.topk = tl_track(tl, "top-k (cascade pruning)");
}

void accel_set_progress(accel *a, void (*cb)(void *, uint32_t, uint32_t), void *ctx)
{
    a->progress_cb = cb;
    a->progress_ctx = ctx;
}

void accel_set_dump(accel *a, FILE *file) { a->dump = file; }

/* ------------------------------------------------------------------------------------------ */
/* the clock */

static unsigned accel_tick(accel *a, cycle_t now)
{
    /* ACT_* bits (arow.h); the fetcher and the top-k engines report any action as an event */
    unsigned p = 0;
    p |= fetch_tick(a->fe, now) ? ACT_EVENT : 0u;
    p |= qk_tick(a->qk, now);
    p |= sm_tick(a->sm, now);
    p |= pv_tick(a->pv, now);
    p |= imp_tick(a->im, now);
    p |= rows_wb_tick(a->rw, now);
    p |= rows_lsb_tick(a->rw, now);
    p |= lv_tick(a->lv, now);
    p |= ctl_tick(a->ctl, now);
    for (uint32_t e = 0; e < a->n_tk; e++)
        if (topk_busy(a->tk[e]) && topk_tick(a->tk[e], now)) p |= ACT_EVENT;
    return p;
}

static bool topk_working(const accel *a)
{
    for (uint32_t e = 0; e < a->n_tk; e++)
        if (topk_busy(a->tk[e])) return true;
    return false;
}

static void row_fifos(const accel *a, const fifo *fs[ROW_FIFOS])
{
    const fifo *l[ROW_FIFOS] = { a->f[F_QK_NEW], a->f[F_QK_LSB], a->f[F_SM_IN],
                                 sm_internal_fifo(a->sm), a->f[F_SM_OUT], a->f[F_SM_LSB],
                                 a->f[F_PV_IN], a->f[F_PV_OUT], a->f[F_WB], a->f[F_FREE] };
    memcpy(fs, l, sizeof l);
}

/* A row still travels down a pipeline (a FIFO's head becomes ready after now): it will arrive,
 * so for the watchdog this is progress, however long the configured latency. */
static bool pipeline_pending(const accel *a, cycle_t now)
{
    const fifo *fs[ROW_FIFOS];
    row_fifos(a, fs);
    for (size_t i = 0; i < ROW_FIFOS; i++) {
        cycle_t r = fifo_head_ready(fs[i]);
        if (r != CYCLE_NEVER && r > now) return true;
    }
    return false;
}

/* The earliest cycle > now in which any block may act visibly (ACT_EVENT, arow.h): now + 1
 * while one acts every cycle. Cycles before it only count down or process beats, which the
 * blocks' skip functions replay. dram_limit (the first cycle a DRAM event can be seen) bounds
 * the beat searches of Q.K and prob.V; the caller takes the DRAM event into account itself. */
static cycle_t accel_next_event(const accel *a, cycle_t now, cycle_t dram_limit)
{
    cycle_t n = lv_next_event(a->lv, now);
    n = sim_min_u64(n, ctl_next_event(a->ctl, now));
    n = sim_min_u64(n, rows_next_event(a->rw, now));
    if (n == now + 1) return n;
    n = sim_min_u64(n, fetch_next_event(a->fe, now));
    n = sim_min_u64(n, sm_next_event(a->sm, now));
    n = sim_min_u64(n, imp_next_event(a->im, now));
    /* the beat searches last, bounded by what is known so far (a search result at or past
     * the bound only says "not before it") */
    cycle_t bound = sim_min_u64(n, dram_limit);
    if (bound > now + 1) n = sim_min_u64(n, qk_next_event(a->qk, now, bound));
    bound = sim_min_u64(n, dram_limit);
    if (bound > now + 1) n = sim_min_u64(n, pv_next_event(a->pv, now, bound));
    return n;
}

/* accounts c skipped cycles in every block; true if any block worked in them (ACT_BUSY) */
static bool skip_account(accel *a, uint64_t c)
{
    fetch_skip(a->fe, c);
    bool busy = qk_skip(a->qk, c);
    busy |= sm_skip(a->sm, c);
    busy |= pv_skip(a->pv, c);
    busy |= imp_skip(a->im, c);
    lv_skip(a->lv, c);
    ctl_skip(a->ctl, c);
    a->c.skipped += c;
    return busy;
}

static void dump_queues(const accel *a, char *buf, size_t cap)
{
    const fifo *fs[ROW_FIFOS];
    row_fifos(a, fs);
    size_t len = strlen(buf);
    for (size_t i = 0; i < ROW_FIFOS && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, " %s %u/%u;", fifo_name(fs[i]),
                                fifo_count(fs[i]), fifo_depth(fs[i]));
    if (len < cap) fetch_dump(a->fe, buf, cap, a->now);
}

int accel_run(accel *a, sim_err *err)
{
    const uint64_t clk = a->hw->clk_ps, tck = dram_cfg_tck_ps(a->hw->dram);
    uint64_t t_acc = 0, t_dram = 0;
    cycle_t now = 0;
    /* DRAM catch-up with local skipping: DRAM ticks before the next known DRAM event are
     * no-ops (dram.h), so they are jumped; dn is recomputed when requests were sent and every
     * few ticks (ticking is always correct, skipping only on a fresh dn). */
    uint64_t dn = 0, sends_seen = UINT64_MAX;
    bool stuck_on_dram = false;
    unsigned ticks_since = 0;
    for (;;) {
        while (t_dram <= t_acc) {
            uint64_t c = dram_cycle(a->dr);
            if (fetch_dram_sends(a->fe) != sends_seen || ticks_since >= 8) {
                sends_seen = fetch_dram_sends(a->fe);
                dn = dram_next_event(a->dr);
                ticks_since = 0;
                uint64_t last = t_acc / tck;            /* last DRAM cycle due by t_acc */
                if (dn > c + 1) {
                    uint64_t to = dn - 1 < last + 1 ? dn - 1 : last + 1;
                    if (to > c) {
                        dram_skip_to(a->dr, to);
                        t_dram = to * tck;
                        continue;
                    }
                }
            }
            dram_tick(a->dr);
            ticks_since++;
            t_dram += tck;
        }
        a->now = now;
        unsigned prog = accel_tick(a, now);
        if (a->fail.failed) {
            *err = a->fail.err;
            return a->fail.err.code;
        }
        if (ctl_done(a->ctl)) break;
        /* a top-k job in flight always finishes (bounded by its cycle formula), so it counts
         * as progress for the watchdog even in the cycles a job-level engine does not act.
         * While the fetcher waits on DRAM, the watchdog counts DRAM clocks since the last
         * completion instead: one DRAM latency can span many accelerator clocks. */
        if (prog || topk_working(a) || pipeline_pending(a, now)) a->idle_streak = 0;
        else if (fetch_waiting(a->fe)) {
            a->idle_streak = 0;
            if (dram_cycle(a->dr) > fetch_last_done(a->fe) + a->hw->watchdog_cycles) {
                stuck_on_dram = true;
                goto deadlock;
            }
        } else if (++a->idle_streak > a->hw->watchdog_cycles) goto deadlock;
        if (a->skip && !(prog & ACT_EVENT)) {
            bool waiting = fetch_waiting(a->fe);
            dn = dram_next_event(a->dr);
            if (waiting) {                          /* never jump past the DRAM-side check */
                uint64_t stuck = fetch_last_done(a->fe) + a->hw->watchdog_cycles + 1;
                if (stuck < dn) dn = stuck;
            }
            /* a DRAM event at cycle e (dram.h: completions pop once dram_cycle() >= e) is
             * visible after the DRAM edge at (e - 1) * tck: conservative for both kinds */
            uint64_t tD = (dn > 0 ? dn - 1 : 0) * tck;
            cycle_t n = accel_next_event(a, now, (cycle_t)sim_ceil_div(tD, clk));
            uint64_t T = n == CYCLE_NEVER ? UINT64_MAX : n * clk;
            if (tD < T) T = tD;
            if (T > (now + 1) * clk) {
                cycle_t nn = (cycle_t)sim_ceil_div(T, clk);
                uint64_t c = nn - now - 1;
                if (c > 0) {
                    /* the watchdog sees the skipped cycles as clocking would have */
                    if (skip_account(a, c) || topk_working(a) || waiting || pipeline_pending(a, now))
                        a->idle_streak = 0;
                    else a->idle_streak += c;
                    if (a->idle_streak > a->hw->watchdog_cycles) goto deadlock;
                    now += c;
                    t_acc += c * clk;
                    uint64_t dc = sim_ceil_div(t_acc + clk > T ? T : t_acc + clk, tck);
                    if (dc > dram_cycle(a->dr)) {
                        dram_skip_to(a->dr, dc);
                        t_dram = dc * tck;
                    }
                }
            }
        }
        now++;
        t_acc += clk;
    }
    a->now = now;
    a->res.cycles = now + 1;
    accel_result *r = &a->res;
    acct_snap zero;
    acct_snap_init(a->ac, &zero);
    snap_now(a, &a->snap);
    acct_counts(a->ac, &zero, &a->snap, now + 1, &r->c);
    acct_snap_free(&zero);
    pass_counts(a, a->sh.n_pp - 1, now + 1);
    r->dram_requests = fetch_requests(a->fe);
    r->seconds = (double)r->cycles * (double)clk * 1e-12;
    r->skipped_cycles = a->c.skipped;
    r->golden_rows_checked = a->c.golden_rows;
    r->done = true;
    return SIM_OK;

deadlock: {
        char buf[SIM_ERR_MSG];
        snprintf(buf, sizeof buf, "deadlock: no %s for %u %scycles at cycle %" PRIu64
                 " (pass %u); queues:", stuck_on_dram ? "DRAM completion" : "progress",
                 a->hw->watchdog_cycles, stuck_on_dram ? "DRAM " : "", now, ctl_pass(a->ctl));
        dump_queues(a, buf, sizeof buf);
        if (a->dump) fprintf(a->dump, "%s\n", buf);
        return sim_errf(err, SIM_EDEADLOCK, "%s", buf);
    }
}

const accel_result *accel_result_get(const accel *a) { return &a->res; }
const char *accel_input(const accel *a) { return a->sh.input; }

void accel_destroy(accel *a)
{
    if (!a) return;
    ctl_destroy(a->ctl);
    lv_destroy(a->lv);
    rows_destroy(a->rw);
    for (size_t i = 0; i < F_N; i++) fifo_destroy(a->f[i]);
    qk_destroy(a->qk);
    sm_destroy(a->sm);
    pv_destroy(a->pv);
    imp_destroy(a->im);
    for (uint32_t e = 0; a->tk && e < a->n_tk; e++) topk_destroy(a->tk[e]);
    free(a->tk);
    free(a->tk_name);
    fetch_destroy(a->fe);
    dram_destroy(a->dr);
    golden_destroy(a->g);
    acct_snap_free(&a->pass_snap);
    acct_snap_free(&a->snap);
    acct_destroy(a->ac);
    free(a->res.pass);
    stats_destroy(a->own_st);
    free(a);
}
