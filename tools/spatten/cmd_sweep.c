/* cmd_sweep.c - `spatten sweep`: the cross product of hardware and workload variations.
 *
 * SWEEP.json (strict; unknown keys are errors):
 *   { "hw": "configs/hw/spatten.json",                       base hardware (required)
 *     "workloads": ["configs/workloads/bert-base.json"],     base workloads (required, >= 1)
 *     "vary_hw": { "topk_comparators": [8, 16, 32] },        hw field path -> values
 *     "vary_workload": { "policy.v_keep": [0.5, 1.0] } }     workload field path -> values
 * Paths are relative to the sweep file. Every point (workload x hw values x workload values) gets
 * two generated config files in OUT.d/ that "include" the base file and override the varied
 * fields (so the strict loader validates them exactly like hand-written configs), is simulated
 * with the golden check, and yields one CSV row in OUT.d/point-NNNNN.csv; OUT (default
 * sweep-results.csv) is assembled in point order at the end. -j N runs N points at once (fork);
 * --resume skips points whose row exists; --slurm writes OUT.sbatch (an array job running
 * `--point $SLURM_ARRAY_TASK_ID`) and `--collect` assembles the rows afterwards.
 * The sweep file goes through the same strict JSON check as every config (cfg_json_check). A
 * varied field path must name a field of the hw / workload config table, through objects only.
 * A failing point does not stop the others; its message goes to OUT.d/point-NNNNN.err, and the
 * sweep ends with one line naming the first failing point (in point order, so the same for any
 * -j) and how many failed, with that point's exit code.
 */
#define _DEFAULT_SOURCE
#include "cmds.h"
#include "accel/accel.h"
#include "base/cfg.h"
#include "base/fileio.h"
#include "accel/hwcfg.h"
#include "models/model.h"
#include "report/report.h"
#include "trace/st.h"
#include "trace/trace.h"
#include "models/workload.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SW_MAX_AXES 16
#define SW_MAX_POINTS 100000
#define SW_LEAF_RESERVE 64    /* ".d/point-99999-workload.json" (28) + fio's ".tmp.XXXXXX" (16) */

static const char USAGE[] =
    "usage: spatten sweep SWEEP.json [-j N] [-o OUT.csv] [--resume] [--slurm] [--point I]\n"
    "                     [--collect]\n"
    "Runs every combination of the sweep's workloads, hardware variations and workload\n"
    "variations (see docs/sweep.md) and writes one CSV row per point.\n"
    "  -j, --jobs N    points simulated in parallel (default 1)\n"
    "  -o, --out FILE  results CSV (default sweep-results.csv); per-point files in FILE.d/\n"
    "  --resume        keep points already done in FILE.d/\n"
    "  --slurm         write FILE.sbatch (sbatch --array) instead of running\n"
    "  --point I       run only point I (what each array task does)\n"
    "  --collect       only assemble FILE from the per-point rows\n"
    "--slurm, --point and --collect exclude each other; -j only runs points, --resume with\n"
    "neither --slurm nor --collect. A failing point does not stop the others; the sweep then\n"
    "exits with the first failing point's code and names it (messages in FILE.d/*.err).\n";

typedef struct sw_axis {
    char   key[128];      /* dotted field path */
    bool   is_hw;
    int    n;
    cJSON *values;        /* array (owned by the parsed document) */
} sw_axis;

typedef struct sweep {
    char    path[PATH_MAX];
    char    hw[PATH_MAX];             /* absolute */
    int     n_wl;
    char  **wl;                       /* absolute paths */
    int     n_axes;
    sw_axis axis[SW_MAX_AXES];
    long    n_points;
    cJSON  *doc;
} sweep;

static int abs_path(const char *sweep_file, const char *rel, char *out, const char *what,
                    sim_err *err)
{
    char tmp[PATH_MAX];
    if (!cfg_resolve_path(sweep_file, rel, tmp, sizeof tmp))
        return sim_errf(err, SIM_EINVAL, "%s: field '%s': the path relative to this file is longer "
                        "than %zu bytes", sweep_file, what, sizeof tmp - 1);
    if (!realpath(tmp, out))
        return sim_errf(err, SIM_EINVAL, "%s: field '%s' = \"%s\": cannot open %s", sweep_file,
                        what, rel, tmp);
    return SIM_OK;
}

