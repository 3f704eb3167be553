// 140_timeline: the Chrome/Perfetto trace-event writer: valid JSON (parsed with cJSON), one
// named track per module, complete events with ts/dur from cycles, deterministic order and bytes.
#include <gtest/gtest.h>
#include <cjson/cJSON.h>
#include <fstream>
#include <sstream>
#include <string>
#include "test_util.h"
using testutil::slurp;
using testutil::tmp_path;
extern "C" {
#include "base/timeline.h"
}

TEST(Timeline, WritesParseableJsonWithNamedTracksAndCompleteEvents) {
  timeline *t = tl_create();
  int qk = tl_track(t, "qk");
  int tk = tl_track(t, "topk \"engine\"");
  EXPECT_EQ(tl_track(t, "qk"), qk);          // same name -> same track
  tl_slice(t, tk, "select", 30, 45);
  tl_slice(t, qk, "layer 0", 0, 100);
  tl_slice_arg(t, qk, "head 1", 10, 20, "keys", 384);
  EXPECT_EQ(tl_count(t), 3u);
  std::string p = tmp_path("tl.json");
  sim_err e{};
  ASSERT_EQ(tl_write(t, p.c_str(), 2.5, &e), SIM_OK) << e.msg;  // 2.5 ns per cycle (400 MHz)
  std::string txt = slurp(p);
  cJSON *j = cJSON_Parse(txt.c_str());
  ASSERT_NE(j, nullptr) << txt;
  cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "traceEvents");
  ASSERT_TRUE(cJSON_IsArray(ev));
  // process name, 2 x (thread_name + sort index), 3 slices
  ASSERT_EQ(cJSON_GetArraySize(ev), 1 + 4 + 3);
  cJSON *m = cJSON_GetArrayItem(ev, 3);
  EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(m, "ph")->valuestring, "M");
  EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(m, "name")->valuestring, "thread_name");
  EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(m, "tid")->valuedouble, 2.0);
  EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "args"), "name")->valuestring,
               "topk \"engine\"");
  // slices sorted by start: layer 0 (0), head 1 (10), select (30)
  const char *names[] = {"layer 0", "head 1", "select"};
  const double ts[] = {0.0, 0.025, 0.075}, dur[] = {0.25, 0.025, 0.0375}, tid[] = {1, 1, 2};
  for (int i = 0; i < 3; i++) {
    cJSON *x = cJSON_GetArrayItem(ev, 5 + i);
    EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(x, "ph")->valuestring, "X");
    EXPECT_STREQ(cJSON_GetObjectItemCaseSensitive(x, "name")->valuestring, names[i]);
    EXPECT_DOUBLE_EQ(cJSON_GetObjectItemCaseSensitive(x, "ts")->valuedouble, ts[i]);
    EXPECT_DOUBLE_EQ(cJSON_GetObjectItemCaseSensitive(x, "dur")->valuedouble, dur[i]);
    EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(x, "tid")->valuedouble, tid[i]);
  }
  cJSON *args = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ev, 6), "args");
  EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(args, "keys")->valuedouble, 384.0);
  EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(args, "start_cycle")->valuedouble, 10.0);
  cJSON_Delete(j);
  tl_destroy(t);
  remove(p.c_str());
}

TEST(Timeline, OutputIsByteIdenticalWhateverTheRecordingOrder) {
  std::string p1 = tmp_path("a.json"), p2 = tmp_path("b.json");
  timeline *a = tl_create(), *b = tl_create();
  for (timeline *t : {a, b}) { tl_track(t, "fetch"); tl_track(t, "qk"); }
  // same slices, different order; same start on two tracks; nested slices on one track
  tl_slice(a, 0, "outer", 5, 50); tl_slice(a, 0, "inner", 5, 10); tl_slice(a, 1, "q", 5, 7);
  tl_slice(a, 1, "late", 60, 61);
  tl_slice(b, 1, "late", 60, 61); tl_slice(b, 1, "q", 5, 7); tl_slice(b, 0, "inner", 5, 10);
  tl_slice(b, 0, "outer", 5, 50);
  sim_err e{};
  ASSERT_EQ(tl_write(a, p1.c_str(), 1.0, &e), SIM_OK);
  ASSERT_EQ(tl_write(b, p2.c_str(), 1.0, &e), SIM_OK);
  std::string s1 = slurp(p1);
  EXPECT_EQ(s1, slurp(p2));
  // enclosing slice first at equal start, then track order
  EXPECT_LT(s1.find("\"outer\""), s1.find("\"inner\""));
  EXPECT_LT(s1.find("\"inner\""), s1.find("\"q\""));
  EXPECT_LT(s1.find("\"q\""), s1.find("\"late\""));
  EXPECT_EQ(tl_write(a, p1.c_str(), 0.0, &e), SIM_EINVAL);
  EXPECT_EQ(tl_write(a, "/nonexistent-dir/x.json", 1.0, &e), SIM_EIO);
  tl_destroy(a);
  tl_destroy(b);
  remove(p1.c_str());
  remove(p2.c_str());
}
