/* cmd_quality.c - `spatten quality WORKLOAD.json [--float] [--json FILE] [--logits FILE]
 * [--threads N] [--max-trace-mb N] [--max-model-s S]`: model quality of a trained checkpoint on the workload's eval_split, measured
 * by the reference model under the workload's policy (models/quality.h). */
#include "cmds.h"
#include "base/fileio.h"
#include "models/quality.h"
#include "models/workload.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char USAGE[] =
    "usage: spatten quality WORKLOAD.json [--float] [--json FILE] [--logits FILE] [--threads N]\n"
    "                       [--max-trace-mb N] [--max-model-s S]\n"
    "Runs the workload's eval_split through the reference model (the golden fixed-point model\n"
    "under the workload's policy) and prints the model quality: perplexity (GPT-2) or masked-token\n"
    "and classification accuracy (BERT). Needs source weights and eval_split.\n"
    "  --float         the dense float model instead (no policy, no quantisation)\n"
    "  --json FILE     also write the result as JSON\n"
    "  --logits FILE   only write the dense float logits of the workload's token list (safetensors,\n"
    "                  F64) for the PyTorch cross-check, and exit\n"
    "  --threads N     worker threads (default: the workload's 'threads'); never changes a result\n"
    "  --max-trace-mb N, --max-model-s S\n"
    "                  refuse a workload whose one sequence would need more (defaults 4096 MiB,\n"
    "                  1800 s; docs/architecture.md, \"Limits\"), before any work\n";

int cmd_quality(int argc, char **argv)
{
    static const struct option opts[] = {
        { "float", no_argument, NULL, 'f' },          { "json", required_argument, NULL, 'j' },
        { "logits", required_argument, NULL, 'l' },   { "threads", required_argument, NULL, 't' },
        { "max-trace-mb", required_argument, NULL, 'M' }, { "max-model-s", required_argument, NULL, 'X' },
        { "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
    };
    cli_limits lim = { CLI_MAX_TRACE_MB, CLI_MAX_MODEL_S };
    const char *json = NULL, *logits = NULL;
    bool flt = false;
    uint32_t threads = 0;   /* 0: the workload's 'threads' */
    int c;
    optind = 1;
    unsigned char seen[256] = { 0 };
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (cli_seen("quality", opts, c, seen)) return 1;
        switch (c) {
        case 'f': flt = true; break;
        case 'j':
            if (cli_check_path("quality", "--json value", optarg, CLI_TMP_RESERVE)) return 1;
            json = optarg;
            break;
        case 'l':
            if (cli_check_path("quality", "--logits value", optarg, CLI_TMP_RESERVE)) return 1;
            logits = optarg;
            break;
        case 't': if (cli_parse_threads("quality", optarg, &threads)) return 1; break;
        case 'M': if (cli_parse_limit("quality", "--max-trace-mb", optarg, &lim.max_trace_mb)) return 1; break;
        case 'X': if (cli_parse_limit("quality", "--max-model-s", optarg, &lim.max_model_s)) return 1; break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: return cli_bad_option("quality", argv);
        }
    }
    if (optind != argc - 1) return cli_usage_error("quality: expected one WORKLOAD.json (try: spatten quality --help)");
    const char *wpath = argv[optind];
    if (cli_check_path("quality", "WORKLOAD.json path", wpath, 0)) return 1;
    sim_err err = { 0 };
    wl_cfg w;
    cli_note_input(wpath);
    int rc = wl_cfg_load(wpath, &w, &err);
    if (rc) return cli_fail(&err);
    if (threads) w.threads = threads;
    {   /* the outputs must not replace an input (the atomic rename would), nor a directory, link,
         * device or FIFO: refused before the evaluation runs */
        const char *const rd[4] = { w.weights, w.tokens, w.eval_split, w.calib_split };
        cli_file ins[5] = { {"workload file", wpath} };
        static const char *const what[4] = { "weights file", "tokens file", "eval_split file",
                                             "calib_split file" };
        for (int i = 0; i < 4; i++) ins[i + 1] = (cli_file){ what[i], rd[i][0] ? rd[i] : NULL };
        const cli_file outs[] = { {"--json file", json}, {"--logits file", logits} };
        if (cli_check_outputs("quality", ins, 5, outs, 2)) return 1;
    }
    /* one evaluation sequence has the workload's shape: it fits the caps before any runs */
    if ((rc = cli_plan_check("quality", wpath, &w, NULL, &lim, false, &err))) return cli_fail(&err);
    if (logits) {
        rc = model_logits_dump(&w, logits, &err);
        return rc ? cli_fail(&err) : 0;
    }
    model_quality q;
    if ((rc = model_quality_run(&w, flt, &q, &err))) return cli_fail(&err);
    model_quality_print(&q, stdout);
    if (json) {
        cJSON *o = model_quality_to_json(&q);
        rc = fio_write_json(json, o, &err);
        cJSON_Delete(o);
        if (rc) return cli_fail(&err);
    }
    return 0;
}
