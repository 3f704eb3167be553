// 110_cfg: the strict config loader: every rule of cfg.h, with the exact one-line messages.
#include <gtest/gtest.h>
#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>
#include <string>
extern "C" {
#include "cfg.h"
}

namespace {
struct Inner { uint32_t a; double r; };
struct Demo {
  uint32_t depth; double thr; bool on; char name[16]; uint32_t mode;
  uint32_t list[4]; uint32_t nlist; Inner in; char file[128];
};
const char *const kModes[] = {"fast", "slow", nullptr};
int check_demo(void *o, const char *path, sim_err *e) {
  Demo *d = static_cast<Demo *>(o);
  if (d->on && d->depth < 4)
    return sim_errf(e, SIM_EINVAL, "%s: field 'depth' must be >= 4 when 'on' is true", path);
  return SIM_OK;
}
const cfg_field kInner[] = {
  CFG_U32F(Inner, "a", a, 1, 9, true, 0, "inner a"),
  CFG_F64F(Inner, "r", r, 0, 1, false, 0.5, "inner r"),
};
const cfg_table kInnerT = {"inner", kInner, CFG_NFIELDS(kInner), nullptr};
const cfg_field kDemo[] = {
  CFG_U32F(Demo, "depth", depth, 1, 4096, true, 0, "fifo depth"),
  CFG_F64F(Demo, "thr", thr, 0, 1, false, 0.1, "threshold"),
  CFG_BOOLF(Demo, "on", on, false, 0, "switch"),
  CFG_STRF(Demo, "name", name, false, "x", "a name"),
  CFG_ENUMF(Demo, "mode", mode, kModes, false, 0, "mode"),
  CFG_U32LISTF(Demo, "list", list, nlist, 0, 100, false, "list"),
  CFG_OBJF(Demo, "in", in, &kInnerT, false, "nested"),
  CFG_PATHF(Demo, "file", file, false, "", "a path"),
};
const cfg_table kDemoT = {"demo", kDemo, CFG_NFIELDS(kDemo), check_demo};

std::string load(const char *json, Demo *d, int *rc) {
  sim_err e{};
  *rc = cfg_load_string(&kDemoT, json, "t.json", d, &e);
  return *rc ? std::string(e.msg) : std::string();
}
}  // namespace

TEST(Cfg, AppliesValuesAndDefaults) {
  Demo d{}; int rc;
  load(R"({"depth": 8, "_comment": "x", "mode": "slow", "list": [1,2,3], "in": {"a": 3, "_comment_a": 1}})", &d, &rc);
  ASSERT_EQ(rc, SIM_OK);
  EXPECT_EQ(d.depth, 8u);
  EXPECT_DOUBLE_EQ(d.thr, 0.1);
  EXPECT_STREQ(d.name, "x");
  EXPECT_EQ(d.mode, 1u);
  EXPECT_EQ(d.nlist, 3u);
  EXPECT_EQ(d.list[2], 3u);
  EXPECT_EQ(d.in.a, 3u);
  EXPECT_DOUBLE_EQ(d.in.r, 0.5);
}

TEST(Cfg, EachBadInputGivesOneNamedMessage) {
  struct { const char *json, *msg; } cases[] = {
    {R"({"depth": 0})", "t.json: field 'depth' = 0 is out of range [1, 4096]"},
    {R"({"depth": 8, "Depth": 8})", "t.json: unknown field 'Depth' in demo config"},
    {R"({"depth": 8, "depth": 9})", "t.json: field 'depth' appears twice"},
    {R"({"depth": "8"})", "t.json: field 'depth' must be a whole number"},
    {R"({"depth": 8.5})", "t.json: field 'depth' = 8.5 must be a whole number"},
    {R"({"thr": 0.2})", "t.json: required field 'depth' is missing"},
    {R"({"depth": 8, "mode": "quick"})", "t.json: field 'mode' = \"quick\" is not one of: fast, slow"},
    {R"({"depth": 8, "in": {"a": 1, "b": 2}})", "t.json: unknown field 'in.b' in inner config"},
    {R"({"depth": 8, "in": {"r": 0.2}})", "t.json: required field 'in.a' is missing"},
    {R"({"depth": 8, "list": [1, 200]})", "t.json: field 'list[1]' = 200 is out of range [0, 100]"},
    {R"({"depth": 8, "list": [1,2,3,4,5]})", "t.json: field 'list' has 5 elements; at most 4 allowed"},
    {R"({"depth": 2, "on": true})", "t.json: field 'depth' must be >= 4 when 'on' is true"},
    {"{\"depth\": 8,\n \"on\": tru}", "t.json: malformed JSON at line 2, column 8"},
    {R"([1])", "t.json: top level must be a JSON object"},
    {R"({"depth": 8, "include": "does-not-exist.json"})",
     "t.json: field 'include' = \"does-not-exist.json\": cannot read does-not-exist.json"},
  };
  for (auto &c : cases) {
    Demo d{}; int rc;
    std::string m = load(c.json, &d, &rc);
    EXPECT_EQ(rc, SIM_EINVAL) << c.json;
    EXPECT_EQ(m, c.msg) << c.json;
  }
}

