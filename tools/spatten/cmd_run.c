/* cmd_run.c - `spatten run`: the main job. Workload -> reference model (trace in memory) ->
 * cycle-level simulation with golden check -> console summary + JSON/CSV report files. */
#include "cmds.h"
#include "accel.h"
#include "fileio.h"
#include "model.h"
#include "report.h"
#include "timeline.h"
#include "workload.h"

#include <errno.h>
#include <getopt.h>
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
    "                   [--no-skip] [--quiet]\n"
    "Runs the reference model on the workload (default: built-in BERT-base, 384 tokens, SpAtten\n"
    "policy), simulates the resulting trace cycle by cycle on the accelerator (default hardware\n"
    "configs/hw/spatten.json), checks every result against the golden values, prints a summary\n"
    "and writes DIR/report.json and DIR/report.csv (default DIR: out/<workload name>).\n"
    "  --hw FILE       hardware config\n"
    "  -o, --out DIR   report directory (created if missing)\n"
    "  --timeline      also write DIR/timeline.json (Chrome/Perfetto trace events)\n"
    "  --save-trace    also write DIR/trace.spt\n"
    "  --no-skip       simulate every cycle (no idle-cycle skipping; same results, slower)\n"
    "  -q, --quiet     no progress line\n";

void cli_default_config(const char *rel, char *buf, size_t cap)
{
    const char *env = getenv("SPATTEN_CONFIGS");
    if (env && *env) {
        snprintf(buf, cap, "%s/%s", env, rel);
        return;
    }
    snprintf(buf, cap, "configs/%s", rel);
    if (access(buf, R_OK) == 0) return;
    snprintf(buf, cap, "%s/%s", SPATTEN_CONFIG_DIR, rel);
}

static int make_dir(const char *dir, sim_err *err)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return sim_errf(err, SIM_EIO, "%s: cannot create directory: %s", tmp, strerror(errno));
            *p = '/';
        }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return sim_errf(err, SIM_EIO, "%s: cannot create directory: %s", tmp, strerror(errno));
    return SIM_OK;
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        { "hw", required_argument, NULL, 'H' },   { "out", required_argument, NULL, 'o' },
        { "timeline", no_argument, NULL, 'T' },   { "save-trace", no_argument, NULL, 'S' },
        { "no-skip", no_argument, NULL, 'n' },    { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 },
    };
    char hw_path[1024] = "", out_dir[1024] = "";
    bool want_tl = false, save_trace = false, no_skip = false, quiet = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'H': snprintf(hw_path, sizeof hw_path, "%s", optarg); break;
        case 'o': snprintf(out_dir, sizeof out_dir, "%s", optarg); break;
        case 'T': want_tl = true; break;
        case 'S': save_trace = true; break;
        case 'n': no_skip = true; break;
        case 'q': quiet = true; break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: return cli_bad_option("run", argv);
        }
    }
    if (argc - optind > 1) return cli_usage_error("run: at most one workload file");

    sim_err err = { 0 };
    wl_cfg wl;
    const char *wl_path = optind < argc ? argv[optind] : NULL;
    int rc = wl_path ? wl_cfg_load(wl_path, &wl, &err) : wl_default(&wl);
    if (rc) {
        if (!wl_path) sim_errf(&err, (sim_rc)rc, "built-in default workload is invalid");
        return cli_fail(&err);
    }
    if (!hw_path[0]) cli_default_config("hw/spatten.json", hw_path, sizeof hw_path);
    hw_cfg hw;
    if ((rc = hw_cfg_load(hw_path, &hw, &err))) return cli_fail(&err);
    if (!out_dir[0]) snprintf(out_dir, sizeof out_dir, "out/%s", wl.name);

    spt_trace *tr = NULL;
    stats *st = NULL;
    accel *a = NULL;
    timeline *tl = NULL;
    if (!quiet)
        fprintf(stderr, "spatten: reference model: %s (%u prompt + %u generated tokens)\n",
                wl.name, wl.n_prompt, wl.n_gen);
    if ((rc = model_run(&wl, &tr, NULL, &err))) goto done;
    if ((rc = make_dir(out_dir, &err))) goto done;
    char path[1200];
    if (save_trace) {
        snprintf(path, sizeof path, "%s/trace.spt", out_dir);
        if ((rc = spt_write(tr, path, &err))) goto done;
    }
    st = stats_create();
    if (want_tl) tl = tl_create();
    cli_sim_opts so = { no_skip, quiet, tl };
    if ((rc = cli_simulate(&hw, tr, NULL, st, &so, &a, &err))) goto done;

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
    printf("\nreports: %s/report.json, %s/report.csv%s%s%s\n", out_dir, out_dir,
           tl ? ", " : "", tl ? out_dir : "", tl ? "/timeline.json" : "");
done:
    accel_destroy(a);
    tl_destroy(tl);
    stats_destroy(st);
    spt_free(tr);
    hw_cfg_release(&hw);
    return rc ? cli_fail(&err) : 0;
}
