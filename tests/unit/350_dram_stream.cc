// 350_dram_stream: the request-stream text format and its one-line errors, and the generator.
#include "300_dram_harness.h"
extern "C" {
#include "dram/dram_stream.h"
}

namespace {
std::string parse_err(const DramH &h, const char *text) {
  dram_stream s{};
  sim_err e{};
  EXPECT_EQ(dram_stream_parse("s.trc", text, &h.cfg, &s, &e), SIM_ETRACE) << text;
  EXPECT_EQ(s.r, nullptr);
  return e.msg;
}
}  // namespace

TEST(DramStream, ParsesCycleHexAddressAndOperationWithComments) {
  DramH h("configs/dram/hbm2.json");
  dram_stream s{};
  sim_err e{};
  const char *txt = "# a comment\n\n0 0x40 R\n  3\t1c0 W   # trailing comment\n3 0X80 READ\n9 0 WRITE";
  ASSERT_EQ(dram_stream_parse("s.trc", txt, &h.cfg, &s, &e), SIM_OK) << e.msg;
  ASSERT_EQ(s.n, 4u);
  EXPECT_EQ(s.r[0].cycle, 0u); EXPECT_EQ(s.r[0].addr, 0x40u); EXPECT_FALSE(s.r[0].is_write);
  EXPECT_EQ(s.r[1].cycle, 3u); EXPECT_EQ(s.r[1].addr, 0x1c0u); EXPECT_TRUE(s.r[1].is_write);
  EXPECT_EQ(s.r[2].addr, 0x80u); EXPECT_FALSE(s.r[2].is_write);
  EXPECT_EQ(s.r[3].cycle, 9u); EXPECT_TRUE(s.r[3].is_write);
  dram_stream_free(&s);
}

TEST(DramStream, EachMalformedLineIsOneErrorWithFileAndLine) {
  DramH h("configs/dram/hbm2.json");
  EXPECT_EQ(parse_err(h, "0 0x40 R\n5 0x40\n"),
            "s.trc:2: missing field: want '<cycle> <hex address> <R|W>'");
  EXPECT_EQ(parse_err(h, "0 0xZZ R\n"), "s.trc:1: bad hex address '0xZZ'");
  EXPECT_EQ(parse_err(h, "x1 0x40 R\n"), "s.trc:1: bad cycle 'x1' (want a decimal number)");
  EXPECT_EQ(parse_err(h, "0 0x40 Q\n"), "s.trc:1: unknown operation 'Q' (want R or W)");
  EXPECT_EQ(parse_err(h, "5 0x40 R\n4 0x80 R\n"),
            "s.trc:2: cycle 4 is before the previous request's cycle 5");
  EXPECT_EQ(parse_err(h, "0 0x100000000 R\n"),
            "s.trc:1: address 0x100000000 is beyond the capacity 0x100000000");
  EXPECT_EQ(parse_err(h, "0 0x41 R\n"),
            "s.trc:1: address 0x41 is not aligned to the 64-byte request size");
  EXPECT_EQ(parse_err(h, "0 0x40 R extra\n"), "s.trc:1: unexpected 'extra' after the operation");
}

