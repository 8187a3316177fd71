"""The sync-queue banner on the QuickBooks page, its polled partial, and the nav badge: every state, as
people see it. The pages only read the database, so these tests make the rows directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organization, Role
from customers.models import Customer
from integrations.models import ConnectionStatus, JobState, ObjectType
from integrations.push.selectors import retry_wait
from invoicing.models import Invoice, InvoiceStatus
from tests.integrations.push_ui_helpers import add_job, by_testid, db_connection, one, set_status

pytestmark = pytest.mark.django_db

PAGE = "/settings/integrations/quickbooks/"
PARTIAL = PAGE + "queue/"
BADGE = PAGE + "queue/badge/"


@pytest.fixture
def issued(org: Organization, make_invoice: Callable[..., Invoice]) -> Callable[[], Invoice]:
    """Sent invoices made before the org connects (a connected org's new customers queue themselves)."""
    ready = [set_status(make_invoice(org), InvoiceStatus.SENT) for _ in range(4)]
    return ready.pop


def _banner(client: Client, url: str = PARTIAL) -> tuple[str, bytes]:
    response = client.get(url)
    assert response.status_code == 200
    return one(response.content, "qbo-queue-banner").attrs["data-state"], response.content


def test_not_connected(org: Organization, owner_client: Client) -> None:
    state, html = _banner(owner_client, PAGE)
    assert state == "not_connected"
    assert "Connect a QuickBooks company" in one(html, "qbo-queue-not-connected").text
    assert not by_testid(html, "qbo-sync-all-pending")  # nothing could run


def test_empty_queue_on_the_quickbooks_page(org: Organization, owner_client: Client,
                                            issued: Callable[[], Invoice]) -> None:
    conn = db_connection(org)
    add_job(conn, issued(), JobState.DONE)  # finished work is not "in the queue"
    state, html = _banner(owner_client, PAGE)
    assert state == "empty"
    assert one(html, "qbo-queue-state").text == "Queue empty"
    assert "Queue empty" in one(html, "qbo-queue-empty").text
    assert one(html, "qbo-sync-all-pending").text == "Sync All Pending"


def test_queued_items_are_being_sent(org: Organization, owner_client: Client, issued: Callable[[], Invoice]) -> None:
    conn = db_connection(org)
    add_job(conn, issued(), JobState.QUEUED)
    add_job(conn, issued(), JobState.RUNNING)
    state, html = _banner(owner_client)
    assert state == "queued"
    assert one(html, "qbo-queue-queued").text == "2 items queued — sending now."


def test_pending_retry_shows_count_and_the_earliest_next_retry(org: Organization, owner_client: Client,
                                                                issued: Callable[[], Invoice]) -> None:
    conn = db_connection(org)
    soon = timezone.now() + timedelta(minutes=4)
    add_job(conn, issued(), JobState.BACKOFF, attempts=2, next_attempt_at=soon + timedelta(minutes=30))
    add_job(conn, issued(), JobState.BACKOFF, attempts=1, next_attempt_at=soon)
    add_job(conn, issued(), JobState.BACKOFF, attempts=3, next_attempt_at=soon + timedelta(hours=1))
    state, html = _banner(owner_client)
    assert state == "pending"
    assert "3 items pending retry — in backoff." in one(html, "qbo-queue-pending").text
    shown = datetime.fromisoformat(one(html, "qbo-queue-next-retry").attrs["datetime"])
    assert abs(shown - soon) < timedelta(seconds=1)  # 'c' format drops microseconds


def test_errors_list_each_item_with_message_hint_code_and_retry(
        org: Organization, owner_client: Client, issued: Callable[[], Invoice],
        make_customer: Callable[..., Customer]) -> None:
    invoice, customer = issued(), make_customer(org, "Hedy Lamarr")
    conn = db_connection(org)
    add_job(conn, invoice, JobState.ERROR, attempts=1, last_error="QuickBooks refused the invoice: line 2 has no item.",
            last_error_hint="Pick a product on line 2.", last_fault_code="2020")
    add_job(conn, customer, JobState.ERROR, object_type=ObjectType.CUSTOMER, attempts=1,
            last_error="A vendor in QuickBooks already uses this name.",
            last_error_hint="Rename the customer or link it.", last_fault_code="6240")
    add_job(conn, issued(), JobState.BACKOFF, next_attempt_at=timezone.now() + timedelta(minutes=1))
    state, html = _banner(owner_client, PAGE)
    assert state == "errors"
    items = {e.attrs["data-job"]: e.text for e in by_testid(html, "qbo-queue-error")}
    assert len(items) == 2
    texts = " | ".join(items.values())
    for expected in (f"Invoice {invoice.number}", "line 2 has no item", "Pick a product on line 2.", "Fault 2020",
                     "Customer Hedy Lamarr", "already uses this name", "Rename the customer", "Fault 6240"):
        assert expected in texts
    assert [b.text for b in by_testid(html, "qbo-queue-retry")] == ["Retry", "Retry"]
    # The other kinds of open work still show alongside the errors.
    assert "1 item pending retry" in one(html, "qbo-queue-pending").text
    assert f'href="/invoices/{invoice.pk}/"' in html.decode()


def test_paused_shows_its_reason(org: Organization, owner_client: Client, issued: Callable[[], Invoice]) -> None:
    conn = db_connection(org, status=ConnectionStatus.AUTH_EXPIRED)
    reason = "QuickBooks no longer accepts this app's authorization (invalid_grant)."
    add_job(conn, issued(), JobState.PAUSED, last_error=reason)
    add_job(conn, issued(), JobState.PAUSED, last_error=reason)
    state, html = _banner(owner_client, PAGE)
    assert state == "paused"
    paused = one(html, "qbo-queue-paused").text
    assert reason in paused and "2 items wait" in paused and "reconnected" in paused


def test_technicians_see_the_banner_without_buttons(org: Organization,
                                                    client_for: Callable[[Organization, str], Client],
                                                    issued: Callable[[], Invoice]) -> None:
    conn = db_connection(org)
    add_job(conn, issued(), JobState.ERROR, last_error="Nope.")
    state, html = _banner(client_for(org, Role.TECHNICIAN))
    assert state == "errors" and len(by_testid(html, "qbo-queue-error")) == 1
    assert not by_testid(html, "qbo-queue-retry") and not by_testid(html, "qbo-sync-all-pending")


def test_polling_answers_204_until_something_changes(org: Organization, owner_client: Client,
                                                     issued: Callable[[], Invoice]) -> None:
    conn = db_connection(org)
    job = add_job(conn, issued(), JobState.QUEUED)
    version = one(owner_client.get(PARTIAL).content, "qbo-queue-banner").attrs["hx-get"].split("v=")[1]
    assert owner_client.get(PARTIAL, {"v": version}).status_code == 204
    job.state = JobState.ERROR
    job.save()
    response = owner_client.get(PARTIAL, {"v": version})
    assert response.status_code == 200 and one(response.content, "qbo-queue-banner").attrs["data-state"] == "errors"


def test_banner_is_scoped_to_the_organization(org: Organization, other_org: Organization, owner_client: Client,
                                              make_invoice: Callable[..., Invoice]) -> None:
    their_invoice = set_status(make_invoice(other_org), InvoiceStatus.SENT)
    db_connection(org)
    theirs = db_connection(other_org, realm_id="9130-OTHER")
    add_job(theirs, their_invoice, JobState.ERROR, last_error="Theirs.")
    state, html = _banner(owner_client)
    assert state == "empty" and b"Theirs." not in html


# ---- the nav badge -----------------------------------------------------------------------------------

def _badge(client: Client, url: str = "/") -> tuple[str, str, bool]:
    badge = one(client.get(url).content, "qbo-nav-badge")
    return badge.attrs["data-tone"], badge.text, "hidden" in badge.attrs


def test_nav_badge_tones(org: Organization, owner_client: Client, issued: Callable[[], Invoice]) -> None:
    assert _badge(owner_client) == ("", "0", True)  # not connected: nothing to say
    conn = db_connection(org)
    assert _badge(owner_client) == ("", "0", True)
    add_job(conn, issued(), JobState.QUEUED)
    add_job(conn, issued(), JobState.BACKOFF)
    assert _badge(owner_client) == ("pending", "2", False)
    add_job(conn, issued(), JobState.PAUSED)
    assert _badge(owner_client) == ("paused", "1", False)
    add_job(conn, issued(), JobState.ERROR)
    assert _badge(owner_client, BADGE) == ("error", "1", False)  # errors come first; the polled partial agrees


def test_nav_badge_costs_one_query_and_only_for_members(org: Organization, owner_client: Client,
                                                        issued: Callable[[], Invoice]) -> None:
    conn = db_connection(org)
    for state in (JobState.QUEUED, JobState.ERROR, JobState.PAUSED, JobState.BACKOFF):
        add_job(conn, issued(), state)
    with CaptureQueriesContext(db) as ctx:
        owner_client.get("/customers/")
    mine = [q["sql"] for q in ctx.captured_queries if "integrations_" in q["sql"]]
    assert len(mine) == 1, mine
    anonymous = Client().get("/login/")
    assert anonymous.status_code == 200 and not by_testid(anonymous.content, "qbo-nav-badge")


def test_backoff_says_how_long_in_seconds_and_names_the_waiting_items(
        org: Organization, owner_client: Client, issued: Callable[[], Invoice],
        make_customer: Callable[..., Customer]) -> None:
    """Backoffs start at 30 s: "in 0 minutes" said nothing, and nobody could tell which items waited."""
    customers = [make_customer(org, f"Waiting Customer {n}") for n in range(3)]  # before connecting: no auto-queue
    invoices = [issued() for _ in range(4)]
    conn = db_connection(org)
    now = timezone.now()
    for n, invoice in enumerate(invoices):
        add_job(conn, invoice, JobState.BACKOFF, attempts=2, next_attempt_at=now + timedelta(seconds=40 + 60 * n),
                last_error="QuickBooks did not answer (timeout).")
    for n, customer in enumerate(customers):
        add_job(conn, customer, JobState.BACKOFF, object_type=ObjectType.CUSTOMER,
                attempts=1, next_attempt_at=now + timedelta(hours=1, minutes=n))
    _, html = _banner(owner_client)
    wait = one(html, "qbo-queue-next-retry-in").text
    assert wait in {"(in 40 seconds)", "(in 39 seconds)", "(in 38 seconds)"}, wait
    items = by_testid(html, "qbo-queue-waiting-item")
    assert len(items) == 5
    assert f"Invoice {invoices[0].number}" in items[0].text and "attempt 2" in items[0].text
    assert "QuickBooks did not answer" in items[0].text
    assert one(html, "qbo-queue-waiting-more").text == "and 2 more"


def test_retry_wait_reads_naturally() -> None:
    now = timezone.now()
    assert retry_wait(now - timedelta(seconds=5), now=now) == "due now"
    assert retry_wait(now + timedelta(seconds=1), now=now) == "in 1 second"
    assert retry_wait(now + timedelta(seconds=61), now=now) == "in 2 minutes"
    assert retry_wait(now + timedelta(minutes=65), now=now) == "in 1 h 05 min"
