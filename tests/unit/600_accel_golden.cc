// 600_accel_golden: full data-carrying runs of small traces on the default machine and on the
// tiny-FIFO machine: every output row matches the independently computed golden values, and the
// DRAM traffic equals the bytes of the rows the trace implies (computed here, not by the
// simulator).
#include <gtest/gtest.h>
#include <string>
#include "600_tracegen.h"
#include "test_util.h"
#include <fstream>
extern "C" {
#include "accel/accel.h"
#include "accel/hwcfg.h"
#include "base/stats.h"
}

#include "accel_util.h"
using testutil::Hw;

namespace {

struct SimRun {
  int rc = 0;
  sim_err err{};
  accel_result res{};
  std::string stats_text;
};

SimRun run(const hw_cfg *hw, const spt_trace *t, bool skip = true) {
  SimRun r;
  stats *st = stats_create();
  accel *a = accel_create(hw, t, st, &r.err);
  EXPECT_NE(a, nullptr) << r.err.msg;
  if (!a) { stats_destroy(st); r.rc = r.err.code; return r; }
  accel_set_time_skip(a, skip);
  r.rc = accel_run(a, &r.err);
  r.res = *accel_result_get(a);
  r.res.pass = nullptr;
  char *buf = nullptr; size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  stats_write_text(st, f);
  fclose(f);
  r.stats_text.assign(buf, len);
  free(buf);
  accel_destroy(a);
  stats_destroy(st);
  return r;
}
}  // namespace

TEST(AccelGolden, DenseBidirectionalRunMatchesGoldenAndFetchesExactlyTheTraceBytes) {
  Hw hw("configs/hw/spatten.json");
  tg::Opts o;
  o.layers = 2; o.heads = 3; o.n_prompt = 24;
  spt_trace *t = tg::build(o);
  SimRun r = run(&hw.hw, t);
  ASSERT_EQ(r.rc, SIM_OK) << r.err.msg;
  tg::Bytes b = tg::dense_bytes(t);
  EXPECT_EQ(r.res.c.bytes[ACC_TR_Q], b.q);
  EXPECT_EQ(r.res.c.bytes[ACC_TR_K_MSB] + r.res.c.bytes[ACC_TR_K_LSB], b.k);
  EXPECT_EQ(r.res.c.bytes[ACC_TR_V], b.v);
  EXPECT_EQ(r.res.c.bytes[ACC_TR_OUT], b.out);
  EXPECT_EQ(r.res.c.dram_rd_bytes, b.q + b.k + b.v);   // 96-byte rows: whole 32-byte requests
  EXPECT_EQ(r.res.c.dram_wr_bytes, b.out);
  EXPECT_EQ(r.res.golden_rows_checked, 2u * 3u * 24u);
  EXPECT_GT(r.res.cycles, 0u);
  spt_free(t);
}

namespace {
// A machine file: configs/hw/spatten.json with `extra` JSON fields on top.
std::string HwVariant(const char *name, const std::string &extra) {
  std::string p = testutil::tmp_path(name);
  char *base = realpath("configs/hw/spatten.json", nullptr);
  EXPECT_NE(base, nullptr);
  std::ofstream(p) << "{ \"include\": \"" << (base ? base : "") << "\", " << extra << " }";
  free(base);
  return p;
}
}  // namespace

// V stored with 8 of 12 bits (fxp.v_bits): a V row is 64 x 8 bits = 64 bytes, two whole requests,
// instead of 96; Q and K rows stay 96 bytes. The golden values (computed from the trace's
// 8-bit-grid V) still match.
TEST(AccelGolden, EightBitValuesMoveSixtyFourBytesPerRow) {
  Hw hw("configs/hw/spatten.json");
  tg::Opts o;
  o.layers = 2; o.heads = 3; o.n_prompt = 24; o.v_bits = 8;
  spt_trace *t = tg::build(o);
  SimRun r = run(&hw.hw, t);
  ASSERT_EQ(r.rc, SIM_OK) << r.err.msg;
  const uint64_t rows = 2u * 3u * 24u;
  EXPECT_EQ(r.res.c.bytes[ACC_TR_V], rows * 64u);
  EXPECT_EQ(r.res.c.dram_rd_bytes, rows * (96u + 96u + 64u));   // Q, K, V
  EXPECT_EQ(r.res.golden_rows_checked, rows);
  spt_free(t);
}

