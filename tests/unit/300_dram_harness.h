// 300_dram_harness.h - shared helpers for the DRAM unit tests (2xx): load a shipped config,
// compose addresses from fields, send/tick until a tag completes.
#ifndef DRAM_HARNESS_H
#define DRAM_HARNESS_H
#include <gtest/gtest.h>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
extern "C" {
#include "dram/dram_stream.h"
#include "base/fileio.h"
}

struct DramH {
  dram_cfg cfg{};
  stats *st = nullptr;
  dram *d = nullptr;
  std::vector<std::pair<uint64_t, uint64_t>> done;  // (tag, cycle popped)
  explicit DramH(const char *path, void (*tweak)(dram_cfg *) = nullptr) {
    sim_err e{};
    EXPECT_EQ(dram_cfg_load(path, &cfg, &e), SIM_OK) << e.msg;
    if (tweak) tweak(&cfg);
    st = stats_create();
    d = dram_create(&cfg, st, "dram", &e);
    EXPECT_NE(d, nullptr) << e.msg;
  }
  // from a JSON text (an "include" resolves relative to the working directory)
  DramH(const std::string &json, const char *name) {
    sim_err e{};
    EXPECT_EQ(cfg_load_string(&DRAM_CFG_TABLE, json.c_str(), name, &cfg, &e), SIM_OK) << e.msg;
    st = stats_create();
    d = dram_create(&cfg, st, "dram", &e);
    EXPECT_NE(d, nullptr) << e.msg;
  }
  ~DramH() { dram_destroy(d); stats_destroy(st); }
  // address of (channel, bank group, bank, row, column-burst) from the mapping fields
  uint64_t addr(uint64_t ch, uint64_t bg, uint64_t ba, uint64_t row, uint64_t col = 0, uint64_t pc = 0) const {
    return ch << cfg.map_shift[DRAM_F_CH] | pc << cfg.map_shift[DRAM_F_PC] |
           bg << cfg.map_shift[DRAM_F_BG] | ba << cfg.map_shift[DRAM_F_BA] |
           row << cfg.map_shift[DRAM_F_RO] | col << cfg.map_shift[DRAM_F_CO];
  }
  void send(uint64_t a, bool w, uint64_t tag) {
    ASSERT_TRUE(dram_can_accept(d, a, w));
    dram_send(d, a, w, tag);
  }
  void tick() {
    dram_tick(d);
    uint64_t t; bool w;
    while (dram_pop_done(d, &t, &w)) done.push_back({t, dram_cycle(d)});
  }
  void tick_to(uint64_t cyc) { while (dram_cycle(d) < cyc) tick(); }
  // ticks until `tag` has completed; returns the cycle at which it could be popped
  uint64_t run_until(uint64_t tag, uint64_t limit = 100000) {
    for (uint64_t i = 0; i < limit; i++) {
      for (auto &p : done) if (p.first == tag) return p.second;
      tick();
    }
    ADD_FAILURE() << "tag " << tag << " never completed";
    return 0;
  }
  uint64_t stat(const char *key) const {
    uint64_t v = 0;
    EXPECT_TRUE(stats_get_u64(st, key, &v)) << key;
    return v;
  }
};

// Stats text of a finished model, for byte comparisons.
inline std::string dram_stats_text(stats *st) {
  FILE *f = tmpfile();
  stats_write_text(st, f);
  long n = ftell(f);
  rewind(f);
  std::string s(static_cast<size_t>(n), '\0');
  size_t got = fread(&s[0], 1, s.size(), f);
  s.resize(got);
  fclose(f);
  return s;
}
#endif
