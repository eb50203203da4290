# SPDX-License-Identifier: MIT
"""tests/acmeutil.py: what the test ACME servers share.

hostile.py (a CA that misbehaves) and acme-double.py (a CA with the cases
Pebble lacks) both read and write base64url and compute account key
thumbprints; one copy of each lives here so the two cannot drift.
"""
import base64
import hashlib
import json
import re

_B64U = re.compile(r"^[A-Za-z0-9_-]*$")


def b64u(data):
    """base64url without padding (RFC 8555 §6.1, RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_dec(s):
    """Strict base64url without padding: ValueError for anything else
    (padding, other characters, an impossible length, not a string)."""
    if not isinstance(s, str) or not _B64U.match(s) or len(s) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def thumbprint(jwk):
    """RFC 7638 thumbprint of an EC JWK (its required members), base64url."""
    canon = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")},
                       separators=(",", ":"), sort_keys=True)
    return b64u(hashlib.sha256(canon.encode()).digest())
