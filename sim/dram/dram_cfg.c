/* dram_cfg.c - the DRAM config table, its cross-field checks and derived values (dram.h). */
#include "dram/dram.h"

#include <stdio.h>
#include <string.h>

#define ORGF(k, f, lo, hi, doc) CFG_U32F(dram_org, k, f, lo, hi, true, 0, doc)
static const cfg_field ORG_FIELDS[] = {
    ORGF("channels", channels, 1, 64, "independent channels"),
    CFG_U32F(dram_org, "pseudo_channels", pseudo_channels, 1, 2, false, 1,
             "pseudo-channels per channel (HBM2: 2 in pseudo-channel mode), each its own controller"),
    ORGF("ranks", ranks, 1, 8, "ranks per (pseudo-)channel"),
    ORGF("bank_groups", bank_groups, 1, 16, "bank groups per rank"),
    ORGF("banks_per_group", banks_per_group, 1, 16, "banks per bank group"),
    ORGF("rows", rows, 2, 1u << 20, "rows per bank"),
    ORGF("columns", columns, 2, 1u << 16, "column addresses per row (one column = one beat)"),
    ORGF("bus_bits", bus_bits, 8, 1024, "data bus width of one (pseudo-)channel, bits"),
    ORGF("burst_length", burst_length, 2, 16, "beats per RD/WR burst (BL); even"),
    CFG_U32F(dram_org, "devices_per_rank", devices_per_rank, 1, 32, false, 1,
             "devices whose IDD currents add up per rank (x8 DIMM: 8; HBM channel: 1)"),
    CFG_U32F(dram_org, "beats_per_clock", beats_per_clock, 2, 8, false, 2,
             "data beats per command clock (tck_ps): 2 = DDR data on CK (DDR4/5, HBM2); 4 or 8 "
             "where a faster data clock carries the data (LPDDR5 WCK:CK 4:1 = 8, GDDR6 = 8); a "
             "burst occupies burst_length / beats_per_clock clocks"),
};
static const cfg_table ORG_TABLE = { "dram.org", ORG_FIELDS, CFG_NFIELDS(ORG_FIELDS), NULL };

#define TF(k, f, lo, hi, doc) CFG_U32F(dram_timing, k, f, lo, hi, true, 0, doc)
static const cfg_field TIMING_FIELDS[] = {
    TF("CL", CL, 1, 255, "read latency: RD to first data beat"),
    TF("CWL", CWL, 1, 255, "write latency: WR to first data beat"),
    TF("tRCDRD", tRCDRD, 1, 255, "ACT to RD, same bank"),
    TF("tRCDWR", tRCDWR, 1, 255, "ACT to WR, same bank"),
    TF("tRP", tRP, 1, 255, "PRE to ACT, same bank"),
    TF("tRAS", tRAS, 1, 255, "ACT to PRE, same bank"),
    TF("tRFC", tRFC, 1, 4095, "REF to ACT, same rank (all-bank refresh)"),
    TF("tREFI", tREFI, 16, 1u << 20, "average interval between REF commands per rank"),
    TF("tRRD_S", tRRD_S, 1, 255, "ACT to ACT, different bank group, same rank"),
    TF("tRRD_L", tRRD_L, 1, 255, "ACT to ACT, same bank group"),
    TF("tFAW", tFAW, 1, 255, "window in which at most four ACTs may issue per rank"),
    TF("tWTR_S", tWTR_S, 1, 255, "end of write data to RD, different bank group"),
    TF("tWTR_L", tWTR_L, 1, 255, "end of write data to RD, same bank group"),
    TF("tWR", tWR, 1, 255, "end of write data to PRE, same bank (write recovery)"),
    TF("tCCD_S", tCCD_S, 1, 255, "column command to column command, different bank group"),
    TF("tCCD_L", tCCD_L, 1, 255, "column command to column command, same bank group"),
    TF("tRTP_S", tRTP_S, 1, 255, "RD to PRE (short; validated, the same-bank rule uses tRTP_L)"),
    TF("tRTP_L", tRTP_L, 1, 255, "RD to PRE, same bank"),
    TF("tXP", tXP, 0, 255, "power-down exit (validated; power-down is not modelled)"),
    TF("tCKE", tCKE, 0, 255, "CKE minimum pulse (validated; power-down is not modelled)"),
    TF("tXS", tXS, 0, 4095, "self-refresh exit (validated; self-refresh is not modelled)"),
    TF("tRTRS", tRTRS, 0, 15, "data-bus turnaround: read to write, and rank to rank"),
};
static const cfg_table TIMING_TABLE = { "dram.timing", TIMING_FIELDS, CFG_NFIELDS(TIMING_FIELDS), NULL };

