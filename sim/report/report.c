/* report.c - console / JSON / CSV reports from accel_result + stats (see report.h). */
#include "report/report.h"
#include "base/fileio.h"
#include "cost/energy.h"
#include "dram/dram.h"
#include "trace/st.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

void report_workload_from_csv(report_workload *w, const wlcsv *c, const char *source)
{
    wlcsv_shape sh;
    wlcsv_shape_of(c, &sh);
    memset(w, 0, sizeof *w);
    w->name = source;
    w->model = "csv";
    w->policy = sh.policy;
    w->layers = sh.layers;
    w->heads = sh.heads;
    w->d_head = sh.d_head;
    w->n_prompt = sh.n_prompt;
    w->n_gen = sh.n_gen;
    w->source = source;
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

/* ---- sweeps ------------------------------------------------------------------------------- */

void report_sweep_header(const sweep *s, FILE *f)
{
    fprintf(f, "point,workload");
    for (int a = 0; a < sweep_n_axes(s); a++) fprintf(f, ",%s", sweep_axis_column(s, a));
    fprintf(f, ",cycles,seconds,dram_read_bytes,dram_write_bytes,energy_pj,lsb_refetch_rows,rows,"
               "qk_busy_cycles,topk_busy_cycles,gpu_unfused_dram_bytes,gpu_fused_dram_bytes,dram_reduction_unfused,"
               "dram_reduction_fused,speedup_unfused,energy_saving_unfused\n");
}

/* A CSV cell for a GPU figure (have: the hw config gives one) or a ratio (have and den > 0:
 * the rule of ratio() and add_ratio() above). */
static void csv_cell(FILE *f, bool whole, bool have, double num, double den)
{
    fputc(',', f);
    if (!(have && den > 0)) fputc('-', f);
    else if (whole) fprintf(f, "%.0f", num / den);
    else fprintf(f, "%.6g", num / den);
}

void report_sweep_row(const sweep *s, long p, const report_in *in, FILE *f)
{
    const accel_result *r = in->res;
    gpu_result gu = { 0 }, gf = { 0 };
    bool hu = report_gpu(in, GPU_UNFUSED, &gu), hf = report_gpu(in, GPU_FUSED, &gf);
    double acc = accel_dram_bytes(r), ej = r->c.energy_total_pj * 1e-12;
    fprintf(f, "%ld,%s", p, in->wl->name);
    for (int a = 0; a < sweep_n_axes(s); a++) {
        fputc(',', f);
        sweep_put_cell(s, p, a, f);
    }
    fprintf(f, ",%" PRIu64 ",%.9g,%" PRIu64 ",%" PRIu64 ",%.6f,%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%" PRIu64, r->cycles, r->seconds, r->c.dram_rd_bytes, r->c.dram_wr_bytes,
            r->c.energy_total_pj, r->c.lsb_refetch_rows, r->c.rows, r->c.busy[ACC_M_QK],
            r->c.busy[ACC_M_TOPK]);
    csv_cell(f, true, hu, gu.dram_bytes, 1);
    csv_cell(f, true, hf, gf.dram_bytes, 1);
    csv_cell(f, false, hu, gu.dram_bytes, acc);
    csv_cell(f, false, hf, gf.dram_bytes, acc);
    csv_cell(f, false, hu, gu.seconds, r->seconds);
    csv_cell(f, false, hu, gu.energy_j, ej);
    fputc('\n', f);
}

uint64_t report_inputs_hash(const hw_cfg *hw, const char *wl_json)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "spatten_sim_version", SPATTEN_VERSION);
    cJSON_AddItemToObject(o, "hw", cfg_to_json(&HW_CFG_TABLE, hw));
    cJSON_AddItemToObject(o, "dram", hw->dram ? cfg_to_json(&DRAM_CFG_TABLE, hw->dram)
                                              : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "energy", hw->energy ? cfg_to_json(&ENERGY_CFG_TABLE, hw->energy)
                                                  : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "gpu", hw->gpu ? cfg_to_json(&GPU_CFG_TABLE, hw->gpu)
                                            : cJSON_CreateNull());
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    uint64_t h = st_fnv1a((const uint8_t *)txt, strlen(txt), 0xcbf29ce484222325ull);
    h = st_fnv1a((const uint8_t *)"\n", 1, h);
    h = st_fnv1a((const uint8_t *)wl_json, strlen(wl_json), h);
    free(txt);
    return h;
}

static void point_line(char *buf, size_t cap, long p, uint64_t hash)
{
    snprintf(buf, cap, "# spatten-sweep point %ld inputs %016" PRIx64 "\n", p, hash);
}

int report_sweep_point_write(const char *path, const sweep *s, long p, uint64_t hash,
                             const report_in *in, sim_err *err)
{
    fio_writer *w;
    int rc = fio_open(path, &w, err);
    if (rc) return rc;
    FILE *f = fio_file(w);
    char line[96];
    point_line(line, sizeof line, p, hash);
    fputs(line, f);
    report_sweep_header(s, f);
    report_sweep_row(s, p, in, f);
    return fio_commit(w, err);
}

/* The header as a malloc'ed string. */
static char *header_string(const sweep *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    SIM_ASSERT(f != NULL);
    report_sweep_header(s, f);
    fclose(f);
    return buf;
}

/* Point p's varied cells, each followed by a comma, as a malloc'ed string. */
static char *cells_string(const sweep *s, long p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    SIM_ASSERT(f != NULL);
    for (int a = 0; a < sweep_n_axes(s); a++) {
        sweep_put_cell(s, p, a, f);
        fputc(',', f);
    }
    fclose(f);
    return buf;
}

static size_t count_char(const char *p, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += p[i] == c;
    return k;
}

