// 560_topk: the top-k engine's C model (sim/topk.c). Expected selections come from
// fxp_topk_ref; expected cycle counts from docs/arch/topk.md's formula, evaluated by hand or by
// an independent re-implementation of the documented quick-select (pivot LFSR, partition
// layout) written here, not by the model under test.
#include <gtest/gtest.h>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>
extern "C" {
#include "accel/topk.h"
#include "trace/fxp.h"
#include "base/stats.h"
}

namespace {

topk_cfg Cfg(uint32_t p, uint32_t l, uint32_t max_n, uint32_t fifo) {
  topk_cfg c{};   // variant 0 = TOPK_SERIAL
  c.comparators = p; c.in_lanes = l; c.max_n = max_n; c.fifo_depth = fifo;
  return c;
}

struct Job {
  std::vector<uint32_t> idx;
  uint64_t cycles = 0;
  uint32_t passes = 0;
};

// Runs one job from cycle `t0`; ticks until done.
Job RunJob(topk *t, const std::vector<uint64_t> &v, uint32_t k, uint32_t seed, cycle_t t0 = 100) {
  topk_start(t, v.data(), (uint32_t)v.size(), k, seed, t0);
  cycle_t now = t0;
  while (topk_busy(t)) {
    EXPECT_EQ(topk_next_event(t, now), now + 1);   // cycle by cycle: due every cycle
    topk_tick(t, now++);
    if (now - t0 > 1000000) { ADD_FAILURE() << "no done"; break; }
  }
  EXPECT_TRUE(topk_done(t));
  EXPECT_EQ(topk_next_event(t, now), CYCLE_NEVER);
  Job j;
  const uint32_t *idx = nullptr;
  uint32_t c = topk_result(t, &idx);
  j.idx.assign(idx, idx + c);
  j.cycles = topk_job_cycles(t);
  j.passes = topk_job_passes(t);
  return j;
}

std::vector<uint32_t> Ref(const std::vector<uint64_t> &v, uint32_t k) {
  uint32_t kk = std::min<uint32_t>(k, (uint32_t)v.size());
  std::vector<uint32_t> r(kk);
  if (kk) fxp_topk_ref(v.data(), (uint32_t)v.size(), kk, r.data());
  return r;
}

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Independent model of docs/arch/topk.md: returns predicted job cycles (FIFO depth >= 2, input
// always valid, output always ready) and the number of passes.
uint64_t Predict(const std::vector<uint64_t> &v, uint32_t k, uint32_t seed, uint32_t P,
                 uint32_t L, uint32_t *passes) {
  struct E { uint64_t v; uint32_t i; };
  auto beats = [](E a, E b) { return a.v > b.v || (a.v == b.v && a.i < b.i); };
  const uint64_t n = v.size();
  *passes = 0;
  if (n == 0 || k == 0) return CeilDiv(n, L) + 2;
  if (k >= n) return CeilDiv(n, L) + CeilDiv(n, P) + 3;
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
      break;
    } else {
      kk -= (uint32_t)G.size() + 1;
      std::reverse(Lr.begin(), Lr.end());   // L survivors are stored top-down
      cur = Lr;
    }
  }
  return CeilDiv(n, L) + sum + CeilDiv(n, P) + 3;
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

}  // namespace

TEST(TopkCfg, RejectsZeroComparatorsWithAOneLineMessage) {
  topk_cfg c = Cfg(0, 16, 2048, 4);
  sim_err err;
  EXPECT_EQ(topk_create(&c, nullptr, "topk", &err), nullptr);
  EXPECT_EQ(err.code, SIM_EINVAL);
  EXPECT_NE(std::string(err.msg).find("comparators = 0"), std::string::npos) << err.msg;
  c = Cfg(16, 16, 2048, 0);
  EXPECT_EQ(topk_create(&c, nullptr, "topk", &err), nullptr);
  EXPECT_NE(std::string(err.msg).find("fifo_depth"), std::string::npos) << err.msg;
}

TEST(TopkCfg, DefaultsAreSixteenComparatorsSixteenLanes) {
  topk_cfg c;
  topk_cfg_default(&c);
  EXPECT_EQ(c.comparators, 16u);
  EXPECT_EQ(c.in_lanes, 16u);
  EXPECT_EQ(c.max_n, 2048u);
  EXPECT_EQ(topk_cfg_check(&c, nullptr), SIM_OK);
}

