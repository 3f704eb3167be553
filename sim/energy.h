/*
 * energy.h - per-event energy costs and energy bookkeeping (event counts x cost per event).
 *
 * Not a hardware block: the cost table the accelerator's modules use to turn their registered
 * counters into picojoules (spec energy.md, style.md 2.9). The JSON under configs/energy/ holds
 * REFERENCE energies (Horowitz, ISSCC 2014, 45 nm / 0.9 V), a technology scale factor and a few
 * documented modelling assumptions (operation counts of exp/divide, write/read ratio, leakage);
 * energy_cfg_load() derives every per-event cost from them once (the "derived" fields below), so
 * no energy constant lives in a .c file. Sources of every number: docs/energy.md.
 *
 * Scaling rules (docs/energy.md):
 *   scale           = node_scale (JSON; documented as (node/ref_node) * (vdd/ref_vdd)^2)
 *   integer multiply: E(a x b bits) = mul_pj_per_bit2 * a * b,  mul_pj_per_bit2 = int8_mul/64*scale
 *                     (quadratic in width: from the 8-bit point; the 32-bit point is within 3 %)
 *   integer add     : E(w bits) = add_pj_per_bit * w,          add_pj_per_bit = int8_add/8*scale
 *                     (linear in width)
 *   comparison      : one subtract of cmp_bits wide operands = add_pj_per_bit * cmp_bits
 *   fp32 add/mul    : reference value * scale
 *   fp32 exp / div  : (n_fmul * fp32_mul + n_fadd * fp32_add), op counts in the JSON
 *   SRAM per byte   : reference 64-bit read of the size class / 8 * scale; writes = reads *
 *                     sram_wr_over_rd; any other size: geometric interpolation in size between
 *                     the 8 KB, 32 KB and 1 MB points (clamped outside them).
 *   leakage         : pJ = mW * cycles * cycle_ns   (1 mW x 1 ns = 1 pJ)
 * DRAM energy is NOT here: it comes from the DRAM model (IDD based, dram_get_energy()).
 */
#ifndef SPATTEN_ENERGY_H
#define SPATTEN_ENERGY_H

#include "common.h"
#include "cfg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reference energies as given by the source, before scaling (all pJ, 45 nm, 0.9 V). */
typedef struct energy_ref {
    double int8_add_pj, int32_add_pj;         /* 0.03, 0.1 */
    double int8_mul_pj, int32_mul_pj;         /* 0.2, 3.1 */
    double fp16_add_pj, fp16_mul_pj;          /* 0.4, 1.1 */
    double fp32_add_pj, fp32_mul_pj;          /* 0.9, 3.7 */
    double sram_8kb_rd64_pj;                  /* 10: 64-bit read of an 8 KB SRAM */
    double sram_32kb_rd64_pj;                 /* 20: 32 KB */
    double sram_1mb_rd64_pj;                  /* 100: 1 MB */
} energy_ref;

/* Leakage (static) power per module, mW at the configured node. Names follow the accelerator's
 * blocks; a module not listed here has no leakage term. */
typedef struct energy_leak {
    double qk_mw;          /* Q.K multiplier array + adder trees */
    double softmax_mw;     /* fp32 softmax unit (dequant, exp, accumulate, divide, quantize) */
    double topk_mw;        /* top-k engine(s) incl. their FIFOs */
    double pv_mw;          /* prob x V multiplier array + accumulators */
    double fetch_mw;       /* Q/K/V fetchers, crossbars, address generators */
    double ctrl_mw;        /* controller, importance accumulators' logic */
    double sram_mw_per_kb; /* on-chip SRAM buffers, per KB of capacity */
} energy_leak;