// The K MSB plane of a 12-bit K with a 6-bit LSB plane is 64 x 6 bits = 48 bytes per row. Each
// head's K rows are fetched once, all 24 of them, so in the packed layout (default) a head's
// K MSB costs 24 x 48 = 1152 bytes = 36 whole 32-byte requests (the head's rows start at a
// multiple of 24 x 48 = 1152 in a 4096-aligned region); padded to whole requests ("aligned")
// each row costs 64 bytes. Q and V rows are 96 bytes either way. No row re-fetches its LSB
// plane (threshold 0).
TEST(AccelGolden, PackedRowsShareRequestsAlignedRowsArePadded) {
  tg::Opts o;
  o.layers = 2; o.heads = 3; o.n_prompt = 24;
  o.progressive = true; o.lsb_bits = 6; o.pq_threshold = 0.0;
  spt_trace *t = tg::build(o);
  tg::Bytes b = tg::dense_bytes(t);
  const uint64_t kmsb_rows = 2u * 3u * 24u;
  Hw packed("configs/hw/spatten.json");
  Hw aligned(HwVariant("aligned.json", "\"row_layout\": \"aligned\"").c_str());
  ASSERT_EQ(aligned.hw.row_layout, (uint32_t)HW_ROWS_ALIGNED);
  SimRun a = run(&packed.hw, t), c = run(&aligned.hw, t);
  ASSERT_EQ(a.rc, SIM_OK) << a.err.msg;
  ASSERT_EQ(c.rc, SIM_OK) << c.err.msg;
  EXPECT_EQ(a.res.c.bytes[ACC_TR_K_MSB], kmsb_rows * 48u);   // useful bytes: same in both
  EXPECT_EQ(c.res.c.bytes[ACC_TR_K_MSB], kmsb_rows * 48u);
  EXPECT_EQ(a.res.c.lsb_refetch_rows, 0u);
  EXPECT_EQ(a.res.c.dram_rd_bytes, b.q + kmsb_rows * 48u + b.v);
  EXPECT_EQ(c.res.c.dram_rd_bytes, b.q + kmsb_rows * 64u + b.v);
  EXPECT_EQ(a.res.golden_rows_checked, c.res.golden_rows_checked);
  spt_free(t);
}

// K/V buffer slots (kv_slots): heads are resident while both buffers have room, slots are
// taken and recycled in head order. 6 heads of at most 42 tokens x 96 bytes = 4032 bytes each
// (K and V alike). With an 8064-byte buffer at most two heads fit whatever kv_slots says, so
// 16 slots must behave exactly like 2 (double-buffered halves). With 196 KB and 16 slots, the
// generation steps (one query row per head) fetch several heads ahead: fewer cycles, the same
// bytes and the same golden values.
TEST(AccelGolden, KvSlotsFetchAheadAsFarAsTheBuffersHold) {
  tg::Opts o;
  o.layers = 1; o.heads = 6; o.n_prompt = 40; o.n_gen = 2; o.causal = true;
  spt_trace *t = tg::build(o);
  Hw two(HwVariant("two.json", "\"kv_slots\": 2, \"kv_buffer_bytes\": 8064").c_str());
  Hw cap2(HwVariant("cap2.json", "\"kv_slots\": 16, \"kv_buffer_bytes\": 8064").c_str());
  Hw deep(HwVariant("deep.json", "\"kv_slots\": 16").c_str());
  Hw halves(HwVariant("halves.json", "\"kv_slots\": 2").c_str());
  ASSERT_EQ(cap2.hw.kv_slots, 16u);
  SimRun a = run(&two.hw, t), b = run(&cap2.hw, t), c = run(&deep.hw, t), d = run(&halves.hw, t);
  for (const SimRun *r : {&a, &b, &c, &d}) ASSERT_EQ(r->rc, SIM_OK) << r->err.msg;
  EXPECT_EQ(a.stats_text, b.stats_text);          // capacity binds: the same machine
  EXPECT_LT(c.res.cycles, d.res.cycles);          // deeper fetch-ahead in generation
  EXPECT_EQ(c.res.c.dram_rd_bytes, d.res.c.dram_rd_bytes);
  EXPECT_EQ(c.res.golden_rows_checked, d.res.golden_rows_checked);
  EXPECT_EQ(c.res.golden_rows_checked, 6u * (40u + 2u));
  spt_free(t);
}

