/* report.c - console / JSON / CSV reports from accel_result + stats (see report.h). */
#include "report/report.h"
#include "base/fileio.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

void report_workload_from_trace(report_workload *w, const spt_trace *t, const char *source)
{
    w->name = t->workload;
    w->model = t->model;
    w->policy = t->policy.name;
    w->layers = t->layers;
    w->heads = t->heads;
    w->d_head = t->d_head;
    w->n_prompt = t->n_prompt;
    w->n_gen = t->n_gen;
    w->source = source ? source : "";
    w->checksum = t->checksum;
}

bool report_gpu(const report_in *in, int kernel, gpu_result *out)
{
    if (!in->hw->gpu) return false;
    gpu_work w = { 1, in->wl->layers, in->wl->heads, in->wl->d_head, in->wl->n_prompt,
                   in->wl->n_gen };
    return gpu_estimate(in->hw->gpu, &w, kernel, out) == SIM_OK;
}

static bool want_kernel(const report_in *in, int kernel)
{
    if (!in->hw->gpu) return false;
    uint32_t k = in->hw->gpu->kernel;
    return k == GPU_BOTH || (int)k == kernel;
}

static double accel_dram_bytes(const accel_result *r)
{
    return (double)r->c.dram_rd_bytes + (double)r->c.dram_wr_bytes;
}

/* ---- console ------------------------------------------------------------------------------ */

static void human_bytes(char *buf, size_t cap, double b)
{
    if (b >= 1e9) snprintf(buf, cap, "%.2f GB", b / 1e9);
    else if (b >= 1e6) snprintf(buf, cap, "%.2f MB", b / 1e6);
    else if (b >= 1e3) snprintf(buf, cap, "%.2f kB", b / 1e3);
    else snprintf(buf, cap, "%.0f B", b);
}

static void human_time(char *buf, size_t cap, double s)
{
    if (s >= 1) snprintf(buf, cap, "%.3f s", s);
    else if (s >= 1e-3) snprintf(buf, cap, "%.3f ms", s * 1e3);
    else snprintf(buf, cap, "%.3f us", s * 1e6);
}

static void human_energy(char *buf, size_t cap, double j)
{
    if (j >= 1) snprintf(buf, cap, "%.3f J", j);
    else if (j >= 1e-3) snprintf(buf, cap, "%.3f mJ", j * 1e3);
    else snprintf(buf, cap, "%.3f uJ", j * 1e6);
}

static void ratio(char *buf, size_t cap, double num, double den)
{
    if (den > 0) snprintf(buf, cap, "%.1fx", num / den);
    else snprintf(buf, cap, "-");
}

