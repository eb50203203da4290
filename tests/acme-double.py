#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/acme-double.py: a small ACME server (RFC 8555) for nanoacme's tests.

What Pebble 2.4 lacks: certificate profiles (directory meta.profiles, the
newOrder "profile" field) and ACME Renewal Information (RFC 9773: the
renewalInfo resource and the newOrder "replaces" field). Everything else is
as a real CA does it, only smaller: JWS signatures are verified (ES256 only,
which is all nanoacme signs with), nonces are single-use, http-01 is really
validated by fetching the token from the client's listener, certificates
are issued from the CSR by a throwaway CA (root + intermediate, made at
start). Debian's python3 and python3-cryptography, nothing else.

Usage:
  acme-double.py --dir WORK --cert LISTENER.pem --key LISTENER.key \
                 --http-port PORT [--no-renewal-info]

Listens on 127.0.0.1 only:
  https://localhost:ACME/dir   the ACME server (TLS with --cert/--key)
  http://127.0.0.1:CONTROL/    the control API (plain HTTP, for the tests)
Both ports are picked by the kernel and written, once both listen, to
WORK/ports.json: {"acme": N, "control": N}. WORK also gets root.pem (the
issuing root, to verify chains), intermediate.pem and log.jsonl.

log.jsonl: one JSON object a line for every request the ACME port got:
  {"time", "method", "path", "status", "protected", "payload"}
("protected" and "payload" decoded from the JWS of a POST, null otherwise;
a POST-as-GET has payload ""), and events of the double itself:
  {"event": "validate", "token", "identifier", "ok", "detail"}
  {"event": "issued", "order", "certid", "serial", "profile",
   "not_before", "not_after"}

Control API (JSON bodies):
  GET  /config         the settings below
  POST /config         merge a JSON object into the settings, answer them
  POST /reset          settings back to the defaults, log.jsonl emptied
  GET  /certs          every issued certificate: certid, order, profile...
Settings:
  renewal_info  true: the directory has renewalInfo (ARI); false: not
  window        suggested renewal window: "auto" (the last third of the
                lifetime, as Let's Encrypt), "past" (ended a day ago: renew
                now), "future" (30 to 32 days from now), "inverted" (end
                before start, both past: invalid, RFC 9773 §4.2), or
                {"start": RFC3339, "end": RFC3339}
  retry_after   Retry-After of renewalInfo replies, seconds
  ari_status    200, or an HTTP status renewalInfo answers instead (500...)
  profiles      {"name": validity in seconds}: what meta.profiles offers
                and newOrder accepts
  advertise_only  profile names shown in meta.profiles that newOrder
                refuses all the same (invalidProfile)
  default_profile  the profile of an order without one
  backdate      seconds: notBefore = now - backdate (notAfter follows)
  serial_pad    true: serials have their top bit set, so the DER INTEGER
                (and the CertID) starts with a 00 byte; false: they do not
  authz_pending_polls  an authorization already valid reads "pending" for
                this many more polls (a CA that validates slowly)
  authz_retry_after  null, or the Retry-After of every authorization reply
                (99999999: a CA that must not stall the client)
  replaces_status  0, or the status (500...) of a serverInternal problem
                answering every newOrder that carries "replaces" (Pebble
                2.10 so answers for a serial with a 0x00 byte in DER)
Also POST /forget: the double forgets every certificate it issued, as if
another CA had issued them (renewalInfo 404, "replaces" refused).
"""

import argparse
import copy
import datetime
import http.client
import http.server
import ipaddress
import json
import os
import re
import secrets
import socketserver
import ssl
import sys
import threading
import time
import traceback

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    encode_dss_signature)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from acmeutil import b64u, b64u_dec, thumbprint

ERR = "urn:ietf:params:acme:error:"
DAY = 86400

DEFAULTS = {
    "renewal_info": True,
    "window": "auto",
    "retry_after": 21600,
    "ari_status": 200,
    "profiles": {"classic": 90 * DAY, "shortlived": 6 * DAY},
    "advertise_only": [],
    "default_profile": "classic",
    "backdate": 0,
    "serial_pad": True,
    "authz_pending_polls": 0,
    "authz_retry_after": None,
    "replaces_status": 0,
}


class Problem(Exception):
    """An ACME problem document (RFC 8555 §6.7) to answer with."""

    def __init__(self, status, kind, detail, headers=None):
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.headers = headers or {}


def is_b64u(s):
    try:
        b64u_dec(s)
        return True
    except ValueError:
        return False


def b64u_field(s, what):
    """Field what of a request, strict base64url (acmeutil): a malformed
    problem otherwise."""
    try:
        return b64u_dec(s)
    except ValueError:
        raise Problem(400, "malformed", "%s is not base64url" % what)


def rfc3339(t):
    return datetime.datetime.fromtimestamp(
        int(t), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc(t):
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc)


def serial_bytes(n):
    """Content octets of the DER INTEGER n > 0 (leading 00 if needed)."""
    return n.to_bytes((n.bit_length() + 8) // 8, "big")


def cert_id(cert):
    """RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial)."""
    aki = cert.extensions.get_extension_for_class(
        x509.AuthorityKeyIdentifier).value.key_identifier
    return b64u(aki) + "." + b64u(serial_bytes(cert.serial_number))


def jwk_key(jwk):
    """The P-256 public key of a JWK, or a Problem."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or \
            jwk.get("crv") != "P-256":
        raise Problem(400, "badPublicKey", "only EC P-256 JWKs here")
    x = b64u_field(jwk.get("x"), "jwk x")
    y = b64u_field(jwk.get("y"), "jwk y")
    if len(x) != 32 or len(y) != 32:
        raise Problem(400, "badPublicKey", "P-256 x and y are 32 bytes")
    try:
        return ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"),
            ec.SECP256R1()).public_key()
    except ValueError as e:
        raise Problem(400, "badPublicKey", "not a point on P-256: %s" % e)


