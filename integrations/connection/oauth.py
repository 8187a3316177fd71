"""Connect and disconnect: OAuth 2.0 through intuit-oauth's AuthClient.

`state` is one-time and bound to the user, organization and browser session (intuit-oauth sends no
PKCE, so state is the only CSRF defence). A state is consumed before the code is exchanged, so a double
callback exchanges nothing the second time (QBO quirk: a second exchange revokes the first tokens).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from accounts.models import Organization
from integrations.connection.company import COMPANY_FIELDS, company_read, tax_codes_suggest
from integrations.connection.panel import authorization_warning
from integrations.importer.services import import_request
from integrations.models import ConnectionStatus, OAuthState, QuickBooksConnection
from integrations.qbo.client import QboClient, make_auth_client
from integrations.qbo.errors import QboError, with_reference
from integrations.qbo.tokens import tokens_store
from integrations.selectors import connection_latest, connection_live
from integrations.services.audit import audit_record
from integrations.services.jobs_pause import jobs_pause_for_connection, jobs_resume_for_connection

STATE_TTL = timedelta(minutes=15)
CompanyFacts = QuickBooksConnection  # an unsaved connection carrying what company_read found
log = logging.getLogger(__name__)


class ConnectError(Exception):
    """A connect/disconnect step that could not happen; the message is for the person."""


def _session_hash(session_key: str | None) -> str:
    return hashlib.sha256((session_key or "").encode()).hexdigest()


def connect_start(*, organization: Organization, user: User, session_key: str) -> str:
    """The URL of Intuit's authorization page, with a fresh one-time state.

    `session_key` "" (an API caller with a token, who has no browser session) binds the state to the
    user and organization only: the browser that follows the URL has a session the API never saw."""
    if not organization.is_paid_plan:
        raise ConnectError("The QuickBooks integration is part of the Pro and Enterprise plans.")
    live = connection_live(organization=organization)
    if live is not None and live.status == ConnectionStatus.CONNECTED and not authorization_warning(live):
        # (Near the end of the authorization, reauthorizing the same company is how it is renewed.)
        raise ConnectError(f"QuickBooks company “{live.company_name}” is already connected. Disconnect it first.")
    state = secrets.token_urlsafe(32)
    OAuthState.objects.create(state=state, organization=organization, user=user,
                              session_key_hash=_session_hash(session_key))
    try:
        auth = make_auth_client()
    except AuthClientError as exc:
        raise ConnectError(with_reference(
            f"QuickBooks refused to start the connection (HTTP {exc.status_code}). Try again in a few minutes.",
            exc.intuit_tid)) from None
    except requests.RequestException:
        raise ConnectError("QuickBooks could not be reached to start the connection. Try again in a few "
                           "minutes.") from None
    return auth.get_authorization_url([Scopes.ACCOUNTING], state_token=state)


def _consume_state(*, organization: Organization, user: User, session_key: str, state: str) -> None:
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


def _exchange(*, code: str, realm_id: str) -> tuple[AuthClient, str, CompanyFacts]:
    """Exchange the code and read the company's name. A grant we got but cannot use is revoked at once:
    a live grant nobody holds is exactly what Intuit's review flags."""
    try:
        # Inside the try: building the client fetches the discovery document over the network too.
        auth = make_auth_client()
        auth.get_bearer_token(code, realm_id=realm_id)
    except AuthClientError as exc:
        raise ConnectError(with_reference(
            f"QuickBooks refused the authorization (HTTP {exc.status_code}). Nothing was connected; start again.",
            exc.intuit_tid)) from None
    except requests.RequestException:
        raise ConnectError("QuickBooks could not be reached to finish connecting. Nothing was connected; "
                           "try again in a few minutes.") from None
    try:
        client = QboClient(realm_id=realm_id, access_token=auth.access_token)
        info = client.company_info()
    except QboError as exc:
        grant_revoke(auth=auth)
        raise ConnectError(with_reference(
            "QuickBooks accepted the authorization but did not answer when asked for the company's details, "
            "so the authorization was withdrawn and nothing was connected. Try again in a few minutes.",
            exc.call.intuit_tid)) from None
    except requests.RequestException:
        grant_revoke(auth=auth)
        raise ConnectError("QuickBooks could not be reached to read the company's details, so the authorization "
                           "was withdrawn and nothing was connected. Try again in a few minutes.") from None
    return auth, str(info.get("CompanyName", "") or ""), _company_facts(client, info)


