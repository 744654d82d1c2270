#!/usr/bin/env python3
"""Smoke test for one bench/echo server: echo_smoke.py SERVER_EXECUTABLE

Starts the server on a free loopback port (backend from CORONET_BACKEND, as
ctest sets it), then checks what bench/run.sh relies on: several connections
at once each get back exactly the bytes they sent (small messages and a
bulk transfer larger than the socket buffers), a client that resets its
connection does not disturb the others, and a client that half-closes gets
its connection closed after the echo. Exit status 0 on success; every wait is
bounded.
"""
import os
import random
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time

DEADLINE = 30.0  # seconds for the whole test


def fail(message):
    print(f"echo_smoke: {message}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(exe):
    """Starts the server; returns (process, port) once it accepts connections."""
    for _ in range(5):  # the free port may be taken between probe and bind
        port = free_port()
        proc = subprocess.Popen([exe, str(port)], stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return proc, port
            except OSError:
                time.sleep(0.05)
        stop(proc)
    fail(f"{exe} never accepted a connection")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def echo_all(port, payloads, deadline):
    """Sends payloads[i] on connection i, all at once; checks every echo."""
    sel = selectors.DefaultSelector()
    conns = []
    for data in payloads:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        state = {"sock": s, "out": memoryview(data), "want": data, "got": bytearray()}
        conns.append(state)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, state)
    pending = len(conns)
    while pending:
        if time.monotonic() > deadline:
            fail(f"timed out with {pending} connection(s) not fully echoed")
        for key, mask in sel.select(timeout=0.5):
            st = key.data
            if mask & selectors.EVENT_WRITE and st["out"]:
                n = st["sock"].send(st["out"][:65536])
                st["out"] = st["out"][n:]
                if not st["out"]:
                    sel.modify(st["sock"], selectors.EVENT_READ, st)
            if mask & selectors.EVENT_READ:
                chunk = st["sock"].recv(65536)
                if not chunk:
                    fail(f"server closed a connection after {len(st['got'])} of "
                         f"{len(st['want'])} bytes")
                st["got"] += chunk
                if len(st["got"]) > len(st["want"]):
                    fail("server echoed more bytes than were sent")
                if len(st["got"]) == len(st["want"]):
                    if st["got"] != st["want"]:
                        fail("echoed bytes differ from what was sent")
                    sel.unregister(st["sock"])
                    pending -= 1
    for st in conns:
        st["sock"].close()
    sel.close()


def main():
    if len(sys.argv) != 2:
        fail("usage: echo_smoke.py SERVER_EXECUTABLE")
    deadline = time.monotonic() + DEADLINE
    rng = random.Random(7)
    proc, port = start_server(sys.argv[1])
    try:
        # A reset right after sending: the server must drop that connection only.
        rude = socket.create_connection(("127.0.0.1", port), timeout=5)
        rude.sendall(b"x" * 1000)
        rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        rude.close()

        small = [rng.randbytes(rng.randint(1, 200)) for _ in range(20)]
        bulk = [rng.randbytes(3 * 1024 * 1024)]  # more than both socket buffers
        echo_all(port, small + bulk, deadline)

        # Half-close: everything sent comes back, then the server closes.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"last words")
            s.shutdown(socket.SHUT_WR)
            got = bytearray()
            while time.monotonic() < deadline:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
            if bytes(got) != b"last words":
                fail(f"half-closed connection got {bytes(got)!r} back")

        if proc.poll() is not None:
            fail(f"server exited early with status {proc.returncode}")
    finally:
        stop(proc)
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
    if "backend" not in err:
        fail(f"server did not announce its backend on stderr: {err!r}")
    print(f"echo_smoke: {os.path.basename(sys.argv[1])} ok ({err.strip().splitlines()[0]})")


if __name__ == "__main__":
    main()
