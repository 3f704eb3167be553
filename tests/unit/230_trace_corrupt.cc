// 230_trace_corrupt: a truncated, corrupt or hostile .spt is one line "<file>: ... at byte N"
// (SIM_ETRACE), never a crash: truncation at many offsets, flipped bytes, hand-made hostile
// headers, and a deterministic fuzz loop of random mutations (run it under `make asan`).
#include <gtest/gtest.h>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
extern "C" {
#include "models/model.h"
#include "trace/st.h"
#include "trace/trace.h"
#include "models/workload.h"
}

namespace {
std::vector<uint8_t> good_bytes() {
  static std::vector<uint8_t> cache;
  if (!cache.empty()) return cache;
  wl_cfg w;
  sim_err e{};
  EXPECT_EQ(wl_cfg_load("configs/workloads/tiny-gpt2.json", &w, &e), SIM_OK);
  spt_trace *t = nullptr;
  EXPECT_EQ(model_run(&w, &t, nullptr, &e), SIM_OK);
  std::string p = "/tmp/spt_corrupt_" + std::to_string(getpid()) + ".spt";
  EXPECT_EQ(spt_write(t, p.c_str(), &e), SIM_OK);
  FILE *f = fopen(p.c_str(), "rb");
  int c;
  while ((c = fgetc(f)) != EOF) cache.push_back((uint8_t)c);
  fclose(f);
  remove(p.c_str());
  spt_free(t);
  return cache;
}

// Reads bytes; returns the rc; checks the one-line "x.spt: ... at byte N" shape on error.
int read_bytes(const std::vector<uint8_t> &b, std::string *msg = nullptr) {
  spt_trace *t = nullptr;
  sim_err e{};
  int rc = spt_read_mem(b.data(), b.size(), "x.spt", &t, &e);
  if (rc) {
    EXPECT_EQ(t, nullptr);
    std::string m = e.msg;
    EXPECT_EQ(m.rfind("x.spt: ", 0), 0u) << m;
    EXPECT_NE(m.find(" at byte "), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos);
    if (msg) *msg = m;
  } else {
    spt_free(t);
  }
  return rc;
}

// Recompute the version-2 whole-file checksum after an edit (FNV-1a 64 over every byte, the
// checksum's own 16 hex digits read as '0'; docs/trace-format.md), independently of st.c.
void reseal(std::vector<uint8_t> &b) {
  std::string all(b.begin(), b.end());
  const std::string pat = "\"checksum\":\"fnv1a64:";
  size_t at = all.find(pat);
  ASSERT_NE(at, std::string::npos);
  at += pat.size();
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < b.size(); i++) {
    h ^= (i >= at && i < at + 16) ? (uint8_t)'0' : b[i];
    h *= 0x100000001b3ull;
  }
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
  memcpy(&b[at], hex, 16);
}

std::vector<uint8_t> with_header(const std::string &hdr, const std::vector<uint8_t> &data) {
  std::vector<uint8_t> b(8);
  uint64_t n = hdr.size();
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(n >> (8 * i));
  b.insert(b.end(), hdr.begin(), hdr.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}
}  // namespace

TEST(TraceCorrupt, TheIntactFileReads) {
  EXPECT_EQ(read_bytes(good_bytes()), SIM_OK);
}

TEST(TraceCorrupt, EveryTruncationIsAnErrorWithAByteOffset) {
  std::vector<uint8_t> g = good_bytes();
  size_t step = g.size() / 300 + 1;
  for (size_t n = 0; n < g.size(); n += step) {
    std::vector<uint8_t> b(g.begin(), g.begin() + (long)n);
    EXPECT_EQ(read_bytes(b), SIM_ETRACE) << "truncated to " << n;
  }
  std::vector<uint8_t> b(g.begin(), g.end() - 1);
  std::string m;
  EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
}

