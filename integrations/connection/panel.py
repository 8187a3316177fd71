"""What the QuickBooks settings page shows: a read-only snapshot of the organization's connection."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from accounts.models import Organization
from integrations.models import AuditEvent, ConnectionStatus, JobState, QboEnvironment, QuickBooksConnection, SyncJob
from integrations.qbo.client import company_url
from integrations.selectors import connection_latest

# The rolling 100-day end is renewed by token upkeep while connected, so it is only worth a word late;
# the 5-year hard end (x_refresh_token_hard_expires_in) moves only when the Owner reconnects: warn early.
EXPIRY_WARNING = timedelta(days=14)
HARD_EXPIRY_WARNING = timedelta(days=30)
_PENDING = (JobState.QUEUED, JobState.RUNNING, JobState.BACKOFF)


@dataclass(frozen=True)
class QueueCounts:
    pending: int = 0
    errors: int = 0
    paused: int = 0


@dataclass(frozen=True)
class Panel:
    status: str  # connected | auth_expired | disconnected | never
    status_label: str
    environment: str
    environment_label: str
    connection: QuickBooksConnection | None = None
    company_url: str = ""
    authorization_ends_at: datetime | None = None
    # True when that end is QuickBooks' 5-year cap (only a reconnect moves it); False when it is the rolling
    # refresh-token end, which every refresh (each sync, the token upkeep) pushes ~100 days forward.
    authorization_capped: bool = False
    expiry_warning: bool = False
    queue: QueueCounts = field(default_factory=QueueCounts)
    version: str = ""

    @property
    def is_live(self) -> bool:
        return self.status in (ConnectionStatus.CONNECTED, ConnectionStatus.AUTH_EXPIRED)


def authorization_end(connection: QuickBooksConnection) -> datetime | None:
    """When the refresh token dies if nothing renews it: the rolling end or the 5-year cap, earlier first."""
    ends = [d for d in (connection.refresh_token_expires_at, connection.refresh_token_hard_expires_at) if d]
    return min(ends) if ends else None


def authorization_warning(connection: QuickBooksConnection, *, now: datetime | None = None) -> bool:
    """Whether people should be told to reconnect before the authorization ends."""
    return ending_soon(status=connection.status, rolling=connection.refresh_token_expires_at,
                       hard=connection.refresh_token_hard_expires_at, now=now)


def ending_soon(*, status: str, rolling: datetime | None, hard: datetime | None,
                now: datetime | None = None) -> bool:
    if status != ConnectionStatus.CONNECTED:
        return False
    now = now or timezone.now()
    return bool((rolling and rolling - now <= EXPIRY_WARNING) or (hard and hard - now <= HARD_EXPIRY_WARNING))


def _queue(connection: QuickBooksConnection) -> QueueCounts:
    rows = SyncJob.objects.filter(connection=connection).exclude(state=JobState.DONE).values("state").annotate(
        n=Count("id"))
    by_state = {row["state"]: row["n"] for row in rows}
    return QueueCounts(pending=sum(by_state.get(s, 0) for s in _PENDING), errors=by_state.get(JobState.ERROR, 0),
                       paused=by_state.get(JobState.PAUSED, 0))


def _version(organization: Organization, conn: QuickBooksConnection | None) -> str:
    # A fingerprint of everything the panel shows: the poll answers "no change" while it holds.
    last_audit = AuditEvent.objects.filter(organization=organization).values_list("id", flat=True).first()
    parts = (organization.plan, conn.pk if conn else None, conn.updated_at.isoformat() if conn else "",
             conn.last_sync_at.isoformat() if conn and conn.last_sync_at else "", last_audit)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def quickbooks_panel(*, organization: Organization, now: datetime | None = None) -> Panel:
    now = now or timezone.now()
    conn = connection_latest(organization=organization)
    if conn is None:
        env = QboEnvironment(settings.QBO_ENVIRONMENT)
        return Panel(status="never", status_label="Not connected", environment=env.value,
                     environment_label=env.label, version=_version(organization, None))
    queue = _queue(conn)
    ends = authorization_end(conn) if conn.status == ConnectionStatus.CONNECTED else None
    return Panel(
        status=conn.status, status_label=conn.get_status_display(), environment=conn.environment,
        environment_label=conn.get_environment_display(), connection=conn,
        company_url=company_url(conn.realm_id) if conn.environment == settings.QBO_ENVIRONMENT else "",
        authorization_ends_at=ends, expiry_warning=authorization_warning(conn, now=now),
        authorization_capped=bool(ends and ends == conn.refresh_token_hard_expires_at),
        queue=queue, version=_version(organization, conn),
    )
