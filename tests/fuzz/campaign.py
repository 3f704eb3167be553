#!/usr/bin/env python3
"""Hostile-input campaign against the spatten CLI (issue 12). Not part of `make test`.

Seeded and bounded: every input is generated from --seed, every run has a timeout, and the
whole campaign stops at --budget seconds. Runs the ASan + UBSan build by default
(`make asan` builds build-asan/spatten); the resource-limit surface that needs `ulimit -v` runs
the plain build (ASan reserves terabytes of address space and cannot start under it).

Surfaces: hw/dram/workload configs, traces, authors' CSVs, weights and token files, file-type
faults (FIFO, device, directory, symlink, missing) as inputs and outputs, resource limits
(ulimit -v/-f/-n), and random command lines.

Each run is classified:
  clean     exit 1..4 with exactly one stderr line "spatten: ..." (no sanitizer output)
  accepted  exit 0, and the output passes its oracle (see below)
  crash     a signal, exit >= 128, "internal error", or a sanitizer report
  hang      the timeout fired
  silent    exit 0 but the oracle found a wrong or suspicious output, or a clean-looking
            error that broke the one-line rule, or a non-regular output path replaced
Oracles for exit 0: report.json is strict JSON with no NaN/Infinity and printable names; a
mutated trace that is accepted must simulate to the same report as the original (any other
accepted byte change is a silent corruption); outputs named by a non-regular path must leave
that path as it was.

usage: campaign.py [--seed N] [--budget S] [--n N] [--bin PATH] [--plain PATH] [--out DIR]
"""
import argparse
import json
import os
import random
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HW = os.path.join(ROOT, "configs/hw/spatten.json")
DRAM = os.path.join(ROOT, "configs/dram/hbm2.json")
TINY = os.path.join(ROOT, "configs/workloads/tiny.json")
TINYG = os.path.join(ROOT, "configs/workloads/tiny-gpt2.json")

ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99",
           UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98")


