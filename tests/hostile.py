#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/hostile.py: a small, hostile ACME server for tests/hostile.sh.

It speaks just enough RFC 8555 over TLS on 127.0.0.1 (Python 3 standard
library only) to take nanoacme through a whole issuance, and at the step
the current scenario names it misbehaves instead: oversized bodies and
headers, endless or broken chunked streams, bodies that stop, stalls,
invalid JSON, wrong types, missing fields, missing nonces, certificates
that do not match the key or the names, garbage, redirect loops.

Usage: hostile.py WORKDIR
WORKDIR holds the TLS material made by hostile.sh (ca.pem, ca.key, and
for each TLS listener NAME.pem/NAME.key); the server writes WORKDIR/ports
("NAME PORT" lines) once every listener is up, appends one line per
request to WORKDIR/requests.log, and one line per protocol violation of
the client (reused or unknown nonce, JWS url that is not the request URL,
unknown account) to WORKDIR/violations.log. Before each run the test
writes WORKDIR/scenario, a JSON object read at every request:
  name      the scenario (see SCENARIOS below; "good" misbehaves nowhere)
  lport     the port of nanoacme's http-01 listener on 127.0.0.1: the
            validator fetches /.well-known/acme-challenge/TOKEN there,
            as a CA would, with Host: the identifier
  delay     seconds the validator waits before its first fetch (0)
  fetches   how many fetches it makes (1)
  spacing   seconds between two fetches (0.3)
Validation results go to WORKDIR/validations.log ("ok|bad IDENT: what");
the tokens of the last order to WORKDIR/tokens, one a line.