def verify_es256(key, signing_input, sig):
    """ES256 (RFC 7518 §3.4): sig is r || s, 32 bytes each."""
    if len(sig) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                               int.from_bytes(sig[32:], "big"))
    try:
        key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def parse_jws(body):
    """Flattened JWS (RFC 8555 §6.2) -> (protected, payload_b64, sig, input)."""
    try:
        jws = json.loads(body)
    except ValueError:
        raise Problem(400, "malformed", "body is not JSON")
    if not isinstance(jws, dict) or \
            set(jws) != {"protected", "payload", "signature"}:
        raise Problem(400, "malformed", "want a flattened JWS with exactly "
                      "protected, payload and signature")
    try:
        protected = json.loads(b64u_field(jws["protected"], "protected"))
    except ValueError:
        raise Problem(400, "malformed", "protected header is not JSON")
    if not isinstance(protected, dict):
        raise Problem(400, "malformed", "protected header is not an object")
    b64u_field(jws["payload"], "payload")
    sig = b64u_field(jws["signature"], "signature")
    signing_input = (jws["protected"] + "." + jws["payload"]).encode()
    return protected, jws["payload"], sig, signing_input


class CA:
    """Throwaway root and intermediate; issues leaves from CSRs."""

    def __init__(self, work):
        now = time.time()
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.int_key = ec.generate_private_key(ec.SECP256R1())
        root_name = x509.Name([x509.NameAttribute(
            NameOID.COMMON_NAME, "nanoacme double root (throwaway)")])
        int_name = x509.Name([x509.NameAttribute(
            NameOID.COMMON_NAME, "nanoacme double intermediate")])
        root_ski = x509.SubjectKeyIdentifier.from_public_key(
            self.root_key.public_key())
        self.root = _ca_cert(root_name, root_name, self.root_key, root_ski,
                             None, self.root_key, now)
        self.int_ski = x509.SubjectKeyIdentifier.from_public_key(
            self.int_key.public_key())
        self.inter = _ca_cert(
            int_name, root_name, self.int_key, self.int_ski, 0,
            self.root_key, now,
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                root_ski))
        self.root_pem = self.root.public_bytes(serialization.Encoding.PEM)
        self.int_pem = self.inter.public_bytes(serialization.Encoding.PEM)
        for name, data in (("root.pem", self.root_pem),
                           ("intermediate.pem", self.int_pem)):
            with open(os.path.join(work, name), "wb") as f:
                f.write(data)

    def issue(self, csr, sans, not_before, not_after, pad):
        # 128 random bits. pad: the top one set, so the DER INTEGER needs a
        # leading 00 byte, which a CertID must keep (RFC 9773 §4.1); else
        # the top bit clear and the first byte non-zero: no 00 byte.
        serial = int.from_bytes(os.urandom(16), "big")
        serial = serial | (1 << 127) if pad else \
            (serial & ((1 << 127) - 1)) | (1 << 126)
        leaf = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.inter.subject)
            .public_key(csr.public_key())
            .serial_number(serial)
            .not_valid_before(utc(not_before))
            .not_valid_after(utc(not_after))
            .add_extension(x509.SubjectAlternativeName(sans), critical=True)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                csr.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier
                           .from_issuer_subject_key_identifier(self.int_ski),
                           critical=False)
            .sign(self.int_key, hashes.SHA256()))
        return leaf


def _ca_cert(name, issuer, key, ski, path_length, signer, now, aki=None):
    """A CA certificate name for key, issued by issuer and signed with
    signer, valid from a day ago for ten years; aki: its
    AuthorityKeyIdentifier, if it is to have one."""
    b = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(utc(now - DAY))
        .not_valid_after(utc(now + 3650 * DAY))
        .add_extension(x509.BasicConstraints(ca=True,
                                             path_length=path_length),
                       critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(ski, critical=False))
    if aki is not None:
        b = b.add_extension(aki, critical=False)
    return b.sign(signer, hashes.SHA256())


def _ca_usage():
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        key_cert_sign=True, crl_sign=True, encipher_only=False,
        decipher_only=False)


