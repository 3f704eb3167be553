/* plan.c - check that a workload fits the hardware and the limits BEFORE any work, and estimate
 * what it will cost (trace size, memory, reference-model time). docs/architecture.md, "Limits".
 *
 * The estimates are upper bounds from the shape alone (no pruning assumed): trace bytes are the
 * tensors of docs/trace-format.md; memory is the trace held twice (model buffers + trace) plus
 * the accelerator's DRAM image in `run`; time is the attention MACs at a measured ~1.5 GMAC/s
 * (bert-base: 3 s, gpt2-small: 10 s on the reference machine). */
#define _POSIX_C_SOURCE 200809L
#include "cmds.h"
#include "models/workload.h"

#include <stdio.h>
#include <sys/resource.h>

#define PLAN_MACS_PER_S 1.5e9

void cli_plan_estimate(const wl_cfg *w, bool simulate, cli_plan *p)
{
    const double L = w->layers, H = w->heads, d = w->d_head, N = w->n_prompt, T = w->n_gen;
    /* summarization: q, k, v (I16) and out (I32) per head and token; index/importance vectors */
    double bytes = L * (H * N * d * 10.0 + N * 20.0 + H * 16.0 + H * N * 5.0);
    double macs = L * N * N * d * 2.0 * H;
    /* generation steps: one query row each, over N + t keys */
    const double keys = T * N + T * (T + 1) / 2.0;
    bytes += L * (H * T * d * 10.0 + keys * 12.0 + T * (H * 16.0 + H * 5.0 + 8.0));
    macs += L * keys * d * 2.0 * H;
    p->trace_bytes = bytes + 65536.0;   /* + the header */
    p->model_s = macs / PLAN_MACS_PER_S;
    /* the accelerator's DRAM image: K, K MSB, V per layer, head, position, element (I16) */
    double image = simulate ? L * H * (N + T) * d * 6.0 : 0.0;
    p->mem_bytes = 2.0 * p->trace_bytes + image + 64.0 * 1048576.0;
}

static void mb(char *b, size_t cap, double v)
{
    if (v >= 1024.0 * 1048576.0) snprintf(b, cap, "%.1f GiB", v / (1024.0 * 1048576.0));
    else snprintf(b, cap, "%.0f MiB", v / 1048576.0);
}

int cli_plan_check(const char *cmd, const char *input, const wl_cfg *w, const hw_cfg *hw,
                   const cli_limits *lim, bool quiet, sim_err *err)
{
    /* hardware fit, certain from the shape alone (the accelerator checks the same later) */
    if (hw) {
        /* the top-k engine holds every key of a pass: at least the N prompt tokens, and all
         * N + T when no token is ever pruned */
        const bool prunes = w->policy.token_prune;
        const uint32_t need = prunes ? w->n_prompt : w->n_prompt + w->n_gen;
        if (need > hw->topk_max_n)
            return sim_errf(err, SIM_EINVAL, "%s: top-k engine holds %u values; the workload needs "
                            "%u (hardware %s)", input, hw->topk_max_n, need,
                            hw->path);
        if (hw->qk_multipliers < w->d_head || hw->pv_multipliers < w->d_head)
            return sim_errf(err, SIM_EINVAL, "%s: %u Q.K / %u prob.V multipliers cannot hold one "
                            "d = %u row (hardware %s)", input, hw->qk_multipliers,
                            hw->pv_multipliers, w->d_head, hw->path);
    }
    cli_plan p;
    cli_plan_estimate(w, hw != NULL, &p);
    char tb[32], mm[32];
    mb(tb, sizeof tb, p.trace_bytes);
    mb(mm, sizeof mm, p.mem_bytes);
    /* an address-space limit below the (upper-bound) estimate is a warning: pruning usually
     * keeps the real need lower, and a real shortage is exit 3 naming the input (cli_oom) */
    struct rlimit rl;
    bool tight = getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
                 p.mem_bytes > (double)rl.rlim_cur;
    if (p.trace_bytes > lim->max_trace_mb * 1048576.0)
        return sim_errf(err, SIM_EINVAL, "%s: the trace would be up to %s, above the %.0f MiB cap; "
                        "raise it with --max-trace-mb (docs/architecture.md, \"Limits\")", input,
                        tb, lim->max_trace_mb);
    if (p.model_s > lim->max_model_s)
        return sim_errf(err, SIM_EINVAL, "%s: the reference model would take about %.0f s, above "
                        "the %.0f s cap; raise it with --max-model-s (docs/architecture.md, "
                        "\"Limits\")", input, p.model_s, lim->max_model_s);
    if (tight && !quiet) {
        char lb[32];
        mb(lb, sizeof lb, (double)rl.rlim_cur);
        fprintf(stderr, "spatten: %s: %s: warning: it may need up to %s; the address-space limit "
                "(ulimit -v) is %s\n", cmd, input, mm, lb);
    }
    if (!quiet && (p.trace_bytes > 256.0 * 1048576.0 || p.model_s > 30.0))
        fprintf(stderr, "spatten: %s: %s: estimate: trace up to %s, memory about %s, reference "
                "model about %.0f s\n", cmd, input, tb, mm, p.model_s);
    return SIM_OK;
}
