// 240_wlcsv: the authors' workload CSV: strict reading (exact values, line-numbered errors) and
// writing from our trace (expected rows worked out by hand from the trace built below).
#include <gtest/gtest.h>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include "test_util.h"
using testutil::slurp;
using testutil::tmp_path;
extern "C" {
#include "trace/wlcsv.h"
#include "trace/fxp.h"
}

namespace {
const char *const kHeader = testutil::kWlcsvHeader;

int read_str(const std::string &s, wlcsv **w, sim_err *e) {
  return wlcsv_read_mem(s.data(), s.size(), "w.csv", w, e);
}


}  // namespace

TEST(WlCsv, ReadsAHandWrittenFileWithExactValues) {
  std::string s = std::string(kHeader) +
      "0,0,0,64.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n"
      "0,0,3,64.0,993,993,6,16,0.05,False,4,204,6,True,False,True,921\n"
      "1,0,1,64,994,921,-1,-1,-1,False,-1,184,-1,False,True,False,-1\r\n"
      "configs/gpt2/x.yml,,,,,,,,,,,,,,,,\n";
  wlcsv *w = nullptr;
  sim_err e{};
  ASSERT_EQ(read_str(s, &w, &e), SIM_OK) << e.msg;
  ASSERT_EQ(w->n_rows, 3u);
  const wlcsv_row &a = w->rows[0];
  EXPECT_EQ(a.iteration, 0u); EXPECT_EQ(a.layer, 0u); EXPECT_EQ(a.head, 0u);
  EXPECT_EQ(a.d_head, 64u); EXPECT_EQ(a.sentence_len, 993u); EXPECT_EQ(a.key_fetch, 993u);
  EXPECT_EQ(a.quant_key_bit, 6); EXPECT_EQ(a.quant_query_bit, 16);
  EXPECT_DOUBLE_EQ(a.requant_thres, 0.05); EXPECT_TRUE(a.if_requant); EXPECT_EQ(a.requant_incre, 4);
  EXPECT_EQ(a.value_fetch, 204u); EXPECT_EQ(a.quant_value_bit, 6);
  EXPECT_TRUE(a.accumulate_imp); EXPECT_FALSE(a.rescale_prev_imp);
  EXPECT_FALSE(a.if_topk); EXPECT_EQ(a.topk, -1); EXPECT_EQ(a.line, 2u);
  const wlcsv_row &b = w->rows[1];
  EXPECT_EQ(b.head, 3u); EXPECT_TRUE(b.if_topk); EXPECT_EQ(b.topk, 921); EXPECT_FALSE(b.if_requant);
  const wlcsv_row &c = w->rows[2];
  EXPECT_EQ(c.iteration, 1u); EXPECT_EQ(c.quant_key_bit, -1); EXPECT_EQ(c.requant_thres, -1.0);
  EXPECT_EQ(c.requant_incre, -1); EXPECT_FALSE(c.accumulate_imp); EXPECT_TRUE(c.rescale_prev_imp);
  EXPECT_EQ(c.line, 4u);
  EXPECT_STREQ(w->config, "configs/gpt2/x.yml");
  EXPECT_FALSE(w->summary_iter0);
  EXPECT_EQ(w->n_iterations, 2u); EXPECT_EQ(w->n_layers, 1u); EXPECT_EQ(w->max_heads, 4u);
  wlcsv_free(w);
}