TEST(TraceCorrupt, AFlippedDataByteFailsTheChecksum) {
  std::vector<uint8_t> g = good_bytes();
  uint64_t hl = 0;
  for (int i = 7; i >= 0; i--) hl = (hl << 8) | g[i];
  for (size_t off : {(size_t)(8 + hl), (size_t)(8 + hl + 100), g.size() - 1}) {
    std::vector<uint8_t> b = g;
    b[off] ^= 0x10;
    std::string m;
    EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
    EXPECT_NE(m.find("checksum"), std::string::npos) << m;
  }
}

TEST(TraceCorrupt, FlippedBytesAnywhereNeverCrash) {
  std::vector<uint8_t> g = good_bytes();
  size_t step = g.size() / 400 + 1;
  int errors = 0;
  for (size_t off = 0; off < g.size(); off += step) {
    std::vector<uint8_t> b = g;
    b[off] ^= 0xff;
    errors += read_bytes(b) != SIM_OK;
  }
  EXPECT_GT(errors, 350);   // nearly every flip is caught (header text, data checksum)
}

TEST(TraceCorrupt, HostileHeadersAreRejectedBeforeAnyAllocation) {
  struct { std::string hdr; size_t data; const char *want; } cases[] = {
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, "shape overflows"},
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[65536,65536],\"data_offsets\":[0,4]}}", 4, "do not match its shape"},
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1e300],\"data_offsets\":[0,4]}}", 4, "bad size"},
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 4, "ends past the end"},
    {"{\"a\":{\"dtype\":\"Q9\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4, "unknown dtype"},
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", 4, "duplicate tensor"},
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", 4, "gap"},
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4],\"x\":1}}", 4, "unknown field"},
    {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 4, "bytes after the last tensor"},
    {"{\"a\":", 0, "malformed JSON"},
    {"[1,2]", 0, "does not start with '{'"},
    {"{\"__metadata__\":{\"format\":\"other\"}}", 0, "not a spatten trace"},
    {"{\"__metadata__\":{\"format\":\"spatten-trace\",\"version\":\"9\"}}", 0, "unsupported trace version"},
    {"{\"__metadata__\":{\"format\":\"spatten-trace\",\"version\":\"2\",\"checksum\":\"fnv1a64:cbf29ce484222325\",\"trace\":\"{}\",\"formats\":\"{}\",\"workload\":\"{}\"}}", 0, "checksum"},
    {"{\"__metadata__\":{\"format\":\"spatten-trace\",\"version\":\"1\"}}", 0, "unsupported trace version '1' (this reader: 2)"},
  };
  for (auto &c : cases) {
    std::string m;
    EXPECT_EQ(read_bytes(with_header(c.hdr, std::vector<uint8_t>(c.data, 0)), &m), SIM_ETRACE) << c.hdr;
    EXPECT_NE(m.find(c.want), std::string::npos) << m;
  }
  // a header length larger than the file
  std::vector<uint8_t> b = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'};
  std::string m;
  EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
  EXPECT_NE(m.find("header length"), std::string::npos) << m;
}

TEST(TraceCorrupt, RandomMutationFuzzLoopNeverCrashes) {
  std::vector<uint8_t> g = good_bytes();
  uint64_t s = 0x5eed;
  auto rnd = [&]() { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; };
  uint64_t hl = 0;
  for (int i = 7; i >= 0; i--) hl = (hl << 8) | g[i];
  int rejected = 0, accepted = 0;
  for (int it = 0; it < 300; it++) {
    std::vector<uint8_t> b = g;
    int muts = 1 + (int)(rnd() % 4);
    for (int k = 0; k < muts; k++) {
      // bias mutations to the header, where structure lives
      size_t off = (rnd() % 2 ? 8 + rnd() % hl : rnd()) % b.size();
      switch (rnd() % 4) {
      case 0: b[off] = (uint8_t)rnd(); break;
      case 1: b[off] = "0123456789{}[],:\"-e."[rnd() % 20]; break;
      case 2: b.resize(off); break;
      default: b.insert(b.begin() + (long)off, (uint8_t)rnd()); break;
      }
      if (b.size() < 9) break;
    }
    (read_bytes(b) ? rejected : accepted)++;
  }
  // the loop must reach the reader's checks: almost every mutant is rejected, each with the
  // one-line message read_bytes asserts (299 of 300 with this seed)
  EXPECT_GT(rejected, 250) << accepted << " accepted";
}