/* A varied field path ("policy.v_keep") must lead through objects of the config table to a
 * field, and must not enter another varied path's value: a generated point file could not hold
 * it, and the varied value would be dropped while the CSV column still claims it differs. */
static int axis_path_check(const sweep *s, bool is_hw, const char *key, sim_err *err)
{
    const char *field = is_hw ? "vary_hw" : "vary_workload";
    const cfg_table *t = is_hw ? &HW_CFG_TABLE : &WL_CFG_TABLE;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", key);
    char *part = buf;
    for (;;) {
        char *dot = strchr(part, '.');
        if (dot) *dot = '\0';
        if (!part[0])
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s': bad field path (empty name "
                            "between dots)", s->path, field, key);
        if (!strcmp(part, "include"))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s': 'include' cannot be varied or "
                            "entered (the base config comes from the sweep's '%s' field)",
                            s->path, field, key, is_hw ? "hw" : "workloads");
        if (!strncmp(part, "_comment", 8))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s': '%s' is a comment, which the "
                            "config loader ignores", s->path, field, key, part);
        size_t i = 0;
        while (t && i < t->n && strcmp(t->fields[i].key, part)) i++;
        if (!t || i == t->n)
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s': '%s' is not a field of the %s "
                            "config", s->path, field, key, part, is_hw ? "hw" : "workload");
        if (!dot) break;
        if (t->fields[i].type != CFG_OBJ)
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s': '%s' is not an object, so it "
                            "has no field '%s'", s->path, field, key, part, dot + 1);
        t = t->fields[i].sub;
        *dot = '.';
        part = dot + 1;
    }
    for (int a = 0; a < s->n_axes; a++) {
        const char *o = s->axis[a].key;
        size_t lo = strlen(o), lk = strlen(key);
        if (s->axis[a].is_hw != is_hw) continue;
        if ((lo < lk && !strncmp(o, key, lo) && key[lo] == '.') ||
            (lk < lo && !strncmp(o, key, lk) && o[lk] == '.'))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s' overlaps the varied field "
                            "'%s.%s' (one lies inside the other)", s->path, field, key, field, o);
    }
    return SIM_OK;
}

static int parse_vary(sweep *s, const cJSON *obj, bool is_hw, sim_err *err)
{
    const char *field = is_hw ? "vary_hw" : "vary_workload";
    if (!cJSON_IsObject(obj))
        return sim_errf(err, SIM_EINVAL, "%s: field '%s' must be an object", s->path, field);
    const cJSON *c;
    cJSON_ArrayForEach(c, obj) {
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (!strcmp(d->string, c->string))
                return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s' appears twice", s->path,
                                field, c->string);
        if (s->n_axes == SW_MAX_AXES)
            return sim_errf(err, SIM_EINVAL, "%s: more than %d varied fields", s->path,
                            SW_MAX_AXES);
        int n = cJSON_GetArraySize(c);
        if (!cJSON_IsArray(c) || n < 1)
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s' must be a non-empty array of values",
                            s->path, field, c->string);
        const cJSON *v;
        cJSON_ArrayForEach(v, c)
            if (!cJSON_IsNumber(v) && !cJSON_IsString(v) && !cJSON_IsBool(v))
                return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s' values must be numbers, "
                                "strings or booleans", s->path, field, c->string);
        cJSON_ArrayForEach(v, c)
            if (cJSON_IsString(v) && strpbrk(v->valuestring, ",\"\r\n"))
                return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s': value \"%s\" has a comma, "
                                "quote or line break (it would break the CSV)", s->path, field,
                                c->string, v->valuestring);
        if (strlen(c->string) >= sizeof s->axis[0].key || !c->string[0])
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s': bad field path", s->path, field,
                            c->string);
        int rc = axis_path_check(s, is_hw, c->string, err);
        if (rc) return rc;
        sw_axis *a = &s->axis[s->n_axes++];
        snprintf(a->key, sizeof a->key, "%s", c->string);
        a->is_hw = is_hw;
        a->n = n;
        a->values = (cJSON *)c;
    }
    return SIM_OK;
}