TEST(WlCsv, MalformedLinesAreReportedWithTheirLineNumber) {
  const std::string ok = "0,0,0,64.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n";
  struct { std::string body, msg; } cases[] = {
    {"", "w.csv:1: missing header line (expected 'iteration_id,...')"},
    {"iteration_id,layer_id\n", "w.csv:1: header has 2 columns, expected 17"},
    {"iteration_id,layer,head_id\n", "w.csv:1: header column 2 is 'layer', expected 'layer_id'"},
    {std::string(kHeader), "w.csv:2: no data rows after the header"},
    {std::string(kHeader) + ok + "0,0,1,64.0,993\n", "w.csv:3: 5 fields, expected 17"},
    {std::string(kHeader) + ok + "\n" + ok, "w.csv:3: empty line"},
    {std::string(kHeader) + "x,0,0,64.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'iteration_id' = 'x' is not a non-negative integer"},
    {std::string(kHeader) + "0,0,0,64.5,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'embedding_length_D' = '64.5' is not a whole number (digits, optionally followed by .0)"},
    // issue 12 items 13 and 15: lenient forms strtod took, a trailing blank line, a BOM, a NUL
    {std::string(kHeader) + "0,0,0,8e0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'embedding_length_D' = '8e0' is not a whole number (digits, optionally followed by .0)"},
    {std::string(kHeader) + "0,0,0,64.0,993,993,6,16,0x1p-3,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'auto_requant_thres' = '0x1p-3' must be a probability in (0, 1] or -1"},
    {std::string(kHeader) + "0,0,0,64.0,993,993,6,16, 0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'auto_requant_thres' = ' 0.05' must be a probability in (0, 1] or -1"},
    {std::string(kHeader) + ok + "\n", "w.csv:3: empty line"},
    {std::string(kHeader) + ok + "\r\n", "w.csv:3: empty line"},
    {"\xef\xbb\xbf" + std::string(kHeader) + ok,
     "w.csv:1: the file starts with a UTF-8 byte order mark (bytes EF BB BF); save it without one"},
    {std::string(kHeader) + ok + std::string("0,0,1,64.0,9\0\n", 15),
     "w.csv:3: a NUL byte at column 13 (not a text CSV)"},
    {std::string(kHeader) + "0,0,0,64.0,993,993,6,16,0.05,true,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'if_requant' = 'true' must be True or False"},
    {std::string(kHeader) + "0,0,0,64.0,993,993,40,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'quant_key_bit' = 40 is out of range [1, 32] (or -1 for unused)"},
    // the trace format's limits (N + T <= 4096, 64 layers, 64 heads, d <= 1024); a row sees a key
    {std::string(kHeader) + "4096,0,0,64.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'iteration_id' = 4096 is out of range [0, 4095]"},
    {std::string(kHeader) + "0,64,0,64.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'layer_id' = 64 is out of range [0, 63]"},
    {std::string(kHeader) + "0,0,64,64.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'head_id' = 64 is out of range [0, 63]"},
    {std::string(kHeader) + "0,0,0,1025.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'embedding_length_D' = 1025.0 is out of range [1, 1024]"},
    {std::string(kHeader) + "0,0,0,64.0,4097,993,6,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'sentence_length_L' = 4097 is out of range [1, 4096]"},
    {std::string(kHeader) + "0,0,0,64.0,993,0,6,16,0.05,True,4,0,6,True,False,False,-1\n",
     "w.csv:2: field 'key_fetch_num' = 0 is out of range [1, 4096]"},
    {std::string(kHeader) + "0,0,0,64.0,993,993,6,16,1.5,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: field 'auto_requant_thres' = '1.5' must be a probability in (0, 1] or -1"},
    {std::string(kHeader) + "0,0,0,64.0,993,994,6,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: key_fetch_num = 994 exceeds sentence_length_L = 993"},
    {std::string(kHeader) + "0,0,0,64.0,993,993,6,16,0.05,True,4,995,6,True,False,False,-1\n",
     "w.csv:2: value_fetch_num = 995 exceeds key_fetch_num = 993"},
    {std::string(kHeader) + "0,0,0,64.0,993,993,6,16,0.05,True,4,204,6,True,False,True,-1\n",
     "w.csv:2: if_topk is True but topk is -1"},
    {std::string(kHeader) + "0,0,0,64.0,993,993,6,16,0.05,True,4,204,6,True,False,False,7\n",
     "w.csv:2: if_topk is False but topk = 7 (must be -1)"},
    {std::string(kHeader) + "0,0,0,64.0,993,993,6,16,-1,True,4,204,6,True,False,False,-1\n",
     "w.csv:2: if_requant is True but auto_requant_thres or auto_requant_incre is -1"},
    {std::string(kHeader) + ok + ok, "w.csv:3: head_id 0 after head_id 0 in the same layer: heads must be strictly increasing"},
    {std::string(kHeader) + "0,1,0,64.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n" + ok,
     "w.csv:3: row (iteration 0, layer 0) comes after (iteration 0, layer 1): rows must be in execution order"},
    {std::string(kHeader) + ok + "0,0,1,32.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n",
     "w.csv:3: embedding_length_D = 32 differs from 64 on line 2"},
    {std::string(kHeader) + ok + "cfg.yml,,,,,,,,,,,,,,,,\n" + ok,
     "w.csv:3: the config line must be the last line of the file"},
    // a file cut short: the last line has no '\n' (our writer always ends lines with one), so a
    // row whose topk 635 lost its last digit cannot pass as topk 63
    {std::string(kHeader) + ok + "0,0,1,64.0,993,993,6,16,0.05,True,4,204,6,True,False,True,63",
     "w.csv:3: last line has no newline (truncated file?)"},
    {"iteration_id,layer_id", "w.csv:1: last line has no newline (truncated file?)"},
    {std::string(kHeader) + ok + "cfg.yml,,,,,,,,,,,,,,,,",
     "w.csv:3: last line has no newline (truncated file?)"},
    {std::string(kHeader) + ok + "0,0,1,64.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\r",
     "w.csv:3: last line has no newline (truncated file?)"},
    // the config text reaches console lines and JSON reports: printable ASCII only
    {std::string(kHeader) + ok + "cfg\x1b[2J.yml,,,,,,,,,,,,,,,,\n",
     "w.csv:3: config line holds byte 0x1b; only printable ASCII is allowed"},
    {std::string(kHeader) + ok + "cfg\r.yml,,,,,,,,,,,,,,,,\n",
     "w.csv:3: config line holds byte 0x0d; only printable ASCII is allowed"},
    {std::string(kHeader) + ok + "caf\xc3\xa9.yml,,,,,,,,,,,,,,,,\n",
     "w.csv:3: config line holds byte 0xc3; only printable ASCII is allowed"},
  };
  for (auto &k : cases) {
    wlcsv *w = nullptr;
    sim_err e{};
    EXPECT_EQ(read_str(k.body, &w, &e), SIM_ETRACE) << k.body;
    EXPECT_EQ(std::string(e.msg), k.msg);
    EXPECT_EQ(w, nullptr);
  }
  wlcsv *w = nullptr;
  sim_err e{};
  EXPECT_EQ(wlcsv_read("/nonexistent/w.csv", &w, &e), SIM_EIO);
}

