/* hwcfg.c - hw config table and loader (hwcfg.h); field sources in docs/arch/config.md. */
#include "accel/hwcfg.h"
#include "dram/dram.h"
#include "cost/energy.h"
#include "cost/gpu.h"
#include "accel/topk.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define HW_U32(k, f, lo, hi, req, d, doc) CFG_U32F(hw_cfg, k, f, lo, hi, req, d, doc)

static const char *const ROW_LAYOUT_NAMES[] = { "packed", "aligned", NULL };
static const char *const TOPK_VARIANT_NAMES[] = { "serial", "pipelined", NULL };   /* = enum topk_variant */

static const cfg_field HW_FIELDS[] = {
    CFG_STRF(hw_cfg, "name", name, false, "spatten", "machine name (reports)"),
    HW_U32("clock_mhz", clock_mhz, 1, 1000000, true, 0,
           "accelerator clock in MHz; 10^6 / clock_mhz must be a whole number of ps"),
    HW_U32("qk_multipliers", qk_multipliers, 1, 65536, true, 0,
           "multipliers in the Q.K unit; keys per cycle = qk_multipliers / d"),
    HW_U32("qk_latency", qk_latency, 1, 1024, true, 0,
           "Q.K pipeline latency in cycles (multiplier + reduction tree)"),
    HW_U32("pv_multipliers", pv_multipliers, 1, 65536, true, 0,
           "multipliers in the prob.V unit; V rows per cycle = pv_multipliers / d"),
    HW_U32("pv_latency", pv_latency, 1, 1024, true, 0, "prob.V pipeline latency in cycles"),
    HW_U32("sm_lanes", sm_lanes, 1, 1024, true, 0, "softmax elements per cycle per stage"),
    HW_U32("sm_dequant_latency", sm_dequant_latency, 1, 1024, true, 0, "softmax dequantise latency"),
    HW_U32("sm_exp_latency", sm_exp_latency, 1, 1024, true, 0, "softmax exp latency"),
    HW_U32("sm_acc_latency", sm_acc_latency, 1, 1024, true, 0, "softmax accumulate latency"),
    HW_U32("sm_div_latency", sm_div_latency, 1, 1024, true, 0, "softmax divide latency"),
    HW_U32("sm_quant_latency", sm_quant_latency, 1, 1024, true, 0, "softmax quantise latency"),
    HW_U32("data_bits", data_bits, 2, 16, true, 0, "Q/K/V datapath width in bits (must match the trace)"),
    HW_U32("out_bits", out_bits, 1, 32, false, 12, "bits per output element written to DRAM"),
    CFG_ENUMF(hw_cfg, "topk_variant", topk_variant, TOPK_VARIANT_NAMES, false, TOPK_PIPELINED,
              "top-k engines: pipelined (a job's load, partition passes and emit overlap the "
              "neighbouring jobs', docs/arch/topk.md section 8) or serial (one job at a time)"),
    HW_U32("topk_comparators", topk_comparators, 1, TOPK_MAX_COMPARATORS, true, 0,
           "comparisons per cycle of each local-V top-k engine"),
    HW_U32("topk_cascade_engines", topk_cascade_engines, 0, 1, false, 1,
           "dedicated engines for cascade token and head pruning: 1 (the paper's organization) or "
           "0 (cascade jobs run on local-V engine 0)"),
    HW_U32("topk_cascade_comparators", topk_cascade_comparators, 0, TOPK_MAX_COMPARATORS, false, 0,
           "comparisons per cycle of the cascade engine (0: topk_comparators)"),
    HW_U32("topk_in_lanes", topk_in_lanes, 1, TOPK_MAX_LANES, true, 0, "top-k input values per cycle"),
    HW_U32("topk_max_n", topk_max_n, 2, 1u << 20, true, 0, "largest candidate set of the top-k engine"),
    HW_U32("topk_fifo_depth", topk_fifo_depth, 1, TOPK_MAX_FIFO, false, 16, "top-k internal FIFO depth"),
    HW_U32("topk_engines", topk_engines, 1, 64, false, 1,
           "top-k engines working on local-V selections in parallel"),
    HW_U32("topk_seed", topk_seed, 0, 4294967295.0, false, 1, "top-k pivot LFSR seed"),
    HW_U32("kv_buffer_bytes", kv_buffer_bytes, 64, 1u << 30, true, 0,
           "bytes of the K buffer and of the V buffer, each"),
    HW_U32("kv_slots", kv_slots, 2, 64, false, 16,
           "heads whose K/V rows the buffers hold at once, taken and recycled in head order "
           "while both buffers have room (2 = double-buffered halves)"),
    HW_U32("fetchers", fetchers, 1, 1024, true, 0, "fetcher ports on the address crossbar"),
    HW_U32("xbar_latency", xbar_latency, 0, 64, false, 1, "crossbar traversal cycles, each direction"),
    HW_U32("max_outstanding", max_outstanding, 1, 1u << 20, true, 0,
           "DRAM read requests in flight (reorder-buffer entries)"),
    CFG_ENUMF(hw_cfg, "row_layout", row_layout, ROW_LAYOUT_NAMES, false, HW_ROWS_PACKED,
              "DRAM layout of Q/K/V/output rows: packed (each head's rows back to back, so a row "
              "may share a request with its neighbour) or aligned (each row padded to whole requests)"),
    HW_U32("fifo_req_depth", fifo_req_depth, 1, 1u << 20, true, 0, "fetcher request queue depth"),
    HW_U32("fifo_row_depth", fifo_row_depth, 1, 256, true, 0,
           "depth of the row work queues between pipeline stages"),
    HW_U32("watchdog_cycles", watchdog_cycles, 1, 4294967295.0, false, 100000,
           "cycles without progress before the deadlock error (DRAM clocks since the last completion while requests wait on DRAM)"),
    CFG_BOOLF(hw_cfg, "time_skip", time_skip, false, 1, "skip provably idle cycles"),
    CFG_PATHF(hw_cfg, "dram_config", dram_config, true, "", "DRAM config, relative to this file"),
    CFG_PATHF(hw_cfg, "energy_config", energy_config, false, "",
             "energy config, relative to this file (\"\" = none)"),
    CFG_PATHF(hw_cfg, "gpu_config", gpu_config, false, "",
             "GPU baseline config, relative to this file (\"\" = none)"),
};

