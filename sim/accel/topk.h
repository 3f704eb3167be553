/*
 * topk.h - SpAtten's top-k engine, cycle level: quick-select with a seeded random pivot,
 * `comparators` comparisons per cycle, a zero eliminator (prefix-sum compaction) behind the
 * comparators, and an output FIFO. Used for local V pruning, cascade token and head pruning.
 * Two variants (topk_cfg.variant): TOPK_SERIAL runs a job's load, passes and emission one
 * after the other (rtl/topk/topk.v); TOPK_PIPELINED runs them as three stages on three jobs
 * at once, with three input banks, and returns results in job order (rtl/topk/topk_pipe.v).
 *
 * ONE C model, two faces:
 *  - a signal-level core (topk_core_*) that advances exactly one clock per call and whose
 *    ports mirror rtl/topk/topk.v; the Verilator harness (rtl/harness) runs it in lockstep
 *    with the RTL and compares every output on every cycle;
 *  - a job-level driver (topk_start/topk_tick/...) used by the accelerator, which drives the
 *    same core: it streams the keys in at in_lanes per cycle, keeps the output always ready
 *    and collects the result.
 * Ports of the core (all outputs are Moore: they depend only on registered state):
 *   start/start_ready (n, k, seed sampled with start), in_valid/in_ready + in_lanes keys,
 *   out_valid/out_ready + one beat of up to `comparators` (index, value) pairs (ascending
 *   index, `last` on the job's final beat), done (one-cycle pulse).
 * Selection rule = fxp_topk_ref: larger key first, ties: lower index first.
 * Timing (docs/arch/topk.md): load ceil(n/L); each quick-select pass ceil(m/P) + 3;
 * emission ceil(n/P) rows; plus the start, drain and done cycles (serial, section 5), or the
 * stage recurrence of section 8 (pipelined: one job per 1 + max(load, passes, emit) cycles).
 */
#ifndef SPATTEN_TOPK_H
#define SPATTEN_TOPK_H

#include "base/common.h"
#include "base/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Engine organisation (docs/arch/topk.md sections 4 and 8). */
enum topk_variant {
    TOPK_SERIAL = 0,        /* one job at a time: LOAD, passes, EMIT one after the other */
    TOPK_PIPELINED = 1      /* LOAD, SELECT (the passes) and EMIT are separate stages working
                               on three different jobs (three input banks); results in job order */
};

typedef struct topk_cfg {
    uint32_t comparators;   /* comparisons per cycle, P (default 16); also output beat width */
    uint32_t in_lanes;      /* input values accepted per cycle, L (default 16) */
    uint32_t max_n;         /* largest n the buffers hold (e.g. 2048) */
    uint32_t fifo_depth;    /* output FIFO depth in beats (>= 2 sustains one beat per cycle) */
    uint32_t variant;       /* enum topk_variant; last field, so that a positional initializer
                               of the first four leaves it 0 = TOPK_SERIAL */
} topk_cfg;

#define TOPK_MAX_COMPARATORS 256u
#define TOPK_MAX_LANES       256u
#define TOPK_MAX_N           (1u << 20)
#define TOPK_MAX_FIFO        1024u
#define TOPK_PIPE_BANKS      3u   /* input banks of the pipelined engine: LOAD, SELECT, EMIT */
#define TOPK_PIPE_JOBS       8u   /* pipelined: jobs started and not yet retired, at most */

typedef struct topk topk;

/* Fills the defaults: 16 comparators, 16 lanes, max_n 2048, fifo_depth 4, TOPK_SERIAL. */
void     topk_cfg_default(topk_cfg *c);
/* Checks ranges (1..TOPK_MAX_*) and the variant; returns SIM_OK or SIM_EINVAL with a one-line
 * message. */
int      topk_cfg_check(const topk_cfg *c, sim_err *err);

/* st may be NULL (no counters registered); prefix names the stats module (e.g. "topk"). */
topk    *topk_create(const topk_cfg *cfg, stats *st, const char *prefix, sim_err *err);
void     topk_destroy(topk *t);                     /* NULL is a no-op */

/* ---- Job-level interface (the accelerator's) ------------------------------------------- */
/* Both variants. Within a cycle the caller first asks topk_can_accept / calls topk_start /
 * reads results, then calls topk_tick(now) (as sim/accel.c does).
 *
 * TOPK_SERIAL: one job at a time. topk_start asserts !topk_busy(); the result stays readable
 * (topk_done) until the next topk_start; topk_retire is optional.
 * TOPK_PIPELINED: up to TOPK_PIPE_BANKS jobs in the engine, results in job order:
 *     if (topk_can_accept(t, now)) topk_start(t, vals, n, k, seed, now);   // copies vals
 *     while (topk_done(t)) { c = topk_result(t, &idx); ...; topk_retire(t); }
 *     topk_tick(t, now);
 * topk_done / topk_result / topk_job_cycles / topk_job_passes then refer to the oldest job
 * not yet retired; at most TOPK_PIPE_JOBS jobs may be started and not retired. */

/* True if a topk_start in this cycle is accepted in this cycle (serial: !topk_busy; pipelined:
 * the load stage is idle, an input bank is free and fewer than TOPK_PIPE_JOBS jobs are
 * unretired). */
