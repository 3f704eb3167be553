/* cmd_dram.c - `spatten dram`: the DRAM timing model alone on a request stream (dram.md). */
#include "cmds.h"
#include "dram/dram.h"
#include "dram/dram_stream.h"
#include "base/fileio.h"
#include "base/stats.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A --stream file is mapped, not copied (docs/dram.md 9). If another process truncates it
 * during the replay, reading a page past its new end raises SIGBUS: that becomes the usual
 * one-line I/O error (exit 3) instead of a crash. The line is made before the replay, since
 * a signal handler may only write(2) and _exit(2). A SIGBUS anywhere else is not ours: the
 * default action runs. */
static struct {
    const char *lo, *hi;            /* the mapped bytes */
    char        line[SIM_ERR_MSG + 16];
    size_t      len;
    int         exit_code;
} g_bus;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    const char *a = si ? (const char *)si->si_addr : NULL;
    if (a && a >= g_bus.lo && a < g_bus.hi) {
        ssize_t w = write(STDERR_FILENO, g_bus.line, g_bus.len);
        (void)w;
        _exit(g_bus.exit_code);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void guard_mapping(const char *path, const fio_view *v, bool on)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (on) {
        sim_err e;
        sim_errf(&e, SIM_EIO, "%s: the file shrank while it was being replayed (a stream file must "
                 "not change during the run)", path);
        g_bus.len = (size_t)snprintf(g_bus.line, sizeof g_bus.line, "spatten: %s\n", e.msg);
        if (g_bus.len >= sizeof g_bus.line) g_bus.len = sizeof g_bus.line - 1;
        g_bus.exit_code = sim_rc_exit(SIM_EIO);
        g_bus.lo = v->map;
        g_bus.hi = (const char *)v->map + v->len + 1;   /* the NUL past the end is read too */
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO;
    } else {
        sa.sa_handler = SIG_DFL;
    }
    sigaction(SIGBUS, &sa, NULL);
}

static void usage(FILE *out)
{
    const uint64_t mc = DRAM_STREAM_MAX_CYCLE;
    fprintf(out,
        "usage: spatten dram --config DRAM.json (--stream FILE | --gen seq|random --count N)\n"
        "                    [--seed S] [--interval C] [--read-pct P] [--no-skip] [--json OUT]\n"
        "  --config FILE    DRAM configuration (configs/dram/*.json)\n"
        "  --stream FILE    request stream, one request per line: <cycle> <hex address> <R|W>\n"
        "                   (cycle in DRAM clocks, 0 to %" PRIu64 ", non-decreasing; '#' starts\n"
        "                   a comment)\n"
        "  --gen KIND       synthetic stream instead: seq (consecutive addresses) or random\n"
        "  --count N        number of generated requests, 0 to %" PRIu64 "\n"
        "  --seed S         generator seed, 0 to %" PRIu64 " (default 1)\n"
        "  --interval C     DRAM clocks between generated arrivals (default 0: as fast as accepted);\n"
        "                   the last arrival, (N - 1) x C, must be at most %" PRIu64 "\n"
        "  --read-pct P     percent of generated requests that are reads, 0 to 100 (default 100)\n"
        "  --no-skip        tick every DRAM clock (no idle-cycle skipping; same results, slower)\n"
        "  --exhaustive     run every channel's scheduler every clock, with full queue scans\n"
        "                   (no scheduling caches): a check; same results, slower\n"
        "  --json OUT       also write the statistics as JSON (atomically)\n"
        "Prints the statistics (dram.*) as text. Exit: 0 ok, 1 usage, 2 bad config/stream, 3 I/O.\n",
        mc, DRAM_GEN_MAX_COUNT, UINT64_MAX, mc);
}

/* A whole number in [0, max]: decimal digits only (no sign, no spaces, no base prefix), checked
 * for overflow. Returns 0, or prints "spatten: dram: OPT wants a whole number in [0, MAX], got
 * 'S'" and returns 1 (usage error). */
static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *v)
{
    if (cli_parse_uint(s, 0, max, v)) return 0;
    return cli_usage_error("dram: %s wants a whole number in [0, %" PRIu64 "], got '%.40s%s'", opt, max,
                           s ? s : "", s && strlen(s) > 40 ? "..." : "");
}

