"""Connecting through the real OAuth flow: our Connect button, the simulator's authorize form over HTTP,
our callback. A missing, reused or foreign `state` must exchange nothing (the simulator counts exchanges)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Membership, Organization, Role
from accounts.services import member_add
from integrations.models import AuditEvent, ConnectionStatus, OAuthState, QuickBooksConnection
from integrations.qbo.tokens import client_for
from tests.conftest import PASSWORD
from tests.integrations.conftest import CALLBACK, PAGE, Qbo, authorize_at_sim, flashes, start_connect

pytestmark = pytest.mark.django_db


def _login(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_full_connect_stores_company_tokens_and_who(qbo: Qbo, org: Organization, member: Callable) -> None:
    owner = member(org, Role.OWNER)
    client = _login(owner)
    realm = qbo.company("Maple Ridge Books LLC")

    auth_url = start_connect(client)
    assert "scope=com.intuit.quickbooks.accounting" in auth_url and "state=" in auth_url
    params = authorize_at_sim(qbo, auth_url, realm_id=realm)
    assert set(params) == {"code", "state", "realmId"} and params["realmId"] == realm
    response = client.get(CALLBACK, params)
    assert response.status_code == 302 and response["Location"] == PAGE

    conn = QuickBooksConnection.objects.get(organization=org)
    assert (conn.status, conn.realm_id, conn.environment) == (ConnectionStatus.CONNECTED, realm, "simulator")
    assert conn.company_name == "Maple Ridge Books LLC"  # read from CompanyInfo, not typed by us
    assert conn.connected_by == owner.user and conn.connected_at is not None
    assert conn.access_token and conn.refresh_token.startswith("RT1-")
    assert conn.refresh_token_expires_at is not None and conn.access_token_expires_at is not None
    assert qbo.exchanges(realm) == 1
    # The stored tokens work against QBO.
    assert client_for(conn).company_info()["CompanyName"] == "Maple Ridge Books LLC"
    assert AuditEvent.objects.filter(organization=org, action="connected", actor=owner.user).count() == 1

    page = client.get(PAGE).content.decode()
    assert "Connected to QuickBooks company “Maple Ridge Books LLC”" in page
    for shown in ("Connected", "Simulator", "Maple Ridge Books LLC", realm):
        assert shown in page


def test_user_cancel_changes_nothing(qbo: Qbo, org: Organization, owner_client: Client) -> None:
    realm = qbo.company()
    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm, action="cancel")
    assert params["error"] == "access_denied" and "code" not in params

    owner_client.get(CALLBACK, params)

    assert not QuickBooksConnection.objects.filter(organization=org).exists()
    assert any("cancelled" in m for m in flashes(owner_client))
    assert AuditEvent.objects.filter(organization=org, action="connect_cancelled").count() == 1
    assert qbo.exchanges(realm) == 0


def test_missing_state_exchanges_nothing(qbo: Qbo, org: Organization, owner_client: Client) -> None:
    realm = qbo.company()
    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm)
    del params["state"]

    owner_client.get(CALLBACK, params)

    assert qbo.exchanges(realm) == 0
    assert not QuickBooksConnection.objects.filter(organization=org).exists()
    assert any("no state" in m for m in flashes(owner_client))


def test_unknown_state_exchanges_nothing(qbo: Qbo, org: Organization, owner_client: Client) -> None:
    realm = qbo.company()
    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm)

    owner_client.get(CALLBACK, {**params, "state": "forged-" + params["state"][:20]})

    assert qbo.exchanges(realm) == 0
    assert not QuickBooksConnection.objects.filter(organization=org).exists()


def test_reused_state_exchanges_nothing_and_first_tokens_survive(qbo: Qbo, org: Organization,
                                                                 owner_client: Client) -> None:
    realm = qbo.company()
    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm)
    owner_client.get(CALLBACK, params)
    assert qbo.exchanges(realm) == 1

    owner_client.get(CALLBACK, params)  # a double callback: browser retry, two address families...

    assert qbo.exchanges(realm) == 1
    assert any("already used" in m for m in flashes(owner_client))
    conn = QuickBooksConnection.objects.get(organization=org)
    # A second code exchange would have revoked the first tokens (QBO rule): they still work.
    assert client_for(conn).company_info()["CompanyName"] == conn.company_name


def test_foreign_state_exchanges_nothing_and_leaves_the_owner_flow_intact(
        qbo: Qbo, org: Organization, member: Callable) -> None:
    owner = _login(member(org, Role.OWNER))
    realm = qbo.company()
    params = authorize_at_sim(qbo, start_connect(owner), realm_id=realm)

    # Another Owner (an attacker's account) replays the reply; so does the same user in another browser.
    intruder = _login(member_add(organization=org, username="second-owner", role=Role.OWNER, password=PASSWORD))
    intruder.get(CALLBACK, params)
    same_user_other_browser = Client()
    same_user_other_browser.force_login(OAuthState.objects.get(state=params["state"]).user)
    same_user_other_browser.get(CALLBACK, params)

    assert qbo.exchanges(realm) == 0
    assert any("started elsewhere" in m for m in flashes(same_user_other_browser))
    assert not QuickBooksConnection.objects.filter(organization=org).exists()
    # The state was not burnt by the refusals: the real browser still finishes.
    owner.get(CALLBACK, params)
    assert QuickBooksConnection.objects.get(organization=org).status == ConnectionStatus.CONNECTED
    assert qbo.exchanges(realm) == 1


def test_state_of_another_organization_is_refused(qbo: Qbo, org: Organization, other_org: Organization,
                                                  member: Callable) -> None:
    theirs = _login(member(other_org, Role.OWNER))
    realm = qbo.company()
    params = authorize_at_sim(qbo, start_connect(theirs), realm_id=realm)

    ours = _login(member(org, Role.OWNER))
    ours.get(CALLBACK, params)

    assert qbo.exchanges(realm) == 0
    assert not QuickBooksConnection.objects.exists()


def test_connect_while_connected_is_refused_before_intuit(qbo: Qbo, org: Organization, owner_client: Client,
                                                          connect: Callable) -> None:
    connect(owner_client, org, qbo.company("First Books"))
    states = OAuthState.objects.count()

    response = owner_client.post(PAGE + "connect/")

    assert response.status_code == 302 and response["Location"] == PAGE
    assert OAuthState.objects.count() == states
    assert any("already connected. Disconnect it first" in m for m in flashes(owner_client))
