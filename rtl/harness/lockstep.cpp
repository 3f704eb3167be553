// lockstep.cpp - runs the Verilated top-k RTL (rtl/topk/topk.v) and the simulator's C model
// (sim/topk.c, linked from libspatten.a: the same object the simulator uses) on identical
// inputs, compares every output of both on every cycle, and fails on the first divergence with
// the cycle number and both values. Also checks each result against fxp_topk_ref and each
// quick-select pass's length against docs/arch/topk.md: ceil(m / P) + 3 cycles.
//
// usage: lockstep [--cases N] [--seed S] [--edge] [--expect-diverge] [--vcd FILE]
//                 [--max-n N] [--quiet]
// The RTL parameters are fixed at Verilator build time and passed here as H_W, H_MAX_N, H_P,
// H_L, H_FIFO (rtl/rtl.mk). Exit 0 = all cycles agree (or, with --expect-diverge, the harness
// found a divergence, as it must for the broken variant); 1 = divergence or wrong result.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>
#include <algorithm>

#ifndef H_PIPE
#define H_PIPE 0                  // 1: the pipelined engine (rtl/topk/topk_pipe.v)
#endif
#if H_PIPE
#include "Vtopk_pipe.h"
using Vdut = Vtopk_pipe;
#else
#include "Vtopk.h"
using Vdut = Vtopk;
#endif
#include "verilated.h"
#if VM_TRACE
#include "verilated_vcd_c.h"
#endif

extern "C" {
#include "accel/topk.h"
#include "trace/fxp.h"
}

#ifndef H_W
#error "H_W (and H_MAX_N, H_P, H_L, H_FIFO) must be defined by the build"
#endif

static const int IW = [] { int b = 0; while ((1u << b) < (unsigned)H_MAX_N) b++; return b; }();

struct Rng {  // splitmix64: deterministic, platform independent
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed) {}
    uint64_t next() {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return (uint32_t)(next() % n); }
    bool chance(uint32_t pct) { return below(100) < pct; }
};

// ---- access to wide Verilator ports (WData arrays or scalars) ----
template <typename T> static void set_bits(T &port, int lsb, int width, uint64_t v) {
    if constexpr (sizeof(T) <= 8) {
        uint64_t mask = width >= 64 ? ~0ull : ((1ull << width) - 1);
        uint64_t p = (uint64_t)port;
        p &= ~(mask << lsb);
        p |= (v & mask) << lsb;
        port = (T)p;
    } else {
        for (int b = 0; b < width; b++) {
            int bit = lsb + b;
            uint32_t &w = port[bit / 32];
            if ((v >> b) & 1) w |= (1u << (bit % 32)); else w &= ~(1u << (bit % 32));
        }
    }
}
template <typename T> static uint64_t get_bits(const T &port, int lsb, int width) {
    if constexpr (sizeof(T) <= 8) {
        uint64_t mask = width >= 64 ? ~0ull : ((1ull << width) - 1);
        return ((uint64_t)port >> lsb) & mask;
    } else {
        uint64_t v = 0;
        for (int b = 0; b < width; b++) {
            int bit = lsb + b;
            if ((port[bit / 32] >> (bit % 32)) & 1) v |= (1ull << b);
        }
        return v;
    }
}

struct Opts {
    uint64_t cases = 1000, seed = 1;
    bool edge = false, expect_diverge = false, quiet = false;
    const char *vcd = nullptr;
    uint32_t max_n = H_MAX_N;
};

struct Totals { uint64_t streams = 0, cases = 0, bp = 0, timed = 0, cycles = 0, passes = 0; };

// One job of a stream: keys, k, seed, and the gap (cycles after the previous job's start
// handshake, or after reset for the first job) before the driver offers it.
struct JobIn {
    std::vector<uint64_t> v;
    uint32_t k = 0, seed = 1;
    uint64_t gap = 0;
};

struct JobObs {                       // what the harness saw of one job
    bool accepted = false, last_seen = false, done = false;
    uint64_t req = 0, start = 0, done_cyc = 0, sel = 0;   // sel: sum of pass lengths
    uint32_t fed = 0;
    std::vector<uint32_t> got;
};

