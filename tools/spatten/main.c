/* main.c - the spatten command: a thin dispatcher over libspatten (interfaces.md). */
#define _XOPEN_SOURCE 700     /* realpath */
#include "cmds.h"
#include "base/fileio.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct subcmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} subcmd;

static const subcmd CMDS[] = {
    { "run",        cmd_run,        "reference model -> trace -> cycle-level simulation -> report" },
    { "trace",      cmd_trace,      "run the C reference model on a workload and write a .spt trace" },
    { "sim",        cmd_sim,        "simulate a trace (or an authors' workload CSV) cycle by cycle" },
    { "dram",       cmd_dram,       "replay a DRAM request stream on the HBM/DRAM timing model" },
    { "info",       cmd_info,       "print a trace's header, shapes and checksum status" },
    { "sweep",      cmd_sweep,      "run a cross product of hardware/workload variations" },
    { "quality",    cmd_quality,    "model quality (perplexity / accuracy) of a trained workload under its policy" },
    { "config-ref", cmd_config_ref, "print the reference of every config field (markdown)" },
};
#define NCMDS (sizeof CMDS / sizeof CMDS[0])

int cli_fail(const sim_err *err)
{
    fprintf(stderr, "spatten: %s\n", err->msg);
    return sim_rc_exit(err->code);
}

int cli_usage_error(const char *fmt, ...)
{
    char m[2 * PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    sim_err e;                           /* one line, whatever the option values hold, and */
    sim_errf(&e, SIM_EUSAGE, "%s", m);   /* control bytes (an escape sequence) shown as \xNN */
    fprintf(stderr, "spatten: %s\n", e.msg);
    return 1;
}

int cli_bad_option(const char *cmd, char *const *argv)
{
    char opt[64];
    const char *last = argv[optind - 1];
    if (strncmp(last, "--", 2) != 0 && optopt) snprintf(opt, sizeof opt, "-%c", optopt);
    else snprintf(opt, sizeof opt, "%.60s", last);   /* long options never share an argument */
    return cli_usage_error("%s: bad option or missing value '%s' (see spatten %s --help)", cmd, opt,
                           cmd);
}

int cli_check_path(const char *cmd, const char *what, const char *val, size_t reserve)
{
    const size_t max = PATH_MAX - 1 - reserve, n = strlen(val);
    if (n == 0) return cli_usage_error("%s: %s is empty", cmd, what);
    if (n > max) return cli_usage_error("%s: %s is too long (%zu bytes; at most %zu)", cmd, what, n, max);
    return 0;
}

bool cli_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
    uint64_t x = 0;
    if (!s || !*s) return false;
    for (const char *c = s; *c; c++) {
        unsigned d = (unsigned)(*c - '0');
        if (d > 9 || x > (UINT64_MAX - d) / 10) return false;
        x = x * 10 + d;
    }
    if (x < lo || x > hi) return false;
    *v = x;
    return true;
}

int cli_parse_limit(const char *cmd, const char *opt, const char *val, double *out)
{
    uint64_t v;
    if (!cli_parse_uint(val, 1, 1ull << 40, &v))
        return cli_usage_error("%s: %s needs a whole number from 1 to 1099511627776, got '%s'", cmd,
                               opt, val);
    *out = (double)v;
    return 0;
}

int cli_parse_threads(const char *cmd, const char *val, uint32_t *out)
{
    uint64_t v;
    if (!cli_parse_uint(val, 1, 256, &v)) return cli_usage_error("%s: --threads must be 1 to 256", cmd);
    *out = (uint32_t)v;
    return 0;
}

/* The directory of p (resolved) and p's last component; false if the directory does not
 * resolve (the file cannot be written there either, and the write will say so). */
static bool split_real(const char *p, char *dir, char *base)
{
    const char *s = strrchr(p, '/');
    char d[PATH_MAX];
    if (!s) snprintf(d, sizeof d, ".");
    else if (s == p) snprintf(d, sizeof d, "/");
    else snprintf(d, sizeof d, "%.*s", (int)(s - p), p);
    snprintf(base, PATH_MAX, "%s", s ? s + 1 : p);
    return realpath(d, dir) != NULL;
}

static bool same_file(const char *a, const char *b)
{
    if (strcmp(a, b) == 0) return true;
    struct stat x, y;
    if (stat(a, &x) == 0 && stat(b, &y) == 0) return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
    char da[PATH_MAX], db[PATH_MAX], ba[PATH_MAX], bb[PATH_MAX];
    return split_real(a, da, ba) && split_real(b, db, bb) && strcmp(ba, bb) == 0 &&
           strcmp(da, db) == 0;
}

