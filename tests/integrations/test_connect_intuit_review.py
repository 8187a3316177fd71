"""Issue 12.8: what Intuit's app review checks, each as a person meets it: the Launch, Reconnect and
Disconnect-landing URLs, a callback that only redirects, a connection that outlives the browser session,
the support contact, the refresh token's 5-year hard end stored and warned about, and every API request
pinned to a minor version (read back from the simulator's request log)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.models import Organization, Role
from fsm.views import server_error
from integrations.models import ConnectionStatus, JobState, ObjectType, QuickBooksConnection, SyncAttempt
from integrations.qbo.client import MINOR_VERSION
from integrations.qbo.tokens import access_token_for, client_for
from tests.conftest import PASSWORD
from tests.integrations.conftest import CALLBACK, PAGE, Qbo, authorize_at_sim, flashes, start_connect
from tests.integrations.import_helpers import customer, run_import
from tests.integrations.push_ui_helpers import add_job, by_testid, db_connection

pytestmark = pytest.mark.django_db
FIVE_YEARS = timedelta(days=5 * 365)


def test_launch_url_signs_in_then_opens_the_quickbooks_page(org: Organization, member: Callable) -> None:
    owner = member(org, Role.OWNER)
    browser = Client()

    first = browser.get(PAGE + "launch/")
    assert first.status_code == 302 and first["Location"].startswith("/login/?next=")
    signed_in = browser.post(first["Location"], {"username": owner.user.username, "password": PASSWORD},
                             follow=True)

    assert signed_in.redirect_chain[-1][0] == PAGE and signed_in.status_code == 200
    assert "QuickBooks Online" in signed_in.content.decode()


def test_disconnect_landing_page_says_how_to_reconnect_without_signing_in(settings: Any) -> None:
    settings.FSM_SUPPORT_EMAIL = "help@fielddesk.test"
    page = Client().get(PAGE + "disconnected/")

    html = page.content.decode()
    assert page.status_code == 200 and "QuickBooks is disconnected" in html
    assert "To reconnect" in html and PAGE + "reconnect/" in html and "help@fielddesk.test" in html


def test_reconnect_url_takes_the_owner_straight_to_intuit(qbo: Qbo, org: Organization, owner_client: Client,
                                                          connect: Callable, client_for: Callable) -> None:
    conn = connect(owner_client, org, qbo.company("Rowan Books"))
    assert owner_client.get(PAGE + "reconnect/")["Location"] == PAGE  # connected and far from its end
    QuickBooksConnection.objects.filter(pk=conn.pk).update(status=ConnectionStatus.AUTH_EXPIRED)

    to_intuit = owner_client.get(PAGE + "reconnect/")
    dispatcher = client_for(org, Role.DISPATCHER).get(PAGE + "reconnect/")

    assert to_intuit["Location"].startswith(qbo.url + "/connect/oauth2?")
    params = authorize_at_sim(qbo, to_intuit["Location"], realm_id=conn.realm_id)
    assert owner_client.get(CALLBACK, params)["Location"] == PAGE
    conn.refresh_from_db()
    assert conn.status == ConnectionStatus.CONNECTED
    assert dispatcher["Location"] == PAGE


def test_callback_answers_a_failure_inside_with_a_redirect_and_a_message(
        qbo: Qbo, org: Organization, owner_client: Client, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.FSM_SUPPORT_EMAIL = "help@fielddesk.test"
    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=qbo.company("Broken Books"))

    def broken(**kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("integrations.connection.views.connect.connect_complete", broken)
    response = owner_client.get(CALLBACK, params)

    assert response.status_code == 302 and response["Location"] == PAGE
    assert any("nothing was connected" in m and "help@fielddesk.test" in m for m in flashes(owner_client))


def test_starter_plan_callback_redirects_with_the_reason(make_org: Callable, client_for: Callable) -> None:
    from accounts.models import Plan

    client = client_for(make_org("Tiny Co", plan=Plan.STARTER), Role.OWNER)
    response = client.get(CALLBACK, {"state": "x", "code": "y", "realmId": "1"})

    assert response.status_code == 302 and response["Location"] == PAGE
    assert any("Pro and Enterprise plans" in m for m in flashes(client))


def test_connection_survives_sign_out_and_a_new_browser(qbo: Qbo, org: Organization, member: Callable) -> None:
    owner = member(org, Role.OWNER)
    first_browser = Client()
    first_browser.force_login(owner.user)
    realm = qbo.company("Spruce Books")
    first_browser.get(CALLBACK, authorize_at_sim(qbo, start_connect(first_browser), realm_id=realm))
    first_browser.post("/logout/")
    assert first_browser.get(PAGE).status_code == 302  # signed out

    new_browser = Client()
    new_browser.post("/login/", {"username": owner.user.username, "password": PASSWORD})
    html = new_browser.get(PAGE).content.decode()

    assert 'data-testid="qbo-status-label">Connected<' in html and "Spruce Books" in html
    conn = QuickBooksConnection.objects.get(organization=org)
    assert client_for(conn).company_info()["CompanyName"] == "Spruce Books"
    assert qbo.exchanges(realm) == 1  # nothing had to be authorized again


def test_support_contact_on_the_quickbooks_page_and_error_pages(org: Organization, owner_client: Client,
                                                                settings: Any) -> None:
    settings.FSM_SUPPORT_EMAIL = "help@fielddesk.test"
    assert "help@fielddesk.test" in owner_client.get(PAGE).content.decode()
    assert "help@fielddesk.test" in owner_client.get("/customers/999999/").content.decode()
    assert "help@fielddesk.test" in server_error(RequestFactory().get("/")).content.decode()


def test_hard_expiry_is_asked_for_stored_and_kept_on_refresh(qbo: Qbo, org: Organization, owner_client: Client,
                                                             connect: Callable) -> None:
    conn = connect(owner_client, org, qbo.company("Poplar Books"))
    hard_end = conn.refresh_token_hard_expires_at
    assert hard_end is not None and abs(hard_end - (timezone.now() + FIVE_YEARS)) < timedelta(minutes=5)

    access_token_for(connection_id=conn.pk, failed_token=conn.access_token)  # a refresh
    conn.refresh_from_db()
    assert abs(conn.refresh_token_hard_expires_at - hard_end) < timedelta(minutes=1)  # the limit never moves


def test_near_the_hard_end_the_owner_renews_by_reconnecting_the_same_company(
        qbo: Qbo, org: Organization, owner_client: Client, connect: Callable) -> None:
    conn = connect(owner_client, org, qbo.company("Hazel Books"))
    QuickBooksConnection.objects.filter(pk=conn.pk).update(
        refresh_token_hard_expires_at=timezone.now() + timedelta(days=20))
    assert 'data-testid="qbo-authorization-banner"' in owner_client.get("/customers/").content.decode()

    again = connect(owner_client, org, conn.realm_id)

    assert again.pk == conn.pk and again.status == ConnectionStatus.CONNECTED
    assert again.refresh_token_hard_expires_at - timezone.now() > FIVE_YEARS - timedelta(days=1)
    assert 'data-testid="qbo-authorization-banner"' not in owner_client.get("/customers/").content.decode()


def test_every_api_request_is_pinned_to_the_minor_version(qbo: Qbo, org: Organization, owner_client: Client,
                                                          connect: Callable, make_customer: Callable) -> None:
    realm = qbo.company("Linden Books")
    customer(qbo.control, realm, "From QuickBooks")
    make_customer(org, "From FieldDesk")
    conn = connect(owner_client, org, realm)
    run_import(conn)  # reads, counts, queries and a batch create
    client = client_for(conn)
    client.cdc(["Customer"], (timezone.now() - timedelta(hours=1)).isoformat())
    client.get("Customer", client.find_by("Customer", "DisplayName", "From QuickBooks")[0]["Id"])

    calls = [r for r in qbo.control.requests() if r["realm"] == realm]

    kinds = {r["path"].split("/")[4] for r in calls}
    assert {"companyinfo", "query", "batch", "cdc", "customer"} <= kinds, kinds
    assert all(r["minorversion"] == str(MINOR_VERSION) for r in calls), [
        (r["method"], r["path"]) for r in calls if r["minorversion"] != str(MINOR_VERSION)]


def test_a_failed_push_in_the_queue_banner_names_its_intuit_tid(org: Organization, owner_client: Client,
                                                               make_customer: Callable) -> None:
    ada = make_customer(org, "Ada Lovelace")  # made before connecting: a new customer would queue itself
    conn = db_connection(org)
    job = add_job(conn, ada, JobState.ERROR, object_type=ObjectType.CUSTOMER,
                  attempts=1, last_error="A vendor in QuickBooks already uses this name.", last_fault_code="6240")
    for tid, minutes in (("1-older-tid", 5), ("1-latest-tid", 1)):
        SyncAttempt.objects.create(connection=conn, job=job, object_type="customer", local_id=job.local_id,
                                   operation="create", outcome="error", http_status=400, fault_code="6240",
                                   intuit_tid=tid, started_at=timezone.now() - timedelta(minutes=minutes))

    html = owner_client.get(PAGE).content

    (shown,) = by_testid(html, "qbo-queue-error-tid")
    assert shown.text.strip() == "intuit_tid 1-latest-tid"