#define PF(k, f, lo, hi, doc) CFG_F64F(dram_power, k, f, lo, hi, true, 0, doc)
static const cfg_field POWER_FIELDS[] = {
    PF("VDD", vdd, 0.5, 3.0, "supply voltage, V"),
    PF("IDD0", idd0, 0, 10000, "one-bank ACT-PRE current, mA per device"),
    PF("IDD2P", idd2p, 0, 10000, "precharge power-down current (not used: no power-down)"),
    PF("IDD2N", idd2n, 0, 10000, "precharge standby current, mA"),
    PF("IDD3P", idd3p, 0, 10000, "active power-down current (not used: no power-down)"),
    PF("IDD3N", idd3n, 0, 10000, "active standby current, mA"),
    PF("IDD4R", idd4r, 0, 10000, "burst read current, mA"),
    PF("IDD4W", idd4w, 0, 10000, "burst write current, mA"),
    PF("IDD5AB", idd5ab, 0, 10000, "all-bank refresh current, mA"),
    PF("IDD6", idd6, 0, 10000, "self-refresh current (not used: no self-refresh)"),
    PF("io_pj_per_bit", io_pj_per_bit, 0, 100, "I/O (interface) energy per bit transferred, pJ"),
};
static const cfg_table POWER_TABLE = { "dram.power", POWER_FIELDS, CFG_NFIELDS(POWER_FIELDS), NULL };

static const char *const PAGE_NAMES[] = { "open", "closed", NULL };
static const char *const DRAIN_NAMES[] = { "strict", "keep_read_rows", NULL };
static const char *const ARB_NAMES[] = { "oldest", "round_robin", NULL };
static const char *const SCOPE_NAMES[] = { "issue", "admission", NULL };
static const cfg_field CTRL_FIELDS[] = {
    CFG_ENUMF(dram_ctrl_cfg, "page_policy", page_policy, PAGE_NAMES, false, 0,
              "open: rows stay open until a conflict or refresh; closed: auto-precharge when no "
              "queued request hits the row"),
    CFG_U32F(dram_ctrl_cfg, "read_queue", read_queue, 1, 1024, true, 0, "read queue entries per (pseudo-)channel"),
    CFG_U32F(dram_ctrl_cfg, "write_queue", write_queue, 1, 1024, true, 0, "write queue entries per (pseudo-)channel"),
    CFG_U32F(dram_ctrl_cfg, "write_high", write_high, 1, 1024, true, 0, "write-drain high watermark"),
    CFG_U32F(dram_ctrl_cfg, "write_low", write_low, 0, 1024, true, 0, "write-drain low watermark"),
    CFG_U32F(dram_ctrl_cfg, "frontend_latency", frontend_latency, 1, 1000, true, 0,
             "controller front-end latency: clocks from send to schedulable"),
    CFG_BOOLF(dram_ctrl_cfg, "dual_cmd_bus", dual_cmd_bus, false, 0,
              "row and column commands have separate buses (HBM): one of each per clock"),
    CFG_U32F(dram_ctrl_cfg, "bank_queue", bank_queue, 0, 256, false, 0,
             "per-bank command-queue entries per direction, fed in arrival order from the "
             "read/write transaction queues; 0 = no bank queues (the scheduler sees the whole "
             "transaction queue)"),
    CFG_U32F(dram_ctrl_cfg, "row_hit_cap", row_hit_cap, 0, 65536, false, 0,
             "column commands to one open row after which an older request of another row in "
             "the same bank queue may close it; 0 = no cap"),
    CFG_ENUMF(dram_ctrl_cfg, "drain_policy", drain_policy, DRAIN_NAMES, false, 0,
              "strict: in write drain, close any row a queued write conflicts with; "
              "keep_read_rows: do not close a row that queued reads hit while another write "
              "can make progress"),
    CFG_BOOLF(dram_ctrl_cfg, "write_forwarding", write_forwarding, false, 0,
              "a read of an address held in the write queue completes from it after the "
              "front-end latency, without a DRAM access"),
    CFG_ENUMF(dram_ctrl_cfg, "bank_arbitration", bank_arbitration, ARB_NAMES, false, 0,
              "which bank gets the next ACT or PRE: oldest = the bank of the oldest request "
              "that needs one (FCFS); round_robin = banks in rotation from the one after the "
              "last served (as per-bank command queues served in turn)"),
    CFG_ENUMF(dram_ctrl_cfg, "mode_scope", mode_scope, SCOPE_NAMES, false, 0,
              "what the read/write (write-drain) mode governs: issue = only the mode's direction "
              "is scheduled; admission = only the mode's direction enters the bank queues, and "
              "bank-queued reads and writes are both scheduled in either mode (as DRAMSim3); "
              "admission needs bank_queue > 0"),
};
static const cfg_table CTRL_TABLE = { "dram.controller", CTRL_FIELDS, CFG_NFIELDS(CTRL_FIELDS), NULL };