TEST(WlCsv, EveryCutInsideTheLastLineIsRejected) {
  // a well-formed file (3 rows + config line, 5 lines) read whole, then cut at every byte of
  // its last line: each prefix must fail on line 5, never read as a shorter config/row
  const std::string body = std::string(kHeader) +
      "0,0,0,64.0,993,993,6,16,0.05,True,4,204,6,True,False,False,-1\n"
      "0,0,3,64.0,993,993,6,16,0.05,False,4,204,6,True,False,True,635\n"
      "1,0,1,64,994,635,-1,-1,-1,False,-1,184,-1,False,True,False,-1\n"
      "configs/gpt2/x.yml,,,,,,,,,,,,,,,,\n";
  wlcsv *w = nullptr;
  sim_err e{};
  ASSERT_EQ(read_str(body, &w, &e), SIM_OK) << e.msg;
  EXPECT_EQ(w->n_rows, 3u);
  EXPECT_EQ(w->rows[1].topk, 635);
  wlcsv_free(w);
  const size_t last = body.rfind('\n', body.size() - 2) + 1;   // first byte of line 5
  for (size_t cut = last + 1; cut < body.size(); cut++) {
    w = nullptr;
    e = sim_err{};
    EXPECT_EQ(read_str(body.substr(0, cut), &w, &e), SIM_ETRACE) << cut;
    EXPECT_STREQ(e.msg, "w.csv:5: last line has no newline (truncated file?)") << cut;
    EXPECT_EQ(w, nullptr);
  }
  // cut inside the row with topk 635 (line 3): "...,True,63" must not read as topk 63
  const std::string cut3 = body.substr(0, body.find("635\n") + 2);
  e = sim_err{};
  EXPECT_EQ(read_str(cut3, &w, &e), SIM_ETRACE);
  EXPECT_STREQ(e.msg, "w.csv:3: last line has no newline (truncated file?)");
}

