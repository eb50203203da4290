#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/abuse.py: abuses nanoacme's http-01 listener during a validation.

Usage: abuse.py WORKDIR LPORT SECONDS CONN_TIMEOUT -- NANOACME ARGS...
(NANOACME itself, not a wrapper such as timeout: its /proc entry is
sampled; it is killed if it runs for more than 60 s.)
Starts nanoacme (ARGS make it issue against tests/hostile.py, whose
validator fetches the key authorization from 127.0.0.1:LPORT while this
runs), waits until its listener accepts, then for SECONDS (or until
nanoacme has closed its listener) attacks 127.0.0.1:LPORT at once with:
  flood   hundreds of concurrent connections, held open and reopened as
          soon as the listener drops them;
  slow    slow clients sending their request a byte at a time;
  huge    request lines of a megabyte;
  probe   path traversal, encodings, unknown tokens, prefixes and
          suffixes of the real token, absolute URIs, other HTTP
          versions, and every other method with the real token.
It samples the memory (VmRSS, VmHWM) and open descriptors of the process
that holds the listening socket (nanoacme's sandboxed responder, see
responder.h; nanoacme itself if none is found) every 50 ms. Then it checks, printing "ok NAME" or "FAIL NAME: why":
  served-only-tokens  no request got a 200 except an exact
                      "GET /.well-known/acme-challenge/TOKEN HTTP/1.x"
                      for a token of the order, and that 200 carried
                      exactly the key authorization;
  probes-answered     every probe kind got a 4xx answer at least once,
                      and the exact request its 200 (so the check above
                      was not vacuous);
  slow-clients-cut    no slow client was kept past CONN_TIMEOUT + 1.5 s;
  fds-bounded         open descriptors stayed under a fixed bound;
  memory-bounded      resident memory grew by less than 4 MB;
  attacked            the attack ran while the listener was up.
