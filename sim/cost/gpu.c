/*
 * gpu.c - ANALYTICAL GPU baseline: closed-form DRAM bytes, FLOPs, roofline time and energy of
 * dense attention on a GPU (formulas in gpu.h; derivation and sources in docs/gpu-baseline.md).
 * Nothing here is simulated.
 */
#include "cost/gpu.h"

#include <math.h>
#include <string.h>

static const char *const PRECISION_NAMES[] = {"fp32", "fp16", NULL};
static const char *const KERNEL_NAMES[] = {"unfused", "fused", "both", NULL};

static int gpu_check(void *obj, const char *path, sim_err *err);

static const cfg_field GPU_FIELDS[] = {
    CFG_STRF(gpu_cfg, "name", name, true, NULL, "GPU name (datasheet)"),
    CFG_F64F(gpu_cfg, "dram_gb", dram_gb, 0.001, 1e6, true, 0, "DRAM capacity, GB (informational)"),
    CFG_F64F(gpu_cfg, "peak_bw_gbps", peak_bw_gbps, 1, 1e6, true, 0, "peak DRAM bandwidth, GB/s (datasheet)"),
    CFG_F64F(gpu_cfg, "peak_fp32_tflops", peak_fp32_tflops, 0.001, 1e5, true, 0, "peak FP32 TFLOPS (datasheet)"),
    CFG_F64F(gpu_cfg, "peak_fp16_tflops", peak_fp16_tflops, 0, 1e5, true, 0, "peak dense FP16 tensor TFLOPS (datasheet); 0 = not available"),
    CFG_F64F(gpu_cfg, "l2_mb", l2_mb, 0, 1e4, true, 0, "L2 cache, MB (informational)"),
    CFG_U32F(gpu_cfg, "smem_per_sm_kb", smem_per_sm_kb, 1, 1u << 20, true, 0, "M: shared memory per SM, KB (FlashAttention tiling)"),
    CFG_ENUMF(gpu_cfg, "precision", precision, PRECISION_NAMES, false, 0, "element type: fp32 (4 bytes) or fp16 (2 bytes)"),
    CFG_ENUMF(gpu_cfg, "kernel", kernel, KERNEL_NAMES, false, 2, "kernels the report shows"),
    CFG_F64F(gpu_cfg, "bw_efficiency", bw_efficiency, 0.01, 1, false, 0.8, "achieved fraction of peak bandwidth"),
    CFG_F64F(gpu_cfg, "flops_efficiency", flops_efficiency, 0.01, 1, false, 1.0, "achieved fraction of peak FLOPS"),
    CFG_F64F(gpu_cfg, "launch_overhead_us", launch_overhead_us, 0, 1e4, false, 5.0, "time per kernel launch, us"),
    CFG_BOOLF(gpu_cfg, "mask_read", mask_read, false, 0, "unfused softmax also reads an N x N mask"),
    CFG_F64F(gpu_cfg, "e_dram_pj_per_byte", e_dram_pj_per_byte, 0, 1e5, true, 0, "DRAM access energy, pJ/byte"),
    CFG_F64F(gpu_cfg, "e_flop_fp32_pj", e_flop_fp32_pj, 0, 1e5, true, 0, "energy per FP32 flop, pJ"),
    CFG_F64F(gpu_cfg, "e_flop_fp16_pj", e_flop_fp16_pj, 0, 1e5, true, 0, "energy per FP16 flop, pJ"),
    CFG_F64F(gpu_cfg, "tdp_w", tdp_w, 0, 1e5, true, 0, "board power (datasheet TDP), W"),
};
const cfg_table GPU_CFG_TABLE = {"gpu", GPU_FIELDS, CFG_NFIELDS(GPU_FIELDS), gpu_check};

