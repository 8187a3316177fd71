"""The per-invoice QuickBooks action in the invoice list's row menu and on the invoice page: every row of
the label table, who may press it, what pressing it does, and the list staying constant-query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
import requests
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization, Role
from customers.models import Customer
from integrations.models import ConnectionStatus, JobState, SyncJob, SyncPreferences
from invoicing.models import Invoice, InvoiceStatus
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain
from tests.integrations.push_ui_helpers import (
    Element,
    add_job,
    add_ref,
    by_testid,
    db_connection,
    one,
    open_job,
    set_status,
)

pytestmark = pytest.mark.django_db

LIST = "/invoices/"
S = InvoiceStatus


def sync_url(invoice: Invoice) -> str:
    return f"/settings/integrations/quickbooks/invoices/{invoice.pk}/sync/"


def _actions(client: Client, url: str) -> list[Element]:
    response = client.get(url)
    assert response.status_code == 200
    return by_testid(response.content, "qbo-sync-action")


def _both_pages(client: Client, invoice: Invoice) -> list[Element]:
    """The action in the list's row menu and on the invoice page; they must agree."""
    in_list, on_page = _actions(client, LIST), _actions(client, f"/invoices/{invoice.pk}/")
    assert [(e.text, e.disabled, e.attrs["data-kind"]) for e in in_list] == [
        (e.text, e.disabled, e.attrs["data-kind"]) for e in on_page]
    return in_list


# (status, job state or None, mapped in QBO, label, enabled, kind)
TABLE = {
    "never synced": (S.SENT, None, False, "Sync to QuickBooks", True, "sync"),
    "queued": (S.SENT, JobState.QUEUED, False, "Sync queued", False, "queued"),
    "running": (S.PAID, JobState.RUNNING, True, "Sync queued", False, "queued"),
    "backoff": (S.OVERDUE, JobState.BACKOFF, False, "Retry", True, "retry"),
    "error": (S.GENERATED, JobState.ERROR, True, "Retry", True, "retry"),
    "paused": (S.SENT, JobState.PAUSED, False, "Sync paused", False, "paused"),
    "synced": (S.PARTIALLY_PAID, None, True, "Force re-sync", True, "resync"),
    "synced, voided since": (S.VOID, None, True, "Force re-sync", True, "resync"),
    "disputed": (S.DISPUTED, None, True, "Resolve the dispute first", True, "disputed"),  # a pointer, not a button
}


@pytest.mark.parametrize("case", TABLE)
def test_action_label_table(case: str, org: Organization, owner_client: Client,
                            make_invoice: Callable[..., Invoice]) -> None:
    status, job_state, mapped, label, enabled, kind = TABLE[case]
    invoice = set_status(make_invoice(org), status)
    conn = db_connection(org)
    if job_state:
        add_job(conn, invoice, job_state, last_error="QuickBooks said no: the customer is inactive.",
                last_error_hint="Make the customer active in QuickBooks.")
    if mapped:
        add_ref(conn, invoice, "4711")
    [action] = _both_pages(owner_client, invoice)
    assert (action.text, not action.disabled, action.attrs["data-kind"]) == (label, enabled, kind)
    html = owner_client.get(LIST).content.decode()
    if mapped:
        link = one(html, "qbo-id")
        assert "#4711" in link.text
        assert link.attrs["href"].endswith(f"/app/invoice?txnId=4711&realmId={conn.realm_id}")
    else:
        assert not by_testid(html, "qbo-id")
    if job_state in (JobState.BACKOFF, JobState.ERROR):
        assert "Last try failed: QuickBooks said no" in html  # the reason shows next to Retry
        assert action.attrs["title"] == "Make the customer active in QuickBooks."


