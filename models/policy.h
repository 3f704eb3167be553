/*
 * policy.h - the named pruning policies (model side): each fills the executable policy
 * (spt_policy, trace/trace.h) from a workload and validates its settings. The decision rules
 * they parameterise are shared with the accelerator and live in trace/pol.h.
 */
#ifndef SPATTEN_POLICY_H
#define SPATTEN_POLICY_H

#include "base/common.h"
#include "trace/pol.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wl_cfg;
enum { POL_NEEDS_MASK = 1u, POL_NEEDS_HEADS = 2u };   /* static calibration the policy needs */
typedef struct pol_ops {
    const char *name;          /* matched against the workload's policy.name */
    const char *doc;           /* one line */
    unsigned    needs;         /* POL_NEEDS_* */
    /* Fill the executable policy (spt_policy) from the workload; validate combinations. */
    int (*setup)(const struct wl_cfg *w, spt_policy *out, sim_err *err);
} pol_ops;
extern const pol_ops *const POL_TABLE[];   /* NULL-terminated, in wl_policy_kind order */
const pol_ops *pol_find(const char *name); /* NULL if unknown */

#ifdef __cplusplus
}
#endif
#endif