Listeners (all 127.0.0.1, ephemeral ports): good (certificate for
localhost from the test CA), wronghost (for another name), expired,
untrusted (self-signed), and raw, a plain TCP port whose behaviour the
scenario picks (tls-stall, tls-garbage, tls-close). The server never
connects anywhere but 127.0.0.1. It runs until killed.
"""
import base64
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

from acmeutil import b64u, b64u_dec, thumbprint

WORK = None
LOCK = threading.Lock()
STATE = {
    "nonces": set(),        # issued, not yet used
    "accounts": {},         # kid -> thumbprint
    "next": 1,
    "orders": {},           # id -> dict
    "authz": {},            # id -> dict
}
# A stall or endless stream never lasts longer than this, so a client
# that does not give up cannot hang the test forever.
STALL_MAX = 25
STREAM_MAX = 1 << 30


def log(name, line):
    with LOCK:
        with open(os.path.join(WORK, name), "a") as f:
            f.write(line + "\n")


def violation(what):
    log("violations.log", what)


def scenario():
    try:
        with open(os.path.join(WORK, "scenario")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"name": "good"}


def new_id():
    with LOCK:
        n = STATE["next"]
        STATE["next"] += 1
    return n


def new_nonce():
    n = b64u(os.urandom(16))
    with LOCK:
        STATE["nonces"].add(n)
    return n


# ---- HTTP plumbing ----------------------------------------------------------

class Closed(Exception):
    pass


def read_request(conn, buf):
    """One request from conn: (method, path, headers, body, rest)."""
    while b"\r\n\r\n" not in buf:
        if len(buf) > 65536:
            raise Closed()
        d = conn.recv(65536)
        if not d:
            raise Closed()
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    while len(rest) < n:
        d = conn.recv(65536)
        if not d:
            raise Closed()
        rest += d
    return method, path, headers, rest[:n], rest[n:]


def response(status, body=b"", ctype="application/json", headers=(),
             nonce=True):
    if isinstance(body, str):
        body = body.encode()
    h = ["HTTP/1.1 %d %s" % (status, "X")]
    if ctype:
        h.append("Content-Type: " + ctype)
    if nonce:
        h.append("Replay-Nonce: " + new_nonce())
    h += list(headers)
    h.append("Content-Length: %d" % len(body))
    return ("\r\n".join(h) + "\r\n\r\n").encode() + body


def jbody(obj):
    return json.dumps(obj).encode()


def problem(status, kind, detail, extra=None, headers=()):
    p = {"type": "urn:ietf:params:acme:error:" + kind, "detail": detail,
         "status": status}
    if extra:
        p.update(extra)
    return response(status, jbody(p), "application/problem+json", headers)


def sendall(conn, data):
    try:
        conn.sendall(data)
    except OSError:
        raise Closed()


def dribble(conn, data, pause):
    """Sends data a byte at a time, pause seconds apart (slowloris)."""
    end = time.time() + STALL_MAX
    for i in range(len(data)):
        if time.time() > end:
            break
        sendall(conn, data[i:i + 1])
        time.sleep(pause)
    raise Closed()


def stall(conn):
    """Keeps the connection open without a byte until the client leaves."""
    conn.settimeout(STALL_MAX)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass
    raise Closed()


def stream(conn, head, chunk):
    """Sends head, then chunk again and again until the client leaves."""
    sendall(conn, head)
    sent, end = 0, time.time() + STALL_MAX
    while sent < STREAM_MAX and time.time() < end:
        sendall(conn, chunk)
        sent += len(chunk)
    raise Closed()


# ---- ACME ---------------------------------------------------------------------

def check_jws(base, path, body, want_jwk=False):
    """Checks the flattened JWS of a POST; returns (protected, payload)."""
    try:
        jws = json.loads(body)
        prot = json.loads(b64u_dec(jws["protected"]))
        payload = b64u_dec(jws["payload"]) if jws["payload"] else b""
        b64u_dec(jws["signature"])
    except (ValueError, KeyError, TypeError):
        violation("%s: not a flattened JWS" % path)
        return None, None
    nonce = prot.get("nonce")
    with LOCK:
        known = nonce in STATE["nonces"]
        STATE["nonces"].discard(nonce)
    if not known:
        violation("%s: nonce %r was not issued or was used before" %
                  (path, nonce))
    if prot.get("url") != base + path:
        violation("%s: JWS url %r" % (path, prot.get("url")))
    if prot.get("alg") != "ES256":
        violation("%s: alg %r" % (path, prot.get("alg")))
    if want_jwk != ("jwk" in prot) or ("kid" in prot) == want_jwk:
        violation("%s: jwk/kid wrong for this request" % path)
    if not want_jwk and prot.get("kid") not in STATE["accounts"]:
        # An account made by an earlier server process is fine; one the
        # client made up is not: ours all look like base/acct/N.
        if not str(prot.get("kid", "")).startswith(base + "/acct/"):
            violation("%s: unknown kid %r" % (path, prot.get("kid")))
    return prot, payload


def validate(base, azid, lport, delay, fetches, spacing):
    """The CA's side of http-01: fetch the key authorization."""
    time.sleep(delay)
    with LOCK:
        az = STATE["authz"][azid]
    want_thumb = STATE["accounts"].get(az["kid"])
    ok = True
    for i in range(fetches):
        if i:
            time.sleep(spacing)
        what = "ok"
        try:
            c = http.client.HTTPConnection("127.0.0.1", lport, timeout=10)
            c.putrequest("GET", "/.well-known/acme-challenge/" + az["token"],
                         skip_host=True)
            c.putheader("Host", az["ident"])
            c.endheaders()
            r = c.getresponse()
            got = r.read(4096).decode("latin-1")
            c.close()
            tok, _, th = got.partition(".")
            if r.status != 200 or tok != az["token"] or len(th) != 43 or \
                    (want_thumb and th != want_thumb):
                what = "status %d body %r" % (r.status, got[:100])
        except (OSError, http.client.HTTPException) as e:
            what = "fetch failed: %s" % e
        log("validations.log", "%s %s: %s" % ("ok" if what == "ok" else
                                              "bad", az["ident"], what))
        ok = ok and what == "ok"
    with LOCK:
        az["status"] = "valid" if ok else "invalid"


