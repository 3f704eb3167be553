// 330_dram_determinism: the same stream gives the same stats byte for byte, whether idle
// cycles are skipped or not, and whether controllers sleep until their next event or are
// scheduled every clock (style.md 2.6).
#include "300_dram_harness.h"

namespace {
// A mixed stream: bursts of sequential reads, random reads and writes, idle gaps that span
// refreshes, on every channel.
dram_stream mixed(const dram_cfg &cfg) {
  dram_stream s{};
  s.n = 6000;
  s.r = static_cast<dram_req *>(malloc(s.n * sizeof *s.r));
  uint64_t x = 88172645463325252ull, cyc = 0;
  for (size_t i = 0; i < s.n; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    if (i % 1000 == 999) cyc += 9000;          // idle gap longer than 2 x tREFI
    else cyc += x % 3;
    uint64_t a = (i % 4 == 0) ? (x >> 11) : (i * cfg.request_bytes);
    s.r[i].cycle = cyc;
    s.r[i].addr = a & (cfg.capacity_bytes - 1) & ~uint64_t(cfg.request_bytes - 1);
    s.r[i].is_write = (x >> 40) % 10 < 3;
  }
  return s;
}
std::string run_h(DramH &h, bool skip, bool exhaustive);
std::string run(const char *path, bool skip, bool exhaustive, void (*tweak)(dram_cfg *) = nullptr) {
  DramH h(path, tweak);
  return run_h(h, skip, exhaustive);
}
std::string run_json(const char *json, bool skip, bool exhaustive) {
  DramH h(std::string(json), "variant.json");
  return run_h(h, skip, exhaustive);
}
std::string run_h(DramH &h, bool skip, bool exhaustive) {
  dram_set_exhaustive(h.d, exhaustive);
  dram_stream s = mixed(h.cfg);
  dram_replay_stats rs{};
  sim_err e{};
  EXPECT_EQ(dram_replay(h.d, &s, nullptr, skip, &rs, &e), SIM_OK);
  dram_update_stats(h.d);
  dram_stream_free(&s);
  EXPECT_EQ(h.stat("dram.reads") + h.stat("dram.writes"), 6000u);
  return dram_stats_text(h.st) + "end=" + std::to_string(rs.end_cycle) +
         " delayed=" + std::to_string(rs.delayed_requests) +
         " bp=" + std::to_string(rs.backpressure_cycles);
}
void closed(dram_cfg *c) { c->ctrl.page_policy = DRAM_CLOSED_PAGE; }
}  // namespace

TEST(DramDeterminism, SkippingIdleCyclesGivesByteIdenticalStats) {
  for (const char *p : {"configs/dram/hbm2.json", "configs/dram/hbm2-spatten.json",
                        "configs/dram/ddr4-2400.json", "configs/dram/lpddr5-6400.json"}) {
    std::string a = run(p, true, false), b = run(p, false, false), c = run(p, false, true);
    EXPECT_EQ(a, b) << p;
    EXPECT_EQ(a, c) << p;
    EXPECT_NE(a.find("dram.cmd_ref"), std::string::npos);
  }
  EXPECT_EQ(run("configs/dram/hbm2.json", true, false, closed),
            run("configs/dram/hbm2.json", false, true, closed));
  EXPECT_EQ(run("configs/dram/lpddr5-6400.json", true, false, closed),
            run("configs/dram/lpddr5-6400.json", false, true, closed));
}

TEST(DramDeterminism, SkippingIsExactWithTwoRanksAndTinyQueuesToo) {
  // two ranks exercise the rank-to-rank rules; 4-entry queues with watermarks 3/1 make
  // back-pressure and write drains frequent
  const char *variants[] = {
    R"({"include": "configs/dram/ddr4-2400.json", "org": {"ranks": 2}})",
    R"({"include": "configs/dram/hbm2.json", "org": {"ranks": 2},
        "controller": {"read_queue": 4, "write_queue": 4, "write_high": 3, "write_low": 1}})",
    R"({"include": "configs/dram/hbm2-spatten.json", "controller": {"page_policy": "closed",
        "read_queue": 2, "write_queue": 2, "write_high": 2, "write_low": 0, "frontend_latency": 3}})",
  };
  for (const char *v : variants) {
    std::string a = run_json(v, true, false);
    EXPECT_EQ(a, run_json(v, false, false)) << v;
    EXPECT_EQ(a, run_json(v, false, true)) << v;
  }
}

TEST(DramDeterminism, SameStreamSameStatsEveryRun) {
  std::string a = run("configs/dram/hbm2-spatten.json", true, false);
  for (int i = 0; i < 3; i++) EXPECT_EQ(run("configs/dram/hbm2-spatten.json", true, false), a);
}

