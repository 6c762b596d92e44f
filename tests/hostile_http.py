#!/usr/bin/env python3
"""Issue 12: `studysearch serve` under attack, while a normal client keeps searching.

Usage: hostile_http.py STUDYSEARCH CORPUS.jsonl WORKDIR

Builds an index of CORPUS in WORKDIR, starts the real binary on a free loopback
port with its default limits (idle 5 s, deadline 10 s, 16 KB of headers, 32
connections per address) and a token file, then runs one attack at a time from
127.0.0.1 while a normal client on 127.0.0.2 (another loopback address, so the
per-address cap does not apply to it) asks for /healthz and a search every 10 ms:

  slow-drip      200 connections that each send one header byte per second
  endless-headers 16 connections that stream header lines as fast as they can
  ranges         200 requests with a 1,500-range Range header (static file, API)
  bodiless-posts 48 POSTs that announce a body and never send it

During each attack: the normal client's /healthz and search p99 < 100 ms and no
failed request, the server's RSS (VmRSS) < 200 MB, and every attacking
connection is closed by the server within its deadline (plus scheduling slack).
Every bound is printed next to what was measured; any miss fails the test.
Python standard library only; loopback only; stops by itself (about a minute).
"""
import http.client
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import threading
import time

IDLE = 5          # serve's default --timeout
DEADLINE = 10     # serve's default --deadline
PER_IP = 32       # serve's default --max-connections-per-ip
SLACK = 3.0       # scheduling slack on a loaded 2-core machine
P99_MS = 100.0
RSS_LIMIT_MB = 200.0
RSS_ABORT_MB = 600.0  # an old server that balloons is stopped before it hurts the machine
ATTACKER, NORMAL = "127.0.0.1", "127.0.0.2"
TOKEN = "hostile-test-token"

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100.0))] if values else float("nan")


class NormalClient(threading.Thread):
    """Keep-alive client from another address; records (time, path, ms or None on failure)."""

    PATHS = ["/healthz", "/v1/search?q=fatigue&limit=10"]

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.samples, self.stopping = port, [], threading.Event()

    def run(self):
        conn, i = None, 0
        while not self.stopping.is_set():
            path = self.PATHS[i % 2]
            i += 1
            start = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5, source_address=(NORMAL, 0))
                conn.request("GET", path)
                res = conn.getresponse()
                res.read()
                ok = res.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                if conn is not None:
                    conn.close()
                conn = None
            self.samples.append((start, path, (time.monotonic() - start) * 1000 if ok else None))
            time.sleep(0.01)


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.stopping = pid, [], threading.Event()

    def rss_mb(self):
        try:
            with open(f"/proc/{self.pid}/status") as status:
                return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024.0
        except (OSError, AttributeError):
            return 0.0

    def run(self):
        while not self.stopping.is_set():
            self.samples.append((time.monotonic(), self.rss_mb()))
            time.sleep(0.05)


