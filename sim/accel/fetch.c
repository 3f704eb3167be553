/* fetch.c - matrix fetcher, crossbar and reorder buffer (fetch.h; docs/arch/fetch.md). */
#include "accel/fetch.h"
#include "base/fifo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ACC_TRAFFIC_NAMES[ACC_TR_N] = { "q", "k_msb", "k_lsb", "v", "out", "kv_append" };
/* issue priority: later pipeline stages first */
static const int PRIO[FETCH_STREAMS] = { ACC_TR_OUT, ACC_TR_KV_APPEND, ACC_TR_V, ACC_TR_K_LSB,
                                          ACC_TR_K_MSB, ACC_TR_Q };

typedef struct xreq { uint64_t addr, tag; uint8_t is_write; } xreq;
typedef struct rob_ent { cycle_t *cell; uint32_t remaining; } rob_ent;

typedef struct stream {
    fifo     *jobs;          /* fetch_job */
    uint32_t  row;           /* next row of the head job */
    uint32_t  req;           /* next request of that row */
    uint32_t  cur_slot;      /* ROB slot of the row being issued */
    uint64_t  last_blk;      /* address of the last read request issued (request sharing) */
    rob_ent  *rob;           /* ring, cap entries */
    uint32_t  rob_head, rob_count;
    uint64_t  useful_bytes, rows;
} stream;

/* counters: FETCH_STATS_HEAD, then two per stream (useful bytes, rows), then FETCH_STATS_TAIL */
typedef struct fetch_ctr {
    uint64_t requests, rd_bytes, wr_bytes, busy_cycles, stall_cycles, stall_chq_full,
             stall_rob_full, max_inflight;
} fetch_ctr;
static const stats_def FETCH_STATS_HEAD[] = {
    STATS_U64(fetch_ctr, requests, "requests", "req", "DRAM requests issued"),
    STATS_U64(fetch_ctr, rd_bytes, "rd_bytes", "B", "bytes read by DRAM requests"),
    STATS_U64(fetch_ctr, wr_bytes, "wr_bytes", "B", "bytes written by DRAM requests"),
};
static const stats_def FETCH_STATS_STREAM[] = {   /* names prefixed "<kind>_" */
    STATS_U64(stream, useful_bytes, "bytes", "B", "useful bytes of rows moved"),
    STATS_U64(stream, rows, "rows", "row", "rows moved"),
};
static const stats_def FETCH_STATS_TAIL[] = {
    STATS_U64(fetch_ctr, busy_cycles, "busy_cycles", "cycle", "cycles with at least one request issued"),
    STATS_U64(fetch_ctr, stall_cycles, "stall_cycles", "cycle",
              "cycles a stream had a request but could not issue it"),
    STATS_U64(fetch_ctr, stall_chq_full, "stall_chq_full", "event", "refusals: channel request queue full"),
    STATS_U64(fetch_ctr, stall_rob_full, "stall_rob_full", "event",
              "refusals: max_outstanding or reorder buffer full"),
    STATS_U64(fetch_ctr, max_inflight, "max_inflight", "req", "most requests in flight at once"),
};

struct fetch {
    fetch_cfg cfg;
    dram     *d;
    uint32_t  req_bytes, nch;
    fifo    **chq;           /* per channel */
    stream    s[FETCH_STREAMS];
    uint32_t  rob_cap;
    uint32_t  inflight;      /* requests sent to the crossbar, not completed */
    uint32_t  jobs_pending;  /* jobs queued or being issued */
    uint32_t  queued;        /* requests in the channel queues */
    uint64_t  sends;         /* requests handed to the DRAM model */
    uint64_t  last_done;     /* DRAM cycle of the last completion, or of the first request
                                after none was in flight (the watchdog's DRAM clock) */
    int       stall_state;   /* 0 none, 1 blocked (queue/ROB full) */
    uint32_t  last_rob, last_chq;   /* refusals counted in the last tick (skip accounting) */
    fetch_ctr st;
};