TEST(TopkLfsr, StepsAsTheDocumentedGaloisRegister) {
  // x' = (x >> 1) ^ (x & 1 ? 0x80200003 : 0), by hand
  EXPECT_EQ(topk_lfsr_next(1u), 0x80200003u);
  EXPECT_EQ(topk_lfsr_next(2u), 1u);
  EXPECT_EQ(topk_lfsr_next(0x80200003u), 0xC0300002u);
}

TEST(TopkTiming, KZeroTakesStartLoadAndDoneOnly) {
  Engine e(Cfg(16, 16, 2048, 4));
  std::vector<uint64_t> v(16, 9);
  Job j = RunJob(e.t, v, 0, 1);
  EXPECT_TRUE(j.idx.empty());
  EXPECT_EQ(j.cycles, 3u);   // start + 1 load beat + done
  EXPECT_EQ(j.passes, 0u);
}

TEST(TopkTiming, EmptyInputTakesTwoCycles) {
  Engine e(Cfg(16, 16, 2048, 4));
  std::vector<uint64_t> v;
  Job j = RunJob(e.t, v, 5, 1);
  EXPECT_TRUE(j.idx.empty());
  EXPECT_EQ(j.cycles, 2u);   // start + done
}

TEST(TopkTiming, KEqualNSkipsQuickSelect) {
  Engine e(Cfg(16, 16, 2048, 4));
  std::vector<uint64_t> v(16);
  for (uint32_t i = 0; i < 16; i++) v[i] = 100 - i;
  Job j = RunJob(e.t, v, 16, 1);
  EXPECT_EQ(j.idx, Ref(v, 16));
  EXPECT_EQ(j.cycles, 5u);   // start + 1 load + 1 emit row + drain + done
  EXPECT_EQ(j.passes, 0u);
  // 40 keys, 8 lanes, 16 comparators: 5 load beats, 3 emit rows
  Engine e2(Cfg(16, 8, 2048, 4));
  std::vector<uint64_t> w(40, 3);
  Job j2 = RunJob(e2.t, w, 100, 1);
  EXPECT_EQ(j2.idx.size(), 40u);
  EXPECT_EQ(j2.cycles, 1u + 5 + 3 + 2);
}

TEST(TopkTiming, PivotFromSeedDecidesThePassCountByHand) {
  // vals {5, 3}, k = 1. seed 2: x' = 1, r = ((1 >> 16) * 2) >> 16 = 0 -> pivot is the 5
  // (index 0), which is the answer: one pass of ceil(2/16) + 3 = 4 cycles.
  Engine e(Cfg(16, 16, 2048, 4));
  std::vector<uint64_t> v = {5, 3};
  Job a = RunJob(e.t, v, 1, 2);
  EXPECT_EQ(a.idx, std::vector<uint32_t>({0}));
  EXPECT_EQ(a.passes, 1u);
  EXPECT_EQ(a.cycles, 1u + 1 + 4 + 1 + 2);
  // seed 1: x' = 0x80200003, r = (0x8020 * 2) >> 16 = 1 -> pivot 3; one element beats it and
  // k = 1 <= 1, so a second pass on {5}: x'' = 0xC0300002, r = 0 -> found. 2 passes.
  Job b = RunJob(e.t, v, 1, 1);
  EXPECT_EQ(b.idx, std::vector<uint32_t>({0}));
  EXPECT_EQ(b.passes, 2u);
  EXPECT_EQ(b.cycles, 1u + 1 + 4 + 4 + 1 + 2);
}

TEST(TopkStats, PassCyclesCountEachPassAsCeilMOverPPlusThree) {
  // The two jobs above, on a fresh engine each: one pass over m = 2 (4 cycles), then two
  // passes over m = 2 and m = 1 (4 + 4 cycles); docs/arch/topk.md's per-pass formula.
  std::vector<uint64_t> v = {5, 3};
  Engine e1(Cfg(16, 16, 2048, 4));
  RunJob(e1.t, v, 1, 2);
  EXPECT_EQ(e1.Stat("topk.pass_cycles"), 4u);
  Engine e2(Cfg(16, 16, 2048, 4));
  RunJob(e2.t, v, 1, 1);
  EXPECT_EQ(e2.Stat("topk.pass_cycles"), 8u);
}