static int gpu_check(void *obj, const char *path, sim_err *err)
{
    gpu_cfg *g = obj;
    if (g->precision == GPU_FP16 && !(g->peak_fp16_tflops > 0))
        return sim_errf(err, SIM_EINVAL,
                        "%s: field 'precision' = \"fp16\" needs 'peak_fp16_tflops' > 0 (this GPU has none)",
                        path);
    g->elem_bytes = g->precision == GPU_FP16 ? 2u : 4u;
    return SIM_OK;
}

int gpu_cfg_load(const char *path, gpu_cfg *out, sim_err *err)
{
    return cfg_load_file(&GPU_CFG_TABLE, path, out, err);
}

int gpu_cfg_load_string(const char *json, const char *name, gpu_cfg *out, sim_err *err)
{
    return cfg_load_string(&GPU_CFG_TABLE, json, name, out, err);
}

/* Br = min(ceil(M / (4 d b)), d), M in bytes (FlashAttention, Algorithm 1, with M in bytes). */
uint32_t gpu_fused_br(const gpu_cfg *g, uint32_t d_head)
{
    if (d_head == 0 || g->elem_bytes == 0) return 1;
    uint64_t m = (uint64_t)g->smem_per_sm_kb * 1024u;
    uint64_t br = sim_ceil_div(m, 4ull * d_head * g->elem_bytes);
    if (br > d_head) br = d_head;
    if (br < 1) br = 1;
    return (uint32_t)br;
}

double gpu_unfused_layer_bytes(const gpu_cfg *g, uint32_t n, uint32_t heads, uint32_t d_head)
{
    double b = g->elem_bytes, N = n, D = (double)heads * d_head, H = heads;
    double bytes = 4.0 * N * D * b + 4.0 * H * N * N * b;
    if (g->mask_read) bytes += N * N * b;
    return bytes;
}

double gpu_fused_layer_bytes(const gpu_cfg *g, uint32_t n, uint32_t heads, uint32_t d_head)
{
    double b = g->elem_bytes, N = n, D = (double)heads * d_head;
    double blocks = (double)sim_ceil_div(n, gpu_fused_br(g, d_head));
    return N * D * b * (2.0 + 2.0 * blocks);
}

double gpu_gen_step_layer_bytes(const gpu_cfg *g, uint32_t n_ctx, uint32_t heads, uint32_t d_head,
                                int kernel)
{
    double b = g->elem_bytes, n = n_ctx, D = (double)heads * d_head, H = heads;
    double bytes = 2.0 * n * D * b + 4.0 * D * b;
    if (kernel == GPU_UNFUSED) bytes += 4.0 * H * n * b;
    return bytes;
}

/* Roofline time of one kernel launch: GEMM flops run at the precision's peak, softmax flops at
 * the FP32 peak (CUDA cores); memory and compute overlap fully (max), launch overhead adds. */
static double kernel_seconds(const gpu_cfg *g, double bytes, double gemm_flops, double sm_flops)
{
    double bw = g->bw_efficiency * g->peak_bw_gbps * 1e9;
    double peak32 = g->flops_efficiency * g->peak_fp32_tflops * 1e12;
    double peakg = g->precision == GPU_FP16 ? g->flops_efficiency * g->peak_fp16_tflops * 1e12
                                             : peak32;
    double tm = bytes / bw, tc = gemm_flops / peakg + sm_flops / peak32;
    return (tm > tc ? tm : tc) + g->launch_overhead_us * 1e-6;
}

typedef struct acc { double bytes, gemm, sm, sec, launches; } acc;

static void add_kernel(const gpu_cfg *g, acc *a, double batch, double bytes, double gemm, double sm)
{
    a->bytes += batch * bytes;
    a->gemm += batch * gemm;
    a->sm += batch * sm;
    a->sec += kernel_seconds(g, batch * bytes, batch * gemm, batch * sm);
    a->launches += 1.0;
}

/* One layer of attention over n query rows and n_ctx keys. Summarization: n = n_ctx = N
 * (dense, full N x N even when causal); generation: n = 1. */
