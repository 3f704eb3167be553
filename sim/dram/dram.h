/*
 * dram.h - command-level DRAM timing model (HBM2 by default; any DDR-style part from config).
 *
 * Hardware block: one memory controller per channel (or per pseudo-channel), each with a read
 * and a write transaction queue feeding per-bank command queues (optional), an FR-FCFS command
 * scheduler (row hits first, then oldest; optional cap on consecutive row hits), open-page or
 * closed-page row policy, write-drain watermarks (optionally keeping rows that queued reads
 * need), read-after-write forwarding and all-bank refresh, driving banks whose
 * ACT/RD/WR/PRE/REF timing is enforced per bank, bank group, rank and channel. Model, rules
 * and formulas: docs/dram.md. Config: configs/dram/ (JSON).
 * Ports (all in DRAM clocks; the caller owns time and ticks the DRAM in its own clock domain,
 * period dram_cfg_tck_ps(), style.md 2.7):
 *   in  <- dram_can_accept / dram_send: one request (address, read or write, caller's tag);
 *          bounded per-channel queues; a refusal is the caller's back-pressure;
 *   out -> dram_pop_done: completed requests in completion order (reads when their last data
 *          beat has arrived, writes when their data has been written).
 * A request sent while dram_cycle() == c becomes visible to its controller at c + frontend
 * latency (config controller.frontend_latency >= 1, registered like a FIFO).
 */
#ifndef SPATTEN_DRAM_H
#define SPATTEN_DRAM_H

#include "base/common.h"
#include "base/cfg.h"
#include "base/stats.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- configuration (configs/dram/ (JSON); every field in docs/dram.md) ---- */
typedef struct dram_org {
    uint32_t channels;          /* independent channels */
    uint32_t pseudo_channels;   /* per channel: 1 (legacy) or 2 (HBM2 pseudo-channel mode) */
    uint32_t ranks;             /* per (pseudo-)channel */
    uint32_t bank_groups;       /* per rank */
    uint32_t banks_per_group;
    uint32_t rows;              /* per bank */
    uint32_t columns;           /* column addresses per row; one column = one beat of bus_bits */
    uint32_t bus_bits;          /* data bus width of one (pseudo-)channel */
    uint32_t burst_length;      /* beats per RD/WR (BL); a burst takes BL/beats_per_clock clocks */
    uint32_t devices_per_rank;  /* IDD values are per device; energy scales by this */
    uint32_t beats_per_clock;   /* data beats per command clock: 2 (DDR data on CK: DDR4/5,
                                 * HBM2), 4 or 8 (data clocked by a faster WCK/strobe: LPDDR5,
                                 * GDDR6); docs/dram.md section 2 */
} dram_org;

typedef struct dram_timing {    /* all in DRAM clock cycles */
    uint32_t CL, CWL, tRCDRD, tRCDWR, tRP, tRAS, tRFC, tREFI;
    uint32_t tRRD_S, tRRD_L, tFAW, tWTR_S, tWTR_L, tWR, tCCD_S, tCCD_L, tRTP_S, tRTP_L;
    uint32_t tXP, tCKE, tXS;    /* power-down / self-refresh: validated, not used (docs) */
    uint32_t tRTRS;             /* data-bus turnaround (read->write, rank to rank) */
} dram_timing;

typedef struct dram_power {     /* currents in mA per device, VDD in V */
    double vdd, idd0, idd2p, idd2n, idd3p, idd3n, idd4r, idd4w, idd5ab, idd6;
    double io_pj_per_bit;       /* interface (I/O) energy per bit moved, pJ */
} dram_power;

typedef struct dram_ctrl_cfg {
    uint32_t page_policy;       /* DRAM_OPEN_PAGE or DRAM_CLOSED_PAGE */
    uint32_t read_queue;        /* read transaction-queue entries per (pseudo-)channel */
    uint32_t write_queue;       /* write transaction-queue entries per (pseudo-)channel */
    uint32_t write_high;        /* enter write drain when the write queue holds >= this */
    uint32_t write_low;         /* leave write drain when it holds <= this (and reads wait) */
    uint32_t frontend_latency;  /* clocks from dram_send to schedulable (>= 1) */
    bool     dual_cmd_bus;      /* separate row (ACT/PRE/REF) and column (RD/WR) command buses */
    /* Controller structure (docs/dram.md section 5; every default keeps the behaviour of the
     * model before per-bank queues existed): */
    uint32_t bank_queue;        /* per-bank command-queue entries per direction; 0 = none (the
                                   scheduler sees the whole transaction queue) */
    uint32_t row_hit_cap;       /* column commands to an open row after which a waiting request
                                   of another row may close it; 0 = no cap (pure FR-FCFS) */
    uint32_t drain_policy;      /* DRAM_DRAIN_STRICT or DRAM_DRAIN_KEEP_READ_ROWS */
    bool     write_forwarding;  /* a read of an address queued for writing completes from the
                                   write queue (read-after-write forwarding) */
    uint32_t bank_arbitration;  /* which bank gets the row command (ACT/PRE) when several could:
                                   DRAM_ARB_OLDEST or DRAM_ARB_ROUND_ROBIN */
    uint32_t mode_scope;        /* what the read/write mode governs: DRAM_SCOPE_ISSUE (which
                                   direction issues) or DRAM_SCOPE_ADMISSION (which direction
                                   enters the bank queues; both issue); needs bank_queue > 0 */
} dram_ctrl_cfg;

enum { DRAM_OPEN_PAGE = 0, DRAM_CLOSED_PAGE = 1 };
/* Write drain: STRICT closes any row a queued write conflicts with; KEEP_READ_ROWS does not
 * close rows that queued reads hit while another write can make progress. */
