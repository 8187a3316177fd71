"""Switching QuickBooks company: the Owner's explicit choice before anything reaches the new company.

Connecting a company other than the one the organization was linked to last leaves the new grant on a
Disconnected row (`switch_pending_at`, see oauth.connect_complete). Confirming activates it and queues
the initial sync, which matches local records against the new company before creating the rest;
cancelling revokes the grant. The old company's mappings stay on its own row, unused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from integrations.connection.oauth import ConnectError, connection_activate, switch_drop
from integrations.models import QuickBooksConnection
from integrations.selectors import connection_latest, connection_live, connection_switch_pending
from integrations.services.audit import audit_record

# Long enough to read the page and decide; short enough that a forgotten grant does not stay live.
SWITCH_TTL = timedelta(hours=1)


@dataclass(frozen=True)
class PendingSwitch:
    connection: QuickBooksConnection
    previous: QuickBooksConnection | None
    expires_at: object


def switch_pending(*, organization: Organization) -> PendingSwitch | None:
    """The switch waiting for the Owner, with the company it replaces (read-only)."""
    conn = connection_switch_pending(organization=organization)
    if conn is None or conn.switch_pending_at is None:
        return None
    return PendingSwitch(connection=conn, previous=connection_latest(organization=organization),
                         expires_at=conn.switch_pending_at + SWITCH_TTL)


def _expired(conn: QuickBooksConnection) -> bool:
    return conn.switch_pending_at is not None and conn.switch_pending_at + SWITCH_TTL < timezone.now()


def switch_confirm(*, organization: Organization, user: User) -> QuickBooksConnection:
    """Activate the pending company and queue its initial sync (match first, then create)."""
    problem = ""
    with transaction.atomic():
        conn = (QuickBooksConnection.objects.select_for_update()
                .filter(organization=organization, switch_pending_at__isnull=False).first())
        if conn is None:
            raise ConnectError("No company switch is waiting for confirmation; nothing changed.")
        live = connection_live(organization=organization)
        if _expired(conn):
            problem = "The switch waited too long and was withdrawn; nothing was sent. Connect again to switch."
        elif live is not None:
            problem = (f"QuickBooks company “{live.company_name}” was connected meanwhile, so the switch was "
                       "withdrawn; nothing was sent.")
        else:
            previous = connection_latest(organization=organization)
            name = f"{previous.company_name} (realm {previous.realm_id})" if previous else ""
            return connection_activate(connection=conn, user=user, first_time=False, switched_from=name)
    switch_drop(connection=conn)
    raise ConnectError(problem)


def switch_cancel(*, organization: Organization, user: User) -> QuickBooksConnection | None:
    """Withdraw the pending company's grant; nothing was or will be sent to it. Returns the dropped row."""
    conn = connection_switch_pending(organization=organization)
    if conn is None:
        return None
    name, realm = conn.company_name, conn.realm_id
    revoked = switch_drop(connection=conn)
    audit_record(organization=organization, action="switch_cancelled", actor=user,
                 detail=f"{name} (realm {realm}); " + ("authorization revoked at Intuit" if revoked else
                                                        "revoke failed; tokens wiped here"))
    return conn


def switch_expire_stale(*, now: datetime | None = None) -> int:
    """Withdraw every pending switch nobody decided within SWITCH_TTL (token upkeep calls this)."""
    cutoff = (now or timezone.now()) - SWITCH_TTL
    stale = list(QuickBooksConnection.objects.filter(switch_pending_at__lt=cutoff))
    for conn in stale:
        switch_drop(connection=conn)
    return len(stale)
