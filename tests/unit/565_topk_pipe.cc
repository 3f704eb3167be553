// 565_topk_pipe: the pipelined top-k engine (TOPK_PIPELINED, sim/topk.c) and the variant
// switch. Expected selections come from fxp_topk_ref; expected cycles from docs/arch/topk.md
// section 8 (the stage recurrence), evaluated by hand or by the independent quick-select below
// (the documented pivot LFSR and partition layout, re-implemented here), never from the model.
#include <gtest/gtest.h>
#include <algorithm>
#include <string>
#include <vector>
extern "C" {
#include "accel/topk.h"
#include "trace/fxp.h"
#include "base/stats.h"
}

namespace {

topk_cfg PCfg(uint32_t p, uint32_t l, uint32_t max_n, uint32_t fifo,
              uint32_t variant = TOPK_PIPELINED) {
  topk_cfg c{};
  c.comparators = p; c.in_lanes = l; c.max_n = max_n; c.fifo_depth = fifo; c.variant = variant;
  return c;
}

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

std::vector<uint32_t> Ref(const std::vector<uint64_t> &v, uint32_t k) {
  uint32_t kk = std::min<uint32_t>(k, (uint32_t)v.size());
  std::vector<uint32_t> r(kk);
  if (kk) fxp_topk_ref(v.data(), (uint32_t)v.size(), kk, r.data());
  return r;
}

// Independent quick-select of docs/arch/topk.md sections 1 and 4: the select stage's cycles
// S = sum over passes of ceil(m/P) + 3 (0 when k = 0 or k >= n), and the pass count.
uint64_t SelectCycles(const std::vector<uint64_t> &v, uint32_t k, uint32_t seed, uint32_t P,
                      uint32_t *passes) {
  struct E { uint64_t v; uint32_t i; };
  auto beats = [](E a, E b) { return a.v > b.v || (a.v == b.v && a.i < b.i); };
  *passes = 0;
  const uint64_t n = v.size();
  if (k == 0 || k >= n) return 0;
  std::vector<E> cur;
  for (uint32_t i = 0; i < n; i++) cur.push_back({v[i], i});
  uint32_t x = seed ? seed : 1, kk = k;
  uint64_t sum = 0;
  for (;;) {
    x = (x >> 1) ^ ((x & 1) ? 0x80200003u : 0u);
    uint64_t m = cur.size();
    E piv = cur[(uint32_t)(((uint64_t)(x >> 16) * m) >> 16)];
    std::vector<E> G, Lr;
    for (E e : cur) {
      if (beats(e, piv)) G.push_back(e);
      else if (beats(piv, e)) Lr.push_back(e);
    }
    sum += CeilDiv(m, P) + 3;
    ++*passes;
    if (kk <= G.size()) {
      cur = G;
    } else if (kk == G.size() + 1) {
      return sum;
    } else {
      kk -= (uint32_t)G.size() + 1;
      std::reverse(Lr.begin(), Lr.end());   // L survivors are stored top-down
      cur = Lr;
    }
  }
}

struct JobSpec {
  std::vector<uint64_t> v;
  uint32_t k = 0, seed = 1;
  uint64_t req = 0;   // first cycle the controller offers the job
};

struct JobOut {
  uint64_t start = 0, done = 0, cycles = 0;
  uint32_t passes = 0;
  std::vector<uint32_t> idx;
};

// The recurrence of docs/arch/topk.md section 8, for jobs offered at their request cycles and
// started as soon as the engine accepts (fifo_depth >= 2, no back-pressure):
//   LS = max(req, LD free, bank free)   LE = LS + Lc
//   SS = max(LE + 1, SEL free)          SE = SS + S
//   ES = max(SE + 1, EM free)           EE = ES + E         DONE = EE + 2
// with Lc = ceil(n/L), S = passes, E = 1 if k = 0 else ceil(n/P); a stage is free again the
// cycle after its last busy cycle, a bank the cycle after its job's EE.
std::vector<JobOut> Predict(const std::vector<JobSpec> &jobs, uint32_t P, uint32_t L) {
  std::vector<JobOut> r;
  uint64_t ld_free = 0, sel_free = 0, em_free = 0, bank_free[3] = {0, 0, 0};
  for (size_t j = 0; j < jobs.size(); j++) {
    const JobSpec &s = jobs[j];
    uint64_t n = s.v.size(), k = std::min<uint64_t>(s.k, n);
    JobOut o;
    uint64_t S = SelectCycles(s.v, s.k, s.seed, P, &o.passes);
    uint64_t ls = std::max({s.req, ld_free, bank_free[j % 3]});
    uint64_t le = ls + CeilDiv(n, L);
    uint64_t ss = std::max(le + 1, sel_free), se = ss + S;
    uint64_t es = std::max(se + 1, em_free), ee = es + (k == 0 ? 1 : CeilDiv(n, P));
    ld_free = le + 1; sel_free = se + 1; em_free = ee + 1; bank_free[j % 3] = ee + 1;
    o.start = ls;
    o.done = ee + 2;
    o.cycles = o.done - o.start + 1;
    o.idx = Ref(s.v, s.k);
    r.push_back(o);
  }
  return r;
}

struct Engine {
  explicit Engine(topk_cfg c) {
    st = stats_create();
    sim_err err;
    t = topk_create(&c, st, "topk", &err);
    EXPECT_NE(t, nullptr) << err.msg;
  }
  ~Engine() { topk_destroy(t); stats_destroy(st); }
  uint64_t Stat(const char *key) {
    uint64_t v = ~0ull;
    EXPECT_TRUE(stats_get_u64(st, key, &v)) << key;
    return v;
  }
  stats *st;
  topk *t;
};

// Drives a stream of jobs as an accelerator controller would: in each cycle, retire finished
// results (in job order), offer the next job once its request cycle has come and the engine
// accepts it, then tick. Clocked: every cycle; job level (fast): jumps to the next event.
std::vector<JobOut> RunStream(topk *t, const std::vector<JobSpec> &jobs, bool fast) {
  topk_set_fast(t, fast);
  std::vector<JobOut> out(jobs.size());
  size_t next = 0, fin = 0;
  uint64_t now = jobs.empty() ? 0 : jobs[0].req;
  int guard = 0;
  while (fin < jobs.size() && guard++ < 10000000) {
    if (next < jobs.size() && now >= jobs[next].req && topk_can_accept(t, now)) {
      const JobSpec &s = jobs[next];
      topk_start(t, s.v.data(), (uint32_t)s.v.size(), s.k, s.seed, now);
      out[next++].start = now;
    }
    topk_tick(t, now);
    while (topk_done(t)) {
      const uint32_t *idx = nullptr;
      uint32_t c = topk_result(t, &idx);
      out[fin].idx.assign(idx, idx + c);
      out[fin].done = now;
      out[fin].cycles = topk_job_cycles(t);
      out[fin].passes = topk_job_passes(t);
      topk_retire(t);
      fin++;
    }
    uint64_t ev = topk_next_event(t, now);
    if (!fast) {
      if (topk_busy(t)) { EXPECT_EQ(ev, now + 1); }
      now++;
      continue;
    }
    uint64_t nx = ev;
    if (next < jobs.size()) nx = std::min<uint64_t>(nx, std::max<uint64_t>(jobs[next].req, now + 1));
    if (nx == CYCLE_NEVER) break;
    EXPECT_GT(nx, now);
    now = nx;
  }
  EXPECT_EQ(fin, jobs.size());
  EXPECT_FALSE(topk_busy(t));
  return out;
}

void ExpectSame(const std::vector<JobOut> &got, const std::vector<JobOut> &want,
                const std::string &what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t j = 0; j < got.size(); j++) {
    EXPECT_EQ(got[j].start, want[j].start) << what << " job " << j;
    EXPECT_EQ(got[j].done, want[j].done) << what << " job " << j;
    EXPECT_EQ(got[j].cycles, want[j].cycles) << what << " job " << j;
    EXPECT_EQ(got[j].passes, want[j].passes) << what << " job " << j;
    EXPECT_EQ(got[j].idx, want[j].idx) << what << " job " << j;
  }
}

