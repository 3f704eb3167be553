/* cmd_sweep.c - `spatten sweep`: the command line of a sweep (docs/sweep.md). What it does
 * itself: options, the output paths (OUT, OUT.d/, OUT.sbatch), the lock on OUT.d, the removal of
 * what an interrupted sweep left, running points in processes (-j N, fork) or writing the Slurm
 * array script, and exit codes. The sweep file and its points are sweep.h; a point's trace is
 * tcache.h; its simulation is the library's; its row, the point files and the assembled CSV are
 * report.h.
 *
 * Every point file (OUT.d/point-NNNNN.csv) carries the hash of the point's effective inputs
 * (report_inputs_hash). --resume keeps a point file only when it is valid and its hash is the
 * current one, and recomputes the others, saying so; --collect and the end of a run refuse
 * to assemble a point file that is not.
 */
#define _DEFAULT_SOURCE
#include "cmds.h"
#include "accel/accel.h"
#include "accel/hwcfg.h"
#include "base/fileio.h"
#include "base/sweep.h"
#include "models/tcache.h"
#include "models/workload.h"
#include "report/report.h"
#include "trace/trace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SW_LEAF_RESERVE 64    /* ".d/point-99999-workload.json" (28) + fio's ".tmp.XXXXXX" (16) */

static const char USAGE[] =
    "usage: spatten sweep SWEEP.json [-j N] [-o OUT.csv] [--resume] [--slurm] [--point I]\n"
    "                     [--collect]\n"
    "Runs every combination of the sweep's workloads, hardware variations and workload\n"
    "variations (see docs/sweep.md) and writes one CSV row per point.\n"
    "  -j, --jobs N    points simulated in parallel (default 1)\n"
    "  -o, --out FILE  results CSV (default sweep-results.csv); per-point files in FILE.d/\n"
    "  --resume        keep points already done in FILE.d/ (recomputing stale or bad ones)\n"
    "  --slurm         write FILE.sbatch (sbatch --array) instead of running\n"
    "  --point I       run only point I (what each array task does)\n"
    "  --collect       only assemble FILE from the per-point rows\n"
    "--slurm, --point and --collect exclude each other; -j only runs points, --resume with\n"
    "neither --slurm nor --collect. A failing point does not stop the others; the sweep then\n"
    "exits with the first failing point's code and names it (messages in FILE.d/*.err).\n";


/* The hash of the inputs a point runs with (the configs as loaded). */
static uint64_t point_hash(const hw_cfg *hw, const wl_cfg *wl)
{
    char *js = wl_to_json(wl);
    uint64_t h = report_inputs_hash(hw, js);
    free(js);
    return h;
}

/* Write point p's configs and load them: what every point goes through before anything runs
 * (so a bad value is reported before any point runs) and what it runs with. On success the
 * caller releases *hw. hash may be NULL. */
static int load_point(const sweep *s, long p, const char *dir, hw_cfg *hw, wl_cfg *wl,
                      char *wlp, uint64_t *hash, sim_err *err)
{
    char hwp[PATH_MAX];
    int rc = sweep_write_point(s, p, dir, hwp, wlp, PATH_MAX, err);
    if (rc) return rc;
    if ((rc = hw_cfg_load(hwp, hw, err))) return rc;
    if ((rc = wl_cfg_load(wlp, wl, err))) { hw_cfg_release(hw); return rc; }
    if (hash) *hash = point_hash(hw, wl);
    return SIM_OK;
}