static int sweep_load(const char *path, sweep *s, sim_err *err)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    char *text;
    size_t len;
    int rc = fio_read_all(path, &text, &len, err);
    if (rc) return rc;
    rc = cfg_json_parse_object(text, len, path, &s->doc, err);
    free(text);
    if (rc) return rc;
    const cJSON *c, *hw = NULL, *wls = NULL;
    cJSON_ArrayForEach(c, s->doc) {
        for (const cJSON *d = s->doc->child; d != c; d = d->next)
            if (!strcmp(d->string, c->string))
                return sim_errf(err, SIM_EINVAL, "%s: field '%s' appears twice", path, c->string);
        if (!strncmp(c->string, "_comment", 8)) continue;   /* _comment, _comment_x: notes */
        else if (!strcmp(c->string, "hw")) hw = c;
        else if (!strcmp(c->string, "workloads")) wls = c;
        else if (!strcmp(c->string, "vary_hw")) { if ((rc = parse_vary(s, c, true, err))) return rc; }
        else if (!strcmp(c->string, "vary_workload")) { if ((rc = parse_vary(s, c, false, err))) return rc; }
        else return sim_errf(err, SIM_EINVAL, "%s: unknown field '%s' in sweep config (allowed: "
                             "hw, workloads, vary_hw, vary_workload)", path, c->string);
    }
    if (!hw || !cJSON_IsString(hw))
        return sim_errf(err, SIM_EINVAL, "%s: required field 'hw' (a path) is missing", path);
    if ((rc = abs_path(path, hw->valuestring, s->hw, "hw", err))) return rc;
    if (!wls || !cJSON_IsArray(wls) || cJSON_GetArraySize(wls) < 1)
        return sim_errf(err, SIM_EINVAL, "%s: required field 'workloads' (non-empty array of "
                        "paths) is missing", path);
    s->n_wl = cJSON_GetArraySize(wls);
    s->wl = sim_xcalloc((size_t)s->n_wl, sizeof *s->wl);
    int i = 0;
    cJSON_ArrayForEach(c, wls) {
        if (!cJSON_IsString(c))
            return sim_errf(err, SIM_EINVAL, "%s: field 'workloads[%d]' must be a path", path, i);
        s->wl[i] = sim_xmalloc(PATH_MAX);
        char what[32];
        snprintf(what, sizeof what, "workloads[%d]", i);
        if ((rc = abs_path(path, c->valuestring, s->wl[i], what, err))) return rc;
        i++;
    }
    s->n_points = s->n_wl;
    for (int a = 0; a < s->n_axes; a++) {
        s->n_points *= s->axis[a].n;
        if (s->n_points > SW_MAX_POINTS)
            return sim_errf(err, SIM_EINVAL, "%s: more than %d points", path, SW_MAX_POINTS);
    }
    return SIM_OK;
}

static void sweep_free(sweep *s)
{
    for (int i = 0; i < s->n_wl; i++) free(s->wl[i]);
    free(s->wl);
    cJSON_Delete(s->doc);
}

/* Point p -> workload index and the value index of each axis (last axis varies fastest). */
static int point_coords(const sweep *s, long p, int *vi)
{
    for (int a = s->n_axes - 1; a >= 0; a--) {
        vi[a] = (int)(p % s->axis[a].n);
        p /= s->axis[a].n;
    }
    return (int)p;
}

/* Set a dotted path in obj to a copy of v, creating objects on the way. A component that exists
 * and is not an object is an error (axis_path_check rules it out; this keeps it from ever
 * being dropped silently). */
static int set_path(const sweep *s, cJSON *obj, const sw_axis *a, const cJSON *v, sim_err *err)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", a->key);
    char *part = buf, *dot;
    while ((dot = strchr(part, '.'))) {
        *dot = '\0';
        cJSON *sub = cJSON_GetObjectItemCaseSensitive(obj, part);
        if (!sub) sub = cJSON_AddObjectToObject(obj, part);
        if (!cJSON_IsObject(sub))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s.%s' goes through '%s', which is not "
                            "an object", s->path, a->is_hw ? "vary_hw" : "vary_workload", a->key,
                            part);
        obj = sub;
        part = dot + 1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(obj, part);
    cJSON_AddItemToObject(obj, part, cJSON_Duplicate(v, true));
    return SIM_OK;
}

