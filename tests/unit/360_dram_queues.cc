// 360_dram_queues: the controller's structure (docs/dram.md section 5): per-bank command queues
// fed from the transaction queue, the row-hit cap, the write-drain policies and read-after-write
// forwarding. Every expected value is computed by hand from the queue depths and the hbm2
// timing table: tRCD 14, CL 14, CWL 4, BL/2 2, tRP 14, tRAS 34, tRTP_L 6, tWTR_S 6, tRRD_S 4,
// tFAW 30, tRFC 260, tREFI 3900, tCCD_L 2; front-end latency F = 1.
#include "300_dram_harness.h"

#include <map>
#include <set>

namespace {
constexpr uint64_t tRCD = 14, CL = 14, CWL = 4, BL2 = 2, tRP = 14, tRAS = 34, tRTP_L = 6,
                   tWTR_S = 6, tFAW = 30, tRFC = 260, tREFI = 3900, tCCD_L = 2;

// the hbm2 table with its controller replaced: the old controller's settings, overridden by
// the fields given (a JSON fragment)
std::string ctrl(const std::string &fields) {
  const std::pair<const char *, const char *> base[] = {
    {"page_policy", "\"open\""}, {"read_queue", "32"}, {"write_queue", "32"}, {"write_high", "24"},
    {"write_low", "8"}, {"frontend_latency", "1"}, {"dual_cmd_bus", "true"}, {"bank_queue", "0"},
    {"row_hit_cap", "0"}, {"drain_policy", "\"strict\""}, {"write_forwarding", "false"}};
  std::string j = fields;
  for (auto &b : base)
    if (fields.find(std::string("\"") + b.first + "\"") == std::string::npos)
      j += std::string(j.empty() ? "" : ", ") + "\"" + b.first + "\": " + b.second;
  return R"({"include": "configs/dram/hbm2.json", "controller": {)" + j + "}}";
}

std::vector<uint64_t> order(const DramH &h) {
  std::vector<uint64_t> v;
  for (auto &p : h.done) v.push_back(p.first);
  return v;
}
uint64_t done_at(const DramH &h, uint64_t tag) {
  for (auto &p : h.done) if (p.first == tag) return p.second;
  ADD_FAILURE() << "tag " << tag << " not done";
  return 0;
}

// Saturated random reads on channel 0: random rows, banks in rotation (bank group first), so
// that every bank queue stays full and tFAW is the only bound. Returns mean latency and
// throughput (reads per clock).
struct Sat { double lat, thr; };
Sat saturate(const std::string &json, uint64_t n) {
  DramH h(json, "sat.json");
  dram_stream s{};
  s.n = n;
  s.r = static_cast<dram_req *>(malloc(n * sizeof *s.r));
  uint64_t x = 0x2545F4914F6CDD1Dull;
  for (uint64_t i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    s.r[i] = {0, h.addr(0, i % 4, (i / 4) % 4, x % h.cfg.org.rows, (x >> 20) % 16), false};
  }
  dram_replay_stats rs{};
  sim_err e{};
  EXPECT_EQ(dram_replay(h.d, &s, nullptr, true, &rs, &e), SIM_OK);
  dram_update_stats(h.d);
  dram_stream_free(&s);
  EXPECT_EQ(h.stat("dram.reads"), n);
  return { double(h.stat("dram.read_latency_sum")) / double(n), double(n) / double(h.stat("dram.cycles")) };
}
}  // namespace

TEST(DramQueues, SaturatedRandomReadsObeyLittlesLawWithTheQueueDepths) {
  // Throughput: four ACTs per tFAW, one read per ACT, less refresh:
  //   lambda = 4 / 30 x (1 - 260 / 3900) = 0.12444 reads per clock.
  // Reads in flight: the transaction queue (T) and every bank queue (16 x B) are full, plus
  // those whose RD has issued and whose data is on its way (lambda x (CL + BL/2)):
  //   W = L / lambda = (T + 16 B) / lambda + CL + BL/2.
  const double lambda = 4.0 / double(tFAW) * (1.0 - double(tRFC) / double(tREFI));
  struct { const char *f; double inflight; } cases[] = {
    {"", 32},                                   // no bank queues: the 32-entry read queue
    {R"("bank_queue": 2)", 32 + 16 * 2},
    {R"("bank_queue": 8)", 32 + 16 * 8},        // DRAMSim3-like: 32 + 8 per bank = 160
    {R"("read_queue": 8, "write_high": 8, "write_low": 4, "write_queue": 8, "bank_queue": 4)", 8 + 16 * 4},
  };
  for (auto &c : cases) {
    Sat r = saturate(ctrl(c.f), 40000);
    double want = c.inflight / lambda + double(CL + BL2);
    EXPECT_NEAR(r.thr, lambda, 0.02 * lambda) << c.f;
    EXPECT_NEAR(r.lat, want, 0.03 * want) << c.f << " (in flight " << c.inflight << ")";
  }
}