bool     topk_can_accept(const topk *t, cycle_t now);
/* Start a selection of the k largest of vals[0..n) (n <= max_n; k = 0 and k >= n legal). The
 * start handshake happens on the first topk_tick (cycle `now`), then keys stream in at
 * in_lanes per cycle. seed initialises the pivot LFSR (0 is replaced by 1): every job restarts
 * it. Serial: vals must stay valid until done; asserts !topk_busy(). Pipelined: vals are
 * copied; asserts topk_can_accept(t, now). */
void     topk_start(topk *t, const uint64_t *vals, uint32_t n, uint32_t k, uint32_t seed,
                    cycle_t now);
/* A job started and not yet done (pipelined: any job in the engine). */
bool     topk_busy(const topk *t);
/* One clock; returns 1 if the engine acted (every busy cycle of the core; at job level: a
 * start cycle and a job's DONE cycle), 0 otherwise. */
unsigned topk_tick(topk *t, cycle_t now);
/* Serial: the last job's result is ready. Pipelined: the oldest unretired job's is. */
bool     topk_done(const topk *t);
/* count (= min(k, n)) and the selected indices in ascending index order. */
uint32_t topk_result(const topk *t, const uint32_t **idx);
/* Drop the result topk_result returns (pipelined: the next job's becomes the head). */
void     topk_retire(topk *t);
/* The next cycle > now at which the engine acts: now + 1 while the core runs cycle by cycle;
 * at job level the next DONE cycle (pipelined: also the cycle at which topk_can_accept turns
 * true again); CYCLE_NEVER when idle. */
cycle_t  topk_next_event(const topk *t, cycle_t now);
/* Job-level evaluation (off by default). With it on and fifo_depth >= 2, a job is evaluated
 * in its start cycle (docs/arch/topk.md sections 6 and 8): the same passes, result, cycle count
 * and counters as the cycle-by-cycle core driven as above, with the counters added in the DONE
 * cycle; topk_tick returns 1 only in the start and DONE cycles, so a simulator may skip the
 * cycles between. Off, or with fifo_depth 1, every job runs on the core cycle by cycle. The
 * pipelined engine changes mode only while it holds no job. */
void     topk_set_fast(topk *t, bool on);
/* Cycles the (serial: last; pipelined: oldest unretired) job took: from its start cycle to its
 * done cycle, both included. */
uint64_t topk_job_cycles(const topk *t);
uint32_t topk_job_passes(const topk *t);            /* its quick-select passes */
uint64_t topk_compares(const topk *t);              /* counters (also registered in stats) */
uint64_t topk_busy_cycles(const topk *t);
uint32_t topk_variant_of(const topk *t);            /* enum topk_variant */

/* ---- Signal-level core (the RTL harness's) --------------------------------------------- */
/* FSM states; numbering equals the RTL's dbg_state output. The pipelined engine's select stage
 * uses IDLE, PIVOT, PASS, DRAIN and DECIDE; its load and emit stages have their own two-state
 * machines (topk_out.ld_state, em_state: 0 idle, 1 working). */
enum topk_state {
    TOPK_S_IDLE = 0, TOPK_S_LOAD, TOPK_S_PIVOT, TOPK_S_PASS, TOPK_S_DRAIN, TOPK_S_DECIDE,
    TOPK_S_EMIT, TOPK_S_OUTWAIT, TOPK_S_DONE
};

typedef struct topk_in {
    bool            start;      /* sampled only when start_ready */
    uint32_t        n, k, seed; /* with start */
    bool            in_valid;
    const uint64_t *in_data;    /* in_lanes keys; lanes past n in the last beat are ignored */
    bool            out_ready;
} topk_in;

typedef struct topk_out {
    bool            start_ready;  /* state == IDLE */
    bool            in_ready;     /* state == LOAD */
    bool            out_valid;    /* output FIFO not empty */
    bool            out_last;     /* head beat is the job's last (may carry 0 pairs) */
    uint32_t        out_count;    /* pairs in the head beat (0..comparators) */
    const uint32_t *out_idx;      /* comparators entries; only [0, out_count) meaningful */
    const uint64_t *out_val;
    bool            done;         /* state == DONE (one cycle) */
    uint32_t        state;        /* enum topk_state (debug port) */
    uint32_t        m;            /* current candidate-set size (debug port) */
    /* pipelined only (0 in the serial engine): */
    uint32_t        ld_state;     /* load stage: 0 idle, 1 LOAD (debug port dbg_ld) */
    uint32_t        em_state;     /* emit stage: 0 idle, 1 EMIT (debug port dbg_em) */
    uint32_t        banks;        /* input banks held by jobs, 0..3 (debug port dbg_banks) */
} topk_out;

void     topk_core_reset(topk *t);                  /* synchronous reset: IDLE, FIFO empty */
void     topk_core_outputs(const topk *t, topk_out *o); /* outputs of the current cycle */
void     topk_core_clock(topk *t, const topk_in *in);   /* one rising clock edge */
/* Test hook: the deliberately broken variant (extra empty row when m % P == 0). */
void     topk_core_set_broken(topk *t, bool broken);

/* Pivot LFSR (documented in docs/arch/topk.md; exported for tests): 32-bit Galois, taps
 * 32,22,2,1: x' = (x >> 1) ^ (x & 1 ? 0x80200003 : 0). Pivot position r = ((x' >> 16) * m) >> 16. */
uint32_t topk_lfsr_next(uint32_t x);

#ifdef __cplusplus
}
#endif
#endif
