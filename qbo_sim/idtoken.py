"""RS256 id_tokens and the JWKS that intuit-oauth verifies them with (reference §7.1: ``iss``
must equal the discovery issuer and ``aud`` must be a list whose first item is the client id)."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from typing import Any

from . import clock

try:  # optional: without cryptography there is no id_token and the JWKS is empty
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    AVAILABLE = True
except ImportError:  # pragma: no cover - cryptography is pinned in requirements.txt
    AVAILABLE = False

_KEY_LOCK = threading.Lock()
_KEY: rsa.RSAPrivateKey | None = None
KID = "qbo-sim-1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _key() -> rsa.RSAPrivateKey:
    global _KEY
    with _KEY_LOCK:
        if _KEY is None:
            _KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _KEY


def available() -> bool:
    return AVAILABLE


def jwks() -> dict[str, Any]:
    if not available():
        return {"keys": []}
    numbers = _key().public_key().public_numbers()

    def enc(n: int) -> str:
        return _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))

    return {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": KID, "e": enc(numbers.e),
                      "n": enc(numbers.n)}]}


def make(issuer: str, client_id: str, subject: str, realm_id: str | None, ttl: int = 3600) -> str | None:
    if not available():
        return None
    now = int(clock.now())
    header = {"alg": "RS256", "kid": KID, "typ": "JWT"}
    payload = {"sub": subject, "aud": [client_id], "realmid": realm_id, "auth_time": now, "iss": issuer,
               "exp": now + ttl, "iat": now, "jti": str(uuid.uuid4())}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = _key().sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"
