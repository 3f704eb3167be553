#!/usr/bin/env python3
"""Sums the per-pass rows of a spatten report.json and prints them beside the run's totals.

    python3 tools/pass_sums.py out/<workload>/report.json

One accounting path makes every integer count of the passes sum exactly to the total, and the
energies to it up to rounding (tests/unit/630_accel_accounting.cc asserts it).
"""
import json
import sys


def main(path):
    r = json.load(open(path))
    acc, passes = r["accelerator"], r["passes"]
    rows = [
        ("out bytes", acc["bytes"]["out"], sum(p["bytes"]["out"] for p in passes)),
        ("DRAM write bytes", acc["dram_write_bytes"], sum(p["dram_write_bytes"] for p in passes)),
        ("DRAM read bytes", acc["dram_read_bytes"], sum(p["dram_read_bytes"] for p in passes)),
        ("cycles", acc["cycles"], sum(p["cycles"] for p in passes)),
        ("energy pJ", acc["energy_total_pj"], sum(sum(p["energy_pj"].values()) for p in passes)),
    ]
    print(f"{'':18} {'total':>18} {'sum of passes':>18} {'difference':>14}")
    for name, tot, s in rows:
        print(f"{name:18} {tot:18.6g} {s:18.6g} {s - tot:14.6g}")


if __name__ == "__main__":
    main(sys.argv[1])