TEST(DramQueues, ABankQueueServesItsRequestsInOrderAndFeedsFromTheTransactionQueue) {
  // Four reads to one bank, sent together: A row 1, B row 2, C row 1, D row 1.
  // Without bank queues FR-FCFS serves the row-1 hits first: A, C, D, then B.
  {
    DramH h(ctrl(""), "q0.json");
    const uint64_t rows[] = {1, 2, 1, 1};
    for (uint64_t i = 0; i < 4; i++) h.send(h.addr(0, 0, 0, rows[i], i), false, i);
    h.run_until(1);
    EXPECT_EQ(order(h), (std::vector<uint64_t>{0, 2, 3, 1}));
  }
  // With a one-entry bank queue the bank sees one request at a time: A, B, C, D in order.
  //   A: ACT 1, RD 15, done 31. B enters when A's RD issues (15): PRE at
  //   max(1 + tRAS, 15 + tRTP_L) = 35, ACT 49, RD 63, done 79. C enters at 63: PRE at
  //   max(49 + tRAS, 63 + tRTP_L) = 83, ACT 97, RD 111, done 127. D enters at 111, a hit:
  //   RD at 111 + tCCD_L = 113, done 129.
  {
    DramH h(ctrl(R"("bank_queue": 1)"), "q1.json");
    const uint64_t rows[] = {1, 2, 1, 1};
    for (uint64_t i = 0; i < 4; i++) h.send(h.addr(0, 0, 0, rows[i], i), false, i);
    h.run_until(3);
    EXPECT_EQ(order(h), (std::vector<uint64_t>{0, 1, 2, 3}));
    EXPECT_EQ(done_at(h, 0), 1 + tRCD + CL + BL2);
    uint64_t act_b = 1 + tRAS + tRP, act_c = act_b + tRAS + tRP;
    EXPECT_EQ(done_at(h, 1), act_b + tRCD + CL + BL2);                    // 79
    EXPECT_EQ(done_at(h, 2), act_c + tRCD + CL + BL2);                    // 127
    EXPECT_EQ(done_at(h, 3), act_c + tRCD + tCCD_L + CL + BL2);           // 129
    EXPECT_EQ(h.stat("dram.row_conflicts"), 2u);
    EXPECT_EQ(h.stat("dram.row_hits"), 1u);
  }
}

TEST(DramQueues, RoundRobinArbitrationRotatesRowCommandsOverTheBanks) {
  // Four reads to closed banks of four bank groups (flat bank = 4 x group: 8, 4, then 0, 12),
  // ACTs tRRD_S = 4 apart: A (bank 8) and B (bank 4) sent at cycle 0, C (bank 0) and D (bank 12)
  // at cycle 6, all visible one clock later. Each read completes ACT + tRCD + CL + BL/2 = ACT + 30.
  //   oldest:      A @1, B @5, C @9, D @13 (the oldest request's bank first)
  //   round_robin: banks in rotation from 0: B (4) @1, A (8) @5; then from bank 9 on: D (12)
  //                @9 before C (0) @13, although C is older.
  const uint64_t bank_bg[] = {2, 1, 0, 3};      // A, B, C, D: bank group (bank 0 of it)
  for (int rr = 0; rr < 2; rr++) {
    DramH h(ctrl(rr ? R"("bank_queue": 8, "bank_arbitration": "round_robin")" : R"("bank_queue": 8)"), "rr.json");
    h.send(h.addr(0, bank_bg[0], 0, 5), false, 0);
    h.send(h.addr(0, bank_bg[1], 0, 5), false, 1);
    h.tick_to(6);
    h.send(h.addr(0, bank_bg[2], 0, 5), false, 2);
    h.send(h.addr(0, bank_bg[3], 0, 5), false, 3);
    for (uint64_t t = 0; t < 4; t++) h.run_until(t);
    const uint64_t act_oldest[] = {1, 5, 9, 13}, act_rr[] = {5, 1, 13, 9};
    for (uint64_t t = 0; t < 4; t++)
      EXPECT_EQ(done_at(h, t), (rr ? act_rr : act_oldest)[t] + tRCD + CL + BL2) << "rr " << rr << " tag " << t;
  }
}

