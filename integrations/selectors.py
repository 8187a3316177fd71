"""Reads of the QuickBooks integration."""

from __future__ import annotations

from accounts.models import Organization
from integrations.models import AuditEvent, ConnectionStatus, QuickBooksConnection, SyncPreferences


def connection_live(*, organization: Organization) -> QuickBooksConnection | None:
    """The organization's current link (connected or authorization expired), if any."""
    return (QuickBooksConnection.objects.filter(organization=organization)
            .exclude(status=ConnectionStatus.DISCONNECTED).select_related("connected_by").first())


def connection_latest(*, organization: Organization) -> QuickBooksConnection | None:
    """The live link, else the most recently disconnected one (for the status panel)."""
    return connection_live(organization=organization) or (
        QuickBooksConnection.objects.filter(organization=organization, switch_pending_at__isnull=True)
        .select_related("connected_by").order_by("-disconnected_at", "-id").first()
    )


def connection_switch_pending(*, organization: Organization) -> QuickBooksConnection | None:
    """A different company's grant waiting for the Owner to confirm the switch (never live)."""
    return (QuickBooksConnection.objects.filter(organization=organization, switch_pending_at__isnull=False,
                                                status=ConnectionStatus.DISCONNECTED)
            .order_by("-switch_pending_at").first())


def connection_active(*, organization: Organization) -> QuickBooksConnection | None:
    """The link that sync work may use now (connected and a paid plan)."""
    if not organization.is_paid_plan:
        return None
    return QuickBooksConnection.objects.filter(organization=organization, status=ConnectionStatus.CONNECTED).first()


def preferences_for(*, organization: Organization) -> SyncPreferences:
    prefs, _ = SyncPreferences.objects.get_or_create(organization=organization)
    return prefs


def audit_events(*, organization: Organization, limit: int = 50) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(organization=organization).select_related("actor")[:limit])
