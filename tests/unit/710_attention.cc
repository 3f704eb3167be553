// 710_attention: attention on 3-token examples computed by hand (p = softmax(q.k / sqrt(d)),
// o = p.V), in the float mode and in the accelerator's fixed point.
#include <gtest/gtest.h>
extern "C" {
#include "trace/fxp.h"
#include "models/model.h"
}

// q = [1, 0]; k = [1,0], [0,1], [-1,0]; v = [1,2], [3,4], [5,6]; d = 2.
// scores = 1/sqrt2, 0, -1/sqrt2 -> exp = 2.02811, 1, 0.49307 (sum 3.52118)
// p = 0.575975, 0.283995, 0.140029; o = [2.128108, 3.128108]
TEST(Attention, FloatModeMatchesAHandComputedThreeTokenExample) {
  const double q[] = {1, 0}, k[] = {1, 0, 0, 1, -1, 0}, v[] = {1, 2, 3, 4, 5, 6};
  double p[3], o[2];
  model_attn_float(q, k, v, 1, 3, 2, nullptr, p, o);
  EXPECT_NEAR(p[0], 0.575975, 1e-6);
  EXPECT_NEAR(p[1], 0.283995, 1e-6);
  EXPECT_NEAR(p[2], 0.140029, 1e-6);
  EXPECT_NEAR(o[0], 2.128108, 1e-6);
  EXPECT_NEAR(o[1], 3.128108, 1e-6);
}

TEST(Attention, FloatModeMaskedKeysGetZeroProbability) {
  // causal row 0 of the same example sees only key 0: p = 1, o = v0
  const double q[] = {1, 0}, k[] = {1, 0, 0, 1, -1, 0}, v[] = {1, 2, 3, 4, 5, 6};
  const uint8_t mask[] = {0, 1, 1};
  double p[3], o[2];
  model_attn_float(q, k, v, 1, 3, 2, mask, p, o);
  EXPECT_DOUBLE_EQ(p[0], 1.0);
  EXPECT_EQ(p[1], 0.0);
  EXPECT_DOUBLE_EQ(o[0], 1.0);
  EXPECT_DOUBLE_EQ(o[1], 2.0);
}

// Same example in fixed point, 4 fraction bits, 8-bit probabilities:
// q = [16, 0], k = [16,0], [0,16], [-16,0] -> integer scores 256, 0, -256; scale 2^-8/sqrt2
// p = round(256 * 0.575975, 0.283995, 0.140029) = 147, 73, 36
// v = [16,32], [48,64], [80,96]: acc0 = 147*16 + 73*48 + 36*80 = 8736 -> (8736+128)>>8 = 34
//                                acc1 = 147*32 + 73*64 + 36*96 = 12832 -> 50
TEST(Attention, FixedPointMatchesTheHandComputedIntegers) {
  fxp_fmt f;
  fxp_fmt_init(&f, 12, 4, 0, 8, 2);
  const int16_t q[] = {16, 0}, k[] = {16, 0, 0, 16, -16, 0}, v[] = {16, 32, 48, 64, 80, 96};
  int32_t s[3];
  for (int j = 0; j < 3; j++) s[j] = fxp_dot(q, k + 2 * j, 2);
  EXPECT_EQ(s[0], 256);
  EXPECT_EQ(s[1], 0);
  EXPECT_EQ(s[2], -256);
  uint32_t p[3];
  EXPECT_EQ(fxp_softmax(s, nullptr, 3, &f, p), 147u);
  EXPECT_EQ(p[0], 147u);
  EXPECT_EQ(p[1], 73u);
  EXPECT_EQ(p[2], 36u);
  int32_t o[2];
  fxp_pv(p, v, nullptr, 0, 3, &f, o);
  EXPECT_EQ(o[0], 34);
  EXPECT_EQ(o[1], 50);
  // within the documented bound of the float result (docs/number-formats.md):
  // |o - o_float| <= 2^-frac * (1/2 + n * max|v| / 2^(pb+1)) = 1/16 * (0.5 + 3*6*16/512)
  EXPECT_NEAR(o[0] / 16.0, 2.128108, (0.5 + 3 * 96 / 512.0) / 16);
  EXPECT_NEAR(o[1] / 16.0, 3.128108, (0.5 + 3 * 96 / 512.0) / 16);
}

// Causal 4-token example, q_i = k_i = x_i with x = [1,0], [0,1], [1,1], [0,0];
// v = [1,0], [0,1], [2,2], [4,0]; d = 2:
//  row 0 sees only itself: p = 1, o = [1, 0]
//  row 1: scores 0, 1/sqrt2 -> p = 1/(1+e^0.7071), e^0.7071/(1+e^0.7071) = 0.330238, 0.669762
//  row 2: scores 1/sqrt2, 1/sqrt2, 2/sqrt2 -> p = 0.248255, 0.248255, 0.503490
//         o = [0.248255 + 2*0.503490, 0.248255 + 2*0.503490] = [1.255235, 1.255235]
//  row 3: all scores 0 -> uniform 1/4, o = [(1+2+4)/4, (1+2)/4] = [1.75, 0.75]
TEST(Attention, FloatModeMatchesAHandComputedCausalFourTokenExample) {
  const double x[] = {1, 0, 0, 1, 1, 1, 0, 0}, v[] = {1, 0, 0, 1, 2, 2, 4, 0};
  uint8_t mask[16];
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) mask[i * 4 + j] = j > i;
  double p[16], o[8];
  model_attn_float(x, x, v, 4, 4, 2, mask, p, o);
  const double want_o[] = {1, 0, 0.330238, 0.669762, 1.255235, 1.255235, 1.75, 0.75};
  for (int i = 0; i < 8; i++) EXPECT_NEAR(o[i], want_o[i], 1e-6) << i;
  EXPECT_NEAR(p[1 * 4 + 1], 0.669762, 1e-6);
  EXPECT_NEAR(p[2 * 4 + 2], 0.503490, 1e-6);
  EXPECT_EQ(p[0 * 4 + 3], 0.0);
  for (int j = 0; j < 4; j++) EXPECT_NEAR(p[3 * 4 + j], 0.25, 1e-15);
}
