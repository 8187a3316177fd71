"""Issue 12.7: a grant we do not keep is revoked, and a person never reads raw QuickBooks JSON: the
messages say what happened in plain words and carry the `intuit_tid` Intuit's support asks for."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import Settings

from accounts.models import Organization
from integrations.models import ConnectionStatus, QuickBooksConnection
from tests.integrations.conftest import CALLBACK, CONNECT, PAGE, Qbo, authorize_at_sim, flashes, start_connect

pytestmark = pytest.mark.django_db


def test_company_info_failure_after_the_exchange_revokes_the_grant(qbo: Qbo, org: Organization,
                                                                   owner_client: Client) -> None:
    realm = qbo.company("Juniper Books")
    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm)
    qbo.control.set_faults(realm, error_next=1, error_statuses=[503])  # the CompanyInfo read fails

    response = owner_client.get(CALLBACK, params)

    assert response.status_code == 302 and response["Location"] == PAGE
    assert qbo.exchanges(realm) == 1
    assert not QuickBooksConnection.objects.filter(organization=org).exists()
    assert qbo.control.revoke(realm) == 0  # nothing left live at Intuit: we revoked what we got
    (message,) = flashes(owner_client)
    assert "authorization was withdrawn" in message and "QuickBooks reference (intuit_tid): " in message
    assert "{" not in message and "Fault" not in message


def test_unreachable_discovery_says_so_in_plain_words_with_intuit_tid(qbo: Qbo, settings: Settings,
                                                                     owner_client: Client) -> None:
    settings.QBO_SIM_URL = qbo.url + "/_sim/nowhere"  # the discovery document answers 404 with a JSON body

    response = owner_client.post(CONNECT)

    assert response.status_code == 302 and response["Location"] == PAGE
    (message,) = flashes(owner_client)
    assert message.startswith("QuickBooks refused to start the connection (HTTP 404)")
    assert "intuit_tid" in message and "{" not in message and "b'" not in message


def test_refused_exchange_shows_status_and_intuit_tid_not_the_body(qbo: Qbo, settings: Settings, org: Organization,
                                                                   owner_client: Client) -> None:
    realm = qbo.company("Larch Books")
    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm)
    settings.QBO_CLIENT_SECRET = "not-the-secret"  # the token endpoint answers 401 invalid_client

    owner_client.get(CALLBACK, params)

    (message,) = flashes(owner_client)
    assert "QuickBooks refused the authorization (HTTP 401)" in message and "intuit_tid" in message
    assert "invalid_client" not in message and "{" not in message
    assert not QuickBooksConnection.objects.filter(organization=org).exists()


def test_reconnect_choosing_another_company_exchanges_nothing(qbo: Qbo, org: Organization, owner_client: Client,
                                                             connect: Callable[..., QuickBooksConnection]) -> None:
    """The callback's realmId is checked before the code is exchanged: no grant exists to leak."""
    conn = connect(owner_client, org, qbo.company("Maple Books"))
    qbo.control.revoke(conn.realm_id)
    QuickBooksConnection.objects.filter(pk=conn.pk).update(status=ConnectionStatus.AUTH_EXPIRED)
    other = qbo.company("Someone Else's Books")

    owner_client.get(CALLBACK, authorize_at_sim(qbo, start_connect(owner_client), realm_id=other))

    assert qbo.exchanges(other) == 0 and qbo.control.revoke(other) == 0
    assert any("Nothing was exchanged" in m for m in flashes(owner_client))