class Lockstep {
public:
    Lockstep(const Opts &o) : opt(o) {
        ctx = std::make_unique<VerilatedContext>();
        rtl = std::make_unique<Vdut>(ctx.get());
        topk_cfg c{};
        c.comparators = H_P; c.in_lanes = H_L; c.max_n = H_MAX_N; c.fifo_depth = H_FIFO;
        c.variant = H_PIPE ? TOPK_PIPELINED : TOPK_SERIAL;
        sim_err err;
        cm = topk_create(&c, nullptr, "topk", &err);
        if (!cm) { fprintf(stderr, "lockstep: %s\n", err.msg); exit(2); }
#ifdef TOPK_BROKEN_C
        topk_core_set_broken(cm, true);
#endif
#if VM_TRACE
        if (opt.vcd) {
            ctx->traceEverOn(true);
            vcd = std::make_unique<VerilatedVcdC>();
            rtl->trace(vcd.get(), 99);
            vcd->open(opt.vcd);
        }
#else
        if (opt.vcd) { fprintf(stderr, "lockstep: built without --trace; --vcd unavailable\n"); exit(2); }
#endif
    }
    ~Lockstep() {
#if VM_TRACE
        if (vcd) vcd->close();
#endif
        rtl->final();
        topk_destroy(cm);
    }

