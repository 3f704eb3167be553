// 110_cfg: the strict config loader: every rule of cfg.h, with the exact one-line messages.
#include <gtest/gtest.h>
#include <cjson/cJSON.h>
#include <cstdio>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string>
#include <vector>
extern "C" {
#include "base/cfg.h"
#include "base/fileio.h"
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
    {"{\"depth\": 8,\n \"on\": tru}",
     "t.json: malformed JSON at line 2, column 8: invalid literal (expected true, false or null)"},
    // cJSON alone took these (fuzzing, D5); the strict check runs before it
    {R"({"depth": 016})", "t.json: malformed JSON at line 1, column 11: number with a leading zero"},
    {R"({"depth": 16.})",
     "t.json: malformed JSON at line 1, column 14: expected a digit after the decimal point, found '}'"},
    {R"({"depth": 8} trailing)", "t.json: malformed JSON at line 1, column 14: unexpected 't' after the JSON value"},
    {"{\"depth\": 8, \"name\": \"ti\xff\"}",
     "t.json: malformed JSON at line 1, column 25: invalid UTF-8 in a string (byte 0xff)"},
    {R"([1])", "t.json: top level must be a JSON object"},
    {R"({"depth": 8, "include": "does-not-exist.json"})",
     "t.json: field 'include' = \"does-not-exist.json\": cannot read does-not-exist.json (cannot open: No such file or directory)"},
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

// ---- the strict JSON check (cfg_json_check): RFC 8259, section by section ----------------------
namespace {
std::string check(const std::string &text, int *rc) {
  sim_err e{};
  *rc = cfg_json_check(text.data(), text.size(), "t.json", &e);
  return *rc ? std::string(e.msg) : std::string();
}
const std::string kWs = " (white space is only space, tab, CR and LF)";
}  // namespace

// Expected positions are counted by hand (line, byte column from 1); the expected verdicts are
// RFC 8259's grammar (sections 2-8) and RFC 3629's UTF-8 table, not this checker's output.
TEST(CfgJson, EachMalformedTextGivesItsPositionAndWhatIsWrong) {
  struct { std::string json, msg; } cases[] = {
    // numbers (section 6)
    {R"({"a": 016})", "line 1, column 7: number with a leading zero"},
    {R"({"a": -016})", "line 1, column 7: number with a leading zero"},
    {R"({"a": 00})", "line 1, column 7: number with a leading zero"},
    {R"({"a": 16.})", "line 1, column 10: expected a digit after the decimal point, found '}'"},
    {R"({"a": 1.e5})", "line 1, column 9: expected a digit after the decimal point, found 'e'"},
    {R"({"a": 1e})", "line 1, column 9: expected a digit in the exponent, found '}'"},
    {R"({"a": 1e+})", "line 1, column 10: expected a digit in the exponent, found '}'"},
    {R"({"a": -})", "line 1, column 8: expected a digit after '-', found '}'"},
    {R"({"a": .5})", "line 1, column 7: expected a value, found '.'"},
    {R"({"a": +1})", "line 1, column 7: expected a value, found '+'"},
    {R"({"a": NaN})", "line 1, column 7: expected a value, found 'N'"},
    {R"({"a": 0x10})", "line 1, column 8: expected ',' or '}' after an object member, found 'x'"},
    {"[" + std::string(64, '1') + "]", "line 1, column 2: number longer than 63 characters"},
    // white space (section 2): only space, tab, CR, LF
    {std::string("{\"a\":\0 1}", 9), "line 1, column 6: expected a value, found control byte 0x00" + kWs},
    {"{\"a\": 1,\x01\"b\": 2}",
     "line 1, column 9: expected an object key (a string) after ',', found control byte 0x01" + kWs},
    {"{\"a\":\f1}", "line 1, column 6: expected a value, found control byte 0x0c" + kWs},
    {"{\"a\":\v1}", "line 1, column 6: expected a value, found control byte 0x0b" + kWs},
    {"\xef\xbb\xbf{}", "line 1, column 1: byte order mark at the start (save the file as UTF-8 without BOM)"},
    // strings (section 7)
    {"{\"a\": \"x\ty\"}", "line 1, column 9: raw control character 0x09 in a string (escape it, e.g. \\n)"},
    {"{\"a\": \"x\ny\"}", "line 1, column 9: raw control character 0x0a in a string (escape it, e.g. \\n)"},
    {std::string("{\"a\": \"x\0\"}", 11),
     "line 1, column 9: raw control character 0x00 in a string (escape it, e.g. \\n)"},
    {"{\"x\x1f\": 1}", "line 1, column 4: raw control character 0x1f in a string (escape it, e.g. \\n)"},
    {R"({"a": "\x"})", "line 1, column 8: invalid escape '\\x' in a string"},
    {R"({"a": "\'"})", "line 1, column 8: invalid escape '\\'' in a string"},
    {std::string("{\"a\": \"\\\0\"}", 11), "line 1, column 8: invalid escape in a string ('\\' then byte 0x00)"},
    {"{\"a\": \"\\\xc3\xa9\"}", "line 1, column 8: invalid escape in a string ('\\' then byte 0xc3)"},
    {R"({"a": "\u12G4"})", "line 1, column 8: '\\u' must be followed by 4 hex digits"},
    {R"({"a": "\u12"})", "line 1, column 8: '\\u' must be followed by 4 hex digits"},
    {R"({"a": "\u0000"})", "line 1, column 8: '\\u0000' (NUL) is not allowed in a string"},
    {R"({"a": "\ud800"})", "line 1, column 8: unpaired surrogate '\\uD800' in a string"},
    {R"({"a": "\ud800\u0041"})", "line 1, column 8: unpaired surrogate '\\uD800' in a string"},
    {R"({"a": "\udc00\ud800"})", "line 1, column 8: unpaired surrogate '\\uDC00' in a string"},
    {R"({"a": "abc)", "line 1, column 7: string is not closed"},
    {R"({"a": "abc\)", "line 1, column 7: string is not closed"},
    // UTF-8 (section 8.1, RFC 3629 section 4)
    {"{\"a\": \"ti\xff\"}", "line 1, column 10: invalid UTF-8 in a string (byte 0xff)"},
    {"{\"a\": \"\xf5\x80\x80\x80\"}", "line 1, column 8: invalid UTF-8 in a string (byte 0xf5)"},
    {"{\"a\": \"\x80\"}", "line 1, column 8: invalid UTF-8 in a string (stray continuation byte 0x80)"},
    {"{\"a\": \"\xc0\xaf\"}", "line 1, column 8: invalid UTF-8 in a string (overlong sequence)"},
    {"{\"a\": \"\xc1\xbf\"}", "line 1, column 8: invalid UTF-8 in a string (overlong sequence)"},
    {"{\"a\": \"\xe0\x80\xaf\"}", "line 1, column 8: invalid UTF-8 in a string (overlong sequence)"},
    {"{\"a\": \"\xf0\x8f\xbf\xbf\"}", "line 1, column 8: invalid UTF-8 in a string (overlong sequence)"},
    {"{\"a\": \"\xed\xa0\x80\"}",
     "line 1, column 8: invalid UTF-8 in a string (encoded surrogate U+D800..U+DFFF)"},
    {"{\"a\": \"\xed\xbf\xbf\"}",
     "line 1, column 8: invalid UTF-8 in a string (encoded surrogate U+D800..U+DFFF)"},
    {"{\"a\": \"\xf4\x90\x80\x80\"}", "line 1, column 8: invalid UTF-8 in a string (code point above U+10FFFF)"},
    {"{\"a\": \"\xc3\"}", "line 1, column 8: invalid UTF-8 in a string (truncated sequence)"},
    {"{\"a\": \"\xe2\x82\"}", "line 1, column 8: invalid UTF-8 in a string (truncated sequence)"},
    {"{\"a\": \"\xf0\x9f\x98\"}", "line 1, column 8: invalid UTF-8 in a string (truncated sequence)"},
    {"{\"a\": \"\xe2\x82", "line 1, column 8: invalid UTF-8 in a string (truncated sequence)"},
    // literals (section 3), structure (sections 2, 4, 5)
    {R"({"a": tru})", "line 1, column 7: invalid literal (expected true, false or null)"},
    {R"({"a": True})", "line 1, column 7: expected a value, found 'T'"},
    {R"({"a": nul)", "line 1, column 7: invalid literal (expected true, false or null)"},
    {R"({"a": 1} x)", "line 1, column 10: unexpected 'x' after the JSON value"},
    {R"({"a": 1}})", "line 1, column 9: unexpected '}' after the JSON value"},
    {"{} \x01", "line 1, column 4: unexpected control byte 0x01" + kWs + " after the JSON value"},
    {"", "line 1, column 1: expected a value, found the end of the input"},
    {"  \n ", "line 2, column 2: expected a value, found the end of the input"},
    {R"({"a" 1})", "line 1, column 6: expected ':' after an object key, found '1'"},
    {R"({"a": 1 "b": 2})", "line 1, column 9: expected ',' or '}' after an object member, found '\"'"},
    {R"({1: 2})", "line 1, column 2: expected an object key (a string) or '}', found '1'"},
    {R"({'a': 2})", "line 1, column 2: expected an object key (a string) or '}', found '''"},
    {R"({"a": 1,})", "line 1, column 9: expected an object key (a string) after ',', found '}'"},
    {"{\"a\": 1", "line 1, column 8: expected ',' or '}' after an object member, found the end of the input"},
    {R"([1, 2)", "line 1, column 6: expected ',' or ']' after an array element, found the end of the input"},
    {R"([1,])", "line 1, column 4: expected a value, found ']'"},
    {R"([1 2])", "line 1, column 4: expected ',' or ']' after an array element, found '2'"},
    {"{\"a\": // note\n 1}", "line 1, column 7: expected a value, found '/'"},
    {std::string(65, '[') + std::string(65, ']'), "line 1, column 65: nested deeper than 64 objects and arrays"},
    {"{\n  \"a\": 1,\n  \"b\": 016\n}", "line 3, column 8: number with a leading zero"},
    {"{\r\n\"b\": 1.}", "line 2, column 8: expected a digit after the decimal point, found '}'"},
  };
  for (auto &c : cases) {
    int rc;
    std::string m = check(c.json, &rc);
    EXPECT_EQ(rc, SIM_EINVAL) << c.json;
    EXPECT_EQ(m, "t.json: malformed JSON at " + c.msg) << c.json;
  }
}

// Valid texts at the edges of the grammar: the check accepts them, and cJSON (which builds the
// tree afterwards) accepts them too.
TEST(CfgJson, ValidTextsAtTheEdgesOfTheGrammarPass) {
  const std::string deep = std::string(64, '[') + std::string(64, ']');
  const std::string num63 = "0." + std::string(60, '0') + "5";   // 63 characters
  const std::vector<std::string> ok = {
    "{}", "[]", "0", "-0", "\"\"", "true", "null", " \t\r\n{ \"a\" : [ true , false , null ] } \r\n",
    "-0.0e-0", "1E+2", "1e-2", "123.456e789", "-9007199254740993", "[0,1,-1,10,0.5,2e0]",
    R"({"a": {"b": {"c": [[], {}]}}})",
    R"("\" \\ \/ \b \f \n \r \t \u0001 \u00e9 \uFFFF \ud83d\ude00 \uDBFF\uDFFF")",
    "\"\x7f\"",                                             // DEL may stay raw (section 7)
    "\"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf\"",
    "\"\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
    deep, "[" + num63 + "]",
  };
  for (const std::string &t : ok) {
    int rc;
    std::string m = check(t, &rc);
    EXPECT_EQ(rc, SIM_OK) << t << ": " << m;
    cJSON *j = cJSON_ParseWithLength(t.data(), t.size());
    EXPECT_NE(j, nullptr) << "cJSON refuses " << t;
    cJSON_Delete(j);
  }
  // the 63-character number is read whole (5e-61), not cut short
  cJSON *j = cJSON_Parse(("[" + num63 + "]").c_str());
  ASSERT_NE(j, nullptr);
  EXPECT_DOUBLE_EQ(cJSON_GetArrayItem(j, 0)->valuedouble, 5e-61);
  cJSON_Delete(j);
}

TEST(CfgJson, EveryShippedConfigPasses) {
  glob_t g{};
  ASSERT_EQ(glob("configs/*/*.json", 0, nullptr, &g), 0) << "run from the repository root";
  EXPECT_GE((int)g.gl_pathc, 25);   // hw, dram, energy, gpu, workloads, sweeps
  for (size_t i = 0; i < g.gl_pathc; i++) {
    char *d = nullptr; size_t n = 0; sim_err e{};
    ASSERT_EQ(fio_read_all(g.gl_pathv[i], &d, &n, &e), SIM_OK) << e.msg;
    EXPECT_EQ(cfg_json_check(d, n, g.gl_pathv[i], &e), SIM_OK) << e.msg;
    cJSON *root = nullptr;
    EXPECT_EQ(cfg_json_parse_object(d, n, g.gl_pathv[i], &root, &e), SIM_OK) << e.msg;
    cJSON_Delete(root);
    free(d);
  }
  globfree(&g);
}

TEST(CfgJson, ParseObjectWantsAnObjectAtTheTop) {
  cJSON *root = nullptr; sim_err e{};
  EXPECT_EQ(cfg_json_parse_object("[1]", 3, "t.json", &root, &e), SIM_EINVAL);
  EXPECT_EQ(root, nullptr);
  EXPECT_STREQ(e.msg, "t.json: top level must be a JSON object");
  EXPECT_EQ(cfg_json_parse_object("{\"a\": 016}", 10, "t.json", &root, &e), SIM_EINVAL);
  EXPECT_STREQ(e.msg, "t.json: malformed JSON at line 1, column 7: number with a leading zero");
  ASSERT_EQ(cfg_json_parse_object(" {\"a\": [1]} \n", 13, "t.json", &root, &e), SIM_OK) << e.msg;
  EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "a")), 1);
  cJSON_Delete(root);
}

