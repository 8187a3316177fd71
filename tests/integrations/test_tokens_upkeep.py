"""The scheduled upkeep refreshes tokens that would otherwise lapse, and audits what fails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from accounts.models import Organization, Role
from integrations.connection.tasks import refresh_expiring_tokens
from integrations.models import AuditEvent, ConnectionStatus, QuickBooksConnection
from tests.integrations.conftest import Qbo

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected_org(qbo: Qbo, make_org: Callable, client_for: Callable, connect: Callable) -> Callable:
    def _make(company: str) -> QuickBooksConnection:
        organization: Organization = make_org(company + " Org")
        client: Client = client_for(organization, Role.OWNER)
        return connect(client, organization, qbo.company(company))

    return _make


def _age(conn: QuickBooksConnection, **fields: object) -> None:
    QuickBooksConnection.objects.filter(pk=conn.pk).update(**fields)


def test_refreshes_only_the_connections_that_are_due(qbo: Qbo, connected_org: Callable) -> None:
    stale, ending, fresh = connected_org("Stale Co"), connected_org("Ending Co"), connected_org("Fresh Co")
    now = timezone.now()
    _age(stale, last_refreshed_at=now - timedelta(days=8))
    _age(ending, refresh_token_expires_at=now + timedelta(days=30))
    before = {c.pk: qbo.refreshes(c.realm_id) for c in (stale, ending, fresh)}

    counts = refresh_expiring_tokens()

    assert counts == {"refreshed": 2, "expired": 0, "failed": 0, "switches_withdrawn": 0}
    assert qbo.refreshes(stale.realm_id) == before[stale.pk] + 1
    assert qbo.refreshes(ending.realm_id) == before[ending.pk] + 1
    assert qbo.refreshes(fresh.realm_id) == before[fresh.pk]
    stale.refresh_from_db()
    ending.refresh_from_db()
    assert stale.last_refreshed_at > now - timedelta(minutes=1)
    assert ending.refresh_token_expires_at > now + timedelta(days=90)  # the 100-day clock restarted


def test_a_dead_grant_is_marked_expired_and_audited_and_others_still_refresh(qbo: Qbo,
                                                                            connected_org: Callable) -> None:
    dead, alive = connected_org("Removed App Co"), connected_org("Alive Co")
    old = timezone.now() - timedelta(days=10)
    _age(dead, last_refreshed_at=old)
    _age(alive, last_refreshed_at=old)
    qbo.control.revoke(dead.realm_id)

    counts = refresh_expiring_tokens()

    assert counts == {"refreshed": 1, "expired": 1, "failed": 0, "switches_withdrawn": 0}
    assert QuickBooksConnection.objects.get(pk=dead.pk).status == ConnectionStatus.AUTH_EXPIRED
    assert AuditEvent.objects.filter(organization=dead.organization, action="authorization_expired").exists()
    assert QuickBooksConnection.objects.get(pk=alive.pk).status == ConnectionStatus.CONNECTED


def test_unreachable_qbo_is_audited_as_a_refresh_failure(qbo: Qbo, settings: object,
                                                         connected_org: Callable) -> None:
    conn = connected_org("Offline Co")
    _age(conn, last_refreshed_at=timezone.now() - timedelta(days=9))
    settings.QBO_SIM_URL = "http://127.0.0.1:9"

    counts = refresh_expiring_tokens()

    assert counts == {"refreshed": 0, "expired": 0, "failed": 1, "switches_withdrawn": 0}
    stored = QuickBooksConnection.objects.get(pk=conn.pk)
    assert stored.status == ConnectionStatus.CONNECTED and stored.refresh_token == conn.refresh_token
    event = AuditEvent.objects.get(organization=conn.organization, action="refresh_failed")
    assert "will be retried" in event.detail


def test_beat_runs_the_upkeep() -> None:
    entry = django_settings.CELERY_BEAT_SCHEDULE["qbo-token-upkeep"]
    assert entry["task"] == refresh_expiring_tokens.name
    assert 60 <= float(entry["schedule"]) <= 24 * 3600