/* Simulate point p and write its point file. Returns an rc; err names the point's files. */
static int run_point(const sweep *s, long p, const char *dir, sim_err *err)
{
    char wlp[PATH_MAX];
    hw_cfg hw;
    wl_cfg wl;
    uint64_t hash;
    int rc = load_point(s, p, dir, &hw, &wl, wlp, &hash, err);
    if (rc) return rc;
    spt_trace *tr = NULL;
    stats *st = NULL;
    accel *a = NULL;
    if ((rc = tcache_trace(dir, &wl, &tr, err))) goto done;
    free(tr->source);                 /* messages name the point's workload file */
    tr->source = sim_xstrdup(wlp);
    st = stats_create();
    cli_sim_opts so = { false, true, NULL, NULL, false };
    if ((rc = cli_simulate(&hw, tr, NULL, st, &so, &a, err))) goto done;
    report_workload rw;
    report_workload_from_trace(&rw, tr, wlp);
    report_in in = { &hw, &rw, accel_result_get(a), st };
    char path[PATH_MAX + 32];
    sweep_point_path(dir, p, ".csv", path, sizeof path);
    rc = report_sweep_point_write(path, s, p, hash, &in, err);
done:
    accel_destroy(a);
    stats_destroy(st);
    spt_free(tr);
    hw_cfg_release(&hw);
    return rc;
}

/* Whether --resume may keep point p's file; says why not when the file exists. */
static bool point_done(const sweep *s, const char *dir, long p, uint64_t hash)
{
    char path[PATH_MAX + 32], why[SIM_ERR_MSG + 64];
    sweep_point_path(dir, p, ".csv", path, sizeof path);
    report_point_state st = report_sweep_point_check(path, s, p, hash, why, sizeof why);
    if (st == REPORT_POINT_STALE || st == REPORT_POINT_BAD)
        printf("point %ld: %s: %s; computing it again\n", p, path, why);
    return st == REPORT_POINT_OK;
}

/* What a killed sweep leaves: fio's temp files ("<name>.tmp.XXXXXX") of point files, point
 * configs and cached traces in dir, and of OUT and OUT.sbatch beside OUT. Called under the
 * exclusive lock, so no live sweep is writing them. Returns how many were removed. */
static long remove_temps(const char *dir, const char *out)
{
    long n = 0;
    char pre[2][PATH_MAX + 16], odir[PATH_MAX], path[2 * PATH_MAX + 2];
    const char *slash = strrchr(out, '/');
    if (slash) snprintf(odir, sizeof odir, "%.*s", (int)(slash - out) + (slash == out), out);
    else snprintf(odir, sizeof odir, ".");
    snprintf(pre[0], sizeof pre[0], "%s.tmp.", slash ? slash + 1 : out);
    snprintf(pre[1], sizeof pre[1], "%s.sbatch.tmp.", slash ? slash + 1 : out);
    const char *dirs[2] = { dir, odir };
    for (int k = 0; k < 2; k++) {
        DIR *d = opendir(dirs[k]);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            const char *t = strstr(e->d_name, ".tmp.");
            bool ours = k == 0 ? t && strlen(t) == 11 && (!strncmp(e->d_name, "point-", 6) ||
                                                          !strncmp(e->d_name, "trace-", 6))
                               : (!strncmp(e->d_name, pre[0], strlen(pre[0])) &&
                                  strlen(e->d_name) == strlen(pre[0]) + 6) ||
                                 (!strncmp(e->d_name, pre[1], strlen(pre[1])) &&
                                  strlen(e->d_name) == strlen(pre[1]) + 6);
            if (!ours) continue;
            snprintf(path, sizeof path, "%s/%s", dirs[k], e->d_name);
            if (unlink(path) == 0) n++;
        }
        closedir(d);
    }
    return n;
}

/* Lock OUT.d for this sweep: exclusively for a run, --collect or --slurm, shared for --point
 * (the array tasks of one Slurm job run side by side). The lock (flock) goes when the process
 * ends, however it ends. Returns the descriptor, or -1 with err set. */
static int lock_dir(const char *dir, bool shared, sim_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        sim_errf(err, SIM_EIO, "%s: cannot open: %s", dir, strerror(errno));
        return -1;
    }
    if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            sim_errf(err, SIM_EIO, "%s: another sweep is writing this output (it holds the lock "
                     "on the directory); wait for it to end, or choose another -o", dir);
        else
            sim_errf(err, SIM_EIO, "%s: cannot lock: %s", dir, strerror(e));
        return -1;
    }
    return fd;
}
/* p as one shell word: single quotes, each embedded quote as '\'' */
static void put_shell_word(FILE *f, const char *p)
{
    fputc('\'', f);
    for (; *p; p++) {
        if (*p == '\'') fputs("'\\''", f);
        else fputc(*p, f);
    }
    fputc('\'', f);
}