TEST(DramQueues, TheTransactionQueueRefusesWhenFullAndBankQueuesAddToTheCapacity) {
  // T = 4, B = 2: sent in one clock, four requests fill the transaction queue (they enter the
  // bank queues when visible); after one clock two of them (one bank) moved on, so two more fit.
  DramH h(ctrl(R"("read_queue": 4, "write_high": 4, "write_low": 1, "write_queue": 4, "bank_queue": 2)"), "t.json");
  for (uint64_t i = 0; i < 4; i++) h.send(h.addr(0, 0, 0, i), false, i);
  EXPECT_FALSE(dram_can_accept(h.d, h.addr(0, 1, 0, 0), false));
  h.tick();
  h.tick();
  EXPECT_TRUE(dram_can_accept(h.d, h.addr(0, 1, 0, 0), false));
  h.send(h.addr(0, 1, 0, 0), false, 4);
  h.send(h.addr(0, 2, 0, 0), false, 5);
  EXPECT_FALSE(dram_can_accept(h.d, h.addr(0, 3, 0, 0), false));
  h.run_until(3, 10000);
  h.run_until(4, 10000);
  h.run_until(5, 10000);
  EXPECT_EQ(h.done.size(), 6u);
}

TEST(DramQueues, TheRowHitCapLetsAWaitingConflictCloseTheRow) {
  // One bank: A row 1, X row 2, then H1, H2, H3 to row 1, all sent at cycle 0.
  // No cap: A, H1, H2, H3 (row hits first), then X.
  // Cap 2: after A and H1 (two column commands on row 1) X may close the row: PRE at
  //   max(1 + tRAS, 17 + tRTP_L) = 35, ACT 49, X's RD 63 (done 79); H2 and H3 then need row 1
  //   again: PRE at max(49 + tRAS, 63 + tRTP_L) = 83, ACT 97, RD 111 and 113.
  const uint64_t rows[] = {1, 2, 1, 1, 1};
  {
    DramH h(ctrl(""), "c0.json");
    for (uint64_t i = 0; i < 5; i++) h.send(h.addr(0, 0, 0, rows[i], i), false, i);
    h.run_until(1);
    EXPECT_EQ(order(h), (std::vector<uint64_t>{0, 2, 3, 4, 1}));
    EXPECT_EQ(h.stat("dram.row_hit_cap_closes"), 0u);
  }
  {
    DramH h(ctrl(R"("row_hit_cap": 2)"), "c2.json");
    for (uint64_t i = 0; i < 5; i++) h.send(h.addr(0, 0, 0, rows[i], i), false, i);
    h.run_until(4);
    EXPECT_EQ(order(h), (std::vector<uint64_t>{0, 2, 1, 3, 4}));
    EXPECT_EQ(done_at(h, 1), 1 + tRAS + tRP + tRCD + CL + BL2);              // 79
    uint64_t act3 = 1 + 2 * (tRAS + tRP);                                    // 97
    EXPECT_EQ(done_at(h, 3), act3 + tRCD + CL + BL2);                         // 127
    EXPECT_EQ(done_at(h, 4), act3 + tRCD + tCCD_L + CL + BL2);                // 129
    EXPECT_EQ(h.stat("dram.row_hit_cap_closes"), 1u);
    EXPECT_EQ(h.stat("dram.cmd_act"), 3u);
  }
}