// A seed that is not an unsigned integer (same length, so the header stays consistent and the
// checksum, which covers the tensor data, still matches) is a one-line error naming the field.
TEST(TraceCorrupt, AMalformedSeedIsRejected) {
  std::vector<uint8_t> b = good_bytes();
  std::string all(b.begin(), b.end());
  size_t i = all.find("\\\"seed\\\":\\\"");
  ASSERT_NE(i, std::string::npos);
  i += std::string("\\\"seed\\\":\\\"").size();
  ASSERT_TRUE(b[i] >= '0' && b[i] <= '9');
  b[i] = 'x';
  std::string m;
  EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);   // unsealed: the checksum covers the header
  EXPECT_NE(m.find("checksum"), std::string::npos) << m;
  reseal(b);
  EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
  EXPECT_NE(m.find("metadata field 'seed'"), std::string::npos) << m;
  b[i] = '-';
  reseal(b);
  EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
  EXPECT_NE(m.find("metadata field 'seed'"), std::string::npos) << m;
}

namespace {
spt_trace *model_trace(const char *json) {
  wl_cfg w;
  sim_err e{};
  EXPECT_EQ(wl_cfg_load_string(json, "w.json", &w, &e), SIM_OK) << e.msg;
  spt_trace *t = nullptr;
  EXPECT_EQ(model_run(&w, &t, nullptr, &e), SIM_OK) << e.msg;
  return t;
}

std::vector<uint8_t> bytes_of(const spt_trace *t) {
  std::string p = "/tmp/spt_corrupt_w_" + std::to_string(getpid()) + ".spt";
  sim_err e{};
  EXPECT_EQ(spt_write(t, p.c_str(), &e), SIM_OK) << e.msg;
  std::vector<uint8_t> b;
  FILE *f = fopen(p.c_str(), "rb");
  for (int c; f && (c = fgetc(f)) != EOF;) b.push_back((uint8_t)c);
  if (f) fclose(f);
  remove(p.c_str());
  return b;
}

const spt_pass *find_pass(const spt_trace *t, uint32_t step, uint32_t layer) {
  for (uint32_t i = 0; i < t->n_pass; i++)
    if (t->pass[i].step == step && t->pass[i].layer == layer) return &t->pass[i];
  return nullptr;
}
}  // namespace