std::vector<uint64_t> Iota(uint32_t n, uint64_t a = 1) {
  std::vector<uint64_t> v(n);
  for (uint32_t i = 0; i < n; i++) v[i] = a * i;
  return v;
}

}  // namespace

TEST(TopkVariant, DefaultIsSerialAndUnknownVariantsAreRejected) {
  topk_cfg c;
  topk_cfg_default(&c);
  EXPECT_EQ(c.variant, (uint32_t)TOPK_SERIAL);
  c.variant = 2;
  sim_err err;
  EXPECT_EQ(topk_cfg_check(&c, &err), SIM_EINVAL);
  EXPECT_NE(std::string(err.msg).find("variant = 2"), std::string::npos) << err.msg;
  c.variant = TOPK_PIPELINED;
  EXPECT_EQ(topk_cfg_check(&c, nullptr), SIM_OK);
}

TEST(TopkVariant, SerialReproducesTodaysCycleFormulaThroughTheNewCalls) {
  // docs/arch/topk.md section 5 by hand: n = 64, k = 64, P = L = 16: start + 4 load + 4 emit
  // + drain + done = 11 per job; jobs one after the other; can_accept only while idle.
  Engine e(PCfg(16, 16, 2048, 4, TOPK_SERIAL));
  std::vector<JobSpec> jobs(3);
  for (auto &j : jobs) { j.v = Iota(64); j.k = 64; }
  std::vector<JobOut> got = RunStream(e.t, jobs, false);
  for (size_t j = 0; j < 3; j++) {
    EXPECT_EQ(got[j].start, 11 * j);   // the next job starts the cycle after DONE
    EXPECT_EQ(got[j].cycles, 11u);
  }
  // {5, 3}, k = 1, seed 1: two passes of 4 cycles (560_topk's hand case): 1 + 1 + 8 + 1 + 2
  Engine f(PCfg(16, 16, 2048, 4, TOPK_SERIAL));
  std::vector<JobSpec> one(1);
  one[0].v = {5, 3}; one[0].k = 1; one[0].seed = 1;
  EXPECT_EQ(RunStream(f.t, one, false)[0].cycles, 13u);
  EXPECT_EQ(RunStream(f.t, one, true)[0].cycles, 13u);
}

