/* gpu.h - ANALYTICAL GPU baseline (not simulated): DRAM bytes, FLOPs, roofline time, energy.
 *
 * Closed-form estimate of what a GPU needs for the same DENSE attention work the accelerator
 * runs (spec gpu-baseline.md; every formula and its source in docs/gpu-baseline.md). Terms:
 * B batch, L layers, H heads, d head dim, D = H*d, N prompt tokens, T generated tokens,
 * b bytes per element (2 fp16, 4 fp32: from the config's precision).
 *   unfused, per layer and batch item: QK^T kernel 2NDb + HN^2b, softmax 2HN^2b (+ mask N^2b),
 *            PV kernel HN^2b + 2NDb  => 4NDb + 4HN^2b; three kernel launches per layer
 *   fused (FlashAttention-style): N*D*b*(2 + 2*ceil(N/Br)),  Br = min(ceil(M/(4 d b)), d),
 *            M = on-chip SRAM per SM in bytes; lower bound 4NDb; one launch per layer
 *   generation step t = 1..T (context n = N + t): 2nDb + 4Db per layer (+ 4Hnb unfused)
 *   FLOPs: 4N^2D (two GEMMs) + 5HN^2 (softmax) per layer; generation 4nD + 5Hn
 *   time per kernel = max(bytes / (eff * BW_peak), flops / FLOPS_peak) + launch_overhead
 *   energy = bytes * e_dram_per_byte + flops * e_flop   (and tdp * time as an upper bound)
 */
#ifndef SPATTEN_GPU_H
#define SPATTEN_GPU_H

#include "base/common.h"
#include "base/cfg.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { GPU_UNFUSED = 0, GPU_FUSED = 1, GPU_BOTH = 2 };          /* gpu_cfg.kernel values */
enum { GPU_FP32 = 0, GPU_FP16 = 1 };                            /* gpu_cfg.precision values */

typedef struct gpu_cfg {
    char     name[48];            /* "TITAN Xp", ... */
    double   dram_gb;             /* capacity, GB (informational) */
    double   peak_bw_gbps;        /* peak DRAM bandwidth, GB/s (1e9 bytes/s) */
    double   peak_fp32_tflops;    /* peak FP32 (CUDA cores), TFLOPS */
    double   peak_fp16_tflops;    /* peak dense FP16 tensor TFLOPS; 0 = not available */
    double   l2_mb;               /* L2 cache, MB (informational) */
    uint32_t smem_per_sm_kb;      /* M: max shared memory per SM, KB (FlashAttention tiling) */
    uint32_t precision;           /* GPU_FP32 | GPU_FP16: element size and GEMM peak */
    uint32_t kernel;              /* GPU_UNFUSED | GPU_FUSED | GPU_BOTH (what reports show) */
    double   bw_efficiency;       /* achieved fraction of peak bandwidth (0.8) */
    double   flops_efficiency;    /* achieved fraction of peak FLOPS (1.0 = roofline) */
    double   launch_overhead_us;  /* per kernel launch, microseconds */
    bool     mask_read;           /* unfused softmax also reads an N x N mask (N^2 b per layer) */
    double   e_dram_pj_per_byte;  /* DRAM access energy, pJ/byte */
    double   e_flop_fp32_pj;      /* energy per FP32 flop, pJ */
    double   e_flop_fp16_pj;      /* energy per FP16 flop, pJ */
    double   tdp_w;               /* board power (datasheet TDP), W: energy_tdp_j = tdp * seconds */
    /* derived by the loader */
    uint32_t elem_bytes;          /* b: 4 (fp32) or 2 (fp16) */
} gpu_cfg;

extern const cfg_table GPU_CFG_TABLE;
int gpu_cfg_load(const char *path, gpu_cfg *out, sim_err *err);
int gpu_cfg_load_string(const char *json, const char *name, gpu_cfg *out, sim_err *err);

typedef struct gpu_work {
    uint32_t batch, layers, heads, d_head, n_prompt, n_gen;
} gpu_work;

typedef struct gpu_result {
    const char *kernel;           /* "unfused" | "fused" (static string) */
    double dram_bytes, flops, seconds, energy_j;
    /* breakdown (extra to the contract) */
    double sum_bytes, gen_bytes;  /* summarization stage / generation steps */
    double sum_seconds, gen_seconds;
    double energy_tdp_j;          /* tdp_w * seconds: an upper bound (board at full power) */
    double launches;              /* kernel launches counted */
    uint32_t br;                  /* fused: query rows per block (0 for unfused) */
} gpu_result;

/* kernel = GPU_UNFUSED or GPU_FUSED. SIM_EINVAL (via err) on zero dimensions or overflow-size
 * work. ANALYTICAL: no simulation. */
int gpu_estimate(const gpu_cfg *g, const gpu_work *w, int kernel, gpu_result *out);
int gpu_estimate_err(const gpu_cfg *g, const gpu_work *w, int kernel, gpu_result *out,
                     sim_err *err);

/* Pieces of the model, exposed for tests and docs (per layer, per batch item, bytes). */
uint32_t gpu_fused_br(const gpu_cfg *g, uint32_t d_head);
double   gpu_unfused_layer_bytes(const gpu_cfg *g, uint32_t n, uint32_t heads, uint32_t d_head);
double   gpu_fused_layer_bytes(const gpu_cfg *g, uint32_t n, uint32_t heads, uint32_t d_head);
double   gpu_gen_step_layer_bytes(const gpu_cfg *g, uint32_t n_ctx, uint32_t heads,
                                  uint32_t d_head, int kernel);

#ifdef __cplusplus
}
#endif
#endif
