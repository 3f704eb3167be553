/*
 * energy.c - per-event energy costs: strict loading of configs/energy/ files, derivation of the
 * per-event costs from the reference table (rules in energy.h and docs/energy.md).
 */
#include "cost/energy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- config table ---- */

static const cfg_field REF_FIELDS[] = {
    CFG_F64F(energy_ref, "int8_add_pj", int8_add_pj, 1e-6, 1e3, true, 0, "8-bit integer add, pJ (Horowitz 2014: 0.03)"),
    CFG_F64F(energy_ref, "int32_add_pj", int32_add_pj, 1e-6, 1e3, true, 0, "32-bit integer add, pJ (0.1)"),
    CFG_F64F(energy_ref, "int8_mul_pj", int8_mul_pj, 1e-6, 1e3, true, 0, "8-bit integer multiply, pJ (0.2)"),
    CFG_F64F(energy_ref, "int32_mul_pj", int32_mul_pj, 1e-6, 1e3, true, 0, "32-bit integer multiply, pJ (3.1)"),
    CFG_F64F(energy_ref, "fp16_add_pj", fp16_add_pj, 1e-6, 1e3, true, 0, "16-bit float add, pJ (0.4); reference only: no module charges it"),
    CFG_F64F(energy_ref, "fp16_mul_pj", fp16_mul_pj, 1e-6, 1e3, true, 0, "16-bit float multiply, pJ (1.1); reference only: no module charges it"),
    CFG_F64F(energy_ref, "fp32_add_pj", fp32_add_pj, 1e-6, 1e3, true, 0, "32-bit float add, pJ (0.9)"),
    CFG_F64F(energy_ref, "fp32_mul_pj", fp32_mul_pj, 1e-6, 1e3, true, 0, "32-bit float multiply, pJ (3.7)"),
    CFG_F64F(energy_ref, "sram_8kb_rd64_pj", sram_8kb_rd64_pj, 1e-6, 1e5, true, 0, "64-bit read of an 8 KB SRAM, pJ (10)"),
    CFG_F64F(energy_ref, "sram_32kb_rd64_pj", sram_32kb_rd64_pj, 1e-6, 1e5, true, 0, "64-bit read of a 32 KB SRAM, pJ (20)"),
    CFG_F64F(energy_ref, "sram_1mb_rd64_pj", sram_1mb_rd64_pj, 1e-6, 1e5, true, 0, "64-bit read of a 1 MB SRAM, pJ (100)"),
};
static const cfg_table REF_TABLE = {"energy.ref", REF_FIELDS, CFG_NFIELDS(REF_FIELDS), NULL};

static const cfg_field LEAK_FIELDS[] = {
    CFG_F64F(energy_leak, "qk_mw", qk_mw, 0, 1e5, true, 0, "leakage of the Q.K array, mW"),
    CFG_F64F(energy_leak, "softmax_mw", softmax_mw, 0, 1e5, true, 0, "leakage of the softmax unit, mW"),
    CFG_F64F(energy_leak, "topk_mw", topk_mw, 0, 1e5, true, 0, "leakage of the top-k engine(s), mW"),
    CFG_F64F(energy_leak, "pv_mw", pv_mw, 0, 1e5, true, 0, "leakage of the prob x V array, mW"),
    CFG_F64F(energy_leak, "fetch_mw", fetch_mw, 0, 1e5, true, 0, "leakage of fetchers and crossbars, mW"),
    CFG_F64F(energy_leak, "ctrl_mw", ctrl_mw, 0, 1e5, true, 0, "leakage of the controller, mW"),
    CFG_F64F(energy_leak, "sram_mw_per_kb", sram_mw_per_kb, 0, 1e3, true, 0, "SRAM leakage per KB of capacity, mW"),
};
static const cfg_table LEAK_TABLE = {"energy.leak", LEAK_FIELDS, CFG_NFIELDS(LEAK_FIELDS), NULL};

static int energy_check(void *obj, const char *path, sim_err *err);

static const cfg_field ENERGY_FIELDS[] = {
    CFG_STRF(energy_cfg, "name", name, true, NULL, "name of this cost table"),
    CFG_F64F(energy_cfg, "node_nm", node_nm, 1, 1000, true, 0, "technology node of the costs, nm"),
    CFG_F64F(energy_cfg, "ref_node_nm", ref_node_nm, 1, 1000, true, 0, "technology node of the reference table, nm (45)"),
    CFG_F64F(energy_cfg, "vdd", vdd, 0.1, 5, true, 0, "supply voltage at node_nm, V"),
    CFG_F64F(energy_cfg, "ref_vdd", ref_vdd, 0.1, 5, true, 0, "supply voltage of the reference table, V (0.9)"),
    CFG_F64F(energy_cfg, "node_scale", node_scale, 1e-3, 100, true, 0, "energy factor reference -> node; must equal (node/ref)*(vdd/ref_vdd)^2 unless scale_override"),
    CFG_BOOLF(energy_cfg, "scale_override", scale_override, false, 0, "accept a node_scale other than the first-order rule"),
    CFG_OBJF(energy_cfg, "ref", ref, &REF_TABLE, true, "reference energies (Horowitz, ISSCC 2014, 45 nm)"),
    CFG_U32F(energy_cfg, "acc_bits", acc_bits, 1, 64, false, 24, "accumulator / adder-tree width, bits"),
    CFG_U32F(energy_cfg, "cmp_bits", cmp_bits, 1, 64, false, 32, "top-k comparator operand width, bits"),
    CFG_F64F(energy_cfg, "exp_fmul_ops", exp_fmul_ops, 0, 1000, true, 0, "fp32 multiplies per exp"),
    CFG_F64F(energy_cfg, "exp_fadd_ops", exp_fadd_ops, 0, 1000, true, 0, "fp32 adds per exp"),
    CFG_F64F(energy_cfg, "div_fmul_ops", div_fmul_ops, 0, 1000, true, 0, "fp32 multiplies per divide"),
    CFG_F64F(energy_cfg, "div_fadd_ops", div_fadd_ops, 0, 1000, true, 0, "fp32 adds per divide"),
    CFG_F64F(energy_cfg, "sram_wr_over_rd", sram_wr_over_rd, 0.1, 10, true, 0, "SRAM write energy / read energy"),
    CFG_OBJF(energy_cfg, "leak", leak, &LEAK_TABLE, true, "leakage power per module, mW at node_nm"),
};
const cfg_table ENERGY_CFG_TABLE = {"energy", ENERGY_FIELDS, CFG_NFIELDS(ENERGY_FIELDS), energy_check};

