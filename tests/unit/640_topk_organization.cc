// 640_topk_organization: the machine's top-k engines by role (hw fields topk_variant,
// topk_engines, topk_cascade_engines, topk_cascade_comparators).
//  - Today's engine reproduces: one serial engine shared by cascade and local-V pruning, on the
//    DRAM controller and HBM2 page of that time (no bank queues, 512 B pseudo-channel pages),
//    gives exactly the cycle counts and top-k busy cycles of the machine before the per-role
//    organization (commit 4651879, the numbers below, on 3 machines x 2 workloads).
//  - The paper's organization (a pipelined local-V engine and a dedicated pipelined cascade
//    engine) passes the golden check, puts every cascade job on the cascade engine (as many as
//    the trace's pruning decisions, counted here) and every local-V job on the local-V engine.
#include <gtest/gtest.h>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <string>
#include "test_util.h"
#include "accel_util.h"
extern "C" {
#include "accel/accel.h"
#include "base/stats.h"
#include "trace/pol.h"
}
using testutil::Hw;
using testutil::trace_of;

namespace {
std::string cwd() {
  char buf[4096];
  EXPECT_NE(getcwd(buf, sizeof buf), nullptr);
  return buf;
}

// a JSON file holding `body`
std::string json_file(const char *name, const std::string &body) {
  std::string p = testutil::tmp_path(name);
  FILE *f = fopen(p.c_str(), "w");
  fprintf(f, "%s\n", body.c_str());
  fclose(f);
  return p;
}

// a hw config that includes configs/hw/<base>.json and sets `extra` (JSON members)
std::string hw_file(const char *base, const std::string &extra) {
  return json_file("hw.json", "{ \"include\": \"" + cwd() + "/configs/hw/" + base + ".json\", " +
                              extra + " }");
}

// the machine's DRAM as it was before the per-bank queues and JEDEC page sizes
std::string legacy_dram(const char *dram) {
  return json_file("dram.json", "{ \"include\": \"" + cwd() + "/configs/dram/" + dram + ".json\", "
                   "\"org\": { \"rows\": 32768, \"columns\": 64 }, \"controller\": { \"bank_queue\": 0, "
                   "\"drain_policy\": \"strict\", \"write_forwarding\": false } }");
}

struct SimRun {
  uint64_t cycles = 0;
  stats *st = stats_create();
  accel *a = nullptr;   // kept until the counters have been read: they live in its blocks
  ~SimRun() { accel_destroy(a); stats_destroy(st); }
  uint64_t get(const char *k) { uint64_t v = 0; EXPECT_TRUE(stats_get_u64(st, k, &v)) << k; return v; }
};

void run(const std::string &hw_path, const spt_trace *t, SimRun &r) {
  Hw hw(hw_path.c_str());
  sim_err e{};
  accel *a = accel_create(&hw.hw, t, r.st, &e);
  ASSERT_NE(a, nullptr) << e.msg;
  ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
  r.cycles = accel_result_get(a)->cycles;
  r.a = a;
}
}  // namespace

TEST(TopkOrganization, OneSharedSerialEngineReproducesTheMachineBeforeTheRoles) {
  struct Case { const char *wl, *hw; uint64_t cycles, topk_busy; };
  const Case cases[] = {
    {"tiny", "spatten", 1202, 816},      {"tiny", "tiny", 1788, 816},
    {"tiny", "spatten-1-8", 1256, 816},  {"tiny-gpt2", "spatten", 5385, 1961},
    {"tiny-gpt2", "tiny", 10213, 1981},  {"tiny-gpt2", "spatten-1-8", 5843, 1961},
  };
  for (const Case &c : cases) {
    std::string wl = std::string("configs/workloads/") + c.wl + ".json";
    spt_trace *t = trace_of(wl.c_str());
    ASSERT_NE(t, nullptr);
    SimRun r;
    const char *dram = strcmp(c.hw, "spatten-1-8") == 0 ? "hbm2-spatten-1-8" : "hbm2-spatten";
    run(hw_file(c.hw, "\"topk_variant\": \"serial\", \"topk_cascade_engines\": 0, \"dram_config\": \"" +
                          legacy_dram(dram) + "\""), t, r);
    EXPECT_EQ(r.cycles, c.cycles) << c.wl << " on " << c.hw;
    EXPECT_EQ(r.get("topk.busy_cycles"), c.topk_busy) << c.wl << " on " << c.hw;
    uint64_t dummy;
    EXPECT_FALSE(stats_get_u64(r.st, "topk_cascade.jobs", &dummy));
    spt_free(t);
  }
}

TEST(TopkOrganization, ThePapersOrganizationSplitsTheJobsByRole) {
  spt_trace *t = trace_of("configs/workloads/tiny-gpt2.json");
  ASSERT_NE(t, nullptr);
  // cascade jobs: one per pass whose alive token (or head) set shrinks, counted from the trace
  uint64_t cascade = 0;
  for (uint32_t i = 1; i < t->n_pass; i++) {
    const spt_pass &p = t->pass[i], &q = t->pass[i - 1];
    uint32_t alive = q.n_tok + (p.step != q.step ? p.n_new : 0);
    if (p.n_tok < alive) cascade++;
    if (p.n_head < q.n_head) cascade++;
  }
  if (t->pass[0].n_tok < t->n_prompt) cascade++;
  // local-V jobs: rows that keep fewer V rows than the keys they attend (causal: the alive
  // tokens at or before the query), when they attend more than one
  ASSERT_TRUE(t->causal);
  uint64_t local = 0;
  for (uint32_t i = 0; i < t->n_pass; i++) {
    const spt_pass &p = t->pass[i];
    for (uint32_t h = 0; h < p.n_head; h++)
      for (uint32_t q = 0; q < p.n_q; q++) {
        uint32_t n_att = 0;
        for (uint32_t j = 0; j < p.n_tok; j++) n_att += p.tok_idx[j] <= p.q_pos[q];
        if (n_att > 1 && p.v_cnt[(size_t)h * p.n_q + q] < n_att) local++;
      }
  }
  ASSERT_GT(cascade, 0u);
  ASSERT_GT(local, 0u);
  SimRun r;
  run("configs/hw/spatten.json", t, r);
  EXPECT_EQ(r.get("topk_cascade.jobs"), cascade);
  EXPECT_EQ(r.get("topk.jobs"), local);
  spt_free(t);
}