int report_console(const report_in *in, FILE *out)
{
    const accel_result *r = in->res;
    const report_workload *w = in->wl;
    char a[32], b[32];
    fprintf(out, "spatten-sim %s  workload %s (%s, %u layers x %u heads x d=%u, N=%u",
            SPATTEN_VERSION, w->name, w->model, w->layers, w->heads, w->d_head, w->n_prompt);
    if (w->n_gen) fprintf(out, " + %u generated", w->n_gen);
    fprintf(out, ", policy %s)\nmachine %s at %u MHz%s\n\n", w->policy, in->hw->name,
            in->hw->clock_mhz, r->timing_only ? "  [timing only: no golden check]" : "");

    gpu_result g[2];
    bool have[2];
    for (int k = 0; k < 2; k++) have[k] = want_kernel(in, k) && report_gpu(in, k, &g[k]);
    const char *gname = in->hw->gpu ? in->hw->gpu->name : "";

    fprintf(out, "%-22s %18s", "", "accelerator");
    for (int k = 0; k < 2; k++)
        if (have[k]) fprintf(out, " %22s", k == GPU_UNFUSED ? "GPU unfused" : "GPU fused");
    fprintf(out, "\n");
    human_time(a, sizeof a, r->seconds);
    fprintf(out, "%-22s %18s", "time", a);
    for (int k = 0; k < 2; k++)
        if (have[k]) { human_time(b, sizeof b, g[k].seconds); fprintf(out, " %22s", b); }
    fprintf(out, "\n%-22s %18" PRIu64 "\n", "cycles", r->cycles);
    human_bytes(a, sizeof a, (double)r->c.dram_rd_bytes);
    fprintf(out, "%-22s %18s\n", "DRAM read", a);
    human_bytes(a, sizeof a, (double)r->c.dram_wr_bytes);
    fprintf(out, "%-22s %18s\n", "DRAM written", a);
    human_bytes(a, sizeof a, accel_dram_bytes(r));
    fprintf(out, "%-22s %18s", "DRAM total", a);
    for (int k = 0; k < 2; k++)
        if (have[k]) { human_bytes(b, sizeof b, g[k].dram_bytes); fprintf(out, " %22s", b); }
    human_energy(a, sizeof a, r->c.energy_total_pj * 1e-12);
    fprintf(out, "\n%-22s %18s", "energy", a);
    for (int k = 0; k < 2; k++)
        if (have[k]) { human_energy(b, sizeof b, g[k].energy_j); fprintf(out, " %22s", b); }
    fprintf(out, "\n");
    if (have[0] || have[1]) {
        static const char *const rows[3] = { "GPU / accel: DRAM", "GPU / accel: time",
                                             "GPU / accel: energy" };
        for (int q = 0; q < 3; q++) {
            fprintf(out, "%-22s %18s", rows[q], "");
            for (int k = 0; k < 2; k++) {
                if (!have[k]) continue;
                if (q == 0) ratio(a, sizeof a, g[k].dram_bytes, accel_dram_bytes(r));
                else if (q == 1) ratio(a, sizeof a, g[k].seconds, r->seconds);
                else ratio(a, sizeof a, g[k].energy_j, r->c.energy_total_pj * 1e-12);
                fprintf(out, " %22s", a);
            }
            fprintf(out, "\n");
        }
        fprintf(out, "(GPU columns: ANALYTICAL model of %s, dense attention; docs/gpu-baseline.md)\n",
                gname);
    }

    fprintf(out, "\nenergy by module:");
    for (int m = 0; m < ACC_M_N; m++) {
        double pct = r->c.energy_total_pj > 0 ? 100.0 * r->c.energy_pj[m] / r->c.energy_total_pj : 0;
        fprintf(out, "%s %s %.1f%%", m ? "," : "", ACC_MODULE_NAMES[m], pct);
    }
    fprintf(out, "\nDRAM bytes by kind:");
    for (int k = 0; k < ACC_TR_N; k++) {
        human_bytes(a, sizeof a, (double)r->c.bytes[k]);
        fprintf(out, "%s %s %s", k ? "," : "", ACC_TRAFFIC_NAMES[k], a);
    }
    fprintf(out, "\nrows %" PRIu64 ", LSB re-fetch %" PRIu64 " (%.1f%%), K rows %" PRIu64
            ", V rows %" PRIu64 "\n", r->c.rows, r->c.lsb_refetch_rows,
            r->c.rows ? 100.0 * (double)r->c.lsb_refetch_rows / (double)r->c.rows : 0.0, r->c.k_rows,
            r->c.v_rows);
    /* cascade pruning at a glance: alive tokens/heads per layer of the first and last step.
     * In the authors' CSVs every iteration, the first included, is one query per head (a
     * summarization pass has a query per alive token) */
    const bool iterations = r->timing_only && r->n_pass && r->pass[0].n_q == 1;
    for (int which = 0; which < 2 && r->n_pass; which++) {
        uint32_t step = which ? r->pass[r->n_pass - 1].step : r->pass[0].step;
        if (which && step == r->pass[0].step) break;
        if (iterations)
            fprintf(out, "iteration %u (one query per head), tokens/heads alive per layer:", step);
        else if (step == 0) fprintf(out, "summarization, tokens/heads alive per layer:");
        else fprintf(out, "generation step %u, tokens/heads alive per layer:", step);
        for (uint32_t i = 0; i < r->n_pass; i++)
            if (r->pass[i].step == step)
                fprintf(out, " %u/%u", r->pass[i].n_tok, r->pass[i].n_head);
        fprintf(out, "\n");
    }
    if (!r->timing_only)
        fprintf(out, "golden check: %" PRIu64 " output rows, kept sets, LSB decisions and "
                "importance scores all match the reference model\n", r->golden_rows_checked);
    return ferror(out) ? -1 : 0;
}

/* ---- JSON --------------------------------------------------------------------------------- */

/* cJSON prints doubles with 15 significant digits when its (approximate) round-trip test
 * passes, which can drop the last digit; reports write every non-integer with %.17g so the
 * numbers read back exactly (and the energy parts still sum to the total). */
static cJSON *num_item(double v)
{
    if (v != v || v - v != 0) return cJSON_CreateNull();          /* NaN, inf */
    if (v == (double)(int64_t)v && v < 9007199254740992.0 && v > -9007199254740992.0)
        return cJSON_CreateNumber(v);                            /* exact integer */
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    return cJSON_CreateRaw(buf);
}

static void add_num(cJSON *o, const char *key, double v)
{
    cJSON_AddItemToObject(o, key, num_item(v));
}

static cJSON *u64arr_obj(const uint64_t *v, const char *const *names, int n)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < n; i++) add_num(o, names[i], (double)v[i]);
    return o;
}

