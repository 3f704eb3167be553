// 220_trace: .spt round trip, byte-identical output, and the safetensors layout as the
// safetensors specification defines it (header length, JSON, contiguous data_offsets).
#include <gtest/gtest.h>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
extern "C" {
#include "base/fileio.h"
#include "models/model.h"
#include "trace/st.h"
#include "trace/trace.h"
#include "models/workload.h"
}
#include <cjson/cJSON.h>

namespace {
spt_trace *make(const char *path) {
  wl_cfg w;
  sim_err e{};
  EXPECT_EQ(wl_cfg_load(path, &w, &e), SIM_OK) << e.msg;
  spt_trace *t = nullptr;
  EXPECT_EQ(model_run(&w, &t, nullptr, &e), SIM_OK) << e.msg;
  return t;
}
std::vector<uint8_t> slurp(const std::string &p) {
  std::vector<uint8_t> v;
  FILE *f = fopen(p.c_str(), "rb");
  if (!f) return v;
  int c;
  while ((c = fgetc(f)) != EOF) v.push_back((uint8_t)c);
  fclose(f);
  return v;
}
std::string tmpname(const char *tag) {
  return std::string("/tmp/spt_test_") + tag + "_" + std::to_string(getpid()) + ".spt";
}
}  // namespace

TEST(Trace, WriteThenReadGivesAnEqualTraceForEveryPolicyShape) {
  for (const char *wl : {"configs/workloads/tiny.json", "configs/workloads/tiny-gpt2.json"}) {
    spt_trace *t = make(wl);
    ASSERT_NE(t, nullptr);
    std::string p = tmpname("rt");
    sim_err e{};
    ASSERT_EQ(spt_write(t, p.c_str(), &e), SIM_OK) << e.msg;
    spt_trace *r = nullptr;
    ASSERT_EQ(spt_read(p.c_str(), &r, &e), SIM_OK) << e.msg;
    EXPECT_TRUE(spt_equal(t, r)) << wl;
    EXPECT_NE(r->workload_json, nullptr);
    // writing the read trace again gives the same bytes
    std::string p2 = tmpname("rt2");
    ASSERT_EQ(spt_write(r, p2.c_str(), &e), SIM_OK) << e.msg;
    EXPECT_EQ(slurp(p), slurp(p2));
    remove(p.c_str());
    remove(p2.c_str());
    spt_free(t);
    spt_free(r);
  }
}

TEST(Trace, FileFollowsTheSafetensorsLayout) {
  spt_trace *t = make("configs/workloads/tiny-gpt2.json");
  std::string p = tmpname("layout");
  sim_err e{};
  ASSERT_EQ(spt_write(t, p.c_str(), &e), SIM_OK);
  std::vector<uint8_t> b = slurp(p);
  ASSERT_GT(b.size(), 8u);
  uint64_t hl = 0;
  for (int i = 7; i >= 0; i--) hl = (hl << 8) | b[i];
  ASSERT_LE(8 + hl, b.size());
  EXPECT_EQ(hl % 8, 0u);   // header padded with spaces to 8 bytes (data aligned)
  std::string hdr(b.begin() + 8, b.begin() + 8 + (long)hl);
  cJSON *j = cJSON_Parse(hdr.c_str());
  ASSERT_NE(j, nullptr);
  cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "__metadata__");
  ASSERT_TRUE(cJSON_IsObject(meta));
  EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(meta, "format")->valuestring, "spatten-trace");
  EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(meta, "version")->valuestring, "2");
  for (const char *k : {"trace", "formats", "workload", "checksum"})
    EXPECT_TRUE(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(meta, k))) << k;
  // the q tensor of pass (step 1, layer 2) is [n_head, 1, d_head] int16
  cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "s1.l2.q");
  ASSERT_NE(q, nullptr);
  EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(q, "dtype")->valuestring, "I16");
  cJSON *sh = cJSON_GetObjectItemCaseSensitive(q, "shape");
  EXPECT_EQ(cJSON_GetArraySize(sh), 3);
  EXPECT_EQ(cJSON_GetArrayItem(sh, 1)->valuedouble, 1.0);
  EXPECT_EQ(cJSON_GetArrayItem(sh, 2)->valuedouble, 8.0);
  // data_offsets cover the data region without gaps: sum of sizes = file size - 8 - header
  uint64_t total = 0;
  cJSON *c;
  cJSON_ArrayForEach(c, j) {
    if (!strcmp(c->string, "__metadata__")) continue;
    cJSON *o = cJSON_GetObjectItemCaseSensitive(c, "data_offsets");
    total += (uint64_t)(cJSON_GetArrayItem(o, 1)->valuedouble - cJSON_GetArrayItem(o, 0)->valuedouble);
  }
  EXPECT_EQ(total, b.size() - 8 - hl);
  // version 2: the checksum is FNV-1a 64 of every byte of the file, its own 16 hex digits read
  // as '0' (independent implementation)
  std::string all(b.begin(), b.end());
  const std::string pat = "\"checksum\":\"fnv1a64:";
  size_t at = all.find(pat);
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(all.find(pat, at + 1), std::string::npos) << "the checksum key occurs once";
  at += pat.size();
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < b.size(); i++) {
    h ^= (i >= at && i < at + 16) ? (uint8_t)'0' : b[i];
    h *= 0x100000001b3ull;
  }
  char want[40];
  snprintf(want, sizeof want, "fnv1a64:%016llx", (unsigned long long)h);
  EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(meta, "checksum")->valuestring, want);
  cJSON_Delete(j);
  remove(p.c_str());
  spt_free(t);
}