Writes nanoacme's output to WORKDIR/nanoacme.out and its exit status to
WORKDIR/nanoacme.rc. Only ever connects to 127.0.0.1.
"""
import os
import selectors
import socket
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"
FLOOD = 300
SLOW = 20
FD_BOUND = 32 + 24          # LISTEN_MAX_CONN + listeners, TLS, stdio
RSS_BOUND_KB = 4096
PFX = "/.well-known/acme-challenge/"

lock = threading.Lock()
results = []                # (kind, request line, status, body)
counters = {"flood": 0, "huge": 0, "slow": 0, "probe": 0}
slow_life = []
stop = threading.Event()


def connect(timeout=5):
    s = socket.create_connection((HOST, LPORT), timeout=timeout)
    return s


def exchange(req, timeout=5):
    """Sends req; returns (status, body) or (None, why)."""
    try:
        s = connect(timeout)
    except OSError as e:
        return None, "connect: %s" % e
    data = b""
    try:
        s.sendall(req)
        while len(data) < 65536:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError as e:
        if not data:
            return None, "io: %s" % e
    finally:
        s.close()
    if not data:
        return None, "closed"
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return -1, data[:200]
    return status, body


def record(kind, line, status, body):
    with lock:
        results.append((kind, line, status, body))


def flood():
    sel = selectors.DefaultSelector()
    socks = set()
    while not stop.is_set():
        while len(socks) < FLOOD and not stop.is_set():
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect_ex((HOST, LPORT))
            except OSError:
                s.close()
                break
            sel.register(s, selectors.EVENT_READ)
            socks.add(s)
            with lock:
                counters["flood"] += 1
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                d = s.recv(4096)
            except OSError:
                d = b""
            if not d:
                sel.unregister(s)
                socks.discard(s)
                s.close()
            elif d.startswith(b"HTTP/1.1 200"):
                record("flood", "(idle connection)", 200, d)
    for s in socks:
        s.close()


def slow(i):
    while not stop.is_set():
        req = b"GET " + PFX.encode() + TOKENS[0].encode() + \
            b" HTTP/1.1\r\nHost: x\r\n\r\n"
        t0 = time.time()
        try:
            s = connect()
        except OSError:
            time.sleep(0.1)
            continue
        with lock:
            counters["slow"] += 1
        try:
            for k in range(len(req) - 4):      # never the final CRLF CRLF
                s.sendall(req[k:k + 1])
                if stop.wait(0.3):
                    break
                s.setblocking(False)
                try:
                    if s.recv(1) == b"":
                        break
                except BlockingIOError:
                    pass
                finally:
                    s.setblocking(True)
        except OSError:
            pass
        life = time.time() - t0
        s.close()
        if not stop.is_set():
            with lock:
                slow_life.append(life)


def huge():
    line = b"GET " + PFX.encode() + b"A" * (1 << 20)
    while not stop.is_set():
        status, body = exchange(line + b" HTTP/1.1\r\n\r\n", timeout=5)
        with lock:
            counters["huge"] += 1
        record("huge", "GET (1 MB path)", status, body)


def probes():
    t = TOKENS[0]
    p = []
    for m in ("POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE",
              "CONNECT", "get", "GETX"):
        p.append(("method-" + m, "%s %s%s HTTP/1.1" % (m, PFX, t)))
    p += [
        ("exact", "GET %s%s HTTP/1.1" % (PFX, t)),
        ("traversal", "GET %s../../../etc/passwd HTTP/1.1" % PFX),
        ("traversal-token", "GET %s%s/../../etc/passwd HTTP/1.1" % (PFX, t)),
        ("encoded", "GET %s%%2e%%2e%%2fetc%%2fpasswd HTTP/1.1" % PFX),
        ("encoded-token", "GET %s%s%%00 HTTP/1.1" % (PFX, t)),
        ("query", "GET %s%s?x=1 HTTP/1.1" % (PFX, t)),
        ("prefix", "GET %s%s HTTP/1.1" % (PFX, t[:-1])),
        ("suffix", "GET %s%sA HTTP/1.1" % (PFX, t)),
        ("unknown", "GET %sNoSuchTokenAtAll_123 HTTP/1.1" % PFX),
        ("empty-token", "GET %s HTTP/1.1" % PFX),
        ("double-slash", "GET /%s%s HTTP/1.1" % (PFX, t)),
        ("absolute", "GET http://x%s%s HTTP/1.1" % (PFX, t)),
        ("http2", "GET %s%s HTTP/2.0" % (PFX, t)),
        ("root", "GET / HTTP/1.1"),
        ("etc-passwd", "GET /etc/passwd HTTP/1.1"),
        ("dotdot-root", "GET /../../../../etc/passwd HTTP/1.0"),
        ("backslash", "GET %s..\\..\\%s HTTP/1.1" % (PFX, t)),
    ]
    while not stop.is_set():
        for kind, line in p:
            status, body = exchange(line.encode() + b"\r\nHost: x\r\n\r\n")
            record(kind, line, status, body)
            with lock:
                counters["probe"] += 1
        # bare LF line ends: never a complete head, so only closed at
        # the connection timeout (not required to be answered)
        status, body = exchange(("GET %s%s HTTP/1.1\nHost: x\n\n" %
                                 (PFX, t)).encode(), timeout=3)
        record("bare-lf", "GET (LF only)", status, body)


def monitor(pid, samples):
    while not stop.is_set():
        try:
            with open("/proc/%d/status" % pid) as f:
                st = dict(ln.split(":", 1) for ln in f if ":" in ln)
            nfd = len(os.listdir("/proc/%d/fd" % pid))
            samples.append((int(st["VmRSS"].split()[0]),
                            int(st["VmHWM"].split()[0]), nfd))
        except (OSError, KeyError, ValueError):
            pass
        time.sleep(0.05)


def listener_pid(default):
    """The pid listening on 127.0.0.1:LPORT (ss -ltnp), or default after
    a FAIL line: the checks would watch the wrong process."""
    try:
        out = subprocess.run(["ss", "-ltnpH", "sport = :%d" % LPORT],
                             capture_output=True, text=True,
                             timeout=5).stdout
    except (OSError, subprocess.SubprocessError) as e:
        print("FAIL listener-found: ss: %s" % e, flush=True)
        return default
    for part in out.split("pid=")[1:]:
        digits = part.split(",", 1)[0]
        if digits.isdigit():
            return int(digits)
    print("FAIL listener-found: no process listens on 127.0.0.1:%d"
          % LPORT, flush=True)
    return default


def listener_up():
    try:
        socket.create_connection((HOST, LPORT), timeout=0.2).close()
        return True
    except OSError:
        return False


def main():
    global LPORT, TOKENS
    work, LPORT, secs, conn_to = sys.argv[1], int(sys.argv[2]), \
        float(sys.argv[3]), float(sys.argv[4])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    out = open(os.path.join(work, "nanoacme.out"), "w")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    checks = []
    samples = []
    try:
        t_end = time.time() + 20
        while not listener_up() and time.time() < t_end and \
                proc.poll() is None:
            time.sleep(0.02)
        # the tokens of this run's order (the server writes them)
        tokfile = os.path.join(work, "tokens")
        while time.time() < t_end and proc.poll() is None:
            try:
                if os.path.getmtime(tokfile) >= proc_start:
                    break
            except OSError:
                pass
            time.sleep(0.02)
        with open(tokfile) as f:
            TOKENS = [ln.strip() for ln in f if ln.strip()]
        base = []
        monitor_t = threading.Thread(target=monitor,
                                     args=(listener_pid(proc.pid), base))
        stop.clear()
        monitor_t.start()
        time.sleep(0.2)
        threads = [threading.Thread(target=flood),
                   threading.Thread(target=huge),
                   threading.Thread(target=probes)]
        threads += [threading.Thread(target=slow, args=(i,))
                    for i in range(SLOW)]
        for t in threads:
            t.start()
        t0 = time.time()
        while time.time() - t0 < secs and proc.poll() is None:
            time.sleep(0.1)
        attacked = time.time() - t0
        stop.set()
        for t in threads:
            t.join()
        monitor_t.join()
        samples = base
    finally:
        stop.set()
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        out.close()
        with open(os.path.join(work, "nanoacme.rc"), "w") as f:
            f.write("%d\n" % rc)

    # served-only-tokens
    bad = []
    answered = {}
    keyauth_ok = 0
    for kind, line, status, body in results:
        if status is not None and 400 <= status < 500:
            answered[kind] = True
        if status is None or status >= 400:
            continue
        exact = ["GET %s%s HTTP/1.%s" % (PFX, t, v)
                 for t in TOKENS for v in "01"]
        tok, _, th = body.decode("latin-1").partition(".")
        if status == 200 and line in exact and tok in TOKENS and \
                len(th) == 43:
            keyauth_ok += 1
            continue
        bad.append("%s -> %s %r" % (line[:80], status, body[:60]))
    checks.append(("served-only-tokens", not bad,
                   "; ".join(bad[:3]) + " (%d in all)" % len(bad)))
    kinds = set(k for k, _, _, _ in results
                if k not in ("flood", "bare-lf", "exact"))
    missing = sorted(kinds - set(answered))
    if keyauth_ok == 0:
        missing.append("exact (no 200 with the key authorization)")
    checks.append(("probes-answered", kinds and not missing,
                   "never answered as they should: %s" % ", ".join(missing)))
    long_ = [x for x in slow_life if x > conn_to + 1.5]
    checks.append(("slow-clients-cut", slow_life and not long_,
                   "%d slow clients, %d kept longer than %.1f s (max %.1f)"
                   % (len(slow_life), len(long_), conn_to + 1.5,
                      max(slow_life or [0]))))
    maxfd = max((s[2] for s in samples), default=0)
    checks.append(("fds-bounded", samples and maxfd <= FD_BOUND,
                   "%d open descriptors, bound %d" % (maxfd, FD_BOUND)))
    if samples:
        grow = max(s[0] for s in samples) - samples[0][0]
    else:
        grow = -1
    checks.append(("memory-bounded", samples and 0 <= grow < RSS_BOUND_KB,
                   "VmRSS grew by %d kB (from %d kB), bound %d kB" %
                   (grow, samples[0][0] if samples else 0, RSS_BOUND_KB)))
    checks.append(("attacked", attacked >= 1.0 and counters["flood"] >= FLOOD,
                   "attack ran %.1f s, counters %r" % (attacked, counters)))
    fails = 0
    for name, good, why in checks:
        if good:
            print("ok %s" % name)
        else:
            print("FAIL %s: %s" % (name, why))
            fails += 1
    print("  (attack %.1f s: %d flood connections, %d slow clients, "
          "%d huge lines, %d probes; max %d fds; VmRSS +%d kB; %d key "
          "authorizations served to the abuser)" %
          (attacked, counters["flood"], counters["slow"], counters["huge"],
           counters["probe"], maxfd, grow, keyauth_ok))
    return 1 if fails else 0


proc_start = time.time()
LPORT = 0
TOKENS = []
if __name__ == "__main__":
    sys.exit(main())
