"""Reconnect: the same company reuses the connection row and its mappings; a different company while one
is live is refused before any code exchange."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Organization
from integrations.models import AuditEvent, ConnectionStatus, ExternalRef, JobState, QuickBooksConnection, SyncJob
from integrations.qbo.errors import QboReauthorizationRequired
from integrations.qbo.tokens import access_token_for, client_for
from tests.integrations.conftest import CALLBACK, PAGE, Qbo, authorize_at_sim, flashes, start_connect

pytestmark = pytest.mark.django_db


def _expire_authorization(qbo: Qbo, conn: QuickBooksConnection) -> None:
    qbo.control.revoke(conn.realm_id)
    with pytest.raises(QboReauthorizationRequired):
        access_token_for(connection_id=conn.pk, failed_token=conn.access_token)
    conn.refresh_from_db()
    assert conn.status == ConnectionStatus.AUTH_EXPIRED


def test_reconnect_same_company_reuses_row_mappings_and_resumes_work(
        qbo: Qbo, org: Organization, owner_client: Client, connect: Callable) -> None:
    realm = qbo.company("Cedar Books")
    first = connect(owner_client, org, realm)
    ref = ExternalRef.objects.create(connection=first, object_type="customer", local_id=7, qbo_id="41")
    SyncJob.objects.create(connection=first, object_type="customer", local_id=7, state=JobState.QUEUED)
    owner_client.post(PAGE + "disconnect/", {"confirm": "True"})

    again = connect(owner_client, org, realm)

    assert again.pk == first.pk and again.status == ConnectionStatus.CONNECTED
    assert list(ExternalRef.objects.filter(connection=again)) == [ref]
    assert SyncJob.objects.get(connection=again).state == JobState.QUEUED
    assert AuditEvent.objects.filter(organization=org, action="reconnected").count() == 1
    assert client_for(again).company_info()["CompanyName"] == "Cedar Books"


def test_reauthorize_after_expiry_uses_the_same_row(qbo: Qbo, org: Organization, owner_client: Client,
                                                    connect: Callable) -> None:
    realm = qbo.company("Willow Accounts")
    conn = connect(owner_client, org, realm)
    _expire_authorization(qbo, conn)
    page = owner_client.get(PAGE).content.decode()
    assert "Authorization expired" in page and "Reconnect to QuickBooks" in page

    again = connect(owner_client, org, realm)

    assert again.pk == conn.pk and again.status == ConnectionStatus.CONNECTED and again.status_reason == ""
    assert client_for(again).company_info()["CompanyName"] == "Willow Accounts"


def test_different_company_while_one_is_live_is_refused(qbo: Qbo, org: Organization, owner_client: Client,
                                                        connect: Callable) -> None:
    first_realm, other_realm = qbo.company("Birch Ledger"), qbo.company("Someone Else Inc")
    conn = connect(owner_client, org, first_realm)
    ExternalRef.objects.create(connection=conn, object_type="customer", local_id=3, qbo_id="12")
    _expire_authorization(qbo, conn)  # reauthorizing is allowed, so the Connect button is back

    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=other_realm)
    owner_client.get(CALLBACK, params)

    assert qbo.exchanges(other_realm) == 0
    assert list(QuickBooksConnection.objects.filter(organization=org).values_list("realm_id", flat=True)) == [
        first_realm]
    assert ExternalRef.objects.filter(connection=conn).count() == 1
    assert any("Disconnect it before connecting a different company" in m for m in flashes(owner_client))


def test_different_company_after_disconnect_gets_fresh_links(qbo: Qbo, org: Organization, owner_client: Client,
                                                             connect: Callable) -> None:
    first = connect(owner_client, org, qbo.company("Old Books"))
    ExternalRef.objects.create(connection=first, object_type="customer", local_id=3, qbo_id="12")
    owner_client.post(PAGE + "disconnect/", {"confirm": "True"})

    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=qbo.company("New Books"))
    assert owner_client.get(CALLBACK, params)["Location"] == PAGE + "switch/"  # a switch waits for the Owner
    owner_client.post(PAGE + "switch/", {"decision": "confirm"})
    second = QuickBooksConnection.objects.get(organization=org, company_name="New Books")

    assert second.pk != first.pk and second.status == ConnectionStatus.CONNECTED
    assert not ExternalRef.objects.filter(connection=second).exists()  # never another company's ids
    assert ExternalRef.objects.filter(connection=first).count() == 1
    page = owner_client.get(PAGE).content.decode()
    assert "New Books" in page and "One accounting integration at a time" in page