TEST(DramQueues, KeepReadRowsDrainDoesNotCloseARowThatQueuedReadsHit) {
  // R1 opens row 1 of bank (bg0, ba0) (ACT 1) and completes at 31. At cycle 40: W1 (bg0 row 2,
  // a conflict), W2 (bg1), W3 (bg2), then R2 (bg0 row 1, a hit). Watermarks 3/1: drain starts
  // at 41 (visible).
  //  strict: PRE row 1 for W1 at 41; ACT W2 42, W3 46 (tRRD_S), W1 55 (41 + tRP); WR W2 56,
  //    W3 60: one write left (<= low) and a read waits, so reads go first: R2 must close row 2
  //    again (PRE 1 + ... at 55 + tRAS = 89) and W1 must reopen it later.
  //    ACTs: R1, W2, W3, W1, R2, W1 = 6; conflicts W1 and R2 = 2.
  //  keep_read_rows: W1 waits while W2, W3 drain (ACT 41 and 45, WR 55 and 59); with one write
  //    left and a read waiting, R2 reads row 1 at 59 + CWL + BL/2 + tWTR_S = 71 (other bank
  //    group), done 87; then W1: PRE at 71 + tRTP_L = 77, ACT 91, WR 105, done 111.
  //    ACTs: R1, W2, W3, W1 = 4; conflicts W1 = 1.
  for (int keep = 0; keep < 2; keep++) {
    DramH h(ctrl(keep ? R"("write_high": 3, "write_low": 1, "drain_policy": "keep_read_rows")"
                      : R"("write_high": 3, "write_low": 1)"), "k.json");
    h.send(h.addr(0, 0, 0, 1, 0), false, 1);
    h.run_until(1);
    h.tick_to(40);
    h.send(h.addr(0, 0, 0, 2, 0), true, 11);
    h.send(h.addr(0, 1, 0, 0, 0), true, 12);
    h.send(h.addr(0, 2, 0, 0, 0), true, 13);
    h.send(h.addr(0, 0, 0, 1, 1), false, 2);
    h.run_until(11);
    h.run_until(2);
    ASSERT_EQ(h.done.size(), 5u);
    EXPECT_EQ(h.stat("dram.cmd_act"), keep ? 4u : 6u) << keep;
    EXPECT_EQ(h.stat("dram.row_conflicts"), keep ? 1u : 2u) << keep;
    if (keep) {
      EXPECT_EQ(order(h), (std::vector<uint64_t>{1, 12, 13, 2, 11}));
      EXPECT_EQ(done_at(h, 2), 59 + CWL + BL2 + tWTR_S + CL + BL2);          // 87
      EXPECT_EQ(done_at(h, 11), 71 + tRTP_L + tRP + tRCD + CWL + BL2);       // 111
    }
  }
}

TEST(DramQueues, AdmissionScopeServesBankQueuedReadsDuringAWriteDrain) {
  // Banks A = (bg0, ba0) and B = (bg1, ba0). R0 opens row 1 of B (ACT 1, RD 15). At cycle 40:
  // R1 (A row 1, a closed bank), W1..W4 (B row 1, hits) and W5 (B row 2, a conflict), visible
  // at 41; watermarks 2/0, so the drain starts at 41 and lasts until W5 is written.
  //   W1..W4: WR at 41, 43, 45, 47 (max(tCCD_L, BL/2) = 2 apart). W5: PRE when no write hits
  //   row 1 any more, at max(1 + tRAS, 47 + CWL + BL/2 + tWR) = 69, ACT 83, WR 97, done 103.
  //   admission: R1 entered its bank queue at 41 (read mode), before the drain began, so it is
  //     served during the drain: ACT 41 (with W1's WR), RD at max(41 + tRCD, W4's WR 47 +
  //     CWL + BL/2 + tWTR_S = 59) = 59 (the write-to-read turnaround binds), done 75.
  //   issue: only writes issue until the drain ends (W5's WR at 97, read mode from 98): ACT 98,
  //     RD at max(98 + tRCD, 97 + CWL + BL/2 + tWTR_S) = 112, done 128.
  const uint64_t tWR = 16;
  for (int adm = 0; adm < 2; adm++) {
    DramH h(ctrl(adm ? R"("write_high": 2, "write_low": 0, "bank_queue": 8, "mode_scope": "admission")"
                     : R"("write_high": 2, "write_low": 0, "bank_queue": 8)"), "ms.json");
    h.send(h.addr(0, 1, 0, 1, 0), false, 0);
    h.run_until(0);
    h.tick_to(40);
    h.send(h.addr(0, 0, 0, 1, 0), false, 1);
    for (uint64_t i = 1; i <= 4; i++) h.send(h.addr(0, 1, 0, 1, i), true, 10 + i);
    h.send(h.addr(0, 1, 0, 2, 0), true, 15);
    h.run_until(1);
    h.run_until(15);
    const uint64_t wr4 = 41 + 3 * 2, pre5 = wr4 + CWL + BL2 + tWR, wr5 = pre5 + tRP + tRCD;
    EXPECT_EQ(pre5, 69u);
    EXPECT_EQ(done_at(h, 15), wr5 + CWL + BL2) << adm;                               // 103
    if (adm) EXPECT_EQ(done_at(h, 1), wr4 + CWL + BL2 + tWTR_S + CL + BL2);           // 75
    else EXPECT_EQ(done_at(h, 1), wr5 + 1 + tRCD + CL + BL2);                         // 128
    EXPECT_EQ(h.stat("dram.write_drains"), 1u) << adm;
    EXPECT_EQ(h.stat("dram.cmd_act"), 3u) << adm;
  }
}