TEST(AccelGolden, CausalGenerationWithProgressiveQuantAndLocalVMatchesGolden) {
  Hw hw("configs/hw/spatten.json");
  tg::Opts o;
  o.layers = 2; o.heads = 2; o.n_prompt = 20; o.n_gen = 3; o.causal = true;
  o.progressive = true; o.local_v = true; o.amp = 60; o.pq_threshold = 0.2;
  spt_trace *t = tg::build(o);
  SimRun r = run(&hw.hw, t);
  ASSERT_EQ(r.rc, SIM_OK) << r.err.msg;
  uint64_t lsb = 0, rows = 0;
  for (uint32_t i = 0; i < t->n_pass; i++)
    for (uint32_t k = 0; k < t->pass[i].n_head * t->pass[i].n_q; k++) { lsb += t->pass[i].lsb_refetch[k]; rows++; }
  EXPECT_GT(lsb, 0u) << "test data should exercise the LSB path";
  EXPECT_LT(lsb, rows);
  EXPECT_EQ(r.res.c.lsb_refetch_rows, lsb);
  EXPECT_EQ(r.res.golden_rows_checked, rows);
  spt_free(t);
}

TEST(AccelGolden, GenerationFetchesOnlyTheLocallySelectedValueRows) {
  Hw hw("configs/hw/spatten.json");
  tg::Opts o;
  o.layers = 1; o.heads = 2; o.n_prompt = 30; o.n_gen = 4; o.causal = true;
  o.local_v = true; o.v_keep = 0.25;
  spt_trace *t = tg::build(o);
  SimRun r = run(&hw.hw, t);
  ASSERT_EQ(r.rc, SIM_OK) << r.err.msg;
  // V rows: summarization pass fetches the union over its query rows (computed by the
  // simulator's buffer); generation passes (one query) fetch exactly v_cnt rows per head.
  uint64_t gen_v = 0;
  for (uint32_t i = 0; i < t->n_pass; i++)
    if (t->pass[i].step > 0)
      for (uint32_t h = 0; h < t->pass[i].n_head; h++) gen_v += t->pass[i].v_cnt[h];
  stats *st = stats_create();
  sim_err e{};
  accel *a = accel_create(&hw.hw, t, st, &e);
  ASSERT_EQ(accel_run(a, &e), SIM_OK) << e.msg;
  const accel_result *res = accel_result_get(a);
  uint64_t v_gen_bytes = 0;
  for (uint32_t i = 0; i < res->n_pass; i++)
    if (res->pass[i].step > 0) v_gen_bytes += res->pass[i].c.bytes[ACC_TR_V];
  EXPECT_EQ(v_gen_bytes, gen_v * 96u);
  EXPECT_EQ(res->pass[1].c.k_rows, 2u * 31u);   // step 1: every one of the 31 keys, per head
  accel_destroy(a);
  stats_destroy(st);
  spt_free(t);
}