namespace {
// A hand-made trace: BERT-like summarization (step 0) over 2 layers + 1 generation step.
// layer 0: tokens {0..7}, heads {0,1,2}; layer 1: tokens {0,2,3,5,6} (3 pruned), heads {0,2}
// step 1 layer 0: tokens {0,2,3,5,6,8} (the new token 8), heads {0,2}
// step 1 layer 1: tokens {0,3,8}, heads {2}
struct TraceFixture {
  spt_trace t{};
  std::vector<spt_pass> pass;
  std::vector<std::vector<uint32_t>> toks, heads;
  std::vector<std::vector<uint8_t>> lsb;
  TraceFixture() {
    snprintf(t.workload, sizeof t.workload, "toy,wl");
    snprintf(t.model, sizeof t.model, "custom");
    t.layers = 2; t.heads = 3; t.d_head = 16; t.n_prompt = 8; t.n_gen = 1;
    fxp_fmt_init(&t.fmt, 12, 8, 4, 12, 16);
    t.policy.progressive = true; t.policy.pq_threshold = 0.1;
    t.policy.local_v = true; t.policy.v_keep = 0.3;
    t.policy.token_prune = true;
    toks = {{0, 1, 2, 3, 4, 5, 6, 7}, {0, 2, 3, 5, 6}, {0, 2, 3, 5, 6, 8}, {0, 3, 8}};
    heads = {{0, 1, 2}, {0, 2}, {0, 2}, {2}};
    uint32_t steps[] = {0, 0, 1, 1}, layers[] = {0, 1, 0, 1}, nq[] = {8, 5, 1, 1};
    // lsb_refetch [n_head][n_q]: pass 0 head 1 row 4; pass 2 head 0 (index 0); others none
    lsb = {std::vector<uint8_t>(3 * 8, 0), std::vector<uint8_t>(2 * 5, 0),
           std::vector<uint8_t>(2 * 1, 0), std::vector<uint8_t>(1, 0)};
    lsb[0][1 * 8 + 4] = 1;
    lsb[2][0] = 1;
    pass.resize(4);
    for (int i = 0; i < 4; i++) {
      spt_pass &p = pass[i];
      p = spt_pass{};
      p.step = steps[i]; p.layer = layers[i]; p.n_tok = (uint32_t)toks[i].size(); p.n_q = nq[i];
      p.n_head = (uint32_t)heads[i].size(); p.tok_idx = toks[i].data();
      p.head_idx = heads[i].data(); p.lsb_refetch = lsb[i].data();
    }
    t.n_pass = 4;
    t.pass = pass.data();
  }
};
}  // namespace

TEST(WlCsv, TraceRowsFollowTheDocumentedMapping) {
  TraceFixture f;
  wlcsv *w = nullptr;
  sim_err e{};
  ASSERT_EQ(wlcsv_from_trace(&f.t, &w, &e), SIM_OK) << e.msg;
  ASSERT_EQ(w->n_rows, 3u + 2 + 2 + 1);
  // pass 0: 8 keys, v = ceil(0.3 * 8) = 3; next pass keeps 5 of its 8 tokens -> topk 5 on head 2
  const wlcsv_row *r = w->rows;
  for (int h = 0; h < 3; h++) {
    EXPECT_EQ(r[h].iteration, 0u); EXPECT_EQ(r[h].layer, 0u); EXPECT_EQ(r[h].head, (uint32_t)h);
    EXPECT_EQ(r[h].sentence_len, 8u); EXPECT_EQ(r[h].key_fetch, 8u); EXPECT_EQ(r[h].value_fetch, 3u);
    EXPECT_EQ(r[h].quant_key_bit, 8); EXPECT_EQ(r[h].quant_query_bit, 12);
    EXPECT_EQ(r[h].quant_value_bit, 12); EXPECT_EQ(r[h].requant_incre, 4);
    EXPECT_DOUBLE_EQ(r[h].requant_thres, 0.1); EXPECT_TRUE(r[h].accumulate_imp);
    EXPECT_EQ(r[h].d_head, 16u);
  }
  EXPECT_FALSE(r[0].if_requant); EXPECT_TRUE(r[1].if_requant); EXPECT_FALSE(r[2].if_requant);
  EXPECT_FALSE(r[0].if_topk); EXPECT_FALSE(r[1].if_topk);
  EXPECT_TRUE(r[2].if_topk); EXPECT_EQ(r[2].topk, 5);
  // pass 1: 5 keys, v = ceil(1.5) = 2, heads 0 and 2; next pass (step 1) keeps all 5 -> no topk
  EXPECT_EQ(r[3].head, 0u); EXPECT_EQ(r[4].head, 2u); EXPECT_EQ(r[4].value_fetch, 2u);
  EXPECT_FALSE(r[4].if_topk); EXPECT_EQ(r[4].topk, -1);
  // pass 2: step 1, L = 9, 6 keys, v = ceil(1.8) = 2, head 0 refetched; next keeps {0,3,8} = 3
  EXPECT_EQ(r[5].iteration, 1u); EXPECT_EQ(r[5].sentence_len, 9u); EXPECT_EQ(r[5].key_fetch, 6u);
  EXPECT_EQ(r[5].value_fetch, 2u); EXPECT_TRUE(r[5].if_requant); EXPECT_FALSE(r[6].if_requant);
  EXPECT_TRUE(r[6].if_topk); EXPECT_EQ(r[6].topk, 3);
  // pass 3: last pass, 3 keys, v = ceil(0.9) = 1, no topk after it
  EXPECT_EQ(r[7].head, 2u); EXPECT_EQ(r[7].value_fetch, 1u); EXPECT_FALSE(r[7].if_topk);
  EXPECT_STREQ(w->config, "spatten-sim toy_wl custom N=8 T=1 summarization=iteration0");
  EXPECT_TRUE(w->summary_iter0);
  wlcsv_free(w);
}