typedef struct energy_cfg {
    /* ---- from JSON ---- */
    char        name[64];          /* e.g. "spatten-40nm" */
    double      node_nm;           /* technology node the costs are for (40) */
    double      ref_node_nm;       /* node of the reference table (45) */
    double      vdd, ref_vdd;      /* supply voltages (V) */
    double      node_scale;        /* energy factor applied to every reference value; the check
                                      requires it to equal (node/ref)*(vdd/ref_vdd)^2 within 1e-3
                                      unless scale_override is true */
    bool        scale_override;    /* accept a node_scale that differs from the first-order rule */
    energy_ref  ref;
    uint32_t    mul_a_bits;        /* datapath operand width (12) */
    uint32_t    mul_msb_bits;      /* MSB-only operand width of progressive quantisation (6) */
    uint32_t    acc_bits;          /* accumulator / adder-tree width (24) */
    uint32_t    cmp_bits;          /* top-k comparator operand width (32: fp32/fixed scores) */
    double      exp_fmul_ops;      /* fp32 multiplies per exp (10: count of fxp_exp) */
    double      exp_fadd_ops;      /* fp32 adds per exp (9) */
    double      div_fmul_ops;      /* fp32 multiplies per divide (7: Newton-Raphson, 3 iters) */
    double      div_fadd_ops;      /* fp32 adds per divide (3) */
    double      sram_wr_over_rd;   /* write energy / read energy (1.0: assumption) */
    double      sram_small_max_kb; /* size class bounds: small <= this (8) */
    double      sram_medium_max_kb;/* medium <= this (32), large above */
    energy_leak leak;

    /* ---- derived by energy_cfg_load (pJ per event at node_nm) ---- */
    double mul_pj_per_bit2;        /* integer multiply, per (a_bits * b_bits) */
    double add_pj_per_bit;         /* integer add, per bit of width */
    double mul12_pj;               /* mul_a_bits x mul_a_bits (12 x 12) */
    double mul12x6_pj;             /* mul_a_bits x mul_msb_bits (12 x 6: Q x K MSB plane) */
    double mul6_pj;                /* mul_msb_bits x mul_msb_bits (6 x 6) */
    double add_acc_pj;             /* one acc_bits-wide add */
    double cmp_pj;                 /* one top-k comparison */
    double fp32_add_pj, fp32_mul_pj, fp16_add_pj, fp16_mul_pj;
    double fp32_exp_pj, fp32_div_pj;
    double sram_rd_pj_per_byte_small, sram_rd_pj_per_byte_medium, sram_rd_pj_per_byte_large;
    double sram_wr_pj_per_byte_small, sram_wr_pj_per_byte_medium, sram_wr_pj_per_byte_large;
} energy_cfg;

extern const cfg_table ENERGY_CFG_TABLE;

/* Load and validate configs/energy/<x>.json and fill the derived costs. SIM_EINVAL/SIM_EIO. */
int    energy_cfg_load(const char *path, energy_cfg *out, sim_err *err);
int    energy_cfg_load_string(const char *json, const char *name, energy_cfg *out, sim_err *err);
/* Recompute the derived fields from the JSON fields (done by the loaders; exposed for tests). */
void   energy_cfg_derive(energy_cfg *c);

/* Per-event costs for other widths/sizes (same rules as the derived fields). */
double energy_mul_pj(const energy_cfg *c, uint32_t a_bits, uint32_t b_bits);
double energy_add_pj(const energy_cfg *c, uint32_t bits);
/* SRAM access energy per byte for a buffer of size_bytes (geometric interpolation). */
double energy_sram_pj_per_byte(const energy_cfg *c, uint64_t size_bytes, bool is_write);
/* Leakage energy: mW x cycles x cycle_ns (pJ). */
double energy_leak_pj(double mw, uint64_t cycles, double cycle_ns);

/* Look a derived per-event cost up by its name ("mul12_pj", "cmp_pj", "sram_rd_pj_per_byte_large",
 * "leak_mw_qk", ... as listed in docs/energy.md). Returns false for an unknown name. Lets a
 * module's counter->cost mapping live in data. */
bool   energy_cost_by_name(const energy_cfg *c, const char *name, double *out);

/* A named count x cost term; energy of a module = dot product of its terms. */
typedef struct energy_term {
    const char *event;   /* e.g. "mul12" (for reports) */
    double      count;   /* events (or bytes, or cycles for leakage with cost = mW*cycle_ns) */
    double      cost_pj; /* pJ per event */
} energy_term;
double energy_dot(const energy_term *terms, size_t n);   /* sum of count*cost, in order, pJ */

/* Breakdown whose parts add up EXACTLY to total_pj: total_pj is always the left-to-right double
 * sum of part[0..n).pj (recomputed on every change), so a reader summing the parts in order gets
 * the same bits. Parts with the same name are merged (added) into the first occurrence. */
#define ENERGY_MAX_PARTS 48
typedef struct energy_part {
    char   name[40];     /* "qk.dynamic", "softmax.leakage", "dram", ... */
    double pj;
} energy_part;
typedef struct energy_breakdown {
    energy_part part[ENERGY_MAX_PARTS];
    uint32_t    n;
    double      total_pj;
} energy_breakdown;
void   energy_bd_init(energy_breakdown *b);
/* Add pj to part `name` (created at the end if new). SIM_EINVAL if the table is full, pj is
 * negative or not finite, or the name is empty/too long. */
int    energy_bd_add(energy_breakdown *b, const char *name, double pj, sim_err *err);
/* Add the dot product of terms under `name`; returns energy_bd_add's code. */
int    energy_bd_add_terms(energy_breakdown *b, const char *name, const energy_term *terms,
                           size_t n, sim_err *err);
double energy_bd_sum(const energy_breakdown *b);          /* in-order sum (== total_pj) */
/* Scale every part by f (e.g. per-iteration averages); total recomputed. */
void   energy_bd_scale(energy_breakdown *b, double f);

#ifdef __cplusplus
}
#endif
#endif