// configs/hw/tiny.json: smallest FIFOs and 4 KB K/V buffers, so these 40-42-token heads
// (about 4 KB of K each) are tiled and every row fetches its keys and values again.
TEST(AccelGolden, TinyFifosGiveTheSameValuesButMoreTrafficAndCycles) {
  Hw big("configs/hw/spatten.json"), tiny("configs/hw/tiny.json");
  tg::Opts o;
  o.layers = 2; o.heads = 2; o.n_prompt = 40; o.n_gen = 2; o.causal = true; o.local_v = true;
  o.progressive = true; o.amp = 60; o.pq_threshold = 0.2;
  spt_trace *t = tg::build(o);
  SimRun a = run(&big.hw, t), b = run(&tiny.hw, t);
  ASSERT_EQ(a.rc, SIM_OK) << a.err.msg;
  ASSERT_EQ(b.rc, SIM_OK) << b.err.msg;
  EXPECT_EQ(a.res.golden_rows_checked, 2u * 2u * (40u + 2u));   // layers x heads x rows
  EXPECT_EQ(b.res.golden_rows_checked, a.res.golden_rows_checked);
  EXPECT_EQ(b.res.c.bytes[ACC_TR_Q], a.res.c.bytes[ACC_TR_Q]);         // one Q row per row
  EXPECT_EQ(b.res.c.bytes[ACC_TR_OUT], a.res.c.bytes[ACC_TR_OUT]);     // one output row per row
  EXPECT_EQ(b.res.c.lsb_refetch_rows, a.res.c.lsb_refetch_rows);       // the same decisions
  EXPECT_GT(b.res.c.bytes[ACC_TR_K_MSB], a.res.c.bytes[ACC_TR_K_MSB]); // tiled: keys fetched per row
  EXPECT_GT(b.res.cycles, a.res.cycles);
  spt_free(t);
}

TEST(AccelGolden, TimeSkippingOnAndOffGiveByteIdenticalStats) {
  Hw hw("configs/hw/spatten.json");
  tg::Opts o;
  o.layers = 2; o.heads = 2; o.n_prompt = 24; o.n_gen = 3; o.causal = true; o.local_v = true;
  o.progressive = true; o.amp = 60; o.pq_threshold = 0.2;
  spt_trace *t = tg::build(o);
  SimRun on = run(&hw.hw, t, true), off = run(&hw.hw, t, false);
  ASSERT_EQ(on.rc, SIM_OK) << on.err.msg;
  ASSERT_EQ(off.rc, SIM_OK) << off.err.msg;
  EXPECT_GT(on.res.skipped_cycles, 0u);
  EXPECT_EQ(off.res.skipped_cycles, 0u);
  EXPECT_EQ(on.res.cycles, off.res.cycles);
  EXPECT_EQ(on.stats_text, off.stats_text);
  spt_free(t);
}

TEST(AccelGolden, AWrongImportanceIsAMismatchNamingTheTokenOrHead) {
  Hw hw("configs/hw/spatten.json");
  tg::Opts o;
  o.layers = 2; o.heads = 2; o.n_prompt = 8;
  for (int which = 0; which < 2; which++) {
    spt_trace *t = tg::build(o);
    spt_pass &p = t->pass[1];
    if (which == 0) p.tok_imp[3] += 1; else p.head_imp[1] += 1;
    SimRun r = run(&hw.hw, t);
    EXPECT_EQ(r.rc, SIM_EMISMATCH);
    const char *want = which == 0 ? "step 0 layer 1: importance of token 3 =" :
                                    "step 0 layer 1: importance of head 1 =";
    EXPECT_NE(std::string(r.err.msg).find(want), std::string::npos) << r.err.msg;
    spt_free(t);
  }
}

TEST(AccelGolden, AWrongGoldenValueIsAMismatchNamingStepLayerHeadAndRow) {
  Hw hw("configs/hw/spatten.json");
  tg::Opts o;
  o.layers = 2; o.heads = 2; o.n_prompt = 8;
  spt_trace *t = tg::build(o);
  spt_pass &p = t->pass[1];
  p.out[((size_t)1 * p.n_q + 5) * o.d + 3] += 1;   // head 1, row 5, element 3
  SimRun r = run(&hw.hw, t);
  EXPECT_EQ(r.rc, SIM_EMISMATCH);
  EXPECT_NE(std::string(r.err.msg).find("step 0 layer 1 head 1 row 5: out[3]"), std::string::npos)
      << r.err.msg;
  spt_free(t);
}