fetch *fetch_create(const fetch_cfg *c, dram *d, stats *st, const char *prefix, sim_err *err)
{
    if (c->ports == 0 || c->max_outstanding == 0 || c->req_depth == 0 || c->job_depth == 0) {
        sim_errf(err, SIM_EINVAL, "fetch: ports, max_outstanding and queue depths must be >= 1");
        return NULL;
    }
    fetch *f = sim_xcalloc(1, sizeof *f);
    f->cfg = *c;
    f->d = d;
    const dram_cfg *dc = dram_get_cfg(d);
    f->req_bytes = dram_cfg_request_bytes(dc);
    f->nch = dram_cfg_channels(dc);
    f->chq = sim_xcalloc(f->nch, sizeof *f->chq);
    char name[64];
    for (uint32_t i = 0; i < f->nch; i++) {
        snprintf(name, sizeof name, "xbar.ch%u", i);
        f->chq[i] = fifo_create(name, sizeof(xreq), c->req_depth);
    }
    f->rob_cap = c->max_outstanding;
    for (int i = 0; i < FETCH_STREAMS; i++) {
        snprintf(name, sizeof name, "fetch.jobs.%s", ACC_TRAFFIC_NAMES[i]);
        f->s[i].jobs = fifo_create(name, sizeof(fetch_job), c->job_depth);
        f->s[i].rob = sim_xcalloc(f->rob_cap, sizeof(rob_ent));
    }
    const char *m = prefix ? prefix : "fetch";
    stats_add_table(st, m, FETCH_STATS_HEAD, sizeof FETCH_STATS_HEAD / sizeof FETCH_STATS_HEAD[0], &f->st);
    for (int i = 0; st && i < FETCH_STREAMS; i++)
        for (size_t k = 0; k < sizeof FETCH_STATS_STREAM / sizeof FETCH_STATS_STREAM[0]; k++) {
            stats_def sd = FETCH_STATS_STREAM[k];
            char nm[48];
            snprintf(nm, sizeof nm, "%s_%s", ACC_TRAFFIC_NAMES[i], sd.name);
            sd.name = nm;
            stats_add_table(st, m, &sd, 1, &f->s[i]);
        }
    stats_add_table(st, m, FETCH_STATS_TAIL, sizeof FETCH_STATS_TAIL / sizeof FETCH_STATS_TAIL[0], &f->st);
    (void)err;
    return f;
}

void fetch_destroy(fetch *f)
{
    if (!f) return;
    for (uint32_t i = 0; i < f->nch; i++) fifo_destroy(f->chq[i]);
    free(f->chq);
    for (int i = 0; i < FETCH_STREAMS; i++) {
        fifo_destroy(f->s[i].jobs);
        free(f->s[i].rob);
    }
    free(f);
}

bool fetch_can_push(const fetch *f, int s, cycle_t now) { return fifo_can_push(f->s[s].jobs, now); }

void fetch_push(fetch *f, int s, const fetch_job *j, cycle_t now)
{
    SIM_ASSERT(j->row_bytes >= 1 && j->row_bytes <= j->stride);
    SIM_ASSERT(acc_traffic_is_write(s) == (j->cells == NULL));
    if (j->cells)
        for (uint32_t r = 0; r < j->n; r++) j->cells[j->ids ? j->ids[r] : j->first + r] = CYCLE_NEVER;
    if (j->n == 0) return;
    fifo_push(f->s[s].jobs, j, now, now + 1);
    f->jobs_pending++;
}

static void deliver(stream *s, cycle_t vis, uint32_t cap)
{
    while (s->rob_count && s->rob[s->rob_head].remaining == 0) {
        if (s->rob[s->rob_head].cell) *s->rob[s->rob_head].cell = vis;
        s->rob_head = s->rob_head + 1 == cap ? 0 : s->rob_head + 1;
        s->rob_count--;
    }
}

