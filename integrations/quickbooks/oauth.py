"""Connect and disconnect: OAuth 2.0 through intuit-oauth's AuthClient.

`state` is one-time and bound to the user, organization and browser session (intuit-oauth sends no
PKCE, so state is the only CSRF defence). A state is consumed before the code is exchanged, so a double
callback exchanges nothing the second time (QBO quirk: a second exchange revokes the first tokens).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import requests
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from accounts.models import Organization
from integrations.models import ConnectionStatus, OAuthState, QuickBooksConnection
from integrations.quickbooks.client import QboClient, make_auth_client
from integrations.quickbooks.errors import QboError
from integrations.quickbooks.tokens import tokens_store
from integrations.selectors import connection_live
from integrations.services.audit import audit_record
from integrations.services.jobs_pause import jobs_pause_for_connection, jobs_resume_for_connection

STATE_TTL = timedelta(minutes=15)


class ConnectError(Exception):
    """A connect/disconnect step that could not happen; the message is for the person."""


def _session_hash(session_key: str | None) -> str:
    return hashlib.sha256((session_key or "").encode()).hexdigest()


def connect_start(*, organization: Organization, user: AbstractBaseUser, session_key: str) -> str:
    """The URL of Intuit's authorization page, with a fresh one-time state.

    `session_key` "" (an API caller with a token, who has no browser session) binds the state to the
    user and organization only: the browser that follows the URL has a session the API never saw."""
    if not organization.is_paid_plan:
        raise ConnectError("The QuickBooks integration is part of the Pro and Enterprise plans.")
    live = connection_live(organization=organization)
    if live is not None and live.status == ConnectionStatus.CONNECTED:
        raise ConnectError(f"QuickBooks company “{live.company_name}” is already connected. Disconnect it first.")
    state = secrets.token_urlsafe(32)
    OAuthState.objects.create(state=state, organization=organization, user=user,
                              session_key_hash=_session_hash(session_key))
    try:
        auth = make_auth_client()
    except (AuthClientError, requests.RequestException) as exc:
        raise ConnectError(f"QuickBooks could not be reached to start the connection ({exc}).") from None
    return auth.get_authorization_url([Scopes.ACCOUNTING], state_token=state)


def _consume_state(*, organization: Organization, user: AbstractBaseUser, session_key: str, state: str) -> None:
    if not state:
        raise ConnectError("The reply from QuickBooks had no state, so nothing was exchanged. Start again.")
    row = OAuthState.objects.filter(state=state).first()
    if row is None:
        raise ConnectError("The reply from QuickBooks did not match a connection you started. Nothing was exchanged.")
    session_bound = row.session_key_hash != _session_hash("")
    if (row.user_id, row.organization_id) != (user.pk, organization.pk) or (
        session_bound and row.session_key_hash != _session_hash(session_key)
    ):
        raise ConnectError("This QuickBooks reply belongs to a connection started elsewhere. Nothing was exchanged.")
    fresh_after = timezone.now() - STATE_TTL
    taken = OAuthState.objects.filter(pk=row.pk, used_at__isnull=True, created_at__gte=fresh_after).update(
        used_at=timezone.now()
    )
    if not taken:
        raise ConnectError("This QuickBooks reply was already used or has expired. Nothing was exchanged; start again.")


def connect_complete(*, organization: Organization, user: AbstractBaseUser, session_key: str,
                     params: dict[str, str]) -> QuickBooksConnection:
    _consume_state(organization=organization, user=user, session_key=session_key, state=params.get("state", ""))
    if params.get("error"):
        audit_record(organization=organization, action="connect_cancelled", actor=user, detail=params["error"])
        raise ConnectError("The connection to QuickBooks was cancelled; nothing changed.")
    code, realm_id = params.get("code", ""), params.get("realmId", "")
    if not code or not realm_id:
        raise ConnectError("The reply from QuickBooks had no authorization code or company id.")
    live = connection_live(organization=organization)
    if live is not None and live.realm_id != realm_id:
        raise ConnectError(
            f"This organization is linked to QuickBooks company “{live.company_name}”. Disconnect it before "
            "connecting a different company."
        )
    try:
        # Inside the try: building the client fetches the discovery document over the network too.
        auth = make_auth_client()
        auth.get_bearer_token(code, realm_id=realm_id)
        info = QboClient(realm_id=realm_id, access_token=auth.access_token).company_info()
    except AuthClientError as exc:
        raise ConnectError(f"QuickBooks refused the authorization (HTTP {exc.status_code}). Try again.") from None
    except (QboError, requests.RequestException) as exc:
        raise ConnectError(f"QuickBooks could not be reached to finish connecting ({exc}).") from None
    return _connection_save(organization=organization, user=user, realm_id=realm_id, auth=auth,
                            company_name=info.get("CompanyName", ""))


@transaction.atomic
def _connection_save(*, organization: Organization, user: AbstractBaseUser, realm_id: str, auth: object,
                     company_name: str) -> QuickBooksConnection:
    conn, created = QuickBooksConnection.objects.select_for_update().get_or_create(
        organization=organization, realm_id=realm_id, environment=settings.QBO_ENVIRONMENT,
    )
    tokens_store(connection=conn, auth=auth)
    conn.status, conn.status_reason, conn.company_name = ConnectionStatus.CONNECTED, "", company_name
    conn.connected_by, conn.connected_at, conn.disconnected_at = user, timezone.now(), None
    conn.save()
    resumed = jobs_resume_for_connection(connection=conn)
    detail = f"{company_name} (realm {realm_id})" + (f"; {resumed} paused items resumed" if resumed else "")
    audit_record(connection=conn, action="connected" if created else "reconnected", actor=user, detail=detail)
    from integrations.importer.run import import_request  # here, not at the top: the importer builds on this module

    # The initial sync: its run row commits with the connection; a worker is rung on commit.
    import_request(connection=conn, actor=user)
    return conn


def connection_disconnect(*, connection: QuickBooksConnection, actor: AbstractBaseUser) -> bool:
    """Revoke at Intuit (best effort), wipe the tokens, stop syncing. Returns whether the revoke worked.
    Every record and mapping stays on both sides, so a reconnect resumes where it left off."""
    revoked = True
    try:
        if connection.refresh_token:
            make_auth_client().revoke(token=connection.refresh_token)
    except (AuthClientError, requests.RequestException):
        revoked = False
    with transaction.atomic():
        conn = QuickBooksConnection.objects.select_for_update().get(pk=connection.pk)
        conn.access_token = conn.refresh_token = ""
        conn.access_token_expires_at = None
        conn.status, conn.disconnected_at = ConnectionStatus.DISCONNECTED, timezone.now()
        conn.status_reason = "" if revoked else "QuickBooks could not be told; the tokens were wiped here."
        conn.save()
        jobs_pause_for_connection(connection=conn, reason="QuickBooks is disconnected.")
        audit_record(connection=conn, action="disconnected", actor=actor,
                     detail="tokens revoked at Intuit" if revoked else "revoke failed; disconnected locally")
    return revoked
