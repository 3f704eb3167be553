/* dram_stream.h - limits of the request streams replayed on the standalone DRAM model (the
 * parser, generator and replay themselves are declared in dram.h, section "request streams").
 * Replay cost grows with the simulated span (one scheduling pass per refresh per rank while
 * skipping, one tick per clock with --no-skip) and with the number of requests, so both are
 * capped; docs/dram.md section 9 gives the measured worst cases. */
#ifndef SPATTEN_DRAM_STREAM_H
#define SPATTEN_DRAM_STREAM_H

#include "dram.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest request cycle a stream line or the generator may give, in DRAM clocks (10^9: one
 * second of a 1 GHz HBM2 clock; an idle gap that long replays in under 0.3 s skipping and in
 * about 6 s with --no-skip on the shipped configs). A stream line beyond it is the error
 * "<path>:<line>: cycle <c> is out of range [0, 1000000000]". */
#define DRAM_STREAM_MAX_CYCLE UINT64_C(1000000000)
/* Largest number of generated requests (`spatten dram --count`): 10^8 replay in about a
 * minute on the slowest shipped case (ddr4-2400, random); 10 times bench/20_dram.sh's 10^7. */
#define DRAM_GEN_MAX_COUNT UINT64_C(100000000)

/* Whether a generator of count requests, request i at cycle i * interval, stays within the
 * limits: count <= DRAM_GEN_MAX_COUNT and (count - 1) * interval <= DRAM_STREAM_MAX_CYCLE
 * (checked without overflow). dram_gen_init requires it (SIM_ASSERT). */
bool dram_gen_fits(uint64_t count, uint64_t interval);

#ifdef __cplusplus
}
#endif
#endif
