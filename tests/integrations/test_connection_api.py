"""/api/v1/integrations/quickbooks/: status and preferences for members, writes for the Owner only, a
clear 403 for Starter, and never a token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_issue
from accounts.models import Membership, Organization, Plan, Role
from integrations.models import AuditEvent, ConnectionStatus, OAuthState, QuickBooksConnection, SyncPreferences
from tests.integrations.conftest import CALLBACK, Qbo, authorize_at_sim

pytestmark = pytest.mark.django_db
API = "/api/v1/integrations/quickbooks/"
READERS = (Role.ADMIN, Role.DISPATCHER, Role.TECHNICIAN)


def _walk(value: Any) -> list[str]:
    """Every key and string value in a JSON document."""
    if isinstance(value, dict):
        return [k for k in value] + [s for v in value.values() for s in _walk(v)]
    if isinstance(value, list):
        return [s for v in value for s in _walk(v)]
    return [value] if isinstance(value, str) else []


@pytest.fixture
def conn(qbo: Qbo, org: Organization, owner_client: Client,
         connect: Callable[..., QuickBooksConnection]) -> QuickBooksConnection:
    return connect(owner_client, org, qbo.company("Api Ledger Inc"))


@pytest.mark.parametrize("role", [Role.OWNER, *READERS])
def test_every_member_reads_status_and_preferences_without_tokens(
        role: str, conn: QuickBooksConnection, org: Organization,
        api_client_for: Callable[[Organization, str], APIClient]) -> None:
    response = api_client_for(org, role).get(API)

    assert response.status_code == 200
    body = response.json()
    assert body["connection"]["status"] == "connected" and body["connection"]["environment_label"] == "Simulator"
    assert body["connection"]["company_name"] == "Api Ledger Inc" and body["connection"]["realm_id"] == conn.realm_id
    assert body["preferences"] == {"sync_customers": True, "sync_products": True, "sync_invoices": True,
                                   "sync_projects": True, "sync_payments": True, "invoice_trigger": "finalize"}
    assert body["can_manage"] is (role == Role.OWNER)
    strings = _walk(body)
    assert "access_token" not in strings and "refresh_token" not in strings
    assert conn.access_token not in strings and conn.refresh_token not in strings


def test_owner_patches_preferences_and_it_is_audited(org: Organization,
                                                     api_client_for: Callable[[Organization, str], APIClient],
                                                     owner_client: Client) -> None:
    owner = api_client_for(org, Role.OWNER)
    response = owner.patch(API, {"sync_payments": False, "invoice_trigger": "send"}, format="json")

    assert response.status_code == 200
    assert response.json()["preferences"]["sync_payments"] is False
    prefs = SyncPreferences.objects.get(organization=org)
    assert (prefs.sync_payments, prefs.invoice_trigger, prefs.sync_customers) == (False, "send", True)
    event = AuditEvent.objects.get(organization=org, action="preferences_changed")
    assert event.detail == "sync_payments: on → off; invoice_trigger: on finalize → on send"


@pytest.mark.parametrize("body", [{"invoice_trigger": "sometimes"}, {"sync_payments": "perhaps"},
                                  {"sync_payments": False, "sync_everything": True}])
def test_bad_preferences_are_refused_and_nothing_is_saved(
        body: dict, org: Organization, api_client_for: Callable[[Organization, str], APIClient]) -> None:
    response = api_client_for(org, Role.OWNER).patch(API, body, format="json")

    assert response.status_code == 400
    assert set(response.json()) & (set(body) | {"detail"})
    assert SyncPreferences.objects.get_or_create(organization=org)[0].sync_payments is True
    assert not AuditEvent.objects.filter(organization=org).exists()


@pytest.mark.parametrize("role", READERS)
def test_only_the_owner_writes(role: str, conn: QuickBooksConnection, org: Organization,
                               api_client_for: Callable[[Organization, str], APIClient]) -> None:
    client = api_client_for(org, role)
    states = OAuthState.objects.count()

    answers = [client.patch(API, {"sync_payments": False}, format="json"),
               client.post(API + "connect-url/"), client.post(API + "disconnect/")]

    assert [a.status_code for a in answers] == [403, 403, 403]
    assert all("integration.manage" in a.json()["detail"] for a in answers)
    assert QuickBooksConnection.objects.get(pk=conn.pk).status == ConnectionStatus.CONNECTED
    assert OAuthState.objects.count() == states
    assert SyncPreferences.objects.get_or_create(organization=org)[0].sync_payments is True


def test_starter_reads_but_every_write_is_refused_with_the_plan(
        make_org: Callable[..., Organization], api_client_for: Callable[[Organization, str], APIClient]) -> None:
    starter = make_org("Tiny Co", plan=Plan.STARTER)
    owner = api_client_for(starter, Role.OWNER)

    status = owner.get(API)
    answers = [owner.patch(API, {"sync_payments": False}, format="json"), owner.post(API + "connect-url/"),
               owner.post(API + "disconnect/")]

    assert status.status_code == 200 and status.json()["plan_includes_integration"] is False
    assert [a.status_code for a in answers] == [403, 403, 403]
    for answer in answers:
        assert "Pro and Enterprise plans" in answer.json()["detail"] and "Starter" in answer.json()["detail"]
    assert not OAuthState.objects.filter(organization=starter).exists()


def test_connect_url_with_a_token_then_finishing_in_the_browser(
        qbo: Qbo, org: Organization, member: Callable[[Organization, str], Membership]) -> None:
    membership = member(org, Role.OWNER)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=membership.user)}")
    realm = qbo.company("Token Flow Books")

    response = api.post(API + "connect-url/")

    assert response.status_code == 200
    url = response.json()["authorize_url"]
    assert parse_qs(urlsplit(url).query)["scope"] == ["com.intuit.quickbooks.accounting"]
    # The Owner opens it in a browser whose session the API never saw.
    browser = Client()
    browser.force_login(membership.user)
    browser.get(CALLBACK, authorize_at_sim(qbo, url, realm_id=realm))
    assert QuickBooksConnection.objects.get(organization=org).company_name == "Token Flow Books"
    assert qbo.exchanges(realm) == 1


def test_connect_url_refused_while_connected(conn: QuickBooksConnection, org: Organization,
                                             api_client_for: Callable[[Organization, str], APIClient]) -> None:
    response = api_client_for(org, Role.OWNER).post(API + "connect-url/")
    assert response.status_code == 409 and "Disconnect it first" in response.json()["detail"]


def test_disconnect_over_the_api(qbo: Qbo, conn: QuickBooksConnection, org: Organization,
                                 api_client_for: Callable[[Organization, str], APIClient]) -> None:
    owner = api_client_for(org, Role.OWNER)

    response = owner.post(API + "disconnect/")

    assert response.status_code == 200
    body = response.json()
    assert body["revoked"] is True and body["connection"]["status"] == "disconnected"
    assert QuickBooksConnection.objects.get(pk=conn.pk).refresh_token == ""
    again = owner.post(API + "disconnect/")
    assert again.status_code == 409 and again.json()["detail"] == "No QuickBooks company is connected."


def test_anonymous_is_told_to_authenticate() -> None:
    assert APIClient().get(API).status_code == 401


@pytest.mark.parametrize("path", ["company/", "tax-codes/", "deposit-account/", "income-accounts/"])
def test_company_settings_without_a_connection_say_so(path: str, org: Organization,
                                                      api_client_for: Callable[[Organization, str], APIClient]) -> None:
    owner = api_client_for(org, Role.OWNER)
    for response in (owner.get(API + path), owner.patch(API + path, {}, format="json") if path != "company/"
                     else owner.post(API + path)):
        assert response.status_code == 409, (path, response.status_code)
        assert response.json() == {"detail": "No QuickBooks company is connected."}