TEST(DramQueues, AReadOfAQueuedWriteIsForwardedAfterTheFrontEndLatency) {
  DramH h(ctrl(R"("write_forwarding": true)"), "f.json");
  uint64_t a = h.addr(0, 0, 0, 3, 5);
  h.send(a, true, 1);
  h.send(a, false, 2);                      // the write is still queued: forwarded
  h.send(h.addr(1, 0, 0, 3, 5), false, 3);  // another channel: a normal read to a closed bank
  EXPECT_EQ(h.run_until(2), 1u);            // F = 1
  h.run_until(1);
  h.run_until(3);
  EXPECT_EQ(h.stat("dram.reads_forwarded"), 1u);
  EXPECT_EQ(h.stat("dram.reads"), 2u);
  EXPECT_EQ(h.stat("dram.cmd_rd"), 1u);
  EXPECT_EQ(h.stat("dram.read_latency_max"), 1 + tRCD + CL + BL2);
}

TEST(DramQueues, MixedTrafficLosesAndReordersNothingUnderEveryPolicy) {
  // Random reads and writes to a few rows of a few banks with tiny queues: every request
  // completes exactly once, and requests of one direction to one address complete in the
  // order they were sent (FR-FCFS never passes an older request to the same row, and bank
  // queues are fed in arrival order); skipping idle clocks or not gives the same statistics.
  const char *variants[] = {
    R"("read_queue": 3, "write_queue": 3, "write_high": 2, "write_low": 0, "bank_queue": 1, "row_hit_cap": 1)",
    R"("read_queue": 4, "write_queue": 6, "write_high": 5, "write_low": 2, "bank_queue": 2, "drain_policy": "keep_read_rows", "write_forwarding": true)",
    R"("bank_queue": 8, "row_hit_cap": 4, "drain_policy": "keep_read_rows", "write_forwarding": true, "page_policy": "closed")",
    R"("read_queue": 2, "write_queue": 2, "write_high": 2, "write_low": 1, "row_hit_cap": 3, "drain_policy": "keep_read_rows", "dual_cmd_bus": false)",
    R"("read_queue": 4, "write_queue": 4, "write_high": 3, "write_low": 1, "bank_queue": 2, "row_hit_cap": 2, "drain_policy": "keep_read_rows", "bank_arbitration": "round_robin")",
    R"("read_queue": 5, "write_queue": 3, "write_high": 3, "write_low": 0, "bank_arbitration": "round_robin", "dual_cmd_bus": false)",
    R"("read_queue": 3, "write_queue": 3, "write_high": 2, "write_low": 0, "bank_queue": 1, "row_hit_cap": 1, "mode_scope": "admission")",
    R"("read_queue": 4, "write_queue": 6, "write_high": 5, "write_low": 2, "bank_queue": 2, "drain_policy": "keep_read_rows", "write_forwarding": true, "mode_scope": "admission", "dual_cmd_bus": false)",
    R"("read_queue": 4, "write_queue": 4, "write_high": 3, "write_low": 1, "bank_queue": 2, "row_hit_cap": 2, "bank_arbitration": "round_robin", "mode_scope": "admission")",
    R"("bank_queue": 8, "row_hit_cap": 4, "drain_policy": "keep_read_rows", "page_policy": "closed", "bank_arbitration": "round_robin", "mode_scope": "admission")",
  };
  for (const char *v : variants) {
    std::string text[2];
    for (int skip = 0; skip < 2; skip++) {
      DramH h(ctrl(v), "m.json");
      dram_set_exhaustive(h.d, !skip);
      uint64_t x = 88172645463325252ull, tag = 0;
      std::map<uint64_t, std::vector<uint64_t>> sent[2];   // per direction, address -> tags
      std::vector<std::pair<uint64_t, bool>> pending;
      for (int i = 0; i < 3000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t a = h.addr(x % 2, (x >> 8) % 2, (x >> 10) % 2, (x >> 12) % 3, (x >> 16) % 4);
        bool w = (x >> 30) % 3 == 0;
        pending.push_back({a, w});
      }
      size_t next = 0;
      while ((next < pending.size() || !dram_idle(h.d)) && dram_cycle(h.d) < 2000000) {
        while (next < pending.size() && dram_can_accept(h.d, pending[next].first, pending[next].second)) {
          sent[pending[next].second][pending[next].first].push_back(tag);
          dram_send(h.d, pending[next].first, pending[next].second, tag++);
          next++;
        }
        uint64_t e = dram_next_event(h.d);
        if (skip && e > dram_cycle(h.d)) {     // skip, then pop as tick() does
          dram_skip_to(h.d, e);
          uint64_t t; bool w;
          while (dram_pop_done(h.d, &t, &w)) h.done.push_back({t, dram_cycle(h.d)});
          continue;
        }
        h.tick();
      }
      ASSERT_EQ(next, pending.size()) << v;
      ASSERT_TRUE(dram_idle(h.d)) << v;
      std::set<uint64_t> seen;
      std::map<uint64_t, size_t> pos;
      for (size_t i = 0; i < h.done.size(); i++) {
        EXPECT_TRUE(seen.insert(h.done[i].first).second) << "tag twice: " << h.done[i].first;
        pos[h.done[i].first] = i;
      }
      EXPECT_EQ(seen.size(), pending.size()) << v;
      // (a forwarded read completes at once, before older reads of its address that went to
      // the DRAM: allowed, it returns newer data; so reads are checked without forwarding)
      bool fwd = std::string(v).find("forwarding") != std::string::npos;
      for (int w = fwd ? 1 : 0; w < 2; w++)
        for (auto &kv : sent[w])
          for (size_t j = 1; j < kv.second.size(); j++)
            EXPECT_LT(pos[kv.second[j - 1]], pos[kv.second[j]]) << v << " addr " << kv.first;
      dram_update_stats(h.d);
      text[skip] = dram_stats_text(h.st);
    }
    EXPECT_EQ(text[0], text[1]) << v;
  }
}