static int write_slurm(const sweep *s, const char *out, const char *self, sim_err *err)
{
    char path[PATH_MAX + 16], exe[PATH_MAX], sw[PATH_MAX], outabs[PATH_MAX];
    snprintf(path, sizeof path, "%s.sbatch", out);
    if (!realpath(self, exe)) snprintf(exe, sizeof exe, "%s", self);
    if (!realpath(sweep_path(s), sw)) snprintf(sw, sizeof sw, "%s", sweep_path(s));
    if (out[0] == '/') snprintf(outabs, sizeof outabs, "%s", out);
    else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
        if ((size_t)snprintf(outabs, sizeof outabs, "%s/%s", cwd, out) >= sizeof outabs)
            return sim_errf(err, SIM_EIO, "%s: path too long for the sbatch script", out);
    }
    fio_writer *w;
    int rc = fio_open(path, &w, err);
    if (rc) return rc;
    FILE *f = fio_file(w);
    fprintf(f, "#!/bin/bash\n#SBATCH --job-name=spatten-sweep\n#SBATCH --array=0-%ld\n"
               "#SBATCH --cpus-per-task=1\n#SBATCH --output=%s.d/slurm-%%a.log\n",
            sweep_n_points(s) - 1, outabs);
    fputs("# After every task has finished:  ", f);
    put_shell_word(f, exe);
    fputs(" sweep ", f);
    put_shell_word(f, sw);
    fputs(" --collect -o ", f);
    put_shell_word(f, outabs);
    fputs("\nexec ", f);
    put_shell_word(f, exe);
    fputs(" sweep ", f);
    put_shell_word(f, sw);
    fputs(" --point \"$SLURM_ARRAY_TASK_ID\" -o ", f);
    put_shell_word(f, outabs);
    fputc('\n', f);
    rc = fio_commit(w, err);
    if (!rc) printf("wrote %s: sbatch it, then run: spatten sweep %s --collect -o %s\n", path,
                    sweep_path(s), out);
    return rc;
}


/* The paths --slurm writes into the script: a line break would end its comment or command line
 * (quoting cannot help), and an #SBATCH line takes no quoting while Slurm expands '%' in
 * --output. Usage errors (exit 1), as for every other bad option value. */