    // Runs a stream of jobs from reset; true when every cycle agreed and every result and
    // (without back-pressure) every start and done cycle is right.
    bool run(const std::vector<JobIn> &jobs, uint32_t in_pct, uint32_t out_pct, Rng &rng,
             const std::string &name) {
        // reset both
        rtl->rst = 1; rtl->start = 0; rtl->in_valid = 0; rtl->out_ready = 0;
        for (int c = 0; c < 2; c++) clock();
        rtl->rst = 0;
        topk_core_reset(cm);
        const size_t nj = jobs.size();
        std::vector<JobObs> ob(nj);
        std::vector<uint64_t> lane(H_L);
        size_t js = 0, nd = 0, sel_job = SIZE_MAX;
        uint64_t cyc = 0, pass_start = 0, pass_m = 0, work = 0;
        uint32_t prev_state = TOPK_S_IDLE;
        bool no_bp = in_pct == 100 && out_pct == 100;
        for (const JobIn &j : jobs) work += (j.v.size() + 64) * (j.v.size() / H_P + 8) + j.gap;
        const uint64_t limit = 64ull * work + 10000;
        if (nj) ob[0].req = jobs[0].gap;
        while (nd < nj) {
            if (cyc > limit) return fail(name, cyc, "watchdog", "no done", "");
            // ---- drive identical inputs ----
            topk_in in{};
            const bool offer = js < nj && cyc >= ob[js].req;
            in.start = offer;
            if (offer) {
                in.n = (uint32_t)jobs[js].v.size(); in.k = jobs[js].k; in.seed = jobs[js].seed;
            }
            size_t jf = SIZE_MAX, jc = SIZE_MAX;    // job being fed; job collecting beats
            for (size_t j = 0; j < js; j++) {
                if (jf == SIZE_MAX && ob[j].fed < jobs[j].v.size()) jf = j;
                if (jc == SIZE_MAX && !ob[j].last_seen && !ob[j].done) jc = j;
            }
            in.in_valid = jf != SIZE_MAX && rng.chance(in_pct);
            for (uint32_t i = 0; i < (uint32_t)H_L; i++) {
                uint32_t f = jf == SIZE_MAX ? 0 : ob[jf].fed + i;
                lane[i] = jf != SIZE_MAX && f < jobs[jf].v.size() ? jobs[jf].v[f] : 0;
            }
            in.in_data = lane.data();
            in.out_ready = rng.chance(out_pct);
            rtl->start = in.start; rtl->n = in.n; rtl->k = in.k; rtl->seed = in.seed;
            rtl->in_valid = in.in_valid; rtl->out_ready = in.out_ready;
            for (int i = 0; i < H_L; i++) set_bits(rtl->in_data, i * H_W, H_W, lane[i]);
            rtl->eval();
            // ---- compare every output ----
            topk_out o;
            topk_core_outputs(cm, &o);
            if (!cmp(name, cyc, "start_ready", rtl->start_ready, o.start_ready)) return false;
            if (!cmp(name, cyc, "in_ready", rtl->in_ready, o.in_ready)) return false;
            if (!cmp(name, cyc, "out_valid", rtl->out_valid, o.out_valid)) return false;
            if (!cmp(name, cyc, "done", rtl->done, o.done)) return false;
            if (!cmp(name, cyc, "dbg_state", rtl->dbg_state, o.state)) return false;
            if (!cmp(name, cyc, "dbg_m", rtl->dbg_m, o.m)) return false;
#if H_PIPE
            if (!cmp(name, cyc, "dbg_ld", rtl->dbg_ld, o.ld_state)) return false;
            if (!cmp(name, cyc, "dbg_em", rtl->dbg_em, o.em_state)) return false;
            if (!cmp(name, cyc, "dbg_banks", rtl->dbg_banks, o.banks)) return false;
#endif
            if (o.out_valid) {
                if (!cmp(name, cyc, "out_last", rtl->out_last, o.out_last)) return false;
                if (!cmp(name, cyc, "out_count", rtl->out_count, o.out_count)) return false;
                for (uint32_t i = 0; i < o.out_count; i++) {
                    char s[32];
                    snprintf(s, sizeof s, "out_idx[%u]", i);
                    if (!cmp(name, cyc, s, get_bits(rtl->out_idx, (int)i * IW, IW), o.out_idx[i])) return false;
                    snprintf(s, sizeof s, "out_val[%u]", i);
                    if (!cmp(name, cyc, s, get_bits(rtl->out_val, (int)i * H_W, H_W), o.out_val[i])) return false;
                }
            }
            // ---- pass timing (docs/arch/topk.md): PIVOT .. DECIDE = ceil(m/P) + 3 ----
            if (prev_state == TOPK_S_DECIDE) {
                uint64_t len = cyc - pass_start, want = (pass_m + H_P - 1) / H_P + 3;
                tot.passes++;
                if (sel_job < nj) ob[sel_job].sel += want;
                if (len != want) {
                    char a[64], b[64];
                    snprintf(a, sizeof a, "%llu", (unsigned long long)len);
                    snprintf(b, sizeof b, "%llu (m = %llu)", (unsigned long long)want, (unsigned long long)pass_m);
                    return fail(name, cyc, "pass length", a, b, "RTL", "formula");
                }
            }
            if (o.state == TOPK_S_PIVOT && prev_state != TOPK_S_PIVOT) {
                pass_start = cyc; pass_m = o.m;
                if (prev_state != TOPK_S_DECIDE) {          // a job's first pass
                    size_t j = sel_job == SIZE_MAX ? 0 : sel_job + 1;
                    while (j < nj && !nontrivial(jobs[j])) j++;
                    sel_job = j;
                }
            }
            prev_state = o.state;
            // ---- bookkeeping, then one clock edge on both ----
            if (offer && o.start_ready) {
                ob[js].accepted = true; ob[js].start = cyc;
                if (++js < nj) ob[js].req = cyc + jobs[js].gap;
            }
            if (in.in_valid && o.in_ready) {
                ob[jf].fed += H_L;
                if (ob[jf].fed > jobs[jf].v.size()) ob[jf].fed = (uint32_t)jobs[jf].v.size();
            }
            if (o.out_valid && in.out_ready) {
                if (jc == SIZE_MAX) return fail(name, cyc, "out_valid", "a beat", "no job collecting");
                for (uint32_t i = 0; i < o.out_count; i++) ob[jc].got.push_back(o.out_idx[i]);
                if (o.out_last) ob[jc].last_seen = true;
            }
            if (o.done) {
                if (nd >= js) return fail(name, cyc, "done", "a pulse", "no job in flight");
                ob[nd].done = true; ob[nd].done_cyc = cyc; nd++;
            }
            topk_core_clock(cm, &in);
            clock();
            cyc++;
        }
        tot.streams++;
        tot.cases += nj;
        if (!no_bp) tot.bp += nj;
        tot.cycles += cyc;
        // ---- each result = reference set ----
        for (size_t j = 0; j < nj; j++) {
            uint32_t n = (uint32_t)jobs[j].v.size(), kk = std::min(jobs[j].k, n);
            std::vector<uint32_t> ref(kk);
            if (kk) fxp_topk_ref(jobs[j].v.data(), n, kk, ref.data());
            if (ob[j].got != ref) {
                fprintf(stderr, "lockstep: %s: job %zu: result differs from fxp_topk_ref (got %zu indices, want %u)\n",
                        name.c_str(), j, ob[j].got.size(), kk);
                return false;
            }
        }
        // ---- without back-pressure (and FIFO >= 2: depth 1 passes one beat every two cycles,
        //      so emission then depends on the data): every start and done cycle follows the
        //      formula (docs/arch/topk.md sections 5 and 8) ----
        if (no_bp && H_FIFO >= 2) {
            uint64_t ld_free = 0, sel_free = 0, em_free = 0, bank_free[3] = {0, 0, 0}, prev_done = 0;
            for (size_t j = 0; j < nj; j++) {
                uint64_t n = jobs[j].v.size(), kk = std::min<uint64_t>(jobs[j].k, n);
                uint64_t lc = (n + H_L - 1) / H_L, e = (n + H_P - 1) / H_P, S = ob[j].sel;
                uint64_t ls, dn;
                if (H_PIPE) {
                    ls = std::max({ob[j].req, ld_free, bank_free[j % 3]});
                    uint64_t le = ls + lc, ss = std::max(le + 1, sel_free), se = ss + S;
                    uint64_t es = std::max(se + 1, em_free), ee = es + (kk == 0 ? 1 : e);
                    ld_free = le + 1; sel_free = se + 1; em_free = ee + 1; bank_free[j % 3] = ee + 1;
                    dn = ee + 2;
                } else {
                    ls = j == 0 ? ob[j].req : std::max(ob[j].req, prev_done + 1);
                    uint64_t T = (n == 0 || kk == 0) ? lc + 2 : lc + S + e + 3;
                    dn = ls + T - 1;
                    prev_done = dn;
                }
                if (ob[j].start != ls || ob[j].done_cyc != dn) {
                    fprintf(stderr, "lockstep: %s: job %zu: start %llu done %llu, formula says start %llu done %llu\n",
                            name.c_str(), j, (unsigned long long)ob[j].start, (unsigned long long)ob[j].done_cyc,
                            (unsigned long long)ls, (unsigned long long)dn);
                    return false;
                }
            }
            tot.timed += nj;
        }
        return true;
    }