TEST(TopkTiming, FifoDepthOneHalvesTheEmissionRate) {
  // n = k = 64, 16 lanes, 16 comparators: 4 load beats, 4 emit rows. Depth 1: a row can be
  // pushed only when the FIFO was empty at the start of the cycle, so rows go out at emit
  // cycles 0, 2, 4, 6 (3 refused cycles): 7 emit cycles + drain + done + start + 4 load = 14.
  Engine d1(Cfg(16, 16, 2048, 1));
  std::vector<uint64_t> v(64, 1);
  Job j = RunJob(d1.t, v, 64, 1);
  EXPECT_EQ(j.cycles, 14u);
  EXPECT_EQ(d1.Stat("topk.out_stall_cycles"), 3u);
  Engine d2(Cfg(16, 16, 2048, 2));
  EXPECT_EQ(RunJob(d2.t, v, 64, 1).cycles, 11u);   // 1 + 4 + 4 + 2
  EXPECT_EQ(d2.Stat("topk.out_stall_cycles"), 0u);
}

TEST(TopkSelect, TiesGoToTheLowerIndex) {
  Engine e(Cfg(16, 16, 2048, 4));
  std::vector<uint64_t> eq(10, 7);
  EXPECT_EQ(RunJob(e.t, eq, 3, 11).idx, std::vector<uint32_t>({0, 1, 2}));
  std::vector<uint64_t> v = {1, 9, 4, 9, 4, 4, 0};
  // 9 (1), 9 (3), then the 4s by index: 2, 4
  EXPECT_EQ(RunJob(e.t, v, 4, 5).idx, std::vector<uint32_t>({1, 2, 3, 4}));
}

TEST(TopkSelect, EdgeCasesMatchTheReference) {
  Engine e(Cfg(16, 16, 2048, 4));
  for (uint32_t n : {1u, 2u, 15u, 16u, 17u, 100u, 2048u}) {
    std::vector<uint64_t> up(n), dn(n), eq(n, 42), ties(n), big(n, ~0ull);
    for (uint32_t i = 0; i < n; i++) { up[i] = i; dn[i] = n - i; ties[i] = i % 3; }
    for (uint32_t k : {0u, 1u, n / 2, n - 1, n, n + 3}) {
      for (auto *v : {&up, &dn, &eq, &ties, &big}) {
        Job j = RunJob(e.t, *v, k, n * 31 + k);
        EXPECT_EQ(j.idx, Ref(*v, k)) << "n=" << n << " k=" << k;
        uint32_t passes;
        EXPECT_EQ(j.cycles, Predict(*v, k, n * 31 + k, 16, 16, &passes)) << "n=" << n << " k=" << k;
        EXPECT_EQ(j.passes, passes);
      }
    }
  }
}

TEST(TopkSelect, SeededRandomCasesMatchReferenceAndCycleFormula) {
  struct { uint32_t p, l, fifo; } cfgs[] = {{16, 16, 4}, {8, 4, 2}, {32, 16, 3}, {4, 3, 2}};
  uint64_t s = 12345;
  auto rnd = [&s]() { s = s * 6364136223846793005ull + 1442695040888963407ull; return s >> 17; };
  for (auto c : cfgs) {
    Engine e(Cfg(c.p, c.l, 2048, c.fifo));
    for (int t = 0; t < 150; t++) {
      uint32_t n = 1 + (uint32_t)(rnd() % (t % 3 == 0 ? 2048 : 200));
      uint32_t k = 1 + (uint32_t)(rnd() % n);
      uint64_t range = (t % 4 == 0) ? 3 : (t % 4 == 1) ? ~0ull : 1000;
      std::vector<uint64_t> v(n);
      for (auto &x : v) x = range == ~0ull ? (rnd() << 20) ^ rnd() : rnd() % (range + 1);
      uint32_t seed = (uint32_t)rnd();
      Job j = RunJob(e.t, v, k, seed, (cycle_t)t * 7);
      ASSERT_EQ(j.idx, Ref(v, k)) << "P=" << c.p << " n=" << n << " k=" << k;
      uint32_t passes;
      ASSERT_EQ(j.cycles, Predict(v, k, seed, c.p, c.l, &passes)) << "P=" << c.p << " n=" << n;
      ASSERT_EQ(j.passes, passes);
    }
  }
}

