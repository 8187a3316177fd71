"""Switching QuickBooks company (issue 11.3): connecting a company other than the one the organization
was linked to last stops before anything reaches it, shows both companies, and goes on only when the
Owner confirms; the initial sync then matches before it creates. Cancelling leaves the new company
untouched and its grant revoked. All over HTTP against the simulator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from customers.models import Customer
from integrations.connection.tasks import refresh_expiring_tokens
from integrations.models import AuditEvent, ConnectionStatus, ExternalRef, ImportRun, QuickBooksConnection
from tests.integrations.conftest import CALLBACK, PAGE, Qbo, authorize_at_sim, flashes, start_connect
from tests.integrations.import_helpers import customer, qbo_names, run_import

pytestmark = pytest.mark.django_db
SWITCH = PAGE + "switch/"


def _writes_to(qbo: Qbo, realm: str) -> list[dict[str, Any]]:
    return [r for r in qbo.control.requests() if r["realm"] == realm and r["method"] == "POST"]


@pytest.fixture
def after_company_a(qbo: Qbo, org: Organization, owner_client: Client, connect: Callable,
                    make_customer: Callable) -> QuickBooksConnection:
    """Company A connected and imported (its customers now live here too), then disconnected."""
    realm_a = qbo.company("Alder Books A")
    for name in ("Imported One", "Imported Two", "Shared Name"):
        customer(qbo.control, realm_a, name)
    make_customer(org, "Local Only")
    conn_a = connect(owner_client, org, realm_a)
    run_import(conn_a)
    assert Customer.objects.for_org(org).count() == 4
    owner_client.post(PAGE + "disconnect/", {"confirm": "True"})
    return QuickBooksConnection.objects.get(pk=conn_a.pk)


def test_switch_waits_for_confirmation_names_both_and_matches_first(
        qbo: Qbo, org: Organization, owner_client: Client, after_company_a: QuickBooksConnection) -> None:
    realm_b = qbo.company("Birch Books B")
    shared_in_b = customer(qbo.control, realm_b, "Shared Name")
    refs_a = ExternalRef.objects.filter(connection=after_company_a).count()

    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm_b)
    response = owner_client.get(CALLBACK, params)

    # Stopped before any push: no import queued, nothing written to B, B not live.
    assert response.status_code == 302 and response["Location"] == SWITCH
    conn_b = QuickBooksConnection.objects.get(organization=org, realm_id=realm_b)
    assert conn_b.status == ConnectionStatus.DISCONNECTED and conn_b.switch_pending_at is not None
    assert not ImportRun.objects.filter(connection=conn_b).exists()
    assert _writes_to(qbo, realm_b) == []
    assert qbo_names(qbo.control, realm_b)["Local Only"] == 0
    page = owner_client.get(SWITCH).content.decode()
    assert "Alder Books A" in page and "Birch Books B" in page
    assert "kept but not used" in page and "matches" in page and "Nothing has been sent" in page
    # The QuickBooks page still shows A as the last company and points at the waiting decision.
    qbo_page = owner_client.get(PAGE).content.decode()
    assert 'data-testid="qbo-switch-waiting"' in qbo_page

    confirmed = owner_client.post(SWITCH, {"decision": "confirm"})

    assert confirmed.status_code == 302 and confirmed["Location"] == PAGE
    conn_b.refresh_from_db()
    assert conn_b.status == ConnectionStatus.CONNECTED and conn_b.switch_pending_at is None
    run = run_import(conn_b)
    assert run.state == "done"
    # Matched first: the local "Shared Name" links to B's existing record, no second one is created.
    local_shared = Customer.objects.for_org(org).get(display_name="Shared Name")
    assert ExternalRef.objects.get(connection=conn_b, object_type="customer", local_id=local_shared.pk).qbo_id == \
        str(shared_in_b["Id"])
    names = qbo_names(qbo.control, realm_b)
    assert names["Shared Name"] == 1 and names["Local Only"] == 1 and names["Imported One"] == 1
    # A's links are kept, untouched, on A's own row.
    assert ExternalRef.objects.filter(connection=after_company_a).count() == refs_a
    assert AuditEvent.objects.filter(organization=org, action="switch_pending").count() == 1
    assert "switched from Alder Books A" in AuditEvent.objects.get(connection=conn_b, action="connected").detail


def test_cancelling_the_switch_sends_nothing_and_revokes_the_grant(
        qbo: Qbo, org: Organization, owner_client: Client, after_company_a: QuickBooksConnection) -> None:
    realm_b = qbo.company("Cedar Books B")
    owner_client.get(CALLBACK, authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm_b))

    response = owner_client.post(SWITCH, {"decision": "cancel"})

    assert response.status_code == 302 and response["Location"] == PAGE
    assert not QuickBooksConnection.objects.filter(organization=org, realm_id=realm_b).exists()
    assert qbo.control.revoke(realm_b) == 0  # no grant for B is left live at Intuit
    assert any(r["path"] == "/v2/oauth2/tokens/revoke" for r in qbo.control.requests())
    assert _writes_to(qbo, realm_b) == []
    assert not ImportRun.objects.filter(connection__realm_id=realm_b).exists()
    assert any("nothing was sent" in m for m in flashes(owner_client))
    page = owner_client.get(PAGE).content.decode()
    assert "Alder Books A" in page and 'data-testid="qbo-switch-waiting"' not in page


def test_reconnecting_the_same_company_needs_no_confirmation(
        qbo: Qbo, org: Organization, owner_client: Client, after_company_a: QuickBooksConnection,
        connect: Callable) -> None:
    again = connect(owner_client, org, after_company_a.realm_id)
    assert again.pk == after_company_a.pk and again.status == ConnectionStatus.CONNECTED


def test_other_roles_cannot_confirm_a_switch(qbo: Qbo, org: Organization, owner_client: Client,
                                            after_company_a: QuickBooksConnection, client_for: Callable) -> None:
    realm_b = qbo.company("Dogwood Books B")
    owner_client.get(CALLBACK, authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm_b))

    refused = client_for(org, Role.ADMIN).post(SWITCH, {"decision": "confirm"})

    assert refused.status_code == 403
    assert QuickBooksConnection.objects.get(realm_id=realm_b).status == ConnectionStatus.DISCONNECTED


def test_the_api_shows_the_pending_switch_and_needs_an_explicit_decision(
        qbo: Qbo, org: Organization, owner_client: Client, after_company_a: QuickBooksConnection,
        api_client_for: Callable) -> None:
    realm_b = qbo.company("Elm Books B")
    owner_client.get(CALLBACK, authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm_b))
    api: APIClient = api_client_for(org, Role.OWNER)

    body = api.get("/api/v1/integrations/quickbooks/").json()
    assert body["connection"]["status"] == "disconnected"
    assert body["pending_switch"]["company_name"] == "Elm Books B"
    assert body["pending_switch"]["previous_company_name"] == "Alder Books A"
    unclear = api.post("/api/v1/integrations/quickbooks/switch/", {"decision": "maybe"}, format="json")
    assert unclear.status_code == 400
    assert QuickBooksConnection.objects.get(realm_id=realm_b).status == ConnectionStatus.DISCONNECTED
    assert _writes_to(qbo, realm_b) == []

    done = api.post("/api/v1/integrations/quickbooks/switch/", {"decision": "confirm"}, format="json")

    assert done.status_code == 200, done.content
    assert done.json()["connection"]["company_name"] == "Elm Books B"
    assert done.json()["connection"]["status"] == "connected" and done.json()["pending_switch"] is None
    assert ImportRun.objects.filter(connection__realm_id=realm_b).count() == 1


def test_an_undecided_switch_is_withdrawn_by_the_upkeep(
        qbo: Qbo, org: Organization, owner_client: Client, after_company_a: QuickBooksConnection) -> None:
    realm_b = qbo.company("Fir Books B")
    owner_client.get(CALLBACK, authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm_b))
    QuickBooksConnection.objects.filter(realm_id=realm_b).update(switch_pending_at=timezone.now() - timedelta(hours=2))

    assert refresh_expiring_tokens()["switches_withdrawn"] == 1

    assert not QuickBooksConnection.objects.filter(realm_id=realm_b).exists()
    assert qbo.control.revoke(realm_b) == 0
    late = owner_client.post(SWITCH, {"decision": "confirm"})
    assert late["Location"] == PAGE and _writes_to(qbo, realm_b) == []
