"""OAuth state: authorization codes, grants (one app connected to one company), access and
refresh tokens, with QBO's rotation and revocation rules (reference §1.2-1.7)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from . import clock
from .config import SimConfig


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.description = status, error, description

    def body(self) -> dict[str, str]:
        out = {"error": self.error}
        if self.description:
            out["error_description"] = self.description
        return out


def invalid_grant(description: str = "Incorrect or invalid refresh token") -> OAuthError:
    return OAuthError(400, "invalid_grant", description)


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    scope: str
    realm_id: str | None
    email: str
    issued: float
    grant_id: str | None = None   # set once exchanged; a second exchange revokes that grant


@dataclass
class Grant:
    id: str
    client_id: str
    realm_id: str | None
    scope: str
    email: str
    created: float
    refresh_token: str
    rt_issued: float
    rt_last_used: float
    revoked: bool = False
    force_rotate: bool = False
    access_tokens: set[str] = field(default_factory=set)
    old_refresh: set[str] = field(default_factory=set)


@dataclass
class Access:
    grant_id: str
    realm_id: str | None
    client_id: str
    expires: float


def _access_value() -> str:
    return "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + secrets.token_urlsafe(48)


def _refresh_value() -> str:
    return f"RT1-{secrets.randbelow(900) + 100}-H0-{int(clock.now())}{secrets.token_hex(10)}"


class TokenStore:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.codes: dict[str, Code] = {}
        self.grants: dict[str, Grant] = {}
        self.access: dict[str, Access] = {}
        self.refresh: dict[str, str] = {}   # refresh token value (current or superseded) -> grant id

    # ---- issuing -----------------------------------------------------------------------------
    def issue_code(self, client_id: str, redirect_uri: str, scope: str, realm_id: str | None, email: str) -> str:
        code = "AB11" + secrets.token_urlsafe(36)
        with self.lock:
            self.codes[code] = Code(client_id, redirect_uri, scope, realm_id, email, clock.now())
        return code

    def exchange(self, client_id: str, code: str, redirect_uri: str) -> tuple[Grant, dict[str, Any]]:
        with self.lock:
            info = self.codes.get(code)
            if info is None or info.client_id != client_id:
                raise invalid_grant("Invalid authorization code")
            if info.grant_id is not None:
                # QBO: a code works once; exchanging it again revokes the first exchange's tokens.
                self._revoke(self.grants[info.grant_id])
                raise invalid_grant("Authorization code has already been used")
            if clock.now() - info.issued > self.config.auth_code_ttl:
                raise invalid_grant("Authorization code has expired")
            if redirect_uri != info.redirect_uri:
                raise invalid_grant("redirect_uri does not match the authorization request")
            grant = self._new_grant(client_id, info.realm_id, info.scope, info.email)
            info.grant_id = grant.id
            return grant, self._token_response(grant)

    def mint(self, client_id: str, realm_id: str | None, scope: str, email: str) -> tuple[Grant, dict[str, Any]]:
        """Control API shortcut: a connected grant without the browser dance."""
        with self.lock:
            grant = self._new_grant(client_id, realm_id, scope, email)
            return grant, self._token_response(grant)

    def refresh_grant(self, client_id: str, token: str) -> tuple[Grant, dict[str, Any]]:
        now = clock.now()
        with self.lock:
            grant = self.grants.get(self.refresh.get(token, ""))
            if grant is None or grant.client_id != client_id or grant.revoked or token in grant.old_refresh:
                raise invalid_grant()  # superseded, revoked or unknown: no grace period
            if now - grant.rt_last_used > self.config.refresh_token_ttl:
                raise invalid_grant("Refresh token has expired")
            if now - grant.created > self.config.refresh_hard_ttl:
                raise invalid_grant("Refresh token has reached its maximum lifetime")
            if grant.force_rotate or now - grant.rt_issued >= self.config.refresh_rotation_seconds:
                # QBO: the value changes at most about once a day; the old one dies at once.
                grant.old_refresh.add(grant.refresh_token)
                grant.refresh_token = _refresh_value()
                self.refresh[grant.refresh_token] = grant.id
                grant.rt_issued, grant.force_rotate = now, False
            grant.rt_last_used = now
            return grant, self._token_response(grant)

    def _new_grant(self, client_id: str, realm_id: str | None, scope: str, email: str) -> Grant:
        now = clock.now()
        grant = Grant("g" + secrets.token_hex(8), client_id, realm_id, scope, email, now, _refresh_value(),
                      now, now)
        self.grants[grant.id] = grant
        self.refresh[grant.refresh_token] = grant.id
        return grant

    def _token_response(self, grant: Grant) -> dict[str, Any]:
        token = _access_value()
        ttl = self.config.access_token_ttl
        self.access[token] = Access(grant.id, grant.realm_id, grant.client_id, clock.now() + ttl)
        grant.access_tokens.add(token)
        return {"access_token": token, "refresh_token": grant.refresh_token, "token_type": "bearer",
                "expires_in": ttl, "x_refresh_token_expires_in": self.config.refresh_token_ttl,
                "_hard_expires_in": max(0, int(grant.created + self.config.refresh_hard_ttl - clock.now()))}

    # ---- checking ----------------------------------------------------------------------------
    def check(self, token: str | None) -> Access | None:
        """The access record, or None if unknown/expired/revoked."""
        if not token:
            return None
        info = self.access.get(token)
        if info is None or info.expires <= clock.now():
            return None
        return info

    def describe_failure(self, token: str | None) -> str:
        info = self.access.get(token or "")
        if info is None:
            return "Token invalid" if token else "Authorization header missing or malformed"
        return f"Token expired: {token[:12]}..." if token else "Token invalid"

    def grant_of(self, token: str) -> Grant | None:
        info = self.access.get(token)
        return self.grants.get(info.grant_id) if info else None

    # ---- revoking ----------------------------------------------------------------------------
    def revoke_token(self, token: str) -> bool:
        with self.lock:
            gid = self.refresh.get(token) or (self.access[token].grant_id if token in self.access else None)
            grant = self.grants.get(gid or "")
            if grant is None:
                return False
            self._revoke(grant)
            return True

    def _revoke(self, grant: Grant) -> None:
        grant.revoked = True
        for token in grant.access_tokens:
            self.access.pop(token, None)
        grant.access_tokens.clear()

    def revoke_realm(self, realm_id: str) -> int:
        with self.lock:
            grants = [g for g in self.grants.values() if g.realm_id == realm_id and not g.revoked]
            for grant in grants:
                self._revoke(grant)
            return len(grants)

    def expire_realm(self, realm_id: str) -> int:
        with self.lock:
            hits = [a for a in self.access.values() if a.realm_id == realm_id]
            for info in hits:
                info.expires = 0.0
            return len(hits)

    def rotate_now(self, realm_id: str | None = None) -> int:
        with self.lock:
            grants = [g for g in self.grants.values() if realm_id is None or g.realm_id == realm_id]
            for grant in grants:
                grant.force_rotate = True
            return len(grants)

    def clear(self) -> None:
        with self.lock:
            self.codes.clear()
            self.grants.clear()
            self.access.clear()
            self.refresh.clear()