int cmd_dram(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' }, { "stream", required_argument, NULL, 's' },
        { "gen", required_argument, NULL, 'g' },    { "count", required_argument, NULL, 'n' },
        { "seed", required_argument, NULL, 'S' },   { "interval", required_argument, NULL, 'i' },
        { "read-pct", required_argument, NULL, 'r' }, { "no-skip", no_argument, NULL, 'k' },
        { "exhaustive", no_argument, NULL, 'x' },
        { "json", required_argument, NULL, 'j' },   { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cfg_path = NULL, *stream_path = NULL, *gen = NULL, *json = NULL;
    uint64_t count = 0, seed = 1, interval = 0, read_pct = 100;
    bool have_count = false, have_gen_opt = false, skip = true, exhaustive = false;
    int o;
    optind = 1;
    unsigned char seen[256] = { 0 };
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (cli_seen("dram", opts, o, seen)) return 1;
        switch (o) {
        case 'c': if (cli_check_path("dram", "--config value", optarg, 0)) return 1;
                  cfg_path = optarg; break;
        case 's': if (cli_check_path("dram", "--stream value", optarg, 0)) return 1;
                  stream_path = optarg; break;
        case 'g': gen = optarg; break;
        case 'n': if (parse_u64("--count", optarg, DRAM_GEN_MAX_COUNT, &count)) return 1;
                  have_count = true; break;
        case 'S': if (parse_u64("--seed", optarg, UINT64_MAX, &seed)) return 1;
                  have_gen_opt = true; break;
        case 'i': if (parse_u64("--interval", optarg, DRAM_STREAM_MAX_CYCLE, &interval)) return 1;
                  have_gen_opt = true; break;
        case 'r': if (parse_u64("--read-pct", optarg, 100, &read_pct)) return 1;
                  have_gen_opt = true; break;
        case 'k': skip = false; break;
        case 'x': exhaustive = true; break;
        case 'j': if (cli_check_path("dram", "--json value", optarg, CLI_TMP_RESERVE)) return 1;
                  json = optarg; break;
        case 'h': usage(stdout); return 0;
        default:  return cli_bad_option("dram", argv);
        }
    }
    if (optind < argc) return cli_usage_error("dram: unexpected argument '%s'", argv[optind]);
    if (!cfg_path) return cli_usage_error("dram: --config is required (try: spatten dram --help)");
    if (!stream_path == !gen) return cli_usage_error("dram: give exactly one of --stream or --gen");
    if (stream_path && (have_count || have_gen_opt))
        return cli_usage_error("dram: --count, --seed, --interval and --read-pct shape a --gen "
                               "stream; a --stream file gives its own requests");
    const cli_file ins[] = { {"--config file", cfg_path}, {"--stream file", stream_path} };
    const cli_file outs[] = { {"--json file", json} };
    if (cli_check_outputs("dram", ins, 2, outs, 1)) return 1;
    int kind = DRAM_GEN_SEQ;
    if (gen) {
        if (!strcmp(gen, "seq")) kind = DRAM_GEN_SEQ;
        else if (!strcmp(gen, "random")) kind = DRAM_GEN_RANDOM;
        else return cli_usage_error("dram: --gen must be seq or random, got '%s'", gen);
        if (!have_count) return cli_usage_error("dram: --gen needs --count N");
        if (!dram_gen_fits(count, interval))   /* each bound alone was checked while parsing */
            return cli_usage_error("dram: --count %" PRIu64 " with --interval %" PRIu64 " puts the last "
                                   "request past cycle %" PRIu64 " (want (count - 1) x interval in "
                                   "[0, %" PRIu64 "])", count, interval, DRAM_STREAM_MAX_CYCLE,
                                   DRAM_STREAM_MAX_CYCLE);
    }

    sim_err err = { 0 };
    dram_cfg cfg;
    cli_note_input(stream_path ? stream_path : cfg_path);
    if (dram_cfg_load(cfg_path, &cfg, &err)) return cli_fail(&err);
    dram_text st = { 0 };
    dram_gen g;
    if (stream_path) {
        if (dram_text_open(stream_path, &cfg, &st, &err)) return cli_fail(&err);
    } else {
        dram_gen_init(&g, &cfg, kind, count, seed, interval, (uint32_t)read_pct);
    }
    stats *sts = stats_create();
    dram *d = dram_create(&cfg, sts, "dram", &err);
    if (!d) { stats_destroy(sts); dram_text_close(&st); return cli_fail(&err); }
    dram_set_exhaustive(d, exhaustive);
    dram_replay_stats rs = { 0 };
    dram_replay_stats_register(sts, "dram", &rs);
    const bool guard = stream_path && st.view.map;
    if (guard) guard_mapping(stream_path, &st.view, true);
    int rc = stream_path ? dram_replay_text(d, &st, skip, &rs, &err)
                         : dram_replay(d, NULL, &g, skip, &rs, &err);
    if (guard) guard_mapping(stream_path, &st.view, false);
    if (rc == SIM_OK) {
        dram_update_stats(d);
        if (stats_write_text(sts, stdout)) rc = sim_errf(&err, SIM_EIO, "<stdout>: write failed");
    }
    if (rc == SIM_OK && json) {
        cJSON *root = cJSON_CreateObject(), *so = cJSON_CreateObject();
        cJSON_AddItemToObject(root, "config", cfg_to_json(&DRAM_CFG_TABLE, &cfg));
        cJSON_AddStringToObject(root, "config_file", cfg_path);
        cJSON_AddStringToObject(root, "stream", stream_path ? stream_path : gen);
        stats_to_json(sts, so);
        cJSON_AddItemToObject(root, "stats", so);
        rc = fio_write_json(json, root, &err);
        cJSON_Delete(root);
    }
    dram_destroy(d);
    stats_destroy(sts);
    dram_text_close(&st);
    return rc ? cli_fail(&err) : 0;
}
