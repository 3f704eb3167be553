/* dram_setup.c - the DRAM model's construction, counters and energy (dram.h; docs/dram.md,
 * "Statistics" and "Energy"). */
#include "dram/dram_int.h"

/* ---- create / destroy ---- */
enum { LINE = 64 };                  /* cache-line size the hot state is laid out for */
static void *line_align(void *p) { return (void *)(((uintptr_t)p + LINE - 1) & ~(uintptr_t)(LINE - 1)); }

/* Carves arrays out of one block, each starting on a cache line; with base NULL it only sizes. */
typedef struct carve { char *base; size_t off; } carve;
static void *carve_take(carve *k, size_t n)
{
    void *p = k->base ? k->base + k->off : NULL;
    k->off += (n + LINE - 1) & ~(size_t)(LINE - 1);
    return p;
}

dram *dram_create(const dram_cfg *cfg, stats *st, const char *prefix, sim_err *err)
{
    if (!cfg || cfg->nctrl == 0 || cfg->request_bytes == 0) {
        sim_errf(err, SIM_EINVAL, "dram_create: config was not loaded through dram_cfg_load");
        return NULL;
    }
    dram *d = sim_xcalloc(1, sizeof *d);
    d->cfg = *cfg;
    const dram_org *o = &cfg->org;
    const dram_timing *t = &cfg->t;
    d->nctrl = cfg->nctrl;
    d->nranks_ = o->ranks;
    d->ngroups = o->ranks * o->bank_groups;
    d->nbanks = d->ngroups * o->banks_per_group;
    d->bl2 = o->burst_length / o->beats_per_clock;   /* clocks one burst holds the data bus */
    const dram_ctrl_cfg *kc = &cfg->ctrl;
    d->fast_ctrl = kc->bank_queue && kc->dual_cmd_bus && !kc->row_hit_cap && o->ranks == 1
                   && kc->page_policy == DRAM_OPEN_PAGE && kc->bank_arbitration == DRAM_ARB_OLDEST
                   && kc->mode_scope == DRAM_SCOPE_ISSUE;
    uint32_t bl2 = d->bl2;
    d->rd_rd_l = (uint32_t)maxu(t->tCCD_L, bl2);
    d->rd_rd_s = (uint32_t)maxu(t->tCCD_S, bl2);
    d->rd_rd_o = bl2 + t->tRTRS;
    d->rd_wr = t->CL + bl2 + t->tRTRS > t->CWL ? t->CL + bl2 + t->tRTRS - t->CWL : 1;
    d->rd_wr_o = d->rd_wr;
    d->wr_wr_l = d->rd_rd_l;
    d->wr_wr_s = d->rd_rd_s;
    d->wr_wr_o = bl2 + t->tRTRS;
    d->wr_rd_l = t->CWL + bl2 + t->tWTR_L;
    d->wr_rd_s = t->CWL + bl2 + t->tWTR_S;
    d->wr_rd_o = t->CWL + bl2 + t->tRTRS > t->CL ? t->CWL + bl2 + t->tRTRS - t->CL : 1;
    d->rd_pre = t->tRTP_L;
    d->wr_pre = t->CWL + bl2 + t->tWR;
    d->t_rc = t->tRAS + t->tRP;

    /* rq/wq hold every bank queue (with bank queues) or the transaction queue (without) */
    d->tq_cap[0] = cfg->ctrl.read_queue;
    d->tq_cap[1] = cfg->ctrl.write_queue;
    for (int w = 0; w < 2; w++)
        d->qcap[w] = cfg->ctrl.bank_queue ? cfg->ctrl.bank_queue * d->nbanks : d->tq_cap[w];
    for (int f = 0; f < 7; f++) {
        d->fshift[f] = cfg->map_shift[f];
        d->fmask[f] = (1ull << cfg->map_bits[f]) - 1;
    }
    d->ch_mem = sim_xcalloc(1, d->nctrl * sizeof *d->ch + LINE - 1);
    d->ch = line_align(d->ch_mem);
    d->wake = sim_xcalloc(d->nctrl, sizeof *d->wake);
    const uint32_t B = cfg->ctrl.bank_queue;
    for (uint32_t i = 0; i < d->nctrl; i++) {
        dchan *c = &d->ch[i];
        c->rq = c->rbuf = sim_xcalloc(2 * (size_t)d->qcap[0], sizeof *c->rq);
        c->wq = c->wbuf = sim_xcalloc(2 * (size_t)d->qcap[1], sizeof *c->wq);
        if (cfg->ctrl.bank_arbitration == DRAM_ARB_ROUND_ROBIN) {
            c->rr_cnt = sim_xcalloc(d->nbanks + 1, sizeof *c->rr_cnt);
            c->rr_ord = sim_xcalloc(d->qcap[0] + d->qcap[1], sizeof *c->rr_ord);   /* both: mode_scope admission */
        }
        /* the small arrays: sized in a first pass (base NULL), then carved from one block */
        carve k = { NULL, 0 };
        for (int pass = 0; pass < 2; pass++) {
            k.off = 0;
            c->banks = carve_take(&k, d->nbanks * sizeof *c->banks);
            c->groups = carve_take(&k, d->ngroups * sizeof *c->groups);
            c->ranks = carve_take(&k, o->ranks * sizeof *c->ranks);
            c->orow = carve_take(&k, d->nbanks * sizeof *c->orow);
            c->seen = carve_take(&k, d->nbanks * sizeof *c->seen);
            for (int w = 0; w < 2 && B; w++) {
                uint32_t n = d->tq_cap[w];
                c->bqrow[w] = carve_take(&k, (size_t)d->nbanks * B * sizeof *c->bqrow[w]);
                c->tslot[w] = carve_take(&k, n * sizeof *c->tslot[w]);
                c->tnext[w] = carve_take(&k, n * sizeof *c->tnext[w]);
                c->tarr[w] = carve_take(&k, n * sizeof *c->tarr[w]);
            }
            if (pass == 0) {
                c->mem = sim_xcalloc(1, k.off + LINE - 1);
                k.base = line_align(c->mem);
            }
        }
        for (int w = 0; w < 2 && B; w++) {
            uint32_t n = d->tq_cap[w];
            for (uint32_t j = 0; j < n; j++) {
                c->tslot[w][j].addr = TQ_FREE;
                c->tnext[w][j] = (uint16_t)(j + 1);     /* the free list: 0, 1, ... */
            }
            c->tfree[w] = 0;
        }
        for (uint32_t b = 0; b < d->nbanks; b++) {
            c->banks[b].open_row = ROW_NONE;
            c->orow[b] = ROW_NONE;
            c->banks[b].bg = (uint16_t)(b / o->banks_per_group);
            c->banks[b].rank = (uint16_t)(b / (o->banks_per_group * o->bank_groups));
        }
        for (uint32_t r = 0; r < o->ranks; r++) c->ranks[r].ref_due = t->tREFI;
        c->ref_min = t->tREFI;
        d->wake[i] = t->tREFI;
    }
    d->min_wake = t->tREFI;

    d->c.peak_gbps = dram_cfg_peak_gbps(cfg);
    if (st) {
        const char *m = prefix ? prefix : "dram";
        dram_counters *k = &d->c;
        stats_add_u64(st, m, "cycles", "dram_cycle", &d->now, "DRAM clocks simulated");
        stats_add_u64(st, m, "reads", "req", &k->reads, "read requests served");
        stats_add_u64(st, m, "writes", "req", &k->writes, "write requests served");
        stats_add_u64(st, m, "bytes_read", "B", &k->bytes_read, "bytes read");
        stats_add_u64(st, m, "bytes_written", "B", &k->bytes_written, "bytes written");
        stats_add_u64(st, m, "row_hits", "req", &k->row_hits, "requests whose row was open");
        stats_add_u64(st, m, "row_misses", "req", &k->row_misses, "requests to a precharged bank (ACT)");
        stats_add_u64(st, m, "row_conflicts", "req", &k->row_conflicts, "requests to a bank with another row open (PRE+ACT)");
        stats_add_u64(st, m, "cmd_act", "cmd", &k->n_act, "ACT commands");
        stats_add_u64(st, m, "cmd_pre", "cmd", &k->n_pre, "PRE commands (including auto-precharge)");
        stats_add_u64(st, m, "cmd_rd", "cmd", &k->n_rd, "RD commands");
        stats_add_u64(st, m, "cmd_wr", "cmd", &k->n_wr, "WR commands");
        stats_add_u64(st, m, "cmd_ref", "cmd", &k->n_ref, "all-bank REF commands");
        stats_add_u64(st, m, "refresh_cycles", "dram_cycle", &k->refresh_cycles, "rank-cycles spent in refresh (REF x tRFC)");
        stats_add_u64(st, m, "write_drains", "event", &k->write_drains, "switches into write-drain mode");
        stats_add_u64(st, m, "reads_forwarded", "req", &k->reads_forwarded,
                      "reads served from the write queue (write_forwarding; no DRAM access)");
        stats_add_u64(st, m, "row_hit_cap_closes", "cmd", &k->cap_closes,
                      "PREs of a row that still had queued hits, because row_hit_cap was reached");
        stats_add_u64(st, m, "read_latency_sum", "dram_cycle", &k->lat_sum, "sum of read latencies (send to last data beat)");
        stats_add_u64(st, m, "read_latency_max", "dram_cycle", &k->lat_max, "largest read latency");
        stats_add_f64(st, m, "read_latency_avg", "dram_cycle", &k->lat_avg, "average read latency");
        static const char *const hn[NHIST] = {
            "read_latency_lt32", "read_latency_lt64", "read_latency_lt128", "read_latency_lt256",
            "read_latency_lt512", "read_latency_lt1k", "read_latency_lt2k", "read_latency_lt4k",
            "read_latency_lt8k", "read_latency_lt16k", "read_latency_lt32k", "read_latency_ge32k" };
        for (int i = 0; i < NHIST; i++)
            stats_add_u64(st, m, hn[i], "req", &k->lat_hist[i], "read-latency histogram bucket");
        stats_add_f64(st, m, "bandwidth_gbps", "GB/s", &k->bw_gbps, "achieved bandwidth (bytes / simulated time)");
        stats_add_f64(st, m, "peak_gbps", "GB/s", &k->peak_gbps, "peak bandwidth of the configuration");
        stats_add_f64(st, m, "bandwidth_pct", "%", &k->bw_pct, "achieved / peak bandwidth");
        stats_add_f64(st, m, "energy_act_pj", "pJ", &k->e_act, "ACT+PRE energy");
        stats_add_f64(st, m, "energy_rd_pj", "pJ", &k->e_rd, "read burst energy (array)");
        stats_add_f64(st, m, "energy_wr_pj", "pJ", &k->e_wr, "write burst energy (array)");
        stats_add_f64(st, m, "energy_ref_pj", "pJ", &k->e_ref, "refresh energy");
        stats_add_f64(st, m, "energy_bg_pj", "pJ", &k->e_bg, "background (standby) energy");
        stats_add_f64(st, m, "energy_io_pj", "pJ", &k->e_io, "I/O energy");
        stats_add_f64(st, m, "energy_total_pj", "pJ", &k->e_total, "total DRAM energy (sum of the above)");
        stats_add_f64(st, m, "energy_pj_per_bit", "pJ/bit", &k->pj_per_bit_read, "total energy / bits moved");
        d->names = sim_xcalloc(d->nctrl, sizeof *d->names);
        for (uint32_t i = 0; i < d->nctrl; i++) {
            char buf[128];
            if (o->pseudo_channels > 1)
                snprintf(buf, sizeof buf, "%s.ch%u.pc%u", m, i / o->pseudo_channels, i % o->pseudo_channels);
            else
                snprintf(buf, sizeof buf, "%s.ch%u", m, i);
            d->names[i] = sim_xstrdup(buf);
            dstat_ch *s = &d->ch[i].st;
            stats_add_u64(st, buf, "reads", "req", &s->reads, "reads served by this channel");
            stats_add_u64(st, buf, "writes", "req", &s->writes, "writes served by this channel");
            stats_add_u64(st, buf, "data_cycles", "dram_cycle", &s->data_cycles, "clocks its data bus carried a burst");
            stats_add_f64(st, buf, "utilisation", "fraction", &s->util, "data_cycles / cycles");
        }
    }
    return d;
}

