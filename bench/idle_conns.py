#!/usr/bin/env python3
"""Server memory per idle connection, for bench/run.sh.

    idle_conns.py PORT SERVER_PID [CONNECTIONS]

Opens CONNECTIONS (default 10000) TCP connections to 127.0.0.1:PORT, echoes
one byte over each (so every connection has been accepted and its handler is
back waiting to receive), holds them all open, and reports the server's
resident-memory growth divided by the number of connections:

    RESULT ok=1 conns=10000 rss_before_kib=... rss_after_kib=... bytes_per_conn=...

The "before" figure is taken after one warm-up connection has echoed and
closed, so one-time allocations (first accept, first buffers) are not charged
to the idle connections. Exit status 2 on any failure (with RESULT ok=0).
"""
import resource
import socket
import sys
import time

BATCH = 250


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def echo_one(sock):
    sock.sendall(b"x")
    got = sock.recv(16)
    if got != b"x":
        raise RuntimeError(f"bad echo {got!r}")


def main():
    if len(sys.argv) < 3:
        print("usage: idle_conns.py PORT SERVER_PID [CONNECTIONS]", file=sys.stderr)
        return 2
    port, pid = int(sys.argv[1]), int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < count + 64:
        print(f"RESULT ok=0 error=rlimit_nofile_{hard}_below_{count}")
        return 2
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    warm = socket.create_connection(("127.0.0.1", port), timeout=10)
    echo_one(warm)
    warm.close()
    time.sleep(0.5)
    before = rss_kib(pid)

    socks = []
    try:
        started = time.monotonic()
        while len(socks) < count:
            batch = []
            for _ in range(min(BATCH, count - len(socks))):
                s = socket.create_connection(("127.0.0.1", port), timeout=30)
                batch.append(s)
            for s in batch:
                s.sendall(b"x")
            for s in batch:
                got = s.recv(16)
                if got != b"x":
                    raise RuntimeError(f"bad echo {got!r} on connection {len(socks)}")
                socks.append(s)
            if time.monotonic() - started > 120:
                raise RuntimeError(f"only {len(socks)} connections after 120 s")
        time.sleep(1.0)
        after = rss_kib(pid)
        # Every connection must still be served after the measurement.
        for s in socks[:: max(1, count // 100)]:
            echo_one(s)
    except Exception as e:  # noqa: BLE001 - reported, not hidden
        print(f"RESULT ok=0 conns={len(socks)} error={type(e).__name__}:{str(e).replace(' ', '_')}")
        return 2
    finally:
        for s in socks:
            s.close()
    per_conn = (after - before) * 1024 / count
    print(f"RESULT ok=1 conns={count} rss_before_kib={before} rss_after_kib={after} "
          f"bytes_per_conn={per_conn:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