TEST(DramDeterminism, SkipToNeverPassesAnEventAndTheModelKeepsItsClock) {
  DramH h("configs/dram/hbm2.json");
  EXPECT_EQ(dram_next_event(h.d), 3900u);  // idle: the first refresh is the next event
  dram_skip_to(h.d, 3900);
  EXPECT_EQ(dram_cycle(h.d), 3900u);
  h.send(h.addr(1, 0, 0, 0), false, 1);
  EXPECT_EQ(dram_next_event(h.d), 3900u);  // the refresh itself issues now
  h.tick();
  EXPECT_EQ(dram_next_event(h.d), 3901u);  // the request becomes visible (it will wait tRFC)
  EXPECT_FALSE(dram_idle(h.d));
}

TEST(DramDeterminism, RandomControllerSettingsNeverMakeSkippingDiffer) {
  // differential check of the scheduling caches: random queue sizes, watermarks, front-end
  // latency, page policy, ranks, command bus; every clock vs. sleep-until-next-event.
  // DRAM_FUZZ_N=300 runs more variants (passed 300 when written).
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto rnd = [&](uint64_t n) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x % n; };
  for (int k = 0; k < (getenv("DRAM_FUZZ_N") ? atoi(getenv("DRAM_FUZZ_N")) : 10); k++) {
    unsigned rq = 1 + unsigned(rnd(12)), wq = 2 + unsigned(rnd(12));
    unsigned hi = 1 + unsigned(rnd(wq)), lo = unsigned(rnd(hi));
    char json[512];
    snprintf(json, sizeof json,
             R"({"include": "configs/dram/%s", "org": {"ranks": %u},
                 "controller": {"read_queue": %u, "write_queue": %u, "write_high": %u,
                 "write_low": %u, "frontend_latency": %u, "page_policy": "%s", "dual_cmd_bus": %s}})",
             k % 2 ? "ddr4-2400.json" : "hbm2.json", 1u << rnd(3), rq, wq, hi, lo,
             1 + unsigned(rnd(4)), rnd(2) ? "open" : "closed", rnd(2) ? "true" : "false");
    std::string a = run_json(json, true, false);
    EXPECT_EQ(a, run_json(json, false, true)) << json;
  }
}

namespace {
// The replay keeps no completions (dram_set_discard_done), only the last one's cycle. This
// driver is the replay loop as it was before that: it pops every completion as it becomes due
// and skips only to the next event of any kind (the earliest completion included).
std::string run_popping(DramH &h) {
  dram_stream s = mixed(h.cfg);
  uint64_t tag = 0, delayed = 0, bp = 0, popped = 0, last = 0;
  size_t i = 0;
  for (;;) {
    uint64_t now = dram_cycle(h.d), t;
    bool w;
    while (dram_pop_done(h.d, &t, &w)) { popped++; last = now; }
    for (; i < s.n && s.r[i].cycle <= now; i++, tag++) {
      if (!dram_try_send(h.d, s.r[i].addr, s.r[i].is_write, tag)) break;
      if (now > s.r[i].cycle) { delayed++; bp += now - s.r[i].cycle; }
    }
    if (i == s.n && dram_idle(h.d)) break;
    uint64_t target = dram_next_event(h.d);
    if (i < s.n && s.r[i].cycle > now && s.r[i].cycle < target) target = s.r[i].cycle;
    if (target > now) dram_skip_to(h.d, target);
    else dram_tick(h.d);
  }
  dram_update_stats(h.d);
  dram_stream_free(&s);
  EXPECT_EQ(popped, 6000u);
  EXPECT_EQ(last, dram_cycle(h.d));         // the run ends when the last completion is due
  return dram_stats_text(h.st) + "end=" + std::to_string(dram_cycle(h.d)) +
         " delayed=" + std::to_string(delayed) + " bp=" + std::to_string(bp);
}
}  // namespace

TEST(DramDeterminism, ReplayThatDiscardsCompletionsEqualsADriverThatPopsThem) {
  // same stats, end cycle and back-pressure: the cycles at which earlier completions fall
  // cannot change what is sent (only command issues make room in the queues)
  const char *variants[] = {
    R"({"include": "configs/dram/hbm2-spatten.json"})",
    R"({"include": "configs/dram/ddr4-2400.json", "org": {"ranks": 2}})",
    R"({"include": "configs/dram/hbm2.json", "controller": {"read_queue": 4, "write_queue": 4,
        "write_high": 3, "write_low": 1, "page_policy": "closed"}})",
    R"({"include": "configs/dram/lpddr5-6400.json", "controller": {"bank_queue": 0,
        "drain_policy": "strict", "write_forwarding": false}})",
  };
  for (const char *v : variants) {
    DramH a(std::string(v), "variant.json");
    std::string popping = run_popping(a);
    EXPECT_EQ(run_json(v, true, false), popping) << v;
    EXPECT_EQ(run_json(v, false, false), popping) << v;
    // the replay leaves the model delivering completions again
    DramH b(std::string(v), "variant.json");
    dram_stream s = mixed(b.cfg);
    dram_replay_stats rs{};
    sim_err e{};
    ASSERT_EQ(dram_replay(b.d, &s, nullptr, true, &rs, &e), SIM_OK);
    dram_stream_free(&s);
    b.send(0, false, 7);
    EXPECT_GT(b.run_until(7), rs.end_cycle) << v;
  }
}