/* ---- derivation ---- */

/* Geometric (log-log) interpolation of the 64-bit read energy in SRAM size; clamped. */
static double sram_rd64_pj(const energy_ref *r, double kb)
{
    const double xs[3] = {8.0, 32.0, 1024.0};
    const double ys[3] = {r->sram_8kb_rd64_pj, r->sram_32kb_rd64_pj, r->sram_1mb_rd64_pj};
    if (kb <= xs[0]) return ys[0];
    if (kb >= xs[2]) return ys[2];
    int i = kb <= xs[1] ? 0 : 1;
    double t = log(kb / xs[i]) / log(xs[i + 1] / xs[i]);
    return ys[i] * pow(ys[i + 1] / ys[i], t);
}

void energy_cfg_derive(energy_cfg *c)
{
    const double s = c->node_scale;
    const energy_ref *r = &c->ref;
    c->mul_pj_per_bit2 = r->int8_mul_pj / 64.0 * s;
    c->add_pj_per_bit = r->int8_add_pj / 8.0 * s;
    c->add_acc_pj = energy_add_pj(c, c->acc_bits);
    c->cmp_pj = energy_add_pj(c, c->cmp_bits);
    c->fp32_add_pj = r->fp32_add_pj * s;
    c->fp32_mul_pj = r->fp32_mul_pj * s;
    c->fp32_exp_pj = c->exp_fmul_ops * c->fp32_mul_pj + c->exp_fadd_ops * c->fp32_add_pj;
    c->fp32_div_pj = c->div_fmul_ops * c->fp32_mul_pj + c->div_fadd_ops * c->fp32_add_pj;
}

static int energy_check(void *obj, const char *path, sim_err *err)
{
    energy_cfg *c = obj;
    const energy_ref *r = &c->ref;
    double rule = (c->node_nm / c->ref_node_nm) * (c->vdd / c->ref_vdd) * (c->vdd / c->ref_vdd);
    if (!c->scale_override && fabs(c->node_scale - rule) > 1e-3 * rule)
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'node_scale' = %g differs from (node_nm/ref_node_nm)*(vdd/ref_vdd)^2"
                        " = %.6g; set 'scale_override': true to keep it", path, c->node_scale, rule);
    if (!(r->int8_add_pj < r->int32_add_pj))
        return sim_errf(err, SIM_EINVAL, "%s: field 'ref.int32_add_pj' must exceed 'ref.int8_add_pj'", path);
    if (!(r->int8_mul_pj < r->int32_mul_pj))
        return sim_errf(err, SIM_EINVAL, "%s: field 'ref.int32_mul_pj' must exceed 'ref.int8_mul_pj'", path);
    if (!(r->sram_8kb_rd64_pj <= r->sram_32kb_rd64_pj && r->sram_32kb_rd64_pj <= r->sram_1mb_rd64_pj))
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'ref.sram_*_rd64_pj' must not decrease with SRAM size (8 KB <= 32 KB <= 1 MB)", path);
    energy_cfg_derive(c);
    return SIM_OK;
}

int energy_cfg_load(const char *path, energy_cfg *out, sim_err *err)
{
    return cfg_load_file(&ENERGY_CFG_TABLE, path, out, err);
}

int energy_cfg_load_string(const char *json, const char *name, energy_cfg *out, sim_err *err)
{
    return cfg_load_string(&ENERGY_CFG_TABLE, json, name, out, err);
}

double energy_mul_pj(const energy_cfg *c, uint32_t a_bits, uint32_t b_bits)
{
    return c->mul_pj_per_bit2 * (double)a_bits * (double)b_bits;
}

double energy_add_pj(const energy_cfg *c, uint32_t bits)
{
    return c->add_pj_per_bit * (double)bits;
}

double energy_sram_pj_per_byte(const energy_cfg *c, uint64_t size_bytes, bool is_write)
{
    double rd = sram_rd64_pj(&c->ref, (double)size_bytes / 1024.0) / 8.0 * c->node_scale;
    return is_write ? rd * c->sram_wr_over_rd : rd;
}

double energy_leak_pj(double mw, uint64_t cycles, double cycle_ns)
{
    return mw * (double)cycles * cycle_ns;
}

void energy_sum(const energy_term *t, size_t n, const double *events, double *by_module)
{
    for (size_t i = 0; i < n; i++) by_module[t[i].module] += events[t[i].event] * t[i].scale * t[i].pj;
}
