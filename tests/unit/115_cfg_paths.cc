// 115_cfg_paths: finding a field by its dotted path, setting a dotted path in a JSON object, and
// the two field kinds a sweep file needs (a list of paths, a free JSON object), with the exact
// one-line messages.
#include <gtest/gtest.h>
#include <cjson/cJSON.h>
#include <string>
extern "C" {
#include "base/cfg.h"
}

namespace {
struct Leaf { double v; };
struct Mid { Leaf leaf; uint32_t n; };
struct Top { Mid mid; uint32_t k; };
const cfg_field kLeaf[] = { CFG_F64F(Leaf, "v", v, 0, 1, false, 0, "v") };
const cfg_table kLeafT = {"leaf", kLeaf, CFG_NFIELDS(kLeaf), nullptr};
const cfg_field kMid[] = {
  CFG_OBJF(Mid, "leaf", leaf, &kLeafT, false, "leaf"),
  CFG_U32F(Mid, "n", n, 0, 9, false, 0, "n"),
};
const cfg_table kMidT = {"mid", kMid, CFG_NFIELDS(kMid), nullptr};
const cfg_field kTop[] = {
  CFG_OBJF(Top, "mid", mid, &kMidT, false, "mid"),
  CFG_U32F(Top, "k", k, 0, 9, false, 0, "k"),
};
const cfg_table kTopT = {"demo", kTop, CFG_NFIELDS(kTop), nullptr};

std::string why_of(const char *path, cfg_path_rc *rc, const cfg_field **f) {
  char why[256];
  *f = cfg_find_path(&kTopT, path, rc, why, sizeof why);
  return why;
}

struct Sw {
  char one[32];
  char list[3][40];
  uint32_t n;
  cJSON *obj;
};
const cfg_field kSw[] = {
  CFG_PATHF(Sw, "one", one, false, "", "a path"),
  CFG_PATHLISTF(Sw, "list", list, n, false, "paths"),
  CFG_JSONF(Sw, "obj", obj, false, "anything"),
};
const cfg_table kSwT = {"sw", kSw, CFG_NFIELDS(kSw), nullptr};
std::string load_sw(const char *json, Sw *s, int *rc) {
  sim_err e{};
  *rc = cfg_load_string(&kSwT, json, "dir/s.json", s, &e);
  return *rc ? std::string(e.msg) : std::string();
}
}  // namespace

TEST(CfgPaths, FindsNestedFieldsThroughObjects) {
  cfg_path_rc rc;
  const cfg_field *f;
  EXPECT_EQ(why_of("mid.leaf.v", &rc, &f), "");
  ASSERT_EQ(rc, CFG_PATH_OK);
  EXPECT_EQ(f, &kLeaf[0]);
  why_of("k", &rc, &f);
  EXPECT_EQ(f, &kTop[1]);
  why_of("mid", &rc, &f);
  EXPECT_EQ(f, &kTop[0]);
}

TEST(CfgPaths, SaysWhyAPathNamesNoField) {
  cfg_path_rc rc;
  const cfg_field *f;
  EXPECT_EQ(why_of("mid..v", &rc, &f), "bad field path (empty name between dots)");
  EXPECT_EQ(rc, CFG_PATH_EMPTY);
  EXPECT_EQ(f, nullptr);
  why_of("", &rc, &f);
  EXPECT_EQ(rc, CFG_PATH_EMPTY);
  why_of("mid.", &rc, &f);
  EXPECT_EQ(rc, CFG_PATH_EMPTY);
  EXPECT_EQ(why_of("include", &rc, &f), "'include' names a file to include, not a field");
  EXPECT_EQ(rc, CFG_PATH_INCLUDE);
  EXPECT_EQ(why_of("mid._comment_x", &rc, &f),
            "'_comment_x' is a comment, which the config loader ignores");
  EXPECT_EQ(rc, CFG_PATH_COMMENT);
  EXPECT_EQ(why_of("mid.lef.v", &rc, &f), "'lef' is not a field of the mid config");
  EXPECT_EQ(rc, CFG_PATH_UNKNOWN);
  EXPECT_EQ(why_of("mi", &rc, &f), "'mi' is not a field of the demo config");  // a prefix is no match
  EXPECT_EQ(why_of("k.x.y", &rc, &f), "'k' is not an object, so it has no field 'x.y'");
  EXPECT_EQ(rc, CFG_PATH_NOT_OBJECT);
  EXPECT_EQ(why_of("mid.leaf.v.w", &rc, &f), "'v' is not an object, so it has no field 'w'");
}