TEST(Cfg, IncludeIsAppliedFirstAndOverriddenFieldByField) {
  char dir[] = "/tmp/cfgtestXXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string base = std::string(dir) + "/base.json", top = std::string(dir) + "/top.json";
  FILE *f = fopen(base.c_str(), "w");
  fputs(R"({"depth": 16, "thr": 0.3, "in": {"a": 2, "r": 0.25}})", f);
  fclose(f);
  f = fopen(top.c_str(), "w");
  fputs(R"({"include": "base.json", "thr": 0.7, "in": {"a": 5}})", f);
  fclose(f);
  Demo d{}; sim_err e{};
  ASSERT_EQ(cfg_load_file(&kDemoT, top.c_str(), &d, &e), SIM_OK) << e.msg;
  EXPECT_EQ(d.depth, 16u);
  EXPECT_DOUBLE_EQ(d.thr, 0.7);
  EXPECT_EQ(d.in.a, 5u);
  EXPECT_DOUBLE_EQ(d.in.r, 0.25);
  // an error inside the included file names the included file
  f = fopen(base.c_str(), "w");
  fputs(R"({"depth": 99999})", f);
  fclose(f);
  EXPECT_EQ(cfg_load_file(&kDemoT, top.c_str(), &d, &e), SIM_EINVAL);
  EXPECT_EQ(std::string(e.msg), base + ": field 'depth' = 99999 is out of range [1, 4096]");
  // a cycle is an error
  f = fopen(base.c_str(), "w");
  fputs(R"({"include": "top.json", "depth": 4})", f);
  fclose(f);
  EXPECT_EQ(cfg_load_file(&kDemoT, top.c_str(), &d, &e), SIM_EINVAL);
  EXPECT_NE(std::string(e.msg).find("forms a cycle"), std::string::npos) << e.msg;
  remove(base.c_str()); remove(top.c_str()); rmdir(dir);
}

TEST(Cfg, PathFieldsResolveAgainstTheFileThatSetsThem) {
  char dir[] = "/tmp/cfgpathXXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string sub = std::string(dir) + "/sub";
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  std::string base = sub + "/base.json", top = std::string(dir) + "/top.json";
  FILE *f = fopen(base.c_str(), "w");
  fputs(R"({"depth": 4, "file": "data.bin"})", f);
  fclose(f);
  f = fopen(top.c_str(), "w");
  fputs(R"({"include": "sub/base.json"})", f);
  fclose(f);
  Demo d{}; sim_err e{};
  ASSERT_EQ(cfg_load_file(&kDemoT, top.c_str(), &d, &e), SIM_OK) << e.msg;
  EXPECT_EQ(std::string(d.file), sub + "/data.bin");
  f = fopen(top.c_str(), "w");   // set in the top file: relative to the top file
  fputs(R"({"include": "sub/base.json", "file": "other.bin"})", f);
  fclose(f);
  ASSERT_EQ(cfg_load_file(&kDemoT, top.c_str(), &d, &e), SIM_OK) << e.msg;
  EXPECT_EQ(std::string(d.file), std::string(dir) + "/other.bin");
  remove(base.c_str()); remove(top.c_str()); rmdir(sub.c_str()); rmdir(dir);
}
