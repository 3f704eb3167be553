/* cmd_sim.c - `spatten sim`: simulate a trace (full, data-carrying, golden-checked) or an
 * authors' workload CSV (timing only) on the cycle-level accelerator model, then report. */
#include "cmds.h"
#include "accel/accel.h"
#include "base/fileio.h"
#include "report/report.h"
#include "base/timeline.h"
#include "trace/trace.h"
#include "trace/wlcsv.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: spatten sim --hw HW.json (--trace FILE.spt | --workload-csv FILE.csv)\n"
    "                   [--json R.json] [--csv R.csv] [--timeline T.json] [--stats S.txt]\n"
    "                   [--dram-trace D.trc] [--no-skip] [--quiet]\n"
    "Simulates the trace cycle by cycle on the accelerator described by HW.json and checks every\n"
    "output row, kept token/head set, LSB re-fetch decision and importance value against the\n"
    "trace's golden values (a mismatch is an error, exit 4, naming step/layer/head/row).\n"
    "With --workload-csv it runs the SpAtten authors' per-(iteration, layer, head) CSV instead:\n"
    "timing only, no data, no golden check.\n"
    "  --hw FILE            hardware config (e.g. configs/hw/spatten.json)\n"
    "  --trace FILE         trace from `spatten trace`\n"
    "  --workload-csv FILE  authors' workload CSV\n"
    "  --json FILE          full report (JSON)\n"
    "  --csv FILE           one row per pass (step, layer)\n"
    "  --timeline FILE      Chrome/Perfetto trace events (open in ui.perfetto.dev)\n"
    "  --stats FILE         every registered counter, one per line\n"
    "  --dram-trace FILE    the DRAM request stream, one line per request as `spatten dram\n"
    "                       --stream` reads it: <DRAM cycle> <hex address> <R|W>\n"
    "  --no-skip            simulate every cycle (no idle-cycle skipping; same results)\n"
    "  -q, --quiet          no progress line; with --json or --csv, no console summary either\n";

int cmd_sim(int argc, char **argv)
{
    static const struct option opts[] = {
        { "hw", required_argument, NULL, 'H' },       { "trace", required_argument, NULL, 't' },
        { "workload-csv", required_argument, NULL, 'w' }, { "json", required_argument, NULL, 'j' },
        { "csv", required_argument, NULL, 'c' },      { "timeline", required_argument, NULL, 'T' },
        { "stats", required_argument, NULL, 's' },    { "no-skip", no_argument, NULL, 'n' },
        { "quiet", no_argument, NULL, 'q' },          { "help", no_argument, NULL, 'h' },
        { "dram-trace", required_argument, NULL, 'D' },
        { NULL, 0, NULL, 0 },
    };
    const char *hw_path = NULL, *trace_path = NULL, *csv_in = NULL, *json_out = NULL,
               *csv_out = NULL, *tl_out = NULL, *stats_out = NULL, *dt_out = NULL;
    bool no_skip = false, quiet = false;
    int c;
    optind = 1;
    unsigned char seen[256] = { 0 };
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        if (cli_seen("sim", opts, c, seen)) return 1;
        /* a path option: never empty, never longer than a path can be */
#define PATH_OPT(var, what, reserve) \
    do { if (cli_check_path("sim", what, optarg, reserve)) return 1; var = optarg; } while (0)
        switch (c) {
        case 'H': PATH_OPT(hw_path, "--hw value", 0); break;
        case 't': PATH_OPT(trace_path, "--trace value", 0); break;
        case 'w': PATH_OPT(csv_in, "--workload-csv value", 0); break;
        case 'j': PATH_OPT(json_out, "--json value", CLI_TMP_RESERVE); break;
        case 'c': PATH_OPT(csv_out, "--csv value", CLI_TMP_RESERVE); break;
        case 'T': PATH_OPT(tl_out, "--timeline value", CLI_TMP_RESERVE); break;
        case 's': PATH_OPT(stats_out, "--stats value", CLI_TMP_RESERVE); break;
        case 'D': PATH_OPT(dt_out, "--dram-trace value", CLI_TMP_RESERVE); break;
#undef PATH_OPT
        case 'n': no_skip = true; break;
        case 'q': quiet = true; break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: return cli_bad_option("sim", argv);
        }
    }
    if (optind < argc) return cli_usage_error("sim: unexpected argument '%s'", argv[optind]);
    if (!hw_path) return cli_usage_error("sim: --hw is required (see spatten sim --help)");
    if (!trace_path == !csv_in)
        return cli_usage_error("sim: give exactly one of --trace and --workload-csv");
    const cli_file ins[] = { {"--hw config", hw_path}, {"--trace file", trace_path},
                             {"--workload-csv file", csv_in} };
    const cli_file outs[] = { {"--json file", json_out}, {"--csv file", csv_out},
                              {"--timeline file", tl_out}, {"--stats file", stats_out},
                              {"--dram-trace file", dt_out} };
    if (cli_check_outputs("sim", ins, 3, outs, 5)) return 1;

    sim_err err = { 0 };
    hw_cfg hw;
    cli_note_input(trace_path ? trace_path : csv_in);
    int rc = hw_cfg_load(hw_path, &hw, &err);
    if (rc) return cli_fail(&err);
    spt_trace *tr = NULL;
    wlcsv *wc = NULL;
    stats *st = NULL;
    accel *a = NULL;
    timeline *tl = NULL;
    fio_writer *dtw = NULL;
    if (trace_path) rc = spt_read(trace_path, &tr, &err);
    else rc = wlcsv_read(csv_in, &wc, &err);
    if (rc) goto done;
    st = stats_create();
    if (tl_out) tl = tl_create();
    if (dt_out && (rc = fio_open(dt_out, &dtw, &err))) goto done;
    cli_sim_opts so = { no_skip, quiet, tl, dtw ? fio_file(dtw) : NULL, true };
    if ((rc = cli_simulate(&hw, tr, wc, st, &so, &a, &err)))
        goto done;
    if (dtw) {
        rc = fio_commit(dtw, &err);
        dtw = NULL;
        if (rc) goto done;
    }

    report_workload rw;
    if (tr) report_workload_from_trace(&rw, tr, trace_path);
    else report_workload_from_csv(&rw, wc, csv_in);
    report_in in = { &hw, &rw, accel_result_get(a), st };
    if (!quiet || (!json_out && !csv_out)) report_console(&in, stdout);
    if (json_out && (rc = report_write_json(&in, json_out, &err))) goto done;
    if (csv_out && (rc = report_write_csv(&in, csv_out, &err))) goto done;
    if (tl && (rc = tl_write(tl, tl_out, (double)hw.clk_ps * 1e-3, &err))) goto done;
    if (stats_out) {
        fio_writer *w = NULL;
        if ((rc = fio_open(stats_out, &w, &err))) goto done;
        stats_write_text(st, fio_file(w));
        if ((rc = fio_commit(w, &err))) goto done;
    }
done:
    fio_abort(dtw);
    accel_destroy(a);
    tl_destroy(tl);
    stats_destroy(st);
    spt_free(tr);
    wlcsv_free(wc);
    hw_cfg_release(&hw);
    return rc ? cli_fail(&err) : 0;
}