/* Write the point's hw and workload override files into dir. */
static int write_point_configs(const sweep *s, long p, const char *dir, char *hw_out,
                               char *wl_out, sim_err *err)
{
    int vi[SW_MAX_AXES];
    int w = point_coords(s, p, vi);
    /* Each generated file includes its base; paths inside a base resolve against the base's
     * own directory (CFG_PATHF), so nothing needs rewriting. */
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "include", s->hw);
    cJSON *wj = cJSON_CreateObject();
    cJSON_AddStringToObject(wj, "include", s->wl[w]);
    int rc = SIM_OK;
    for (int a = 0; a < s->n_axes && !rc; a++)
        rc = set_path(s, s->axis[a].is_hw ? h : wj, &s->axis[a],
                      cJSON_GetArrayItem(s->axis[a].values, vi[a]), err);
    snprintf(hw_out, PATH_MAX, "%s/point-%05ld-hw.json", dir, p);      /* fit: SW_LEAF_RESERVE */
    snprintf(wl_out, PATH_MAX, "%s/point-%05ld-workload.json", dir, p);
    if (!rc) rc = fio_write_json(hw_out, h, err);
    if (!rc) rc = fio_write_json(wl_out, wj, err);
    cJSON_Delete(h);
    cJSON_Delete(wj);
    return rc;
}

/* A varied value as its CSV cell (strings were checked for commas, quotes and line breaks when
 * the sweep was loaded); printed whole, never cut to a buffer. */
static void put_value(FILE *f, const cJSON *v)
{
    if (cJSON_IsString(v)) fputs(v->valuestring, f);
    else if (cJSON_IsBool(v)) fputs(cJSON_IsTrue(v) ? "true" : "false", f);
    else fprintf(f, "%.17g", v->valuedouble);
}

static void csv_header(const sweep *s, FILE *f)
{
    fprintf(f, "point,workload");
    for (int a = 0; a < s->n_axes; a++) fprintf(f, ",%s%s", s->axis[a].is_hw ? "hw." : "wl.", s->axis[a].key);
    fprintf(f, ",cycles,seconds,dram_read_bytes,dram_write_bytes,energy_pj,lsb_refetch_rows,rows,"
               "gpu_unfused_dram_bytes,gpu_fused_dram_bytes,dram_reduction_unfused,"
               "dram_reduction_fused,speedup_unfused,energy_saving_unfused\n");
}

/* The point's trace. Points whose workloads are the same (the full effective config, as
 * wl_to_json writes it) share one: the first to need it runs the reference model and leaves
 * the trace in the sweep's directory (trace-<FNV-1a of the config>.spt, written atomically),
 * later ones read it back (a read trace equals the written one: tests/unit/220). Sweeps that
 * vary only the hardware thus run the model once per workload. Workloads that read weight
 * files are not cached (the files may change between --resume runs). A cache file that
 * cannot be read or written is ignored: the model runs. */
static int point_trace(const char *dir, const wl_cfg *wl, spt_trace **tr, sim_err *err)
{
    if (wl->source != WL_SRC_SYNTHETIC) return model_run(wl, tr, NULL, err);
    char *js = wl_to_json(wl);
    uint64_t h = st_fnv1a((const uint8_t *)js, strlen(js), 0xcbf29ce484222325ull);
    free(js);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/trace-%016llx.spt", dir, (unsigned long long)h);
    sim_err ce;
    if (access(path, R_OK) == 0 && spt_read(path, tr, &ce) == SIM_OK) return SIM_OK;
    int rc = model_run(wl, tr, NULL, err);
    if (!rc) (void)spt_write(*tr, path, &ce);
    return rc;
}