def _company_facts(client: QboClient, info: dict[str, Any]) -> CompanyFacts:
    """The company's kind, flags and tax codes, read right after CompanyInfo. A failure leaves the kind
    unread (the QuickBooks page offers "Re-read company settings"); it never undoes the connection."""
    facts = QuickBooksConnection()
    try:
        company_read(connection=facts, client=client, info=info)
    except (QboError, requests.RequestException):
        log.warning("qbo.company_read_failed: the company settings could not be read on connect")
    return facts


def _facts_apply(conn: QuickBooksConnection, facts: CompanyFacts) -> None:
    if facts.company_read_at is None:
        return
    for name in COMPANY_FIELDS:
        setattr(conn, name, getattr(facts, name))


def grant_revoke(*, auth: AuthClient | None = None, refresh_token: str = "") -> bool:
    """Revoke a grant at Intuit (best effort): its refresh token, which ends its access token too."""
    token = refresh_token or (auth.refresh_token if auth is not None else "")
    if not token:
        return True
    try:
        (auth or make_auth_client()).revoke(token=token)
    except (AuthClientError, requests.RequestException):
        log.warning("qbo.revoke_failed: a grant could not be revoked at Intuit")
        return False
    return True


def switch_needed(*, organization: Organization, realm_id: str) -> QuickBooksConnection | None:
    """The company the organization was linked to before, when `realm_id` is a different one: a switch
    would push every local customer QBO B lacks, so it waits for the Owner's confirmation."""
    previous = connection_latest(organization=organization)
    if previous is None or (previous.realm_id, previous.environment) == (realm_id, settings.QBO_ENVIRONMENT):
        return None
    return previous


def connect_complete(*, organization: Organization, user: User, session_key: str,
                     params: dict[str, str]) -> QuickBooksConnection:
    """Finish the OAuth flow. Returns the connection: connected, or (a different company than the last
    one) holding the grant with `switch_pending_at` set, waiting for `switch_confirm`."""
    _consume_state(organization=organization, user=user, session_key=session_key, state=params.get("state", ""))
    if params.get("error"):
        audit_record(organization=organization, action="connect_cancelled", actor=user, detail=params["error"])
        raise ConnectError("The connection to QuickBooks was cancelled; nothing changed.")
    code, realm_id = params.get("code", ""), params.get("realmId", "")
    if not code or not realm_id:
        raise ConnectError("The reply from QuickBooks had no authorization code or company id.")
    live = connection_live(organization=organization)
    if live is not None and live.realm_id != realm_id:
        # Checked before the exchange: an unexchanged code creates no grant (QBO: codes die in minutes).
        raise ConnectError(
            f"This organization is linked to QuickBooks company “{live.company_name}”. Disconnect it before "
            "connecting a different company. Nothing was exchanged with QuickBooks."
        )
    auth, company_name, facts = _exchange(code=code, realm_id=realm_id)
    try:
        if live is None and switch_needed(organization=organization, realm_id=realm_id) is not None:
            return _switch_hold(organization=organization, user=user, realm_id=realm_id, auth=auth,
                                company_name=company_name, facts=facts)
        return _connection_save(organization=organization, user=user, realm_id=realm_id, auth=auth,
                                company_name=company_name, facts=facts)
    except IntegrityError:
        # Another tab connected a company meanwhile (one live link per organization).
        grant_revoke(auth=auth)
        raise ConnectError("Another QuickBooks connection was made for this organization at the same time; this "
                           "one was withdrawn. Reload the page to see which company is connected.") from None
    except Exception:
        grant_revoke(auth=auth)
        raise


