// 120_stats: registry order, text/JSON content, snapshots.
#include <gtest/gtest.h>
#include <cjson/cJSON.h>
#include <cstdlib>
#include <string>
extern "C" {
#include "base/stats.h"
}

TEST(Stats, RegisteredCountersAreReadThroughTheirPointersInOrder) {
  stats *st = stats_create();
  uint64_t a = 0, b = 0; double u = 0.5;
  stats_add_u64(st, "topk", "busy_cycles", "cycle", &a, "busy");
  stats_add_u64(st, "dram.ch0", "reads", "req", &b, "reads");
  stats_add_f64(st, "dram", "util", "ratio", &u, "utilisation");
  a = 41; a++; b = 7;
  ASSERT_EQ(stats_count(st), 3u);
  EXPECT_STREQ(stats_key(st, 1), "dram.ch0.reads");
  uint64_t v;
  ASSERT_TRUE(stats_get_u64(st, "topk.busy_cycles", &v));
  EXPECT_EQ(v, 42u);
  uint64_t snap[3];
  stats_snapshot(st, snap);
  EXPECT_EQ(snap[0], 42u); EXPECT_EQ(snap[1], 7u); EXPECT_EQ(snap[2], 0u);
  cJSON *o = cJSON_CreateObject();
  stats_to_json(st, o);
  char *s = cJSON_PrintUnformatted(o);
  EXPECT_EQ(std::string(s), R"({"topk.busy_cycles":42,"dram.ch0.reads":7,"dram.util":0.5})");
  free(s); cJSON_Delete(o);
  stats_destroy(st);
}