TEST(TopkPipeTiming, SingleJobsByHand) {
  // One job alone: T = Lc + S + E + 5 (start, Lc load, select take, S, emit take, E rows,
  // pop of the last beat, done).
  Engine e(PCfg(16, 16, 2048, 4));
  std::vector<JobSpec> j(1);
  j[0].v = Iota(16); j[0].k = 0;                      // Lc 1, S 0, E 1 (empty last beat)
  EXPECT_EQ(RunStream(e.t, j, false)[0].cycles, 7u);
  j[0].v.clear(); j[0].k = 3;                         // n = 0: Lc 0, S 0, E 1
  std::vector<JobOut> o = RunStream(e.t, j, false);
  EXPECT_EQ(o[0].cycles, 6u);
  EXPECT_TRUE(o[0].idx.empty());
  j[0].v = Iota(16); j[0].k = 16;                     // k = n: Lc 1, S 0, E 1
  EXPECT_EQ(RunStream(e.t, j, false)[0].cycles, 7u);
  j[0].v = {5, 3}; j[0].k = 1; j[0].seed = 2;         // one pass of ceil(2/16) + 3 = 4
  o = RunStream(e.t, j, false);
  EXPECT_EQ(o[0].cycles, 1u + 4 + 1 + 5);
  EXPECT_EQ(o[0].passes, 1u);
  EXPECT_EQ(o[0].idx, std::vector<uint32_t>({0}));
  j[0].seed = 1;                                      // two passes of 4
  o = RunStream(e.t, j, false);
  EXPECT_EQ(o[0].cycles, 1u + 8 + 1 + 5);
  EXPECT_EQ(o[0].passes, 2u);
}

