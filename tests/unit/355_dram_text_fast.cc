// 355_dram_text_fast: the text reader's fast path (plain "<digits> [0x]<hex> R|W" lines) gives
// exactly what the general parser alone gives: the same requests, the same error, the same
// message, on tricky and on random inputs; and a text replayed as it is read (dram_replay_text)
// gives the same statistics as the parsed array (dram_replay).
#include "300_dram_harness.h"
#include <algorithm>
#include <string>
#include <unistd.h>
#include <vector>

namespace {
struct Parsed {
  int rc = SIM_OK;
  std::string msg;
  std::vector<dram_req> reqs;
  uint64_t lines = 0;
};

// Reads text to its end or to its first error, with the fast path on or off.
Parsed read_all(const dram_cfg &cfg, const std::string &text, bool fast) {
  Parsed out;
  dram_text t;
  dram_text_init(&t, "f.trc", text.c_str(), &cfg);
  if (!fast) t.fast = false;
  for (;;) {
    dram_req r{};
    bool got = false;
    sim_err e{};
    out.rc = dram_text_next(&t, &r, &got, &e);
    if (out.rc != SIM_OK) { out.msg = e.msg; break; }
    if (!got) break;
    out.reqs.push_back(r);
  }
  out.lines = t.line;
  return out;
}

// the fast and the general reader give the same requests, error, message and line count;
// returns the fast reader's result
Parsed expect_same(const dram_cfg &cfg, const std::string &text) {
  Parsed a = read_all(cfg, text, true), b = read_all(cfg, text, false);
  EXPECT_EQ(a.rc, b.rc) << text;
  EXPECT_EQ(a.msg, b.msg) << text;
  EXPECT_EQ(a.lines, b.lines) << text;
  EXPECT_EQ(a.reqs.size(), b.reqs.size()) << text;
  for (size_t i = 0; i < a.reqs.size() && i < b.reqs.size(); i++) {
    EXPECT_EQ(a.reqs[i].cycle, b.reqs[i].cycle) << text;
    EXPECT_EQ(a.reqs[i].addr, b.reqs[i].addr) << text;
    EXPECT_EQ(a.reqs[i].is_write, b.reqs[i].is_write) << text;
  }
  return a;
}
}  // namespace

TEST(DramTextFast, TrickyLinesReadAsTheGeneralParserReadsThem) {
  DramH h("configs/dram/hbm2.json");   // 64-byte requests, capacity 0x100000000
  const char *cases[] = {
      // plain, leading zeros, the largest values, prefixes and hex case
      "0 0 R\n", "7 40 W\n", "0000000001 0x40 R\n", "00000000001 0x40 R\n",
      "000000000000000000000000001 40 R\n", "1000000000 ffffffc0 R\n", "1000000001 0 R\n",
      "9999999999 0 R\n", "99999999999 0 R\n", "18446744073709551616 0 R\n",
      "0 0xFFFFFFC0 W\n", "0 0XffffFFc0 R\n", "0 0x0000000000000040 R\n",
      "0 0x00000000000000040 R\n", "0 00000000000000040 R\n", "0 0000000000000040 R\n",
      "0 100000000 R\n", "0 0xfffffffffffffffc0 R\n", "0 ffffffffffffffc0 R\n",
      "0 0x R\n", "0 0X R\n", "0 x40 R\n", "0 0x0x40 R\n", "0 00x40 R\n", "0 0g R\n",
      "0 41 R\n", "0 -40 R\n", "-0 40 R\n", "+0 40 R\n",
      // separators, trailing blanks, CR, comments, words, missing newline at the end
      "0\t40\tR\n", "0  \t 40 \t  W  \t \n", "0 40 R\r\n", "0 40 R \r \n", "0\r40 R\n",
      "0 40\rR\n", "0 40 R\r", "0 40 R", "0 40 W", " 0 40 R\n", "\t0 40 R\n", "0 40 R # c\n",
      "0 40 R#c\n", "0 40#c R\n", "# only\n", "\n\n\n", "", " \t \r\n", "0 40 READ\n",
      "0 40 WRITE\n", "0 40 RW\n", "0 40 r\n", "0 40 w\n", "0 40 R x\n", "0 40 R R\n",
      "0 40\n", "0\n", "0 40 R\n\n1 80 W\n", "0 40 R\n#x\n  \n1 80 W",
      // order, capacity, alignment, and a line after an error
      "5 40 R\n4 80 R\n", "5 40 R\n5 80 R\n", "5 40 R\n# c\n4 80 R\n", "0 100000000 R\n",
      "0 ffffffff R\n", "0 20 R\n", "0 40 R\n1 41 R\n2 80 R\n", "0 40 Q\n1 80 R\n",
      // a line of many blanks, and numbers near the end of the text
      "0                                                   40 R\n", "1", "12 4", "12 40 ",
  };
  for (const char *c : cases) expect_same(h.cfg, c);
  // the same cases glued together, and each after a valid line (order checks apply)
  std::string all;
  for (const char *c : cases) {
    expect_same(h.cfg, std::string("0 0 R\n") + c);
    all += c;
    all += "\n";
  }
  expect_same(h.cfg, all);
}

