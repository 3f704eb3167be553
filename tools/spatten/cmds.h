/* cmds.h - the spatten subcommands; each lives in cmd_<name>.c and returns a process exit code.
 * Conventions: getopt_long options, --help prints usage to stdout and returns 0, errors print
 * one line "spatten: <message>" to stderr (cli_fail) and return sim_rc_exit(code). */
#ifndef SPATTEN_CMDS_H
#define SPATTEN_CMDS_H

#include "base/common.h"
#include "accel/accel.h"
#include "base/stats.h"
#include "trace/trace.h"

int cmd_run(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_dram(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_config_ref(int argc, char **argv);
int cmd_quality(int argc, char **argv);

/* Create an accelerator for a trace (or, with tr NULL, an authors' CSV), apply the options and
 * run it to completion with a progress line. *out is set even on failure (destroy it). */
typedef struct cli_sim_opts {
    bool      no_skip;      /* simulate every cycle */
    bool      quiet;        /* no progress line */
    timeline *tl;           /* record a timeline, or NULL */
    FILE     *dram_trace;   /* write the DRAM request stream here (`spatten dram --stream`), or NULL */
    bool      name_input;   /* a golden mismatch or deadlock (exit 4) message starts with the
                               input's name, accel_input() ("<input>: "): run and sim; sweep names
                               its point itself */
} cli_sim_opts;
int cli_simulate(const hw_cfg *hw, const spt_trace *tr, const wlcsv *wc, stats *st,
                 const cli_sim_opts *o, accel **out, sim_err *err);

/* Default config path for rel (e.g. "hw/spatten.json"): $SPATTEN_CONFIGS/rel, ./configs/rel,
 * then the configs/ directory of the source tree the binary was built from. Returns false
 * (buf unusable) when the path does not fit in cap bytes. */
bool cli_default_config(const char *rel, char *buf, size_t cap);

/* Check a path given on the command line (what: e.g. "--hw value", "FILE.spt path"): not empty
 * (an empty value never means "the default"), and short enough that the command can append
 * reserve bytes (a file name under a directory, fio's temp suffix) and stay below PATH_MAX.
 * Returns 0, or prints "spatten: <cmd>: <what> is empty|is too long (N bytes; at most M)" and
 * returns 1 (usage error). Paths are never copied into fixed buffers and truncated. */
int cli_check_path(const char *cmd, const char *what, const char *val, size_t reserve);
#define CLI_TMP_RESERVE 16     /* fio_open's ".tmp.XXXXXX" suffix, rounded up */

/* A named path of a command line ("--json", "out/r.json"); path NULL = not given. */
typedef struct cli_file { const char *what, *path; } cli_file;
/* Check that every output is a regular file or a new name (lstat: a symlink, device, FIFO or
 * directory is refused, exit 1, naming the option), and that no output names an input or another output (the same string, or the same existing
 * file under another name): an atomic rename would replace an input, or one output another.
 * Returns 0, or prints "spatten: <cmd>: <what> 'P' is also <what2>" and returns 1. */
int cli_check_outputs(const char *cmd, const cli_file *in, size_t nin, const cli_file *out,
                      size_t nout);

/* Value options may be given once. Call after each getopt_long with its result c and a
 * zeroed unsigned char seen[256]: returns 0, or for an option with a value seen before prints
 * "spatten: <cmd>: --<name> given twice (each option takes one value)" and returns 1. */
struct option;
int cli_seen(const char *cmd, const struct option *opts, int c, unsigned char *seen);
/* The input being processed, named by the out-of-memory handler ("spatten: <what>: out of
 * memory: an allocation of N bytes failed", exit 3). */
void cli_note_input(const char *what);

/* A command-line number: plain decimal digits only (no sign, spaces or base prefix, not empty),
 * no overflow, in [lo, hi]. Returns false otherwise (the caller names the option). */
bool cli_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v);

/* Up-front plan (plan.c): workload-versus-hardware fit and cost estimates before any work. */
struct wl_cfg;
typedef struct cli_plan { double trace_bytes, mem_bytes, model_s; } cli_plan;
typedef struct cli_limits { double max_trace_mb, max_model_s; } cli_limits;
#define CLI_MAX_TRACE_MB 4096.0      /* default caps (docs/architecture.md, "Limits") */
#define CLI_MAX_MODEL_S  1800.0
void cli_plan_estimate(const struct wl_cfg *w, bool simulate, cli_plan *p);
/* hw may be NULL (trace only). SIM_EINVAL for a workload the hardware cannot run or one above
 * a cap; warns on stderr when the memory estimate exceeds the address-space limit; prints the
 * estimates to stderr when they are large (trace > 256 MiB or model > 30 s) unless quiet. */
int cli_plan_check(const char *cmd, const char *input, const struct wl_cfg *w, const hw_cfg *hw,
                   const cli_limits *lim, bool quiet, sim_err *err);
/* Parse --max-trace-mb / --max-model-s values (decimal, >= 1); 0 on success, else exit 1. */
int cli_parse_limit(const char *cmd, const char *opt, const char *val, double *out);
/* Parse a --threads value (reference-model worker threads; decimal digits, 1 to 256) into *out;
 * 0 on success, else prints "spatten: <cmd>: --threads must be 1 to 256" and returns 1. */
int cli_parse_threads(const char *cmd, const char *val, uint32_t *out);

/* Print "spatten: <err->msg>" and return the exit code for err->code. */
int cli_fail(const sim_err *err);
/* After getopt_long returned '?': print "spatten: <cmd>: bad option or missing value '<opt>'"
 * naming the offending option (a long one by its argument, a short one by optopt) and
 * return 1. */
int cli_bad_option(const char *cmd, char *const *argv);
/* Print "spatten: <fmt...>" and return 1 (usage error). */
int cli_usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
