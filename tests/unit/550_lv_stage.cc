// 550_lv_stage: the local-V stage alone against mock FIFOs and mock ports, with cycle counts
// derived by hand from docs/arch/controller.md ("Local V") and the engine's own job length J
// (topk_job_cycles, itself checked against its formula in 560_topk):
//   bypass row (keeps every key, or one key) popped at t0 -> visible on pv.in at t0 + 1;
//   row with a job popped at t0 -> the engine's DONE cycle is t0 + J - 1, the stage sees it
//   the cycle after and hands the row on: visible at t0 + J + 1;
//   a ready row that finds pv.in or the V fetch queue full waits, one stall cycle per cycle.
#include <gtest/gtest.h>
#include <algorithm>
#include <numeric>
#include <vector>
extern "C" {
#include "accel/lv.h"
#include "accel/topk.h"
#include "base/fifo.h"
}

namespace {
struct Mock {
  std::vector<arow> pool;
  std::vector<std::vector<uint32_t>> att, sel, p;
  std::vector<uint32_t> keep;
  bool room = true;                                   // V fetch queue has room
  std::vector<std::pair<uint32_t, cycle_t>> fetched;  // (row, cycle)
  Mock(size_t n) : pool(n), att(n), sel(n), p(n), keep(n, 0) {}
  void set_row(uint32_t r, const std::vector<uint32_t> &probs, uint32_t k) {
    uint32_t n = (uint32_t)probs.size();
    att[r].resize(n); sel[r].assign(n + 1, 0); p[r] = probs;
    for (uint32_t j = 0; j < n; j++) att[r][j] = 10 + 2 * j;   // pass-local key ids, ascending
    pool[r] = arow{};
    pool[r].att = att[r].data(); pool[r].n_att = n;
    pool[r].sel = sel[r].data(); pool[r].p = p[r].data();
    keep[r] = k;
  }
  static uint32_t keep_of(void *ctx, const arow *r) {
    Mock *m = (Mock *)ctx;
    return m->keep[(size_t)(r - m->pool.data())];
  }
  static void scores(void *, const arow *r, uint64_t *v) { for (uint32_t i = 0; i < r->n_att; i++) v[i] = r->p[i]; }
  static bool can_fetch(void *ctx, cycle_t) { return ((Mock *)ctx)->room; }
  static void fetch(void *ctx, uint32_t row, cycle_t now) { ((Mock *)ctx)->fetched.push_back({row, now}); }
  lv_ports ports() { return lv_ports{this, keep_of, scores, can_fetch, fetch}; }
};

topk_cfg engine_cfg() { topk_cfg c; topk_cfg_default(&c); return c; }

// the job length of the engine alone on the same scores
uint64_t job_cycles(const std::vector<uint32_t> &probs, uint32_t k, uint32_t seed) {
  topk_cfg c = engine_cfg();
  sim_err e{};
  topk *t = topk_create(&c, nullptr, "t", &e);
  std::vector<uint64_t> v(probs.begin(), probs.end());
  topk_start(t, v.data(), (uint32_t)v.size(), k, seed, 0);
  for (cycle_t now = 0; topk_busy(t); now++) topk_tick(t, now);
  uint64_t j = topk_job_cycles(t);
  topk_destroy(t);
  return j;
}

struct Stage {
  Mock &m;
  std::vector<topk *> eng;
  fifo *in, *out;
  uint64_t stall = 0;
  lv *l;
  Stage(Mock &mock, uint32_t engines, uint32_t out_depth) : m(mock) {
    topk_cfg c = engine_cfg();
    sim_err e{};
    for (uint32_t i = 0; i < engines; i++) eng.push_back(topk_create(&c, nullptr, "t", &e));
    in = fifo_create("in", sizeof(uint32_t), 8);
    out = fifo_create("out", sizeof(uint32_t), out_depth);
    lv_cfg lc{engines, 64, 7};
    lv_ports p = m.ports();
    l = lv_create(&lc, m.pool.data(), in, out, eng.data(), &p, &stall);
  }
  ~Stage() {
    lv_destroy(l);
    for (topk *t : eng) topk_destroy(t);
    fifo_destroy(in); fifo_destroy(out);
  }
  void tick(cycle_t now) {          // accel.c's order: the stage, then the engines
    lv_tick(l, now);
    for (topk *t : eng) if (topk_busy(t)) topk_tick(t, now);
  }
  // first cycle >= from at which out shows a row (ticking until then)
  cycle_t until_out(cycle_t from, cycle_t limit = 10000) {
    for (cycle_t t = from; t < limit; t++) { if (fifo_peek(out, t)) return t; tick(t); }
    return CYCLE_NEVER;
  }
};

std::vector<uint32_t> distinct_probs(uint32_t n) {
  std::vector<uint32_t> v(n);
  for (uint32_t i = 0; i < n; i++) v[i] = (i * 7919u) % 1009u + 1;   // distinct for n <= 1009
  return v;
}
}  // namespace

