/* acct.c - counts and module energy from stats snapshots (acct.h; docs/energy.md). */
#include "accel/acct.h"
#include "cost/energy.h"
#include "dram/dram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Events the energy table charges, derived from one interval's counter differences. */
enum { EV_KEYS_MSB, EV_KEYS_FULL, EV_KEYS, EV_SM_ELEMS, EV_TOPK_CMP, EV_PV_VROWS, EV_TOK_ADDS,
       EV_HEAD_ADDS, EV_SRAM_RD, EV_SRAM_WR, EV_CYCLES, EV_N };
/* Operations per event. */
enum { X_ONE, X_D, X_D_MINUS_1, X_LEAK_QK, X_LEAK_SOFTMAX, X_LEAK_TOPK, X_LEAK_PV, X_LEAK_CTRL,
       X_LEAK_FETCH, X_LEAK_SRAM, X_N };
/* Energy per operation, from the energy config. */
enum { C_MUL_MSB, C_MUL_FULL, C_ADD_ACC, C_SOFTMAX_ELEM, C_CMP, C_MAC_FULL, C_ADD32, C_SRAM_RD,
       C_SRAM_WR, C_CYCLE_NS, C_N };

/* The module energy table: per module, its terms in the order they are added. Leakage is
 * mW x cycles x ns. Sources of the costs: docs/energy.md. */
static const struct { uint8_t module, event, scale, cost; } ACCT_ENERGY[] = {
    /* Q.K: d multiplies per key (MSB-plane or full-width operands), d - 1 adds */
    { ACC_M_QK, EV_KEYS_MSB, X_D, C_MUL_MSB },
    { ACC_M_QK, EV_KEYS_FULL, X_D, C_MUL_FULL },
    { ACC_M_QK, EV_KEYS, X_D_MINUS_1, C_ADD_ACC },
    { ACC_M_QK, EV_CYCLES, X_LEAK_QK, C_CYCLE_NS },
    /* softmax, per score: dequantize and quantize multiplies, max compare, max subtract, exp,
     * sum, divide */
    { ACC_M_SOFTMAX, EV_SM_ELEMS, X_ONE, C_SOFTMAX_ELEM },
    { ACC_M_SOFTMAX, EV_CYCLES, X_LEAK_SOFTMAX, C_CYCLE_NS },
    { ACC_M_TOPK, EV_TOPK_CMP, X_ONE, C_CMP },
    { ACC_M_TOPK, EV_CYCLES, X_LEAK_TOPK, C_CYCLE_NS },
    /* prob.V: d multiply-accumulates per V row */
    { ACC_M_PV, EV_PV_VROWS, X_D, C_MAC_FULL },
    { ACC_M_PV, EV_CYCLES, X_LEAK_PV, C_CYCLE_NS },
    { ACC_M_IMP, EV_TOK_ADDS, X_ONE, C_ADD32 },
    { ACC_M_IMP, EV_HEAD_ADDS, X_ONE, C_ADD32 },
    { ACC_M_IMP, EV_CYCLES, X_LEAK_CTRL, C_CYCLE_NS },
    { ACC_M_FETCH, EV_CYCLES, X_LEAK_FETCH, C_CYCLE_NS },
    { ACC_M_SRAM, EV_SRAM_RD, X_ONE, C_SRAM_RD },
    { ACC_M_SRAM, EV_SRAM_WR, X_ONE, C_SRAM_WR },
    { ACC_M_SRAM, EV_CYCLES, X_LEAK_SRAM, C_CYCLE_NS },
};
#define N_TERMS (sizeof ACCT_ENERGY / sizeof ACCT_ENERGY[0])