TEST(TopkPipeTiming, BackToBackJobsOverlapLoadSelectAndEmitByHand) {
  // Three k = n jobs of 64 keys, P = L = 16: stages LD 1 + 4, SEL 1, EM 1 + 4.
  // job 0: LS 0, LE 4, SS = SE 5, ES 6, EE 10, DONE 12
  // job 1: LS 5, LE 9, SS = SE 10, ES 11, EE 15, DONE 17
  // job 2: LS 10, LE 14, SS = SE 15, ES 16, EE 20, DONE 22: one job per 5 cycles (serial: 11)
  Engine e(PCfg(16, 16, 2048, 4));
  std::vector<JobSpec> jobs(3);
  for (auto &j : jobs) { j.v = Iota(64); j.k = 64; }
  std::vector<JobOut> o = RunStream(e.t, jobs, false);
  EXPECT_EQ(o[0].start, 0u); EXPECT_EQ(o[0].done, 12u);
  EXPECT_EQ(o[1].start, 5u); EXPECT_EQ(o[1].done, 17u);
  EXPECT_EQ(o[2].start, 10u); EXPECT_EQ(o[2].done, 22u);
  EXPECT_EQ(e.Stat("topk.busy_cycles"), 22u);          // cycles 1 .. 22
  EXPECT_EQ(e.Stat("topk.jobs"), 3u);
  // Selection-bound: {5, 3}, k = 1, seed 1 (S = 8) with 16 lanes: LD 1 + 1, SEL 1 + 8, EM 1 + 1
  // job 0: LS 0, LE 1, SS 2, SE 10, ES 11, EE 12, DONE 14
  // job 1: LS 2, LE 3, SS 11, SE 19, ES 20, EE 21, DONE 23
  // job 2: LS 4 (bank 2 free), LE 5, SS 20, SE 28, ES 29, EE 30, DONE 32
  // job 3: LS 13 (bank 0 freed after EE 12), LE 14, SS 29, SE 37, ES 38, EE 39, DONE 41
  std::vector<JobSpec> sel(4);
  for (auto &j : sel) { j.v = {5, 3}; j.k = 1; j.seed = 1; }
  Engine f(PCfg(16, 16, 2048, 4));
  o = RunStream(f.t, sel, false);
  const uint64_t starts[] = {0, 2, 4, 13}, dones[] = {14, 23, 32, 41};
  for (int j = 0; j < 4; j++) {
    EXPECT_EQ(o[j].start, starts[j]) << j;
    EXPECT_EQ(o[j].done, dones[j]) << j;
    EXPECT_EQ(o[j].passes, 2u);                       // every job restarts the LFSR at its seed
    EXPECT_EQ(o[j].idx, std::vector<uint32_t>({0}));
  }
}

TEST(TopkPipeTiming, SteadyStateIntervalIsTheSlowestStagePlusOne) {
  // 12 identical jobs (same keys and seed, so the same S): once the pipeline is full, one job
  // finishes every 1 + max(Lc, S, E) cycles; the serial engine needs Lc + S + E + 3.
  struct { uint32_t p, l, n, k; } cases[] = {{16, 16, 384, 96}, {16, 8, 384, 96}, {8, 16, 200, 20},
                                           {32, 4, 256, 256}, {4, 4, 100, 0}};
  for (auto c : cases) {
    std::vector<JobSpec> jobs(12);
    std::vector<uint64_t> v(c.n);
    for (uint32_t i = 0; i < c.n; i++) v[i] = (i * 2654435761u) >> 7;
    for (auto &j : jobs) { j.v = v; j.k = c.k; j.seed = 99; }
    uint32_t passes;
    uint64_t S = SelectCycles(v, c.k, 99, c.p, &passes);
    uint64_t Lc = CeilDiv(c.n, c.l), E = c.k == 0 ? 1 : CeilDiv(c.n, c.p);
    Engine e(PCfg(c.p, c.l, 2048, 2));
    std::vector<JobOut> o = RunStream(e.t, jobs, false);
    for (int j = 6; j < 12; j++)
      EXPECT_EQ(o[j].done - o[j - 1].done, 1 + std::max({Lc, S, E})) << "P=" << c.p << " j=" << j;
    Engine s(PCfg(c.p, c.l, 2048, 2, TOPK_SERIAL));
    std::vector<JobOut> so = RunStream(s.t, jobs, false);
    // serial (section 5): k = 0 is start, load, done; otherwise Lc + S + ceil(n/P) + 3
    uint64_t T = c.k == 0 ? Lc + 2 : Lc + S + CeilDiv(c.n, c.p) + 3;
    EXPECT_EQ(so[11].done - so[10].done, T) << "P=" << c.p;
  }
}