unsigned fetch_tick(fetch *f, cycle_t now)
{
    unsigned progress = 0;
    const cycle_t lat = f->cfg.xbar_latency ? f->cfg.xbar_latency : 1;
    /* responses */
    uint64_t tag;
    bool w;
    while (f->inflight && dram_pop_done(f->d, &tag, &w)) {
        int si = (int)(tag >> 32);
        uint32_t slot = (uint32_t)tag;
        SIM_ASSERT(si < FETCH_STREAMS && slot < f->rob_cap);
        stream *s = &f->s[si];
        SIM_ASSERT(s->rob[slot].remaining > 0);
        s->rob[slot].remaining--;
        f->inflight--;
        f->last_done = dram_cycle(f->d);
        deliver(s, now + lat, f->rob_cap);
        progress++;
    }
    /* crossbar -> channels: one request per channel per cycle */
    for (uint32_t c = 0; f->queued && c < f->nch; c++) {
        const xreq *x = fifo_peek(f->chq[c], now);
        if (x && dram_can_accept(f->d, x->addr, x->is_write)) {
            dram_send(f->d, x->addr, x->is_write, x->tag);
            fifo_pop(f->chq[c], now);
            f->queued--;
            f->sends++;
            progress++;
        }
    }
    if (!f->jobs_pending) {
        f->stall_state = 0;
        f->last_rob = f->last_chq = 0;
        return progress;
    }
    /* issue */
    uint32_t issued = 0;
    const uint64_t rob0 = f->st.stall_rob_full, chq0 = f->st.stall_chq_full;
    bool blocked = false;
    for (int pi = 0; pi < FETCH_STREAMS && issued < f->cfg.ports; pi++) {
        int si = PRIO[pi];
        stream *s = &f->s[si];
        while (issued < f->cfg.ports) {
            const fetch_job *j = fifo_peek(s->jobs, now);
            if (!j) break;
            /* A row covers the aligned requests its bytes touch. In a packed layout a read row
             * whose first request is the previous row's last one (same job, issued just
             * before) shares it: the request is issued once, and the in-order delivery below
             * hands this row over only after the previous row, i.e. after that request. */
            const uint32_t rb = f->req_bytes;
            uint32_t id = j->ids ? j->ids[s->row] : j->first + s->row;
            uint32_t pos = j->pos ? j->pos[id] : id;
            uint64_t start = j->base + (uint64_t)pos * j->stride;
            uint64_t fb = start / rb * rb;
            uint32_t nreq = (uint32_t)((start + j->row_bytes - 1) / rb - start / rb + 1);
            bool fresh = s->req == 0;
            uint32_t shared = fresh && !acc_traffic_is_write(si) && s->row > 0 && fb == s->last_blk;
            uint32_t q = fresh ? shared : s->req;
            if (fresh && s->rob_count == f->rob_cap) { f->st.stall_rob_full++; blocked = true; break; }
            uint64_t addr = fb + (uint64_t)q * rb;
            const uint32_t ch = q < nreq ? dram_channel_of(f->d, addr) : 0;
            if (q < nreq) {
                if (f->inflight >= f->cfg.max_outstanding) { f->st.stall_rob_full++; blocked = true; break; }
                if (!fifo_can_push(f->chq[ch], now)) { f->st.stall_chq_full++; blocked = true; break; }
            }
            if (fresh) {
                uint32_t slot = s->rob_head + s->rob_count;
                if (slot >= f->rob_cap) slot -= f->rob_cap;
                s->rob[slot].cell = j->cells ? &j->cells[id] : NULL;
                s->rob[slot].remaining = nreq - shared;
                s->rob_count++;
                s->cur_slot = slot;
                s->useful_bytes += j->row_bytes;
                s->rows++;
            }
            if (q < nreq) {
                xreq x = { addr, ((uint64_t)si << 32) | s->cur_slot, (uint8_t)acc_traffic_is_write(si) };
                fifo_push(f->chq[ch], &x, now, now + lat);
                f->queued++;
                if (f->inflight++ == 0) f->last_done = dram_cycle(f->d);
                if (f->inflight > f->st.max_inflight) f->st.max_inflight = f->inflight;
                f->st.requests++;
                if (x.is_write) f->st.wr_bytes += rb; else f->st.rd_bytes += rb;
                s->last_blk = addr;
                issued++;
                q++;
            } else {
                deliver(s, now + lat, f->rob_cap);   /* all of it came with the previous row */
                progress++;
            }
            s->req = q;
            if (q == nreq) {
                s->req = 0;
                if (++s->row == j->n) {
                    s->row = 0;
                    fifo_pop(s->jobs, now);
                    f->jobs_pending--;
                }
            }
        }
    }
    if (issued) f->st.busy_cycles++;
    f->last_rob = (uint32_t)(f->st.stall_rob_full - rob0);
    f->last_chq = (uint32_t)(f->st.stall_chq_full - chq0);
    f->stall_state = blocked && !issued;
    if (f->stall_state) f->st.stall_cycles++;
    return progress + issued;
}