void dram_destroy(dram *d)
{
    if (!d) return;
    for (uint32_t i = 0; i < d->nctrl; i++) {
        free(d->ch[i].rbuf); free(d->ch[i].wbuf); free(d->ch[i].mem);
        free(d->ch[i].rr_cnt); free(d->ch[i].rr_ord);
        if (d->names) free(d->names[i]);
    }
    free(d->names);
    free(d->ch_mem);
    free(d->wake);
    free(d->rd_done.tag); free(d->rd_done.done);
    free(d->wr_done.tag); free(d->wr_done.done);
    free(d->fw_done.tag); free(d->fw_done.done);
    free(d);
}

/* ---- energy (docs/dram.md, "Energy") ---- */
void dram_get_energy(const dram *d, dram_energy *e)
{
    const dram_cfg *cfg = &d->cfg;
    const dram_power *p = &cfg->p;
    const dram_timing *t = &cfg->t;
    /* IDD values are per device; a rank has devices_per_rank; in pseudo-channel mode each
     * pseudo-channel is charged 1/pseudo_channels of its channel's currents. */
    double scale = (double)cfg->org.devices_per_rank / (double)cfg->org.pseudo_channels;
    double tck_ns = (double)cfg->tck_ps / 1000.0;
    double vs = p->vdd * tck_ns * scale;      /* mA * cycles -> pJ */
    double t_rc = (double)(t->tRAS + t->tRP);
    double e_act = vs * (p->idd0 * t_rc - (p->idd3n * t->tRAS + p->idd2n * t->tRP));
    double e_rd = vs * (p->idd4r - p->idd3n) * d->bl2;
    double e_wr = vs * (p->idd4w - p->idd3n) * d->bl2;
    double e_ref = vs * (p->idd5ab - p->idd3n) * t->tRFC;
    uint64_t act_cyc = 0, pre_cyc = 0;
    for (uint32_t i = 0; i < d->nctrl; i++)
        for (uint32_t r = 0; r < cfg->org.ranks; r++) {
            const drank *x = &d->ch[i].ranks[r];
            uint64_t tail = d->now > x->bg_mark ? d->now - x->bg_mark : 0;
            act_cyc += x->active_cycles + (x->open_banks ? tail : 0);
            pre_cyc += x->pre_cycles + (x->open_banks ? 0 : tail);
        }
    e->act_pj = e_act * (double)d->c.n_act;
    e->rd_pj = e_rd * (double)d->c.n_rd;
    e->wr_pj = e_wr * (double)d->c.n_wr;
    e->ref_pj = e_ref * (double)d->c.n_ref;
    e->bg_pj = vs * (p->idd3n * (double)act_cyc + p->idd2n * (double)pre_cyc);
    e->io_pj = p->io_pj_per_bit * 8.0 * (double)(d->c.bytes_read + d->c.bytes_written);
    e->total_pj = e->act_pj + e->rd_pj + e->wr_pj + e->ref_pj + e->bg_pj + e->io_pj;
}

void dram_update_stats(dram *d)
{
    dram_counters *k = &d->c;
    double secs_ps = (double)d->now * (double)d->cfg.tck_ps;   /* elapsed time in ps */
    uint64_t bytes = k->bytes_read + k->bytes_written;
    k->lat_avg = k->reads ? (double)k->lat_sum / (double)k->reads : 0.0;
    k->bw_gbps = d->now ? (double)bytes / secs_ps * 1000.0 : 0.0;
    k->bw_pct = k->peak_gbps > 0 ? 100.0 * k->bw_gbps / k->peak_gbps : 0.0;
    for (uint32_t i = 0; i < d->nctrl; i++)
        d->ch[i].st.util = d->now ? (double)d->ch[i].st.data_cycles / (double)d->now : 0.0;
    dram_energy e;
    dram_get_energy(d, &e);
    k->e_act = e.act_pj; k->e_rd = e.rd_pj; k->e_wr = e.wr_pj; k->e_ref = e.ref_pj;
    k->e_bg = e.bg_pj; k->e_io = e.io_pj; k->e_total = e.total_pj;
    k->pj_per_bit_read = bytes ? e.total_pj / (8.0 * (double)bytes) : 0.0;
}