TEST(TopkPipeSelect, RandomStreamsMatchReferenceAndRecurrence) {
  struct { uint32_t p, l, fifo; } cfgs[] = {{16, 16, 4}, {8, 4, 2}, {32, 16, 3}, {4, 3, 2},
                                            {16, 8, 2}};
  uint64_t s = 4242;
  auto rnd = [&s]() { s = s * 6364136223846793005ull + 1442695040888963407ull; return s >> 17; };
  for (auto c : cfgs) {
    for (int stream = 0; stream < 8; stream++) {
      std::vector<JobSpec> jobs(20);
      uint64_t req = rnd() % 5;
      for (size_t j = 0; j < jobs.size(); j++) {
        uint32_t n = (uint32_t)(rnd() % (j % 5 == 0 ? 2049 : 300));
        uint32_t k = (uint32_t)(rnd() % (n + 3));
        if (j % 7 == 3) k = 0;
        uint64_t range = (j % 4 == 0) ? 3 : (j % 4 == 1) ? ~0ull : 1000;
        jobs[j].v.resize(n);
        for (auto &x : jobs[j].v) x = range == ~0ull ? (rnd() << 20) ^ rnd() : rnd() % (range + 1);
        jobs[j].k = k;
        jobs[j].seed = (uint32_t)rnd();
        req += stream % 2 ? rnd() % 300 : rnd() % 3;    // dense and sparse streams
        jobs[j].req = req;
      }
      std::vector<JobOut> want = Predict(jobs, c.p, c.l);
      Engine slow(PCfg(c.p, c.l, 2048, c.fifo)), fast(PCfg(c.p, c.l, 2048, c.fifo));
      std::string what = "P=" + std::to_string(c.p) + " L=" + std::to_string(c.l) +
                         " stream " + std::to_string(stream);
      ExpectSame(RunStream(slow.t, jobs, false), want, what + " clocked");
      ExpectSame(RunStream(fast.t, jobs, true), want, what + " job level");
      for (const char *nm : {"jobs", "busy_cycles", "load_cycles", "load_stall_cycles", "passes",
                             "pass_cycles", "compares", "emit_cycles", "out_stall_cycles",
                             "out_beats", "out_pairs"}) {
        std::string key = std::string("topk.") + nm;
        EXPECT_EQ(fast.Stat(key.c_str()), slow.Stat(key.c_str())) << key << " " << what;
      }
      EXPECT_EQ(slow.Stat("topk.out_stall_cycles"), 0u);
      EXPECT_EQ(slow.Stat("topk.jobs"), jobs.size());
    }
  }
}

TEST(TopkPipeStats, CountersOfOneJobByHand) {
  // n = 40, k = 40, P = 16, L = 8: 5 load cycles, no pass, 3 emit rows (40 compares), 3 beats.
  Engine e(PCfg(16, 8, 2048, 4));
  std::vector<JobSpec> j(1);
  j[0].v = Iota(40); j[0].k = 40;
  std::vector<JobOut> o = RunStream(e.t, j, false);
  EXPECT_EQ(o[0].cycles, 5u + 0 + 3 + 5);
  EXPECT_EQ(e.Stat("topk.load_cycles"), 5u);
  EXPECT_EQ(e.Stat("topk.passes"), 0u);
  EXPECT_EQ(e.Stat("topk.emit_cycles"), 3u);
  EXPECT_EQ(e.Stat("topk.compares"), 40u);
  EXPECT_EQ(e.Stat("topk.out_beats"), 3u);
  EXPECT_EQ(e.Stat("topk.out_pairs"), 40u);
  EXPECT_EQ(e.Stat("topk.busy_cycles"), o[0].cycles - 1);
  // k = 0: one empty beat carrying `last`, no comparisons
  Engine z(PCfg(16, 8, 2048, 4));
  j[0].k = 0;
  RunStream(z.t, j, false);
  EXPECT_EQ(z.Stat("topk.out_beats"), 1u);
  EXPECT_EQ(z.Stat("topk.out_pairs"), 0u);
  EXPECT_EQ(z.Stat("topk.compares"), 0u);
  EXPECT_EQ(z.Stat("topk.emit_cycles"), 1u);
}