int cli_check_outputs(const char *cmd, const cli_file *in, size_t nin, const cli_file *out,
                      size_t nout)
{
    for (size_t i = 0; i < nout; i++) {
        if (!out[i].path) continue;
        struct stat lb;   /* the rule (README): outputs are regular files or new names */
        if (lstat(out[i].path, &lb) == 0 && !S_ISREG(lb.st_mode))
            return cli_usage_error("%s: %s '%s' is %s; outputs are written only to regular files "
                                   "or new names (never through a link, device or FIFO)", cmd,
                                   out[i].what, out[i].path, fio_type_name((unsigned)lb.st_mode));
        for (size_t j = 0; j < nin; j++)
            if (in[j].path && same_file(out[i].path, in[j].path))
                return cli_usage_error("%s: %s '%s' is also the %s", cmd, out[i].what, out[i].path,
                                       in[j].what);
        for (size_t j = 0; j < i; j++)
            if (out[j].path && same_file(out[i].path, out[j].path))
                return cli_usage_error("%s: %s '%s' is also the %s", cmd, out[i].what, out[i].path,
                                       out[j].what);
    }
    return 0;
}

/* Every command's last step: what it printed must have reached stdout (a full disk, a closed
 * descriptor or /dev/full is an I/O error, exit 3, not a silent success; `dram` also checks its
 * own). An earlier failure keeps its own code and its one line. */
static int finish(int rc)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout)) return rc;
    if (rc) return rc;
    fprintf(stderr, "spatten: <stdout>: write failed: %s\n", strerror(errno ? errno : EIO));
    return sim_rc_exit(SIM_EIO);
}

static const char *oom_input;

void cli_note_input(const char *what) { oom_input = what; }

static _Noreturn void cli_oom(size_t n)
{
    char b[64];
    if (n >= (1u << 20)) snprintf(b, sizeof b, "%zu bytes (%.1f MiB)", n, (double)n / 1048576.0);
    else snprintf(b, sizeof b, "%zu bytes", n);
    fprintf(stderr, "spatten: %s: out of memory: an allocation of %s failed\n",
            oom_input ? oom_input : "(no input)", b);
    fflush(stderr);
    _exit(sim_rc_exit(SIM_ENOMEM));
}

int cli_seen(const char *cmd, const struct option *opts, int c, unsigned char *seen)
{
    if (c < 0 || c > 255) return 0;
    const struct option *o = NULL;
    for (const struct option *x = opts; x->name; x++)
        if (x->val == c) { o = x; break; }
    if (!o || o->has_arg == no_argument) return 0;   /* a repeated flag changes nothing */
    if (optarg && !*optarg) return 0;                /* the command says "value is empty" */
    if (seen[c]++) return cli_usage_error("%s: --%s given twice (each option takes one value)", cmd,
                                          o->name);
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: spatten <command> [options]   (spatten <command> --help for details)\n\n");
    for (size_t i = 0; i < NCMDS; i++) fprintf(out, "  %-11s %s\n", CMDS[i].name, CMDS[i].summary);
    fprintf(out, "\n  --version   print the version\n");
    fprintf(out, "\nexit codes: 0 ok, 1 usage, 2 bad input, 3 I/O, 4 simulation error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) return cli_usage_error("no command given (try: spatten --help)");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        if (argc > 2) return cli_usage_error("%s takes no arguments (got '%s')", argv[1], argv[2]);
        usage(stdout);
        return finish(0);
    }
    sim_set_oom_handler(cli_oom);
    /* a file-size limit (ulimit -f) makes a write fail with EFBIG, reported as an I/O error
     * (exit 3) with the temp file removed, instead of killing the process mid-write */
    signal(SIGXFSZ, SIG_IGN);
    if (!strcmp(argv[1], "--version")) {
        if (argc > 2) return cli_usage_error("--version takes no arguments (got '%s')", argv[2]);
        printf("spatten %s\n", SPATTEN_VERSION);
        return finish(0);
    }
    opterr = 0;   /* subcommands report bad options themselves, on one line */
    for (size_t i = 0; i < NCMDS; i++)
        if (!strcmp(argv[1], CMDS[i].name)) return finish(CMDS[i].fn(argc - 1, argv + 1));
    return cli_usage_error("unknown command '%s' (try: spatten --help)", argv[1]);
}
