// 500_datapath_timing: each datapath block alone against mock FIFOs, with cycle counts from the
// hand-derived formulas of docs/arch/*.md (not from the simulator):
//   Q.K     : row popped at t0, n keys valid -> scores visible at t0 + max(1, ceil(n / (m/d))) + L
//   softmax : isolated row -> t0 + 2 * max(1, ceil(n / lanes)) + (dequant+exp+acc+div+quant)
//   prob.V  : row popped at t0, k V rows valid -> t0 + max(1, ceil(k / (m/d))) + L
//   imp     : t0 + max(1, ceil(n / lanes), ceil(d / lanes))
#include <gtest/gtest.h>
#include <vector>
extern "C" {
#include "accel/qk.h"
#include "accel/softmax.h"
#include "accel/pv.h"
#include "accel/imp.h"
#include "base/fifo.h"
}

namespace {
struct Rows {
  std::vector<arow> pool;
  std::vector<std::vector<uint32_t>> att;
  std::vector<cycle_t> cells;   // arrival cell per key id (shared by all rows)
  cycle_t qcell = 0;
  Rows(size_t nrows, uint32_t nkeys) : pool(nrows), att(nrows), cells(nkeys + 1, 0) {
    for (size_t i = 0; i < nrows; i++) {
      pool[i] = arow{};
      pool[i].q_cell = &qcell;
      pool[i].k_cells = cells.data();
      pool[i].v_cells = cells.data();
    }
  }
  void set_keys(uint32_t row, uint32_t n) {
    att[row].resize(n + 1);
    for (uint32_t j = 0; j < n; j++) att[row][j] = j;
    pool[row].att = att[row].data();
    pool[row].n_att = n;
    pool[row].sel = att[row].data();
    pool[row].n_sel = n;
  }
};
void nop(void *, uint32_t, cycle_t) {}
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// run a block until its output FIFO shows a row; return that cycle
template <class Tick>
cycle_t until_out(fifo *out, cycle_t from, Tick tick, cycle_t limit = 100000) {
  for (cycle_t t = from; t < limit; t++) {
    if (fifo_peek(out, t)) return t;
    tick(t);
  }
  return CYCLE_NEVER;
}
}  // namespace

TEST(QkTiming, ARowOfNValidKeysTakesCeilNOverKeysPerCycleBeatsPlusLatency) {
  const uint32_t kpc = 512 / 64, L = 8;
  for (uint32_t n : {1u, 7u, 8u, 9u, 64u, 383u, 384u}) {
    Rows r(1, n);
    r.set_keys(0, n);
    fifo *in = fifo_create("in", 4, 2), *lsb = fifo_create("lsb", 4, 2), *out = fifo_create("out", 4, 2);
    qk_cfg c{kpc, L, 64};
    qk *q = qk_create(&c, r.pool.data(), in, lsb, out, nullptr, "qk", nop, nullptr);
    uint32_t id = 0;
    const cycle_t t0 = 10;
    fifo_push(in, &id, t0 - 1, t0);
    cycle_t t = until_out(out, 0, [&](cycle_t now) { qk_tick(q, now); });
    EXPECT_EQ(t, t0 + ceil_div(n, kpc) + L) << "n = " << n;
    EXPECT_EQ(qk_busy_cycles(q), ceil_div(n, kpc));
    EXPECT_EQ(qk_keys(q), n);
    qk_destroy(q); fifo_destroy(in); fifo_destroy(lsb); fifo_destroy(out);
  }
}

TEST(QkTiming, BackToBackRowsOverlapThePipelineLatency) {
  Rows r(2, 40);
  r.set_keys(0, 40); r.set_keys(1, 17);
  fifo *in = fifo_create("in", 4, 2), *lsb = fifo_create("lsb", 4, 2), *out = fifo_create("out", 4, 4);
  qk_cfg c{8, 8, 64};
  qk *q = qk_create(&c, r.pool.data(), in, lsb, out, nullptr, "qk", nop, nullptr);
  uint32_t a = 0, b = 1;
  fifo_push(in, &a, 0, 1);
  fifo_push(in, &b, 0, 1);
  std::vector<cycle_t> seen;
  for (cycle_t t = 1; t < 100 && seen.size() < 2; t++) {
    if (fifo_peek(out, t)) { seen.push_back(t); fifo_pop(out, t); }
    qk_tick(q, t);
  }
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], 1 + 5 + 8u);          // ceil(40/8) = 5 beats
  EXPECT_EQ(seen[1], 1 + 5 + 3 + 8u);      // second row starts right after: ceil(17/8) = 3
  qk_destroy(q); fifo_destroy(in); fifo_destroy(lsb); fifo_destroy(out);
}

TEST(QkTiming, AKeyThatArrivesLateStallsTheUnitUntilItsCell) {
  Rows r(1, 16);
  r.set_keys(0, 16);
  r.cells[12] = 50;                         // key 12 valid only from cycle 50
  fifo *in = fifo_create("in", 4, 2), *lsb = fifo_create("lsb", 4, 2), *out = fifo_create("out", 4, 2);
  qk_cfg c{8, 8, 64};
  qk *q = qk_create(&c, r.pool.data(), in, lsb, out, nullptr, "qk", nop, nullptr);
  uint32_t id = 0;
  fifo_push(in, &id, 0, 1);
  cycle_t t = until_out(out, 1, [&](cycle_t now) { qk_tick(q, now); });
  // beat 1 (keys 0-7) at cycle 1, keys 8-11 at cycle 2, stall until 50, keys 12-15 at 50
  EXPECT_EQ(t, 50 + 1 + 8u);
  EXPECT_EQ(qk_stall_cycles(q), 50 - 3u);
  qk_destroy(q); fifo_destroy(in); fifo_destroy(lsb); fifo_destroy(out);
}

