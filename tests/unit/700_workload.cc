// 700_workload: workload configs: presets, derived fields, every shipped file loads, and each
// kind of bad input is one named line (SIM_EINVAL).
#include <cjson/cJSON.h>
#include <glob.h>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <vector>
#include "test_util.h"
extern "C" {
#include "models/workload.h"
}

namespace {
int load(const char *json, wl_cfg *w, std::string *msg) {
  sim_err e{};
  int rc = wl_cfg_load_string(json, "w.json", w, &e);
  *msg = rc ? e.msg : "";
  return rc;
}
}  // namespace

TEST(Workload, PresetsFillTheModelShapeAndDefaults) {
  wl_cfg w;
  std::string m;
  ASSERT_EQ(load(R"({"model": "gpt2-medium", "stage": "generate", "n_prompt": 992, "n_gen": 32,
                     "fxp": {"k_lsb_bits": 6}, "policy": {"progressive": true}})", &w, &m), SIM_OK) << m;
  EXPECT_EQ(w.layers, 24u);
  EXPECT_EQ(w.heads, 16u);
  EXPECT_EQ(w.d_model, 1024u);
  EXPECT_EQ(w.d_head, 64u);
  EXPECT_TRUE(w.causal);
  // default starts: tokens ceil(0.15 * 24) = 4, heads ceil(0.30 * 24) = 8 (spatten.md section 2)
  EXPECT_EQ(w.tok_keep_l[3], 1.0);
  EXPECT_LT(w.tok_keep_l[4], 1.0);
  EXPECT_EQ(w.head_keep_l[7], 1.0);
  EXPECT_LT(w.head_keep_l[8], 1.0);
}

TEST(Workload, DefaultIsBertBase384WithTheSpattenPolicy) {
  wl_cfg w;
  ASSERT_EQ(wl_default(&w), SIM_OK);
  EXPECT_EQ(w.model, (uint32_t)WL_MODEL_BERT_BASE);
  EXPECT_EQ(w.n_prompt, 384u);
  EXPECT_EQ(w.policy.kind, (uint32_t)WL_POL_SPATTEN);
  EXPECT_FALSE(w.causal);
  // ceil(0.15 * 12) = 2: layers 0 and 1 keep every token
  EXPECT_EQ(w.tok_keep_l[1], 1.0);
  EXPECT_DOUBLE_EQ(w.tok_keep_l[2], 0.84);
  EXPECT_STREQ(w.name, "default-bert-base-384");   // it names out/default-bert-base-384/
}

namespace {
std::vector<std::string> glob_files(const char *pattern) {
  std::vector<std::string> out;
  glob_t g;
  if (glob(pattern, 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; i++) out.push_back(g.gl_pathv[i]);
  globfree(&g);
  return out;
}
// The "name" string of a workload file as cJSON reads it ("" if the file sets none).
std::string json_name(const std::string &path) {
  cJSON *j = cJSON_Parse(testutil::slurp(path).c_str());
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "name");
  std::string r = cJSON_IsString(n) ? n->valuestring : "";
  cJSON_Delete(j);
  return r;
}
}  // namespace

// Every file under configs/workloads/ (found by glob, not a list that can go stale) loads, with
// the name written in the file, and every workload a shipped sweep names loads too.
TEST(Workload, EveryShippedConfigAndSweepWorkloadLoadsWithASafeName) {
  std::vector<std::string> files = glob_files("configs/workloads/*.json");
  EXPECT_GE(files.size(), 8u);                      // the 8 in docs/config-workload.md
  std::set<std::string> names;
  for (const std::string &p : files) {
    wl_cfg w;
    sim_err e{};
    EXPECT_EQ(wl_cfg_load(p.c_str(), &w, &e), SIM_OK) << p << ": " << e.msg;
    std::string want = json_name(p);
    if (!want.empty()) {
      EXPECT_EQ(std::string(w.name), want) << p;
    }
    EXPECT_TRUE(spt_name_ok(w.name)) << p;
    names.insert(w.name);
  }
  for (const char *n : {"tiny", "bert-base-384", "gpt2-small-992+32", "gpt2-medium-992+32"})
    EXPECT_EQ(names.count(n), 1u) << n;
  std::vector<std::string> sweeps = glob_files("configs/sweeps/*.json");
  EXPECT_GE(sweeps.size(), 1u);
  size_t referenced = 0;
  for (const std::string &sp : sweeps) {
    cJSON *j = cJSON_Parse(testutil::slurp(sp).c_str());
    ASSERT_NE(j, nullptr) << sp;
    const std::string dir = sp.substr(0, sp.rfind('/') + 1);
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "workloads")) {
      ASSERT_TRUE(cJSON_IsString(x)) << sp;
      std::string p = x->valuestring[0] == '/' ? x->valuestring : dir + x->valuestring;
      wl_cfg w;
      sim_err e{};
      EXPECT_EQ(wl_cfg_load(p.c_str(), &w, &e), SIM_OK) << sp << " -> " << p << ": " << e.msg;
      referenced++;
    }
    // a sweep axis over the name itself must hold safe names too
    const cJSON *vw = cJSON_GetObjectItemCaseSensitive(j, "vary_workload");
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(vw, "name"))
      EXPECT_TRUE(cJSON_IsString(x) && spt_name_ok(x->valuestring)) << sp;
    cJSON_Delete(j);
  }
  EXPECT_GE(referenced, sweeps.size());
}

