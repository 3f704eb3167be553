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
// A path named `name` inside a fresh temporary directory.
inline std::string tmp_path(const char *name) {
  char dir[] = "/tmp/spattenXXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  return std::string(dir) + "/" + name;
}
}  // namespace testutil

#endif
