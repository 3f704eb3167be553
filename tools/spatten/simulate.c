/* simulate.c - the one place the command creates, configures and runs an accelerator
 * (shared by run, sim and sweep). */
#include "cmds.h"
#include "progress.h"
#include "trace/wlcsv.h"

#include <stdio.h>

int cli_simulate(const hw_cfg *hw, const spt_trace *tr, const wlcsv *wc, stats *st,
                 const cli_sim_opts *o, accel **out, sim_err *err)
{
    accel *a = tr ? accel_create(hw, tr, st, err) : accel_create_csv(hw, wc, st, err);
    *out = a;
    if (!a) return err->code ? (int)err->code : SIM_EINVAL;
    if (o->no_skip) accel_set_time_skip(a, false);
    if (o->tl) accel_set_timeline(a, o->tl);
    if (o->dram_trace) accel_set_dram_trace(a, o->dram_trace);
    progress pg;
    progress_init(&pg, "spatten: simulating", o->quiet);
    accel_set_progress(a, progress_cb, &pg);
    int rc = accel_run(a, err);
    progress_end(&pg);
    accel_set_progress(a, NULL, NULL);
    if (o->name_input && (rc == SIM_EMISMATCH || rc == SIM_EDEADLOCK)) {
        char m[SIM_ERR_MSG];
        snprintf(m, sizeof m, "%s", err->msg);
        sim_errf(err, (sim_rc)rc, "%s: %s", accel_input(a), m);
    }
    return rc;
}

