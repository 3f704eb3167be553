/*
 * acct.h - the accelerator's one accounting path. Every count a report prints, for a pass or
 * for the whole run, is the difference of two snapshots of the stats registry (every block's
 * registered counters) taken at the interval's ends: ACCT_COUNTS maps registry keys to the
 * fields of accel_counts, and ACCT_ENERGY is the table of module energy terms (which counter,
 * how many operations per event, which cost of the energy config), evaluated by energy_sum
 * (cost/energy.h). No block is asked for a counter by accessor.
 */
#ifndef SPATTEN_ACCT_H
#define SPATTEN_ACCT_H

#include "accel/accel.h"
#include "accel/rows.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct acct acct;

/* The registry's values at one instant. */
typedef struct acct_snap {
    uint64_t *u;
    double   *f;
} acct_snap;

/* After every block has registered its counters in st. engines: the top-k engines' stats
 * module names. */
acct *acct_create(stats *st, const hw_cfg *hw, const acc_shape *sh, const acc_geom *geo,
                  const char *const *engines, uint32_t n_engines);
void  acct_destroy(acct *a);                             /* NULL is a no-op */
void  acct_snap_init(const acct *a, acct_snap *s);       /* all zero (the run's start) */
void  acct_snap_free(acct_snap *s);
void  acct_take(const acct *a, acct_snap *s);            /* the registry now */
/* What happened between s0 and s1, an interval of `cycles` accelerator cycles. */
void  acct_counts(const acct *a, const acct_snap *s0, const acct_snap *s1, uint64_t cycles,
                  accel_counts *out);

#ifdef __cplusplus
}
#endif
#endif