class Conn:
    """One attacking connection: when it opened, when the server closed it, what came back."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(ATTACKER, 0))
        self.sock.setblocking(False)
        self.opened = time.monotonic()
        self.closed = None
        self.received = b""
        self.sent = 0

    def send(self, data):
        if self.closed is not None:
            return 0
        try:
            n = self.sock.send(data)
            self.sent += n
            return n
        except BlockingIOError:
            return 0
        except OSError:  # reset or broken pipe: the server closed it
            self.mark_closed()
            return 0

    def poll(self):
        """Reads what is there; notices a close."""
        while self.closed is None:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                return self.mark_closed()
            if not data:
                return self.mark_closed()
            if len(self.received) < 4096:
                self.received += data[:4096]

    def mark_closed(self):
        if self.closed is None:
            self.closed = time.monotonic()
            self.sock.close()

    def status(self):
        m = re.match(rb"HTTP/1\.[01] (\d{3})", self.received)
        return int(m.group(1)) if m else None


def drive(conns, seconds, tick=None, tick_every=1.0, rss=None):
    """Polls every connection until all are closed or `seconds` pass; tick() every tick_every s."""
    selector = selectors.DefaultSelector()
    for c in conns:
        if c.closed is None:
            selector.register(c.sock, selectors.EVENT_READ, c)
    end, next_tick = time.monotonic() + seconds, time.monotonic()
    while time.monotonic() < end and any(c.closed is None for c in conns):
        if tick and time.monotonic() >= next_tick:
            tick()
            next_tick += tick_every
        for key, _ in selector.select(timeout=0.05):
            key.data.poll()
            if key.data.closed is not None:
                selector.unregister(key.fileobj)
        if rss and rss.samples and rss.samples[-1][1] > RSS_ABORT_MB:
            print(f"     server RSS {rss.samples[-1][1]:.0f} MB: attack stopped early", flush=True)
            break
    selector.close()


def slow_drip(port, rss):
    conns = [Conn(port) for _ in range(200)]
    for c in conns:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Drip: ")
    drive(conns, DEADLINE + SLACK + 2, tick=lambda: [c.send(b"a") for c in conns], rss=rss)
    refused = sum(1 for c in conns if c.closed is not None and c.closed - c.opened < 2.0)
    check(refused >= 200 - PER_IP, f"slow-drip: {refused} of 200 connections closed at once (per-address cap {PER_IP})")
    check(not any(c.status() == 200 for c in conns), "slow-drip: no dripping request was answered 200")
    return conns, DEADLINE


def endless_headers(port, rss):
    """16 connections at all times for 8 s: each streams header lines until the server closes it, then is replaced."""
    line = b"X-Flood: " + b"a" * 1000 + b"\r\n"
    conns, live = [], []
    end = time.monotonic() + 8.0
    while time.monotonic() < end:
        while len(live) < 16:
            c = Conn(port)
            c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            live.append(c)
            conns.append(c)
        drive(live, 0.2, tick=lambda: [c.send(line * 16) for c in live], tick_every=0.001, rss=rss)
        live = [c for c in live if c.closed is None]
    # The last ones keep streaming until closed.
    drive(live, DEADLINE + SLACK + 2, tick=lambda: [c.send(line * 16) for c in live], tick_every=0.001, rss=rss)
    sent = max(c.sent for c in conns)
    answered = sum(1 for c in conns if c.status() == 431)
    print(f"     endless-headers: {len(conns)} connections, at most {sent} bytes sent on one; {answered} saw 431",
          flush=True)
    return conns, DEADLINE


def ranges(port, rss):
    ranged = "bytes=0-" + ",0-" * 1500
    reference = {}
    for path in ("/app.js", "/v1/search?q=fatigue"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(ATTACKER, 0))
        conn.request("GET", path)
        reference[path] = len(conn.getresponse().read())
        conn.close()
    results, lock = [], threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(ATTACKER, 0))
        sizes, closed_after = [], None
        try:
            for i in range(25):
                path = "/app.js" if i % 2 == 0 else "/v1/search?q=fatigue"
                conn.request("GET", path, headers={"Range": ranged})
                res = conn.getresponse()
                sizes.append((path, res.status, len(res.read())))
            # Kept alive and idle now: the server must close it within its idle timeout.
            last = time.monotonic()
            conn.sock.settimeout(IDLE + SLACK + 2)
            try:
                if conn.sock.recv(1) == b"":
                    closed_after = time.monotonic() - last
            except OSError:
                closed_after = time.monotonic() - last
        except (OSError, AttributeError, http.client.HTTPException) as e:
            print(f"     ranges: a connection failed: {e!r}", flush=True)
        conn.close()
        with lock:
            results.append((sizes, closed_after))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    responses = [s for sizes, _ in results for s in sizes]
    largest = max((size / reference[path] for path, _, size in responses), default=0.0)
    check(len(responses) == 200 and all(status == 200 for _, status, _ in responses),
          f"ranges: {len(responses)} requests with 1,500 ranges answered 200 (the whole body, once)")
    check(largest < 1.5, f"ranges: largest response {largest:.2f}x the plain one (no amplification)")
    idle_closes = [after for _, after in results]
    check(all(after is not None and after <= IDLE + SLACK for after in idle_closes),
          f"ranges: every keep-alive connection closed by the server {max((a or 99) for a in idle_closes):.1f} s "
          f"after its last request (idle timeout {IDLE} s + {SLACK:.0f} s slack)")
    return [], DEADLINE


def bodiless_posts(port, rss):
    conns, expected = [], []
    for round_ in range(3):
        batch = []
        for i in range(16):
            c = Conn(port)
            kind = i % 4
            if kind == 3:  # the one route that takes a body, with the token: cut off at the deadline
                c.send(b"POST /v1/studies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() +
                       b"\r\nContent-Length: 100000\r\n\r\n")
                expected.append(None)
            elif kind == 2:  # a write without the token: 401 before any body is read
                c.send(b"POST /v1/studies HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
                expected.append(401)
            else:  # a route that takes no body: 405 at once
                c.send(b"POST /v1/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                       b"Content-Length: 100000\r\n\r\n")
                expected.append(405)
            batch.append(c)
        conns += batch
        drive(batch, 1.0, rss=rss)  # answered ones close within this second
    drive(conns, DEADLINE + SLACK + 2, rss=rss)
    got = [c.status() for c in conns]
    check(all(g == e for g, e in zip(got, expected)),
          f"bodiless-posts: 405 without reading a body, 401 before reading a body, token + no body cut off "
          f"(statuses {sorted(set(map(str, got)))})")
    quick = [c.closed - c.opened for c, e in zip(conns, expected) if e is not None and c.closed]
    check(len(quick) == 36 and max(quick) < 2.0, f"bodiless-posts: answered connections closed within "
          f"{max(quick or [99]):.2f} s")
    return conns, DEADLINE


def main():
    cli, corpus, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    db = os.path.join(work, "db")
    subprocess.run([cli, "index", "--db", db, corpus], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(work, "token"), "w") as f:
        f.write(TOKEN + "\n")
    log_path = os.path.join(work, "serve.log")
    log = open(log_path, "w")
    server = subprocess.Popen([cli, "serve", "--db", db, "--port", "0", "--token-file", os.path.join(work, "token")],
                              stderr=log)
    try:
        port = None
        for _ in range(200):
            m = re.search(r"serving .* on http://127\.0\.0\.1:(\d+)", open(log_path).read())
            if m:
                port = int(m.group(1))
                break
            if server.poll() is not None:
                break
            time.sleep(0.05)
        if port is None:
            print(open(log_path).read())
            print("FAIL the server did not start")
            return 1
        client, rss = NormalClient(port), RssSampler(server.pid)
        client.start()
        rss.start()
        time.sleep(1.0)
        print(f"server pid {server.pid} on port {port}; bounds: p99 < {P99_MS:.0f} ms, RSS < {RSS_LIMIT_MB:.0f} MB, "
              f"closed within deadline {DEADLINE} s + {SLACK:.0f} s slack", flush=True)
        for name, attack in (("slow-drip", slow_drip), ("endless-headers", endless_headers), ("ranges", ranges),
                             ("bodiless-posts", bodiless_posts)):
            start = time.monotonic()
            conns, deadline = attack(port, rss)
            end = time.monotonic()
            open_too_long = [c for c in conns if c.closed is None or c.closed - c.opened > deadline + SLACK]
            longest = max((c.closed - c.opened for c in conns if c.closed), default=0.0)
            for c in conns:
                if c.closed is None:
                    c.sock.close()
            if conns:
                check(not open_too_long, f"{name}: all {len(conns)} attacking connections closed by the server "
                                         f"(longest {longest:.1f} s)")
            samples = [s for s in client.samples if start <= s[0] <= end]
            for path in NormalClient.PATHS:
                times = [ms for _, p, ms in samples if p == path and ms is not None]
                failed = sum(1 for _, p, ms in samples if p == path and ms is None)
                p99 = percentile(times, 99)
                check(failed == 0 and len(times) >= 50 and p99 < P99_MS,
                      f"{name}: normal client {path}: {len(times)} requests, {failed} failed, "
                      f"p50 {percentile(times, 50):.1f} ms, p99 {p99:.1f} ms")
            peak = max((mb for t, mb in rss.samples if start <= t <= end), default=0.0)
            check(0 < peak < RSS_LIMIT_MB, f"{name}: server peak RSS {peak:.0f} MB")
            time.sleep(0.5)
        client.stopping.set()
        rss.stopping.set()
        client.join()
        check(server.poll() is None, "the server is still running")
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    print(f"{len(failures)} failure(s)" if failures else "all attacks survived")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