/* Simulate point p and write its CSV row file. Returns an rc; err names the point. */
static int run_point(const sweep *s, long p, const char *dir, sim_err *err)
{
    char hwp[PATH_MAX], wlp[PATH_MAX];
    int rc = write_point_configs(s, p, dir, hwp, wlp, err);
    if (rc) return rc;
    hw_cfg hw;
    wl_cfg wl;
    if ((rc = hw_cfg_load(hwp, &hw, err))) return rc;
    if ((rc = wl_cfg_load(wlp, &wl, err))) { hw_cfg_release(&hw); return rc; }
    spt_trace *tr = NULL;
    stats *st = NULL;
    accel *a = NULL;
    if ((rc = point_trace(dir, &wl, &tr, err))) goto done;
    free(tr->source);                 /* messages name the point's workload file */
    tr->source = sim_xstrdup(wlp);
    st = stats_create();
    cli_sim_opts so = { false, true, NULL };
    if ((rc = cli_simulate(&hw, tr, NULL, st, &so, &a, err))) goto done;
    {
        const accel_result *r = accel_result_get(a);
        report_workload rw;
        report_workload_from_trace(&rw, tr, wlp);
        report_in in = { &hw, &rw, r, st };
        gpu_result gu = { 0 }, gf = { 0 };
        bool hu = report_gpu(&in, GPU_UNFUSED, &gu), hf = report_gpu(&in, GPU_FUSED, &gf);
        double acc = (double)r->c.dram_rd_bytes + (double)r->c.dram_wr_bytes;
        char path[2 * PATH_MAX];
        snprintf(path, sizeof path, "%s/point-%05ld.csv", dir, p);
        fio_writer *w;
        if ((rc = fio_open(path, &w, err))) goto done;
        FILE *f = fio_file(w);
        int vi[SW_MAX_AXES];
        int wi = point_coords(s, p, vi);
        fprintf(f, "%ld,%s", p, tr->workload);
        (void)wi;
        for (int k = 0; k < s->n_axes; k++) {
            fputc(',', f);
            put_value(f, cJSON_GetArrayItem(s->axis[k].values, vi[k]));
        }
        fprintf(f, ",%" PRIu64 ",%.9g,%" PRIu64 ",%" PRIu64 ",%.6f,%" PRIu64 ",%" PRIu64,
                r->cycles, r->seconds, r->c.dram_rd_bytes, r->c.dram_wr_bytes, r->c.energy_total_pj,
                r->c.lsb_refetch_rows, r->c.rows);
        fprintf(f, ",%.0f,%.0f,%.6g,%.6g,%.6g,%.6g\n", hu ? gu.dram_bytes : 0,
                hf ? gf.dram_bytes : 0, hu && acc > 0 ? gu.dram_bytes / acc : 0,
                hf && acc > 0 ? gf.dram_bytes / acc : 0,
                hu && r->seconds > 0 ? gu.seconds / r->seconds : 0,
                hu && r->c.energy_total_pj > 0 ? gu.energy_j / (r->c.energy_total_pj * 1e-12) : 0);
        rc = fio_commit(w, err);
    }
done:
    accel_destroy(a);
    stats_destroy(st);
    spt_free(tr);
    hw_cfg_release(&hw);
    return rc;
}

static bool point_done(const char *dir, long p)
{
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/point-%05ld.csv", dir, p);
    return access(path, R_OK) == 0;
}

static int collect(const sweep *s, const char *out, const char *dir, sim_err *err)
{
    fio_writer *w;
    int rc = fio_open(out, &w, err);
    if (rc) return rc;
    csv_header(s, fio_file(w));
    for (long p = 0; p < s->n_points; p++) {
        char path[2 * PATH_MAX], *text;
        size_t len;
        snprintf(path, sizeof path, "%s/point-%05ld.csv", dir, p);
        if (fio_read_all(path, &text, &len, err)) {
            fio_abort(w);
            return sim_errf(err, SIM_EIO, "%s: point %ld has no result (run it, or use --resume)",
                            out, p);
        }
        fwrite(text, 1, len, fio_file(w));
        free(text);
    }
    return fio_commit(w, err);
}

/* p as one shell word: single quotes, each embedded quote as '\'' */
static void put_shell_word(FILE *f, const char *p)
{
    fputc('\'', f);
    for (; *p; p++) {
        if (*p == '\'') fputs("'\\''", f);
        else fputc(*p, f);
    }
    fputc('\'', f);
}