def test_drafts_show_no_action(org: Organization, owner_client: Client, make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    db_connection(org)
    assert _both_pages(owner_client, invoice) == []


def test_expired_authorization_shows_sync_paused(org: Organization, owner_client: Client,
                                                 make_invoice: Callable[..., Invoice]) -> None:
    invoice = set_status(make_invoice(org), S.SENT)
    db_connection(org, status=ConnectionStatus.AUTH_EXPIRED)
    [action] = _both_pages(owner_client, invoice)
    assert action.disabled and action.text == "Sync paused"
    assert "reconnects in Settings → Integrations → QuickBooks" in action.attrs["title"]


@pytest.mark.parametrize("link", [None, ConnectionStatus.DISCONNECTED])
def test_not_connected_is_disabled_and_points_to_settings(link: str | None, org: Organization, owner_client: Client,
                                                          make_invoice: Callable[..., Invoice]) -> None:
    invoice = set_status(make_invoice(org), S.SENT)
    if link:
        db_connection(org, status=link)
    [action] = _both_pages(owner_client, invoice)
    assert action.disabled and action.text == "Sync to QuickBooks"
    assert "Settings → Integrations → QuickBooks" in action.attrs["title"]
    hint = one(owner_client.get(LIST).content, "qbo-sync-hint")
    assert hint.attrs["href"] == "/settings/integrations/quickbooks/"


def test_starter_plan_counts_as_not_connected(make_org: Callable[..., Organization],
                                              client_for: Callable[[Organization, str], Client],
                                              make_invoice: Callable[..., Invoice]) -> None:
    starter = make_org("Small Shop", plan="starter")
    invoice = set_status(make_invoice(starter), S.SENT)
    [action] = _both_pages(client_for(starter, Role.OWNER), invoice)
    assert action.disabled and action.attrs["data-kind"] == "not_connected"


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.ADMIN, Role.OWNER])
def test_the_office_may_sync(role: str, org: Organization, client_for: Callable[[Organization, str], Client],
                             make_invoice: Callable[..., Invoice]) -> None:
    invoice = set_status(make_invoice(org), S.SENT)
    db_connection(org)
    client = client_for(org, role)
    assert [a.text for a in _both_pages(client, invoice)] == ["Sync to QuickBooks"]
    response = client.post(sync_url(invoice), {"next": "/invoices/?status=sent"})
    assert response.status_code == 302 and response["Location"] == "/invoices/?status=sent"
    job = open_job(invoice)
    assert (job.state, job.operation, job.requested_by_person) == (JobState.QUEUED, "upsert", True)
    assert [a.text for a in _both_pages(client, invoice)] == ["Sync queued"]


def test_technicians_neither_see_nor_post(org: Organization, client_for: Callable[[Organization, str], Client],
                                          make_invoice: Callable[..., Invoice]) -> None:
    invoice = set_status(make_invoice(org), S.SENT)
    conn = db_connection(org)
    add_ref(conn, invoice, "88")
    technician = client_for(org, Role.TECHNICIAN)
    assert _both_pages(technician, invoice) == []
    assert "#88" in one(technician.get(LIST).content, "qbo-id").text  # the QBO id is information, not an action
    assert technician.post(sync_url(invoice)).status_code == 403
    assert not SyncJob.objects.exists()


def test_another_organizations_invoice_is_404(org: Organization, other_org: Organization, owner_client: Client,
                                              make_invoice: Callable[..., Invoice]) -> None:
    theirs = set_status(make_invoice(other_org), S.SENT)
    db_connection(org)
    db_connection(other_org, realm_id="9130-OTHER")
    assert owner_client.post(sync_url(theirs)).status_code == 404
    assert not SyncJob.objects.exists()


def test_force_resync_and_retry_queue_the_job_again(org: Organization, owner_client: Client,
                                                    make_invoice: Callable[..., Invoice]) -> None:
    synced, failed = set_status(make_invoice(org), S.PAID), set_status(make_invoice(org), S.SENT)
    conn = db_connection(org)
    add_ref(conn, synced, "12")
    add_job(conn, failed, JobState.ERROR, attempts=8, last_error="Gave up.")
    owner_client.post(sync_url(synced))
    owner_client.post(sync_url(failed))
    assert open_job(synced).state == JobState.QUEUED
    failed_job = open_job(failed)
    assert (failed_job.state, failed_job.attempts) == (JobState.QUEUED, 0)


def _flash(client: Client) -> list[str]:
    return [str(m) for m in client.get(LIST).context["messages"]]