/* Registry keys of the counters the counts read. */
enum { K_RD, K_WR, K_ROWS, K_KROWS, K_VROWS_FETCHED, K_LSB, K_MASKED, K_QK_KEYS, K_QK_KEYS_LSB,
       K_PV_VROWS, K_SM_ELEMS, K_TOK_ADDS, K_HEAD_ADDS, K_FETCH_BUSY, K_FETCH_STALL, K_QK_BUSY,
       K_QK_STALL_DATA, K_QK_STALL_OUT, K_SM_BUSY, K_SM_STALL, K_PV_BUSY, K_PV_STALL_DATA,
       K_PV_STALL_OUT, K_IMP_BUSY, K_IMP_STALL, K_LV_STALL, K_WB_STALL, K_ADMIT_STALL, K_N };
static const char *const ACCT_KEYS[K_N] = {
    "fetch.rd_bytes", "fetch.wr_bytes", "accel.rows", "accel.k_rows", "fetch.v_rows",
    "accel.lsb_refetch_rows", "accel.masked_keys", "qk.keys", "qk.keys_lsb", "pv.vrows",
    "softmax.elems", "imp.tok_adds", "imp.head_adds", "fetch.busy_cycles", "fetch.stall_cycles",
    "qk.busy_cycles", "qk.stall_data_cycles", "qk.stall_out_cycles", "softmax.busy_cycles",
    "softmax.stall_out_cycles", "pv.busy_cycles", "pv.stall_data_cycles", "pv.stall_out_cycles",
    "imp.busy_cycles", "imp.stall_out_cycles", "accel.lv_stall_cycles", "accel.wb_stall_cycles",
    "accel.admit_stall_cycles",
};

struct acct {
    const stats *st;
    size_t   n;                      /* registry entries */
    long     k[K_N];
    long     bytes[ACC_TR_N];        /* fetch.<kind>_bytes */
    long    *tk_cmp, *tk_busy;       /* [n_engines] */
    uint32_t n_engines;
    long    *dram_data;              /* dram.chX.pcY.data_cycles */
    uint32_t n_dram_data;
    uint64_t dram_div;               /* channels x pseudo-channels */
    long     dram_pj;                /* dram.energy_total_pj (f64) */
    uint32_t d;
    bool     progressive;
    uint64_t kfull_bytes, v_bytes, q_bytes;
    bool     energy;                 /* an energy config: the table applies */
    energy_term terms[N_TERMS];
};

static long key_index(const stats *st, const char *key)
{
    long i = stats_index(st, key);
    SIM_ASSERT(i >= 0);               /* every block registered its counters */
    return i;
}