@transaction.atomic
def _switch_hold(*, organization: Organization, user: User, realm_id: str, auth: AuthClient,
                 company_name: str, facts: CompanyFacts) -> QuickBooksConnection:
    """Keep the new company's grant on a row that stays Disconnected: nothing syncs, no import runs."""
    for stale in QuickBooksConnection.objects.select_for_update().filter(
            organization=organization, switch_pending_at__isnull=False).exclude(realm_id=realm_id):
        switch_drop(connection=stale)  # one pending switch at a time: the latest choice wins
    conn, _ = QuickBooksConnection.objects.select_for_update().get_or_create(
        organization=organization, realm_id=realm_id, environment=settings.QBO_ENVIRONMENT,
        defaults={"status": ConnectionStatus.DISCONNECTED},
    )
    tokens_store(connection=conn, auth=auth)
    conn.company_name, conn.switch_pending_at = company_name, timezone.now()
    _facts_apply(conn, facts)
    conn.save()
    tax_codes_suggest(connection=conn)
    audit_record(organization=organization, action="switch_pending", actor=user,
                 detail=f"{company_name} (realm {realm_id}) waits for confirmation; nothing was sent")
    return conn


def switch_drop(*, connection: QuickBooksConnection) -> bool:
    """Cancel a pending switch: revoke its grant, wipe the tokens; a row that never was connected goes."""
    revoked = grant_revoke(refresh_token=connection.refresh_token)
    if connection.connected_at is None:
        connection.delete()
        return revoked
    connection.access_token = connection.refresh_token = ""
    connection.access_token_expires_at = connection.switch_pending_at = None
    connection.save()
    return revoked


@transaction.atomic
def _connection_save(*, organization: Organization, user: User, realm_id: str, auth: AuthClient,
                     company_name: str, facts: CompanyFacts) -> QuickBooksConnection:
    conn, created = QuickBooksConnection.objects.select_for_update().get_or_create(
        organization=organization, realm_id=realm_id, environment=settings.QBO_ENVIRONMENT,
    )
    tokens_store(connection=conn, auth=auth)
    conn.company_name = company_name
    _facts_apply(conn, facts)
    conn.save()
    tax_codes_suggest(connection=conn)
    return connection_activate(connection=conn, user=user, first_time=created)


def connection_activate(*, connection: QuickBooksConnection, user: User,
                        first_time: bool, switched_from: str = "") -> QuickBooksConnection:
    """Make a connection live (in the caller's transaction) and queue its initial sync, which matches
    before it creates anything."""
    conn = connection
    first_time = first_time or conn.connected_at is None
    conn.status, conn.status_reason, conn.switch_pending_at = ConnectionStatus.CONNECTED, "", None
    conn.connected_by, conn.connected_at, conn.disconnected_at = user, timezone.now(), None
    conn.save()
    resumed = jobs_resume_for_connection(connection=conn)
    detail = f"{conn.company_name} (realm {conn.realm_id})" + (f"; {resumed} paused items resumed" if resumed else "")
    if switched_from:
        detail += f"; switched from {switched_from}"
    audit_record(connection=conn, action="connected" if first_time else "reconnected", actor=user, detail=detail)

    # The initial sync: its run row commits with the connection; a worker is rung on commit.
    import_request(connection=conn, actor=user)
    return conn


def connection_disconnect(*, connection: QuickBooksConnection, actor: User) -> bool:
    """Revoke at Intuit (best effort), wipe the tokens, stop syncing. Returns whether the revoke worked.
    Every record and mapping stays on both sides, so a reconnect resumes where it left off."""
    revoked = grant_revoke(refresh_token=connection.refresh_token)
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