TEST(DramStream, CycleIsCappedAtOneBillionClocksWithARangeError) {
  // docs/dram.md section 9: cycles 0 to 10^9 (an idle gap of 10^9 clocks replays in well under a
  // second; 10^19 would take years). The literals below are the documented bound, not the macro.
  DramH h("configs/dram/hbm2.json");
  EXPECT_EQ(DRAM_STREAM_MAX_CYCLE, 1000000000u);
  dram_stream s{};
  sim_err e{};
  ASSERT_EQ(dram_stream_parse("s.trc", "0 0x0 R\n1000000000 0x40 R\n", &h.cfg, &s, &e), SIM_OK) << e.msg;
  ASSERT_EQ(s.n, 2u);
  EXPECT_EQ(s.r[1].cycle, 1000000000u);
  // the last allowed cycle replays: channel 1 (address bit 6) is idle and precharged then (its
  // refresh due at 256410 x tREFI 3900 = 999999000 ends at +tRFC 260), so the read takes the
  // closed-bank latency 1 + tRCD 14 + CL 14 + BL/2 2 = 31
  dram_replay_stats rs{};
  ASSERT_EQ(dram_replay(h.d, &s, nullptr, true, &rs, &e), SIM_OK);
  EXPECT_EQ(rs.requests, 2u);
  EXPECT_EQ(h.stat("dram.read_latency_max"), 31u);
  EXPECT_GE(rs.end_cycle, 1000000031u);
  EXPECT_LT(rs.end_cycle, 1000000100u);
  dram_stream_free(&s);
  // leading zeros do not count against the bound: the value does
  ASSERT_EQ(dram_stream_parse("s.trc", "00000000000000000000001000000000 0x0 W\n", &h.cfg, &s, &e), SIM_OK) << e.msg;
  ASSERT_EQ(s.n, 1u);
  EXPECT_EQ(s.r[0].cycle, 1000000000u);
  dram_stream_free(&s);
  // one more is rejected, naming the allowed range; so is every longer number (20 digits used to
  // be "want a decimal number", 19 digits were accepted and replayed for years)
  EXPECT_EQ(parse_err(h, "0 0x0 R\n1000000001 0x40 R\n"),
            "s.trc:2: cycle 1000000001 is out of range [0, 1000000000]");
  EXPECT_EQ(parse_err(h, "9999999999999999999 0x40 R\n"),
            "s.trc:1: cycle 9999999999999999999 is out of range [0, 1000000000]");
  EXPECT_EQ(parse_err(h, "18446744073709551616 0x40 R\n"),
            "s.trc:1: cycle 18446744073709551616 is out of range [0, 1000000000]");
  EXPECT_EQ(parse_err(h, "99999999999999999999 0x40 R\n"),
            "s.trc:1: cycle 99999999999999999999 is out of range [0, 1000000000]");
  const std::string big(200, '7');   // quoted up to 40 digits
  EXPECT_EQ(parse_err(h, (big + " 0x40 R\n").c_str()),
            "s.trc:1: cycle " + big.substr(0, 40) + "... is out of range [0, 1000000000]");
  // a non-digit anywhere is still a bad number, however large the digits before it
  EXPECT_EQ(parse_err(h, "99999999999999999999x 0x40 R\n"),
            "s.trc:1: bad cycle '99999999999999999999x' (want a decimal number)");
  EXPECT_EQ(parse_err(h, "+5 0x40 R\n"), "s.trc:1: bad cycle '+5' (want a decimal number)");
}

TEST(DramStream, GeneratorBoundsCountAndLastArrivalWithoutOverflow) {
  // documented bounds (docs/dram.md section 9): count <= 10^8, (count - 1) x interval <= 10^9
  EXPECT_EQ(DRAM_GEN_MAX_COUNT, 100000000u);
  EXPECT_TRUE(dram_gen_fits(0, UINT64_MAX));            // no request at all
  EXPECT_TRUE(dram_gen_fits(1, UINT64_MAX));            // one request, at cycle 0
  EXPECT_TRUE(dram_gen_fits(100000000, 10));            // last at 999999990
  EXPECT_FALSE(dram_gen_fits(100000001, 0));
  EXPECT_TRUE(dram_gen_fits(2, 1000000000));            // last at exactly 10^9
  EXPECT_FALSE(dram_gen_fits(2, 1000000001));
  EXPECT_TRUE(dram_gen_fits(3, 500000000));
  EXPECT_FALSE(dram_gen_fits(3, 500000001));            // last at 1000000002
  EXPECT_TRUE(dram_gen_fits(1001, 1000000));
  EXPECT_FALSE(dram_gen_fits(1002, 1000000));           // last at 1001000000
  // 2 x (2^64 - 1) wraps to 2^64 - 2 in 64 bits: the fuzzer's hang; must not be taken as small
  EXPECT_FALSE(dram_gen_fits(3, UINT64_MAX));
  EXPECT_FALSE(dram_gen_fits(UINT64_MAX, 2));
  EXPECT_FALSE(dram_gen_fits(100000000, 184467442582ull));   // 99999999 x this wraps to 23005802

  // at the bound the cycles are exact and the stream ends
  DramH h("configs/dram/hbm2.json");
  dram_gen g;
  dram_req r;
  dram_gen_init(&g, &h.cfg, DRAM_GEN_SEQ, 3, 1, 500000000, 100);
  const uint64_t want[] = {0, 500000000, 1000000000};
  for (uint64_t c : want) { ASSERT_TRUE(dram_gen_next(&g, &r)); EXPECT_EQ(r.cycle, c); }
  EXPECT_FALSE(dram_gen_next(&g, &r));
}

TEST(DramStreamDeathTest, GeneratorBeyondTheBoundIsAnInternalErrorNotAWrap) {
  // callers (cmd_dram.c) check dram_gen_fits first; a caller that does not gets the always-on
  // assertion instead of cycles that wrap around and replay forever
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  DramH h("configs/dram/hbm2.json");
  dram_gen g;
  EXPECT_DEATH(dram_gen_init(&g, &h.cfg, DRAM_GEN_SEQ, 3, 1, UINT64_MAX, 100),
               "internal error: .*dram_gen_fits");
}