static const cfg_field DRAM_FIELDS[] = {
    CFG_STRF(dram_cfg, "name", name, true, NULL, "name of the part/configuration"),
    CFG_U32F(dram_cfg, "tck_ps", tck_ps, 100, 100000, true, 0, "DRAM clock period, ps"),
    CFG_STRF(dram_cfg, "mapping", mapping, true, NULL,
             "address mapping, fields MSB first from ro, bg, ba, ra, co, ch (and pc), e.g. ro-ba-bg-ra-co-ch"),
    CFG_OBJF(dram_cfg, "org", org, &ORG_TABLE, true, "organisation"),
    CFG_OBJF(dram_cfg, "timing", t, &TIMING_TABLE, true, "timing, DRAM clocks"),
    CFG_OBJF(dram_cfg, "power", p, &POWER_TABLE, true, "currents and voltage for the energy model"),
    CFG_OBJF(dram_cfg, "controller", ctrl, &CTRL_TABLE, true, "controller"),
};

static bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }
static uint32_t log2u(uint64_t v) { uint32_t b = 0; while (v > 1) { v >>= 1; b++; } return b; }

static int check_dram(void *obj, const char *path, sim_err *err)
{
    dram_cfg *c = obj;
    const dram_org *o = &c->org;
    const dram_timing *t = &c->t;
    struct { const char *name; uint32_t v; } pw[] = {
        { "org.channels", o->channels }, { "org.pseudo_channels", o->pseudo_channels },
        { "org.ranks", o->ranks }, { "org.bank_groups", o->bank_groups },
        { "org.banks_per_group", o->banks_per_group }, { "org.rows", o->rows },
        { "org.columns", o->columns }, { "org.bus_bits", o->bus_bits },
        { "org.burst_length", o->burst_length }, { "org.beats_per_clock", o->beats_per_clock },
    };
    for (size_t i = 0; i < sizeof pw / sizeof pw[0]; i++)
        if (!is_pow2(pw[i].v))
            return sim_errf(err, SIM_EINVAL, "%s: field '%s' = %u must be a power of two", path,
                            pw[i].name, pw[i].v);
    if (o->columns < o->burst_length)
        return sim_errf(err, SIM_EINVAL, "%s: field 'org.columns' = %u must be >= burst_length %u",
                        path, o->columns, o->burst_length);
    if (o->burst_length < o->beats_per_clock)
        return sim_errf(err, SIM_EINVAL, "%s: field 'org.burst_length' = %u must be >= "
                        "beats_per_clock %u (a burst lasts at least one clock)", path,
                        o->burst_length, o->beats_per_clock);
    if (t->tRAS < t->tRCDRD || t->tRAS < t->tRCDWR)
        return sim_errf(err, SIM_EINVAL, "%s: field 'timing.tRAS' = %u must be >= tRCDRD and tRCDWR",
                        path, t->tRAS);
    if (t->tRRD_L < t->tRRD_S)
        return sim_errf(err, SIM_EINVAL, "%s: field 'timing.tRRD_L' = %u must be >= tRRD_S = %u",
                        path, t->tRRD_L, t->tRRD_S);
    if (t->tCCD_L < t->tCCD_S)
        return sim_errf(err, SIM_EINVAL, "%s: field 'timing.tCCD_L' = %u must be >= tCCD_S = %u",
                        path, t->tCCD_L, t->tCCD_S);
    if (t->tWTR_L < t->tWTR_S)
        return sim_errf(err, SIM_EINVAL, "%s: field 'timing.tWTR_L' = %u must be >= tWTR_S = %u",
                        path, t->tWTR_L, t->tWTR_S);
    if (t->tREFI <= t->tRFC + t->tRAS + t->tRP)
        return sim_errf(err, SIM_EINVAL, "%s: field 'timing.tREFI' = %u must exceed tRFC + tRAS + tRP",
                        path, t->tREFI);
    const dram_ctrl_cfg *k = &c->ctrl;
    if (k->write_high > k->write_queue)
        return sim_errf(err, SIM_EINVAL, "%s: field 'controller.write_high' = %u must be <= write_queue = %u",
                        path, k->write_high, k->write_queue);
    if (k->write_low >= k->write_high)
        return sim_errf(err, SIM_EINVAL, "%s: field 'controller.write_low' = %u must be < write_high = %u",
                        path, k->write_low, k->write_high);
    if (k->mode_scope == DRAM_SCOPE_ADMISSION && k->bank_queue == 0)
        return sim_errf(err, SIM_EINVAL, "%s: field 'controller.mode_scope' = \"admission\" needs "
                        "controller.bank_queue > 0 (the mode then governs admission into the bank "
                        "queues, and there are none)", path);
    if (c->p.idd0 * (t->tRAS + t->tRP) < c->p.idd3n * t->tRAS + c->p.idd2n * t->tRP)
        return sim_errf(err, SIM_EINVAL, "%s: field 'power.IDD0' is too small: ACT energy would be negative",
                        path);
    if (c->p.idd4r < c->p.idd3n || c->p.idd4w < c->p.idd3n || c->p.idd5ab < c->p.idd3n)
        return sim_errf(err, SIM_EINVAL, "%s: fields 'power.IDD4R/IDD4W/IDD5AB' must be >= IDD3N", path);

    /* derived values */
    c->request_bytes = o->bus_bits / 8 * o->burst_length;
    c->nctrl = o->channels * o->pseudo_channels;
    uint32_t bits[7];
    bits[DRAM_F_CH] = log2u(o->channels);
    bits[DRAM_F_PC] = log2u(o->pseudo_channels);
    bits[DRAM_F_RA] = log2u(o->ranks);
    bits[DRAM_F_BG] = log2u(o->bank_groups);
    bits[DRAM_F_BA] = log2u(o->banks_per_group);
    bits[DRAM_F_RO] = log2u(o->rows);
    bits[DRAM_F_CO] = log2u(o->columns / o->burst_length);
    static const char *const tok[7] = { "ch", "pc", "ra", "bg", "ba", "ro", "co" };
    int order[8], n = 0;
    bool seen[7] = { false };
    const char *s = c->mapping;
    while (*s) {
        const char *e = strchr(s, '-');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        int f = -1;
        for (int i = 0; i < 7; i++)
            if (len == 2 && !strncmp(s, tok[i], 2)) f = i;
        if (f < 0 || n >= 7)
            return sim_errf(err, SIM_EINVAL, "%s: field 'mapping' = \"%s\": unknown field '%.*s' "
                            "(allowed: ro, bg, ba, ra, co, ch, pc)", path, c->mapping, (int)len, s);
        if (seen[f])
            return sim_errf(err, SIM_EINVAL, "%s: field 'mapping' = \"%s\": '%s' appears twice",
                            path, c->mapping, tok[f]);
        seen[f] = true;
        order[n++] = f;
        if (!e) break;
        if (!e[1])
            return sim_errf(err, SIM_EINVAL, "%s: field 'mapping' = \"%s\" ends with '-' (a field "
                            "name must follow each '-')", path, c->mapping);
        s = e + 1;
    }
    for (int i = 0; i < 7; i++) {
        if (i == DRAM_F_PC && o->pseudo_channels == 1 && !seen[i]) continue;
        if (!seen[i])
            return sim_errf(err, SIM_EINVAL, "%s: field 'mapping' = \"%s\": '%s' is missing",
                            path, c->mapping, tok[i]);
    }
    uint32_t pos = log2u(c->request_bytes);
    for (int i = n - 1; i >= 0; i--) {
        c->map_shift[order[i]] = pos;
        c->map_bits[order[i]] = bits[order[i]];
        pos += bits[order[i]];
    }
    if (!seen[DRAM_F_PC]) { c->map_shift[DRAM_F_PC] = 0; c->map_bits[DRAM_F_PC] = 0; }
    if (pos > 48)
        return sim_errf(err, SIM_EINVAL, "%s: organisation gives a %u-bit address; at most 48 supported",
                        path, pos);
    c->capacity_bytes = (uint64_t)1 << pos;
    return SIM_OK;
}

const cfg_table DRAM_CFG_TABLE = { "dram", DRAM_FIELDS, CFG_NFIELDS(DRAM_FIELDS), check_dram };

int dram_cfg_load(const char *path, dram_cfg *out, sim_err *err)
{
    return cfg_load_file(&DRAM_CFG_TABLE, path, out, err);
}

uint32_t dram_cfg_request_bytes(const dram_cfg *c) { return c->request_bytes; }
uint32_t dram_cfg_channels(const dram_cfg *c)      { return c->org.channels; }
uint64_t dram_cfg_tck_ps(const dram_cfg *c)        { return c->tck_ps; }

double dram_cfg_peak_gbps(const dram_cfg *c)
{
    /* every (pseudo-)channel moves request_bytes per burst_length / beats_per_clock clocks */
    double bytes_per_clk = (double)c->nctrl * c->request_bytes /
                           (c->org.burst_length / c->org.beats_per_clock);
    return bytes_per_clk / (double)c->tck_ps * 1000.0;
}
