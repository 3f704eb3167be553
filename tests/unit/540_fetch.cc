// 540_fetch: the matrix fetcher on the real HBM2 model: row jobs become request_bytes-sized
// requests, the DRAM model's byte counters equal the bytes of the rows moved (computed here),
// rows become valid in request order (reorder buffer), writes complete, and max_outstanding
// bounds the requests in flight.
#include <gtest/gtest.h>
#include <vector>
extern "C" {
#include "dram/dram.h"
#include "accel/fetch.h"
#include "base/stats.h"
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

// Packed rows (48 bytes: d = 64 x 6-bit MSB plane) on 32-byte requests. Expected request
// counts by hand: a row at byte offset s covers the requests floor(s/32) .. floor((s+47)/32);
// a read row whose first request is the previous row's last one shares it.
TEST(FetchPacked, ConsecutiveRowsShareTheRequestAtTheirBoundary) {
  Env env;
  const uint32_t n = 10;
  std::vector<cycle_t> cells(n);
  fetch_job j{n, nullptr, 0, nullptr, cells.data(), 8192, 48, 48};
  fetch_push(env.f, 1, &j, 0);
  ASSERT_NE(env.run(1), CYCLE_NEVER);
  // rows 0..9 span bytes 0..479 of the region: requests 0..14, 15 in all (1.5 per row)
  EXPECT_EQ(fetch_requests(env.f), 15u);
  EXPECT_EQ(env.stat("dram.reads"), 15u);
  EXPECT_EQ(fetch_useful_bytes(env.f, 1), n * 48u);
  cycle_t prev = 0;
  for (uint32_t i = 0; i < n; i++) {                // every row delivered, in order
    EXPECT_NE(cells[i], CYCLE_NEVER) << i;
    EXPECT_GE(cells[i], prev);
    prev = cells[i];
  }
}

TEST(FetchPacked, PrunedRowsShareOnlyWithTheirIssuedNeighbour) {
  Env env;
  // rows {0, 1, 3, 4, 6}: 0 -> req 0,1; 1 -> 1 (shared), 2; 3 -> req 4 (bytes 144..191:
  // 144/32 = 4, 191/32 = 5) 4, 5; 4 -> 6..7: bytes 192..239 -> 6, 7 (5 != 6, no share);
  // 6 -> bytes 288..335 -> 9, 10. Requests: 2 + 1 + 2 + 2 + 2 = 9.
  std::vector<uint32_t> ids = {0, 1, 3, 4, 6};
  std::vector<cycle_t> cells(8, 777);
  fetch_job j{(uint32_t)ids.size(), ids.data(), 0, nullptr, cells.data(), 0, 48, 48};
  fetch_push(env.f, 2, &j, 0);
  ASSERT_NE(env.run(1), CYCLE_NEVER);
  EXPECT_EQ(fetch_requests(env.f), 9u);
  for (uint32_t id : ids) EXPECT_NE(cells[id], CYCLE_NEVER);
  EXPECT_EQ(cells[2], 777u);
}

TEST(FetchPacked, RowsInsideTheSharedRequestNeedNoRequestOfTheirOwn) {
  Env env;
  // 12-byte rows (d = 8 x 12 bit): rows 0, 1 lie in request 0; row 2 (24..35) in 0 and 1;
  // rows 3..5 (36..71) in 1 and 2; rows 0..7 (0..95) need requests 0, 1, 2 only.
  std::vector<cycle_t> cells(8);
  fetch_job j{8, nullptr, 0, nullptr, cells.data(), 0, 12, 12};
  fetch_push(env.f, 1, &j, 0);
  ASSERT_NE(env.run(1), CYCLE_NEVER);
  EXPECT_EQ(fetch_requests(env.f), 3u);
  cycle_t prev = 0;
  for (uint32_t i = 0; i < 8; i++) {
    EXPECT_NE(cells[i], CYCLE_NEVER) << i;
    EXPECT_GE(cells[i], prev);
    prev = cells[i];
  }
}

TEST(FetchPacked, WritesNeverShare) {
  Env env;
  // two 48-byte rows written: 2 + 2 requests (a partial write per row)
  fetch_job j{2, nullptr, 0, nullptr, nullptr, 0, 48, 48};
  fetch_push(env.f, 5, &j, 0);
  ASSERT_NE(env.run(1), CYCLE_NEVER);
  EXPECT_EQ(env.stat("dram.writes"), 4u);
}
