/*
 * wlcsv.h - the SpAtten authors' per-(iteration, layer, head) workload CSV (spec spatten.md s.5).
 *
 * Not a hardware block: the file format that drives the authors' RTL (mit-han-lab/spatten,
 * spatten_hardware/hardware/workloads/). We read it strictly, so the simulator's
 * timing-only mode can run such a file (no data, so no golden check), and we write it from our
 * own traces, so users of the authors' release can compare. Column meanings: docs/workload-csv.md.
 *
 * Format: a header line with exactly these 17 names in this order
 *   iteration_id,layer_id,head_id,embedding_length_D,sentence_length_L,key_fetch_num,
 *   quant_key_bit,quant_query_bit,auto_requant_thres,if_requant,auto_requant_incre,
 *   value_fetch_num,quant_value_bit,if_accumulate_importance,if_rescale_previous_importance,
 *   if_topk,topk
 * then one row per alive head of each (iteration, layer), in execution order; booleans are
 * True/False, -1 marks an unused numeric field, and an optional LAST line names the run's config
 * (its first field is free text, the 16 others empty). Every error is one line
 * "FILE:LINE: what" with code SIM_ETRACE (I/O failure: SIM_EIO).
 */
#ifndef SPATTEN_WLCSV_H
#define SPATTEN_WLCSV_H

#include "base/common.h"
#include "trace/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WLCSV_NCOLS 17
extern const char *const WLCSV_COLUMNS[WLCSV_NCOLS];

/* Reader limits, the trace format's (trace.h: N + T <= 4096, 64 layers, 64 heads, d <= 1024):
 * iteration_id <= WLCSV_MAX_ITER, sentence_length_L and key_fetch_num in [1, WLCSV_MAX_LEN]. */
#define WLCSV_MAX_ITER 4095u
#define WLCSV_MAX_LEN  4096u

typedef struct wlcsv_row {
    uint32_t iteration;        /* iteration_id: 0.. (one generated token per iteration) */
    uint32_t layer;            /* layer_id */
    uint32_t head;             /* head_id (original head index; pruned heads have no row) */
    uint32_t d_head;           /* embedding_length_D: per-head dimension (written "64.0") */
    uint32_t sentence_len;     /* sentence_length_L: tokens in the context at this iteration */
    uint32_t key_fetch;        /* key_fetch_num: K rows fetched (tokens alive after pruning) */
    int32_t  quant_key_bit;    /* K bits fetched first (MSB plane when progressive); -1 unused */
    int32_t  quant_query_bit;  /* Q bits; -1 unused */
    double   requant_thres;    /* auto_requant_thres: max-prob threshold; -1 unused */
    bool     if_requant;       /* this head needed the LSB re-fetch (progressive quantisation) */
    int32_t  requant_incre;    /* auto_requant_incre: LSB bits added on re-fetch; -1 unused */
    uint32_t value_fetch;      /* value_fetch_num: V rows fetched (after local V pruning) */
    int32_t  quant_value_bit;  /* V bits; -1 unused */
    bool     accumulate_imp;   /* if_accumulate_importance */
    bool     rescale_prev_imp; /* if_rescale_previous_importance */
    bool     if_topk;          /* token top-k runs after this row (cascade pruning) */
    int32_t  topk;             /* tokens kept by that top-k; -1 when if_topk is False */
    uint32_t line;             /* 1-based line number in the file (0 when built in memory) */
} wlcsv_row;

typedef struct wlcsv {
    wlcsv_row *rows;           /* [n_rows] in file order */
    char      *source;         /* the file it was read from (messages); NULL when built in memory */
    size_t     n_rows;
    char       config[256];    /* trailing config line's first field; "" if none */
    uint32_t   n_iterations;   /* max iteration_id + 1 */
    uint32_t   n_layers;       /* max layer_id + 1 */
    uint32_t   max_heads;      /* max head_id + 1 */
    bool       summary_iter0;  /* iteration 0 is a summarization pass (every alive token is a
                                  query: key_fetch_num queries per row). Set only for files we
                                  wrote (config line "spatten-sim ... summarization=iteration0");
                                  in the authors' files every row is ONE query (generation). */
    bool       summary_causal; /* with summary_iter0: query i of a summarization row sees keys
                                  0..i only (config line "... attention=causal") */
} wlcsv;

/* Strict reader. Checks: header (exact names), 17 fields per line, integer/float/boolean syntax,
 * ranges (-1 only where "unused" is meaningful), value_fetch <= key_fetch <= sentence_len,
 * topk = -1 iff if_topk is False (else 0 <= topk <= key_fetch), rows in execution order
 * (iteration, then layer, non-decreasing; head strictly increasing within a layer), the config
 * line only last and printable ASCII, and a newline at the end of the last line (a file cut
 * short is an error, not a shorter last value). */
int  wlcsv_read(const char *path, wlcsv **out, sim_err *err);
int  wlcsv_read_mem(const char *data, size_t len, const char *name, wlcsv **out, sim_err *err);
void wlcsv_free(wlcsv *w);                                   /* NULL is a no-op */

/* The workload a CSV describes, for reports: layers = max layer_id + 1, heads = max head_id + 1,
 * d_head and n_prompt from the first row (0 without rows), n_gen = iterations - 1, policy = the
 * config line ("csv" without one). */
typedef struct wlcsv_shape {
    uint32_t    layers, heads, d_head, n_prompt, n_gen;
    const char *policy;        /* points into w */
} wlcsv_shape;
void wlcsv_shape_of(const wlcsv *w, wlcsv_shape *out);

/* Write rows (+ config line if config != NULL/"") atomically in the authors' format. */
int  wlcsv_write(const wlcsv *w, const char *path, sim_err *err);

/* Write one row per (step, layer, alive head) of our trace (mapping in docs/workload-csv.md):
 * iteration = step (0 = summarization: flagged in the config line); sentence_len = context
 * length (N for step 0, N + t for generation step t); key_fetch =
 * n_tok; value_fetch = ceil(v_keep * n_tok) if local V pruning else n_tok; quant bits from
 * t->fmt; if_requant = any row of that head set lsb_refetch; if_topk/topk on the last head row
 * of a pass when the next pass keeps fewer of its tokens (topk = how many it keeps). Config line:
 * "spatten-sim <workload> <model> N=<n_prompt> T=<n_gen>[ summarization=iteration0]". */
int  wlcsv_from_trace(const spt_trace *t, wlcsv **out, sim_err *err);
int  wlcsv_write_trace(const spt_trace *t, const char *path, sim_err *err);

#ifdef __cplusplus
}
#endif
#endif
