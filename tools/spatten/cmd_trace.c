/* cmd_trace.c - `spatten trace WORKLOAD.json -o FILE.spt [--csv FILE] [--stats] [--quiet]`:
 * runs the C reference model (models/model.h) and writes the golden trace. */
#include "cmds.h"
#include "progress.h"
#include "models/model.h"
#include "trace/trace.h"
#include "trace/wlcsv.h"
#include "models/workload.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: spatten trace WORKLOAD.json -o FILE.spt [--csv FILE] [--stats] [--no-error]\n"
            "                    [--float-dump FILE] [--threads N] [--quiet] [--max-trace-mb N]\n"
            "                    [--max-model-s N]\n"
            "  Runs the reference model (fixed-point golden model under the workload's policy)\n"
            "  and writes the trace (docs/trace-format.md).\n"
            "  -o, --out FILE.spt   trace to write (atomically)\n"
            "      --csv FILE       also write the authors' per-(iteration, layer, head) workload CSV\n"
            "      --stats          print per-layer statistics (tokens/heads kept, LSB re-fetch,\n"
            "                       entropy, output error vs the dense float model)\n"
            "      --no-error       skip the dense float model (no output-error statistics)\n"
            "      --float-dump F   also write the dense float model's per-head Q/K/V/output (F64)\n"
            "      --threads N      reference-model worker threads (default: the workload's\n"
            "                       'threads'); the trace is the same for every N\n"
            "  -q, --quiet          print nothing on success\n"
            "      --max-trace-mb N refuse a workload whose trace could exceed N MiB (default 4096)\n"
            "      --max-model-s N  refuse a workload whose model would take over N s (default 1800)\n"
            "  The cost is estimated before any work; large estimates are printed.\n");
}

int cmd_trace(int argc, char **argv)
{
    static const struct option opts[] = {
        { "out", required_argument, NULL, 'o' }, { "csv", required_argument, NULL, 'c' },
        { "stats", no_argument, NULL, 's' },     { "no-error", no_argument, NULL, 'n' },
        { "threads", required_argument, NULL, 'j' },
        { "quiet", no_argument, NULL, 'q' },     { "help", no_argument, NULL, 'h' },
        { "float-dump", required_argument, NULL, 'f' },
        { "max-trace-mb", required_argument, NULL, 'M' }, { "max-model-s", required_argument, NULL, 'X' },
        { NULL, 0, NULL, 0 } };
    const char *outp = NULL, *csv = NULL, *fdump = NULL;
    bool want_stats = false, quiet = false, no_err = false;
    uint32_t threads = 0;   /* 0: the workload's 'threads' */
    cli_limits lim = { CLI_MAX_TRACE_MB, CLI_MAX_MODEL_S };
    int o;
    optind = 1;
    unsigned char seen[256] = { 0 };
    while ((o = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        if (cli_seen("trace", opts, o, seen)) return 1;
        switch (o) {
        case 'o':
            if (cli_check_path("trace", "-o value", optarg, CLI_TMP_RESERVE)) return 1;
            outp = optarg;
            break;
        case 'c':
            if (cli_check_path("trace", "--csv value", optarg, CLI_TMP_RESERVE)) return 1;
            csv = optarg;
            break;
        case 'M': if (cli_parse_limit("trace", "--max-trace-mb", optarg, &lim.max_trace_mb)) return 1; break;
        case 'X': if (cli_parse_limit("trace", "--max-model-s", optarg, &lim.max_model_s)) return 1; break;
        case 's': want_stats = true; break;
        case 'n': no_err = true; break;
        case 'j': if (cli_parse_threads("trace", optarg, &threads)) return 1; break;
        case 'f':
            if (cli_check_path("trace", "--float-dump value", optarg, CLI_TMP_RESERVE)) return 1;
            fdump = optarg;
            break;
        case 'q': quiet = true; break;
        case 'h': usage(stdout); return 0;
        default: return cli_bad_option("trace", argv);
        }
    }
    if (optind != argc - 1) return cli_usage_error("trace: expected one WORKLOAD.json (try: spatten trace --help)");
    if (!outp) return cli_usage_error("trace: -o FILE.spt is required");
    const char *wpath = argv[optind];
    if (cli_check_path("trace", "WORKLOAD.json path", wpath, 0)) return 1;
    const cli_file ins[] = { {"workload file", wpath} };
    const cli_file outs[] = { {"-o file", outp}, {"--csv file", csv}, {"--float-dump file", fdump} };
    if (cli_check_outputs("trace", ins, 1, outs, 3)) return 1;
    sim_err err = { 0 };
    wl_cfg w;
    cli_note_input(wpath);
    int rc = wl_cfg_load(wpath, &w, &err);
    if (rc) return cli_fail(&err);
    if (threads) w.threads = threads;
    /* the dense float model runs only for --stats; the trace records the config as given */
    wl_cfg wr = w;
    wr.error_stats = w.error_stats && want_stats && !no_err;
    spt_trace *t = NULL;
    model_stats ms;
    if ((rc = cli_plan_check("trace", wpath, &w, NULL, &lim, quiet, &err))) return cli_fail(&err);
    progress mp;
    progress_init(&mp, "spatten: reference model", quiet);
    wr.progress = progress_cb;
    wr.progress_arg = &mp;
    rc = model_run(&wr, &t, &ms, &err);
    progress_end(&mp);
    if (rc) return cli_fail(&err);
    free(t->workload_json);
    t->workload_json = wl_to_json(&w);
    rc = spt_write(t, outp, &err);
    if (!rc && csv) rc = wlcsv_write_trace(t, csv, &err);
    if (!rc && fdump) rc = model_float_dump(&w, fdump, &err);
    if (rc) {
        spt_free(t);
        return cli_fail(&err);
    }
    if (want_stats) model_stats_print(&ms, &w, stdout);
    if (!quiet) printf("wrote %s: %u passes (%u layers x %u steps)\n", outp, t->n_pass, t->layers,
                       1 + t->n_gen);
    spt_free(t);
    return 0;
}