class Campaign:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.t0 = time.time()
        self.rows = {}
        self.bad = []
        self.n = 0
        self.d = tempfile.mkdtemp(prefix="spatten-campaign-")

    def over(self):
        return time.time() - self.t0 > self.a.budget or self.n >= self.a.n

    def path(self, name):
        return os.path.join(self.d, name)

    def run(self, surface, argv, desc, timeout=30, oracle=None, pre="", binary=None):
        self.n += 1
        r = self.rows.setdefault(surface, {"tried": 0, "clean": 0, "accepted": 0, "crash": 0,
                                           "hang": 0, "silent": 0})
        r["tried"] += 1
        b = binary or self.a.bin
        cmd = [b] + argv
        if pre:
            cmd = ["bash", "-c", pre + "; exec \"$0\" \"$@\""] + cmd
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
                               timeout=timeout, cwd=self.d)
        except subprocess.TimeoutExpired:
            r["hang"] += 1
            self.bad.append(("hang", surface, desc, argv))
            return None
        err = p.stderr.decode("utf-8", "replace")
        kind = None
        if p.returncode < 0 or p.returncode >= 90 or "internal error" in err or \
                "Sanitizer" in err or "runtime error:" in err:
            kind = "crash"
        elif p.returncode == 0:
            why = oracle(p) if oracle else None
            kind = "silent" if why else "accepted"
            if why:
                err = why
        else:
            lines = [l for l in err.split("\n") if l]
            if p.returncode in (1, 2, 3, 4) and len(lines) == 1 and lines[0].startswith("spatten: ") \
                    and "\x1b" not in err:
                kind = "clean"
            else:
                kind = "silent"
                err = "exit %d, stderr not one clean line: %r" % (p.returncode, err[:300])
        r[kind] += 1
        if kind in ("crash", "silent"):
            self.bad.append((kind, surface, desc, argv, err[:2000]))
        return p

    # ---- mutation helpers ----
    def mutate_bytes(self, b, k=None):
        b = bytearray(b)
        for _ in range(k or self.rng.randint(1, 4)):
            if not b:
                break
            op = self.rng.randrange(5)
            i = self.rng.randrange(len(b))
            if op == 0:
                b[i] ^= 1 << self.rng.randrange(8)
            elif op == 1:
                b[i] = self.rng.randrange(256)
            elif op == 2:
                del b[i:i + self.rng.randint(1, 16)]
            elif op == 3:
                b[i:i] = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 8)))
            else:
                b = b[:i]
        return bytes(b)

    HOSTILE_VALUES = [0, -1, 1, 2, 3, 7, 8, 1e300, -1e300, 1.5, 0.5, 1e-300, 4294967295,
                      4294967296, 18446744073709551615, 18446744073709551616, 2 ** 63, 1e18,
                      1000.0000000000001, "", "x", "\u001b[2J", "a\nb", "../../etc/passwd",
                      "\u00e9", True, False, None, [], [1], [0.5, 2], {}, {"a": 1},
                      "/dev/null", "nonexist.json", "x" * 5000, 65536, 1 << 20, 4097, 64, 65,
                      8192, 8193, 1024, 1025]

    def mutate_json(self, obj):
        o = json.loads(json.dumps(obj))
        for _ in range(self.rng.randint(1, 3)):
            keys = self._paths(o)
            op = self.rng.randrange(6)
            if op <= 2 and keys:
                path = self.rng.choice(keys)
                self._set(o, path, self.rng.choice(self.HOSTILE_VALUES))
            elif op == 3 and keys:
                path = self.rng.choice(keys)
                self._del(o, path)
            elif op == 4:
                o[self.rng.choice(["bogus", "Name", "include", "_comment", "policy", "fxp"])] = \
                    self.rng.choice(self.HOSTILE_VALUES)
            else:
                pass
        return o

    def _paths(self, o, pre=()):
        out = []
        if isinstance(o, dict):
            for k, v in o.items():
                out.append(pre + (k,))
                out += self._paths(v, pre + (k,))
        elif isinstance(o, list):
            for i, v in enumerate(o):
                out.append(pre + (i,))
        return out

    def _set(self, o, path, v):
        for k in path[:-1]:
            o = o[k]
        o[path[-1]] = v

    def _del(self, o, path):
        for k in path[:-1]:
            o = o[k]
        del o[path[-1]]

    def json_text(self, o):
        s = json.dumps(o, indent=self.rng.choice([None, 1]))
        if self.rng.random() < 0.25:
            s = self.mutate_bytes(s.encode()).decode("latin-1")
        return s

    # ---- oracles ----
    def report_ok(self, path):
        def check(p):
            if not os.path.exists(path):
                return "exit 0 but no report at %s" % path
            txt = open(path, "rb").read().decode("utf-8", "replace")
            for bad in ("NaN", "Infinity", "\x1b"):
                if bad in txt:
                    return "report holds %r" % bad
            try:
                json.loads(txt)
            except ValueError as e:
                return "report is not JSON: %s" % e
            out = p.stdout.decode("utf-8", "replace")
            if "\x1b" in out:
                return "stdout holds an escape sequence"
            return None
        return check


def flatten_cfg(path):
    """A config with its include chain applied (objects merged field by field)."""
    o = json.load(open(path))
    inc = o.pop("include", None)
    if inc:
        base = flatten_cfg(os.path.join(os.path.dirname(path), inc))
        for k, v in o.items():
            if isinstance(v, dict) and isinstance(base.get(k), dict):
                base[k].update(v)
            else:
                base[k] = v
        o = base
    return {k: v for k, v in o.items() if not k.startswith("_comment")}


