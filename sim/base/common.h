/*
 * common.h - types, error codes and assertions shared by every module of libspatten.
 *
 * Errors come in three tiers (docs/architecture.md, "Errors"):
 *   1. bad input (config, trace, CLI): functions return a sim_rc and fill a sim_err;
 *   2. broken internal invariant: SIM_ASSERT prints file/line/expression and exits;
 *   3. library code never calls exit() for tier 1, so SystemC and GoogleTest hosts survive.
 */
#ifndef SPATTEN_COMMON_H
#define SPATTEN_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <inttypes.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t cycle_t;                 /* accelerator clock cycles */
#define CYCLE_NEVER UINT64_MAX            /* "no future event" */

/* Return codes; each maps to a process exit code (sim_rc_exit). */
typedef enum sim_rc {
    SIM_OK = 0,
    SIM_EUSAGE,      /* bad command line             -> exit 1 */
    SIM_EINVAL,      /* bad config / workload        -> exit 2 */
    SIM_ETRACE,      /* bad trace or input file      -> exit 2 */
    SIM_EIO,         /* I/O failure                  -> exit 3 */
    SIM_EDEADLOCK,   /* watchdog fired               -> exit 4 */
    SIM_EMISMATCH,   /* result differs from golden   -> exit 4 */
    SIM_ENOMEM       /* allocation failed            -> exit 3 */
} sim_rc;

#define SIM_ERR_MSG 2048   /* room for a path of 1500 bytes and the reason after it */
typedef struct sim_err {
    sim_rc code;
    char msg[SIM_ERR_MSG];               /* one line, no trailing newline */
} sim_err;

/* Fill e (may be NULL) with a printf-style one-line message; returns code. */
int  sim_errf(sim_err *e, sim_rc code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int  sim_rc_exit(sim_rc code);           /* process exit code for a return code */

/* Tier 2: always-on invariant check. */
#if defined(__cplusplus)
[[noreturn]] void sim_panic(const char *file, int line, const char *expr);
#else
_Noreturn void sim_panic(const char *file, int line, const char *expr);
#endif
#define SIM_ASSERT(c) ((c) ? (void)0 : sim_panic(__FILE__, __LINE__, #c))
/* Expensive invariants: compiled always, evaluated only when SIM_DEBUG is 1. */
#ifndef SIM_DEBUG
#define SIM_DEBUG 0
#endif
#define SIM_DASSERT(c) ((!SIM_DEBUG || (c)) ? (void)0 : sim_panic(__FILE__, __LINE__, #c))

/* Allocation that panics on failure (out of memory is not a user error we can report
 * meaningfully mid-simulation); sizes are checked for overflow. */
void *sim_xmalloc(size_t n);
/* Out of memory in sim_x*: the handler (set once by the host, e.g. the CLI, which names its
 * input and exits 3) is called with the size that failed and must not return. Without one, the
 * library prints "out of memory: an allocation of N bytes failed" and aborts. */
typedef void (*sim_oom_fn)(size_t n);
void sim_set_oom_handler(sim_oom_fn fn);
void *sim_xcalloc(size_t count, size_t size);
void *sim_xrealloc(void *p, size_t n);
char *sim_xstrdup(const char *s);
void *sim_xmemdup(const void *p, size_t n);    /* a malloc'ed copy of n bytes (n = 0: 1 byte) */

static inline uint64_t sim_ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
static inline uint64_t sim_min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t sim_max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
/* A next-event cycle seen from cycle now: c itself, but no earlier than now + 1 (CYCLE_NEVER
 * stays CYCLE_NEVER). */
static inline cycle_t sim_event_after(cycle_t c, cycle_t now)
{
    return c == CYCLE_NEVER ? c : (c > now + 1 ? c : now + 1);
}

#define SPATTEN_VERSION "0.1.0"

#ifdef __cplusplus
}
#endif
#endif
