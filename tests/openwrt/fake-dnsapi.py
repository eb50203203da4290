#!/usr/bin/env python3
"""A DNS provider's HTTP API for tests/openwrt.sh, on 127.0.0.1 only.

Usage: fake-dnsapi.py PORT STATE_DIR [CHALLTESTSRV_MGMT_PORT]

Shaped like the JSON REST APIs acme.sh's dnsapi scripts talk to (zones
looked up by name, TXT records added, listed and deleted by id), and
strict about what such APIs demand, so that a helper that gets a header,
method or body wrong fails the test:
  every request   Authorization: Bearer secret-token, X-Api-Client: nanoacme
                  (custom headers the script passes in _H1.._H5) and a
                  User-Agent, else 401/400
  GET    /v1/zones?name=NAME            {"result": [{"id": "z1", "name": ...}]}
                                        for the one zone owrt.test
  GET    /v1/zones/z1/records?type=TXT&name=FQDN   {"result": [records]}
  POST   /v1/zones/z1/records   JSON {"type": "TXT", "name", "content",
                                "ttl"}, Content-Type: application/json
                                -> 200 {"success": true, "result": {"id"}}
  DELETE /v1/zones/z1/records/ID         {"success": true}
  anything else                          404 {"success": false}
Records live in STATE_DIR/records.json; each request is logged to
STATE_DIR/requests.log ("METHOD PATH"). With CHALLTESTSRV_MGMT_PORT, added
and deleted TXT records are also set in / cleared from
pebble-challtestsrv, so that Pebble's validator sees them.
"""
import itertools
import json
import os
import sys
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT = int(sys.argv[1])
STATE = sys.argv[2]
CTS = sys.argv[3] if len(sys.argv) > 3 else ""
ZONE = "owrt.test"
RECORDS = os.path.join(STATE, "records.json")
IDS = itertools.count(1)


def load():
    try:
        with open(RECORDS) as f:
            return json.load(f)
    except (OSError, ValueError):
        return []


def save(recs):
    tmp = RECORDS + ".tmp"
    with open(tmp, "w") as f:
        json.dump(recs, f)
    os.replace(tmp, RECORDS)


def challtestsrv(path, body):
    if not CTS:
        return
    req = urllib.request.Request(
        "http://127.0.0.1:%s/%s" % (CTS, path), data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(req, timeout=5).read()


def txt_values(name, recs):
    return [r["content"] for r in recs if r["name"] == name]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj):
        data = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", "fake-1")
        self.end_headers()
        self.wfile.write(data)

    def check(self):
        with open(os.path.join(STATE, "requests.log"), "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        if self.headers.get("Authorization") != "Bearer secret-token":
            self.reply(401, {"success": False, "errors": ["bad token"]})
            return False
        if self.headers.get("X-Api-Client") != "nanoacme" or not self.headers.get("User-Agent"):
            self.reply(400, {"success": False, "errors": ["missing client headers"]})
            return False
        return True

    def do_GET(self):
        if not self.check():
            return
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path == "/v1/zones":
            name = q.get("name", [""])[0]
            res = [{"id": "z1", "name": ZONE}] if name == ZONE else []
            return self.reply(200, {"success": True, "result": res})
        if u.path == "/v1/zones/z1/records":
            name = q.get("name", [""])[0]
            res = [r for r in load() if r["name"] == name]
            return self.reply(200, {"success": True, "result": res})
        self.reply(404, {"success": False})

    def do_POST(self):
        if not self.check():
            return
        if self.path != "/v1/zones/z1/records":
            return self.reply(404, {"success": False})
        if self.headers.get("Content-Type") != "application/json":
            return self.reply(415, {"success": False, "errors": ["want application/json"]})
        n = int(self.headers.get("Content-Length", "0"))
        try:
            body = json.loads(self.rfile.read(n))
        except ValueError:
            return self.reply(400, {"success": False, "errors": ["bad json"]})
        if body.get("type") != "TXT" or not body.get("name", "").endswith("." + ZONE):
            return self.reply(400, {"success": False, "errors": ["bad record"]})
        recs = load()
        rid = "r%d" % next(IDS)
        rec = {"id": rid, "type": "TXT", "name": body["name"], "content": body["content"],
               "ttl": body.get("ttl", 120)}
        recs.append(rec)
        save(recs)
        challtestsrv("set-txt", {"host": rec["name"] + ".", "value": rec["content"]})
        self.reply(200, {"success": True, "result": rec})

    def do_DELETE(self):
        if not self.check():
            return
        prefix = "/v1/zones/z1/records/"
        if not self.path.startswith(prefix):
            return self.reply(404, {"success": False})
        rid = self.path[len(prefix):]
        recs = load()
        gone = [r for r in recs if r["id"] == rid]
        if not gone:
            return self.reply(404, {"success": False, "errors": ["no such record"]})
        recs = [r for r in recs if r["id"] != rid]
        save(recs)
        name = gone[0]["name"]
        challtestsrv("clear-txt", {"host": name + "."})
        for v in txt_values(name, recs):
            challtestsrv("set-txt", {"host": name + ".", "value": v})
        self.reply(200, {"success": True, "result": {"id": rid}})


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