TEST(WlCsv, WriteThenReadRoundTripsEveryField) {
  TraceFixture f;
  std::string p = tmp_path("t.csv");
  sim_err e{};
  ASSERT_EQ(wlcsv_write_trace(&f.t, p.c_str(), &e), SIM_OK) << e.msg;
  wlcsv *mem = nullptr, *disk = nullptr;
  ASSERT_EQ(wlcsv_from_trace(&f.t, &mem, &e), SIM_OK);
  ASSERT_EQ(wlcsv_read(p.c_str(), &disk, &e), SIM_OK) << e.msg;
  ASSERT_EQ(disk->n_rows, mem->n_rows);
  for (size_t i = 0; i < mem->n_rows; i++) {
    wlcsv_row a = mem->rows[i], b = disk->rows[i];
    EXPECT_EQ(b.line, i + 2);
    a.line = b.line = 0;
    EXPECT_EQ(memcmp(&a, &b, sizeof a), 0) << "row " << i;
  }
  EXPECT_STREQ(disk->config, mem->config);
  EXPECT_TRUE(disk->summary_iter0);
  EXPECT_FALSE(disk->summary_causal);
  {  // a causal model says so on the config line, and the reader reads it back
    f.t.causal = true;
    std::string pc = tmp_path("c.csv");
    wlcsv *c = nullptr;
    ASSERT_EQ(wlcsv_write_trace(&f.t, pc.c_str(), &e), SIM_OK) << e.msg;
    ASSERT_EQ(wlcsv_read(pc.c_str(), &c, &e), SIM_OK) << e.msg;
    EXPECT_STREQ(c->config, "spatten-sim toy_wl custom N=8 T=1 summarization=iteration0 attention=causal");
    EXPECT_TRUE(c->summary_iter0);
    EXPECT_TRUE(c->summary_causal);
    wlcsv_free(c);
    remove(pc.c_str());
    f.t.causal = false;
  }
  // the header line, then the first data line, byte for byte
  std::string txt = slurp(p);
  std::string hdr(kHeader);
  ASSERT_NE(hdr.find('\n'), std::string::npos);
  EXPECT_EQ(txt.substr(0, hdr.find('\n') + 1), hdr.substr(0, hdr.find('\n') + 1));
  std::string l2 = txt.substr(txt.find('\n') + 1);
  l2 = l2.substr(0, l2.find('\n'));
  EXPECT_EQ(l2, "0,0,0,16.0,8,8,8,12,0.1,False,4,3,12,True,False,False,-1");
  // writing what was read gives the same bytes
  std::string p2 = p + "2";
  ASSERT_EQ(wlcsv_write(disk, p2.c_str(), &e), SIM_OK);
  EXPECT_EQ(slurp(p2), txt);
  wlcsv_free(mem);
  wlcsv_free(disk);
  remove(p.c_str());
  remove(p2.c_str());
}