TEST(DramTextFast, RandomStreamsAndMutationsReadAsTheGeneralParserReadsThem) {
  // well-formed streams in every spelling the format allows, then the same with one or two
  // characters changed; both readers must agree on every one
  DramH h("configs/dram/hbm2-spatten.json");   // 32-byte requests, capacity 2^33 (9 hex digits)
  uint64_t x = 99991;
  auto rnd = [&x]() { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
  const char alphabet[] = "0123456789abcdefABCDEFxXRWG #\t\r\n -";
  const char *ops[] = {"R", "W", "READ", "WRITE"};
  int accepted = 0, rejected = 0;
  for (int k = 0; k < 4000; k++) {
    std::string t;
    uint64_t cyc = rnd() % 3 ? rnd() % 1000 : rnd() % 1100000000ull;
    int lines = 1 + (int)(rnd() % 12);
    for (int i = 0; i < lines; i++) {
      cyc += rnd() % 3 == 0 ? 0 : rnd() % (rnd() % 2 ? 3 : 100000);
      uint64_t addr = (rnd() % (h.cfg.capacity_bytes / 32)) * 32;
      if (rnd() % 5 == 0) addr = rnd() % 2 ? addr >> (rnd() % 33) << 5 : 0;
      char line[128];
      const char *zeros = rnd() % 4 ? "" : (rnd() % 2 ? "0" : "000000000000");
      snprintf(line, sizeof line, "%s%s%llu%s%s%s%llx%s%s%s%s\n", rnd() % 6 ? "" : " ", zeros,
               (unsigned long long)cyc, rnd() % 2 ? " " : (rnd() % 2 ? "\t" : " \t  "),
               rnd() % 2 ? "" : (rnd() % 2 ? "0x" : "0X"), rnd() % 5 ? "" : "00",
               (unsigned long long)addr, rnd() % 2 ? " " : "\t", ops[rnd() % 4 < 3 ? rnd() % 2 : 2 + rnd() % 2],
               rnd() % 4 ? "" : (rnd() % 2 ? "  " : " \r"), rnd() % 5 ? "" : " # note");
      std::string l = line;
      if (rnd() % 7 == 0) for (auto &ch : l) if (ch >= 'a' && ch <= 'f') ch = (char)(ch - 32);
      t += l;
      if (rnd() % 6 == 0) t += rnd() % 2 ? "# comment\n" : "\n";
    }
    if (rnd() % 3 == 0) t.pop_back();   // no newline at the end
    int muts = k % 3;                    // 0: as written; 1 or 2 characters changed
    for (int m = 0; m < muts && !t.empty(); m++) t[rnd() % t.size()] = alphabet[rnd() % (sizeof alphabet - 1)];
    Parsed a = expect_same(h.cfg, t);
    if (HasFailure()) return;            // the first differing stream is enough
    (a.rc == SIM_OK ? accepted : rejected)++;
  }
  // both outcomes ran on a real share of the inputs
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(rejected, 500);
}

TEST(DramTextFast, ArrayParserGrowsAndKeepsEveryRequest) {
  // the array parser no longer reserves room from the text length; it grows as it reads
  DramH h("configs/dram/hbm2.json");
  std::string t;
  for (int i = 0; i < 5000; i++) t += std::to_string(i / 3) + " " + std::to_string(i % 7) + "c0 " + (i % 2 ? "W" : "R") + "\n";
  dram_stream s{};
  sim_err e{};
  ASSERT_EQ(dram_stream_parse("g.trc", t.c_str(), &h.cfg, &s, &e), SIM_OK) << e.msg;
  ASSERT_EQ(s.n, 5000u);
  for (size_t i = 0; i < s.n; i++) {
    EXPECT_EQ(s.r[i].cycle, i / 3);
    EXPECT_EQ(s.r[i].addr, (uint64_t)(i % 7) * 256 + 0xc0);
    EXPECT_EQ(s.r[i].is_write, i % 2 == 1);
  }
  dram_stream_free(&s);
}

namespace {
// as_text: replayed as read (ahead: dram_text.ahead, 1 = reader thread, -1 = inline), else
// parsed into an array first
std::string replay_stats(const char *cfg, const std::string &text, bool as_text, bool skip, int *rc,
                         std::string *msg, int ahead = -1) {
  DramH h(cfg);
  dram_replay_stats rs{};
  dram_replay_stats_register(h.st, "dram", &rs);
  sim_err e{};
  if (as_text) {
    dram_text t;
    dram_text_init(&t, "r.trc", text.c_str(), &h.cfg);
    t.ahead = (int8_t)ahead;
    *rc = dram_replay_text(h.d, &t, skip, &rs, &e);
  } else {
    dram_stream s{};
    *rc = dram_stream_parse("r.trc", text.c_str(), &h.cfg, &s, &e);
    if (*rc == SIM_OK) *rc = dram_replay(h.d, &s, nullptr, skip, &rs, &e);
    dram_stream_free(&s);
  }
  *msg = e.msg;
  if (*rc != SIM_OK) return "";
  dram_update_stats(h.d);
  char *buf = nullptr;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  EXPECT_EQ(stats_write_text(h.st, f), 0);
  fclose(f);
  std::string out(buf, len);
  free(buf);
  return out;
}
}  // namespace

TEST(DramTextFast, ReplayAsReadMatchesTheParsedArrayAndStopsAtABadLine) {
  // mixed reads and writes on two configs, with and without skipping: identical statistics
  std::string t;
  uint64_t x = 7, cyc = 0;
  for (int i = 0; i < 3000; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    cyc += x % 3;
    t += std::to_string(cyc) + " " + (x % 2 ? "0x" : "") + [&] { char b[32]; snprintf(b, sizeof b, "%llx", (unsigned long long)((x >> 8) % (1u << 22)) * 64); return std::string(b); }() +
         (x % 10 < 3 ? " W\n" : " R\n");
    if (i % 500 == 0) t += "# comment\n\n";
  }
  for (const char *cfg : {"configs/dram/hbm2.json", "configs/dram/hbm2-spatten.json"}) {
    for (bool skip : {true, false}) {
      int rc1, rc2;
      std::string m1, m2;
      std::string a = replay_stats(cfg, t, true, skip, &rc1, &m1);
      std::string b = replay_stats(cfg, t, false, skip, &rc2, &m2);
      ASSERT_EQ(rc1, SIM_OK) << m1;
      ASSERT_EQ(rc2, SIM_OK) << m2;
      EXPECT_EQ(a, b) << cfg << " skip " << skip;
      EXPECT_NE(a.find("dram.stream_requests"), std::string::npos);
    }
  }
  // a bad line: the same error and message, whichever way the stream is read
  std::string bad = t + "5 0x40 R\n";
  int rc1, rc2;
  std::string m1, m2;
  replay_stats("configs/dram/hbm2.json", bad, true, true, &rc1, &m1);
  replay_stats("configs/dram/hbm2.json", bad, false, true, &rc2, &m2);
  EXPECT_EQ(rc1, SIM_ETRACE);
  EXPECT_EQ(rc2, SIM_ETRACE);
  EXPECT_EQ(m1, m2);
  const std::string where = "r.trc:" + std::to_string(std::count(t.begin(), t.end(), '\n') + 1) + ": ";
  EXPECT_EQ(m1.rfind(where + "cycle 5 is before the previous request's cycle ", 0), 0u) << m1;
}

// The reader thread (dram_text.ahead = 1) hands the replay the same requests in the same order:
// statistics byte-identical to the inline reader's, over a text of many chunks (the ring of 8 x
// 4096 requests wraps several times; comments and blank lines between), and a bad line deep in
// the text ends the replay with the same error and message, in a chunk boundary case too.
TEST(DramTextFast, TheReaderThreadGivesTheSameReplayAndTheSameError) {
  std::string t;
  uint64_t x = 11, cyc = 0;
  for (int i = 0; i < 70000; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    cyc += x % 2;
    char b[64];
    snprintf(b, sizeof b, "%llu %llx %c\n", (unsigned long long)cyc,
             (unsigned long long)((x >> 8) % (1u << 22)) * 64, x % 10 < 3 ? 'W' : 'R');
    t += b;
    if (i % 9000 == 0) t += "# comment\n\n";
  }
  for (bool skip : {true, false}) {
    int rc1, rc2;
    std::string m1, m2;
    std::string a = replay_stats("configs/dram/hbm2.json", t, true, skip, &rc1, &m1, 1);
    std::string b = replay_stats("configs/dram/hbm2.json", t, true, skip, &rc2, &m2, -1);
    ASSERT_EQ(rc1, SIM_OK) << m1;
    ASSERT_EQ(rc2, SIM_OK) << m2;
    EXPECT_EQ(a, b) << "skip " << skip;
    EXPECT_NE(a.find("dram.stream_requests                         = 70000 "), std::string::npos) << a;
  }
  // a bad line after exactly 4 chunks of requests, and one in the middle of a chunk
  for (size_t keep : {(size_t)4 * 4096, (size_t)50001}) {
    size_t pos = 0;
    for (size_t n = 0; n < keep; n++) pos = t.find('\n', pos) + 1;
    std::string bad = t.substr(0, pos) + "zz 0x40 R\n" + t.substr(pos);
    int rc1, rc2;
    std::string m1, m2;
    replay_stats("configs/dram/hbm2.json", bad, true, true, &rc1, &m1, 1);
    replay_stats("configs/dram/hbm2.json", bad, true, true, &rc2, &m2, -1);
    EXPECT_EQ(rc1, SIM_ETRACE);
    EXPECT_EQ(rc2, SIM_ETRACE);
    EXPECT_EQ(m1, m2);
    const size_t line = (size_t)std::count(bad.begin(), bad.begin() + (long)pos, '\n') + 1;
    EXPECT_EQ(m1.rfind("r.trc:" + std::to_string(line) + ": ", 0), 0u) << m1;
  }
}

TEST(DramTextFast, FileIsMappedOrReadWithTheSameResult) {
  // a file whose size is a multiple of the page size has no room for the NUL in its last page:
  // it is read instead of mapped; both give the same requests, and a NUL byte is still refused
  DramH h("configs/dram/hbm2.json");
  char dir[] = "/tmp/spatten-355-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string body;
  for (int i = 0; i < 300; i++) body += std::to_string(i) + " " + std::to_string(i % 9) + "40 R\n";
  const long pg = sysconf(_SC_PAGESIZE);
  for (size_t size : {body.size(), (size_t)pg, (size_t)pg * 2 + 1}) {
    std::string text = body;
    while (text.size() < size) text += text.size() + 1 == size ? '\n' : '#';
    std::string p = std::string(dir) + "/s.trc";
    FILE *f = fopen(p.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    fwrite(text.data(), 1, text.size(), f);
    fclose(f);
    dram_text t;
    sim_err e{};
    ASSERT_EQ(dram_text_open(p.c_str(), &h.cfg, &t, &e), SIM_OK) << e.msg;
    EXPECT_EQ(t.view.map != nullptr, size % (size_t)pg != 0) << size;
    Parsed want = read_all(h.cfg, text, false);
    size_t n = 0;
    for (;;) {
      dram_req r{};
      bool got = false;
      ASSERT_EQ(dram_text_next(&t, &r, &got, &e), want.rc) << e.msg;
      if (!got) break;
      ASSERT_LT(n, want.reqs.size());
      EXPECT_EQ(r.cycle, want.reqs[n].cycle);
      EXPECT_EQ(r.addr, want.reqs[n].addr);
      n++;
    }
    EXPECT_EQ(n, want.reqs.size());
    dram_text_close(&t);
    // a NUL byte anywhere is refused at its line, once the reader reaches it: in the middle of
    // the text, at the start of a line (the fast path stops there), after a complete request
    // (the fast path takes a NUL as the end of its line), and in a comment
    const size_t eol = text.find('\n', 100);
    for (size_t at : {size / 2, eol + 1, eol - 1, eol, text.size() - 2}) {
      std::string bad = text;
      bad[at] = '\0';
      f = fopen(p.c_str(), "wb");
      fwrite(bad.data(), 1, bad.size(), f);
      fclose(f);
      const std::string want_msg = p + ":" +
          std::to_string(std::count(bad.begin(), bad.begin() + (long)at, '\n') + 1) +
          ": contains a NUL byte (not a text stream)";
      ASSERT_EQ(dram_text_open(p.c_str(), &h.cfg, &t, &e), SIM_OK) << e.msg;
      int rc = SIM_OK;
      for (bool got = true; got && rc == SIM_OK;) {
        dram_req r{};
        rc = dram_text_next(&t, &r, &got, &e);
      }
      dram_text_close(&t);
      EXPECT_EQ(rc, SIM_ETRACE) << size << " " << at;
      EXPECT_EQ(std::string(e.msg), want_msg);
      dram_stream s{};
      EXPECT_EQ(dram_stream_read(p.c_str(), &h.cfg, &s, &e), SIM_ETRACE);
      EXPECT_EQ(std::string(e.msg), want_msg);
    }
    remove(p.c_str());
  }
  rmdir(dir);
}
