/*
 * hwcfg.h - the accelerator's hardware configuration (configs/hw/ JSON files).
 *
 * One JSON file describes one machine: clock, datapath parallelism and pipeline latencies, FIFO
 * depths, top-k engine, K/V buffer size, DRAM/energy/GPU config references. hw_cfg_load() loads
 * the hw file through the strict cfg loader (sim/cfg.h), then loads the referenced DRAM, energy
 * and GPU configs (paths relative to the hw file) into heap objects owned by the hw_cfg; free
 * them with hw_cfg_release(). Every field and its source: docs/arch/config.md.
 */
#ifndef SPATTEN_HWCFG_H
#define SPATTEN_HWCFG_H

#include "base/common.h"
#include "base/cfg.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dram_cfg;     /* sim/dram.h */
struct energy_cfg;   /* sim/energy.h */
struct gpu_cfg;      /* sim/gpu.h */

#define HW_PATH_MAX CFG_PATH_MAX

/* row_layout: packed = each head's rows back to back (rows of 48 bytes share requests, as in
 * the authors' release); aligned = each row padded to whole DRAM requests */
enum { HW_ROWS_PACKED = 0, HW_ROWS_ALIGNED = 1 };

typedef struct hw_cfg {
    char     name[64];            /* machine name, e.g. "spatten" */
    uint32_t clock_mhz;           /* accelerator clock (1000 = 1 GHz); 10^6 / clock_mhz must be whole ps */
    /* datapath */
    uint32_t qk_multipliers;      /* multipliers in the Q.K unit (512): qk_multipliers / d keys per cycle */
    uint32_t qk_latency;          /* Q.K pipeline latency (multiply + reduction tree), cycles */
    uint32_t pv_multipliers;      /* multipliers in the prob.V unit (512): pv_multipliers / d V rows per cycle */
    uint32_t pv_latency;          /* prob.V pipeline latency (multiply + accumulate), cycles */
    uint32_t sm_lanes;            /* softmax elements per cycle through each stage */
    uint32_t sm_dequant_latency;  /* softmax stage latencies (release: 7, 21, 23, 29, 7) */
    uint32_t sm_exp_latency;
    uint32_t sm_acc_latency;
    uint32_t sm_div_latency;
    uint32_t sm_quant_latency;
    uint32_t data_bits;           /* datapath width of Q/K/V (12); must equal the trace's fmt.bits */
    uint32_t out_bits;            /* width of an output element written to DRAM (bits) */
    /* top-k engines (accel/topk.h), by role: local value pruning, and cascade token/head
     * pruning (a dedicated engine, or local-V engine 0 when topk_cascade_engines = 0) */
    uint32_t topk_variant;        /* TOPK_SERIAL or TOPK_PIPELINED (every engine) */
    uint32_t topk_engines;        /* local-V engines (1 = the paper's design) */
    uint32_t topk_comparators;    /* local-V engines: comparisons per cycle (16) */
    uint32_t topk_cascade_engines;      /* 1: a dedicated cascade engine (the paper); 0: shared */
    uint32_t topk_cascade_comparators;  /* its comparisons per cycle (0: topk_comparators) */
    uint32_t topk_in_lanes;       /* values accepted per cycle (16) */
    uint32_t topk_max_n;          /* largest candidate set the engine buffers hold */
    uint32_t topk_fifo_depth;     /* internal FIFO depth */
    uint32_t topk_seed;           /* pivot LFSR seed */
    /* memory system */
    uint32_t kv_buffer_bytes;     /* K buffer and V buffer, each (196608 = 196 KB) */
    uint32_t kv_slots;            /* heads resident at once in the K/V buffers (16; 2 = halves) */
    uint32_t fetchers;            /* fetcher ports on the crossbar (32) */
    uint32_t xbar_latency;        /* crossbar traversal, cycles, each direction */
    uint32_t max_outstanding;     /* DRAM requests in flight (reorder buffer entries) */
    uint32_t row_layout;          /* HW_ROWS_PACKED or HW_ROWS_ALIGNED (DRAM layout of matrix rows) */
    /* FIFO depths between blocks */
    uint32_t fifo_req_depth;      /* fetcher -> crossbar/DRAM request queue */
    uint32_t fifo_row_depth;      /* per-stage row work queues (fetch->QK->softmax->topk->PV) */
    /* simulation control */
    uint32_t watchdog_cycles;     /* no progress for this many cycles = deadlock error */
    bool     time_skip;           /* skip provably idle cycles (on by default; --no-skip) */
    char     dram_config[HW_PATH_MAX];    /* relative to this file */
    char     energy_config[HW_PATH_MAX];  /* relative to this file; "" = no energy model */
    char     gpu_config[HW_PATH_MAX];     /* relative to this file; "" = no GPU baseline */
    /* derived / loaded (not JSON fields) */
    uint64_t clk_ps;              /* 10^6 / clock_mhz */
    char     path[HW_PATH_MAX];   /* the hw file itself */
    struct dram_cfg   *dram;      /* loaded dram_config (owned) */
    struct energy_cfg *energy;    /* loaded energy_config or NULL (owned) */
    struct gpu_cfg    *gpu;       /* loaded gpu_config or NULL (owned) */
} hw_cfg;

extern const cfg_table HW_CFG_TABLE;

/* Load path into *out, then the referenced dram/energy/gpu configs. On error *out holds no
 * allocations. */
int  hw_cfg_load(const char *path, hw_cfg *out, sim_err *err);
/* Free the loaded sub-configs (NULL-safe, idempotent). */
void hw_cfg_release(hw_cfg *hw);

#ifdef __cplusplus
}
#endif
#endif