static cJSON *f64arr_obj(const double *v, const char *const *names, int n)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < n; i++) add_num(o, names[i], v[i]);
    return o;
}

static void add_ratio(cJSON *o, const char *key, double num, double den)
{
    if (den > 0) add_num(o, key, num / den);
    else cJSON_AddNullToObject(o, key);
}

/* The counts a pass and the whole run both report, in this order. */
static void add_counts(cJSON *o, const accel_counts *c)
{
    cJSON_AddItemToObject(o, "bytes", u64arr_obj(c->bytes, ACC_TRAFFIC_NAMES, ACC_TR_N));
    add_num(o, "dram_read_bytes", (double)c->dram_rd_bytes);
    add_num(o, "dram_write_bytes", (double)c->dram_wr_bytes);
    add_num(o, "rows", (double)c->rows);
    add_num(o, "k_rows", (double)c->k_rows);
    add_num(o, "v_rows", (double)c->v_rows);
    add_num(o, "lsb_refetch_rows", (double)c->lsb_refetch_rows);
    add_num(o, "masked_blocks", (double)c->masked_blocks);
    add_num(o, "qk_macs", (double)c->qk_macs);
    add_num(o, "pv_macs", (double)c->pv_macs);
    cJSON_AddItemToObject(o, "busy_cycles", u64arr_obj(c->busy, ACC_MODULE_NAMES, ACC_M_N));
    cJSON_AddItemToObject(o, "stall_cycles", u64arr_obj(c->stall, ACC_MODULE_NAMES, ACC_M_N));
    cJSON_AddItemToObject(o, "energy_pj", f64arr_obj(c->energy_pj, ACC_MODULE_NAMES, ACC_M_N));
    add_num(o, "energy_total_pj", c->energy_total_pj);
}

static cJSON *pass_json(const accel_pass_result *p)
{
    cJSON *o = cJSON_CreateObject();
    add_num(o, "step", p->step);
    add_num(o, "layer", p->layer);
    add_num(o, "tokens", p->n_tok);
    add_num(o, "queries", p->n_q);
    add_num(o, "heads", p->n_head);
    add_num(o, "kv_appended", p->n_new);
    add_num(o, "start_cycle", (double)p->start);
    add_num(o, "cycles", (double)p->cycles);
    add_counts(o, &p->c);
    return o;
}

static cJSON *gpu_json(const report_in *in, int kernel, const gpu_result *g)
{
    const accel_result *r = in->res;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", "analytical");
    cJSON_AddStringToObject(o, "gpu", in->hw->gpu->name);
    cJSON_AddStringToObject(o, "kernel", kernel == GPU_UNFUSED ? "unfused" : "fused");
    add_num(o, "dram_bytes", g->dram_bytes);
    add_num(o, "flops", g->flops);
    add_num(o, "seconds", g->seconds);
    add_num(o, "energy_j", g->energy_j);
    add_num(o, "energy_tdp_j", g->energy_tdp_j);
    cJSON *rat = cJSON_AddObjectToObject(o, "ratios");
    add_ratio(rat, "dram_reduction", g->dram_bytes, accel_dram_bytes(r));
    add_ratio(rat, "speedup", g->seconds, r->seconds);
    add_ratio(rat, "energy_saving", g->energy_j, r->c.energy_total_pj * 1e-12);
    return o;
}