TEST(DramStream, ReplayedStreamServesEveryRequestAndCountsBackPressure) {
  DramH h("configs/dram/hbm2.json");
  // 100 reads to one channel, all at cycle 0: the 32-entry queue refuses the rest at first
  std::string txt;
  for (int i = 0; i < 100; i++) {
    char line[64];
    snprintf(line, sizeof line, "0 %llx R\n", (unsigned long long)h.addr(2, 0, 0, 0, i % 16));
    txt += line;
  }
  dram_stream s{};
  sim_err e{};
  ASSERT_EQ(dram_stream_parse("s.trc", txt.c_str(), &h.cfg, &s, &e), SIM_OK);
  dram_replay_stats rs{};
  ASSERT_EQ(dram_replay(h.d, &s, nullptr, true, &rs, &e), SIM_OK);
  EXPECT_EQ(rs.requests, 100u);
  EXPECT_EQ(rs.delayed_requests, 100u - h.cfg.ctrl.read_queue);
  EXPECT_GT(rs.backpressure_cycles, 0u);
  EXPECT_EQ(h.stat("dram.reads"), 100u);
  EXPECT_EQ(h.stat("dram.bytes_read"), 6400u);
  EXPECT_TRUE(dram_idle(h.d));
  dram_stream_free(&s);
}

TEST(DramStream, GeneratorIsSeededAndAligned) {
  DramH h("configs/dram/hbm2-spatten.json");
  dram_gen a, b, c;
  dram_gen_init(&a, &h.cfg, DRAM_GEN_RANDOM, 1000, 5, 2, 70);
  dram_gen_init(&b, &h.cfg, DRAM_GEN_RANDOM, 1000, 5, 2, 70);
  dram_gen_init(&c, &h.cfg, DRAM_GEN_RANDOM, 1000, 6, 2, 70);
  dram_req ra, rb, rc;
  int same_c = 0, reads = 0;
  for (uint64_t i = 0; i < 1000; i++) {
    ASSERT_TRUE(dram_gen_next(&a, &ra));
    ASSERT_TRUE(dram_gen_next(&b, &rb));
    ASSERT_TRUE(dram_gen_next(&c, &rc));
    EXPECT_EQ(ra.addr, rb.addr);
    EXPECT_EQ(ra.cycle, 2 * i);
    EXPECT_EQ(ra.addr % 32, 0u);
    EXPECT_LT(ra.addr, h.cfg.capacity_bytes);
    same_c += ra.addr == rc.addr;
    reads += !ra.is_write;
  }
  EXPECT_FALSE(dram_gen_next(&a, &ra));
  EXPECT_LT(same_c, 5);
  EXPECT_NEAR(reads, 700, 60);
  dram_gen s;
  dram_gen_init(&s, &h.cfg, DRAM_GEN_SEQ, 3, 1, 0, 100);
  for (uint64_t i = 0; i < 3; i++) { ASSERT_TRUE(dram_gen_next(&s, &ra)); EXPECT_EQ(ra.addr, 32 * i); }
}

