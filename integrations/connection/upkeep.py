"""The scheduled token upkeep: refresh tokens that would otherwise lapse while nobody syncs.

A refresh token lives ~100 days from its last use and its value rotates about daily; a company with no
sync traffic for months would lose its authorization silently. Refreshing every few days keeps it alive.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from integrations.models import ConnectionStatus, QuickBooksConnection
from integrations.qbo.errors import QboError, QboReauthorizationRequired
from integrations.qbo.tokens import access_token_for
from integrations.services.audit import audit_record

log = logging.getLogger(__name__)
RENEW_WHEN_ENDING_WITHIN = timedelta(days=60)
RENEW_WHEN_OLDER_THAN = timedelta(days=7)


@dataclass
class UpkeepResult:
    refreshed: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def refresh_due(connection: QuickBooksConnection, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    ends = connection.refresh_token_expires_at
    last = connection.last_refreshed_at
    return (ends is None or ends <= now + RENEW_WHEN_ENDING_WITHIN
            or last is None or last <= now - RENEW_WHEN_OLDER_THAN)


def tokens_refresh_due() -> UpkeepResult:
    """Refresh every connected company whose tokens are due; audit each failure. One failure does not
    stop the others."""
    result = UpkeepResult()
    candidates = QuickBooksConnection.objects.filter(status=ConnectionStatus.CONNECTED).exclude(refresh_token="")
    for conn in candidates.only("id", "refresh_token_expires_at", "last_refreshed_at"):
        if not refresh_due(conn):
            continue
        try:
            # The predicate runs again under the row lock: a sync may have refreshed it meanwhile.
            access_token_for(connection_id=conn.pk, must_refresh=refresh_due)
        except QboReauthorizationRequired:
            result.expired.append(conn.pk)  # the token service already marked and audited it
        except QboError as exc:
            result.failed.append(conn.pk)
            log.warning("qbo.token_upkeep_failed connection=%s kind=%s", conn.pk, exc.kind)
            full = QuickBooksConnection.objects.get(pk=conn.pk)
            audit_record(connection=full, action="refresh_failed",
                         detail=f"Scheduled token refresh failed: {exc.message} It will be retried.")
        else:
            result.refreshed.append(conn.pk)
    return result
