/*
 * fetch.h - matrix fetcher + fetcher-to-channel crossbar + reorder buffer.
 *
 * Hardware block: turns row-level jobs ("fetch K MSB rows {ids} of (layer, head)", "write the
 * output row", ...) into request_bytes-sized DRAM requests, routes each through the address
 * crossbar into its channel's request queue, and puts responses back in request order (reorder
 * buffer per stream) before marking the row valid in the on-chip buffer.
 * Ports:
 *   in  <- one job FIFO per stream (acc_traffic kinds: Q, K MSB, K LSB, V reads; OUT, KV-append
 *          writes), fetch_can_push/fetch_push; `job_depth` jobs each;
 *   out -> arrival cells: for every read row, cells[id] = first cycle the row is in the buffer;
 *   mem <-> DRAM model (sim/dram.h): one request queue per channel (`req_depth`, crossbar
 *          latency as ready stamps), one request per channel per cycle into dram_send when
 *          dram_can_accept; completions via dram_pop_done.
 * Timing: at most `ports` requests issued per cycle (one per fetcher port), streams in fixed
 * priority OUT > KV-append > V > K LSB > K MSB > Q (later pipeline stages first), in order
 * within a stream; at most `max_outstanding` requests in flight; a read row becomes valid
 * max(1, xbar_latency) cycles after the cycle its last response is popped and all older rows of
 * its stream are valid. Address layout: docs/arch/fetch.md.
 */
#ifndef SPATTEN_FETCH_H
#define SPATTEN_FETCH_H

#include "base/common.h"
#include "base/stats.h"
#include "dram/dram.h"
#include "accel/traffic.h"

#ifdef __cplusplus
extern "C" {
#endif


enum { FETCH_STREAMS = ACC_TR_N };   /* one stream per traffic kind */

typedef struct fetch_cfg {
    uint32_t ports;            /* requests issued per cycle, total */
    uint32_t xbar_latency;     /* cycles through the crossbar, each direction */
    uint32_t max_outstanding;  /* requests in flight */
    uint32_t req_depth;        /* per-channel request queue depth */
    uint32_t job_depth;        /* per-stream job FIFO depth */
} fetch_cfg;

typedef struct fetch_job {
    uint32_t        n;         /* rows */
    const uint32_t *ids;       /* [n] row ids; NULL: ids first .. first + n - 1 */
    uint32_t        first;
    const uint32_t *pos;       /* id -> position in the matrix (NULL: identity) */
    cycle_t        *cells;     /* arrival cells indexed by id (reads); NULL for writes */
    uint64_t        base;      /* byte address of position 0 */
    uint32_t        stride;    /* bytes between positions (>= row_bytes; any value: a row covers
                                  the aligned requests its bytes touch) */
    uint32_t        row_bytes; /* useful bytes per row */
} fetch_job;

typedef struct fetch fetch;

fetch   *fetch_create(const fetch_cfg *c, dram *d, stats *st, const char *prefix, sim_err *err);
void     fetch_destroy(fetch *f);
bool     fetch_can_push(const fetch *f, int stream, cycle_t now);
/* Queue a job (visible to the issue logic from now + 1). Read jobs set their cells to
 * CYCLE_NEVER at once. ids/pos must stay valid until the job's rows have been issued. */
void     fetch_push(fetch *f, int stream, const fetch_job *j, cycle_t now);
unsigned fetch_tick(fetch *f, cycle_t now);
cycle_t  fetch_next_event(const fetch *f, cycle_t now);
void     fetch_skip(fetch *f, uint64_t cycles);     /* account skipped idle cycles */
bool     fetch_idle(const fetch *f);                /* no job, request or response pending */
uint64_t fetch_dram_sends(const fetch *f);        /* requests handed to dram_send so far */
/* Requests allocated and not yet completed, and the DRAM cycle of the last completion (or of
 * the first request after none was in flight): the watchdog's measure of DRAM progress. */
bool     fetch_waiting(const fetch *f);
uint64_t fetch_last_done(const fetch *f);
/* Counters (also registered in stats). */
uint64_t fetch_useful_bytes(const fetch *f, int stream);
uint64_t fetch_rows(const fetch *f, int stream);
uint64_t fetch_dram_bytes(const fetch *f, bool is_write);
uint64_t fetch_requests(const fetch *f);
uint64_t fetch_busy_cycles(const fetch *f);
uint64_t fetch_stall_cycles(const fetch *f);
/* One line per queue "name occ/depth" appended to buf (watchdog dump). */
void     fetch_dump(const fetch *f, char *buf, size_t cap, cycle_t now);

#ifdef __cplusplus
}
#endif
#endif