// The name becomes out/<name>/ (spatten run), a CSV cell (sweep results) and part of one-line
// console headers: anything that could escape out/, split a CSV row or a line is refused.
TEST(Workload, NameMustBeASafeFileName) {
  const std::string form =
      " is not allowed: use 1 to 63 characters from A-Z a-z 0-9 . _ + -, the first a letter or digit";
  // a control character is refused for every string field (cfg.c), before the name rule
  struct { const char *json_name, *shown, *ctl = nullptr; } bad[] = {
    {R"("../../escaped")", R"("../../escaped")"},
    {R"("tiny,extra\nline")", R"("tiny,extra\nline")", "w.json: field 'name' holds the control character 0x0a at character 11"},
    {R"("")", R"("")"},
    {R"(".hidden")", R"(".hidden")"},
    {R"("..")", R"("..")"},
    {R"("-o")", R"("-o")"},
    {R"("a b")", R"("a b")"},
    {R"("a/b")", R"("a/b")"},
    {R"("a\\b")", R"("a\\b")"},
    {R"("q\"x")", R"("q\"x")"},
    {R"("tab\there")", R"("tab\there")", "w.json: field 'name' holds the control character 0x09 at character 4"},
    {R"("esc\u001b[2J")", R"("esc\x1b[2J")", "w.json: field 'name' holds the control character 0x1b at character 4"},
    {R"("caf\u00e9")", R"("caf\xc3\xa9")"},
  };
  for (auto &b : bad) {
    std::string j = std::string(R"({"name": )") + b.json_name + R"(, "model": "tiny", "n_prompt": 8})";
    wl_cfg w;
    std::string m;
    EXPECT_EQ(load(j.c_str(), &w, &m), SIM_EINVAL) << j;
    EXPECT_EQ(m, b.ctl ? std::string(b.ctl) : std::string("w.json: field 'name' = ") + b.shown + form) << j;
    EXPECT_EQ(m.find('\n'), std::string::npos) << j;
  }
  // the name is also checked when it comes from an included file (the message names the top file)
  {
    std::string inc = testutil::tmp_path("inc.json");
    FILE *f = fopen(inc.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(R"({"name": "a,b", "model": "tiny", "n_prompt": 8})", f);
    fclose(f);
    std::string j = R"({"include": ")" + inc + R"(", "seed": 2})";
    wl_cfg w;
    std::string m;
    EXPECT_EQ(load(j.c_str(), &w, &m), SIM_EINVAL);
    EXPECT_EQ(m, std::string("w.json: field 'name' = \"a,b\"") + form);
    remove(inc.c_str());
  }
  const std::string n63(63, 'x');
  for (const std::string &ok : {std::string("default-bert-base-384"), std::string("gpt2-small-992+32"),
                                std::string("a"), std::string("0"), std::string("A.b_c+d-1..x"), n63}) {
    std::string j = R"({"name": ")" + ok + R"(", "model": "tiny", "n_prompt": 8})";
    wl_cfg w;
    std::string m;
    EXPECT_EQ(load(j.c_str(), &w, &m), SIM_OK) << ok << ": " << m;
    EXPECT_EQ(std::string(w.name), ok);
    EXPECT_TRUE(spt_name_ok(ok.c_str())) << ok;
  }
  EXPECT_FALSE(spt_name_ok((n63 + "x").c_str()));   // 64 characters: one too many
  EXPECT_FALSE(spt_name_ok(""));
  EXPECT_FALSE(spt_name_ok("x\n"));
}

TEST(Workload, EveryShippedWorkloadLoads) {
  const char *files[] = {"bert-base", "bert-base-glue", "bert-large", "bert-large-glue",
                         "gpt2-small", "gpt2-medium", "tiny", "tiny-gpt2"};
  for (const char *f : files) {
    std::string p = std::string("configs/workloads/") + f + ".json";
    wl_cfg w;
    sim_err e{};
    EXPECT_EQ(wl_cfg_load(p.c_str(), &w, &e), SIM_OK) << p << ": " << e.msg;
  }
}

TEST(Workload, EachBadInputGivesOneNamedLine) {
  struct { const char *json, *msg; } cases[] = {
    {R"({"model": "bert-base", "n_prompt": 8,})",
     "w.json: malformed JSON at line 1, column 38: expected an object key (a string) after ',', found '}'"},
    {R"({"model": "bert-base", "n_prompt": 8, "n_promt": 9})", "w.json: unknown field 'n_promt' in workload config"},
    {R"({"model": "bert-base", "n_prompt": 8, "n_prompt": 9})", "w.json: field 'n_prompt' appears twice"},
    {R"({"model": "bert-base", "n_prompt": "8"})", "w.json: field 'n_prompt' must be a whole number"},
    {R"({"model": "bert-base", "n_prompt": 0})", "w.json: field 'n_prompt' = 0 is out of range [1, 4096]"},
    {R"({"model": "bert-huge", "n_prompt": 8})",
     "w.json: field 'model' = \"bert-huge\" is not one of: custom, bert-base, bert-large, gpt2-small, gpt2-medium, tiny"},
    {R"({"model": "bert-base", "n_prompt": 8, "include": "no-such-file.json"})",
     "w.json: field 'include' = \"no-such-file.json\": cannot read no-such-file.json (cannot open: No such file or directory)"},
    {R"({"model": "bert-base", "n_prompt": 8, "policy": {"name": "magic"}})",
     "w.json: field 'policy.name' = \"magic\" is not one of: none, spatten, ap, head-entropy, head-sparsity, head-distribution, head-random, head-magnitude"},
    {R"({"model": "bert-base", "n_prompt": 8, "policy": {"tok_keep": [0.5, 0.5]}})",
     "w.json: field 'policy.tok_keep' has 2 elements; give 1 or one per layer (12)"},
    {R"({"model": "bert-base", "n_prompt": 8, "policy": {"tok_keep": [0, 0.5]}})",
     "w.json: field 'policy.tok_keep[0]' = 0 is out of range [0.001, 1]"},
    {R"({"model": "bert-base", "n_prompt": 8, "policy": {"progressive": true}})",
     "w.json: field 'policy.progressive' needs fxp.k_lsb_bits > 0"},
    {R"({"model": "bert-base", "stage": "generate", "n_prompt": 8, "n_gen": 2})",
     "w.json: field 'stage' = \"generate\" needs a causal (gpt2) model"},
    {R"({"model": "bert-base", "n_prompt": 8, "n_gen": 2})", "w.json: field 'n_gen' = 2 needs stage \"generate\""},
    {R"({"model": "custom", "arch": "bert", "layers": 2, "heads": 3, "d_model": 16, "n_prompt": 8})",
     "w.json: field 'd_model' = 16 is not a multiple of heads (3)"},
    {R"({"model": "bert-base", "n_prompt": 8, "fxp": {"bits": 8, "frac": 8}})",
     "w.json: field 'fxp.frac' = 8 must be below fxp.bits (8)"},
    {R"({"model": "bert-base", "n_prompt": 8, "fxp": {"v_bits": 4}})",
     "w.json: field 'fxp.v_bits' = 4 is out of range [5, 12] (fxp.bits - fxp.frac to fxp.bits, or 0 for fxp.bits)"},
    {R"({"model": "bert-base", "n_prompt": 8, "fxp": {"v_bits": 13}})",
     "w.json: field 'fxp.v_bits' = 13 is out of range [5, 12] (fxp.bits - fxp.frac to fxp.bits, or 0 for fxp.bits)"},
    {R"({"model": "bert-base", "n_prompt": 8, "source": "weights"})",
     "w.json: field 'weights' and 'tokens' are required for source weights"},
    {R"({"n_prompt": 8})", "w.json: required field 'model' is missing"},
    {R"({"model": "custom", "arch": "bert", "layers": 1, "heads": 8, "d_model": 16, "n_prompt": 8})",
     "w.json: field 'd_model' gives head dimension 2; synthetic inputs need >= 4"},
    {R"({"model": "bert-base", "n_prompt": 8, "fxp": {"bits": 16}})",
     "w.json: field 'fxp.bits' = 16 with head dimension 64 can overflow the 32-bit score"},
  };
  for (auto &c : cases) {
    wl_cfg w;
    std::string m;
    EXPECT_EQ(load(c.json, &w, &m), SIM_EINVAL) << c.json;
    EXPECT_EQ(m, c.msg) << c.json;
    EXPECT_EQ(m.find('\n'), std::string::npos);
  }
}

TEST(Workload, ConfigRoundTripsThroughItsJson) {
  wl_cfg a, b;
  ASSERT_EQ(wl_default(&a), SIM_OK);
  char *j = wl_to_json(&a);
  sim_err e{};
  ASSERT_EQ(wl_cfg_load_string(j, "rt", &b, &e), SIM_OK) << e.msg << " " << j;
  free(j);
  EXPECT_EQ(a.n_prompt, b.n_prompt);
  for (int l = 0; l < 12; l++) {
    EXPECT_EQ(a.tok_keep_l[l], b.tok_keep_l[l]);
    EXPECT_EQ(a.head_keep_l[l], b.head_keep_l[l]);
  }
}