static void layer(const gpu_cfg *g, const gpu_work *w, int kernel, bool gen, uint32_t n_q,
                  uint32_t n_ctx, acc *a)
{
    const double b = g->elem_bytes, H = w->heads, D = (double)w->heads * w->d_head;
    const double q = n_q, n = n_ctx, B = w->batch;
    const double gemm_half = 2.0 * q * n * D;          /* one of the two GEMMs */
    const double sm = 5.0 * H * q * n;                 /* softmax */
    const double s = H * q * n * b;                    /* one pass over S or P */
    if (kernel == GPU_UNFUSED) {
        /* gen: the k, v writes of the new token are charged to the first kernel */
        double extra = gen ? 2.0 * D * b : 0.0;
        add_kernel(g, a, B, q * D * b + n * D * b + s + extra, gemm_half, 0.0);      /* S = QK^T */
        add_kernel(g, a, B, 2.0 * s + (g->mask_read ? q * n * b : 0.0), 0.0, sm);    /* softmax */
        add_kernel(g, a, B, s + n * D * b + q * D * b, gemm_half, 0.0);              /* O = PV */
    } else {
        double bytes = gen ? gpu_gen_step_layer_bytes(g, n_ctx, w->heads, w->d_head, GPU_FUSED)
                           : gpu_fused_layer_bytes(g, n_ctx, w->heads, w->d_head);
        add_kernel(g, a, B, bytes, 2.0 * gemm_half, sm);
    }
}

int gpu_estimate_err(const gpu_cfg *g, const gpu_work *w, int kernel, gpu_result *out,
                     sim_err *err)
{
    memset(out, 0, sizeof *out);
    if (kernel != GPU_UNFUSED && kernel != GPU_FUSED)
        return sim_errf(err, SIM_EINVAL, "gpu baseline: kernel %d is neither unfused nor fused", kernel);
    if (!w->batch || !w->layers || !w->heads || !w->d_head || (!w->n_prompt && !w->n_gen))
        return sim_errf(err, SIM_EINVAL,
                        "gpu baseline: batch, layers, heads, d_head and n_prompt + n_gen must be > 0");
    if (g->elem_bytes != 2 && g->elem_bytes != 4)
        return sim_errf(err, SIM_EINVAL, "gpu baseline: config '%s' was not loaded (element size %u)",
                        g->name, g->elem_bytes);
    out->kernel = kernel == GPU_UNFUSED ? "unfused" : "fused";
    out->br = kernel == GPU_FUSED ? gpu_fused_br(g, w->d_head) : 0;
    acc s = {0, 0, 0, 0, 0}, t = {0, 0, 0, 0, 0};
    if (w->n_prompt)
        for (uint32_t l = 0; l < w->layers; l++) layer(g, w, kernel, false, w->n_prompt, w->n_prompt, &s);
    for (uint32_t step = 1; step <= w->n_gen; step++)
        for (uint32_t l = 0; l < w->layers; l++)
            layer(g, w, kernel, true, 1, w->n_prompt + step, &t);
    out->sum_bytes = s.bytes;
    out->gen_bytes = t.bytes;
    out->sum_seconds = s.sec;
    out->gen_seconds = t.sec;
    out->dram_bytes = s.bytes + t.bytes;
    out->flops = s.gemm + s.sm + t.gemm + t.sm;
    out->seconds = s.sec + t.sec;
    out->launches = s.launches + t.launches;
    double e_gemm = g->precision == GPU_FP16 ? g->e_flop_fp16_pj : g->e_flop_fp32_pj;
    out->energy_j = (out->dram_bytes * g->e_dram_pj_per_byte + (s.gemm + t.gemm) * e_gemm +
                     (s.sm + t.sm) * g->e_flop_fp32_pj) * 1e-12;
    out->energy_tdp_j = g->tdp_w * out->seconds;
    return SIM_OK;
}

int gpu_estimate(const gpu_cfg *g, const gpu_work *w, int kernel, gpu_result *out)
{
    return gpu_estimate_err(g, w, kernel, out, NULL);
}