static cJSON *report_json(const report_in *in)
{
    const accel_result *r = in->res;
    const report_workload *w = in->wl;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "spatten-report");
    cJSON_AddStringToObject(root, "spatten_sim_version", SPATTEN_VERSION);
    cJSON *units = cJSON_AddObjectToObject(root, "units");
    cJSON_AddStringToObject(units, "cycles", "accelerator clock cycles");
    cJSON_AddStringToObject(units, "bytes", "bytes");
    cJSON_AddStringToObject(units, "energy_pj", "picojoules");
    cJSON_AddStringToObject(units, "seconds", "seconds");

    cJSON *wl = cJSON_AddObjectToObject(root, "workload");
    cJSON_AddStringToObject(wl, "name", w->name);
    cJSON_AddStringToObject(wl, "model", w->model);
    cJSON_AddStringToObject(wl, "policy", w->policy);
    add_num(wl, "layers", w->layers);
    add_num(wl, "heads", w->heads);
    add_num(wl, "d_head", w->d_head);
    add_num(wl, "n_prompt", w->n_prompt);
    add_num(wl, "n_gen", w->n_gen);
    cJSON_AddStringToObject(wl, "source", w->source ? w->source : "");
    if (w->checksum) {                 /* 0: trace built in memory, never serialised */
        char cks[24];
        snprintf(cks, sizeof cks, "%016" PRIx64, w->checksum);
        cJSON_AddStringToObject(wl, "trace_checksum", cks);
    } else {
        cJSON_AddNullToObject(wl, "trace_checksum");
    }
    cJSON_AddBoolToObject(wl, "timing_only", r->timing_only);

    cJSON *hw = cfg_to_json(&HW_CFG_TABLE, in->hw);
    cJSON_AddItemToObject(root, "hw", hw);

    cJSON *t = cJSON_AddObjectToObject(root, "accelerator");
    add_num(t, "cycles", (double)r->cycles);
    add_num(t, "clock_ps", (double)r->clk_ps);
    add_num(t, "seconds", r->seconds);
    add_num(t, "dram_requests", (double)r->dram_requests);
    add_counts(t, &r->c);
    add_ratio(t, "lsb_refetch_fraction", (double)r->c.lsb_refetch_rows, (double)r->c.rows);
    cJSON *util = cJSON_AddObjectToObject(t, "utilisation");
    for (int m = 0; m < ACC_M_N; m++)
        add_ratio(util, ACC_MODULE_NAMES[m], (double)r->c.busy[m], (double)r->cycles);
    add_num(t, "golden_rows_checked", (double)r->golden_rows_checked);

    cJSON *gb = cJSON_AddArrayToObject(root, "gpu_baseline");
    for (int k = 0; k < 2; k++) {
        gpu_result g;
        if (want_kernel(in, k) && report_gpu(in, k, &g))
            cJSON_AddItemToArray(gb, gpu_json(in, k, &g));
    }

    cJSON *passes = cJSON_AddArrayToObject(root, "passes");
    for (uint32_t i = 0; i < r->n_pass; i++) cJSON_AddItemToArray(passes, pass_json(&r->pass[i]));

    if (in->st) {
        cJSON *s = cJSON_AddObjectToObject(root, "stats");
        stats_to_json(in->st, s);
    }
    return root;
}

char *report_json_string(const report_in *in)
{
    cJSON *root = report_json(in);
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    return s;
}

int report_write_json(const report_in *in, const char *path, sim_err *err)
{
    cJSON *root = report_json(in);
    int rc = fio_write_json(path, root, err);
    cJSON_Delete(root);
    return rc;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

int report_write_csv(const report_in *in, const char *path, sim_err *err)
{
    fio_writer *wr;
    int rc = fio_open(path, &wr, err);
    if (rc) return rc;
    FILE *f = fio_file(wr);
    fprintf(f, "step,layer,tokens,queries,heads,kv_appended,start_cycle,cycles");
    for (int k = 0; k < ACC_TR_N; k++) fprintf(f, ",bytes_%s", ACC_TRAFFIC_NAMES[k]);
    fprintf(f, ",dram_read_bytes,dram_write_bytes,rows,k_rows,v_rows,lsb_refetch_rows,"
               "masked_blocks,qk_macs,pv_macs");
    for (int m = 0; m < ACC_M_N; m++) fprintf(f, ",busy_%s", ACC_MODULE_NAMES[m]);
    for (int m = 0; m < ACC_M_N; m++) fprintf(f, ",stall_%s", ACC_MODULE_NAMES[m]);
    for (int m = 0; m < ACC_M_N; m++) fprintf(f, ",energy_pj_%s", ACC_MODULE_NAMES[m]);
    fprintf(f, ",energy_total_pj\n");
    const accel_result *r = in->res;
    for (uint32_t i = 0; i < r->n_pass; i++) {
        const accel_pass_result *p = &r->pass[i];
        fprintf(f, "%u,%u,%u,%u,%u,%u,%" PRIu64 ",%" PRIu64, p->step, p->layer, p->n_tok,
                p->n_q, p->n_head, p->n_new, p->start, p->cycles);
        for (int k = 0; k < ACC_TR_N; k++) fprintf(f, ",%" PRIu64, p->c.bytes[k]);
        fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                   ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
                p->c.dram_rd_bytes, p->c.dram_wr_bytes, p->c.rows, p->c.k_rows, p->c.v_rows,
                p->c.lsb_refetch_rows, p->c.masked_blocks, p->c.qk_macs, p->c.pv_macs);
        for (int m = 0; m < ACC_M_N; m++) fprintf(f, ",%" PRIu64, p->c.busy[m]);
        for (int m = 0; m < ACC_M_N; m++) fprintf(f, ",%" PRIu64, p->c.stall[m]);
        for (int m = 0; m < ACC_M_N; m++) fprintf(f, ",%.6f", p->c.energy_pj[m]);
        fprintf(f, ",%.6f\n", p->c.energy_total_pj);
    }
    if (ferror(f)) {
        fio_abort(wr);
        return sim_errf(err, SIM_EIO, "%s: write failed", path);
    }
    return fio_commit(wr, err);
}
