/*
 * rows.h - the controller's row stages: the row pool, the K/V buffer slots, and the three
 * stages that move rows in and out of the datapath.
 *  - admission (rows_admit, driven by the controller): takes a free row, a K/V slot for its
 *    head, fetches its Q row and the K rows (MSB plane) not yet in the slot, pushes it to Q.K;
 *  - LSB re-entry (rows_lsb_tick): a row the softmax sent back fetches the K LSB plane and
 *    re-enters Q.K;
 *  - writeback/retire (rows_wb_tick): writes the output row to DRAM, hands the row to the
 *    golden check and frees it.
 * It also owns the DRAM layout of the matrices (rows_geometry) and issues the V fetches the
 * local-V stage asks for (rows_fetch_v) and the generation step's K/V appends.
 * Ports:  in  <- rows.free (row ids), softmax.out_lsb, writeback.in
 *         out -> qk.in (new rows), qk.in_lsb (LSB recomputes), rows.free; fetcher jobs
 * Timing and buffer model: docs/arch/controller.md.
 */
#ifndef SPATTEN_ROWS_H
#define SPATTEN_ROWS_H

#include "accel/acc_int.h"
#include "accel/arow.h"
#include "accel/fetch.h"
#include "accel/golden.h"
#include "accel/hwcfg.h"
#include "base/fifo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where each traffic kind's rows live in DRAM and how many useful bytes a row has. */
typedef struct acc_geom {
    uint32_t bytes[ACC_TR_N];        /* useful bytes per row */
    uint32_t kfull_bytes;            /* bytes per K row in the buffer (full precision) */
    uint32_t msb_bits;               /* K bits fetched first (MSB plane; full width if not progressive) */
    uint32_t stride[ACC_TR_N];       /* bytes between positions */
    uint64_t region[ACC_TR_N];       /* base address of each kind's region */
} acc_geom;

/* The layout of the shape's matrices on hw's DRAM. SIM_EINVAL if they do not fit. */
int rows_geometry(const hw_cfg *hw, const acc_shape *sh, acc_geom *g, sim_err *err);

typedef struct rows_fifos {
    fifo *free, *qk_new, *qk_lsb, *sm_lsb, *wb;
} rows_fifos;

typedef struct rows rows;

rows    *rows_create(const hw_cfg *hw, const acc_shape *sh, const acc_geom *geo, uint32_t pool_n,
                     const rows_fifos *f, fetch *fe, golden *g, acc_ctr *ctr);
void     rows_destroy(rows *r);                           /* NULL is a no-op */
arow    *rows_pool(rows *r);
void     rows_set_timeline(rows *r, acc_tl *tl);         /* per-head spans; NULL = off */

/* Pass control (ctl.c). */
void     rows_pass_begin(rows *r, const acc_pass *p);
bool     rows_admitting(const rows *r);                  /* rows of the pass left to admit */
bool     rows_admit(rows *r, cycle_t now);               /* admits one row if it can */
cycle_t  rows_free_ready(const rows *r);                 /* ready cycle of the next free row */
bool     rows_retired_all(const rows *r);                /* every row of the pass retired */
bool     rows_append_tick(rows *r, cycle_t now);         /* K/V append jobs; true when done */
void     rows_pass_timeline(rows *r, const acc_pass *p); /* the pass's per-head slices */

/* The LSB re-entry and writeback stages (ACT_EVENT when they moved a row). */
unsigned rows_lsb_tick(rows *r, cycle_t now);
unsigned rows_wb_tick(rows *r, cycle_t now);
/* Their next visible action: now + 1 while one is blocked, else their input FIFOs' heads. */
cycle_t  rows_next_event(const rows *r, cycle_t now);

/* V fetches for the local-V stage (lv.c). */
bool     rows_can_fetch_v(const rows *r, cycle_t now);
void     rows_fetch_v(rows *r, uint32_t id, cycle_t now);

#ifdef __cplusplus
}
#endif
#endif
