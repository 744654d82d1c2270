#!/usr/bin/env python3
"""bench/tls/report.py RAW.tsv [--reps N ...]: the Markdown report of bench/tls/run.sh.

Every ratio is taken within one repetition (coronet's figure over the
baseline's measured minutes apart at most), then the median over the
repetitions is shown, so that slow drifts of a shared machine cancel out.
"""
import argparse
import csv
import statistics
import sys
from collections import defaultdict

UNIT = {"bulk": ("MiB/s", "MiB"), "handshakes": ("handshakes/s", "handshakes")}


def per_cpu(row, scenario, cpu_field):
    cpu = float(row[cpu_field])
    units = float(row["units"])
    if scenario == "bulk":
        units /= 1 << 20
    return units / cpu if cpu > 0 else float("nan")


def fmt(x, digits=0):
    if x != x:  # nan
        return "n/a"
    return f"{x:,.{digits}f}"


def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def table(rows, scenario, key, baseline, cpu_field, cpu_label):
    """Rows keyed by `key` (server or client), ratios to `baseline` per rep."""
    by_rep = defaultdict(dict)
    for r in rows:
        by_rep[r["rep"]][r[key]] = r
    names = []
    for r in rows:
        if r[key] not in names:
            names.append(r[key])
    names.sort(key=lambda n: (n != baseline, n))
    rate_unit, cpu_unit = UNIT[scenario]
    out = [
        f"| {key} | median {rate_unit} | ratio | median {cpu_unit} per {cpu_label}-CPU-s | ratio | reps |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        rates, cpus, rate_ratios, cpu_ratios = [], [], [], []
        for rep, got in by_rep.items():
            if name not in got:
                continue
            r = got[name]
            rates.append(float(r["rate"]))
            cpus.append(per_cpu(r, scenario, cpu_field))
            if baseline in got:
                b = got[baseline]
                rate_ratios.append(float(r["rate"]) / float(b["rate"]))
                cpu_ratios.append(per_cpu(r, scenario, cpu_field) / per_cpu(b, scenario, cpu_field))
        digits = 1 if scenario == "bulk" else 0
        out.append(
            f"| {name} | {fmt(median(rates), digits)} | **{fmt(median(rate_ratios), 2)}** | "
            f"{fmt(median(cpus), digits)} | **{fmt(median(cpu_ratios), 2)}** | {len(rates)} |"
        )
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--reps", default="?")
    ap.add_argument("--seconds", default="?")
    ap.add_argument("--hs-conc", default="?")
    ap.add_argument("--client-backend", default="?")
    ap.add_argument("--commit", default="?")
    ap.add_argument("--load", default="?")
    args = ap.parse_args()
    with open(args.raw, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows:
        sys.exit("report.py: no measurements in " + args.raw)
    lines = [
        "# TLS benchmark results (bench/tls/run.sh)",
        "",
        f"Commit `{args.commit}`, {args.reps} repetitions of {args.seconds} s per measurement, "
        f"load average at the end {args.load}. Ratios are coronet / plain OpenSSL within "
        "each repetition, then the median; above 1 is better for coronet.",
        "",
        "## Servers (the same plain-OpenSSL load client against each)",
        "",
    ]
    for scenario, title in (
        ("bulk", "Bulk: 1 connection, echo both directions at once (payload MiB/s each way)"),
        ("handshakes", f"Handshakes: full TLS 1.3 handshake + 32-byte echo + close, "
                       f"{args.hs_conc} at a time"),
    ):
        srows = [r for r in rows if r["scenario"] == scenario and r["client"] == "openssl"]
        if srows:
            lines += [f"### {title}", ""] + table(srows, scenario, "server", "openssl",
                                                  "server_cpu", "server") + [""]
    lines += [
        "## Clients (against the plain-OpenSSL server)",
        "",
        f"coronet client on the {args.client_backend} backend; CPU measured by each client over "
        "its own run.",
        "",
    ]
    for scenario in ("bulk", "handshakes"):
        crows = [r for r in rows if r["scenario"] == scenario and r["server"] == "openssl"]
        if crows:
            lines += [f"### {scenario}", ""] + table(crows, scenario, "client", "openssl",
                                                     "client_cpu", "client") + [""]
    print("\n".join(lines).rstrip())


if __name__ == "__main__":
    main()