TEST(Trace, ReaderRejectsAMissingFileWithAnIoError) {
  spt_trace *t = nullptr;
  sim_err e{};
  EXPECT_EQ(spt_read("/nonexistent/x.spt", &t, &e), SIM_EIO);
  EXPECT_EQ(t, nullptr);
}

// fxp.v_bits: the trace records it, V values lie on its grid (low bits 0), the reader keeps it,
// and a V element with nonzero low bits is an error naming the tensor.
TEST(Trace, VStoredWithFewerBitsRoundTripsAndOffGridValuesAreRejected) {
  std::string wp = tmpname("vb") + ".json";
  FILE *f = fopen(wp.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs(R"({ "include": ")", f);
  char *inc = realpath("configs/workloads/tiny-gpt2.json", nullptr);
  ASSERT_NE(inc, nullptr);
  fputs(inc, f);
  free(inc);
  fputs(R"(", "fxp": {"bits": 12, "frac": 7, "k_lsb_bits": 6, "v_bits": 9, "prob_bits": 12} })", f);
  fclose(f);
  spt_trace *t = make(wp.c_str());
  remove(wp.c_str());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->fmt.v_bits, 9u);
  size_t nv = (size_t)t->pass[0].n_head * t->pass[0].n_new * t->d_head, nonzero = 0;
  for (size_t i = 0; i < nv; i++) {
    EXPECT_EQ(t->pass[0].v_new[i] % 8, 0) << i;   // 12 - 9 = 3 low bits are 0
    nonzero += t->pass[0].v_new[i] != 0;
  }
  EXPECT_GT(nonzero, nv / 2);
  std::string p = tmpname("vb");
  sim_err e{};
  ASSERT_EQ(spt_write(t, p.c_str(), &e), SIM_OK) << e.msg;
  spt_trace *r = nullptr;
  ASSERT_EQ(spt_read(p.c_str(), &r, &e), SIM_OK) << e.msg;
  EXPECT_EQ(r->fmt.v_bits, 9u);
  EXPECT_TRUE(spt_equal(t, r));
  spt_free(r);
  t->pass[0].v_new[5] |= 1;                         // off the 9-bit grid
  ASSERT_EQ(spt_write(t, p.c_str(), &e), SIM_OK) << e.msg;
  EXPECT_EQ(spt_read(p.c_str(), &r, &e), SIM_ETRACE);
  EXPECT_NE(std::string(e.msg).find("element 5"), std::string::npos) << e.msg;
  EXPECT_NE(std::string(e.msg).find("V is stored with 9 of 12 bits"), std::string::npos) << e.msg;
  remove(p.c_str());
  spt_free(t);
}