// Traces whose checksum is right (written by spt_write) but which break the structure the
// simulator relies on (docs/trace-format.md): each is a one-line SIM_ETRACE naming the tensor,
// never a crash in the simulator.
TEST(TraceCorrupt, ConsistentChecksumsDoNotHideStructuralErrors) {
  const char *gpt = R"({"include": "configs/workloads/tiny-gpt2.json"})";
  struct Case {
    const char *json, *want;
    void (*mutate)(spt_trace *);
  } cases[] = {
    // generation: the query is the step's new token, n_prompt + step - 1 = 24 + 1 - 1
    {gpt, "x.spt: tensor 's1.l0.q_pos' is not the step's new token (n_prompt + step - 1) at byte ",
     [](spt_trace *t) {
       spt_pass *p = const_cast<spt_pass *>(find_pass(t, 1, 0));
       p->q_pos[0] = p->new_pos[0] = p->tok_idx[0];   // an older token, still among tok_idx
     }},
    // summarization: every alive token is a query
    {gpt, "x.spt: tensor 's0.l1.q_pos' is not tok_idx (summarization queries every alive token) at byte ",
     [](spt_trace *t) {
       spt_pass *p = const_cast<spt_pass *>(find_pass(t, 0, 1));
       p->n_q -= 1;                    // the last alive token is no query (shapes follow n_q)
       p->n_new -= 1;
     }},
    // the K/V rows a pass appends are its queries'
    {gpt, "x.spt: tensor 's2.l0.new_pos' is not q_pos at byte ",
     [](spt_trace *t) {
       spt_pass *p = const_cast<spt_pass *>(find_pass(t, 2, 0));
       p->new_pos[0] = p->tok_idx[0];
     }},
    // the header's meaning (issue 12 item 6): a generation trace is causal
    {gpt, "x.spt: metadata field 'causal' is false, but a trace with generation steps (n_gen 4) is causal at byte 8",
     [](spt_trace *t) { t->causal = false; }},
    // a local-V count is the rule's ceil(v_keep * keys), never 0: s0.l0 row 0 sees 1 key
    {gpt, "x.spt: tensor 's0.l0.v_cnt' element 0 = 0; v_keep 0.5 of the row's 1 keys keeps 1 at byte ",
     [](spt_trace *t) { const_cast<spt_pass *>(find_pass(t, 0, 0))->v_cnt[0] = 0; }},
    // an edited keep ratio contradicts the pass shapes the trace holds
    {gpt, "x.spt: pass s0.l1 attends 17 tokens; the header's policy keeps 12 there at byte ",
     [](spt_trace *t) { t->policy.tok_keep[1] = 0.5; }},
    // token_prune off with a ratio below 1
    {gpt, "x.spt: metadata field 'policy.tok_keep[1]' = 0.69999999999999996, but token_prune is false",
     [](spt_trace *t) { t->policy.token_prune = false; t->policy.tok_keep[1] = 0.7; }},
    // AP: a row's own block is never masked (it would attend no key)
    {R"({"include": "configs/workloads/tiny-gpt2.json",
        "policy": {"name": "ap", "ap_percentile": 0.5, "ap_block": 4}})",
     "x.spt: tensor 's0.l0.blk_mask' masks query row 4's own block (1, 1) at byte ",
     [](spt_trace *t) {
       spt_pass *p = const_cast<spt_pass *>(find_pass(t, 0, 0));
       uint32_t cols = (p->n_tok + 3) / 4;
       p->blk_mask[1 * cols + 1] = 1;   // rows 4..7 x keys 4..7; row 4's own block too
     }},
  };
  for (auto &k : cases) {
    spt_trace *t = model_trace(k.json);
    ASSERT_NE(t, nullptr);
    ASSERT_EQ(read_bytes(bytes_of(t)), SIM_OK) << "unchanged trace";
    k.mutate(t);
    std::string m;
    EXPECT_EQ(read_bytes(bytes_of(t), &m), SIM_ETRACE) << k.want;
    EXPECT_EQ(m.rfind(k.want, 0), 0u) << m;
    spt_free(t);
  }
}

// The header's checksum is 16 lower-case hex digits (docs/trace-format.md).
// Version 2: the checksum covers the header too. One flipped bit in the model name ("tiny" ->
// "viny") was read with exit 0 before; now it is a checksum error.
TEST(TraceCorrupt, AFlippedHeaderBitFailsTheChecksum) {
  std::vector<uint8_t> b = good_bytes();
  std::string all(b.begin(), b.end());
  size_t i = all.find("\\\"model\\\":\\\"tiny");
  ASSERT_NE(i, std::string::npos);
  i += std::string("\\\"model\\\":\\\"").size();
  ASSERT_EQ(b[i], 't');
  b[i] ^= 0x02;   // 't' -> 'v'
  std::string m;
  EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
  EXPECT_NE(m.find("checksum"), std::string::npos) << m;
  EXPECT_NE(m.find("header or data"), std::string::npos) << m;
  reseal(b);                       // resealed, the edit is a valid name: the trace reads
  spt_trace *t = nullptr;
  sim_err e{};
  ASSERT_EQ(spt_read_mem(b.data(), b.size(), "x.spt", &t, &e), SIM_OK) << e.msg;
  EXPECT_STREQ(t->model, "viny");
  spt_free(t);
}