TEST(TopkStats, CountersFollowTheJob) {
  Engine e(Cfg(16, 16, 2048, 4));
  std::vector<uint64_t> v(32);
  for (uint32_t i = 0; i < 32; i++) v[i] = i;
  Job j = RunJob(e.t, v, 32, 1);   // k = n: no passes, 32 comparisons in the final filter
  EXPECT_EQ(e.Stat("topk.jobs"), 1u);
  EXPECT_EQ(e.Stat("topk.passes"), 0u);
  EXPECT_EQ(e.Stat("topk.compares"), 32u);
  EXPECT_EQ(e.Stat("topk.load_cycles"), 2u);
  EXPECT_EQ(e.Stat("topk.emit_cycles"), 2u);
  EXPECT_EQ(e.Stat("topk.out_beats"), 2u);
  EXPECT_EQ(e.Stat("topk.out_pairs"), 32u);
  EXPECT_EQ(e.Stat("topk.busy_cycles"), j.cycles - 1);   // every cycle but the start (IDLE)
}

TEST(TopkCore, OutputBackPressureHoldsDoneUntilTheLastBeatIsTaken) {
  Engine e(Cfg(4, 4, 64, 2));
  topk *t = e.t;
  std::vector<uint64_t> v = {3, 1, 4, 1, 5, 9, 2, 6};
  topk_core_reset(t);
  topk_in in{};
  topk_out o;
  in.start = true; in.n = 8; in.k = 8; in.seed = 1;
  topk_core_outputs(t, &o);
  ASSERT_TRUE(o.start_ready);
  topk_core_clock(t, &in);                       // start
  in.start = false;
  in.in_valid = true;
  in.in_data = v.data();
  topk_core_outputs(t, &o);
  ASSERT_TRUE(o.in_ready);
  topk_core_clock(t, &in);                       // load beat 0
  in.in_data = v.data() + 4;
  topk_core_clock(t, &in);                       // load beat 1
  in.in_valid = false;
  in.out_ready = false;
  for (int c = 0; c < 10; c++) {                 // nobody takes the output
    topk_core_outputs(t, &o);
    EXPECT_FALSE(o.done);
    topk_core_clock(t, &in);
  }
  topk_core_outputs(t, &o);
  ASSERT_TRUE(o.out_valid);
  EXPECT_EQ(o.out_count, 4u);
  EXPECT_FALSE(o.out_last);
  EXPECT_EQ(o.state, (uint32_t)TOPK_S_OUTWAIT);
  std::vector<uint32_t> got;
  in.out_ready = true;
  int guard = 0;
  while (!o.done && guard++ < 10) {
    if (o.out_valid) got.insert(got.end(), o.out_idx, o.out_idx + o.out_count);
    topk_core_clock(t, &in);
    topk_core_outputs(t, &o);
  }
  EXPECT_TRUE(o.done);
  EXPECT_EQ(got, std::vector<uint32_t>({0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(TopkCore, BrokenVariantAddsACycleWhenTheSetIsAMultipleOfP) {
  // The test hook behind the RTL's TOPK_BROKEN: a pass over m = 16 with P = 16 takes
  // 16/16 + 3 + 1 cycles instead of 4.
  std::vector<uint64_t> v(16);
  for (uint32_t i = 0; i < 16; i++) v[i] = i;
  Engine good(Cfg(16, 16, 64, 4)), bad(Cfg(16, 16, 64, 4));
  topk_core_set_broken(bad.t, true);
  Job a = RunJob(good.t, v, 3, 2), b = RunJob(bad.t, v, 3, 2);
  EXPECT_EQ(a.idx, b.idx);
  EXPECT_GT(b.cycles, a.cycles);
}

// Job-level evaluation (topk_set_fast): the same jobs on two engines, one cycle by cycle and
// one job-level with the cycles between its start and DONE cycles skipped (as the simulator
// skips them). Everything observable must agree: result, DONE cycle, passes, every counter.
TEST(TopkFast, AgreesWithTheCycleByCycleCoreOnEveryCounter) {
  const char *names[] = {"jobs", "busy_cycles", "load_cycles", "load_stall_cycles", "passes",
                         "pass_cycles", "compares", "emit_cycles", "out_stall_cycles",
                         "out_beats", "out_pairs"};
  struct { uint32_t p, l, fifo; } cfgs[] = {{16, 16, 4}, {8, 4, 2}, {32, 16, 3}, {4, 3, 2},
                                            {16, 16, 1}};
  uint64_t s = 777;
  auto rnd = [&s]() { s = s * 6364136223846793005ull + 1442695040888963407ull; return s >> 17; };
  for (auto c : cfgs) {
    Engine slow(Cfg(c.p, c.l, 2048, c.fifo)), fast(Cfg(c.p, c.l, 2048, c.fifo));
    topk_set_fast(fast.t, true);
    cycle_t now_s = 0, now_f = 0;
    for (int t = 0; t < 120; t++) {
      uint32_t n = (uint32_t)(rnd() % (t % 5 == 0 ? 2049 : 300));
      uint32_t k = (uint32_t)(rnd() % (n + 3));
      if (t % 7 == 0) k = 0;
      uint64_t range = (t % 4 == 0) ? 3 : (t % 4 == 1) ? ~0ull : 1000;
      std::vector<uint64_t> v(n);
      for (auto &x : v) x = range == ~0ull ? (rnd() << 20) ^ rnd() : rnd() % (range + 1);
      uint32_t seed = (uint32_t)rnd();
      now_s += rnd() % 5;
      now_f = now_s;
      Job a = RunJob(slow.t, v, k, seed, now_s);
      cycle_t done_s = now_s + a.cycles - 1;
      // job-level engine: tick the start cycle, then jump to each announced event
      topk_start(fast.t, v.data(), n, k, seed, now_f);
      cycle_t now = now_f;
      unsigned acted = topk_tick(fast.t, now);
      if (c.fifo >= 2) { EXPECT_EQ(acted, 1u); }
      int guard = 0;
      while (topk_busy(fast.t) && guard++ < 100000) {
        cycle_t ev = topk_next_event(fast.t, now);
        ASSERT_GT(ev, now);
        now = ev;
        topk_tick(fast.t, now);
      }
      ASSERT_TRUE(topk_done(fast.t));
      EXPECT_EQ(now, done_s) << "P=" << c.p << " n=" << n << " k=" << k;
      const uint32_t *idx = nullptr;
      uint32_t cnt = topk_result(fast.t, &idx);
      EXPECT_EQ(std::vector<uint32_t>(idx, idx + cnt), a.idx) << "n=" << n << " k=" << k;
      EXPECT_EQ(topk_job_cycles(fast.t), a.cycles);
      EXPECT_EQ(topk_job_passes(fast.t), a.passes);
      for (const char *nm : names) {
        std::string key = std::string("topk.") + nm;
        ASSERT_EQ(fast.Stat(key.c_str()), slow.Stat(key.c_str()))
            << key << " P=" << c.p << " fifo=" << c.fifo << " job " << t;
      }
      now_s = done_s + 1;
    }
  }
}

TEST(TopkFast, ActsOnlyInTheStartAndDoneCycles) {
  // n = 64, k = 16, P = L = 16: the tick returns 1 in the start cycle and the DONE cycle only,
  // and the announced event is the DONE cycle (start + T - 1, T from the cycle formula).
  Engine e(Cfg(16, 16, 2048, 4));
  topk_set_fast(e.t, true);
  std::vector<uint64_t> v(64);
  for (uint32_t i = 0; i < 64; i++) v[i] = (i * 37u) % 64u;
  uint32_t passes;
  uint64_t T = Predict(v, 16, 9, 16, 16, &passes);
  topk_start(e.t, v.data(), 64, 16, 9, 50);
  EXPECT_EQ(topk_tick(e.t, 50), 1u);
  EXPECT_EQ(topk_next_event(e.t, 50), (cycle_t)(50 + T - 1));
  EXPECT_EQ(topk_tick(e.t, 51), 0u);
  EXPECT_FALSE(topk_done(e.t));
  EXPECT_EQ(topk_tick(e.t, 50 + T - 1), 1u);
  EXPECT_TRUE(topk_done(e.t));
  EXPECT_EQ(topk_next_event(e.t, 50 + T - 1), CYCLE_NEVER);
  EXPECT_EQ(e.Stat("topk.busy_cycles"), T - 1);
  EXPECT_EQ(e.Stat("topk.passes"), passes);
}
