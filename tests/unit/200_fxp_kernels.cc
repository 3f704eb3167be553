// 200_fxp_kernels: the fast (SSE2) paths of models/fxp.c against plain loops written here and
// against fxp.c's own scalar paths: softmax without a mask must equal softmax with an all-zero
// mask (the scalar path) bit for bit; the dot product and prob x V equal naive integer sums.
#include <gtest/gtest.h>
#include <algorithm>
#include <cstdint>
#include <vector>
extern "C" {
#include "trace/fxp.h"
}

namespace {
uint64_t lcg(uint64_t &s) { s = s * 6364136223846793005ULL + 1442695040888963407ULL; return s >> 33; }
}

TEST(FxpKernels, DotProductEqualsTheNaiveIntegerSum) {
  uint64_t seed = 1;
  for (uint32_t d : {1u, 7u, 8u, 64u, 65u, 128u}) {
    std::vector<int16_t> a(d), b(d);
    for (int rep = 0; rep < 50; rep++) {
      int64_t want = 0;
      for (uint32_t i = 0; i < d; i++) {
        a[i] = (int16_t)((int)(lcg(seed) % 4096) - 2048);
        b[i] = (int16_t)((int)(lcg(seed) % 4096) - 2048);
        want += (int64_t)a[i] * b[i];
      }
      ASSERT_EQ(fxp_dot(a.data(), b.data(), d), want) << "d " << d;
    }
  }
}

TEST(FxpKernels, UnmaskedSoftmaxEqualsTheScalarPathBitForBit) {
  uint64_t seed = 2;
  fxp_fmt f;
  fxp_fmt_init(&f, 12, 7, 6, 12, 64);
  for (uint32_t n : {1u, 3u, 4u, 5u, 17u, 384u, 1025u}) {
    std::vector<int32_t> s(n);
    std::vector<uint8_t> zero(n, 0);
    std::vector<uint32_t> p_fast(n), p_scalar(n);
    for (int rep = 0; rep < 20; rep++) {
      int spread = rep % 2 ? 1 << 20 : 1 << 14;   // flat and peaked rows
      for (uint32_t j = 0; j < n; j++) s[j] = (int32_t)(lcg(seed) % (uint64_t)(2 * spread)) - spread;
      uint32_t m1 = fxp_softmax(s.data(), nullptr, n, &f, p_fast.data());
      uint32_t m2 = fxp_softmax(s.data(), zero.data(), n, &f, p_scalar.data());
      ASSERT_EQ(m1, m2) << "n " << n;
      ASSERT_EQ(p_fast, p_scalar) << "n " << n;
    }
  }
}

TEST(FxpKernels, ProbTimesVOverSelectedRowsEqualsTheNaiveRoundedSum) {
  uint64_t seed = 3;
  fxp_fmt f;
  fxp_fmt_init(&f, 12, 7, 0, 12, 64);
  const uint32_t n = 300, d = 64;
  std::vector<int16_t> v((size_t)n * d);
  std::vector<uint32_t> p(n), sel;
  for (auto &x : v) x = (int16_t)((int)(lcg(seed) % 4096) - 2048);
  for (auto &x : p) x = (uint32_t)(lcg(seed) % 4097);
  for (uint32_t j = 0; j < n; j += 1 + (uint32_t)(lcg(seed) % 3)) sel.push_back(j);
  std::vector<int32_t> out(d);
  fxp_pv(p.data(), v.data(), sel.data(), (uint32_t)sel.size(), n, &f, out.data());
  for (uint32_t i = 0; i < d; i++) {
    int64_t acc = 0;
    for (uint32_t j : sel) acc += (int64_t)p[j] * v[(size_t)j * d + i];
    int64_t want = (acc + (1 << 11)) >> 12;   // round half up, then floor shift (fxp.h)
    ASSERT_EQ(out[i], want) << "element " << i;
  }
}

// V stored with fewer bits (fxp.v_bits): bits 12, frac 7, v_bits 8 keeps 8 bits with 3 fraction
// bits, returned at the 7-fraction-bit scale (x 16). By hand: 1.0 -> 8 -> 128; 0.06 * 8 = 0.48
// -> 0; 0.0625 * 8 = 0.5 -> 1 (half away from zero) -> 16; -0.0625 -> -16; 0.07 * 8 = 0.56 ->
// 16; 100 saturates at 127 -> 2032; -100 at -128 -> -2048. v_bits = bits is fxp_quantize.
TEST(FxpV, StoredWidthRoundsToTheVBitsGrid) {
  fxp_fmt f;
  fxp_fmt_init(&f, 12, 7, 0, 12, 64);
  EXPECT_EQ(f.v_bits, 12u);
  for (double x : {1.0, 0.06, -0.33, 15.99, -16.0, 100.0})
    EXPECT_EQ(fxp_quantize_v(x, &f), fxp_quantize(x, &f)) << x;
  fxp_fmt_set_v_bits(&f, 8);
  EXPECT_EQ(fxp_quantize_v(1.0, &f), 128);
  EXPECT_EQ(fxp_quantize_v(0.06, &f), 0);
  EXPECT_EQ(fxp_quantize_v(0.0625, &f), 16);
  EXPECT_EQ(fxp_quantize_v(-0.0625, &f), -16);
  EXPECT_EQ(fxp_quantize_v(0.07, &f), 16);
  EXPECT_EQ(fxp_quantize_v(100.0, &f), 2032);
  EXPECT_EQ(fxp_quantize_v(-100.0, &f), -2048);
}

// fxp_topk_ref (selection, then an index-order scan) against the obvious definition written
// here: sort (value desc, index asc), take k, sort the indices. Random values with many ties,
// sorted, reversed, all-equal and organ-pipe inputs, every k at small n and edge k at large n.
TEST(FxpTopk, SelectionGivesTheSortDefinitionsSet) {
  auto naive = [](const std::vector<uint64_t> &v, uint32_t k) {
    std::vector<uint32_t> idx(v.size());
    for (uint32_t i = 0; i < v.size(); i++) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) { return v[a] > v[b]; });
    idx.resize(std::min<size_t>(k, v.size()));
    std::sort(idx.begin(), idx.end());
    return idx;
  };
  uint64_t s = 99;
  auto rnd = [&s]() { s = s * 6364136223846793005ull + 1442695040888963407ull; return s >> 17; };
  for (uint32_t n : {1u, 2u, 3u, 17u, 100u, 1000u, 5000u}) {
    for (int shape = 0; shape < 6; shape++) {
      std::vector<uint64_t> v(n);
      for (uint32_t i = 0; i < n; i++) {
        switch (shape) {
          case 0: v[i] = rnd() % 7; break;                 // heavy ties
          case 1: v[i] = rnd(); break;                     // distinct
          case 2: v[i] = i; break;                         // ascending
          case 3: v[i] = n - i; break;                     // descending
          case 4: v[i] = 5; break;                         // all equal
          default: v[i] = i < n / 2 ? i : n - i; break;    // organ pipe
        }
      }
      std::vector<uint32_t> ks;
      if (n <= 100) for (uint32_t k = 0; k <= n + 1; k++) ks.push_back(k);
      else ks = {0u, 1u, 2u, n / 3, n / 2, n - 1, n, n + 5};
      for (uint32_t k : ks) {
        std::vector<uint32_t> out(std::min(k, n) + 1, 0xdeadu);
        fxp_topk_ref(v.data(), n, k, out.data());
        out.resize(std::min(k, n));
        ASSERT_EQ(out, naive(v, k)) << "n=" << n << " shape=" << shape << " k=" << k;
      }
    }
  }
}