    Totals tot;

private:
    static bool nontrivial(const JobIn &j) { return j.k > 0 && j.k < j.v.size(); }
    void clock() {
        rtl->clk = 1; rtl->eval(); dump();
        rtl->clk = 0; rtl->eval(); dump();
    }
    void dump() {
#if VM_TRACE
        if (vcd) vcd->dump(ctx->time());
#endif
        ctx->timeInc(1);
    }
    bool cmp(const std::string &name, uint64_t cyc, const char *sig, uint64_t rtl_v, uint64_t c_v) {
        if (rtl_v == c_v) return true;
        return fail(name, cyc, sig, std::to_string(rtl_v), std::to_string(c_v));
    }
    bool fail(const std::string &name, uint64_t cyc, const char *sig, const std::string &a,
              const std::string &b, const char *la = "RTL", const char *lb = "C model") {
        if (!opt.quiet || !opt.expect_diverge)
            fprintf(stderr, "lockstep: %s: cycle %llu: %s: %s %s, %s %s\n", name.c_str(),
                    (unsigned long long)cyc, sig, la, a.c_str(), lb, b.c_str());
        return false;
    }

    Opts opt;
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vdut> rtl;
#if VM_TRACE
    std::unique_ptr<VerilatedVcdC> vcd;
#endif
    topk *cm = nullptr;
};