TEST(DramStream, GarbageNeverCrashesTheParserAndErrorsStayOneLine) {
  // Three kinds of input, in turn: random characters; a well-formed stream built here (its
  // requests are known, so the parse must return exactly them); and the same kind of stream with
  // one character overwritten. Both outcomes are counted, so the loop cannot silently exercise
  // only the error branch (random characters are nearly always rejected) or only the accept one.
  DramH h("configs/dram/hbm2.json");
  const char alphabet[] = "0123456789abcdefxXRWG #\t\n -";
  const char *ops[] = {"R", "W", "READ", "WRITE"};
  uint64_t x = 12345;
  auto rnd = [&x]() { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
  int accepted = 0, accepted_requests = 0, rejected = 0, exact = 0;
  for (int k = 0; k < 3000; k++) {
    const int kind = k % 3;   // 0 garbage, 1 well-formed, 2 well-formed with one character changed
    std::string t;
    std::vector<dram_req> want;
    if (kind == 0) {
      int len = 1 + k % 60;
      for (int i = 0; i < len; i++) t += alphabet[rnd() % (sizeof alphabet - 1)];
    } else {
      uint64_t cyc = rnd() % 1000;
      int lines = 1 + (int)(rnd() % 6);
      for (int i = 0; i < lines; i++) {
        cyc += rnd() % 3;   // non-decreasing
        dram_req r{cyc, (rnd() % (h.cfg.capacity_bytes / 64)) * 64, false};
        const char *op = ops[rnd() % 4];
        r.is_write = op[0] == 'W';
        char line[96];
        snprintf(line, sizeof line, "%s%llu%s%s%llx %s%s\n", rnd() % 2 ? "" : "  ",
                 (unsigned long long)r.cycle, rnd() % 2 ? " " : "\t", rnd() % 2 ? "0x" : "",
                 (unsigned long long)r.addr, op, rnd() % 3 ? "" : "  # note");
        t += line;
        if (rnd() % 4 == 0) t += "# comment line\n\n";
        want.push_back(r);
      }
      if (kind == 2) t[rnd() % t.size()] = alphabet[rnd() % (sizeof alphabet - 1)];
    }
    dram_stream s{};
    sim_err e{};
    int rc = dram_stream_parse("g.trc", t.c_str(), &h.cfg, &s, &e);
    if (rc == SIM_OK) {
      accepted++;
      accepted_requests += s.n > 0;
      for (size_t i = 0; i < s.n; i++) {
        EXPECT_LT(s.r[i].addr, h.cfg.capacity_bytes);
        EXPECT_EQ(s.r[i].addr % 64, 0u);
        if (i) { EXPECT_GE(s.r[i].cycle, s.r[i - 1].cycle); }
      }
    } else {
      rejected++;
      EXPECT_EQ(rc, SIM_ETRACE);
      EXPECT_EQ(std::string(e.msg).find('\n'), std::string::npos);
      EXPECT_EQ(std::string(e.msg).rfind("g.trc:", 0), 0u) << e.msg;
    }
    if (kind == 1) {   // untouched: accepted, and exactly the requests written above
      EXPECT_EQ(rc, SIM_OK) << e.msg << "\n" << t;
      if (rc == SIM_OK) {
        EXPECT_EQ(s.n, want.size()) << t;
        bool same = s.n == want.size();
        for (size_t i = 0; same && i < s.n; i++)
          same = s.r[i].cycle == want[i].cycle && s.r[i].addr == want[i].addr &&
                 s.r[i].is_write == want[i].is_write;
        EXPECT_TRUE(same) << t;
        exact += same;
      }
    }
    dram_stream_free(&s);
  }
  // both branches ran, each on a real share of the 3000 inputs: the 1000 untouched streams are
  // all accepted with their requests; garbage and corrupted streams supply the rejections
  const std::string counts = "accepted " + std::to_string(accepted) + " (with requests " +
                             std::to_string(accepted_requests) + "), rejected " + std::to_string(rejected);
  EXPECT_EQ(exact, 1000) << counts;
  EXPECT_GE(accepted_requests, 1000) << counts;
  EXPECT_GE(rejected, 750) << counts;   // about 1000 garbage + a share of the corrupted ones
}

TEST(DramStream, PlainLinesAndOtherLinesMixKeepTheirLineNumbersAndValues) {
  // plain "<digits> <hex> R|W" lines take the reader's fast path, the others the general one;
  // line numbers in messages and the values read must not depend on which
  DramH h("configs/dram/hbm2.json");
  dram_stream s{};
  sim_err e{};
  const char *txt = "0 0x40 R\n1\t80 W\r\n# c\n\n2 0X0c0 READ\n0000000003 0x100 W # t\n3 140 R";
  ASSERT_EQ(dram_stream_parse("s.trc", txt, &h.cfg, &s, &e), SIM_OK) << e.msg;
  ASSERT_EQ(s.n, 5u);
  const uint64_t cyc[] = {0, 1, 2, 3, 3}, adr[] = {0x40, 0x80, 0xc0, 0x100, 0x140};
  const bool wr[] = {false, true, false, true, false};
  for (size_t i = 0; i < 5; i++) {
    EXPECT_EQ(s.r[i].cycle, cyc[i]) << i;
    EXPECT_EQ(s.r[i].addr, adr[i]) << i;
    EXPECT_EQ(s.r[i].is_write, wr[i]) << i;
  }
  dram_stream_free(&s);
  EXPECT_EQ(parse_err(h, "0 0x40 R\n1 0x80 W\n# c\n2 0xZZ R\n"), "s.trc:4: bad hex address '0xZZ'");
  EXPECT_EQ(parse_err(h, "0 0x40 R\n1 0x80 RW\n"), "s.trc:2: unknown operation 'RW' (want R or W)");
  EXPECT_EQ(parse_err(h, "7 0x40 R\n6 0x80 W\n"),
            "s.trc:2: cycle 6 is before the previous request's cycle 7");
  EXPECT_EQ(parse_err(h, "0 0x40 R\n1 0x41 W\n"),
            "s.trc:2: address 0x41 is not aligned to the 64-byte request size");
  EXPECT_EQ(parse_err(h, "0 0x40 R\n1 0x12345678901234567 W\n"),
            "s.trc:2: bad hex address '0x12345678901234567'");
  EXPECT_EQ(parse_err(h, "1000000000 0x40 R\n1000000001 0x80 W\n"),
            "s.trc:2: cycle 1000000001 is out of range [0, 1000000000]");
}
