#!/usr/bin/env python3
"""A/B of echo servers against a baseline, each beside a baseline run on either side.

    bench/ab.py [--reps 10] [--conns 1000] [--seconds 3] [--pipeline 1]
                [--baseline CMD] [--load PATH] NAME=CMD [NAME=CMD ...]

CMD is a server command line with {port} where its port goes, e.g.
old="../old/build/release/bench/bench_echo_stream --backend epoll {port}".
Every repetition runs the servers in a fresh random order, with the baseline
(default: the shared harness's raw_epoll, as bench/run.sh builds it) before the
first and after each: a server's figure is its requests per server-CPU-second
divided by the mean of the two baseline runs beside it. The server is pinned to
core 0, the load generator to core 1.

Why not a fixed order against one baseline run per repetition: on this shared
VM that way showed differences of 5 to 10 % between two builds (consistently,
in both orders) that vanished here; the machine's speed moves within a
repetition, and a fixed place in it is a bias of its own.

Prints each repetition, each server's median, and for each pair of servers the
median of their per-repetition quotient (paired: the two ran in the same
repetition) with how many repetitions were above 1; each median with its 95 %
interval (report.py's: the whole range under nine repetitions).
"""
import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time

from report import median_interval

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_BUILD = os.path.join(ROOT, "build", "bench-shared", "build")
RESULT = re.compile(r"rps=([\d.]+).*srv_cpu=([\d.]+).*mismatch=(\d+)")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--conns", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--pipeline", type=int, default=1)
    parser.add_argument("--baseline", default=os.path.join(SHARED_BUILD, "raw_epoll") + " {port}")
    parser.add_argument("--load", default=os.path.join(SHARED_BUILD, "echo_load"))
    parser.add_argument("servers", nargs="+", metavar="NAME=CMD")
    args = parser.parse_args()
    servers = []
    for spec in args.servers:
        name, sep, cmd = spec.partition("=")
        if not sep or not name or "{port}" not in cmd:
            parser.error(f"'{spec}': want NAME=COMMAND with {{port}} in the command")
        servers.append((name, cmd))
    if len({name for name, _ in servers}) != len(servers):
        parser.error("server names must differ")
    if "{port}" not in args.baseline:
        parser.error("--baseline: the command needs {port}")
    if not os.access(args.load, os.X_OK):
        parser.error(f"load generator '{args.load}' not found: run bench/run.sh --quick once, or pass --load")
    if not 1 <= args.reps <= 100 or not 1 <= args.seconds <= 60:
        parser.error("--reps 1..100, --seconds 1..60")
    return args, servers


def listening(port):
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True).stdout
    return bool(out.strip())


def measure(cmd, args):
    """Requests per server-CPU-second of one run of `cmd`, or None (reported) if it failed."""
    port = random.randint(20000, 31999)
    server = subprocess.Popen(["taskset", "-c", "0", "bash", "-c", "exec " + cmd.replace("{port}", str(port))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if listening(port) or server.poll() is not None:
                break
            time.sleep(0.05)
        load = subprocess.run(["taskset", "-c", "1", args.load, "-p", str(port), "-c", str(args.conns),
                               "-s", "64", "-P", str(args.pipeline), "-d", str(args.seconds), "-w", "1",
                               "-S", str(server.pid)],
                              capture_output=True, text=True, timeout=args.seconds + 60).stdout
    except subprocess.TimeoutExpired:
        load = ""
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    match = RESULT.search(load)
    if not match or match.group(3) != "0" or float(match.group(2)) <= 0:
        print(f"  failed: {cmd}: {load.strip()[:200] or 'no result'}", flush=True)
        return None
    return float(match.group(1)) / (float(match.group(2)) / 100)


def interval(values):
    low, high = median_interval(values)
    return f"{low:.3f}–{high:.3f}"


def main():
    args, servers = parse_args()
    ratios = {name: [None] * args.reps for name, _ in servers}
    for rep in range(args.reps):
        order = servers[:]
        random.shuffle(order)
        before = measure(args.baseline, args)
        line = []
        for name, cmd in order:
            value = measure(cmd, args)
            after = measure(args.baseline, args)
            if value and before and after:
                ratios[name][rep] = value / ((before + after) / 2)
                line.append(f"{name}={ratios[name][rep]:.3f}")
            before = after
        print(f"rep {rep + 1}: " + " ".join(line), flush=True)
    print("medians (ratio to the baseline):")
    missing = 0
    for name, _ in servers:
        got = [r for r in ratios[name] if r is not None]
        print(f"  {name}: {statistics.median(got):.3f}, 95 % interval {interval(got)} ({len(got)} reps)"
              if got else f"  {name}: no result")
        missing += not got
    for i, (a, _) in enumerate(servers):
        for b, _ in servers[i + 1:]:
            paired = [x / y for x, y in zip(ratios[a], ratios[b]) if x and y]
            if paired:
                above = sum(p > 1 for p in paired)
                print(f"  {a}/{b}: median {statistics.median(paired):.3f}, 95 % interval "
                      f"{interval(paired)}, above 1 in {above} of {len(paired)}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
