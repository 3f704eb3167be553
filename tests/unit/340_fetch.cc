// 340_fetch: the matrix fetcher on the real HBM2 model: row jobs become request_bytes-sized
// requests, the DRAM model's byte counters equal the bytes of the rows moved (computed here),
// rows become valid in request order (reorder buffer), writes complete, and max_outstanding
// bounds the requests in flight.
#include <gtest/gtest.h>
#include <vector>
extern "C" {
#include "dram.h"
#include "fetch.h"
#include "stats.h"
}

namespace {
struct Env {
  dram_cfg dc{};
  stats *st = stats_create();
  dram *d = nullptr;
  fetch *f = nullptr;
  explicit Env(uint32_t max_out = 64) {
    sim_err e{};
    EXPECT_EQ(dram_cfg_load("configs/dram/hbm2-spatten.json", &dc, &e), SIM_OK) << e.msg;
    d = dram_create(&dc, st, "dram", &e);
    fetch_cfg fc{32, 1, max_out, 4, 4};
    f = fetch_create(&fc, d, st, "fetch", &e);
  }
  ~Env() { fetch_destroy(f); dram_destroy(d); stats_destroy(st); }
  // tick fetch and DRAM (1 GHz both) until idle; returns cycles
  cycle_t run(cycle_t now) {
    for (; now < 1000000; now++) {
      dram_tick(d);
      fetch_tick(f, now);
      if (fetch_idle(f) && dram_idle(d)) return now;
    }
    return CYCLE_NEVER;
  }
  uint64_t stat(const char *k) { uint64_t v = 0; EXPECT_TRUE(stats_get_u64(st, k, &v)) << k; return v; }
};
}  // namespace

TEST(Fetch, ReadRowsBecomeWholeRequestsAndTheDramCountsExactlyTheirBytes) {
  Env env;
  const uint32_t n = 50, row = 96;                  // d = 64 x 12 bit
  std::vector<uint32_t> ids;
  for (uint32_t j = 0; j < n; j += 2) ids.push_back(j);    // every other row (pruned set)
  std::vector<cycle_t> cells(n, 12345);
  fetch_job j{(uint32_t)ids.size(), ids.data(), 0, nullptr, cells.data(), 4096, 96, row};
  ASSERT_TRUE(fetch_can_push(env.f, 3, 0));
  fetch_push(env.f, 3, &j, 0);
  for (uint32_t id : ids) EXPECT_EQ(cells[id], CYCLE_NEVER);
  ASSERT_NE(env.run(1), CYCLE_NEVER);
  EXPECT_EQ(fetch_useful_bytes(env.f, 3), ids.size() * row);
  EXPECT_EQ(fetch_requests(env.f), ids.size() * 3);
  EXPECT_EQ(env.stat("dram.bytes_read"), ids.size() * row);
  EXPECT_EQ(env.stat("dram.reads"), ids.size() * 3);
  cycle_t prev = 0;
  for (uint32_t id : ids) {                         // in request order, each after the previous
    EXPECT_NE(cells[id], CYCLE_NEVER);
    EXPECT_GE(cells[id], prev);
    prev = cells[id];
  }
  for (uint32_t j2 = 1; j2 < n; j2 += 2) EXPECT_EQ(cells[j2], 12345u) << "unrequested row touched";
}

TEST(Fetch, WritesAreIssuedAndCompleteWithoutCells) {
  Env env;
  fetch_job j{10, nullptr, 0, nullptr, nullptr, 0, 96, 96};
  fetch_push(env.f, 4, &j, 0);
  ASSERT_NE(env.run(1), CYCLE_NEVER);
  EXPECT_EQ(env.stat("dram.bytes_written"), 10u * 96u);
  EXPECT_EQ(fetch_dram_bytes(env.f, true), 10u * 96u);
}

TEST(Fetch, MaxOutstandingBoundsRequestsInFlight) {
  Env env(4);
  std::vector<cycle_t> cells(64);
  fetch_job j{64, nullptr, 0, nullptr, cells.data(), 0, 96, 96};
  fetch_push(env.f, 1, &j, 0);
  ASSERT_NE(env.run(1), CYCLE_NEVER);
  EXPECT_EQ(env.stat("fetch.max_inflight"), 4u);
  EXPECT_GT(env.stat("fetch.stall_rob_full"), 0u);
  EXPECT_EQ(env.stat("dram.reads"), 64u * 3u);
}
