/* simulate.c - the one place the command creates, configures and runs an accelerator
 * (shared by run, sim and sweep). */
#include "cmds.h"
#include "progress.h"

#include <stdio.h>
#include <string.h>

int cli_simulate(const hw_cfg *hw, const spt_trace *tr, const wlcsv *wc, stats *st,
                 const cli_sim_opts *o, accel **out, sim_err *err)
{
    accel *a = tr ? accel_create(hw, tr, st, err) : accel_create_csv(hw, wc, st, err);
    *out = a;
    if (!a) return err->code ? (int)err->code : SIM_EINVAL;
    if (o->no_skip) accel_set_time_skip(a, false);
    if (o->tl) accel_set_timeline(a, o->tl);
    progress pg;
    progress_init(&pg, "spatten: simulating", o->quiet);
    accel_set_progress(a, progress_cb, &pg);
    int rc = accel_run(a, err);
    progress_end(&pg);
    accel_set_progress(a, NULL, NULL);
    return rc;
}

void cli_blame_input(sim_err *err, const char *input, const hw_cfg *hw)
{
    char m[SIM_ERR_MSG];
    snprintf(m, sizeof m, "%s", err->msg);
    const size_t hl = strlen(hw->path);
    unsigned line = 0;
    int n = 0;
    if (sscanf(m, "line %u: %n", &line, &n) == 1 && n > 0)          /* a CSV row */
        sim_errf(err, err->code, "%s:%u: %s", input, line, m + n);
    else if (hl && strncmp(m, hw->path, hl) == 0 && m[hl] == ':' && m[hl + 1] == ' ' && hw->dram)
        sim_errf(err, err->code, "%s: %s (hardware %s)", input, m + hl + 2, hw->path);
    else if (strncmp(m, "trace: ", 7) == 0)
        sim_errf(err, err->code, "%s: %s", input, m + 7);
    else if (!strchr(m, ':'))                                         /* names no file at all */
        sim_errf(err, err->code, "%s: %s", input, m);
}