TEST(CfgPaths, SetPathCreatesObjectsAndReplacesTheValue) {
  cJSON *o = cJSON_Parse(R"({"include": "b.json", "mid": {"n": 1, "leaf": {"v": 0.5}}})");
  cJSON *v = cJSON_CreateNumber(0.25);
  sim_err e{};
  ASSERT_EQ(cfg_json_set_path(o, "mid.leaf.v", v, "s.json", &e), SIM_OK);
  ASSERT_EQ(cfg_json_set_path(o, "x.y.z", v, "s.json", &e), SIM_OK);
  char *txt = cJSON_PrintUnformatted(o);
  EXPECT_STREQ(txt, R"({"include":"b.json","mid":{"n":1,"leaf":{"v":0.25}},"x":{"y":{"z":0.25}}})");
  free(txt);
  EXPECT_EQ(cfg_json_set_path(o, "mid.n.q", v, "s.json", &e), SIM_EINVAL);
  EXPECT_STREQ(e.msg, "s.json: field 'mid.n.q' goes through 'n', which is not an object");
  cJSON_Delete(v);
  cJSON_Delete(o);
}

TEST(CfgPaths, PathListResolvesEachPathAgainstTheFile) {
  Sw s{};
  int rc;
  EXPECT_EQ(load_sw(R"({"list": ["a.json", "/abs/b.json"], "one": "c"})", &s, &rc), "");
  ASSERT_EQ(rc, SIM_OK);
  EXPECT_EQ(s.n, 2u);
  EXPECT_STREQ(s.list[0], "dir/a.json");
  EXPECT_STREQ(s.list[1], "/abs/b.json");
  EXPECT_STREQ(s.one, "dir/c");
  cfg_release(&kSwT, &s);
  EXPECT_EQ(load_sw(R"({"list": ["a", "b", "c", "d"]})", &s, &rc),
            "dir/s.json: field 'list' has 4 elements; at most 3 allowed");
  EXPECT_EQ(load_sw(R"({"list": ["a", 1]})", &s, &rc),
            "dir/s.json: field 'list[1]' must be a path (a string)");
  EXPECT_EQ(load_sw(R"({"list": [""]})", &s, &rc), "dir/s.json: field 'list[0]' is empty");
  EXPECT_EQ(load_sw(R"({"list": ["0123456789012345678901234567890123456789"]})", &s, &rc),
            "dir/s.json: field 'list[0]': the path relative to this file is longer than 39 bytes");
  EXPECT_EQ(load_sw(R"({"list": "a"})", &s, &rc), "dir/s.json: field 'list' must be an array of paths");
  cfg_release(&kSwT, &s);
}

TEST(CfgPaths, JsonFieldKeepsTheObjectButRefusesDuplicateKeysInside) {
  Sw s{};
  int rc;
  EXPECT_EQ(load_sw(R"({"obj": {"a.b": [1, "x"], "c": {"d": true}}})", &s, &rc), "");
  ASSERT_EQ(rc, SIM_OK);
  ASSERT_NE(s.obj, nullptr);
  char *txt = cJSON_PrintUnformatted(s.obj);
  EXPECT_STREQ(txt, R"({"a.b":[1,"x"],"c":{"d":true}})");
  free(txt);
  cJSON *back = cfg_to_json(&kSwT, &s);
  EXPECT_TRUE(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(back, "obj")));
  cJSON_Delete(back);
  cfg_release(&kSwT, &s);
  EXPECT_EQ(s.obj, nullptr);
  EXPECT_EQ(load_sw(R"({"obj": {"x": [1], "x": [2]}})", &s, &rc), "dir/s.json: field 'obj.x' appears twice");
  cfg_release(&kSwT, &s);
  EXPECT_EQ(load_sw(R"({"obj": {"c": [{"d": 1, "d": 2}]}})", &s, &rc),
            "dir/s.json: field 'obj.c[].d' appears twice");
  cfg_release(&kSwT, &s);
  EXPECT_EQ(load_sw(R"({"obj": [1]})", &s, &rc), "dir/s.json: field 'obj' must be an object");
  EXPECT_EQ(load_sw(R"({"obj": {}, "nope": 1})", &s, &rc), "dir/s.json: unknown field 'nope' in sw config");
  cfg_release(&kSwT, &s);
}