static uint64_t wmask() { return H_W >= 64 ? ~0ull : ((1ull << H_W) - 1); }

int main(int argc, char **argv) {
    Opts o;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto val = [&](void) -> const char * {
            if (i + 1 >= argc) { fprintf(stderr, "lockstep: %s needs a value\n", a.c_str()); exit(2); }
            return argv[++i];
        };
        if (a == "--cases") o.cases = strtoull(val(), nullptr, 10);
        else if (a == "--seed") o.seed = strtoull(val(), nullptr, 10);
        else if (a == "--edge") o.edge = true;
        else if (a == "--expect-diverge") o.expect_diverge = true;
        else if (a == "--quiet") o.quiet = true;
        else if (a == "--vcd") o.vcd = val();
        else if (a == "--max-n") o.max_n = (uint32_t)strtoul(val(), nullptr, 10);
        else { fprintf(stderr, "lockstep: unknown option '%s'\n", a.c_str()); return 2; }
    }
    if (o.max_n < 1 || o.max_n > (uint32_t)H_MAX_N) {
        fprintf(stderr, "lockstep: --max-n must be in [1, %d]\n", H_MAX_N);
        return 2;
    }
    Lockstep ls(o);
    Rng rng(o.seed);
    uint64_t failures = 0, run = 0;
    auto go_stream = [&](const std::vector<JobIn> &jobs, uint32_t ip, uint32_t op, const std::string &name) {
        run += jobs.size();
        if (!ls.run(jobs, ip, op, rng, name)) failures++;
    };
    auto go = [&](const std::vector<uint64_t> &v, uint32_t k, uint32_t seed, uint32_t ip,
                  uint32_t op, const std::string &name) {
        JobIn j;
        j.v = v; j.k = k; j.seed = seed;
        go_stream({j}, ip, op, name);
    };
    const uint32_t MN = o.max_n;
    if (o.edge) {
        // hand-made edge cases, each with and without back-pressure, alone and back to back
        for (uint32_t bp = 0; bp < 2; bp++) {
            uint32_t ip = bp ? 60 : 100, op = bp ? 50 : 100;
            std::string s = bp ? "/bp" : "";
            std::vector<JobIn> all;
            auto both = [&](const std::vector<uint64_t> &v, uint32_t k, uint32_t seed, const std::string &name) {
                go(v, k, seed, ip, op, name);
                JobIn j;
                j.v = v; j.k = k; j.seed = seed;
                if (all.size() < 40) all.push_back(j);
            };
            both({42}, 1, 1, "n=1,k=1" + s);
            both({42}, 0, 1, "n=1,k=0" + s);
            both({}, 0, 1, "n=0" + s);
            both({}, 3, 1, "n=0,k=3" + s);
            std::vector<uint64_t> v(std::min<uint32_t>(MN, 100));
            for (size_t i = 0; i < v.size(); i++) v[i] = ((i * 37) % 101) & wmask();
            uint32_t vn = (uint32_t)v.size();
            both(v, 0, 7, "k=0" + s);
            both(v, vn, 7, "k=n" + s);
            both(v, vn + 5, 7, "k>n" + s);
            both(v, vn - 1, 7, "k=n-1" + s);
            both(v, 1, 7, "k=1" + s);
            for (uint32_t nn : {1u, 2u, 3u, 15u, 16u, 17u, 31u, 32u, 33u, 64u, 255u, 256u, 1024u, 2048u}) {
                if (nn > MN) continue;
                for (uint32_t kk : {1u, nn / 2, nn > 1 ? nn - 1 : 1u, nn}) {
                    std::string tag = "n=" + std::to_string(nn) + ",k=" + std::to_string(kk) + s;
                    std::vector<uint64_t> eq(nn, 5), up(nn), dn(nn), ties(nn), mx(nn, wmask());
                    for (uint32_t i = 0; i < nn; i++) { up[i] = i & wmask(); dn[i] = (nn - i) & wmask(); ties[i] = i % 3; }
                    both(eq, kk, 3, "all-equal," + tag);
                    both(up, kk, 3, "sorted," + tag);
                    both(dn, kk, 3, "reverse-sorted," + tag);
                    both(ties, kk, 3, "many-ties," + tag);
                    both(mx, kk, 0, "all-max-key,seed0," + tag);
                }
            }
            go_stream(all, ip, op, "edge-stream" + s);   // the first 40 back to back
        }
    }
    // random streams of 1..6 jobs (1..3 for the serial engine), each job offered 0 cycles or a
    // random gap after the previous start; 70% of the pipelined streams (half of the serial
    // ones) with random back-pressure: in_valid 30-100%, out_ready 20-100% of the cycles
    for (uint64_t c = 0; c < o.cases;) {
        uint32_t len = 1 + rng.below(H_PIPE ? 6 : 3);
        std::vector<JobIn> jobs;
        std::string desc;
        for (uint32_t q = 0; q < len && c < o.cases; q++, c++) {
            // size: mostly small/medium, some up to MN; k in [1, n], sometimes 0, > n, n = 0
            uint32_t n;
            switch (rng.below(4)) {
            case 0: n = 1 + rng.below(std::min<uint32_t>(MN, 40)); break;
            case 1: n = 1 + rng.below(std::min<uint32_t>(MN, 300)); break;
            case 2: n = 1 + rng.below(MN); break;
            default: n = std::max<uint32_t>(1, MN - rng.below(std::min<uint32_t>(MN, 64))); break;
            }
            if (rng.chance(3)) n = 0;
            uint32_t k = n ? 1 + rng.below(n) : 0;
            if (rng.chance(5)) k = 0;
            else if (rng.chance(5)) k = n + rng.below(4);
            JobIn j;
            j.v.resize(n);
            uint32_t kind = rng.below(4);
            uint64_t range = kind == 0 ? wmask() : kind == 1 ? 4 : kind == 2 ? n : 1000;
            for (uint32_t i = 0; i < n; i++)
                j.v[i] = (range == wmask() ? rng.next() : rng.next() % (range + 1)) & wmask();
            if (kind == 3 && rng.chance(50)) std::sort(j.v.begin(), j.v.end());
            j.k = k;
            j.seed = (uint32_t)rng.next();
            j.gap = rng.chance(50) ? 0 : rng.below(2 * n / H_P + 20);
            desc += (q ? "," : "") + std::to_string(n) + "/" + std::to_string(k);
            jobs.push_back(std::move(j));
        }
        uint32_t ip = 100, op = 100;
        if (rng.chance(H_PIPE ? 70 : 50)) { ip = 30 + rng.below(71); op = 20 + rng.below(81); }
        go_stream(jobs, ip, op, "random#" + std::to_string(c - jobs.size()) + "(n/k=" + desc + ")");
        if (o.expect_diverge && failures) break;
    }
    if (o.expect_diverge) {
        if (failures == 0) {
            fprintf(stderr, "lockstep: the broken variant was NOT caught in %llu cases\n", (unsigned long long)run);
            return 1;
        }
        printf("lockstep: broken variant caught: divergence in case %llu\n", (unsigned long long)run);
        return 0;
    }
    printf("lockstep %s [W=%d MAX_N=%d P=%d L=%d FIFO=%d]: %llu cases, %llu streams, %llu with "
           "back-pressure, %llu cycles, %llu passes, %llu jobs timed against the formula, %llu failed\n",
           H_PIPE ? "pipelined" : "serial", H_W, H_MAX_N, H_P, H_L, H_FIFO, (unsigned long long)run,
           (unsigned long long)ls.tot.streams, (unsigned long long)ls.tot.bp, (unsigned long long)ls.tot.cycles,
           (unsigned long long)ls.tot.passes, (unsigned long long)ls.tot.timed,
           (unsigned long long)failures);
    return failures ? 1 : 0;
}