def sign_csr(csr_der, idents, how):
    """Issues a chain for the CSR: leaf (+ the CA), or a broken one."""
    tmp = os.path.join(WORK, "csr-%d" % new_id())
    os.mkdir(tmp)
    with open(os.path.join(tmp, "csr.der"), "wb") as f:
        f.write(csr_der)
    ca = os.path.join(WORK, "ca.pem")
    cakey = os.path.join(WORK, "ca.key")
    if how == "wrong-key":
        # same names, another key: made here, signed by the same CA
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", tmp + "/other.key", "-subj", "/CN=x",
                        "-addext", "subjectAltName=" +
                        ",".join("DNS:" + i for i in idents),
                        "-outform", "DER", "-out", tmp + "/csr.der"],
                       check=True, capture_output=True)
    if how == "expired":
        return sign_expired(tmp, ca, cakey) + open(ca, "rb").read()
    ext = []
    if how == "wrong-names":
        with open(tmp + "/ext.cnf", "w") as f:
            f.write("subjectAltName=DNS:not-what-you-asked.example.test\n")
        ext = ["-extfile", tmp + "/ext.cnf"]
    else:
        ext = ["-copy_extensions", "copyall"]
    subprocess.run(["openssl", "x509", "-req", "-inform", "DER", "-in",
                    tmp + "/csr.der", "-CA", ca, "-CAkey", cakey,
                    "-set_serial", str(new_id()), "-days", "30",
                    "-out", tmp + "/leaf.pem"] + ext,
                   check=True, capture_output=True)
    with open(tmp + "/leaf.pem", "rb") as f:
        leaf = f.read()
    with open(ca, "rb") as f:
        return leaf + f.read()


def sign_expired(tmp, ca, cakey):
    """A leaf for the CSR in tmp/csr.der that expired in 2020."""
    subprocess.run(["openssl", "req", "-inform", "DER", "-in",
                    tmp + "/csr.der", "-out", tmp + "/csr.pem"],
                   check=True, capture_output=True)
    open(tmp + "/index.txt", "w").close()
    with open(tmp + "/serial", "w") as f:
        f.write("%04X\n" % new_id())
    with open(tmp + "/ca.cnf", "w") as f:
        f.write("[ca]\ndefault_ca = t\n[t]\ndatabase = %s/index.txt\n"
                "new_certs_dir = %s\nserial = %s/serial\n"
                "default_md = sha256\npolicy = p\nunique_subject = no\n"
                "copy_extensions = copyall\n[p]\n" % (tmp, tmp, tmp))
    subprocess.run(["openssl", "ca", "-batch", "-notext", "-config",
                    tmp + "/ca.cnf", "-cert", ca, "-keyfile", cakey,
                    "-startdate", "20200101000000Z",
                    "-enddate", "20200201000000Z",
                    "-in", tmp + "/csr.pem", "-out", tmp + "/leaf.pem"],
                   check=True, capture_output=True)
    with open(tmp + "/leaf.pem", "rb") as f:
        return f.read()


def order_json(base, o):
    j = {"status": o["status"], "expires": "2099-01-01T00:00:00Z",
         "identifiers": [{"type": "dns", "value": i} for i in o["idents"]],
         "authorizations": ["%s/authz/%d" % (base, a) for a in o["authz"]],
         "finalize": "%s/finalize/%d" % (base, o["id"])}
    if o["status"] == "valid":
        j["certificate"] = "%s/cert/%d" % (base, o["id"])
    return j


def authz_json(base, az):
    # while the validator works, the authorization is still pending
    status = "pending" if az["status"] == "validating" else az["status"]
    ch = {"type": "http-01", "url": "%s/chall/%d" % (base, az["id"]),
          "token": az["token"], "status": status}
    if status == "invalid":
        ch["error"] = {"type": "urn:ietf:params:acme:error:unauthorized",
                       "detail": "key authorization mismatch"}
    return {"status": status, "expires": "2099-01-01T00:00:00Z",
            "identifier": {"type": "dns", "value": az["ident"]},
            "challenges": [
                {"type": "dns-01", "url": "%s/chall/0" % base,
                 "token": b64u(os.urandom(32)), "status": "pending"},
                ch]}


# Scenarios: name -> (step, action). Steps: dir, nonce, acct, order,
# authz (first fetch), poll (authz polls), chall, finalize, opoll (order
# polls), cert. An action is a function (conn, ctx) that sends whatever
# it likes (and may raise Closed), or a function returning bytes.
def deep_problem(levels, minimal=False):
    p = {"type": "urn:ietf:params:acme:error:malformed", "detail": "deep"}
    for _ in range(levels):
        p = {"subproblems": [p]} if minimal else \
            {"type": "urn:ietf:params:acme:error:malformed",
             "subproblems": [p]}
    p["type"] = "urn:ietf:params:acme:error:malformed"
    p["detail"] = "deeply nested subproblems"
    return response(400, jbody(p), "application/problem+json")