// cfg_fmt_num, the one number formatter of messages: expected texts are Python's repr (the
// shortest text that reads back), written whole where the value is whole and below 1e18.
TEST(CfgJson, FmtNumIsTheShortestTextThatReadsBack) {
  const struct { double v; const char *want; } cases[] = {
    {0.1, "0.1"}, {0.1 + 0.2, "0.30000000000000004"}, {1.0 / 3, "0.3333333333333333"},
    {2.0 / 3, "0.6666666666666666"}, {1048576, "1048576"}, {1e-9, "1e-09"}, {-2.5, "-2.5"},
    {1e17, "100000000000000000"}, {1e18, "1e+18"}, {-0.0, "-0"},
  };
  for (const auto &c : cases) {
    char b[40];
    cfg_fmt_num(b, sizeof b, c.v);
    EXPECT_STREQ(b, c.want) << c.v;
  }
}

// cfg_json_dup, the one duplicate-key check (cfg loader, trace metadata, safetensors headers):
// the answer is the first member, in document order, that has an earlier twin; deep looks inside
// members before moving on. Expected members and paths are read off the texts by hand.
TEST(CfgJson, DupFindsTheFirstSecondOccurrenceInDocumentOrder) {
  struct Case { const char *text; bool deep; const char *path; int pos; };
  // pos: which member of its object the answer is (0-based), -1 for none
  const Case cases[] = {
    {R"({"a": 1, "b": 2})", true, nullptr, -1},
    {R"({"a": 1, "a": 2})", false, "a", 1},
    // "b" is the first second occurrence (position 2) though "a" sorts first
    {R"({"b": 1, "a": 1, "b": 2, "a": 2})", false, "b", 2},
    {R"({"a": 1, "a": 2, "a": 3})", false, "a", 1},
    // shallow ignores the inner twin; deep finds it first: it comes before the outer "a"
    {R"({"a": 1, "x": {"c": 1, "c": 2}, "a": 2})", false, "a", 2},
    {R"({"a": 1, "x": {"c": 1, "c": 2}, "a": 2})", true, "x.c", 1},
    {R"({"x": [1, {"d": 1, "e": 2, "d": 3}]})", true, "x[].d", 2},
    {R"([{"k": 1}, {"k": 2}])", true, nullptr, -1},   // twins in different objects are fine
  };
  for (const Case &c : cases) {
    cJSON *j = cJSON_Parse(c.text);
    ASSERT_NE(j, nullptr) << c.text;
    char path[64] = "unset";
    const cJSON *d = cfg_json_dup(j, c.deep, "", path, sizeof path);
    if (c.pos < 0) {
      EXPECT_EQ(d, nullptr) << c.text;
    } else {
      ASSERT_NE(d, nullptr) << c.text;
      EXPECT_STREQ(path, c.path) << c.text;
      int pos = 0;
      for (const cJSON *m = d; m->prev && m->prev->next; m = m->prev) pos++;
      EXPECT_EQ(pos, c.pos) << c.text;
    }
    cJSON_Delete(j);
  }
  // a prefix starts the path; the cut keeps cap - 1 bytes
  cJSON *j = cJSON_Parse(R"({"inner": {"key": 1, "key": 2}})");
  char path[64], small[8];
  ASSERT_NE(cfg_json_dup(j, true, "ref", path, sizeof path), nullptr);
  EXPECT_STREQ(path, "ref.inner.key");
  ASSERT_NE(cfg_json_dup(j, true, "ref", small, sizeof small), nullptr);
  EXPECT_STREQ(small, "ref.inn");
  cJSON_Delete(j);
}

// A file's error names the file and the line; an included file's error names the included file.
TEST(CfgJson, FileErrorsNameTheFileThatIsMalformed) {
  char dir[] = "/tmp/cfgjsonXXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string base = std::string(dir) + "/base.json", top = std::string(dir) + "/top.json";
  FILE *f = fopen(base.c_str(), "w");
  fputs("{\"depth\": 16,\n \"name\": \"a\x01\"}", f);
  fclose(f);
  f = fopen(top.c_str(), "w");
  fputs(R"({"include": "base.json", "thr": 0.7})", f);
  fclose(f);
  Demo d{}; sim_err e{};
  EXPECT_EQ(cfg_load_file(&kDemoT, top.c_str(), &d, &e), SIM_EINVAL);
  EXPECT_EQ(std::string(e.msg), base + ": malformed JSON at line 2, column 12: raw control "
                                       "character 0x01 in a string (escape it, e.g. \\n)");
  remove(base.c_str()); remove(top.c_str()); rmdir(dir);
}