static int slurm_paths_ok(const char *sweep_file, const char *out)
{
    char exe[PATH_MAX], sw[PATH_MAX], outabs[PATH_MAX], cwd[PATH_MAX];
    if (!realpath("/proc/self/exe", exe)) snprintf(exe, sizeof exe, "%s", "/proc/self/exe");
    if (!realpath(sweep_file, sw)) snprintf(sw, sizeof sw, "%s", sweep_file);
    if (out[0] == '/') snprintf(outabs, sizeof outabs, "%s", out);
    else if (!getcwd(cwd, sizeof cwd) ||
             (size_t)snprintf(outabs, sizeof outabs, "%s/%s", cwd, out) >= sizeof outabs)
        return cli_usage_error("%s: path too long for the sbatch script", out);
    for (const char *const *q = (const char *const[]){ exe, sw, NULL }; *q; q++)
        for (const char *c = *q; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                return cli_usage_error("%s: --slurm cannot write a path with a control character "
                                       "(byte 0x%02x) into the script", out, (unsigned char)*c);
    if (outabs[strcspn(outabs, " \t\n\r\"'%\\")])
        return cli_usage_error("%s: --slurm needs an output path without white space, quotes, "
                               "backslashes or '%%' (Slurm's #SBATCH --output cannot quote it)", out);
    return 0;
}
static void err_path(const char *dir, long p, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/point-%05ld.err", dir, p);
}

/* The first line of point p's .err file (what its process printed), or "" if none. */
static void read_point_err(const char *dir, long p, char *buf, size_t cap)
{
    char path[PATH_MAX + 32];
    err_path(dir, p, path, sizeof path);
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    if (!fgets(buf, (int)cap, f)) buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    const char *pre = "spatten: ";     /* an internal error prints it; the summary adds it again */
    size_t n = strlen(pre);
    if (!strncmp(buf, pre, n)) memmove(buf, buf + n, strlen(buf + n) + 1);
}


/* Child of -j N: run point p with stderr in OUT.d/point-NNNNN.err (so that nothing, not even an
 * internal error, reaches the terminal from a point); removed again when the point succeeds.
 * It dies with the sweep: a killed sweep leaves no point process behind to write rows later. */
static void run_child(const sweep *s, long p, const char *dir, pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(128 + SIGKILL);
    char path[PATH_MAX + 32];
    err_path(dir, p, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) { dup2(fd, 2); close(fd); }
    sim_err ce = { 0 };
    int crc = run_point(s, p, dir, &ce);
    if (crc) {
        fprintf(stderr, "%s\n", ce.msg);
        _exit(sim_rc_exit((sim_rc)crc));
    }
    unlink(path);
    _exit(0);
}
/* Wait for one point process of run_points and record how it ended in code[] (see there);
 * false if there is no child to wait for. */
static bool reap_one(pid_t *pid, const long *pt, long jobs, int *code)
{
    int status;
    pid_t w;
    while ((w = wait(&status)) < 0 && errno == EINTR) {}
    if (w < 0) return false;
    for (long k = 0; k < jobs; k++)
        if (pid[k] == w) {
            pid[k] = 0;
            code[pt[k]] = WIFEXITED(status) ? WEXITSTATUS(status)
                        : WIFSIGNALED(status) ? -WTERMSIG(status) : sim_rc_exit(SIM_EDEADLOCK);
        }
    return true;
}


/* Runs the selected points; code[p] becomes 0 (ok or not run), the exit code of a failed point,
 * or -signal for a point whose process was killed. Every failed point's message is in its .err
 * file. Returns SIM_OK, or an error that stopped the sweep itself (fork failure). */
static int run_points(const sweep *s, const char *dir, long jobs, long only, bool resume,
                      const uint64_t *hash, int *code, long *n_run, sim_err *err)
{
    pid_t *pid = sim_xcalloc((size_t)jobs, sizeof *pid);
    long *pt = sim_xcalloc((size_t)jobs, sizeof *pt);
    long running = 0;
    int rc = SIM_OK;
    const pid_t self = getpid();
    for (long p = 0; p < sweep_n_points(s) && !rc; p++) {
        if (only >= 0 && p != only) continue;
        if (resume && point_done(s, dir, p, hash[p])) continue;
        (*n_run)++;
        char ep[PATH_MAX + 32];
        err_path(dir, p, ep, sizeof ep);
        if (jobs == 1) {
            sim_err pe = { 0 };
            unlink(ep);
            int prc = run_point(s, p, dir, &pe);
            if (prc) {
                code[p] = sim_rc_exit((sim_rc)prc);
                FILE *f = fopen(ep, "w");
                if (f) { fprintf(f, "%s\n", pe.msg); fclose(f); }
            }
            continue;
        }
        for (; running >= jobs; running--)
            if (!reap_one(pid, pt, jobs, code)) {     /* no child left to wait for */
                memset(pid, 0, (size_t)jobs * sizeof *pid);
                running = 0;
                break;
            }
        long slot = 0;
        while (slot < jobs - 1 && pid[slot]) slot++;
        fflush(NULL);
        pid_t c = fork();
        if (c == 0) run_child(s, p, dir, self);
        if (c < 0) { rc = sim_errf(err, SIM_EIO, "sweep: fork failed: %s", strerror(errno)); break; }
        pid[slot] = c;
        pt[slot] = p;
        running++;
    }
    for (; running > 0 && reap_one(pid, pt, jobs, code); running--) {}
    free(pid);
    free(pt);
    return rc;
}

/* After run_points: one line for the first failing point in point order (so the same for any
 * -j) and how many failed; returns its exit code, or 0 if none failed. Printed here rather than
 * through sim_err, whose SIM_ERR_MSG bytes a long message could fill. */
static int report_failures(const sweep *s, const char *dir, const int *code, long n_run)
{
    long failed = 0, first = -1;
    for (long p = 0; p < sweep_n_points(s); p++)
        if (code[p]) { failed++; if (first < 0) first = p; }
    if (!failed) return 0;
    char msg[4096], line[4096 + 3 * PATH_MAX];
    read_point_err(dir, first, msg, sizeof msg);
    int fc = code[first];
    char how[64] = "";
    if (fc < 0) snprintf(how, sizeof how, "%skilled by signal %d", msg[0] ? " (" : "", -fc);
    else if (!msg[0]) snprintf(how, sizeof how, "failed with exit code %d", fc);
    snprintf(line, sizeof line, "%s: point %ld: %s%s%s (%ld of %ld point%s run failed; "
             "each failed point's message is in %s/point-NNNNN.err)", sweep_path(s), first, msg,
             how, fc < 0 && msg[0] ? ")" : "", failed, n_run, n_run == 1 ? "" : "s", dir);
    for (char *q = line; *q; q++)       /* one line, even for odd file names */
        if (*q == '\n' || *q == '\r') *q = ' ';
    fprintf(stderr, "spatten: %s\n", line);
    return fc < 0 ? sim_rc_exit(SIM_EDEADLOCK) : fc;
}

int cmd_sweep(int argc, char **argv)
{
    static const struct option opts[] = {
        { "jobs", required_argument, NULL, 'j' }, { "out", required_argument, NULL, 'o' },
        { "resume", no_argument, NULL, 'r' },     { "slurm", no_argument, NULL, 's' },
        { "point", required_argument, NULL, 'p' }, { "collect", no_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 },
    };
    long jobs = 1, only = -1;
    bool resume = false, slurm = false, coll = false, jobs_set = false, out_set = false;
    char out[PATH_MAX] = "sweep-results.csv";
    uint64_t num;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (jobs_set) return cli_usage_error("sweep: -j is given twice");
            jobs_set = true;
            if (!cli_parse_uint(optarg, 1, 256, &num))
                return cli_usage_error("sweep: -j takes a whole number in [1, 256], not '%s'",
                                       optarg);
            jobs = (long)num;
            break;
        case 'p':
            if (only >= 0) return cli_usage_error("sweep: --point is given twice");
            if (!cli_parse_uint(optarg, 0, SWEEP_MAX_POINTS - 1, &num))
                return cli_usage_error("sweep: --point takes a point number in [0, %d], not '%s'",
                                       SWEEP_MAX_POINTS - 1, optarg);
            only = (long)num;
            break;
        case 'o':
            if (out_set) return cli_usage_error("sweep: -o is given twice");
            out_set = true;
            /* room for "<out>.d/point-NNNNN-workload.json" and fio's temp suffix */
            if (cli_check_path("sweep", "-o value", optarg, SW_LEAF_RESERVE)) return 1;
            snprintf(out, sizeof out, "%s", optarg);
            break;
        case 'r': resume = true; break;
        case 's': slurm = true; break;
        case 'c': coll = true; break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: return cli_bad_option("sweep", argv);
        }
    }
    /* Options that another option would ignore are errors, not silent no-ops. */
    const struct { bool both; const char *a, *b, *why; } clash[] = {
        { slurm && coll, "--slurm", "--collect", "--collect runs after the array job" },
        { slurm && only >= 0, "--slurm", "--point", "the script runs every point" },
        { coll && only >= 0, "--collect", "--point", "--collect assembles every point" },
        { resume && (slurm || coll), "--resume", slurm ? "--slurm" : "--collect",
          "nothing is run" },
        { jobs_set && (slurm || coll || only >= 0), "-j",
          slurm ? "--slurm" : coll ? "--collect" : "--point", "nothing runs in parallel" },
    };
    for (size_t k = 0; k < sizeof clash / sizeof clash[0]; k++)
        if (clash[k].both)
            return cli_usage_error("sweep: %s cannot be combined with %s (%s)", clash[k].a,
                                   clash[k].b, clash[k].why);
    if (argc - optind != 1) return cli_usage_error("sweep: one SWEEP.json file is required");
    if (slurm && slurm_paths_ok(argv[optind], out)) return 1;
    sim_err err = { 0 };
    sweep *s = NULL;
    int rc = sweep_load(argv[optind], &HW_CFG_TABLE, &WL_CFG_TABLE, &s, &err);
    if (rc) return cli_fail(&err);
    const long n_points = sweep_n_points(s);
    const int n_wl = sweep_n_workloads(s);
    {   /* the CSV (or the script) must not replace the sweep file or a config it names */
        char sb[PATH_MAX + 16];
        snprintf(sb, sizeof sb, "%s.sbatch", out);
        cli_file *ins = sim_xcalloc((size_t)n_wl + 2, sizeof *ins);
        ins[0] = (cli_file){ "sweep file", sweep_path(s) };
        ins[1] = (cli_file){ "hw config", sweep_hw(s) };
        for (int i = 0; i < n_wl; i++) ins[2 + i] = (cli_file){ "workload file", sweep_workload(s, i) };
        const cli_file outs[] = { {"-o file", out}, {"--slurm script", slurm ? sb : NULL} };
        int bad = cli_check_outputs("sweep", ins, (size_t)n_wl + 2, outs, 2);
        free(ins);
        if (bad) { sweep_free(s); return 1; }
    }
    if (only >= n_points) {
        sweep_free(s);
        return cli_usage_error("sweep: --point %ld is out of range [0, %ld]", only, n_points - 1);
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s.d", out);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        sweep_free(s);
        sim_errf(&err, SIM_EIO, "%s: cannot create directory: %s", dir, strerror(errno));
        return cli_fail(&err);
    }
    int lock = lock_dir(dir, only >= 0, &err);
    if (lock < 0) { sweep_free(s); return cli_fail(&err); }
    if (only < 0) {
        long n = remove_temps(dir, out);
        if (n) printf("removed %ld temporary file%s left by an interrupted sweep\n", n,
                      n == 1 ? "" : "s");
    }
    /* every point's configs are written and validated, and hashed, before anything runs */
    uint64_t *hash = sim_xcalloc((size_t)n_points, sizeof *hash);
    for (long p = 0; p < n_points; p++) {
        if (only >= 0 && p != only) continue;
        char wlp[PATH_MAX];
        hw_cfg hw;
        wl_cfg wl;
        if ((rc = load_point(s, p, dir, &hw, &wl, wlp, &hash[p], &err))) {
            sim_err e2;
            sim_errf(&e2, err.code, "%s: point %ld: %s", sweep_path(s), p, err.msg);
            err = e2;
            goto out;
        }
        hw_cfg_release(&hw);
    }
    if (slurm) rc = write_slurm(s, out, "/proc/self/exe", &err);
    else if (!coll) {
        int *code = sim_xcalloc((size_t)n_points, sizeof *code);
        long n_run = 0;
        rc = run_points(s, dir, jobs, only, resume, hash, code, &n_run, &err);
        int fc = rc ? 0 : report_failures(s, dir, code, n_run);
        free(code);
        if (fc) {
            free(hash);
            sweep_free(s);
            close(lock);
            return fc;
        }
    }
    if (!rc && !slurm && only < 0) {
        rc = report_sweep_collect(s, dir, hash, out, &err);
        if (!rc) printf("%ld points -> %s\n", n_points, out);
    }
out:
    free(hash);
    sweep_free(s);
    close(lock);
    return rc ? cli_fail(&err) : 0;
}
