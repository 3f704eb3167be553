/*
 * synth.h - seeded synthetic transformers whose attention has realistic structure, so that
 * pruning has something to find (uniform random attention would make every policy look alike).
 *
 * The embedding of token j has three parts: a sink flag (separator tokens: position 0 and n_sep
 * more spread over the prompt), random Fourier positional features (Gaussian frequencies, so
 * the positional inner product is a Gaussian kernel of width `window`), and a word vector
 * (Zipf-distributed synthetic words; equal words have equal vectors). Each head's Q/K weights
 * read these parts so that score(i, j) ~ a_h * sink(j) + b_h * kernel(i - j) + c_h * [word_i ==
 * word_j] (+ projection noise), with (a_h, b_h, c_h) mixed per head and layer (head_spread).
 * V and the output projection are random; attention output is written into the word subspace,
 * so later layers see contextual words while sinks and positions persist through LayerNorm.
 * No FFN. Full description: docs/model.md "Synthetic inputs".
 */
#ifndef SPATTEN_SYNTH_H
#define SPATTEN_SYNTH_H

#include "models/weights.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Weights of the synthetic model for workload w (seeded by w->seed). */
wt_model *synth_model(const wl_cfg *w);
/* Input embeddings x0[n][d_model] of a synthetic token sequence drawn with input_seed
 * (the model's own vocabulary and positions; seeded by w->seed). n = N + T. */
double   *synth_inputs(const wl_cfg *w, uint64_t input_seed, uint32_t n);

#ifdef __cplusplus
}
#endif
#endif