/* Check text (a point file's bytes) as point p's; on success *row / *row_len give its row. */
static report_point_state point_check_text(const char *text, size_t len, const sweep *s, long p,
                                           uint64_t hash, const char **row, size_t *row_len,
                                           char *why, size_t cap)
{
    char want[96], pre[64];
    point_line(want, sizeof want, p, hash);
    snprintf(pre, sizeof pre, "# spatten-sweep point %ld inputs ", p);
    if (len == 0) { snprintf(why, cap, "the file is empty"); return REPORT_POINT_BAD; }
    if (memchr(text, '\0', len)) { snprintf(why, cap, "the file holds a NUL byte"); return REPORT_POINT_BAD; }
    const char *l2 = memchr(text, '\n', len);
    if (!l2) { snprintf(why, cap, "line 1 is not the point line"); return REPORT_POINT_BAD; }
    l2++;
    size_t n1 = (size_t)(l2 - text), npre = strlen(pre);
    if (n1 != strlen(want) || memcmp(text, want, n1)) {
        bool hex = n1 == npre + 17 && !memcmp(text, pre, npre);
        for (size_t i = npre; hex && i < npre + 16; i++)
            hex = strchr("0123456789abcdef", text[i]) != NULL;
        if (hex) {
            snprintf(why, cap, "its inputs changed since it was computed (inputs hash %.16s, now "
                     "%016" PRIx64 ")", text + npre, hash);
            return REPORT_POINT_STALE;
        }
        snprintf(why, cap, "line 1 is not \"%.*s\"", (int)strlen(want) - 1, want);
        return REPORT_POINT_BAD;
    }
    char *hdr = header_string(s);
    size_t nh = strlen(hdr);
    bool same = (size_t)(text + len - l2) >= nh && !memcmp(l2, hdr, nh);
    size_t commas = count_char(hdr, nh, ',');
    free(hdr);
    if (!same) {
        bool csv = (size_t)(text + len - l2) >= 6 && !memcmp(l2, "point,", 6);
        snprintf(why, cap, csv ? "its columns are not this sweep's (the varied fields changed)"
                               : "line 2 is not the header");
        return csv ? REPORT_POINT_STALE : REPORT_POINT_BAD;
    }
    const char *r = l2 + nh, *end = text + len;
    const char *nl = memchr(r, '\n', (size_t)(end - r));
    char start[32];
    snprintf(start, sizeof start, "%ld,", p);
    const char *bad = r == end ? "it has no row"
                    : !nl ? "line 3 does not end with a line break (a cut file)"
                    : nl + 1 != end ? "it has more than one row"
                    : strncmp(r, start, strlen(start)) ? "line 3 is not this point's row"
                    : count_char(r, (size_t)(nl - r), ',') != commas
                        ? "line 3 has the wrong number of cells" : NULL;
    if (bad) {
        snprintf(why, cap, "%s", bad);
        return REPORT_POINT_BAD;
    }
    /* the varied cells after "p,workload," must be this point's */
    const char *c = memchr(r + strlen(start), ',', (size_t)(nl - r - (long)strlen(start)));
    char *cells = cells_string(s, p);
    bool ok = c && (size_t)(nl - c - 1) >= strlen(cells) && !strncmp(c + 1, cells, strlen(cells));
    free(cells);
    if (!ok) {
        snprintf(why, cap, "its varied cells are not point %ld's values", p);
        return REPORT_POINT_STALE;
    }
    *row = r;
    *row_len = (size_t)(end - r);
    why[0] = '\0';
    return REPORT_POINT_OK;
}

report_point_state report_sweep_point_check(const char *path, const sweep *s, long p,
                                            uint64_t hash, char *why, size_t cap)
{
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        snprintf(why, cap, "it has no result");
        return REPORT_POINT_MISSING;
    }
    char *text = NULL;
    size_t len = 0;
    sim_err e;
    if (fio_read_all(path, &text, &len, &e)) {
        snprintf(why, cap, "%s", e.msg);
        return REPORT_POINT_BAD;
    }
    const char *row;
    size_t rl;
    report_point_state st = point_check_text(text, len, s, p, hash, &row, &rl, why, cap);
    free(text);
    return st;
}

int report_sweep_collect(const sweep *s, const char *dir, const uint64_t *hash, const char *out,
                         sim_err *err)
{
    fio_writer *w;
    int rc = fio_open(out, &w, err);
    if (rc) return rc;
    FILE *f = fio_file(w);
    report_sweep_header(s, f);
    for (long p = 0; p < sweep_n_points(s); p++) {
        char path[4200], why[SIM_ERR_MSG + 64];
        char *text = NULL;
        size_t len = 0;
        const char *row = NULL;
        size_t rl = 0;
        report_point_state st;
        if (!sweep_point_path(dir, p, ".csv", path, sizeof path)) {
            st = REPORT_POINT_BAD;
            snprintf(why, sizeof why, "path too long");
        } else if (access(path, F_OK) != 0 && errno == ENOENT) {
            st = REPORT_POINT_MISSING;
            snprintf(why, sizeof why, "it has no result");
        } else if (fio_read_all(path, &text, &len, err)) {
            st = REPORT_POINT_BAD;
            snprintf(why, sizeof why, "%s", err->msg);
        } else
            st = point_check_text(text, len, s, p, hash[p], &row, &rl, why, sizeof why);
        if (st != REPORT_POINT_OK) {
            free(text);
            fio_abort(w);
            return sim_errf(err, st == REPORT_POINT_MISSING ? SIM_EIO : SIM_EINVAL,
                            "%s: point %ld: %s (run it again, or use --resume)", out, p, why);
        }
        fwrite(row, 1, rl, f);
        free(text);
    }
    return fio_commit(w, err);
}
