"""Disconnect: a confirmation step, revoke at Intuit, tokens wiped, syncing stopped, every record kept."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from intuitlib.exceptions import AuthClientError

from accounts.models import Organization
from customers.models import Customer
from integrations.models import AuditEvent, ConnectionStatus, ExternalRef, JobState, QuickBooksConnection, SyncJob
from integrations.qbo.errors import QboReauthorizationRequired
from integrations.qbo.tokens import access_token_for, client_for
from invoicing.models import Invoice
from qbo_sim.testing import make_auth_client
from tests.integrations.conftest import PAGE, Qbo, flashes

pytestmark = pytest.mark.django_db
DISCONNECT = PAGE + "disconnect/"


@pytest.fixture
def connected(qbo: Qbo, org: Organization, owner_client: Client, connect: Callable,
              make_invoice: Callable) -> QuickBooksConnection:
    invoice = make_invoice(org)
    conn = connect(owner_client, org, qbo.company("Harbor Ledger Co"))
    ExternalRef.objects.create(connection=conn, object_type="customer", local_id=invoice.customer_id, qbo_id="58")
    SyncJob.objects.create(connection=conn, object_type="invoice", local_id=invoice.pk, state=JobState.QUEUED)
    return conn


def test_confirmation_page_then_disconnect_revokes_and_keeps_everything(
        qbo: Qbo, org: Organization, owner_client: Client, connected: QuickBooksConnection) -> None:
    old_refresh, realm = connected.refresh_token, connected.realm_id
    confirm = owner_client.get(DISCONNECT)
    assert confirm.status_code == 200 and "Harbor Ledger Co" in confirm.content.decode()
    assert QuickBooksConnection.objects.get(pk=connected.pk).status == ConnectionStatus.CONNECTED  # GET changes nothing

    response = owner_client.post(DISCONNECT, {"confirm": "True"})

    assert response.status_code == 302 and response["Location"] == PAGE
    conn = QuickBooksConnection.objects.get(pk=connected.pk)
    assert conn.status == ConnectionStatus.DISCONNECTED and conn.disconnected_at is not None
    assert (conn.access_token, conn.refresh_token) == ("", "")
    # Revoked at Intuit: the simulator now refuses the refresh token we held.
    with pytest.raises(AuthClientError) as refused:
        make_auth_client(qbo.url).refresh(refresh_token=old_refresh)
    assert refused.value.status_code == 400 and b"invalid_grant" in refused.value.content
    assert any(r["path"] == "/v2/oauth2/tokens/revoke" for r in qbo.control.requests())
    # Every record and mapping stays; queued work is paused, not dropped.
    assert Customer.objects.for_org(org).count() == 1 and Invoice.objects.for_org(org).count() == 1
    assert ExternalRef.objects.filter(connection=conn).count() == 1
    assert list(SyncJob.objects.filter(connection=conn).values_list("state", flat=True)) == [JobState.PAUSED]
    assert AuditEvent.objects.get(organization=org, action="disconnected").detail == "tokens revoked at Intuit"
    messages = flashes(owner_client)
    assert any("Disconnected from “Harbor Ledger Co”" in m and "kept" in m for m in messages)
    # No QBO call after it: getting a client refuses locally.
    calls = qbo.api_calls(realm)
    with pytest.raises(QboReauthorizationRequired):
        client_for(conn)
    assert qbo.api_calls(realm) == calls


def test_post_without_confirmation_disconnects_nothing(qbo: Qbo, owner_client: Client,
                                                       connected: QuickBooksConnection) -> None:
    response = owner_client.post(DISCONNECT, {})

    assert response.status_code == 400
    assert QuickBooksConnection.objects.get(pk=connected.pk).status == ConnectionStatus.CONNECTED
    assert client_for(connected).company_info()["CompanyName"] == "Harbor Ledger Co"


def test_failed_revoke_still_disconnects_locally_and_says_so(qbo: Qbo, settings: object, org: Organization,
                                                            owner_client: Client,
                                                            connected: QuickBooksConnection) -> None:
    settings.QBO_SIM_URL = "http://127.0.0.1:9"  # nothing listens on the discard port: Intuit unreachable

    owner_client.post(DISCONNECT, {"confirm": "True"})

    conn = QuickBooksConnection.objects.get(pk=connected.pk)
    assert conn.status == ConnectionStatus.DISCONNECTED and (conn.access_token, conn.refresh_token) == ("", "")
    assert "could not be told" in conn.status_reason
    assert AuditEvent.objects.get(organization=org, action="disconnected").detail.startswith("revoke failed")
    assert any("could not be told to revoke" in m for m in flashes(owner_client))


def test_nothing_to_disconnect(qbo: Qbo, owner_client: Client) -> None:
    response = owner_client.post(DISCONNECT, {"confirm": "True"})
    assert response.status_code == 302
    assert any("No QuickBooks company is connected" in m for m in flashes(owner_client))


def test_no_token_refresh_after_disconnect(qbo: Qbo, owner_client: Client, connected: QuickBooksConnection) -> None:
    realm = connected.realm_id
    owner_client.post(DISCONNECT, {"confirm": "True"})
    refreshes = qbo.refreshes(realm)

    with pytest.raises(QboReauthorizationRequired):
        access_token_for(connection_id=connected.pk, failed_token="anything")

    assert qbo.refreshes(realm) == refreshes
