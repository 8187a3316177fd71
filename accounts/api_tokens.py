"""API tokens: issued hashed, with an expiry, revoked by a password change.

DRF's authtoken stored each key in clear text (anyone with a database dump could call the API as
anyone) and never expired it. Here the key is random (256 bits), only its SHA-256 is stored (a plain
hash suffices for a random key: there is nothing to guess), and each token also records a fingerprint
of the user's password hash: set_password() changes that hash, so every token issued before stops
working, whichever way the password was changed (page, admin, manage.py changepassword).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts.models import ApiToken


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def password_fingerprint(user: Any) -> str:
    return hashlib.sha256(f"api-token:{user.password}".encode()).hexdigest()


def api_token_issue(*, user: Any) -> str:
    """A new token for `user`; the returned key is the only copy of it anywhere."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.create(user=user, key_hash=_hash(key), prefix=key[:8], password_fingerprint=password_fingerprint(user),
                            created_at=now, expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS))
    # Expired ones are of no use to anyone: drop them as new ones are issued.
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    return key


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, checked against the stored hash, the expiry and the password."""

    model = ApiToken

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
        if token is None:
            raise AuthenticationFailed("Invalid token.")
        if token.expires_at <= timezone.now():
            raise AuthenticationFailed("Token expired; sign in again at /api/v1/auth/token/.")
        if not secrets.compare_digest(token.password_fingerprint, password_fingerprint(token.user)):
            raise AuthenticationFailed("Token revoked: the password changed since it was issued; sign in again.")
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        return token.user, token
