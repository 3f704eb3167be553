// test_util.h - small file helpers shared by the unit tests (header only; not a test file).
#ifndef SPATTEN_TEST_UTIL_H
#define SPATTEN_TEST_UTIL_H

#include <gtest/gtest.h>
#include <stdlib.h>
#include <fstream>
#include <sstream>
#include <string>

namespace testutil {
// The whole file as a string ("" if it cannot be read).
inline std::string slurp(const std::string &p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
// The header line of the authors' workload CSV (docs/workload-csv.md).
inline const char *const kWlcsvHeader =
    "iteration_id,layer_id,head_id,embedding_length_D,sentence_length_L,key_fetch_num,"
    "quant_key_bit,quant_query_bit,auto_requant_thres,if_requant,auto_requant_incre,"
    "value_fetch_num,quant_value_bit,if_accumulate_importance,if_rescale_previous_importance,"
    "if_topk,topk\n";
// A path named `name` inside a fresh temporary directory.
inline std::string tmp_path(const char *name) {
  char dir[] = "/tmp/spattenXXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  return std::string(dir) + "/" + name;
}
}  // namespace testutil

#endif