@pytest.mark.parametrize("case", ["queued", "draft", "disputed", "not connected", "invoices not synced"])
def test_refusals_flash_a_message_and_change_nothing(case: str, org: Organization, owner_client: Client,
                                                     make_invoice: Callable[..., Invoice]) -> None:
    status = {"draft": S.DRAFT, "disputed": S.DISPUTED}.get(case, S.SENT)
    invoice = set_status(make_invoice(org), status)
    if case != "not connected":
        conn = db_connection(org)
    if case == "queued":
        add_job(conn, invoice, JobState.QUEUED)
    if case == "invoices not synced":
        SyncPreferences.objects.update_or_create(organization=org, defaults={"sync_invoices": False})
    before = list(SyncJob.objects.values_list("id", "state", "attempts"))
    response = owner_client.post(sync_url(invoice))
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    [message] = _flash(owner_client)
    assert message.startswith(f"Invoice {invoice.number}: ")
    expected = {"queued": "Waiting for a worker", "draft": "Draft invoices do not sync", "disputed": "resolve the dispute",
                "not connected": "Settings → Integrations → QuickBooks", "invoices not synced": "preferences"}
    assert expected[case] in message
    assert list(SyncJob.objects.values_list("id", "state", "attempts")) == before


def test_an_off_site_next_is_ignored(org: Organization, owner_client: Client,
                                     make_invoice: Callable[..., Invoice]) -> None:
    invoice = set_status(make_invoice(org), S.SENT)
    db_connection(org)
    response = owner_client.post(sync_url(invoice), {"next": "https://evil.example/"})
    assert response["Location"] == f"/invoices/{invoice.pk}/"


def test_sync_then_run_shows_force_resync_and_a_working_qbo_link(
        qbo: Qbo, org: Organization, owner_client: Client, make_invoice: Callable[..., Invoice]) -> None:
    invoice = set_status(make_invoice(org), S.SENT)  # finalized before connecting: pushed only on request
    realm = qbo.company("Link Check Books")
    connect_org(qbo.control, org, realm)
    assert [a.text for a in _both_pages(owner_client, invoice)] == ["Sync to QuickBooks"]
    owner_client.post(sync_url(invoice))
    drain()
    [action] = _both_pages(owner_client, invoice)
    assert action.text == "Force re-sync"
    link = one(owner_client.get(f"/invoices/{invoice.pk}/").content, "qbo-id")
    page = requests.get(link.attrs["href"], timeout=10)  # QBO's own page for the record: HTML, not JSON
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f"Invoice #{invoice.number}" in page.text and "txnId=" in link.attrs["href"]


# ---- the list stays constant-query with the sync items shown -------------------------------------------

def _bulk(org: Organization, count: int) -> list[Invoice]:
    customer = Customer.objects.create(organization=org, display_name="Bulk Customer")
    statuses = [S.SENT, S.PAID, S.OVERDUE, S.DISPUTED, S.DRAFT, S.GENERATED]
    return Invoice.objects.bulk_create(
        Invoice(organization=org, number=f"INV-{n:06d}", customer=customer, status=statuses[n % len(statuses)],
                issue_date=date.today() - timedelta(days=n), due_date=date.today() + timedelta(days=30))
        for n in range(1, count + 1))


def _with_sync_state(org: Organization, invoices: list[Invoice], realm_id: str) -> None:
    conn = db_connection(org, realm_id=realm_id)
    states = [JobState.QUEUED, JobState.ERROR, JobState.BACKOFF, None]
    for n, invoice in enumerate(invoices):
        state = states[n % 4]
        if state:
            add_job(conn, invoice, state)
        if n % 3 == 0:
            add_ref(conn, invoice, str(1000 + n))


def _list_queries(client: Client) -> tuple[int, int]:
    with CaptureQueriesContext(db) as ctx:
        response = client.get(LIST)
    return len(ctx.captured_queries), len(by_testid(response.content, "qbo-sync-action"))


@pytest.mark.parametrize("role", [Role.OWNER, Role.TECHNICIAN])
def test_list_query_count_does_not_grow_with_rows(role: str, make_org: Callable[..., Organization],
                                                  client_for: Callable[[Organization, str], Client]) -> None:
    small, big = make_org("Small"), make_org("Big")
    _with_sync_state(small, _bulk(small, 5), "9130-SMALL")
    _with_sync_state(big, _bulk(big, 60), "9130-BIG")
    small_queries, small_actions = _list_queries(client_for(small, role))
    big_queries, big_actions = _list_queries(client_for(big, role))
    assert small_queries == big_queries
    if role == Role.OWNER:
        assert (small_actions, big_actions) == (4, 42)  # every row but drafts, on a page of 50
    else:
        assert small_actions == big_actions == 0