class State:
    """Everything the server knows, behind one lock."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.log_lock = threading.Lock()
        self.log_path = os.path.join(args.dir, "log.jsonl")
        self.config = copy.deepcopy(DEFAULTS)
        if args.no_renewal_info:
            self.config["renewal_info"] = False
        self.base = None            # https://localhost:PORT, set at start
        self.nonces = set()
        self.accounts = {}          # id -> account
        self.by_thumb = {}          # thumbprint -> id
        self.orders = {}
        self.authzs = {}
        self.challs = {}
        self.certs = {}             # id -> issued certificate
        self.by_certid = {}         # certid -> cert id
        self.next_id = 1
        self.ca = CA(args.dir)
        open(self.log_path, "a").close()

    def new_id(self):
        with self.lock:
            n = self.next_id
            self.next_id += 1
            return str(n)

    def nonce(self):
        n = b64u(secrets.token_bytes(16))
        with self.lock:
            self.nonces.add(n)
        return n

    def log(self, entry):
        entry.setdefault("time", rfc3339(time.time()))
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.log_lock:
            with open(self.log_path, "a") as f:
                f.write(line)

    def reset(self):
        with self.lock:
            self.config = copy.deepcopy(DEFAULTS)
        with self.log_lock:
            open(self.log_path, "w").close()

    def url(self, path):
        return self.base + path


class AcmeHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "acme-double/1"
    timeout = 30

    def log_message(self, fmt, *args):     # no stderr chatter per request
        pass

    # --- plumbing ------------------------------------------------------------

    def reply(self, status, body=None, ctype="application/json",
              headers=None, entry=None):
        st = self.server.state
        if isinstance(body, (dict, list)):
            data = json.dumps(body, indent=1).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body or b""
        self.send_response(status)
        self.send_header("Replay-Nonce", st.nonce())
        self.send_header("Cache-Control", "no-store")
        self.send_header("Link", '<%s>;rel="index"' % st.url("/dir"))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if data:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if entry is not None:
            entry["status"] = status
            st.log(entry)

    def problem(self, p, entry):
        body = {"type": ERR + p.kind, "detail": p.detail, "status": p.status}
        self.reply(p.status, body, "application/problem+json", p.headers,
                   entry)

    def handle_any(self):
        entry = {"method": self.command, "path": self.path,
                 "protected": None, "payload": None}
        try:
            body = b""
            n = int(self.headers.get("Content-Length") or 0)
            if n > 1 << 20:
                raise Problem(413, "malformed", "body too large")
            if n:
                body = self.rfile.read(n)
            status, obj, headers, ctype = self.route(body, entry)
            self.reply(status, obj, ctype, headers, entry)
        except Problem as p:
            self.problem(p, entry)
        except Exception as e:      # a bug of the double: say so loudly
            traceback.print_exc()
            entry["double_error"] = repr(e)
            self.problem(Problem(500, "serverInternal",
                                 "acme-double bug: %r" % e), entry)

    do_GET = do_HEAD = do_POST = handle_any

    # --- routing -------------------------------------------------------------

    def route(self, body, entry):
        st = self.server.state
        path = self.path
        m = self.command
        if path == "/dir" and m == "GET":
            return 200, self.directory(), None, "application/json"
        if path == "/nonce" and m in ("GET", "HEAD"):
            # RFC 8555 §7.2: 200 for HEAD, 204 for GET.
            return (200 if m == "HEAD" else 204), None, None, None
        if path.startswith("/renewal-info/") and m == "GET":
            return self.renewal_info(path[len("/renewal-info/"):])
        if m != "POST":
            raise Problem(405 if path in ("/dir", "/nonce") else 404,
                          "malformed", "%s %s: no such resource" % (m, path))
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if ctype.strip().lower() != "application/jose+json":
            raise Problem(415, "malformed", "POST needs Content-Type "
                          "application/jose+json, got %r" % ctype)
        protected, payload_b64, sig, signing_input = parse_jws(body)
        entry["protected"] = protected
        payload_raw = b64u_field(payload_b64, "payload")
        if payload_raw == b"":
            payload = ""
        else:
            try:
                payload = json.loads(payload_raw)
            except ValueError:
                raise Problem(400, "malformed", "payload is not JSON")
        entry["payload"] = payload
        acct, key, jwk = self.check_jws(protected, sig, signing_input, path)
        parts = path.strip("/").split("/")
        handler = {
            "new-account": self.new_account,
            "new-order": self.new_order,
            "revoke": self.revoke,
            "key-change": self.key_change,
            "acct": self.account,
            "orders": self.order_list,
            "order": self.order,
            "authz": self.authz,
            "chall": self.chall,
            "finalize": self.finalize,
            "cert": self.cert,
        }.get(parts[0])
        if handler is None or \
                len(parts) != (1 if parts[0] in ("new-account", "new-order",
                                                 "revoke", "key-change")
                               else 2):
            raise Problem(404, "malformed", "POST %s: no such resource" % path)
        with st.lock:
            return handler(parts[1] if len(parts) > 1 else None, payload,
                           acct, key, jwk)

    # --- JWS and accounts ----------------------------------------------------

    def check_jws(self, protected, sig, signing_input, path):
        """RFC 8555 §6.2-6.5. Returns (account or None, key, jwk or None)."""
        st = self.server.state
        if protected.get("alg") != "ES256":
            raise Problem(400, "badSignatureAlgorithm",
                          "alg %r: this server takes ES256 only"
                          % protected.get("alg"))
        nonce = protected.get("nonce")
        with st.lock:
            fresh = isinstance(nonce, str) and nonce in st.nonces
            if fresh:
                st.nonces.discard(nonce)
        if not fresh:
            raise Problem(400, "badNonce", "nonce %r unknown or used" % nonce)
        if protected.get("url") != st.url(path):
            raise Problem(401, "unauthorized", "protected url %r is not "
                          "the request URL %r" % (protected.get("url"),
                                                  st.url(path)))
        has_jwk, has_kid = "jwk" in protected, "kid" in protected
        if has_jwk == has_kid:
            raise Problem(400, "malformed", "exactly one of jwk and kid")
        jwk_paths = ("/new-account", "/revoke")
        if has_jwk and path not in jwk_paths:
            raise Problem(400, "malformed", "%s must be signed with kid" % path)
        if has_kid and path == "/new-account":
            raise Problem(400, "malformed", "newAccount takes jwk, not kid")
        acct = None
        if has_jwk:
            jwk = protected["jwk"]
            key = jwk_key(jwk)
        else:
            jwk = None
            kid = protected["kid"]
            prefix = st.url("/acct/")
            with st.lock:
                acct = st.accounts.get(kid[len(prefix):]) \
                    if isinstance(kid, str) and kid.startswith(prefix) \
                    else None
            if acct is None:
                raise Problem(400, "accountDoesNotExist", "kid %r" % kid)
            if acct["status"] != "valid":
                raise Problem(401, "unauthorized", "account is %s"
                              % acct["status"])
            key = acct["key"]
        if not verify_es256(key, signing_input, sig):
            raise Problem(400, "malformed", "JWS signature does not verify")
        return acct, key, jwk

    def account_obj(self, a):
        obj = {"status": a["status"], "orders": self.server.state.url(
            "/orders/" + a["id"])}
        if a["contact"]:
            obj["contact"] = a["contact"]
        return obj

    def new_account(self, _, payload, acct, key, jwk):
        st = self.server.state
        if not isinstance(payload, dict):
            raise Problem(400, "malformed", "newAccount payload is an object")
        tp = thumbprint(jwk)
        aid = st.by_thumb.get(tp)
        if aid is not None:
            a = st.accounts[aid]
            return 200, self.account_obj(a), {"Location": a["url"]}, \
                "application/json"
        if payload.get("onlyReturnExisting") is True:
            raise Problem(400, "accountDoesNotExist", "no account for this key")
        if payload.get("termsOfServiceAgreed") is not True:
            raise Problem(403, "userActionRequired",
                          "agree to the terms of service",
                          {"Link": '<%s>;rel="terms-of-service"'
                           % st.url("/terms")})
        contact = payload.get("contact", [])
        if not isinstance(contact, list) or not all(
                isinstance(c, str) and c.startswith("mailto:")
                for c in contact):
            raise Problem(400, "invalidContact", "contact: mailto: URLs")
        aid = st.new_id()
        a = {"id": aid, "url": st.url("/acct/" + aid), "key": key,
             "jwk": jwk, "thumb": tp, "status": "valid", "contact": contact,
             "orders": []}
        st.accounts[aid] = a
        st.by_thumb[tp] = aid
        return 201, self.account_obj(a), {"Location": a["url"]}, \
            "application/json"

    def account(self, aid, payload, acct, key, jwk):
        if acct["id"] != aid:
            raise Problem(403, "unauthorized", "not your account")
        if isinstance(payload, dict):
            if payload.get("status") == "deactivated":
                acct["status"] = "deactivated"
            if "contact" in payload:
                acct["contact"] = payload["contact"]
        elif payload != "":
            raise Problem(400, "malformed", "account update is an object")
        return 200, self.account_obj(acct), None, "application/json"

    def key_change(self, _, payload, acct, key, jwk):
        """RFC 8555 §7.3.5: the payload is a JWS signed by the new key."""
        st = self.server.state
        if not isinstance(payload, dict):
            raise Problem(400, "malformed", "keyChange payload is a JWS")
        inner, inner_payload_b64, sig, signing_input = parse_jws(
            json.dumps(payload))
        if inner.get("alg") != "ES256" or "jwk" not in inner or \
                "kid" in inner or "nonce" in inner:
            raise Problem(400, "malformed", "inner JWS: ES256, jwk, no nonce")
        if inner.get("url") != st.url("/key-change"):
            raise Problem(400, "malformed", "inner url must be keyChange's")
        new_key = jwk_key(inner["jwk"])
        if not verify_es256(new_key, signing_input, sig):
            raise Problem(400, "malformed", "inner JWS does not verify")
        try:
            body = json.loads(b64u_field(inner_payload_b64, "inner payload"))
        except ValueError:
            raise Problem(400, "malformed", "inner payload is not JSON")
        if not isinstance(body, dict) or body.get("account") != acct["url"]:
            raise Problem(400, "malformed", "inner account is not the kid")
        if not isinstance(body.get("oldKey"), dict) or \
                thumbprint(body["oldKey"]) != acct["thumb"]:
            raise Problem(400, "malformed", "oldKey is not the account key")
        tp = thumbprint(inner["jwk"])
        if tp in st.by_thumb:
            other = st.accounts[st.by_thumb[tp]]
            raise Problem(409, "malformed", "new key already in use",
                          {"Location": other["url"]})
        del st.by_thumb[acct["thumb"]]
        acct.update(key=new_key, jwk=inner["jwk"], thumb=tp)
        st.by_thumb[tp] = acct["id"]
        return 200, self.account_obj(acct), None, "application/json"

    # --- orders --------------------------------------------------------------

    def directory(self):
        st = self.server.state
        with st.lock:
            cfg = st.config
            profiles = {}
            for name, secs in cfg["profiles"].items():
                profiles[name] = "%s: certificates valid %g days (double)" % (
                    name, secs / DAY)
            for name in cfg["advertise_only"]:
                profiles[name] = "%s: listed, refused by newOrder" % name
            d = {
                "newNonce": st.url("/nonce"),
                "newAccount": st.url("/new-account"),
                "newOrder": st.url("/new-order"),
                "revokeCert": st.url("/revoke"),
                "keyChange": st.url("/key-change"),
                "meta": {
                    "termsOfService": st.url("/terms"),
                    "website": "https://localhost/",
                    "profiles": profiles,
                },
            }
            if cfg["renewal_info"]:
                d["renewalInfo"] = st.url("/renewal-info")
        return d

    def order_status(self, o):
        st = self.server.state
        if o["status"] == "pending":
            states = [st.authzs[a]["status"] for a in o["authzs"]]
            if any(s == "invalid" for s in states):
                o["status"] = "invalid"
            elif all(s == "valid" for s in states):
                o["status"] = "ready"
        return o["status"]

    def order_obj(self, o):
        st = self.server.state
        self.order_status(o)
        obj = {
            "status": o["status"],
            "expires": rfc3339(o["expires"]),
            "identifiers": o["identifiers"],
            "authorizations": [st.url("/authz/" + a) for a in o["authzs"]],
            "finalize": st.url("/finalize/" + o["id"]),
        }
        for k in ("profile", "replaces"):
            if o.get(k) is not None:
                obj[k] = o[k]
        if o.get("cert"):
            obj["certificate"] = st.url("/cert/" + o["cert"])
        if o.get("error"):
            obj["error"] = o["error"]
        return obj

    def new_order(self, _, payload, acct, key, jwk):
        st = self.server.state
        cfg = st.config
        if not isinstance(payload, dict):
            raise Problem(400, "malformed", "newOrder payload is an object")
        idents = payload.get("identifiers")
        if not isinstance(idents, list) or not idents:
            raise Problem(400, "malformed", "identifiers: a non-empty array")
        clean = []
        for i in idents:
            if not isinstance(i, dict) or set(i) != {"type", "value"} or \
                    not isinstance(i["value"], str):
                raise Problem(400, "malformed", "identifier %r" % (i,))
            if i["type"] == "dns":
                if not re.match(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$",
                                i["value"]):
                    raise Problem(400, "rejectedIdentifier",
                                  "dns %r (lowercase names only)"
                                  % i["value"])
            elif i["type"] == "ip":
                try:
                    ipaddress.ip_address(i["value"])
                except ValueError:
                    raise Problem(400, "malformed", "ip %r" % i["value"])
            else:
                raise Problem(400, "unsupportedIdentifier", i["type"])
            if i in clean:
                raise Problem(400, "malformed", "%r twice" % i["value"])
            clean.append(i)
        profile = payload.get("profile")
        if profile is not None and (not isinstance(profile, str) or
                                    profile not in cfg["profiles"]):
            raise Problem(400, "invalidProfile",
                          "profile %r is not offered" % (profile,))
        replaces = payload.get("replaces")
        if replaces is not None and cfg["replaces_status"]:
            raise Problem(cfg["replaces_status"], "serverInternal",
                          "could not find an order for the given "
                          "certificate")
        if replaces is not None:
            cid = st.by_certid.get(replaces) \
                if isinstance(replaces, str) else None
            if cid is None or st.certs[cid]["account"] != acct["id"]:
                raise Problem(400, "malformed", "replaces %r: no certificate "
                              "of this account" % (replaces,))
            if st.certs[cid].get("replaced_by"):
                raise Problem(409, "alreadyReplaced", "replaces %r: already "
                              "replaced by order %s"
                              % (replaces, st.certs[cid]["replaced_by"]))
        oid = st.new_id()
        o = {"id": oid, "account": acct["id"], "status": "pending",
             "expires": time.time() + 7 * DAY, "identifiers": clean,
             "authzs": [], "profile": profile, "replaces": replaces}
        for i in clean:
            azid = st.new_id()
            challs = []
            # All three, as Let's Encrypt offers; the double validates http-01.
            for ctype in ("dns-01", "http-01", "tls-alpn-01"):
                chid = st.new_id()
                st.challs[chid] = {"id": chid, "authz": azid, "type": ctype,
                                   "status": "pending",
                                   "token": b64u(secrets.token_bytes(24))}
                challs.append(chid)
            st.authzs[azid] = {"id": azid, "account": acct["id"],
                               "identifier": i, "status": "pending",
                               "expires": time.time() + 7 * DAY,
                               "challs": challs}
            o["authzs"].append(azid)
        st.orders[oid] = o
        acct["orders"].append(oid)
        return 201, self.order_obj(o), {"Location": st.url("/order/" + oid)}, \
            "application/json"

    def owned(self, table, oid, acct, what):
        obj = table.get(oid)
        if obj is None:
            raise Problem(404, "malformed", "no such %s %s" % (what, oid))
        if obj["account"] != acct["id"]:
            raise Problem(403, "unauthorized", "%s %s is not yours"
                          % (what, oid))
        return obj

    def want_post_as_get(self, payload):
        if payload != "":
            raise Problem(400, "malformed", "POST-as-GET has an empty "
                          "payload (RFC 8555 §6.3)")

    def order(self, oid, payload, acct, key, jwk):
        o = self.owned(self.server.state.orders, oid, acct, "order")
        self.want_post_as_get(payload)
        if o["status"] == "processing" and o.get("cert"):
            o["status"] = "valid"       # finalize said processing once
        return 200, self.order_obj(o), None, "application/json"

    def order_list(self, aid, payload, acct, key, jwk):
        st = self.server.state
        if aid != acct["id"]:
            raise Problem(403, "unauthorized", "not your orders")
        self.want_post_as_get(payload)
        return 200, {"orders": [st.url("/order/" + o)
                                for o in acct["orders"]]}, None, \
            "application/json"

    # --- authorizations and http-01 -------------------------------------------

    def chall_obj(self, c):
        st = self.server.state
        obj = {"type": c["type"], "url": st.url("/chall/" + c["id"]),
               "status": c["status"], "token": c["token"]}
        if c.get("validated"):
            obj["validated"] = rfc3339(c["validated"])
        if c.get("error"):
            obj["error"] = c["error"]
        return obj

    def authz_obj(self, az):
        st = self.server.state
        return {"status": az["status"], "expires": rfc3339(az["expires"]),
                "identifier": az["identifier"],
                "challenges": [self.chall_obj(st.challs[c])
                               for c in az["challs"]]}

    def authz(self, azid, payload, acct, key, jwk):
        az = self.owned(self.server.state.authzs, azid, acct,
                        "authorization")
        if isinstance(payload, dict) and payload.get("status") == \
                "deactivated":
            az["status"] = "deactivated"
        else:
            self.want_post_as_get(payload)
        cfg = self.server.state.config
        obj = self.authz_obj(az)
        if obj["status"] == "valid" and \
                az.get("slow_polls", 0) < cfg["authz_pending_polls"]:
            az["slow_polls"] = az.get("slow_polls", 0) + 1
            obj["status"] = "pending"
        hdr = None
        if cfg["authz_retry_after"] is not None:
            hdr = {"Retry-After": str(cfg["authz_retry_after"])}
        return 200, obj, hdr, "application/json"

    def chall(self, chid, payload, acct, key, jwk):
        st = self.server.state
        c = st.challs.get(chid)
        if c is None:
            raise Problem(404, "malformed", "no such challenge %s" % chid)
        az = self.owned(st.authzs, c["authz"], acct, "authorization")
        if payload == {}:
            # RFC 8555 §7.5.1: {} asks for validation; once is enough.
            if az["status"] == "pending" and c["status"] == "pending":
                c["status"] = "processing"
                keyauth = c["token"] + "." + acct["thumb"]
                threading.Thread(target=self.server.validate,
                                 args=(c, az, keyauth), daemon=True).start()
        elif payload != "":
            raise Problem(400, "malformed", "challenge payload: {} or \"\"")
        return 200, self.chall_obj(c), \
            {"Link": '<%s>;rel="up"' % st.url("/authz/" + az["id"])}, \
            "application/json"

    # --- finalize, certificate, revocation ------------------------------------

    def finalize(self, oid, payload, acct, key, jwk):
        st = self.server.state
        o = self.owned(st.orders, oid, acct, "order")
        if self.order_status(o) != "ready":
            raise Problem(403, "orderNotReady", "order is %s" % o["status"])
        if not isinstance(payload, dict) or \
                not isinstance(payload.get("csr"), str):
            raise Problem(400, "malformed", "finalize payload: {\"csr\"}")
        try:
            csr = x509.load_der_x509_csr(b64u_field(payload["csr"], "csr"))
        except ValueError as e:
            raise Problem(400, "badCSR", "not a DER CSR: %s" % e)
        if not csr.is_signature_valid:
            raise Problem(400, "badCSR", "CSR signature does not verify")
        if not isinstance(csr.public_key(), ec.EllipticCurvePublicKey):
            raise Problem(400, "badCSR", "CSR key is not EC")
        try:
            san = csr.extensions.get_extension_for_class(
                x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            raise Problem(400, "badCSR", "CSR has no subjectAltName")
        dns = sorted(n.lower() for n in san.get_values_for_type(x509.DNSName))
        ips = sorted(str(a) for a in san.get_values_for_type(x509.IPAddress))
        want_dns = sorted(i["value"] for i in o["identifiers"]
                          if i["type"] == "dns")
        want_ips = sorted(str(ipaddress.ip_address(i["value"]))
                          for i in o["identifiers"] if i["type"] == "ip")
        if dns != want_dns or ips != want_ips:
            raise Problem(400, "badCSR", "CSR names %r %r are not the "
                          "order's %r %r" % (dns, ips, want_dns, want_ips))
        for cn in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
            if cn.value.lower() not in want_dns + want_ips:
                raise Problem(400, "badCSR", "CN %r not in the order"
                              % cn.value)
        cfg = st.config
        profile = o["profile"] or cfg["default_profile"]
        validity = cfg["profiles"].get(profile, 90 * DAY)
        nb = int(time.time()) - 60 - int(cfg["backdate"])
        na = nb + int(validity)
        sans = [x509.DNSName(n) for n in want_dns] + \
               [x509.IPAddress(ipaddress.ip_address(a)) for a in want_ips]
        leaf = st.ca.issue(csr, sans, nb, na, bool(cfg["serial_pad"]))
        cid = st.new_id()
        certid = cert_id(leaf)
        st.certs[cid] = {"id": cid, "account": acct["id"], "order": oid,
                         "leaf": leaf, "certid": certid, "profile": profile,
                         "not_before": nb, "not_after": na,
                         "serial": "%X" % leaf.serial_number}
        st.by_certid[certid] = cid
        old = st.by_certid.get(o["replaces"] or "")
        if old is not None:
            st.certs[old]["replaced_by"] = oid
        o["cert"] = cid
        o["status"] = "processing"      # valid at the next poll
        st.log({"event": "issued", "order": oid, "certid": certid,
                "serial": st.certs[cid]["serial"], "profile": profile,
                "replaces": o["replaces"], "not_before": rfc3339(nb),
                "not_after": rfc3339(na)})
        return 200, self.order_obj(o), \
            {"Location": st.url("/order/" + oid)}, "application/json"

    def cert(self, cid, payload, acct, key, jwk):
        st = self.server.state
        c = self.owned(st.certs, cid, acct, "certificate")
        self.want_post_as_get(payload)
        pem = c["leaf"].public_bytes(serialization.Encoding.PEM) + \
            st.ca.int_pem
        return 200, pem, None, "application/pem-certificate-chain"

    def revoke(self, _, payload, acct, key, jwk):
        """RFC 8555 §7.6: by the account that holds it, or the cert key."""
        st = self.server.state
        if not isinstance(payload, dict) or \
                not isinstance(payload.get("certificate"), str):
            raise Problem(400, "malformed", "revokeCert: {\"certificate\"}")
        reason = payload.get("reason", 0)
        if reason not in (0, 1, 3, 4, 5, 9):
            raise Problem(400, "badRevocationReason", "reason %r" % reason)
        try:
            leaf = x509.load_der_x509_certificate(
                b64u_field(payload["certificate"], "certificate"))
            certid = cert_id(leaf)
        except (ValueError, x509.ExtensionNotFound):
            raise Problem(400, "malformed", "not a certificate of ours")
        cid = st.by_certid.get(certid)
        if cid is None:
            raise Problem(404, "malformed", "certificate not issued here")
        c = st.certs[cid]
        if acct is not None:
            if c["account"] != acct["id"]:
                raise Problem(403, "unauthorized", "not your certificate")
        else:
            mine = c["leaf"].public_key().public_bytes(
                serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo)
            theirs = key.public_bytes(
                serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo)
            if mine != theirs:
                raise Problem(403, "unauthorized", "not the certificate key")
        if c.get("revoked"):
            raise Problem(400, "alreadyRevoked", "already revoked")
        c["revoked"] = reason
        return 200, None, None, None

    # --- ARI (RFC 9773) -------------------------------------------------------

    def renewal_info(self, certid):
        st = self.server.state
        with st.lock:
            cfg = copy.deepcopy(st.config)
            if not cfg["renewal_info"]:
                raise Problem(404, "malformed", "no renewalInfo here")
            parts = certid.split(".")
            if len(parts) != 2 or not all(parts) or \
                    not all(is_b64u(p) for p in parts):
                raise Problem(400, "malformed", "certID %r is not "
                              "base64url.base64url" % certid)
            cid = st.by_certid.get(certid)
            if cid is None:
                raise Problem(404, "malformed", "no certificate %r" % certid)
            c = st.certs[cid]
        if cfg["ari_status"] != 200:
            raise Problem(int(cfg["ari_status"]), "serverInternal",
                          "renewalInfo made to fail (control: ari_status)")
        now = time.time()
        w = cfg["window"]
        if c.get("revoked") is not None:
            start, end = now - DAY, now         # replace it right away
        elif w == "past":
            start, end = now - 2 * DAY, now - DAY
        elif w == "future":
            start, end = now + 30 * DAY, now + 32 * DAY
        elif w == "inverted":
            start, end = now - DAY, now - 2 * DAY
        elif isinstance(w, dict):
            return 200, {"suggestedWindow": {"start": w["start"],
                                             "end": w["end"]}}, \
                {"Retry-After": str(cfg["retry_after"])}, "application/json"
        else:   # auto: the last third of the lifetime, a ninth of it wide
            life = c["not_after"] - c["not_before"]
            start = c["not_after"] - life / 3
            end = start + life / 9
        return 200, {"suggestedWindow": {"start": rfc3339(start),
                                         "end": rfc3339(end)}}, \
            {"Retry-After": str(cfg["retry_after"])}, "application/json"


class AcmeServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state, ctx):
        self.state = state
        self.ctx = ctx
        super().__init__(("127.0.0.1", 0), AcmeHandler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread, so a
        # client that never completes it cannot stall the others.
        request.settimeout(30)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.state.log({"event": "tls_error", "detail": str(e)})
            return
        try:
            AcmeHandler(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def validate(self, c, az, keyauth):
        """http-01 (RFC 8555 §8.3) against the client's listener."""
        st = self.state
        ident = az["identifier"]["value"]
        ok, detail = False, ""
        if c["type"] != "http-01":
            detail = "the double validates http-01 only, not %s" % c["type"]
            kind = "unauthorized"
        else:
            kind = "connection"
            host = ident if az["identifier"]["type"] == "dns" else (
                "[%s]" % ident if ":" in ident else ident)
            try:
                conn = http.client.HTTPConnection(
                    "127.0.0.1", st.args.http_port, timeout=10)
                conn.request("GET", "/.well-known/acme-challenge/" +
                             c["token"], headers={"Host": host,
                                                  "User-Agent":
                                                  "acme-double"})
                resp = conn.getresponse()
                body = resp.read(4096)
                conn.close()
                kind = "incorrectResponse" if resp.status == 200 else \
                    "unauthorized"
                got = body.decode("utf-8", "replace").rstrip(" \t\r\n")
                ok = resp.status == 200 and got == keyauth
                detail = "HTTP %d, body %r, want %r" % (resp.status, got,
                                                        keyauth)
            except (OSError, http.client.HTTPException) as e:
                detail = "fetching from 127.0.0.1:%d: %s" % (
                    st.args.http_port, e)
        with st.lock:
            if ok:
                c["status"] = "valid"
                c["validated"] = time.time()
                az["status"] = "valid"
            else:
                c["status"] = "invalid"
                c["error"] = {"type": ERR + kind, "detail": detail,
                              "status": 403}
                az["status"] = "invalid"
        st.log({"event": "validate", "type": c["type"], "token": c["token"],
                "identifier": ident, "ok": ok, "detail": detail})


class ControlHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj):
        data = (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        st = self.server.state
        with st.lock:
            if self.path == "/config":
                return self.send_json(200, st.config)
            if self.path == "/certs":
                return self.send_json(200, [
                    {k: v for k, v in c.items() if k != "leaf"}
                    for c in st.certs.values()])
        self.send_json(404, {"error": "GET /config or /certs"})

    def do_POST(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path == "/reset":
            st.reset()
            return self.send_json(200, st.config)
        if self.path == "/forget":
            with st.lock:
                st.by_certid.clear()
            return self.send_json(200, {"forgotten": True})
        if self.path != "/config":
            return self.send_json(404, {"error": "POST /config, /reset "
                                        "or /forget"})
        try:
            upd = json.loads(body or b"{}")
            if not isinstance(upd, dict):
                raise ValueError("want an object")
            unknown = set(upd) - set(DEFAULTS)
            if unknown:
                raise ValueError("unknown settings %s" % sorted(unknown))
        except ValueError as e:
            return self.send_json(400, {"error": str(e)})
        with st.lock:
            st.config.update(upd)
            return self.send_json(200, st.config)


class ControlServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self, state):
        self.state = state
        super().__init__(("127.0.0.1", 0), ControlHandler)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="work directory")
    ap.add_argument("--cert", required=True, help="listener certificate PEM")
    ap.add_argument("--key", required=True, help="listener key PEM")
    ap.add_argument("--http-port", type=int, required=True,
                    help="port of the client's http-01 listener")
    ap.add_argument("--no-renewal-info", action="store_true",
                    help="start without renewalInfo in the directory")
    args = ap.parse_args()

    state = State(args)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    acme = AcmeServer(state, ctx)
    state.base = "https://localhost:%d" % acme.server_address[1]
    control = ControlServer(state)
    for srv in (acme, control):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    tmp = os.path.join(args.dir, "ports.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"acme": acme.server_address[1],
                   "control": control.server_address[1]}, f)
    os.rename(tmp, os.path.join(args.dir, "ports.json"))
    print("acme-double: %s/dir, control http://127.0.0.1:%d/"
          % (state.base, control.server_address[1]), file=sys.stderr,
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    main()