static int write_slurm(const sweep *s, const char *out, const char *self, sim_err *err)
{
    char path[PATH_MAX + 16], exe[PATH_MAX], sw[PATH_MAX], outabs[PATH_MAX];
    snprintf(path, sizeof path, "%s.sbatch", out);
    if (!realpath(self, exe)) snprintf(exe, sizeof exe, "%s", self);
    if (!realpath(s->path, sw)) snprintf(sw, sizeof sw, "%s", s->path);
    if (out[0] == '/') snprintf(outabs, sizeof outabs, "%s", out);
    else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
        if ((size_t)snprintf(outabs, sizeof outabs, "%s/%s", cwd, out) >= sizeof outabs)
            return sim_errf(err, SIM_EIO, "%s: path too long for the sbatch script", out);
    }
    /* a line break would end the script's comment or command line; quoting cannot help */
    for (const char *const *q = (const char *const[]){ exe, sw, NULL }; *q; q++)
        for (const char *c = *q; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                return sim_errf(err, SIM_EINVAL, "%s: --slurm cannot write a path with a control "
                                "character (byte 0x%02x) into the script", out, (unsigned char)*c);
    /* an #SBATCH line takes no quoting, and Slurm expands '%' in --output */
    if (outabs[strcspn(outabs, " \t\n\r\"'%\\")])
        return sim_errf(err, SIM_EINVAL, "%s: --slurm needs an output path without white space, "
                        "quotes, backslashes or '%%' (Slurm's #SBATCH --output cannot quote it)", out);
    fio_writer *w;
    int rc = fio_open(path, &w, err);
    if (rc) return rc;
    FILE *f = fio_file(w);
    fprintf(f, "#!/bin/bash\n#SBATCH --job-name=spatten-sweep\n#SBATCH --array=0-%ld\n"
               "#SBATCH --cpus-per-task=1\n#SBATCH --output=%s.d/slurm-%%a.log\n",
            s->n_points - 1, outabs);
    fputs("# After every task has finished:  ", f);
    put_shell_word(f, exe);
    fputs(" sweep ", f);
    put_shell_word(f, sw);
    fputs(" --collect -o ", f);
    put_shell_word(f, outabs);
    fputs("\nexec ", f);
    put_shell_word(f, exe);
    fputs(" sweep ", f);
    put_shell_word(f, sw);
    fputs(" --point \"$SLURM_ARRAY_TASK_ID\" -o ", f);
    put_shell_word(f, outabs);
    fputc('\n', f);
    rc = fio_commit(w, err);
    if (!rc) printf("wrote %s: sbatch it, then run: spatten sweep %s --collect -o %s\n", path,
                    s->path, out);
    return rc;
}

static void err_path(const char *dir, long p, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/point-%05ld.err", dir, p);
}

/* The first line of point p's .err file (what its process printed), or "" if none. */
static void read_point_err(const char *dir, long p, char *buf, size_t cap)
{
    char path[PATH_MAX + 32];
    err_path(dir, p, path, sizeof path);
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    if (!fgets(buf, (int)cap, f)) buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    const char *pre = "spatten: ";     /* an internal error prints it; the summary adds it again */
    size_t n = strlen(pre);
    if (!strncmp(buf, pre, n)) memmove(buf, buf + n, strlen(buf + n) + 1);
}

/* Child of -j N: run point p with stderr in OUT.d/point-NNNNN.err (so that nothing, not even an
 * internal error, reaches the terminal from a point); removed again when the point succeeds. */
static void run_child(const sweep *s, long p, const char *dir)
{
    char path[PATH_MAX + 32];
    err_path(dir, p, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) { dup2(fd, 2); close(fd); }
    sim_err ce = { 0 };
    int crc = run_point(s, p, dir, &ce);
    if (crc) {
        fprintf(stderr, "%s\n", ce.msg);
        _exit(sim_rc_exit((sim_rc)crc));
    }
    unlink(path);
    _exit(0);
}

/* Wait for one point process of run_points and record how it ended in code[] (see there);
 * false if there is no child to wait for. */
static bool reap_one(pid_t *pid, const long *pt, long jobs, int *code)
{
    int status;
    pid_t w;
    while ((w = wait(&status)) < 0 && errno == EINTR) {}
    if (w < 0) return false;
    for (long k = 0; k < jobs; k++)
        if (pid[k] == w) {
            pid[k] = 0;
            code[pt[k]] = WIFEXITED(status) ? WEXITSTATUS(status)
                        : WIFSIGNALED(status) ? -WTERMSIG(status) : sim_rc_exit(SIM_EDEADLOCK);
        }
    return true;
}

/* Runs the selected points; code[p] becomes 0 (ok or not run), the exit code of a failed point,
 * or -signal for a point whose process was killed. Every failed point's message is in its .err
 * file. Returns SIM_OK, or an error that stopped the sweep itself (fork failure). */