// A range in a message prints whole numbers whole: [1, 1048576], not [1, 1.04858e+06].
TEST(TraceCorrupt, ARangeIsPrintedWithWholeNumbers) {
  std::vector<uint8_t> b = good_bytes();
  std::string all(b.begin(), b.end());
  size_t i = all.find("\\\"n_pass\\\":15,");
  ASSERT_NE(i, std::string::npos);
  i += std::string("\\\"n_pass\\\":").size();
  b[i] = '0';
  b[i + 1] = ' ';   // "n_pass":0 , (JSON white space keeps the length)
  reseal(b);
  std::string m;
  EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
  EXPECT_EQ(m, "x.spt: metadata field 'n_pass' is missing or out of range [1, 1048576] at byte 8");
}

TEST(TraceCorrupt, AnUpperCaseChecksumIsRejected) {
  std::vector<uint8_t> b = good_bytes();
  std::string all(b.begin(), b.end());
  size_t i = all.find("fnv1a64:");
  ASSERT_NE(i, std::string::npos);
  i += 8;
  size_t j = i;
  while (j < i + 16 && !(b[j] >= 'a' && b[j] <= 'f')) j++;
  ASSERT_LT(j, i + 16) << "the checksum has a letter digit";
  b[j] = (uint8_t)(b[j] - 'a' + 'A');
  std::string m;
  EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
  EXPECT_NE(m.find("metadata 'checksum' is missing or malformed"), std::string::npos) << m;
}

// The header is strict JSON (sim/cfg.h, cfg_json_check) and the names in it are safe names
// (they reach report files and CSV rows); header edits that keep its length are still caught.
TEST(TraceCorrupt, HeaderJsonIsStrictAndNamesAreSafe) {
  const std::vector<uint8_t> good = good_bytes();
  std::string all(good.begin(), good.end());
  uint64_t hlen = 0;
  for (int i = 0; i < 8; i++) hlen |= (uint64_t)good[i] << (8 * i);
  {  // a control byte where the header has white space (after the object, or its padding)
    std::vector<uint8_t> b = good;
    size_t i = 8 + hlen - 1;
    ASSERT_EQ(b[i], ' ') << "the writer pads the header with spaces";
    b[i] = 0x01;
    std::string m;
    EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
    EXPECT_NE(m.find("malformed JSON at line 1, column " + std::to_string(hlen) +
                     ": unexpected control byte 0x01"), std::string::npos) << m;
    EXPECT_NE(m.find("in the header at byte 8"), std::string::npos) << m;
  }
  {  // a key twice in the metadata (cJSON would take the first): "d_head" renamed "layers"
    std::vector<uint8_t> b = good;
    size_t i = all.find("\\\"d_head\\\":");
    ASSERT_NE(i, std::string::npos);
    memcpy(&b[i + 2], "layers", 6);
    reseal(b);
    std::string m;
    EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
    EXPECT_NE(m.find("metadata 'trace' has the key 'layers' twice"), std::string::npos) << m;
  }
  {  // the workload's name made a path: same length, so only the name check can object
    std::vector<uint8_t> b = good;
    size_t i = all.find("\\\"workload\\\":\\\"tiny-gpt2\\\"");
    ASSERT_NE(i, std::string::npos);
    b[i + std::string("\\\"workload\\\":\\\"tiny").size()] = '/';
    reseal(b);
    std::string m;
    EXPECT_EQ(read_bytes(b, &m), SIM_ETRACE);
    EXPECT_NE(m.find("metadata field 'workload' is not a safe name"), std::string::npos) << m;
  }
}
