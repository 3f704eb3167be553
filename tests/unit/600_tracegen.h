// 600_tracegen.h - a small, independent golden generator for accelerator tests.
//
// Builds an spt_trace in memory (random Q/K/V) and computes the golden values the straightforward
// way, row by row, with fxp.h and the reference top-k (fxp_topk_ref): dense attention with
// optional causal mask, progressive quantisation and local V pruning; no cascade pruning (the
// alive sets are all tokens). The accelerator must reproduce these values through its own
// pipeline (fetch, Q.K, softmax, top-k engine, prob.V, importance) - an independent check of its
// data flow. Cascade pruning is covered by the reference model's traces (models/model.h).
#pragma once
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <vector>
extern "C" {
#include "trace/trace.h"
#include "trace/fxp.h"
#include "trace/pol.h"
}

namespace tg {

struct Opts {
  uint32_t layers = 2, heads = 2, d = 64, n_prompt = 16, n_gen = 0;
  bool causal = false, progressive = false, local_v = false;
  double v_keep = 0.5, pq_threshold = 0.1;
  uint32_t lsb_bits = 4;
  uint32_t v_bits = 12;       // stored width of V (12 = full)
  int amp = 200;             // |Q/K/V| range of the random values (12-bit: up to 2047)
  uint64_t seed = 1;
};

inline uint64_t next(uint64_t &s) {  // splitmix64
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

template <class T> T *alloc(size_t n) { return static_cast<T *>(calloc(n ? n : 1, sizeof(T))); }

// Build the trace; returns it (free with spt_free).
inline spt_trace *build(const Opts &o) {
  spt_trace *t = alloc<spt_trace>(1);
  snprintf(t->workload, sizeof t->workload, "tracegen");
  snprintf(t->model, sizeof t->model, "custom");
  t->layers = o.layers; t->heads = o.heads; t->d_head = o.d;
  t->n_prompt = o.n_prompt; t->n_gen = o.n_gen; t->causal = o.causal; t->seed = o.seed;
  spt_policy &p = t->policy;
  snprintf(p.name, sizeof p.name, "test");
  for (int l = 0; l < SPT_MAX_LAYERS; l++) { p.tok_keep[l] = 1.0; p.head_keep[l] = 1.0; }
  p.local_v = o.local_v; p.v_keep = o.v_keep;
  p.progressive = o.progressive; p.pq_threshold = o.pq_threshold;
  fxp_fmt_init(&t->fmt, 12, 8, o.progressive ? o.lsb_bits : 0, 12, o.d);
  fxp_fmt_set_v_bits(&t->fmt, o.v_bits);
  const uint32_t d = o.d, H = o.heads, P = o.n_prompt + o.n_gen;
  t->n_pass = o.layers * (1 + o.n_gen);
  t->pass = alloc<spt_pass>(t->n_pass);
  // K/V caches per layer/head/position
  std::vector<int16_t> K((size_t)o.layers * H * P * d), V(K.size());
  std::vector<uint64_t> timp(P, 0), himp(H, 0);
  uint64_t s = o.seed;
  auto rnd = [&]() { return (int16_t)((int64_t)(next(s) % (2 * (uint64_t)o.amp + 1)) - o.amp); };
  uint32_t pi = 0;
  for (uint32_t step = 0; step <= o.n_gen; step++)
    for (uint32_t l = 0; l < o.layers; l++, pi++) {
      spt_pass &x = t->pass[pi];
      x.step = step; x.layer = l;
      x.n_tok = step == 0 ? o.n_prompt : o.n_prompt + step;
      x.n_q = step == 0 ? o.n_prompt : 1;
      x.n_new = x.n_q;
      x.n_head = H;
      x.tok_idx = alloc<uint32_t>(x.n_tok);
      for (uint32_t j = 0; j < x.n_tok; j++) x.tok_idx[j] = j;
      x.q_pos = alloc<uint32_t>(x.n_q);
      x.new_pos = alloc<uint32_t>(x.n_new);
      for (uint32_t i = 0; i < x.n_q; i++) x.q_pos[i] = x.new_pos[i] = step == 0 ? i : o.n_prompt + step - 1;
      x.head_idx = alloc<uint32_t>(H);
      for (uint32_t h = 0; h < H; h++) x.head_idx[h] = h;
      x.q = alloc<int16_t>((size_t)H * x.n_q * d);
      x.k_new = alloc<int16_t>((size_t)H * x.n_new * d);
      x.v_new = alloc<int16_t>((size_t)H * x.n_new * d);
      for (size_t e = 0; e < (size_t)H * x.n_q * d; e++) {
        x.q[e] = rnd(); x.k_new[e] = rnd();
        x.v_new[e] = (int16_t)(rnd() / (1 << (12 - o.v_bits)) * (1 << (12 - o.v_bits)));
      }
      for (uint32_t h = 0; h < H; h++)
        for (uint32_t i = 0; i < x.n_new; i++) {
          size_t off = (((size_t)l * H + h) * P + x.new_pos[i]) * d;
          memcpy(&K[off], x.k_new + ((size_t)h * x.n_new + i) * d, d * 2);
          memcpy(&V[off], x.v_new + ((size_t)h * x.n_new + i) * d, d * 2);
        }
      x.lsb_refetch = alloc<uint8_t>((size_t)H * x.n_q);
      x.out = alloc<int32_t>((size_t)H * x.n_q * d);
      if (o.local_v) x.v_cnt = alloc<uint32_t>((size_t)H * x.n_q);
      for (uint32_t h = 0; h < H; h++)
        for (uint32_t i = 0; i < x.n_q; i++) {
          const int16_t *q = x.q + ((size_t)h * x.n_q + i) * d;
          std::vector<uint32_t> att;
          for (uint32_t j = 0; j < x.n_tok; j++)
            if (!o.causal || x.tok_idx[j] <= x.q_pos[i]) att.push_back(j);
          uint32_t n = (uint32_t)att.size();
          std::vector<int32_t> sc(n);
          std::vector<uint32_t> pr(n);
          std::vector<int16_t> km(d);
          auto scores = [&](bool msb_only) {
            for (uint32_t a = 0; a < n; a++) {
              const int16_t *k = &K[(((size_t)l * H + h) * P + x.tok_idx[att[a]]) * d];
              for (uint32_t e = 0; e < d; e++) km[e] = msb_only ? fxp_k_msb_only(k[e], &t->fmt) : k[e];
              sc[a] = fxp_dot(q, km.data(), d);
            }
          };
          scores(o.progressive);
          uint32_t pm = fxp_softmax(sc.data(), nullptr, n, &t->fmt, pr.data());
          if (o.progressive && pm < fxp_prob_threshold(o.pq_threshold, &t->fmt)) {
            x.lsb_refetch[(size_t)h * x.n_q + i] = 1;
            scores(false);
            fxp_softmax(sc.data(), nullptr, n, &t->fmt, pr.data());
          }
          uint32_t k = o.local_v ? pol_ratio_count(o.v_keep, n) : n;
          std::vector<uint32_t> sel(k);
          std::vector<uint64_t> vals(pr.begin(), pr.end());
          fxp_topk_ref(vals.data(), n, k, sel.data());
          if (o.local_v) x.v_cnt[(size_t)h * x.n_q + i] = k;
          std::vector<int16_t> vr((size_t)k * d);
          std::vector<uint32_t> ps(k);
          for (uint32_t a = 0; a < k; a++) {
            ps[a] = pr[sel[a]];
            memcpy(&vr[(size_t)a * d], &V[(((size_t)l * H + h) * P + x.tok_idx[att[sel[a]]]) * d], d * 2);
          }
          int32_t *out = x.out + ((size_t)h * x.n_q + i) * d;
          fxp_pv(ps.data(), vr.data(), nullptr, 0, k, &t->fmt, out);
          for (uint32_t a = 0; a < n; a++) timp[x.tok_idx[att[a]]] += pr[a];
          for (uint32_t e = 0; e < d; e++) himp[h] += (uint64_t)std::llabs(out[e]);
        }
      x.tok_imp = alloc<uint64_t>(x.n_tok);
      for (uint32_t j = 0; j < x.n_tok; j++) x.tok_imp[j] = timp[x.tok_idx[j]];
      x.head_imp = alloc<uint64_t>(H);
      for (uint32_t h = 0; h < H; h++) x.head_imp[h] = himp[h];
    }
  return t;
}

// Bytes of Q/K/V/out the trace implies for a DENSE run without progressive quantisation:
// per pass and head, n_q Q rows, every key's K and V row (once per head), n_q output rows;
// generation appends one K and one V row per head. Row = d * 12 bits.
struct Bytes { uint64_t q = 0, k = 0, v = 0, out = 0, append = 0; };
inline Bytes dense_bytes(const spt_trace *t) {
  Bytes b;
  const uint64_t row = t->d_head * 12 / 8;
  for (uint32_t i = 0; i < t->n_pass; i++) {
    const spt_pass &x = t->pass[i];
    b.q += (uint64_t)x.n_head * x.n_q * row;
    b.k += (uint64_t)x.n_head * x.n_tok * row;
    b.v += (uint64_t)x.n_head * x.n_tok * row;
    b.out += (uint64_t)x.n_head * x.n_q * row;
    if (x.step > 0) b.append += (uint64_t)x.n_head * x.n_new * 2 * row;
  }
  return b;
}

}  // namespace tg
