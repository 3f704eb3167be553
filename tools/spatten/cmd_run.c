/* cmd_run.c - `spatten run`: the main job. Workload -> reference model (trace in memory) ->
 * cycle-level simulation with golden check -> console summary + JSON/CSV report files. */
#include "cmds.h"
#include "progress.h"
#include "accel/accel.h"
#include "base/fileio.h"
#include "models/model.h"
#include "models/quality.h"
#include "report/report.h"
#include "base/timeline.h"
#include "models/workload.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SPATTEN_CONFIG_DIR
#define SPATTEN_CONFIG_DIR "configs"
#endif

static const char USAGE[] =
    "usage: spatten run [WORKLOAD.json] [--hw HW.json] [-o DIR] [--timeline] [--save-trace]\n"
    "                   [--dram-trace FILE] [--no-skip] [--threads N] [--quiet]\n"
    "                   [--max-trace-mb N] [--max-model-s N]\n"
    "Runs the reference model on the workload (default: built-in BERT-base, 384 tokens, SpAtten\n"
    "policy), simulates the resulting trace cycle by cycle on the accelerator (default hardware\n"
    "configs/hw/spatten.json), checks every result against the golden values, prints a summary\n"
    "and writes DIR/report.json and DIR/report.csv (default DIR: out/<workload name>).\n"
    "  --hw FILE       hardware config\n"
    "  -o, --out DIR   report directory (created if missing)\n"
    "  --timeline      also write DIR/timeline.json (Chrome/Perfetto trace events)\n"
    "  --save-trace    also write DIR/trace.spt\n"
    "  --dram-trace FILE  also write the DRAM request stream, one line per request as\n"
    "                  `spatten dram --stream` reads it: <DRAM cycle> <hex address> <R|W>\n"
    "  --no-skip       simulate every cycle (no idle-cycle skipping; same results, slower)\n"
    "  --threads N     reference-model worker threads (default: the workload's 'threads');\n"
    "                  results are the same for every N\n"
    "  -q, --quiet     no progress line\n"
    "  --max-trace-mb N  refuse a workload whose trace could exceed N MiB (default 4096)\n"
    "  --max-model-s N   refuse a workload whose reference model would take over N s (default 1800)\n"
    "Before any work the workload is checked against the hardware (top-k size, multipliers) and\n"
    "its cost estimated; large estimates are printed (docs/architecture.md, \"Limits\").\n";

bool cli_default_config(const char *rel, char *buf, size_t cap)
{
    const char *env = getenv("SPATTEN_CONFIGS");
    if (env && *env) return (size_t)snprintf(buf, cap, "%s/%s", env, rel) < cap;
    if ((size_t)snprintf(buf, cap, "configs/%s", rel) < cap && access(buf, R_OK) == 0) return true;
    return (size_t)snprintf(buf, cap, "%s/%s", SPATTEN_CONFIG_DIR, rel) < cap;
}

/* mkdir -p dir (dir fits in PATH_MAX: cli_check_path). */
static int make_dir(const char *dir, sim_err *err)
{
    char *tmp = sim_xstrdup(dir);
    int rc = SIM_OK;
    for (char *p = tmp + 1; *p && !rc; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                rc = sim_errf(err, SIM_EIO, "%s: cannot create directory: %s", tmp, strerror(errno));
            *p = '/';
        }
    if (!rc && mkdir(tmp, 0755) != 0 && errno != EEXIST)
        rc = sim_errf(err, SIM_EIO, "%s: cannot create directory: %s", tmp, strerror(errno));
    free(tmp);
    return rc;
}

