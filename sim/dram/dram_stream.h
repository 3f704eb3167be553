/* dram_stream.h - request streams for the standalone DRAM model (`spatten dram`): the text
 * format "<cycle> <hex address> <R|W>", a seeded synthetic generator, and the replay driver that
 * presents them to a dram (dram.h) with back-pressure. Not a hardware block: a front end's
 * workload. Replay cost grows with the simulated span (one scheduling pass per refresh per rank
 * while skipping, one tick per clock with --no-skip) and with the number of requests, so both
 * are capped; docs/dram.md section 9 gives the measured worst cases. */
#ifndef SPATTEN_DRAM_STREAM_H
#define SPATTEN_DRAM_STREAM_H

#include "dram/dram.h"
#include "base/fileio.h"

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

typedef struct dram_req { uint64_t cycle, addr; bool is_write; } dram_req;
typedef struct dram_stream { dram_req *r; size_t n; } dram_stream;
/* Parse "<cycle> <hex address> <R|W>" lines ('#' comments, blank lines ok); checks monotonic
 * cycles, alignment and capacity against cfg. Errors: "<path>:<line>: <what>" (SIM_ETRACE). */
int  dram_stream_parse(const char *path, const char *text, const dram_cfg *cfg,
                       dram_stream *out, sim_err *err);
int  dram_stream_read(const char *path, const dram_cfg *cfg, dram_stream *out, sim_err *err);
void dram_stream_free(dram_stream *s);

/* The same text read one request at a time, with no array of requests (dram_replay_text):
 * the same results and the same errors, found when the reader reaches the line. Plain lines
 * ("<digits> [0x]<hex> R|W") take a fast path that makes every check of the general parser
 * and leaves any other line to it. */
typedef struct dram_text {
    const char *path;               /* for messages */
    const char *p;                  /* next unread line; the text ends with a NUL */
    const char *end;                /* that NUL: a NUL before it is an error at its line */
    fio_view    view;               /* the file's text (dram_text_open), else zeroed */
    uint64_t    line;               /* lines read */
    uint64_t    prev;               /* the last request's cycle (when have_prev) */
    bool        have_prev;
    bool        fast;               /* fast path on (request_bytes a power of two); tests clear
                                       it to compare with the general parser alone */
    uint64_t    capacity;           /* cfg.capacity_bytes */
    uint32_t    req_bytes;          /* cfg.request_bytes */
    int8_t      ahead;              /* dram_replay_text's reader thread: 0 = when the text is a
                                       file of at least DRAM_TEXT_AHEAD_BYTES, 1 = always, -1 =
                                       never (tests set it; results are the same either way) */
} dram_text;
/* dram_replay_text parses a file of at least this many bytes in a reader thread, which runs
 * ahead of the replay by a few chunks of requests (docs/performance-dram.md). */
#define DRAM_TEXT_AHEAD_BYTES (1u << 20)
/* Read a text over text (NUL-terminated, kept by the caller) / over the file at path (mapped,
 * or read whole; I/O errors come from here, a NUL byte inside the file from the line that
 * holds it, "contains a NUL byte"). */
void dram_text_init(dram_text *t, const char *path, const char *text, const dram_cfg *cfg);
int  dram_text_open(const char *path, const dram_cfg *cfg, dram_text *t, sim_err *err);
/* The next request: SIM_OK with *got (false at the end of the text), or the line's error. */
int  dram_text_next(dram_text *t, dram_req *r, bool *got, sim_err *err);
void dram_text_close(dram_text *t);                 /* frees what dram_text_open read */

/* Synthetic streams, generated on the fly (no memory per request): DRAM_GEN_SEQ = consecutive
 * request-sized addresses from 0 (wrapping at capacity), DRAM_GEN_RANDOM = uniform aligned
 * addresses from a seeded xorshift64*; request i arrives at cycle i * interval (0 = all at
 * cycle 0, i.e. as fast as the queues accept); read_pct percent are reads (seeded too).
 * addr_mask, when non-zero, is ANDed into every address (e.g. to confine a stream to channel 0). */
enum { DRAM_GEN_SEQ = 0, DRAM_GEN_RANDOM = 1 };
typedef struct dram_gen {
    uint64_t count, i, state, interval, req_bytes, capacity, addr_mask;
    uint32_t read_pct;
    int      kind;
} dram_gen;
void dram_gen_init(dram_gen *g, const dram_cfg *cfg, int kind, uint64_t count, uint64_t seed,
                   uint64_t interval, uint32_t read_pct);
bool dram_gen_next(dram_gen *g, dram_req *r);

/* Replay a stream (s) or a generator (g; exactly one non-NULL): present each request at its
 * cycle, or later while its queue is full (in order: the stream's head blocks those behind
 * it), run until every request has completed and been popped. skip = jump idle cycles with
 * dram_next_event/dram_skip_to (results are identical either way). */
typedef struct dram_replay_stats {
    uint64_t requests;              /* requests presented */
    uint64_t delayed_requests;      /* requests refused at least once (queue full) */
    uint64_t backpressure_cycles;   /* sum over requests of (accepted cycle - stream cycle) */
    uint64_t end_cycle;             /* DRAM cycle when the last request completed */
} dram_replay_stats;
int  dram_replay(dram *d, const dram_stream *s, dram_gen *g, bool skip, dram_replay_stats *rs,
                 sim_err *err);
/* The same for a text read as it goes: a bad line ends the replay there with its error
 * (the requests before it have been simulated; the statistics are then not meaningful). The
 * text may be parsed by a reader thread running ahead (t->ahead); the replay still sees the
 * requests, and a bad line's error, in order, so results and messages do not depend on it. */
int  dram_replay_text(dram *d, dram_text *t, bool skip, dram_replay_stats *rs, sim_err *err);
/* Register rs's counters in st under <prefix>.stream_requests, .stream_delayed and
 * .stream_backpressure_cycles (end_cycle is not a counter); rs must outlive st's use. */
void dram_replay_stats_register(stats *st, const char *prefix, dram_replay_stats *rs);

/* Whether a generator of count requests, request i at cycle i * interval, stays within the
 * limits: count <= DRAM_GEN_MAX_COUNT and (count - 1) * interval <= DRAM_STREAM_MAX_CYCLE
 * (checked without overflow). dram_gen_init requires it (SIM_ASSERT). */
bool dram_gen_fits(uint64_t count, uint64_t interval);

#ifdef __cplusplus
}
#endif
#endif