TEST(DramQueues, RandomControllerStructuresNeverMakeSkippingDiffer) {
  // as DramDeterminism.RandomControllerSettingsNeverMakeSkippingDiffer, with the new fields
  uint64_t x = 0xD1B54A32D192ED03ull;
  auto rnd = [&](uint64_t n) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x % n; };
  const char *drain[] = {"strict", "keep_read_rows"};
  for (int k = 0; k < (getenv("DRAM_FUZZ_N") ? atoi(getenv("DRAM_FUZZ_N")) : 12); k++) {
    unsigned rq = 1 + unsigned(rnd(12)), wq = 2 + unsigned(rnd(12));
    unsigned hi = 1 + unsigned(rnd(wq)), lo = unsigned(rnd(hi));
    // mode_scope admission needs bank queues: the last third of the cases, with 1 to 4
    const bool adm = k % 3 == 2;
    char json[768];
    snprintf(json, sizeof json,
             R"({"include": "configs/dram/%s", "controller": {"read_queue": %u, "write_queue": %u,
                 "write_high": %u, "write_low": %u, "frontend_latency": %u, "page_policy": "%s",
                 "dual_cmd_bus": %s, "bank_queue": %u, "row_hit_cap": %u, "drain_policy": "%s",
                 "write_forwarding": %s, "bank_arbitration": "%s", "mode_scope": "%s"}})",
             k % 2 ? "ddr4-2400.json" : "hbm2.json", rq, wq, hi, lo, 1 + unsigned(rnd(3)),
             rnd(2) ? "open" : "closed", rnd(2) ? "true" : "false", adm ? 1 + unsigned(rnd(4)) : unsigned(rnd(5)),
             unsigned(rnd(5)), drain[rnd(2)], rnd(2) ? "true" : "false",
             k % 4 < 2 ? "oldest" : "round_robin", adm ? "admission" : "issue");
    std::string s[2];
    for (int skip = 0; skip < 2; skip++) {
      DramH h(std::string(json), "r.json");
      dram_set_exhaustive(h.d, !skip);
      dram_gen g;
      dram_gen_init(&g, &h.cfg, k % 3 ? DRAM_GEN_RANDOM : DRAM_GEN_SEQ, 4000, 3 + k, k % 4, 60);
      dram_replay_stats rs{};
      sim_err e{};
      EXPECT_EQ(dram_replay(h.d, nullptr, &g, skip, &rs, &e), SIM_OK);
      dram_update_stats(h.d);
      s[skip] = dram_stats_text(h.st) + std::to_string(rs.end_cycle);
      EXPECT_EQ(h.stat("dram.reads") + h.stat("dram.writes"), 4000u) << json;
    }
    EXPECT_EQ(s[0], s[1]) << json;
  }
}