acct *acct_create(stats *st, const hw_cfg *hw, const acc_shape *sh, const acc_geom *geo,
                  const char *const *engines, uint32_t n_engines)
{
    acct *a = sim_xcalloc(1, sizeof *a);
    a->st = st;
    a->n = stats_count(st);
    for (int i = 0; i < K_N; i++) a->k[i] = key_index(st, ACCT_KEYS[i]);
    char key[96];
    for (int k = 0; k < ACC_TR_N; k++) {
        snprintf(key, sizeof key, "fetch.%s_bytes", ACC_TRAFFIC_NAMES[k]);
        a->bytes[k] = key_index(st, key);
    }
    a->n_engines = n_engines;
    a->tk_cmp = sim_xcalloc(n_engines, sizeof(long));
    a->tk_busy = sim_xcalloc(n_engines, sizeof(long));
    for (uint32_t e = 0; e < n_engines; e++) {
        snprintf(key, sizeof key, "%s.compares", engines[e]);
        a->tk_cmp[e] = key_index(st, key);
        snprintf(key, sizeof key, "%s.busy_cycles", engines[e]);
        a->tk_busy[e] = key_index(st, key);
    }
    a->dram_data = sim_xcalloc(a->n, sizeof(long));
    for (size_t i = 0; i < a->n; i++) {
        const char *k = stats_key(st, i);
        size_t len = strlen(k), sl = strlen(".data_cycles");
        if (strncmp(k, "dram.ch", 7) == 0 && len > sl && strcmp(k + len - sl, ".data_cycles") == 0)
            a->dram_data[a->n_dram_data++] = (long)i;
    }
    const dram_cfg *dc = hw->dram;
    a->dram_div = (uint64_t)dc->org.channels * dc->org.pseudo_channels;
    a->dram_pj = key_index(st, "dram.energy_total_pj");
    a->d = sh->d;
    a->progressive = sh->progressive;
    a->kfull_bytes = geo->kfull_bytes;
    a->v_bytes = geo->bytes[ACC_TR_V];
    a->q_bytes = geo->bytes[ACC_TR_Q];
    const energy_cfg *c = hw->energy;
    a->energy = c != NULL;
    if (c) {
        double d = sh->d, kb = (double)hw->kv_buffer_bytes;
        double mul_full = energy_mul_pj(c, hw->data_bits, hw->data_bits);
        double scale[X_N] = {
            [X_ONE] = 1.0, [X_D] = d, [X_D_MINUS_1] = d - 1,
            [X_LEAK_QK] = c->leak.qk_mw, [X_LEAK_SOFTMAX] = c->leak.softmax_mw,
            [X_LEAK_TOPK] = c->leak.topk_mw, [X_LEAK_PV] = c->leak.pv_mw,
            [X_LEAK_CTRL] = c->leak.ctrl_mw, [X_LEAK_FETCH] = c->leak.fetch_mw,
            [X_LEAK_SRAM] = c->leak.sram_mw_per_kb * 2.0 * kb / 1024.0,
        };
        double cost[C_N] = {
            [C_MUL_MSB] = energy_mul_pj(c, hw->data_bits, geo->msb_bits),
            [C_MUL_FULL] = mul_full,
            [C_ADD_ACC] = c->add_acc_pj,
            [C_SOFTMAX_ELEM] = 2.0 * c->fp32_mul_pj + 3.0 * c->fp32_add_pj + c->fp32_exp_pj +
                               c->fp32_div_pj,
            [C_CMP] = c->cmp_pj,
            [C_MAC_FULL] = mul_full + c->add_acc_pj,
            [C_ADD32] = energy_add_pj(c, 32),
            [C_SRAM_RD] = energy_sram_pj_per_byte(c, (uint64_t)kb, false),
            [C_SRAM_WR] = energy_sram_pj_per_byte(c, (uint64_t)kb, true),
            [C_CYCLE_NS] = (double)hw->clk_ps / 1000.0,
        };
        for (size_t i = 0; i < N_TERMS; i++)
            a->terms[i] = (energy_term){ ACCT_ENERGY[i].module, ACCT_ENERGY[i].event,
                                         scale[ACCT_ENERGY[i].scale], cost[ACCT_ENERGY[i].cost] };
    }
    return a;
}

void acct_destroy(acct *a)
{
    if (!a) return;
    free(a->tk_cmp);
    free(a->tk_busy);
    free(a->dram_data);
    free(a);
}

void acct_snap_init(const acct *a, acct_snap *s)
{
    s->u = sim_xcalloc(a->n, sizeof *s->u);
    s->f = sim_xcalloc(a->n, sizeof *s->f);
}

void acct_snap_free(acct_snap *s)
{
    free(s->u);
    free(s->f);
    s->u = NULL;
    s->f = NULL;
}

void acct_take(const acct *a, acct_snap *s)
{
    stats_snapshot(a->st, s->u);
    stats_snapshot_f64(a->st, s->f);
}