def reseal(b):
    b = bytearray(b)
    pat = b'"checksum":"fnv1a64:'
    i = b.find(pat)
    if i < 0:
        return bytes(b)
    at = i + len(pat)
    h = 0xcbf29ce484222325
    for j, c in enumerate(b):
        if at <= j < at + 16:
            c = 48
        h ^= c
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    b[at:at + 16] = b"%016x" % h
    return bytes(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--budget", type=float, default=1500)
    ap.add_argument("--n", type=int, default=6400)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build-asan/spatten"))
    ap.add_argument("--plain", default=os.path.join(ROOT, "build/spatten"))
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    c = Campaign(a)
    rng = c.rng
    P = c.path
    # seeds: a tiny trace, its CSV, a checkpoint, the original report
    subprocess.run([a.plain, "trace", TINYG, "-o", P("g.spt"), "--csv", P("g.csv"), "-q"], check=True)
    subprocess.run([a.plain, "trace", TINY, "-o", P("t.spt"), "-q"], check=True)
    subprocess.run([a.plain, "sim", "--hw", HW, "--trace", P("g.spt"), "-q", "--json", P("g.json")],
                   check=True)
    subprocess.run([sys.executable, os.path.join(ROOT, "tests/py/make_ckpt.py"), "gpt2",
                    P("w.safetensors"), P("w.txt"), "2", "2", "16", "64", "20"], check=True)
    ref = json.load(open(P("g.json")))
    ref_info = subprocess.run([a.plain, "info", P("g.spt")], stdout=subprocess.PIPE).stdout.decode()
    # without the "file:" line and the "format:" line (it prints the checksum, which differs
    # for every resealed edit; `info` does not check data values, `sim` does)
    ref_info = ref_info.split("\n", 2)[2]
    g_spt = open(P("g.spt"), "rb").read()
    g_csv = open(P("g.csv"), "rb").read().decode()
    w_st = open(P("w.safetensors"), "rb").read()
    w_tok = open(P("w.txt")).read()
    hw = flatten_cfg(HW)
    hw["dram_config"] = os.path.join(ROOT, "configs/dram", os.path.basename(hw["dram_config"]))
    for k in ("energy_config", "gpu_config"):
        if hw.get(k):
            hw[k] = os.path.join(ROOT, "configs", k.split("_")[0], os.path.basename(hw[k]))
    dram = flatten_cfg(DRAM)
    wls = [flatten_cfg(TINY), flatten_cfg(TINYG)]
    wl_ck = {"name": "ck", "model": "custom", "arch": "gpt2", "layers": 2, "heads": 2,
             "d_model": 16, "d_ff": 64, "stage": "generate", "n_prompt": 16, "n_gen": 4,
             "source": "weights", "weights": "w.safetensors", "tokens": "w.txt",
             "policy": {"name": "none"}}

    def same_sim(p):
        """A mutated trace that was accepted must mean the same as the original."""
        try:
            got = json.load(open(P("m.json")))
        except (OSError, ValueError) as e:
            return "no report: %s" % e
        for k in ("cycles", "result", "dram"):
            if k in ref and got.get(k) != ref.get(k):
                return "accepted mutated trace simulates differently (%s)" % k
        return None

    # file-type fixtures
    os.mkfifo(P("fifo"))
    have_dev = True
    try:
        os.mknod(P("null"), stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError:
        have_dev = False
    os.mkdir(P("dir"))
    open(P("target"), "w").write("target\n")
    os.symlink(P("target"), P("link"))
    specials = ["fifo", "dir", "link", "missing"] + (["null"] if have_dev else [])

    surfaces = ["hw", "dram", "workload", "trace", "csv", "weights", "tokens", "filetype",
                "limits", "cli"]
    quota = {"hw": 900, "dram": 700, "workload": 800, "trace": 1000, "csv": 800, "weights": 400,
             "tokens": 300, "filetype": 400, "limits": 200, "cli": 900}
    order = [s for s in surfaces for _ in range(quota[s])]
    rng.shuffle(order)
    for s in order:
        if c.over():
            break
        keep = rng.random() < 0.05      # a few unmutated inputs: the oracles must accept them
        if s == "hw":
            open(P("hw.json"), "w").write(json.dumps(hw) if keep else c.json_text(c.mutate_json(hw)))
            c.run(s, ["sim", "--hw", "hw.json", "--trace", "t.spt", "-q", "--json", "r.json"],
                  "hw mutant", oracle=c.report_ok(P("r.json")))
        elif s == "dram":
            open(P("d.json"), "w").write(json.dumps(dram) if keep else c.json_text(c.mutate_json(dram)))
            c.run(s, ["dram", "--config", "d.json", "--gen", rng.choice(["random", "seq"]),
                      "--count", str(rng.choice([1, 50, 300])), "--json", "dr.json"], "dram mutant",
                  oracle=c.report_ok(P("dr.json")))
        elif s == "workload":
            o = rng.choice(wls) if keep else c.mutate_json(rng.choice(wls))
            open(P("w.json"), "w").write(c.json_text(o))
            c.run(s, ["trace", "w.json", "-o", "wo.spt", "-q", "--max-model-s", "20",
                      "--max-trace-mb", "64"], "workload mutant", timeout=60)
        elif s == "trace":
            b = g_spt
            mode = rng.randrange(4)
            if mode == 0:
                b = c.mutate_bytes(b)
            elif mode == 1:
                b = reseal(c.mutate_bytes(b))           # intact as a file, wrong inside
            elif mode == 2:                             # edit the header JSON text, reseal
                hl = struct.unpack("<Q", b[:8])[0]
                h = bytearray(b[8:8 + hl])
                for _ in range(rng.randint(1, 3)):
                    i = rng.randrange(len(h))
                    if chr(h[i]).isdigit():
                        h[i] = ord(rng.choice("0123456789"))
                    elif h[i:i + 4] == b"true":
                        h[i:i + 4] = b"fals"
                b = reseal(b[:8] + bytes(h) + b[8 + hl:])
            else:
                b = b[:rng.randrange(len(b))]
            open(P("m.spt"), "wb").write(b)
            if keep:
                b = g_spt
                open(P("m.spt"), "wb").write(b)

            def same_info(p, b=b):
                if b == g_spt:
                    return None
                got = p.stdout.decode("utf-8", "replace").split("\n", 2)[-1]
                return None if got == ref_info else "accepted mutated trace reads differently"
            if rng.random() < 0.3:
                c.run(s, ["info", "m.spt"], "trace mutant (info) mode %d" % mode, oracle=same_info)
            else:
                if os.path.exists(P("m.json")):
                    os.remove(P("m.json"))
                p = c.run(s, ["sim", "--hw", HW, "--trace", "m.spt", "-q", "--json", "m.json"],
                          "trace mutant mode %d" % mode,
                          oracle=lambda p: same_sim(p) if b != g_spt else None)
        elif s == "csv":
            lines = g_csv.split("\n")
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(lines))
                f = lines[i].split(",")
                j = rng.randrange(len(f))
                f[j] = rng.choice(["", "-1", "-2", "0", "8e0", "0x1p-3", " 1", "1 ", "nan", "inf",
                                   "True", "true", "1.5", "99999999999", "4096", "4097", "64.0",
                                   "\x00", "\x1b[2J", "\ufeff", "1e400", ".5", "5.", "+1"])
                lines[i] = ",".join(f) if rng.random() < 0.9 else ",".join(f[:-1])
            t = "\n".join(lines)
            if keep:
                t = g_csv
            elif rng.random() < 0.2:
                t = c.mutate_bytes(t.encode()).decode("latin-1")
            open(P("m.csv"), "w", encoding="latin-1", errors="replace").write(t)
            c.run(s, ["sim", "--hw", HW, "--workload-csv", "m.csv", "-q", "--json", "mc.json"],
                  "csv mutant", oracle=c.report_ok(P("mc.json")))
        elif s == "weights":
            b = bytearray(w_st)
            hl = struct.unpack("<Q", b[:8])[0]
            if rng.random() < 0.5:                      # a float in the data: NaN, Inf, huge
                off = 8 + hl + 4 * rng.randrange((len(b) - 8 - hl) // 4)
                b[off:off + 4] = struct.pack("<f", rng.choice([float("nan"), float("inf"),
                                                               -float("inf"), 3e38, 1e-45]))
            else:
                b = bytearray(c.mutate_bytes(bytes(b)))
            open(P("m.safetensors"), "wb").write(bytes(b))
            o = dict(wl_ck, weights="m.safetensors")
            open(P("wk.json"), "w").write(json.dumps(o))
            c.run(s, ["trace", "wk.json", "-o", "wk.spt", "-q"], "weights mutant")
        elif s == "tokens":
            t = w_tok
            t = rng.choice([t + "\x00", t.replace(" ", ",", 1), t + " 49", " " * 5 + t,
                            t.replace("1", "99999", 1), t.replace(" ", "\t"), "", "-1 " + t,
                            c.mutate_bytes(t.encode()).decode("latin-1"), t + "\n\n",
                            t.replace(" ", " 0x", 1), "1" * 30])
            open(P("m.txt"), "w", encoding="latin-1").write(t)
            o = dict(wl_ck, tokens="m.txt")
            open(P("wt.json"), "w").write(json.dumps(o))
            c.run(s, ["trace", "wt.json", "-o", "wt.spt", "-q"], "tokens mutant")
        elif s == "filetype":
            sp = rng.choice(specials)
            before = os.lstat(P(sp)).st_mode if os.path.lexists(P(sp)) else None
            as_out = rng.random() < 0.5
            if as_out:
                argv = rng.choice([
                    ["sim", "--hw", HW, "--trace", "t.spt", "-q", "--json", sp],
                    ["sim", "--hw", HW, "--trace", "t.spt", "-q", "--stats", sp],
                    ["sim", "--hw", HW, "--trace", "t.spt", "-q", "--csv", sp],
                    ["sim", "--hw", HW, "--trace", "t.spt", "-q", "--timeline", sp],
                    ["trace", TINY, "-o", sp, "-q"],
                    ["trace", TINY, "-o", "x.spt", "--csv", sp, "-q"],
                    ["dram", "--config", DRAM, "--gen", "random", "--count", "5", "--json", sp]])
            else:
                argv = rng.choice([["info", sp], ["trace", sp, "-o", "x.spt"],
                                   ["sim", "--hw", sp, "--trace", "t.spt"],
                                   ["sim", "--hw", HW, "--trace", sp],
                                   ["sim", "--hw", HW, "--workload-csv", sp],
                                   ["dram", "--config", sp, "--gen", "random", "--count", "4"],
                                   ["dram", "--config", DRAM, "--stream", sp],
                                   ["run", sp, "-o", "ro", "-q"]])

            def unchanged(p, sp=sp, before=before, as_out=as_out):
                after = os.lstat(P(sp)).st_mode if os.path.lexists(P(sp)) else None
                if sp != "missing" and after != before:
                    return "%s changed type (%o -> %o)" % (sp, before or 0, after or 0)
                if as_out and sp != "missing":
                    return "exit 0 writing to a %s" % sp
                if not as_out and sp != "missing":
                    return "exit 0 reading a %s" % sp
                return None
            p = c.run(s, argv, "special %s as %s" % (sp, "output" if as_out else "input"),
                      timeout=15, oracle=unchanged)
            if p is not None and p.returncode != 0 and sp != "missing":
                why = unchanged(p)
                if why and "changed type" in why:
                    c.rows[s]["silent"] += 1
                    c.bad.append(("silent", s, "special", argv, why))
            if os.path.exists(P("missing")):
                os.remove(P("missing"))
            if open(P("target")).read() != "target\n":
                c.bad.append(("silent", s, "symlink target changed", argv, ""))
                open(P("target"), "w").write("target\n")
        elif s == "limits":
            lim = rng.choice(["ulimit -v %d" % rng.choice([20000, 40000, 80000, 150000]),
                              "ulimit -f %d" % rng.choice([0, 1, 4, 16]),
                              # (with 3 descriptors the dynamic loader itself cannot open the
                              # shared libraries: exit 127 before main, not the program)
                              "ulimit -n %d" % rng.choice([4, 5, 6, 8])])
            # ASan cannot start under ulimit -v (it reserves terabytes) or with almost no file
            # descriptors (the loader fails to open libasan): those run the plain build
            binary = a.plain if not lim.startswith("ulimit -f") else a.bin
            argv = rng.choice([["info", "g.spt"], ["sim", "--hw", HW, "--trace", "g.spt", "-q",
                                                   "--json", "l.json"],
                               ["trace", TINYG, "-o", "l.spt", "-q"],
                               ["run", TINYG, "-o", "lo", "-q"],
                               ["dram", "--config", DRAM, "--gen", "random", "--count", "20000",
                                "--json", "ld.json"],
                               ["trace", os.path.join(ROOT, "configs/workloads/bert-base.json"),
                                "-o", "lb.spt", "-q"]])
            for f in os.listdir(c.d):
                if ".tmp." in f:
                    os.remove(P(f))
            c.run(s, argv, lim, pre=lim, binary=binary, timeout=60)
            left = [f for f in os.listdir(c.d) if ".tmp." in f]
            if left:
                c.rows[s]["silent"] += 1
                c.bad.append(("silent", s, lim + ": temp files left", argv, str(left)))
        elif s == "cli":
            vocab = ["run", "trace", "sim", "dram", "info", "config-ref", "--hw", "--trace", "--json",
                     "--csv", "--stats", "--timeline", "-o", "--out", "-q", "--quiet", "--no-skip",
                     "--help", "-h", "--version", "--config", "--stream", "--gen", "--count", "--seed",
                     "--interval", "--read-pct", "--workload-csv", "--max-trace-mb", "--max-model-s",
                     "--save-trace", "--float-dump", "--no-error", "--exhaustive", "", "-", "--",
                     "--json=", "--count=-1", "--count=1e3", "99999999999999999999", "0", "x" * 5000,
                     HW, DRAM, TINY, "t.spt", "g.csv", "random", "strided", "nonexist", "fifo",
                     "--hw=" + HW, "-oq", "-qo", "\x1b[2J", "hw", "dram", "workload"]
            argv = [rng.choice(vocab) for _ in range(rng.randint(0, 7))]
            if argv and rng.random() < 0.7:
                argv[0] = rng.choice(["run", "trace", "sim", "dram", "info", "config-ref"])
            if argv and argv[0] == "run" and "-o" not in argv and "--out" not in argv:
                argv += ["-o", "co"]
            # keep runs short: a run/trace of the big default workload is bounded by the caps
            if argv and argv[0] in ("run", "trace"):
                argv += ["--max-model-s", "30"]
            # `run` with no workload is the built-in BERT-base: ~30 s under ASan on a loaded
            # two-core machine (seed 12 timed out 4 such runs at 90 s while `make asan` ran)
            c.run(s, argv, "cli", timeout=300 if argv and argv[0] == "run" else 90)
    elapsed = time.time() - c.t0
    total = {k: 0 for k in ("tried", "clean", "accepted", "crash", "hang", "silent")}
    lines = ["| surface | tried | clean rejections | accepted (oracle ok) | crash | hang | "
             "silent wrong / rule broken |", "|---|---|---|---|---|---|---|"]
    for sname in surfaces:
        r = c.rows.get(sname)
        if not r:
            continue
        for k in total:
            total[k] += r[k]
        lines.append("| %s | %d | %d | %d | %d | %d | %d |" % (sname, r["tried"], r["clean"],
                                                            r["accepted"], r["crash"], r["hang"],
                                                            r["silent"]))
    lines.append("| **total** | %d | %d | %d | %d | %d | %d |" % tuple(
        total[k] for k in ("tried", "clean", "accepted", "crash", "hang", "silent")))
    out = "\n".join(lines)
    print("seed %d, %.0f s, %d inputs\n" % (a.seed, elapsed, c.n))
    print(out)
    for b in c.bad[:60]:
        print("FINDING:", b[0], b[1], b[2], " ".join(x if len(x) < 80 else x[:80] + "..." for x in b[3]),
              "::", (b[4] if len(b) > 4 else "")[:600].replace("\n", " | "))
    if a.out:
        json.dump({"rows": c.rows, "bad": [list(map(str, b)) for b in c.bad]}, open(a.out, "w"),
                  indent=1)
    shutil.rmtree(c.d, ignore_errors=True)
    return 1 if total["crash"] or total["hang"] or total["silent"] else 0


if __name__ == "__main__":
    sys.exit(main())