enum { DRAM_DRAIN_STRICT = 0, DRAM_DRAIN_KEEP_READ_ROWS = 1 };
/* Row-command arbitration between banks: OLDEST serves the bank of the oldest request that
 * needs an ACT or PRE (FCFS); ROUND_ROBIN looks at the banks in rotation, starting after the
 * bank that got the last row command (each bank's requests still oldest first). */
enum { DRAM_ARB_OLDEST = 0, DRAM_ARB_ROUND_ROBIN = 1 };
/* Read/write mode scope (docs/dram.md section 5): ISSUE schedules only the mode's direction;
 * ADMISSION moves only the mode's direction from the transaction queues into the bank queues and
 * schedules the bank-queued requests of both directions (as DRAMSim3's controller). */
enum { DRAM_SCOPE_ISSUE = 0, DRAM_SCOPE_ADMISSION = 1 };

typedef struct dram_cfg {
    char          name[64];
    uint32_t      tck_ps;       /* DRAM clock period, integer ps */
    char          mapping[64];  /* address mapping, MSB first, e.g. "ro-ba-bg-ra-co-ch" */
    dram_org      org;
    dram_timing   t;
    dram_power    p;
    dram_ctrl_cfg ctrl;
    /* derived by the loader (not JSON fields) */
    uint32_t      request_bytes;   /* bus_bits / 8 * burst_length */
    uint32_t      nctrl;           /* channels * pseudo_channels */
    uint32_t      map_shift[7];    /* bit position of each field (DRAM_F_*) */
    uint32_t      map_bits[7];     /* width of each field */
    uint64_t      capacity_bytes;  /* whole memory */
} dram_cfg;

/* Mapping fields, in the order of map_shift/map_bits. */
enum { DRAM_F_CH, DRAM_F_PC, DRAM_F_RA, DRAM_F_BG, DRAM_F_BA, DRAM_F_RO, DRAM_F_CO };

extern const cfg_table DRAM_CFG_TABLE;             /* for `spatten config-ref` */
int      dram_cfg_load(const char *path, dram_cfg *out, sim_err *err);
uint32_t dram_cfg_request_bytes(const dram_cfg *c); /* bytes one request moves */
uint32_t dram_cfg_channels(const dram_cfg *c);      /* channels (not pseudo-channels) */
uint64_t dram_cfg_tck_ps(const dram_cfg *c);        /* DRAM clock period in ps */
double   dram_cfg_peak_gbps(const dram_cfg *c);     /* peak bandwidth, GB/s (1e9 B/s) */

/* ---- the model ---- */
typedef struct dram dram;
/* prefix names the stats module ("dram" -> "dram.reads", "dram.ch3.data_cycles", ...). */
dram    *dram_create(const dram_cfg *cfg, stats *st, const char *prefix, sim_err *err);
void     dram_destroy(dram *d);                     /* NULL ok */
bool     dram_can_accept(const dram *d, uint64_t addr, bool is_write);
void     dram_send(dram *d, uint64_t addr, bool is_write, uint64_t tag); /* asserts can_accept,
                                                       alignment to request bytes, capacity */
bool     dram_pop_done(dram *d, uint64_t *tag, bool *is_write); /* completion order */
/* For drivers that do not look at completions (dram_replay): dram_can_accept, then dram_send
 * if it can (false: refused, nothing done). */
bool     dram_try_send(dram *d, uint64_t addr, bool is_write, uint64_t tag);
/* on: completions from now on are not kept (dram_pop_done finds none of them); dram_idle and
 * dram_next_event still wait for the last one. For drivers that never look at them (the
 * replay), which then skip the per-request bookkeeping. */
void     dram_set_discard_done(dram *d, bool on);
void     dram_tick(dram *d);                        /* advance exactly one DRAM clock */
uint64_t dram_cycle(const dram *d);                 /* DRAM clocks elapsed */
uint64_t dram_data_cycles(const dram *d);           /* data-bus clocks, summed over controllers */
uint64_t dram_next_event(const dram *d);            /* earliest cycle (>= now) at which anything
                                                       can happen; never CYCLE_NEVER (refresh) */
void     dram_skip_to(dram *d, uint64_t cyc);       /* asserts cyc <= dram_next_event() */
bool     dram_idle(const dram *d);                  /* nothing queued, in flight or undelivered */
uint32_t dram_channel_of(const dram *d, uint64_t addr);

typedef struct dram_energy { double act_pj, rd_pj, wr_pj, ref_pj, bg_pj, io_pj, total_pj; } dram_energy;
void     dram_get_energy(const dram *d, dram_energy *e); /* total = exact sum of the parts */

/* Extras beyond the contract. */
/* Fill the derived stats (bandwidth, utilisation, average latency, energy) from the counters
 * as of now; call before writing the stats table. */
void     dram_update_stats(dram *d);
/* Test hook: schedule every controller every cycle instead of waking it only at its next
 * possible event, scan every queue in full instead of trusting the scheduling caches' lower
 * bounds, and use the general scheduler where the common controller has a specialised copy
 * (results must not change; tests/unit/330, 360). */
void     dram_set_exhaustive(dram *d, bool on);
const dram_cfg *dram_get_cfg(const dram *d);
/* Request recorder: every request accepted by dram_send from now on is written to f as one
 * `spatten dram --stream` line, "<dram cycle> 0x<address> R|W" (the cycle of dram_send), so
 * the run's DRAM traffic can be replayed here or in another DRAM simulator. NULL stops it. The
 * caller owns f (opens it atomically, checks ferror and commits). */
void     dram_set_recorder(dram *d, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