TEST(TopkPipeApi, AcceptsAThirdJobOnlyWhileABankIsFreeAndCopiesTheKeys) {
  // Long selections keep banks held: with three jobs in the engine a fourth is refused until
  // the first job's last row is emitted. The caller's key buffer may be reused after start.
  Engine e(PCfg(4, 4, 256, 2));
  std::vector<uint64_t> v = Iota(200, 7);
  std::vector<uint64_t> buf = v;
  uint64_t now = 0;
  int started = 0;
  while (started < 4 && now < 100000) {
    if (topk_can_accept(e.t, now)) {
      topk_start(e.t, buf.data(), 200, 50, 3, now);
      std::fill(buf.begin(), buf.end(), 0);          // the engine copied the keys
      buf = v;
      started++;
      if (started == 3) { EXPECT_FALSE(topk_can_accept(e.t, now + 1)); }
    }
    topk_tick(e.t, now++);
    if (started == 3) {
      topk_out o;
      topk_core_outputs(e.t, &o);
      EXPECT_EQ(o.banks == 3u, !topk_can_accept(e.t, now) || o.ld_state == 1);
    }
  }
  EXPECT_EQ(started, 4);
  int fin = 0;
  while (fin < 4 && now < 200000) {
    topk_tick(e.t, now++);
    while (topk_done(e.t)) {
      const uint32_t *idx;
      uint32_t c = topk_result(e.t, &idx);
      EXPECT_EQ(std::vector<uint32_t>(idx, idx + c), Ref(v, 50));
      topk_retire(e.t);
      fin++;
    }
  }
  EXPECT_EQ(fin, 4);
}

TEST(TopkPipeFast, ModeChangesOnlyWhileTheEngineIsEmpty) {
  // The controller flips topk_set_fast every few cycles while jobs overlap and ticks every
  // cycle; the engine switches only between busy spans, so every start and done cycle still
  // follows the recurrence.
  uint64_t s = 99;
  auto rnd = [&s]() { s = s * 6364136223846793005ull + 1442695040888963407ull; return s >> 17; };
  std::vector<JobSpec> jobs(30);
  uint64_t req = 0;
  for (auto &j : jobs) {
    uint32_t n = (uint32_t)(rnd() % 200);
    j.v.resize(n);
    for (auto &x : j.v) x = rnd() % 50;
    j.k = (uint32_t)(rnd() % (n + 2));
    j.seed = (uint32_t)rnd();
    req += rnd() % 2 ? 0 : rnd() % 150;   // some gaps long enough to drain the engine
    j.req = req;
  }
  std::vector<JobOut> want = Predict(jobs, 8, 8);
  Engine e(PCfg(8, 8, 256, 2));
  std::vector<JobOut> got(jobs.size());
  size_t next = 0, fin = 0;
  for (uint64_t now = 0; fin < jobs.size() && now < 100000; now++) {
    topk_set_fast(e.t, (now / 7) % 2 == 1);
    if (next < jobs.size() && now >= jobs[next].req && topk_can_accept(e.t, now)) {
      topk_start(e.t, jobs[next].v.data(), (uint32_t)jobs[next].v.size(), jobs[next].k,
                 jobs[next].seed, now);
      got[next++].start = now;
    }
    topk_tick(e.t, now);
    while (topk_done(e.t)) {
      const uint32_t *idx;
      uint32_t c = topk_result(e.t, &idx);
      got[fin].idx.assign(idx, idx + c);
      got[fin].done = now;
      got[fin].cycles = topk_job_cycles(e.t);
      got[fin].passes = topk_job_passes(e.t);
      topk_retire(e.t);
      fin++;
    }
  }
  ExpectSame(got, want, "toggling");
}
