/*
 * energy.h - per-event energy costs (event counts x cost per event).
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
 *   SRAM per byte   : 64-bit read energy / 8 * scale, geometrically interpolated in buffer size
 *                     between the 8 KB, 32 KB and 1 MB points (clamped outside them); writes =
 *                     reads * sram_wr_over_rd.
 *   leakage         : pJ = mW * cycles * cycle_ns   (1 mW x 1 ns = 1 pJ)
 * DRAM energy is NOT here: it comes from the DRAM model (IDD based, dram_get_energy()).
 */
#ifndef SPATTEN_ENERGY_H
#define SPATTEN_ENERGY_H

#include "base/common.h"
#include "base/cfg.h"

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
    uint32_t    acc_bits;          /* accumulator / adder-tree width (24) */
    uint32_t    cmp_bits;          /* top-k comparator operand width (32: fp32/fixed scores) */
    double      exp_fmul_ops;      /* fp32 multiplies per exp (9: count of fxp_exp) */
    double      exp_fadd_ops;      /* fp32 adds per exp (9) */
    double      div_fmul_ops;      /* fp32 multiplies per divide (7: Newton-Raphson, 3 iters) */
    double      div_fadd_ops;      /* fp32 adds per divide (3) */
    double      sram_wr_over_rd;   /* write energy / read energy (1.0: assumption) */
    energy_leak leak;

    /* ---- derived by energy_cfg_load (pJ per event at node_nm) ---- */
    double mul_pj_per_bit2;        /* integer multiply, per (a_bits * b_bits) */
    double add_pj_per_bit;         /* integer add, per bit of width */
    double add_acc_pj;             /* one acc_bits-wide add */
    double cmp_pj;                 /* one top-k comparison */
    double fp32_add_pj, fp32_mul_pj;
    double fp32_exp_pj, fp32_div_pj;
} energy_cfg;

extern const cfg_table ENERGY_CFG_TABLE;

/* Load and validate configs/energy/<x>.json and fill the derived costs. SIM_EINVAL/SIM_EIO. */
int    energy_cfg_load(const char *path, energy_cfg *out, sim_err *err);
int    energy_cfg_load_string(const char *json, const char *name, energy_cfg *out, sim_err *err);
/* Recompute the derived fields from the JSON fields (done by the loaders; exposed for tests). */
void   energy_cfg_derive(energy_cfg *c);

/* Per-event costs of a given operand width or buffer size (the widths come from the hardware
 * config: the accelerator charges energy_mul_pj(data_bits, data_bits) for a full-precision
 * multiply and energy_mul_pj(data_bits, msb_bits) for one on the MSB plane). */
double energy_mul_pj(const energy_cfg *c, uint32_t a_bits, uint32_t b_bits);
double energy_add_pj(const energy_cfg *c, uint32_t bits);
/* SRAM access energy per byte for a buffer of size_bytes (geometric interpolation). */
double energy_sram_pj_per_byte(const energy_cfg *c, uint64_t size_bytes, bool is_write);
/* Leakage energy: mW x cycles x cycle_ns (pJ). */
double energy_leak_pj(double mw, uint64_t cycles, double cycle_ns);

/* One term of a module-energy table: by_module[module] += (events[event] x scale) x pj.
 * A machine describes its module energy as a table of such terms (which counter, how many
 * operations per event, which cost), resolved once from the config; energy_sum is the one
 * evaluator. Terms are added in table order, so a table fixes the floating-point result.
 * Leakage is a term too: events = cycles, scale = mW, pj = the cycle time in ns. */
typedef struct energy_term {
    uint32_t module;     /* index into by_module */
    uint32_t event;      /* index into events */
    double   scale;      /* operations per event */
    double   pj;         /* energy per operation */
} energy_term;
void energy_sum(const energy_term *t, size_t n, const double *events, double *by_module);

#ifdef __cplusplus
}
#endif
#endif