TEST(QkTiming, RecomputeRowsFromTheLsbPathGoFirst) {
  Rows r(2, 8);
  r.set_keys(0, 8); r.set_keys(1, 8);
  fifo *in = fifo_create("in", 4, 2), *lsb = fifo_create("lsb", 4, 2), *out = fifo_create("out", 4, 4);
  qk_cfg c{8, 1, 64};
  qk *q = qk_create(&c, r.pool.data(), in, lsb, out, nullptr, "qk", nop, nullptr);
  uint32_t a = 0, b = 1;
  fifo_push(in, &a, 0, 1);
  fifo_push(lsb, &b, 0, 1);
  for (cycle_t t = 1; t < 10; t++) qk_tick(q, t);
  ASSERT_NE(fifo_peek(out, 10), nullptr);
  EXPECT_EQ(*(const uint32_t *)fifo_peek(out, 10), 1u);
  qk_destroy(q); fifo_destroy(in); fifo_destroy(lsb); fifo_destroy(out);
}

TEST(SoftmaxTiming, AnIsolatedRowTakesTwoPassesPlusTheFiveStageLatencies) {
  const uint32_t lanes = 8, lat = 7 + 21 + 23 + 29 + 7;
  for (uint32_t n : {1u, 8u, 9u, 100u, 1024u}) {
    Rows r(1, n);
    r.set_keys(0, n);
    fifo *in = fifo_create("in", 4, 2), *out = fifo_create("out", 4, 2), *ol = fifo_create("lsb", 4, 2);
    sm_cfg c{lanes, 7, 21, 23, 29, 7};
    sm *s = sm_create(&c, r.pool.data(), in, out, ol, nullptr, "sm", nop, nullptr);
    uint32_t id = 0;
    fifo_push(in, &id, 4, 5);
    cycle_t t = until_out(out, 0, [&](cycle_t now) { sm_tick(s, now); });
    EXPECT_EQ(t, 5 + 2 * ceil_div(n, lanes) + lat) << "n = " << n;
    EXPECT_EQ(sm_elems(s), n);
    sm_destroy(s); fifo_destroy(in); fifo_destroy(out); fifo_destroy(ol);
  }
}

TEST(SoftmaxTiming, ARowBelowTheThresholdLeavesThroughTheLsbPort) {
  Rows r(1, 16);
  r.set_keys(0, 16);
  fifo *in = fifo_create("in", 4, 2), *out = fifo_create("out", 4, 2), *ol = fifo_create("lsb", 4, 2);
  sm_cfg c{8, 1, 1, 1, 1, 1};
  auto decide = [](void *ctx, uint32_t id, cycle_t) {
    static_cast<arow *>(ctx)[id].need_lsb = 1;   // the controller's decision callback
  };
  sm *s = sm_create(&c, r.pool.data(), in, out, ol, nullptr, "sm", decide, r.pool.data());
  uint32_t id = 0;
  fifo_push(in, &id, 0, 1);
  cycle_t t = until_out(ol, 1, [&](cycle_t now) { sm_tick(s, now); });
  EXPECT_EQ(t, 1 + 2 * 2 + 5u);
  EXPECT_EQ(fifo_peek(out, t), nullptr);
  EXPECT_EQ(sm_rows_lsb(s), 1u);
  sm_destroy(s); fifo_destroy(in); fifo_destroy(out); fifo_destroy(ol);
}

TEST(PvTiming, KSelectedValueRowsTakeCeilKOverRowsPerCycleBeatsPlusLatency) {
  for (uint32_t k : {1u, 8u, 13u, 192u}) {
    Rows r(1, k);
    r.set_keys(0, k);
    fifo *in = fifo_create("in", 4, 2), *out = fifo_create("out", 4, 2);
    pv_cfg c{512 / 64, 6};
    pv *p = pv_create(&c, r.pool.data(), in, out, nullptr, "pv", nop, nullptr);
    uint32_t id = 0;
    fifo_push(in, &id, 2, 3);
    cycle_t t = until_out(out, 0, [&](cycle_t now) { pv_tick(p, now); });
    EXPECT_EQ(t, 3 + ceil_div(k, 8) + 6) << "k = " << k;
    EXPECT_EQ(pv_vrows(p), k);
    pv_destroy(p); fifo_destroy(in); fifo_destroy(out);
  }
}

TEST(ImpTiming, TokenAndHeadAddersWorkInParallelAtLanesPerCycle) {
  for (uint32_t n : {3u, 64u, 100u}) {
    Rows r(1, n);
    r.set_keys(0, n);
    fifo *in = fifo_create("in", 4, 2), *out = fifo_create("out", 4, 2);
    imp_cfg c{8, 64};
    imp *m = imp_create(&c, r.pool.data(), in, out, nullptr, "imp", nop, nullptr);
    uint32_t id = 0;
    fifo_push(in, &id, 0, 1);
    cycle_t t = until_out(out, 0, [&](cycle_t now) { imp_tick(m, now); });
    uint64_t b = std::max<uint64_t>(ceil_div(n, 8), ceil_div(64, 8));
    EXPECT_EQ(t, 1 + b) << "n = " << n;
    EXPECT_EQ(imp_tok_adds(m), n);
    imp_destroy(m); fifo_destroy(in); fifo_destroy(out);
  }
}