void acct_counts(const acct *a, const acct_snap *s0, const acct_snap *s1, uint64_t cycles,
                 accel_counts *o)
{
    const uint64_t *u0 = s0->u, *u1 = s1->u;
#define D(i) (u1[a->k[i]] - u0[a->k[i]])
    memset(o, 0, sizeof *o);
    for (int k = 0; k < ACC_TR_N; k++) o->bytes[k] = u1[a->bytes[k]] - u0[a->bytes[k]];
    o->dram_rd_bytes = D(K_RD);
    o->dram_wr_bytes = D(K_WR);
    o->rows = D(K_ROWS);
    o->k_rows = D(K_KROWS);
    o->v_rows = D(K_VROWS_FETCHED);
    o->lsb_refetch_rows = D(K_LSB);
    o->masked_blocks = D(K_MASKED);
    o->qk_macs = D(K_QK_KEYS) * a->d;
    o->pv_macs = D(K_PV_VROWS) * a->d;
    uint64_t tk_cmp = 0;
    for (uint32_t e = 0; e < a->n_engines; e++) {
        tk_cmp += u1[a->tk_cmp[e]] - u0[a->tk_cmp[e]];
        o->busy[ACC_M_TOPK] += u1[a->tk_busy[e]] - u0[a->tk_busy[e]];
    }
    o->busy[ACC_M_FETCH] = D(K_FETCH_BUSY);
    o->stall[ACC_M_FETCH] = D(K_FETCH_STALL);
    o->busy[ACC_M_QK] = D(K_QK_BUSY);
    o->stall[ACC_M_QK] = D(K_QK_STALL_DATA) + D(K_QK_STALL_OUT);
    o->busy[ACC_M_SOFTMAX] = D(K_SM_BUSY);
    o->stall[ACC_M_SOFTMAX] = D(K_SM_STALL);
    o->stall[ACC_M_TOPK] = D(K_LV_STALL);
    o->busy[ACC_M_PV] = D(K_PV_BUSY);
    o->stall[ACC_M_PV] = D(K_PV_STALL_DATA) + D(K_PV_STALL_OUT);
    o->busy[ACC_M_IMP] = D(K_IMP_BUSY);
    o->stall[ACC_M_IMP] = D(K_IMP_STALL) + D(K_WB_STALL);
    o->stall[ACC_M_SRAM] = D(K_ADMIT_STALL);
    /* DRAM busy: data-bus cycles per (pseudo-)channel, averaged (DRAM clocks) */
    uint64_t dd0 = 0, dd1 = 0;
    for (uint32_t i = 0; i < a->n_dram_data; i++) {
        dd0 += u0[a->dram_data[i]];
        dd1 += u1[a->dram_data[i]];
    }
    o->busy[ACC_M_DRAM] = dd1 / a->dram_div - dd0 / a->dram_div;
    /* energy */
    o->energy_pj[ACC_M_DRAM] = s1->f[a->dram_pj] - s0->f[a->dram_pj];
    if (a->energy) {
        /* SRAM: every fetched byte is written into a buffer once; the datapath reads K/Q per
         * key beat and V per V row */
        uint64_t rd0 = u0[a->k[K_QK_KEYS]] * a->kfull_bytes + u0[a->k[K_PV_VROWS]] * a->v_bytes +
                       u0[a->k[K_ROWS]] * 2u * a->q_bytes;
        uint64_t rd1 = u1[a->k[K_QK_KEYS]] * a->kfull_bytes + u1[a->k[K_PV_VROWS]] * a->v_bytes +
                       u1[a->k[K_ROWS]] * 2u * a->q_bytes;
        double ev[EV_N];
        double keys = (double)D(K_QK_KEYS);
        double keys_lsb = (double)D(K_QK_KEYS_LSB);
        ev[EV_KEYS] = keys;
        ev[EV_KEYS_MSB] = a->progressive ? keys - keys_lsb : 0.0;
        ev[EV_KEYS_FULL] = keys - ev[EV_KEYS_MSB];
        ev[EV_SM_ELEMS] = (double)D(K_SM_ELEMS);
        ev[EV_TOPK_CMP] = (double)tk_cmp;
        ev[EV_PV_VROWS] = (double)D(K_PV_VROWS);
        ev[EV_TOK_ADDS] = (double)D(K_TOK_ADDS);
        ev[EV_HEAD_ADDS] = (double)D(K_HEAD_ADDS);
        ev[EV_SRAM_RD] = (double)(rd1 - rd0);
        ev[EV_SRAM_WR] = (double)D(K_RD);
        ev[EV_CYCLES] = (double)cycles;
        energy_sum(a->terms, N_TERMS, ev, o->energy_pj);
    }
#undef D
    o->energy_total_pj = 0;
    for (int m = 0; m < ACC_M_N; m++) o->energy_total_pj += o->energy_pj[m];
}