# A body that stops after 14 of the 500 bytes it announced.
HALF_BODY = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
             b"Content-Length: 500\r\n\r\n{\"status\":\"val")


def redirect(ctx):
    return response(301, b"", None,
                    ["Location: " + ctx["base"] + ctx["path"]])


SCENARIOS = {
    # -- HTTP framing and size limits (exit 3) --
    "big-body": ("dir", lambda c, x: stream(
        c, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000000\r\n\r\n{\"a\":\"", b"A" * 16384)),
    "big-body-eos": ("cert", lambda c, x: stream(
        c, b"HTTP/1.1 200 OK\r\nContent-Type: application/pem-certificate-"
        b"chain\r\nConnection: close\r\n\r\n", b"B" * 16384)),
    "chunked-endless": ("order", lambda c, x: stream(
        c, b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nLocation: " +
        (x["base"] + "/order/1").encode() + b"\r\n\r\n",
        b"1000\r\n" + b"C" * 4096 + b"\r\n")),
    # 1-byte chunks behind 4 KB extensions, as fast as the socket takes
    # them: 256 MB before the body cap, so only the request deadline
    # stops it in time
    "chunked-endless-ext": ("authz", lambda c, x: stream(
        c, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n",
        (b"1;" + b"e" * 4000 + b"\r\nD\r\n") * 64)),
    "chunked-bad-size": ("finalize", lambda c, x: sendall(
        c, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")),
    "big-header-line": ("order", lambda c, x: sendall(
        c, b"HTTP/1.1 201 Created\r\nX-Junk: " + b"j" * 100000 +
        b"\r\nContent-Length: 0\r\n\r\n")),
    "many-headers": ("nonce", lambda c, x: sendall(
        c, b"HTTP/1.1 200 OK\r\n" + b"X: 1\r\n" * 1000 + b"\r\n")),
    "big-headers-total": ("authz", lambda c, x: sendall(
        c, b"HTTP/1.1 200 OK\r\n" + (b"X: " + b"h" * 1000 + b"\r\n") * 60 +
        b"Content-Length: 0\r\n\r\n")),
    "endless-continue": ("chall", lambda c, x: stream(
        c, b"", b"HTTP/1.1 100 Continue\r\n\r\n")),
    "location-too-long": ("order", lambda c, x: response(
        201, b"{}", headers=["Location: " + x["base"] + "/" + "L" * 600])),
    "bad-framing": ("nonce", lambda c, x: sendall(
        c, b"HTTP/1.1 200 OK\r\nReplay-Nonce: abc\r\n"
        b"Transfer-Encoding: gzip\r\n\r\n")),
    "not-http": ("dir", lambda c, x: sendall(
        c, b"SSH-2.0-OpenSSH_9.2\r\n\r\n")),
    "body-stops": ("opoll", lambda c, x: sendall(c, HALF_BODY)),
    "body-stops-stall": ("authz", lambda c, x: (sendall(c, HALF_BODY),
                                                stall(c))),
    "stall": ("chall", lambda c, x: stall(c)),
    "slowloris": ("dir", lambda c, x: dribble(
        c, b"HTTP/1.1 200 OK\r\n" + b"X-Slow: 1\r\n" * 1000, 0.2)),
    "slow-body": ("cert", lambda c, x: dribble(
        c, b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" +
        b"-" * 5000, 0.05)),
    # -- invalid, wrong or missing ACME content (exit 4) --
    "bad-json": ("dir", lambda c, x: response(
        200, b'{"newNonce":"' + x["base"].encode() + b'/nonce", ')),
    "not-json": ("dir", lambda c, x: response(
        200, b"<html>hello</html>", "text/html")),
    # -vv re-indents JSON: every ':' gains a space, in a line of 1 KB
    "vv-colons": ("dir", lambda c, x: response(200, b":" * 3000)),
    "dir-no-newnonce": ("dir", lambda c, x: response(200, jbody({
        "newAccount": x["base"] + "/acct", "newOrder": x["base"] + "/order",
    }))),
    "dir-wrong-types": ("dir", lambda c, x: response(200, jbody({
        "newNonce": x["base"] + "/nonce", "newAccount": x["base"] + "/acct",
        "newOrder": {"url": x["base"] + "/order"}}))),
    "dir-http-url": ("dir", lambda c, x: response(200, jbody({
        "newNonce": x["base"] + "/nonce", "newAccount": x["base"] + "/acct",
        "newOrder": "http://localhost/order"}))),
    "no-replay-nonce": ("nonce", lambda c, x: response(
        200, b"", None, nonce=False)),
    "bad-replay-nonce": ("nonce", lambda c, x: response(
        200, b"", None, ["Replay-Nonce: not a nonce!"], nonce=False)),
    "order-wrong-types": ("order", lambda c, x: response(201, jbody({
        "status": "pending", "finalize": x["base"] + "/finalize/1",
        "authorizations": x["base"] + "/authz/1"}),
        headers=["Location: " + x["base"] + "/order/1"])),
    "order-no-finalize": ("order", lambda c, x: response(201, jbody({
        "status": "pending", "authorizations": [x["base"] + "/authz/1"]}),
        headers=["Location: " + x["base"] + "/order/1"])),
    "order-no-location": ("order", lambda c, x: response(201, jbody({
        "status": "pending", "finalize": x["base"] + "/finalize/1",
        "authorizations": [x["base"] + "/authz/1"]}))),
    "order-authz-numbers": ("order", lambda c, x: response(201, jbody({
        "status": "pending", "finalize": x["base"] + "/finalize/1",
        "authorizations": [1, 2]}),
        headers=["Location: " + x["base"] + "/order/1"])),
    "order-too-many-authz": ("order", lambda c, x: response(201, jbody({
        "status": "pending", "finalize": x["base"] + "/finalize/1",
        "authorizations": [x["base"] + "/authz/%d" % i
                           for i in range(101)]}),
        headers=["Location: " + x["base"] + "/order/1"])),
    "server-error": ("order", lambda c, x: response(
        500, b"<html>Internal Server Error</html>", "text/html")),
    "deep-subproblems": ("order", lambda c, x: deep_problem(190)),
    # as deep as 1024 JSON tokens allow: 3 per level
    "deep-subproblems-min": ("order", lambda c, x: deep_problem(335, True)),
    "problem-controls": ("order", lambda c, x: response(403, jbody({
        "type": "urn:ietf:params:acme:error:rejectedIdentifier",
        "detail": "evil\u001b[2J\u001b]0;pwned\u0007\r\nnanoacme: fake "
                  "success" + "x" * 5000}), "application/problem+json")),
    # raw 8-bit C1 controls (CSI 0x9b, OSC 0x9d) and the same encoded in
    # UTF-8: the Linux console acts on both
    "problem-c1": ("order", lambda c, x: response(
        403, b'{"type":"urn:ietf:params:acme:error:rejectedIdentifier",'
        b'"detail":"c1 \x9b2J \x9d0;pwned\x07 utf8 \xc2\x9b31m'
        b' \xc2\x9d0;x end","status":403}', "application/problem+json")),
    "authz-status-number": ("authz", lambda c, x: response(200, jbody({
        "status": 5, "identifier": {"type": "dns", "value": x["ident"]},
        "challenges": []}))),
    "authz-no-challenges": ("authz", lambda c, x: response(200, jbody({
        "status": "pending", "identifier": {"type": "dns", "value":
                                            x["ident"]}}))),
    "token-traversal": ("authz", lambda c, x: response(200, jbody({
        "status": "pending", "identifier": {"type": "dns", "value":
                                            x["ident"]},
        "challenges": [{"type": "http-01", "url": x["base"] + "/chall/1",
                        "token": "../../../../tmp/nanoacme-pwned"}]}))),
    "token-too-long": ("authz", lambda c, x: response(200, jbody({
        "status": "pending", "identifier": {"type": "dns", "value":
                                            x["ident"]},
        "challenges": [{"type": "http-01", "url": x["base"] + "/chall/1",
                        "token": "T" * 200}]}))),
    # an identifier that was not ordered never reaches a hook or a file:
    # another name, a name with a newline (nsupdate command injection
    # through uacme's stock hook), the ordered name as a wildcard's base
    "authz-other-ident": ("authz", lambda c, x: response(200, jbody({
        "status": "pending", "identifier": {"type": "dns", "value":
                                            "evil.example.test"},
        "challenges": [{"type": "http-01", "url": x["base"] + "/chall/1",
                        "token": "abc"}]}))),
    "authz-newline-ident": ("authz", lambda c, x: response(200, jbody({
        "status": "pending", "identifier": {
            "type": "dns", "value": x["ident"] + "\nupdate add www.a.test."
            " 60 IN A 203.0.113.66"},
        "challenges": [{"type": "http-01", "url": x["base"] + "/chall/1",
                        "token": "abc"}]}))),
    "authz-wildcard-ident": ("authz", lambda c, x: response(200, jbody({
        "status": "pending", "wildcard": True,
        "identifier": {"type": "dns", "value": x["ident"]},
        "challenges": [{"type": "http-01", "url": x["base"] + "/chall/1",
                        "token": "abc"}]}))),
    # a paused name (Let's Encrypt: after many failed validations) and a
    # CA that needs a person: the URL is printed, no retry helps
    "order-paused": ("order", lambda c, x: problem(
        429, "rateLimited", "Your account is temporarily prevented from "
        "requesting certificates for " + x["ident"] + " and possibly "
        "others. Please visit: https://portal.example.test/sfe/v1/"
        "unpause?jwt=abc.def", headers=["Retry-After: 2"])),
    "order-user-action": ("order", lambda c, x: problem(
        403, "userActionRequired", "Terms of service have changed",
        extra={"instance": "https://ca.example.test/agree?k=1"})),
    "chall-refused": ("chall", lambda c, x: problem(
        400, "malformed", "challenge refused by the hostile server")),
    "authz-revoked": ("poll", lambda c, x: response(200, jbody({
        "status": "revoked", "identifier": {"type": "dns", "value":
                                            x["ident"]},
        "challenges": []}))),
    "authz-invalid": ("poll", lambda c, x: response(200, jbody({
        "status": "invalid", "identifier": {"type": "dns", "value":
                                            x["ident"]},
        "challenges": [{"type": "http-01", "url": x["base"] + "/chall/1",
                        "token": "abc", "status": "invalid", "error": {
                            "type": "urn:ietf:params:acme:error:"
                            "unauthorized", "detail": "hostile says no"}}]
    }))),
    "bad-nonce-forever": ("order", lambda c, x: problem(
        400, "badNonce", "every nonce is bad here")),
    "finalize-refused": ("finalize", lambda c, x: problem(
        403, "badCSR", "CSR refused by the hostile server")),
    "order-invalid": ("opoll", lambda c, x: response(200, jbody({
        "status": "invalid", "error": {
            "type": "urn:ietf:params:acme:error:serverInternal",
            "detail": "gave up"}}))),
    "order-processing-forever": ("opoll", lambda c, x: response(
        200, jbody({"status": "processing"}), headers=["Retry-After: 1"])),
    "order-valid-no-cert": ("opoll", lambda c, x: response(
        200, jbody({"status": "valid"}))),
    "cert-garbage": ("cert", lambda c, x: response(
        200, os.urandom(3000), "application/pem-certificate-chain")),
    "cert-empty": ("cert", lambda c, x: response(
        200, b"", "application/pem-certificate-chain")),
    "cert-pem-garbage": ("cert", lambda c, x: response(
        200, b"-----BEGIN CERTIFICATE-----\n" +
        base64.encodebytes(os.urandom(600)) +
        b"-----END CERTIFICATE-----\n", "application/pem-certificate-chain")),
    "cert-wrong-key": ("cert", "wrong-key"),
    "cert-wrong-names": ("cert", "wrong-names"),
    "cert-expired": ("cert", "expired"),
    "redirect-loop-dir": ("dir", lambda c, x: redirect(x)),
    "redirect-loop-cert": ("cert", lambda c, x: redirect(x)),
}


class Handler:
    def __init__(self, conn, port):
        self.conn = conn
        self.base = "https://localhost:%d" % port

    def run(self):
        buf = b""
        try:
            while True:
                method, path, headers, body, buf = read_request(self.conn,
                                                                buf)
                sc = scenario()
                log("requests.log", "%s %s %s" % (sc.get("name"), method,
                                                 path))
                out = self.route(sc, method, path, headers, body)
                if out is not None:
                    sendall(self.conn, out)
        except (Closed, OSError, ValueError, IndexError):
            pass
        finally:
            try:
                self.conn.close()
            except OSError:
                pass

    def hostile(self, sc, step, ctx, ident=None):
        """The scenario's reply at this step, or None to behave; ident,
        if given, is the identifier of the object asked for."""
        if ident is not None:
            ctx["ident"] = ident
        s = SCENARIOS.get(sc.get("name"))
        if s is None or s[0] != step or callable(s[1]) is False:
            return None
        ctx["base"] = self.base
        r = s[1](self.conn, ctx)
        if not isinstance(r, bytes):
            raise Closed()   # it sent what it wanted; drop the connection
        return r

    def route(self, sc, method, path, headers, body):
        base = self.base
        parts = path.strip("/").split("/")
        ctx = {"path": path, "ident": "x.example.test"}
        if path == "/dir" and method == "GET":
            return self.hostile(sc, "dir", ctx) or response(200, jbody({
                "newNonce": base + "/nonce", "newAccount": base + "/acct",
                "newOrder": base + "/order", "revokeCert": base + "/revoke",
                "keyChange": base + "/key-change",
                "meta": {"termsOfService": base + "/terms"}}), nonce=False)
        if path == "/nonce" and method in ("HEAD", "GET"):
            r = self.hostile(sc, "nonce", ctx)
            if r is not None:
                return r
            out = response(200 if method == "HEAD" else 204, b"", None,
                           ["Cache-Control: no-store"])
            return out
        if method != "POST":
            return response(405, b"", None, nonce=False)
        if path == "/acct":
            prot, payload = check_jws(base, path, body, want_jwk=True)
            r = self.hostile(sc, "acct", ctx)
            if r is not None or prot is None:
                return r or problem(400, "malformed", "bad JWS")
            kid = "%s/acct/%d" % (base, new_id())
            with LOCK:
                STATE["accounts"][kid] = thumbprint(prot["jwk"])
            return response(201, jbody({"status": "valid"}),
                            headers=["Location: " + kid])
        prot, payload = check_jws(base, path, body)
        if prot is None:
            return problem(400, "malformed", "bad JWS")
        if parts[0] == "order" and len(parts) == 1:
            try:
                idents = [i["value"] for i in
                          json.loads(payload)["identifiers"]]
            except (ValueError, KeyError, TypeError):
                return problem(400, "malformed", "bad newOrder")
            ctx["ident"] = idents[0]
            r = self.hostile(sc, "order", ctx)
            if r is not None:
                return r
            o = {"id": new_id(), "idents": idents, "authz": [],
                 "status": "pending", "chain": None}
            for ident in idents:
                az = {"id": new_id(), "ident": ident, "status": "pending",
                      "token": b64u(os.urandom(32)), "order": o["id"],
                      "kid": prot.get("kid"), "polls": 0}
                o["authz"].append(az["id"])
                with LOCK:
                    STATE["authz"][az["id"]] = az
            with LOCK:
                STATE["orders"][o["id"]] = o
            with open(os.path.join(WORK, "tokens.tmp"), "w") as f:
                f.write("".join(STATE["authz"][a]["token"] + "\n"
                                for a in o["authz"]))
            os.rename(os.path.join(WORK, "tokens.tmp"),
                      os.path.join(WORK, "tokens"))
            return response(201, jbody(order_json(base, o)),
                            headers=["Location: %s/order/%d" %
                                     (base, o["id"])])
        try:
            n = int(parts[1])
        except (IndexError, ValueError):
            return problem(404, "malformed", "no such thing")
        if parts[0] == "authz" and n in STATE["authz"]:
            az = STATE["authz"][n]
            ctx["ident"] = az["ident"]
            az["polls"] += 1
            r = self.hostile(sc, "authz" if az["polls"] == 1 else "poll",
                             ctx)
            return r or response(200, jbody(authz_json(base, az)))
        if parts[0] == "chall" and n in STATE["authz"]:
            az = STATE["authz"][n]
            ctx["ident"] = az["ident"]
            r = self.hostile(sc, "chall", ctx)
            if r is not None:
                return r
            if az["status"] == "pending":
                az["status"] = "validating"
                threading.Thread(target=validate, daemon=True, args=(
                    base, n, int(sc.get("lport", 0)),
                    float(sc.get("delay", 0)),
                    int(sc.get("fetches", 1)),
                    float(sc.get("spacing", 0.3)))).start()
            return response(200, jbody({
                "type": "http-01", "url": path, "token": az["token"],
                "status": "processing"}))
        if parts[0] == "finalize" and n in STATE["orders"]:
            o = STATE["orders"][n]
            r = self.hostile(sc, "finalize", ctx, o["idents"][0])
            if r is not None:
                return r
            if any(STATE["authz"][a]["status"] != "valid"
                   for a in o["authz"]):
                return problem(403, "orderNotReady", "not ready")
            try:
                csr = b64u_dec(json.loads(payload)["csr"])
            except (ValueError, KeyError, TypeError):
                return problem(400, "badCSR", "no CSR")
            how = SCENARIOS.get(sc.get("name"), (None, None))[1]
            try:
                o["chain"] = sign_csr(csr, o["idents"],
                                      how if isinstance(how, str) else "")
            except subprocess.CalledProcessError as e:
                return problem(400, "badCSR", "openssl: %s" %
                               e.stderr.decode(errors="replace")[:200])
            o["status"] = "processing"
            return response(200, jbody(order_json(base, o)),
                            headers=["Location: %s/order/%d" % (base, n)])
        if parts[0] == "order" and n in STATE["orders"]:
            o = STATE["orders"][n]
            r = self.hostile(sc, "opoll", ctx, o["idents"][0])
            if r is not None:
                return r
            if o["status"] == "processing":
                o["status"] = "valid"
            return response(200, jbody(order_json(base, o)))
        if parts[0] == "cert" and n in STATE["orders"]:
            o = STATE["orders"][n]
            r = self.hostile(sc, "cert", ctx)
            if r is not None:
                return r
            return response(200, o["chain"] or b"",
                            "application/pem-certificate-chain")
        return problem(404, "malformed", "no such thing")


def serve_tls(lsock, ctx, port):
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=tls_conn, args=(conn, ctx, port),
                         daemon=True).start()


def tls_conn(conn, ctx, port):
    conn.settimeout(60)
    try:
        s = ctx.wrap_socket(conn, server_side=True)
    except (OSError, ssl.SSLError):
        conn.close()
        return
    Handler(s, port).run()


def serve_raw(lsock):
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=raw_conn, args=(conn,), daemon=True).start()


def raw_conn(conn):
    """A plain TCP port: what a broken TLS server does."""
    name = scenario().get("name")
    log("requests.log", "%s RAW connection" % name)
    try:
        if name == "tls-stall":
            stall(conn)
        elif name == "tls-garbage":
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\nplain text, "
                         b"no TLS here\r\n" * 20)
            time.sleep(0.5)
        # tls-close and anything else: close at once
    except (Closed, OSError):
        pass
    conn.close()


def main():
    global WORK
    WORK = sys.argv[1]
    ports = []
    threads = []
    for name in ("good", "wronghost", "expired", "untrusted"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(os.path.join(WORK, name + ".pem"),
                            os.path.join(WORK, name + ".key"))
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
        ls.listen(64)
        ports.append("%s %d" % (name, ls.getsockname()[1]))
        threads.append(threading.Thread(target=serve_tls, daemon=True,
                                        args=(ls, ctx, ls.getsockname()[1])))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    ports.append("raw %d" % ls.getsockname()[1])
    threads.append(threading.Thread(target=serve_raw, args=(ls,),
                                    daemon=True))
    for t in threads:
        t.start()
    with open(os.path.join(WORK, "ports.tmp"), "w") as f:
        f.write("\n".join(ports) + "\n")
    os.rename(os.path.join(WORK, "ports.tmp"), os.path.join(WORK, "ports"))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