static int hw_check(void *obj, const char *path, sim_err *err)
{
    hw_cfg *h = obj;
    if (1000000u % h->clock_mhz != 0)
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'clock_mhz' = %u does not give a whole clock period in ps",
                        path, h->clock_mhz);
    h->clk_ps = 1000000u / h->clock_mhz;
    return SIM_OK;
}

const cfg_table HW_CFG_TABLE = { "hw", HW_FIELDS, CFG_NFIELDS(HW_FIELDS), hw_check };

void hw_cfg_release(hw_cfg *hw)
{
    if (!hw) return;
    free(hw->dram);
    free(hw->energy);
    free(hw->gpu);
    hw->dram = NULL;
    hw->energy = NULL;
    hw->gpu = NULL;
}

int hw_cfg_load(const char *path, hw_cfg *out, sim_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = cfg_load_file(&HW_CFG_TABLE, path, out, err);
    if (rc) return rc;
    if (strlen(path) >= sizeof out->path)
        return sim_errf(err, SIM_EINVAL, "%s: the path is longer than %zu bytes", path,
                        sizeof out->path - 1);
    memcpy(out->path, path, strlen(path) + 1);
    char buf[HW_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", out->dram_config);
    out->dram = sim_xcalloc(1, sizeof *out->dram);
    rc = dram_cfg_load(buf, out->dram, err);
    if (!rc && out->energy_config[0]) {
        snprintf(buf, sizeof buf, "%s", out->energy_config);
        out->energy = sim_xcalloc(1, sizeof *out->energy);
        rc = energy_cfg_load(buf, out->energy, err);
    }
    if (!rc && out->gpu_config[0]) {
        snprintf(buf, sizeof buf, "%s", out->gpu_config);
        out->gpu = sim_xcalloc(1, sizeof *out->gpu);
        rc = gpu_cfg_load(buf, out->gpu, err);
    }
    if (rc) hw_cfg_release(out);
    return rc;
}
