"""The token service against the simulator: rotation persisted, one refresh for many workers, 401 retried
once, invalid_grant → Authorization expired, and the scheduled upkeep."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone
from intuitlib.exceptions import AuthClientError

from accounts.models import Organization
from integrations.models import AuditEvent, ConnectionStatus, QuickBooksConnection
from integrations.qbo.errors import QboReauthorizationRequired, QboTransient
from integrations.qbo.tokens import access_token_for, client_for
from qbo_sim.testing import make_auth_client
from tests.integrations.conftest import PAGE, Qbo

pytestmark = pytest.mark.django_db
WORKERS = 20


def _access_looks_expired(conn: QuickBooksConnection) -> None:
    QuickBooksConnection.objects.filter(pk=conn.pk).update(access_token_expires_at=timezone.now() - timedelta(minutes=1))


@pytest.fixture
def conn(qbo: Qbo, org: Organization, owner_client: Client, connect: Callable) -> QuickBooksConnection:
    return connect(owner_client, org, qbo.company("Spruce Bookkeeping"))


def test_fresh_token_is_reused_without_a_refresh(qbo: Qbo, conn: QuickBooksConnection) -> None:
    before = qbo.refreshes(conn.realm_id)
    assert access_token_for(connection_id=conn.pk) == conn.access_token
    assert qbo.refreshes(conn.realm_id) == before


def test_rotated_refresh_token_is_persisted_and_the_old_one_is_dead(qbo: Qbo, conn: QuickBooksConnection) -> None:
    old_refresh, old_access = conn.refresh_token, conn.access_token
    qbo.control.rotate_refresh_now(conn.realm_id)
    _access_looks_expired(conn)

    token = access_token_for(connection_id=conn.pk)

    conn.refresh_from_db()
    assert token == conn.access_token != old_access
    assert conn.refresh_token.startswith("RT1-") and conn.refresh_token != old_refresh
    with pytest.raises(AuthClientError) as dead:
        make_auth_client(qbo.url).refresh(refresh_token=old_refresh)
    assert dead.value.status_code == 400 and b"invalid_grant" in dead.value.content
    # The stored one carries on.
    _access_looks_expired(conn)
    access_token_for(connection_id=conn.pk)
    conn.refresh_from_db()
    assert conn.status == ConnectionStatus.CONNECTED


def test_401_refreshes_once_and_retries_the_call(qbo: Qbo, conn: QuickBooksConnection) -> None:
    qbo.control.expire_tokens(conn.realm_id)  # QBO now rejects the access token our row still trusts
    before = qbo.refreshes(conn.realm_id)

    info = client_for(conn).company_info()

    assert info["CompanyName"] == "Spruce Bookkeeping"
    assert qbo.refreshes(conn.realm_id) == before + 1
    stored = QuickBooksConnection.objects.get(pk=conn.pk)
    assert stored.access_token != conn.access_token


def test_invalid_grant_marks_authorization_expired_and_keeps_the_row(qbo: Qbo, org: Organization,
                                                                     owner_client: Client,
                                                                     conn: QuickBooksConnection) -> None:
    qbo.control.revoke(conn.realm_id)  # e.g. the user removed the app in QuickBooks
    _access_looks_expired(conn)

    with pytest.raises(QboReauthorizationRequired):
        access_token_for(connection_id=conn.pk)

    stored = QuickBooksConnection.objects.get(pk=conn.pk)
    assert stored.status == ConnectionStatus.AUTH_EXPIRED and "invalid_grant" in stored.status_reason
    assert stored.realm_id == conn.realm_id and stored.company_name == "Spruce Bookkeeping"
    assert AuditEvent.objects.filter(organization=org, action="authorization_expired").count() == 1
    page = owner_client.get(PAGE).content.decode()
    assert "Authorization expired" in page and 'data-testid="qbo-auth-expired"' in page


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_workers_cause_exactly_one_refresh(qbo: Qbo, org: Organization, owner_client: Client,
                                                             connect: Callable) -> None:
    conn = connect(owner_client, org, qbo.company("Concurrent Books"))
    _access_looks_expired(conn)
    before = qbo.refreshes(conn.realm_id)
    start = threading.Barrier(WORKERS)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            tokens.append(access_token_for(connection_id=conn.pk))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()  # each thread has its own database connection

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert qbo.refreshes(conn.realm_id) - before == 1
    stored = QuickBooksConnection.objects.get(pk=conn.pk)
    assert len(tokens) == WORKERS and set(tokens) == {stored.access_token}
    assert stored.access_token != conn.access_token and stored.status == ConnectionStatus.CONNECTED


def test_refresh_that_cannot_reach_qbo_is_transient_and_changes_nothing(qbo: Qbo, settings: object,
                                                                       conn: QuickBooksConnection) -> None:
    _access_looks_expired(conn)
    settings.QBO_SIM_URL = "http://127.0.0.1:9"

    with pytest.raises(QboTransient):
        access_token_for(connection_id=conn.pk)

    stored = QuickBooksConnection.objects.get(pk=conn.pk)
    assert stored.status == ConnectionStatus.CONNECTED and stored.refresh_token == conn.refresh_token

