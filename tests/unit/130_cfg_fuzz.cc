// 130_cfg_fuzz: a deterministic mutation fuzz loop over every config kind's loader. Each
// mutated file must load or fail with SIM_EINVAL/SIM_EIO and a single-line message; never
// crash (run under `make asan` to catch memory errors too). A byte-level loop holds the strict
// JSON check (cfg_json_check) against cJSON: whatever the check passes, cJSON must parse.
#include <gtest/gtest.h>
#include <cjson/cJSON.h>
#include <cstdio>
#include <cstring>
#include <glob.h>
#include <string>
#include <vector>
extern "C" {
#include "base/cfg.h"
#include "dram/dram.h"
#include "cost/energy.h"
#include "base/fileio.h"
#include "cost/gpu.h"
#include "accel/hwcfg.h"
#include "models/workload.h"
}

namespace {
struct Kind { const char *file; const cfg_table *table; size_t size; };

std::string read(const char *path) {
  char *d = nullptr; size_t n = 0; sim_err e{};
  if (fio_read_all(path, &d, &n, &e) != SIM_OK) return "";
  std::string s(d, n); free(d);
  return s;
}

// Whether only JSON white space follows byte off of s.
bool only_ws_after(const std::string &s, size_t off) {
  for (size_t i = off; i < s.size(); i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') return false;
  return true;
}

uint64_t lcg(uint64_t &s) { s = s * 6364136223846793005ULL + 1442695040888963407ULL; return s >> 33; }

std::string mutate(const std::string &in, uint64_t &seed) {
  static const char *tokens[] = {"{", "}", "[", "]", ",", ":", "\"", "-1", "1e309", "0", "null",
                                 "true", "\"x\"", "4294967296", "0.5", "\"include\"", "\\u0000"};
  std::string s = in;
  int edits = 1 + (int)(lcg(seed) % 4);
  for (int e = 0; e < edits && !s.empty(); e++) {
    size_t pos = lcg(seed) % s.size();
    switch (lcg(seed) % 4) {
      case 0: s.erase(pos, 1 + lcg(seed) % 8); break;                     // delete
      case 1: s.insert(pos, tokens[lcg(seed) % (sizeof tokens / sizeof *tokens)]); break;
      case 2: s[pos] = (char)(32 + lcg(seed) % 95); break;                 // replace a byte
      case 3: s = s.substr(0, pos); break;                                 // truncate
    }
  }
  return s;
}
}  // namespace

TEST(CfgFuzz, MutatedConfigsOfEveryKindFailCleanlyWithOneLine) {
  const Kind kinds[] = {
      {"configs/dram/hbm2.json", &DRAM_CFG_TABLE, sizeof(dram_cfg)},
      {"configs/gpu/titan-xp.json", &GPU_CFG_TABLE, sizeof(gpu_cfg)},
      {"configs/energy/horowitz-45nm.json", &ENERGY_CFG_TABLE, sizeof(energy_cfg)},
      {"configs/workloads/bert-base.json", &WL_CFG_TABLE, sizeof(wl_cfg)},
  };
  uint64_t seed = 12345;
  int loaded = 0, rejected = 0;
  for (const Kind &k : kinds) {
    std::string base = read(k.file);
    ASSERT_FALSE(base.empty()) << "cannot read " << k.file << " (run from the repository root)";
    std::vector<unsigned char> obj(k.size);
    for (int i = 0; i < 1500; i++) {
      std::string m = mutate(base, seed);
      sim_err e{};
      int rc = cfg_load_string(k.table, m.c_str(), "fuzz.json", obj.data(), &e);
      if (rc == SIM_OK) { loaded++; continue; }
      rejected++;
      ASSERT_TRUE(rc == SIM_EINVAL || rc == SIM_EIO) << "rc " << rc << " for: " << m;
      ASSERT_EQ(std::strchr(e.msg, '\n'), nullptr);
      ASSERT_GT(std::strlen(e.msg), 0u);
    }
  }
  // The loop must exercise both outcomes, or it tests nothing.
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(loaded, 10);
}

TEST(CfgShipped, EveryShippedConfigLoadsWithItsOwnLoader) {
  struct { const char *pattern; int (*load)(const char *, sim_err *); int min; } kinds[] = {
      {"configs/hw/*.json", [](const char *p, sim_err *e) {
         hw_cfg h{}; int rc = hw_cfg_load(p, &h, e); hw_cfg_release(&h); return rc; }, 3},
      {"configs/dram/*.json", [](const char *p, sim_err *e) {
         dram_cfg d{}; return dram_cfg_load(p, &d, e); }, 3},
      {"configs/energy/*.json", [](const char *p, sim_err *e) {
         energy_cfg c{}; return energy_cfg_load(p, &c, e); }, 2},
      {"configs/gpu/*.json", [](const char *p, sim_err *e) {
         gpu_cfg g{}; return gpu_cfg_load(p, &g, e); }, 4},
      {"configs/workloads/*.json", [](const char *p, sim_err *e) {
         wl_cfg w{}; return wl_cfg_load(p, &w, e); }, 6},
  };
  for (auto &k : kinds) {
    glob_t g{};
    ASSERT_EQ(glob(k.pattern, 0, nullptr, &g), 0) << k.pattern;
    EXPECT_GE((int)g.gl_pathc, k.min) << k.pattern;
    for (size_t i = 0; i < g.gl_pathc; i++) {
      sim_err e{};
      EXPECT_EQ(k.load(g.gl_pathv[i], &e), SIM_OK) << g.gl_pathv[i] << ": " << e.msg;
    }
    globfree(&g);
  }
}

// Byte-level mutations (control bytes, bytes >= 0x80, escapes, number pieces) of every shipped
// config. The check may be stricter than cJSON, never laxer: a text it passes must parse in
// cJSON (or cfg_json_parse_object would fail with "cJSON cannot parse it"), and every text cJSON
// refuses must be refused by the check first, with one line that names the position.
TEST(CfgFuzz, StrictJsonCheckPassesOnlyWhatCJsonParses) {
  const char *files[] = {"configs/hw/spatten.json", "configs/workloads/bert-base.json",
                         "configs/sweeps/example.json", "configs/dram/hbm2.json"};
  static const char *pieces[] = {"\\u", "\\ud800", "\\udc00", "\\u0000", "\\x", "\\", "\"",
                                 "0", "01", "-", ".", "e", "E+", "1.", "\xc0\xaf", "\xed\xa0\x80",
                                 "\xf4\x90\x80\x80", "\xe2\x82\xac", "\xef\xbb\xbf", "{", "[",
                                 "}", "]", ",", ":", "tru", "null"};
  uint64_t seed = 777;
  int passed = 0, refused = 0, cjson_refused = 0;
  for (const char *file : files) {
    std::string base = read(file);
    ASSERT_FALSE(base.empty()) << "cannot read " << file << " (run from the repository root)";
    for (int i = 0; i < 2000; i++) {
      std::string m = base;
      int edits = 1 + (int)(lcg(seed) % 3);
      for (int e = 0; e < edits; e++) {
        size_t pos = lcg(seed) % m.size();
        switch (lcg(seed) % 4) {
          case 0: m[pos] = (char)(lcg(seed) % 256); break;                        // any byte
          case 1: m.insert(pos, pieces[lcg(seed) % (sizeof pieces / sizeof *pieces)]); break;
          case 2: m.insert(pos, 1, (char)(lcg(seed) % 0x21)); break;              // control/space
          case 3: m.erase(pos, 1 + lcg(seed) % 3); break;
        }
      }
      sim_err e{};
      int rc = cfg_json_check(m.data(), m.size(), "f.json", &e);
      const char *end = nullptr;
      cJSON *j = cJSON_ParseWithLengthOpts(m.data(), m.size(), &end, false);
      bool cjson_ok = j && only_ws_after(m, (size_t)(end - m.data()));
      cJSON_Delete(j);
      if (!cjson_ok) cjson_refused++;
      if (rc == SIM_OK) {
        passed++;
        ASSERT_TRUE(cjson_ok) << "the check passes what cJSON refuses: " << m;
      } else {
        refused++;
        ASSERT_EQ(rc, SIM_EINVAL);
        ASSERT_EQ(std::strchr(e.msg, '\n'), nullptr) << e.msg;
        ASSERT_EQ(std::strncmp(e.msg, "f.json: malformed JSON at line ", 31), 0) << e.msg;
      }
    }
  }
  std::printf("[          ] check passed %d, refused %d; cJSON refused %d\n", passed, refused,
              cjson_refused);
  // Both outcomes occur, and the check refuses more than cJSON does (what the fuzzing found).
  EXPECT_GT(passed, 500);
  EXPECT_GT(refused, 3000);
  EXPECT_GT(refused, cjson_refused);
}