static int run_points(const sweep *s, const char *dir, long jobs, long only, bool resume,
                      int *code, long *n_run, sim_err *err)
{
    pid_t *pid = sim_xcalloc((size_t)jobs, sizeof *pid);
    long *pt = sim_xcalloc((size_t)jobs, sizeof *pt);
    long running = 0;
    int rc = SIM_OK;
    for (long p = 0; p < s->n_points && !rc; p++) {
        if (only >= 0 && p != only) continue;
        if (resume && point_done(dir, p)) continue;
        (*n_run)++;
        char ep[PATH_MAX + 32];
        err_path(dir, p, ep, sizeof ep);
        if (jobs == 1) {
            sim_err pe = { 0 };
            unlink(ep);
            int prc = run_point(s, p, dir, &pe);
            if (prc) {
                code[p] = sim_rc_exit((sim_rc)prc);
                FILE *f = fopen(ep, "w");
                if (f) { fprintf(f, "%s\n", pe.msg); fclose(f); }
            }
            continue;
        }
        for (; running >= jobs; running--)
            if (!reap_one(pid, pt, jobs, code)) {     /* no child left to wait for */
                memset(pid, 0, (size_t)jobs * sizeof *pid);
                running = 0;
                break;
            }
        long slot = 0;
        while (slot < jobs - 1 && pid[slot]) slot++;
        fflush(NULL);
        pid_t c = fork();
        if (c == 0) run_child(s, p, dir);
        if (c < 0) { rc = sim_errf(err, SIM_EIO, "sweep: fork failed: %s", strerror(errno)); break; }
        pid[slot] = c;
        pt[slot] = p;
        running++;
    }
    for (; running > 0 && reap_one(pid, pt, jobs, code); running--) {}
    free(pid);
    free(pt);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    static const struct option opts[] = {
        { "jobs", required_argument, NULL, 'j' }, { "out", required_argument, NULL, 'o' },
        { "resume", no_argument, NULL, 'r' },     { "slurm", no_argument, NULL, 's' },
        { "point", required_argument, NULL, 'p' }, { "collect", no_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 },
    };
    long jobs = 1, only = -1;
    bool resume = false, slurm = false, coll = false, jobs_set = false, out_set = false;
    char out[PATH_MAX] = "sweep-results.csv";
    uint64_t num;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (jobs_set) return cli_usage_error("sweep: -j is given twice");
            jobs_set = true;
            if (!cli_parse_uint(optarg, 1, 256, &num))
                return cli_usage_error("sweep: -j takes a whole number in [1, 256], not '%s'",
                                       optarg);
            jobs = (long)num;
            break;
        case 'p':
            if (only >= 0) return cli_usage_error("sweep: --point is given twice");
            if (!cli_parse_uint(optarg, 0, SW_MAX_POINTS - 1, &num))
                return cli_usage_error("sweep: --point takes a point number in [0, %d], not '%s'",
                                       SW_MAX_POINTS - 1, optarg);
            only = (long)num;
            break;
        case 'o':
            if (out_set) return cli_usage_error("sweep: -o is given twice");
            out_set = true;
            /* room for "<out>.d/point-NNNNN-workload.json" and fio's temp suffix */
            if (cli_check_path("sweep", "-o value", optarg, SW_LEAF_RESERVE)) return 1;
            snprintf(out, sizeof out, "%s", optarg);
            break;
        case 'r': resume = true; break;
        case 's': slurm = true; break;
        case 'c': coll = true; break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: return cli_bad_option("sweep", argv);
        }
    }
    /* Options that another option would ignore are errors, not silent no-ops. */
    const struct { bool both; const char *a, *b, *why; } clash[] = {
        { slurm && coll, "--slurm", "--collect", "--collect runs after the array job" },
        { slurm && only >= 0, "--slurm", "--point", "the script runs every point" },
        { coll && only >= 0, "--collect", "--point", "--collect assembles every point" },
        { resume && (slurm || coll), "--resume", slurm ? "--slurm" : "--collect",
          "nothing is run" },
        { jobs_set && (slurm || coll || only >= 0), "-j",
          slurm ? "--slurm" : coll ? "--collect" : "--point", "nothing runs in parallel" },
    };
    for (size_t k = 0; k < sizeof clash / sizeof clash[0]; k++)
        if (clash[k].both)
            return cli_usage_error("sweep: %s cannot be combined with %s (%s)", clash[k].a,
                                   clash[k].b, clash[k].why);
    if (argc - optind != 1) return cli_usage_error("sweep: one SWEEP.json file is required");
    sim_err err = { 0 };
    sweep s;
    int rc = sweep_load(argv[optind], &s, &err);
    if (rc) { sweep_free(&s); return cli_fail(&err); }
    {   /* the CSV (or the script) must not replace the sweep file or a config it names */
        char sb[PATH_MAX + 16];
        snprintf(sb, sizeof sb, "%s.sbatch", out);
        cli_file *ins = sim_xcalloc((size_t)s.n_wl + 2, sizeof *ins);
        ins[0] = (cli_file){ "sweep file", s.path };
        ins[1] = (cli_file){ "hw config", s.hw };
        for (int i = 0; i < s.n_wl; i++) ins[2 + i] = (cli_file){ "workload file", s.wl[i] };
        const cli_file outs[] = { {"-o file", out}, {"--slurm script", slurm ? sb : NULL} };
        int bad = cli_check_outputs("sweep", ins, (size_t)s.n_wl + 2, outs, 2);
        free(ins);
        if (bad) { sweep_free(&s); return 1; }
    }
    if (only >= s.n_points) {
        sweep_free(&s);
        return cli_usage_error("sweep: --point %ld is out of range [0, %ld]", only,
                               s.n_points - 1);
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s.d", out);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        sweep_free(&s);
        sim_errf(&err, SIM_EIO, "%s: cannot create directory: %s", dir, strerror(errno));
        return cli_fail(&err);
    }
    /* validate every point's configs before running anything */
    for (long p = 0; p < s.n_points && !coll; p++) {
        if (only >= 0 && p != only) continue;
        char hwp[PATH_MAX], wlp[PATH_MAX];
        hw_cfg hw;
        wl_cfg wl;
        if (!(rc = write_point_configs(&s, p, dir, hwp, wlp, &err))) {
            if (!(rc = hw_cfg_load(hwp, &hw, &err))) {
                hw_cfg_release(&hw);
                rc = wl_cfg_load(wlp, &wl, &err);
            }
        }
        if (rc) {
            sim_err e2;
            sim_errf(&e2, err.code, "%s: point %ld: %s", s.path, p, err.msg);
            sweep_free(&s);
            return cli_fail(&e2);
        }
    }
    if (slurm) rc = write_slurm(&s, out, "/proc/self/exe", &err);
    else if (!coll) {
        int *code = sim_xcalloc((size_t)s.n_points, sizeof *code);
        long n_run = 0, failed = 0, first = -1;
        rc = run_points(&s, dir, jobs, only, resume, code, &n_run, &err);
        for (long p = 0; p < s.n_points; p++)
            if (code[p]) { failed++; if (first < 0) first = p; }
        if (!rc && failed) {
            /* One line, the same for any -j: the first failing point in point order. Printed
             * here rather than through sim_err, whose SIM_ERR_MSG bytes a long message could fill. */
            char msg[4096], line[4096 + 3 * PATH_MAX];
            read_point_err(dir, first, msg, sizeof msg);
            int fc = code[first];
            char how[64] = "";
            if (fc < 0) snprintf(how, sizeof how, "%skilled by signal %d", msg[0] ? " (" : "", -fc);
            else if (!msg[0]) snprintf(how, sizeof how, "failed with exit code %d", fc);
            snprintf(line, sizeof line, "%s: point %ld: %s%s%s (%ld of %ld point%s run failed; "
                     "each failed point's message is in %s/point-NNNNN.err)", s.path, first, msg,
                     how, fc < 0 && msg[0] ? ")" : "", failed, n_run, n_run == 1 ? "" : "s", dir);
            for (char *q = line; *q; q++)       /* one line, even for odd file names */
                if (*q == '\n' || *q == '\r') *q = ' ';
            fprintf(stderr, "spatten: %s\n", line);
            free(code);
            sweep_free(&s);
            return fc < 0 ? sim_rc_exit(SIM_EDEADLOCK) : fc;
        }
        free(code);
    }
    if (!rc && !slurm && only < 0) {
        rc = collect(&s, out, dir, &err);
        if (!rc) printf("%ld points -> %s\n", s.n_points, out);
    }
    sweep_free(&s);
    return rc ? cli_fail(&err) : 0;
}