cycle_t fetch_next_event(const fetch *f, cycle_t now)
{
    cycle_t next = CYCLE_NEVER;
    for (uint32_t c = 0; f->queued && c < f->nch; c++) {
        cycle_t r = fifo_head_ready(f->chq[c]);
        if (r == CYCLE_NEVER) continue;
        if (r <= now + 1) {
            const xreq *x = fifo_peek(f->chq[c], r);
            if (dram_can_accept(f->d, x->addr, x->is_write)) return now + 1;
        } else if (r < next) next = r;
    }
    if (f->stall_state) return next;            /* waits for DRAM (its events wake us) */
    for (int i = 0; i < FETCH_STREAMS; i++) {
        cycle_t r = fifo_head_ready(f->s[i].jobs);
        if (r == CYCLE_NEVER) continue;
        if (r <= now + 1) return now + 1;
        if (r < next) next = r;
    }
    return next;
}

/* A skip follows a tick without progress; every skipped tick would have repeated its refusals. */
void fetch_skip(fetch *f, uint64_t cycles)
{
    if (f->stall_state) f->st.stall_cycles += cycles;
    f->st.stall_rob_full += cycles * f->last_rob;
    f->st.stall_chq_full += cycles * f->last_chq;
}

bool fetch_idle(const fetch *f)
{
    return !f->inflight && !f->jobs_pending && !f->queued;
}

uint64_t fetch_dram_sends(const fetch *f) { return f->sends; }
bool fetch_waiting(const fetch *f) { return f->inflight != 0; }
uint64_t fetch_last_done(const fetch *f) { return f->last_done; }
uint64_t fetch_useful_bytes(const fetch *f, int s) { return f->s[s].useful_bytes; }
uint64_t fetch_rows(const fetch *f, int s) { return f->s[s].rows; }
uint64_t fetch_dram_bytes(const fetch *f, bool w) { return w ? f->st.wr_bytes : f->st.rd_bytes; }
uint64_t fetch_requests(const fetch *f) { return f->st.requests; }
uint64_t fetch_busy_cycles(const fetch *f) { return f->st.busy_cycles; }
uint64_t fetch_stall_cycles(const fetch *f) { return f->st.stall_cycles; }

void fetch_dump(const fetch *f, char *buf, size_t cap, cycle_t now)
{
    (void)now;
    size_t len = strlen(buf);
    for (int i = 0; i < FETCH_STREAMS; i++)
        len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, " %s %u/%u;",
                                fifo_name(f->s[i].jobs), fifo_count(f->s[i].jobs),
                                fifo_depth(f->s[i].jobs));
    for (uint32_t c = 0; c < f->nch && len < cap; c++)
        if (fifo_count(f->chq[c]))
            len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, " %s %u/%u;",
                                    fifo_name(f->chq[c]), fifo_count(f->chq[c]),
                                    fifo_depth(f->chq[c]));
    if (len < cap)
        snprintf(buf + len, cap - len, " fetch.inflight %u/%u;", f->inflight, f->cfg.max_outstanding);
}
