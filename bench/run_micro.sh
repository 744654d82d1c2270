#!/usr/bin/env bash
# Runs every micro-benchmark executable (bench_*) with 5 repetitions and
# prints one table: each benchmark's median ns/op and its ratio to the
# baselines of its group, measured in the same run.
#
#     bench/run_micro.sh                        # build/release/bench
#     bench/run_micro.sh path/to/bench/dir      # another build
#     bench/run_micro.sh -- --benchmark_filter=pingpong   # extra flags to every executable
#
# Environment: CORONET_BACKEND picks the backend of the runtime benchmarks
# (the I/O ones name theirs explicitly); REPETITIONS overrides 5.
#
# Naming (see bench/micro/common.hpp): <group>/<variant>[/<arg>]; variants
# named baseline_* are the baselines. ns/op is 1e9 / items_per_second, i.e.
# CPU time per item, median over the repetitions; cv is the coefficient of
# variation over the repetitions (how noisy that figure was); wall ns/op is
# the same median in real time, which on a busy machine includes time the
# process spent waiting for a CPU.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench_dir=$root/build/release/bench
if [[ $# -gt 0 && $1 != -- ]]; then
    bench_dir=$1
    shift
fi
[[ ${1-} == -- ]] && shift
extra=("$@")

shopt -s nullglob
executables=("$bench_dir"/bench_*)
if [[ ${#executables[@]} -eq 0 ]]; then
    echo "run_micro.sh: no bench_* executables in $bench_dir" >&2
    echo "  build them first: cmake --preset release && cmake --build build/release -j2" >&2
    exit 1
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/coronet-micro.XXXXXX")
for exe in "${executables[@]}"; do
    [[ -x $exe && -f $exe ]] || continue
    name=$(basename "$exe")
    echo "running $name ..." >&2
    # Console output goes to a log; the table is built from the JSON.
    "$exe" --benchmark_repetitions="${REPETITIONS:-5}" \
        --benchmark_report_aggregates_only=true \
        --benchmark_out="$out/$name.json" --benchmark_out_format=json \
        "${extra[@]}" >"$out/$name.log" 2>&1 || {
        echo "run_micro.sh: $name failed; see $out/$name.log" >&2
        exit 1
    }
done

python3 - "$out" <<'EOF'
import glob, json, os, sys

rows = {}      # run_name -> {"ns": ..., "cv": ..., "label": ..., "error": ...}
order = []
context = None
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    with open(path) as f:
        text = f.read()
    if not text.strip():
        continue  # a --benchmark_filter matched nothing in this executable
    data = json.loads(text)
    context = context or data.get("context", {})
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        if name not in rows:
            rows[name] = {}
            order.append(name)
        row = rows[name]
        if b.get("error_occurred"):
            row["error"] = b.get("error_message", "error")
            continue
        agg = b.get("aggregate_name")
        ips = b.get("items_per_second")
        if ips and (agg == "median" or agg is None):  # None: run without repetitions
            row["ns"] = 1e9 / ips
            row["label"] = b.get("label", "")
            # Items per iteration, recovered from the CPU-time rate, turns the
            # per-iteration real time into wall ns per item.
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
            per_iter = ips * b["cpu_time"] * scale
            if per_iter > 0:
                row["wall"] = b["real_time"] / per_iter * scale * 1e9
        elif agg == "cv" and ips is not None:
            row["cv"] = ips  # cv of items_per_second, a fraction

def split(name):
    parts = name.split("/")
    group, variant = parts[0], parts[1] if len(parts) > 1 else ""
    return group, variant, "/".join(parts[2:])

# For each group: baseline variant -> {arg: run_name}
baselines = {}
for name in order:
    group, variant, arg = split(name)
    if variant.startswith("baseline_"):
        baselines.setdefault(group, {}).setdefault(variant, {})[arg] = name

def baseline_for(group, variant_rows, arg):
    """Same arg if the baseline has it, else the baseline's only row."""
    if arg in variant_rows:
        return variant_rows[arg]
    if len(variant_rows) == 1:
        return next(iter(variant_rows.values()))
    return None

def fmt_ns(ns):
    return f"{ns:,.1f}" if ns < 100 else f"{ns:,.0f}"

lines = []
for name in order:
    group, variant, arg = split(name)
    row = rows[name]
    label = row.get("label") or ""
    if "error" in row:
        lines.append((name, label, "skipped", "", "", "", row["error"]))
        continue
    if "ns" not in row:
        continue
    cv = f"{100 * row['cv']:.1f}%" if "cv" in row else ""
    wall = fmt_ns(row["wall"]) if "wall" in row else ""
    if variant.startswith("baseline_"):
        lines.append((name, label, fmt_ns(row["ns"]), cv, wall, "(baseline)", ""))
        continue
    refs = [baseline_for(group, v, arg) for v in baselines.get(group, {}).values()]
    refs = [r for r in refs if r and "ns" in rows[r]]
    if not refs:
        lines.append((name, label, fmt_ns(row["ns"]), cv, wall, "", ""))
    for i, ref in enumerate(refs):
        ratio = row["ns"] / rows[ref]["ns"]
        lines.append((name if i == 0 else "", label if i == 0 else "",
                      fmt_ns(row["ns"]) if i == 0 else "", cv if i == 0 else "",
                      wall if i == 0 else "", f"x{ratio:,.2f}", ref))

header = ("benchmark", "backend", "median ns/op", "cv", "wall ns/op", "ratio",
          "vs baseline (or why skipped)")
widths = [max(len(str(l[i])) for l in lines + [header]) for i in range(len(header))]
def show(l):
    cells = [str(l[0]).ljust(widths[0]), str(l[1]).ljust(widths[1]),
             str(l[2]).rjust(widths[2]), str(l[3]).rjust(widths[3]),
             str(l[4]).rjust(widths[4]), str(l[5]).rjust(widths[5]), str(l[6])]
    print("  ".join(cells).rstrip())
if context:
    print(f"# {context.get('num_cpus', '?')} CPUs @ {context.get('mhz_per_cpu', '?')} MHz, "
          f"load average {', '.join(f'{x:.2f}' for x in context.get('load_avg', []))}")
show(header)
show(tuple("-" * w for w in widths))
for l in lines:
    show(l)
print(f"# raw output: {sys.argv[1]}")
EOF
