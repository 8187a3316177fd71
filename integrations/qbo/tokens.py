"""The token service: the only way code gets a QBO client.

- refreshes ahead of expiry, one refresh per connection at a time across processes (row lock, then
  re-check: a sibling may already have refreshed);
- saves the rotated refresh token before the new access token is used (Intuit kills the old one);
- `invalid_grant` marks the connection Authorization expired (never deletes it);
- a 401 on an API call forces one refresh and one retry (QboClient calls back here).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from intuitlib.exceptions import AuthClientError

from integrations.models import ConnectionStatus, QuickBooksConnection
from integrations.qbo.client import QboClient, make_auth_client
from integrations.qbo.errors import QboAuthError, QboReauthorizationRequired, QboTransient
from integrations.services.audit import audit_record
from integrations.services.jobs_pause import jobs_pause_for_connection

log = logging.getLogger(__name__)
REFRESH_AHEAD = timedelta(minutes=5)


def _error_code(exc: AuthClientError) -> str:
    try:
        return str(exc.content.decode() if isinstance(exc.content, bytes) else exc.content)
    except UnicodeDecodeError:
        return ""


class TokenHolder(Protocol):
    """What tokens_store reads of intuit-oauth's (untyped) AuthClient after a token call: it copies every
    key of the token JSON onto itself. The lifetimes (`expires_in`, `x_refresh_token_expires_in`,
    `x_refresh_token_hard_expires_in`) are read with getattr, since QBO may leave them out."""

    access_token: str
    refresh_token: str


def tokens_store(*, connection: QuickBooksConnection, auth: TokenHolder, now: datetime | None = None) -> None:
    """Copy a token response (already set on the AuthClient by intuit-oauth) onto the connection."""
    now = now or timezone.now()
    connection.access_token = auth.access_token
    connection.refresh_token = auth.refresh_token
    connection.access_token_expires_at = now + timedelta(seconds=int(getattr(auth, "expires_in", 3600) or 3600))
    rt_life = getattr(auth, "x_refresh_token_expires_in", None)
    if rt_life:
        connection.refresh_token_expires_at = now + timedelta(seconds=int(rt_life))
    hard = getattr(auth, "x_refresh_token_hard_expires_in", None)
    if hard:
        connection.refresh_token_hard_expires_at = now + timedelta(seconds=int(hard))
    connection.last_refreshed_at = now


def _mark_auth_expired(connection: QuickBooksConnection, reason: str) -> None:
    connection.status = ConnectionStatus.AUTH_EXPIRED
    connection.status_reason = reason
    connection.save(update_fields=["status", "status_reason", "updated_at"])
    audit_record(connection=connection, action="authorization_expired", detail=reason)
    jobs_pause_for_connection(connection=connection, reason="QuickBooks authorization expired — reconnect to resume.")


TOKEN_FIELDS = ["access_token", "refresh_token", "access_token_expires_at", "refresh_token_expires_at",
                "refresh_token_hard_expires_at", "last_refreshed_at", "updated_at"]


def access_token_for(*, connection_id: int, failed_token: str | None = None,
                     must_refresh: Callable[[QuickBooksConnection], bool] | None = None) -> str:
    """A usable access token. `failed_token`: the token QBO just rejected with 401 (forces a refresh
    unless a sibling already replaced it). `must_refresh`: also refresh when it says so of the row as
    re-read under the lock (the scheduled upkeep: a sibling may have refreshed it a moment ago)."""
    reauth: QboReauthorizationRequired | None = None
    with transaction.atomic():
        conn = QuickBooksConnection.objects.select_for_update().get(pk=connection_id)
        if conn.status != ConnectionStatus.CONNECTED:
            raise QboReauthorizationRequired(f"QuickBooks is {conn.get_status_display().lower()}.")
        fresh = conn.access_token_expires_at and conn.access_token_expires_at > timezone.now() + REFRESH_AHEAD
        if conn.access_token and not (must_refresh is not None and must_refresh(conn)) and (
            (failed_token is None and fresh) or (failed_token is not None and conn.access_token != failed_token)
        ):
            return conn.access_token
        try:
            # Inside the try: building the client fetches the discovery document over the network too.
            auth = make_auth_client(refresh_token=conn.refresh_token, realm_id=conn.realm_id)
            auth.refresh()
        except requests.RequestException as exc:
            raise QboTransient(f"Token refresh could not reach QuickBooks ({type(exc).__name__}).") from None
        except AuthClientError as exc:
            body = _error_code(exc)
            if exc.status_code == 400 and "invalid_grant" in body:
                _mark_auth_expired(conn, "QuickBooks refused the refresh token (invalid_grant).")
                reauth = QboReauthorizationRequired("QuickBooks authorization expired; the Owner must reconnect.")
            elif exc.status_code == 401:
                raise QboAuthError("QuickBooks rejected this app's client id/secret (invalid_client).") from None
            else:
                raise QboTransient(f"Token refresh failed with HTTP {exc.status_code}.") from None
        else:
            tokens_store(connection=conn, auth=auth)
            # Only the token columns: the row's other fields belong to other writers (the push queue).
            conn.save(update_fields=TOKEN_FIELDS)
            log.info("qbo.token_refreshed connection=%s", conn.pk)
            return conn.access_token
    assert reauth is not None
    raise reauth


_clients = threading.local()


def client_for(connection: QuickBooksConnection) -> QboClient:
    """A client with a valid access token, behind the company's limiter. Reused per thread and connection:
    building one costs an HTTP GET of Intuit's discovery document (intuit-oauth fetches it in every
    AuthClient constructor)."""
    token = access_token_for(connection_id=connection.pk)
    cache: dict[tuple[object, ...], QboClient] = getattr(_clients, "by_connection", None) or {}
    _clients.by_connection = cache
    key = (connection.pk, connection.realm_id, settings.QBO_ENVIRONMENT, settings.QBO_SIM_URL)
    client = cache.get(key)
    if client is None:
        client = QboClient(
            realm_id=connection.realm_id,
            access_token=token,
            on_auth_error=lambda failed: access_token_for(connection_id=connection.pk, failed_token=failed),
        )
        cache[key] = client
    elif client.qb.session.access_token != token:
        client.qb.session.access_token = token
    return client