TEST(LvStage, ARowThatKeepsEveryKeyBypassesTheEngineInOneCycle) {
  Mock m(1);
  m.set_row(0, distinct_probs(12), 12);
  Stage s(m, 1, 4);
  uint32_t id = 0;
  const cycle_t t0 = 5;
  fifo_push(s.in, &id, t0 - 1, t0);
  EXPECT_EQ(s.until_out(0), t0 + 1);
  EXPECT_EQ(m.pool[0].n_sel, 12u);
  EXPECT_TRUE(std::equal(m.att[0].begin(), m.att[0].end(), m.sel[0].begin()));
  ASSERT_EQ(m.fetched.size(), 1u);
  EXPECT_EQ(m.fetched[0], std::make_pair(0u, t0));
  EXPECT_FALSE(topk_busy(s.eng[0]));
}

TEST(LvStage, ARowWithAJobLeavesTheCycleAfterItsEnginesDoneCycle) {
  for (uint32_t n : {5u, 17u, 48u}) {
    const uint32_t k = (n + 2) / 3;
    Mock m(1);
    auto probs = distinct_probs(n);
    m.set_row(0, probs, k);
    Stage s(m, 1, 4);
    uint32_t id = 0;
    const cycle_t t0 = 3;
    fifo_push(s.in, &id, t0 - 1, t0);
    const uint64_t J = job_cycles(probs, k, 7);
    EXPECT_EQ(s.until_out(0), t0 + J + 1) << "n = " << n;
    // the selection: the k largest probabilities, as key ids in ascending order
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return probs[a] > probs[b]; });
    std::vector<uint32_t> want;
    for (uint32_t i = 0; i < k; i++) want.push_back(m.att[0][order[i]]);
    std::sort(want.begin(), want.end());
    ASSERT_EQ(m.pool[0].n_sel, k);
    EXPECT_EQ(std::vector<uint32_t>(m.sel[0].begin(), m.sel[0].begin() + k), want);
    EXPECT_EQ(s.stall, 0u);
  }
}

TEST(LvStage, AHeldRowCountsOneStallCyclePerCycleAndLeavesWhenTheFetchQueueHasRoom) {
  Mock m(1);
  m.set_row(0, distinct_probs(8), 8);     // bypass: ready in its entry cycle
  Stage s(m, 1, 4);
  uint32_t id = 0;
  fifo_push(s.in, &id, 0, 1);
  m.room = false;
  for (cycle_t t = 0; t < 11; t++) s.tick(t);   // ready from cycle 1, held in 1..10
  EXPECT_EQ(s.stall, 10u);
  EXPECT_TRUE(m.fetched.empty());
  m.room = true;
  EXPECT_EQ(s.until_out(11), 12u);
  EXPECT_EQ(s.stall, 10u);
}

TEST(LvStage, TwoEnginesTakeConsecutiveRowsAndTheFirstEngineLeavesFirst) {
  Mock m(2);
  auto p0 = distinct_probs(40), p1 = distinct_probs(40);
  std::reverse(p1.begin(), p1.end());
  m.set_row(0, p0, 10);
  m.set_row(1, p1, 10);
  Stage s(m, 2, 4);
  uint32_t a = 0, b = 1;
  fifo_push(s.in, &a, 0, 1);
  fifo_push(s.in, &b, 0, 1);
  // row 0 enters at 1 on engine 0, row 1 at 2 on engine 1
  const uint64_t J0 = job_cycles(p0, 10, 7), J1 = job_cycles(p1, 10, 7);
  const cycle_t out0 = 1 + J0 + 1, out1 = 2 + J1 + 1;
  cycle_t first = s.until_out(0);
  EXPECT_EQ(first, std::min(out0, out1));
  EXPECT_EQ(*(const uint32_t *)fifo_peek(s.out, first), out0 <= out1 ? 0u : 1u);
  EXPECT_EQ(m.fetched.size(), out0 == out1 ? 2u : 1u);
}