/* The longest file name run writes under DIR, with fio's temp suffix. */
#define RUN_LEAF_RESERVE (sizeof "/timeline.json" - 1 + CLI_TMP_RESERVE)

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        { "hw", required_argument, NULL, 'H' },   { "out", required_argument, NULL, 'o' },
        { "timeline", no_argument, NULL, 'T' },   { "save-trace", no_argument, NULL, 'S' },
        { "no-skip", no_argument, NULL, 'n' },    { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },       { "dram-trace", required_argument, NULL, 'D' },
        { "threads", required_argument, NULL, 'j' },
        { "max-trace-mb", required_argument, NULL, 'M' }, { "max-model-s", required_argument, NULL, 'X' },
        { NULL, 0, NULL, 0 },
    };
    cli_limits lim = { CLI_MAX_TRACE_MB, CLI_MAX_MODEL_S };
    const char *hw_arg = NULL, *out_arg = NULL, *dt_out = NULL;
    bool want_tl = false, save_trace = false, no_skip = false, quiet = false;
    uint32_t threads = 0;   /* 0: the workload's 'threads' */
    int c;
    optind = 1;
    unsigned char seen[256] = { 0 };
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        if (cli_seen("run", opts, c, seen)) return 1;
        switch (c) {
        case 'H':
            if (cli_check_path("run", "--hw value", optarg, 0)) return 1;
            hw_arg = optarg;
            break;
        case 'o':
            if (cli_check_path("run", "-o value", optarg, RUN_LEAF_RESERVE)) return 1;
            out_arg = optarg;
            break;
        case 'M': if (cli_parse_limit("run", "--max-trace-mb", optarg, &lim.max_trace_mb)) return 1; break;
        case 'X': if (cli_parse_limit("run", "--max-model-s", optarg, &lim.max_model_s)) return 1; break;
        case 'D':
            if (cli_check_path("run", "--dram-trace value", optarg, CLI_TMP_RESERVE)) return 1;
            dt_out = optarg;
            break;
        case 'T': want_tl = true; break;
        case 'S': save_trace = true; break;
        case 'n': no_skip = true; break;
        case 'j': if (cli_parse_threads("run", optarg, &threads)) return 1; break;
        case 'q': quiet = true; break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: return cli_bad_option("run", argv);
        }
    }
    if (argc - optind > 1) return cli_usage_error("run: at most one workload file");
    const char *wl_path = optind < argc ? argv[optind] : NULL;
    if (wl_path && cli_check_path("run", "WORKLOAD.json path", wl_path, 0)) return 1;

    sim_err err = { 0 };
    wl_cfg wl;
    cli_note_input(wl_path ? wl_path : "built-in default workload");
    int rc = wl_path ? wl_cfg_load(wl_path, &wl, &err) : wl_default(&wl);
    if (rc) {
        if (!wl_path) sim_errf(&err, (sim_rc)rc, "built-in default workload is invalid");
        return cli_fail(&err);
    }
    if (threads) wl.threads = threads;
    char hw_def[PATH_MAX], out_def[sizeof "out/" + WL_NAME_MAX];
    const char *hw_path = hw_arg;
    if (!hw_path) {
        if (!cli_default_config("hw/spatten.json", hw_def, sizeof hw_def))
            return cli_usage_error("run: the default hardware config path is too long "
                                   "(check $SPATTEN_CONFIGS)");
        hw_path = hw_def;
    }
    hw_cfg hw;
    if ((rc = hw_cfg_load(hw_path, &hw, &err))) return cli_fail(&err);
    /* the name is a safe file name (spt_name_ok), so out/<name> stays inside out/ */
    snprintf(out_def, sizeof out_def, "out/%s", wl.name);
    const char *out_dir = out_arg ? out_arg : out_def;
    {   /* the reports must not replace an input (the atomic rename would) */
        char o[4][PATH_MAX];
        const char *leaf[4] = { "report.json", "report.csv", "trace.spt", "timeline.json" };
        for (int i = 0; i < 4; i++) snprintf(o[i], sizeof o[i], "%s/%s", out_dir, leaf[i]);
        const cli_file ins[] = { {"workload file", wl_path}, {"--hw config", hw_path} };
        const cli_file outs[] = { {"report", o[0]}, {"report", o[1]},
                                  {"--save-trace file", save_trace ? o[2] : NULL},
                                  {"--timeline file", want_tl ? o[3] : NULL},
                                  {"--dram-trace file", dt_out} };
        if (cli_check_outputs("run", ins, 2, outs, 5)) { hw_cfg_release(&hw); return 1; }
    }

    spt_trace *tr = NULL;
    stats *st = NULL;
    accel *a = NULL;
    timeline *tl = NULL;
    fio_writer *dtw = NULL;
    /* the hardware fits and the work is within the caps, before any of it runs */
    if ((rc = cli_plan_check("run", wl_path ? wl_path : "built-in default workload", &wl, &hw,
                             &lim, quiet, &err)))
        goto done;
    if (!quiet)
        fprintf(stderr, "spatten: reference model: %s (%u prompt + %u generated tokens)\n",
                wl.name, wl.n_prompt, wl.n_gen);
    progress mp;
    progress_init(&mp, "spatten: reference model", quiet);
    wl.progress = progress_cb;
    wl.progress_arg = &mp;
    rc = model_run(&wl, &tr, NULL, &err);
    progress_end(&mp);
    if (rc) goto done;
    tr->source = sim_xstrdup(wl_path ? wl_path : "built-in default workload");
    if ((rc = make_dir(out_dir, &err))) goto done;
    char path[PATH_MAX];   /* out_dir + the longest leaf fits (RUN_LEAF_RESERVE) */
    if (save_trace) {
        snprintf(path, sizeof path, "%s/trace.spt", out_dir);
        if ((rc = spt_write(tr, path, &err))) goto done;
    }
    st = stats_create();
    if (want_tl) tl = tl_create();
    if (dt_out && (rc = fio_open(dt_out, &dtw, &err))) goto done;
    cli_sim_opts so = { no_skip, quiet, tl, dtw ? fio_file(dtw) : NULL, true };
    if ((rc = cli_simulate(&hw, tr, NULL, st, &so, &a, &err)))
        goto done;
    if (dtw) {
        rc = fio_commit(dtw, &err);
        dtw = NULL;
        if (rc) goto done;
    }

    report_workload rw;
    report_workload_from_trace(&rw, tr, wl_path ? wl_path : "(built-in default)");
    report_in in = { &hw, &rw, accel_result_get(a), st };
    report_console(&in, stdout);
    snprintf(path, sizeof path, "%s/report.json", out_dir);
    if ((rc = report_write_json(&in, path, &err))) goto done;
    snprintf(path, sizeof path, "%s/report.csv", out_dir);
    if ((rc = report_write_csv(&in, path, &err))) goto done;
    if (tl) {
        snprintf(path, sizeof path, "%s/timeline.json", out_dir);
        if ((rc = tl_write(tl, path, (double)hw.clk_ps * 1e-3, &err))) goto done;
    }
    if (wl.eval_split[0]) {   /* trained workloads: model quality under the same policy */
        if (!quiet) fprintf(stderr, "spatten: model quality on %s\n", wl.eval_split);
        model_quality q;
        if ((rc = model_quality_run(&wl, false, &q, &err))) goto done;
        printf("\n");
        model_quality_print(&q, stdout);
        cJSON *qo = model_quality_to_json(&q);
        snprintf(path, sizeof path, "%s/quality.json", out_dir);
        rc = fio_write_json(path, qo, &err);
        cJSON_Delete(qo);
        if (rc) goto done;
    }
    printf("\nreports: %s/report.json, %s/report.csv%s%s%s%s%s%s\n", out_dir, out_dir,
           tl ? ", " : "", tl ? out_dir : "", tl ? "/timeline.json" : "",
           wl.eval_split[0] ? ", " : "", wl.eval_split[0] ? out_dir : "",
           wl.eval_split[0] ? "/quality.json" : "");
done:
    fio_abort(dtw);
    accel_destroy(a);
    tl_destroy(tl);
    stats_destroy(st);
    spt_free(tr);
    hw_cfg_release(&hw);
    return rc ? cli_fail(&err) : 0;
}
